import type { Logger } from '../lib/logger.ts';

/** The router's per-request context; the verified identity will join it when authentication lands. */
export interface RouterContext {
  requestId: string;
  logger: Logger;
}
