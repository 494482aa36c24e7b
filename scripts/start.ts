/**
 * `npm start`: starts tracing (when OTEL_EXPORTER_OTLP_ENDPOINT is set) before anything else is imported,
 * so the stack's Postgres clients are instrumented, then runs the stack (scripts/stack.ts).
 */
import { exitOnConfigError } from '../lib/config.ts';
import { readTelemetryConfig, startTelemetry } from '../lib/telemetry-sdk.ts';

await startTelemetry(
  exitOnConfigError(() => readTelemetryConfig(process.env, 'stack')),
  { postgres: true },
);
await import('./stack.ts');
