// Tracing starts before the rest of the router is imported, so its HTTP client is instrumented.
import { exitOnConfigError } from '../lib/config.ts';
import { readTelemetryConfig, startTelemetry } from '../lib/telemetry-sdk.ts';

const telemetry = await startTelemetry(exitOnConfigError(() => readTelemetryConfig(process.env, 'router')));
const { stopOnSignals } = await import('../lib/shutdown.ts');
const { readRouterConfig } = await import('./config.ts');
const { createRouter } = await import('./create-router.ts');

const router = createRouter(exitOnConfigError(() => readRouterConfig(process.env)));
await router.listen();
stopOnSignals(router.logger, async () => {
  await router.close();
  await telemetry.shutdown();
});
