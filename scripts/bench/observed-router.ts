/**
 * The router as an operator observes it: tracing on (one trace in ten, exported over OTLP to a sink that
 * drops them) and /metrics served. Scenarios 1 and 2 run it beside the same router without either, for the
 * cost of observability (issue 18: at least 0.9× the throughput without it).
 */
import { freePort } from '../support/ports.ts';
import { scrapeMetrics } from '../support/prometheus.ts';
import { startOtlpSink } from './otlp-sink.ts';
import { repeatedRatio, times, type Check, type Measurement, type Ratio } from './results.ts';
import { startExtraRouter, type ExtraRouter, type PharmacyStack } from './stack.ts';

export interface ObservedRouter extends ExtraRouter {
  /** That it exported spans and that its /metrics counted the requests it served. */
  checks(): Promise<Check[]>;
}

/**
 * A router with the environment of the router it is compared with (`env`: without inbound deduplication, as
 * its contenders), traced and metered.
 */
export async function startObservedRouter(
  stack: PharmacyStack,
  env: Record<string, string>,
  logDir: string,
): Promise<ObservedRouter> {
  const otlpSink = await startOtlpSink();
  const metricsPort = await freePort();
  const router = await startExtraRouter(stack, {
    name: 'router-observed',
    env: {
      ...env,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlpSink.url,
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.1',
      OTEL_BSP_SCHEDULE_DELAY: '500',
      METRICS_PORT: String(metricsPort),
    },
    logDir,
  }).catch(async (error: unknown) => {
    await otlpSink.close();
    throw error;
  });
  return {
    ...router,
    async checks() {
      const served = [...(await scrapeMetrics(`http://127.0.0.1:${metricsPort}/metrics`))].filter(
        ([sample]) => sample.startsWith('pharmacy_router_requests_total{'),
      );
      return [
        {
          name: 'the traced router exported spans',
          ok: otlpSink.exports() > 0,
          detail: `${otlpSink.exports()} OTLP export requests`,
        },
        {
          name: "the traced router's /metrics counts the requests it served",
          ok: served.some(([, requests]) => requests > 0),
          detail: JSON.stringify(served).slice(0, 200),
        },
      ];
    },
    async stop() {
      await router.stop();
      await otlpSink.close();
    },
  };
}

/** Throughput of the observed router against the same router without tracing or metrics, repeat by repeat. */
export function observabilityCost(name: string, observed: Measurement[], plain: Measurement[]): Ratio {
  return repeatedRatio(
    `${name}: router traced (10%) and metered / router without either, req/s`,
    observed.map((run, repeat) => run.load.rps / (plain[repeat] as Measurement).load.rps),
    { atLeast: 0.9 },
    times,
    'tracing adds a fixed CPU cost per request (the trace context every request carries, the spans of the ' +
      'sampled tenth), large beside what small queries cost the router',
  );
}
