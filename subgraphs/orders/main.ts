// Tracing starts before the rest of the service is imported, so its Postgres client is instrumented.
import { exitOnConfigError } from '../../lib/config.ts';
import { readTelemetryConfig, startTelemetry } from '../../lib/telemetry-sdk.ts';

const telemetry = await startTelemetry(
  exitOnConfigError(() => readTelemetryConfig(process.env, 'orders')),
  { postgres: true },
);
const { runSubgraph } = await import('../../lib/subgraph.ts');
const { ordersSubgraph } = await import('./orders.subgraph.ts');

await runSubgraph(ordersSubgraph, () => telemetry.shutdown());
