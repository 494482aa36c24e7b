/**
 * Prometheus metrics: one registry per service (so `npm start`, every service in one process, still
 * serves each its own), its metrics, and `/metrics` on a port of its own (METRICS_PORT), which the
 * ingress never routes to. Labels come from bounded sets only: operation names through OperationNames,
 * topics, subscriptions, subgraph names, error codes and rule names from the code, never an id or user input.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';
import type { EnvReader } from './config.ts';

export type { Registry };

export interface MetricsConfig {
  /** Where `/metrics` listens; undefined serves none (metrics are still counted). */
  port: number | undefined;
  /** Distinct operation names kept as label values; later ones are counted as `other`. */
  maxOperationNames: number;
}

export function readMetricsSettings(read: EnvReader): MetricsConfig {
  const port = read.optionalString('METRICS_PORT');
  return {
    port: port === undefined ? undefined : read.int('METRICS_PORT', 9464, { min: 0, max: 65535 }),
    maxOperationNames: read.int('METRICS_MAX_OPERATION_NAMES', 200, { min: 1, max: 10_000 }),
  };
}

/** Latency buckets in seconds, from a cached read (2 ms) to a timeout (30 s). */
export const LATENCY_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** The saga's time from an order placed to its outcome: milliseconds to a bus outage. */
export const SAGA_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];

/** One service's metrics: its registry (with Node's runtime metrics) and the metrics made in it. */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly service: string;

  constructor(service: string) {
    this.service = service;
    // Event-loop delay, heap, GC, CPU, handles: prefixed like ours, labelled with the service.
    collectDefaultMetrics({ register: this.registry, prefix: 'pharmacy_', labels: { service } });
  }

  counter<L extends string>(config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L> {
    return new Counter({ ...config, registers: [this.registry] });
  }

  gauge<L extends string>(config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
    return new Gauge({ ...config, registers: [this.registry] });
  }

  histogram<L extends string>(config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L> {
    return new Histogram({ buckets: LATENCY_BUCKETS, ...config, registers: [this.registry] });
  }

  /** The text Prometheus scrapes. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/** The label value for an operation name that is not kept (over the bound). */
export const OTHER_OPERATION = 'other';
/** The label value of an operation without a name. */
export const ANONYMOUS_OPERATION = 'anonymous';

/**
 * Operation names as label values: the first `max` distinct names are kept, any later one is `other`,
 * so clients sending ever-new names cannot grow the series without bound.
 */
export class OperationNames {
  readonly #kept = new Set<string>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  label(name: string | null | undefined): string {
    if (!name) return ANONYMOUS_OPERATION;
    if (this.#kept.has(name)) return name;
    if (this.#kept.size >= this.#max) return OTHER_OPERATION;
    this.#kept.add(name);
    return name;
  }
}

/** The event bus's side of a service: its outbox and its consumers. */
export class EventMetrics {
  readonly published: Counter<'topic'>;
  readonly publishFailures: Counter<'topic'>;
  readonly consumed: Counter<'topic' | 'subscription' | 'outcome'>;
  readonly redelivered: Counter<'topic' | 'subscription'>;
  readonly deadLettered: Counter<'topic' | 'subscription'>;
  readonly handlingSeconds: Histogram<'topic' | 'subscription'>;
  /** The saga's time from an order placed to inventory's decision (orders only). */
  readonly orderDecisionSeconds: Histogram<'status'>;

  constructor(
    metrics: ServiceMetrics,
    outbox?: () => Promise<{ backlog: number; oldestAgeSeconds: number }>,
  ) {
    this.published = metrics.counter({
      name: 'pharmacy_events_published_total',
      help: 'Events the outbox relay published, by topic',
      labelNames: ['topic'],
    });
    this.publishFailures = metrics.counter({
      name: 'pharmacy_events_publish_failures_total',
      help: 'Publishes of outbox events that failed (the event stays in the outbox), by topic',
      labelNames: ['topic'],
    });
    this.consumed = metrics.counter({
      name: 'pharmacy_events_consumed_total',
      help: 'Deliveries handled by a consumer, by topic, subscription and outcome (ok, duplicate, failed)',
      labelNames: ['topic', 'subscription', 'outcome'],
    });
    this.redelivered = metrics.counter({
      name: 'pharmacy_events_redelivered_total',
      help: 'Deliveries that were not the first of their event (after a failure, a timeout or a crash)',
      labelNames: ['topic', 'subscription'],
    });
    this.deadLettered = metrics.counter({
      name: 'pharmacy_events_dead_lettered_total',
      help: 'Events that failed their last attempt and went to the dead letters',
      labelNames: ['topic', 'subscription'],
    });
    this.handlingSeconds = metrics.histogram({
      name: 'pharmacy_event_handling_seconds',
      help: 'How long a consumer took over one delivery',
      labelNames: ['topic', 'subscription'],
    });
    this.orderDecisionSeconds = metrics.histogram({
      name: 'pharmacy_order_decision_seconds',
      help: 'Time from an order placed to its status after inventory replied (CONFIRMED, REJECTED, AWAITING_REVIEW)',
      labelNames: ['status'],
      buckets: SAGA_BUCKETS,
    });
    if (outbox) {
      // Read from the database at each scrape: the backlog is shared by every replica of the service.
      let reading: Promise<{ backlog: number; oldestAgeSeconds: number }> | undefined;
      const read = () =>
        (reading ??= outbox()
          .catch(() => ({ backlog: Number.NaN, oldestAgeSeconds: Number.NaN }))
          .finally(() => (reading = undefined)));
      metrics.gauge({
        name: 'pharmacy_outbox_backlog',
        help: 'Outbox events not yet published',
        async collect() {
          this.set((await read()).backlog);
        },
      });
      metrics.gauge({
        name: 'pharmacy_outbox_oldest_age_seconds',
        help: 'Age of the oldest outbox event not yet published (0 when none)',
        async collect() {
          this.set((await read()).oldestAgeSeconds);
        },
      });
    }
  }
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** Serves `GET /metrics` (and nothing else) for `metrics` on `host`:`port`. */
export async function listenMetrics(
  metrics: ServiceMetrics,
  host: string,
  port: number,
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if ((req.url ?? '/').split('?', 1)[0] !== '/metrics') {
      res.statusCode = 404;
      res.end();
      return;
    }
    metrics.text().then(
      (text) => {
        res.setHeader('content-type', metrics.registry.contentType);
        res.end(text);
      },
      (error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
