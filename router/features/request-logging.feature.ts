/** One log line per operation, with its request id (lib/request-logging.plugin.ts, as every service logs). */
import { requestLoggingPlugin } from '../../lib/request-logging.plugin.ts';
import type { RouterFeature } from '../router-feature.ts';

export function useRequestLogging(): RouterFeature {
  return { name: 'request logging', plugins: [requestLoggingPlugin()] };
}
