// Tracing starts before the rest of the router is imported, as in every service; the router has no database,
// so nothing of it is instrumented: its spans are the gateway's and its own.
import { exitOnConfigError } from '../lib/config.ts';
import { readTelemetryConfig, startTelemetry } from '../lib/telemetry-sdk.ts';

const telemetry = await startTelemetry(
  exitOnConfigError(() => readTelemetryConfig(process.env, 'router')),
  {
    postgres: false,
  },
);
const { stopOnSignals } = await import('../lib/shutdown.ts');
const { readRouterConfig } = await import('./config.ts');
const { createRouter } = await import('./create-router.ts');

const router = createRouter(exitOnConfigError(() => readRouterConfig(process.env)));
await router.listen();
stopOnSignals(router.logger, async () => {
  await router.close();
  await telemetry.shutdown();
});
