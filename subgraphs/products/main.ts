// Tracing starts before the rest of the service is imported, so its Postgres client is instrumented.
import { exitOnConfigError } from '../../lib/config.ts';
import { readTelemetryConfig, startTelemetry } from '../../lib/telemetry-sdk.ts';

const telemetry = await startTelemetry(
  exitOnConfigError(() => readTelemetryConfig(process.env, 'products')),
  { postgres: true },
);
const { runSubgraph } = await import('../../lib/subgraph.ts');
const { productsSubgraph } = await import('./products.subgraph.ts');

await runSubgraph(productsSubgraph, () => telemetry.shutdown());
