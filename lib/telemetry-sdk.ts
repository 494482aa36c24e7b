/**
 * Starts the OpenTelemetry SDK: the first thing every `main.ts` (and scripts/start.ts) does, before it
 * imports the rest of the service, so that the Postgres client is instrumented when loaded.
 *
 * Off unless an OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT),
 * and OTEL_SDK_DISABLED=true turns it off whatever else is set. Off, it imports nothing of the SDK: a
 * service starts as fast as without it.
 *
 * Spans are exported over OTLP/HTTP, each with the resource of the service it belongs to (the
 * SERVICE_KEY of its context, lib/telemetry.ts), so one process running every service (`npm start`)
 * still shows each under its own `service.name`.
 */
import { register } from 'node:module';
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { ExportResult } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { readConfig, type Env, type EnvReader } from './config.ts';
import { SERVICE_KEY } from './telemetry.ts';

export const TRACES_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type TracesSampler = (typeof TRACES_SAMPLERS)[number];

export interface TelemetryConfig {
  /** Whether spans are recorded and exported at all. */
  enabled: boolean;
  /** The service of spans started outside any service's span (OTEL_SERVICE_NAME, else the caller's). */
  serviceName: string;
  sampler: TracesSampler;
  /** The ratio of the `*traceidratio` samplers, 0 to 1. */
  samplerRatio: number;
  /** How often batched spans are sent (OTEL_BSP_SCHEDULE_DELAY). */
  exportDelayMs: number;
}

export function readTelemetrySettings(read: EnvReader, defaultServiceName: string): TelemetryConfig {
  const endpoint =
    read.optionalUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', ['http:', 'https:']) ??
    read.optionalUrl('OTEL_EXPORTER_OTLP_ENDPOINT', ['http:', 'https:']);
  const sampler = read.oneOf('OTEL_TRACES_SAMPLER', TRACES_SAMPLERS, 'parentbased_always_on');
  const ratioText = read.optionalString('OTEL_TRACES_SAMPLER_ARG');
  const samplerRatio = ratioText === undefined ? 1 : Number(ratioText);
  if (!(samplerRatio >= 0 && samplerRatio <= 1)) {
    read.problem(`OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, got "${ratioText}"`);
  }
  return {
    enabled: endpoint !== undefined && !read.boolean('OTEL_SDK_DISABLED', false),
    serviceName: read.string('OTEL_SERVICE_NAME', defaultServiceName),
    sampler,
    samplerRatio,
    exportDelayMs: read.int('OTEL_BSP_SCHEDULE_DELAY', 5_000, { min: 1, max: 600_000 }),
  };
}

export interface TelemetrySdk {
  /** Sends the spans not yet exported and stops; nothing when tracing is off. */
  shutdown(): Promise<void>;
}

const OFF: TelemetrySdk = { shutdown: async () => undefined };

/**
 * The modules the instrumentation below patches (PgInstrumentation). Calls to other services make their own
 * spans (sendTraced, lib/telemetry.ts).
 */
const INSTRUMENTED_MODULES = ['pg', 'pg-pool'];

/** The SDK of this process (it registers itself globally, so there is one at most). */
let started: TelemetrySdk = OFF;

/** Sends the spans not yet exported and stops the SDK of this process, if one was started. */
export function shutdownTelemetry(): Promise<void> {
  return started.shutdown();
}

/**
 * The tracing settings; throws ConfigError (for exitOnConfigError) when a variable is malformed.
 * `defaultServiceName` names the process (`router`, `orders`, `stack`, …).
 */
export function readTelemetryConfig(env: Env, defaultServiceName: string): TelemetryConfig {
  return readConfig(env, (read) => readTelemetrySettings(read, defaultServiceName));
}

export interface TelemetryOptions {
  /**
   * Whether this process talks to Postgres, so that its statements get spans. The router does not: it then
   * installs neither the Postgres instrumentation nor the module hooks it needs, which would otherwise sit
   * in every `require()` it makes (Apollo Server requires `crypto` for each query's hash).
   */
  postgres: boolean;
}

/** Starts tracing when the settings ask for it. */
export async function startTelemetry(
  config: TelemetryConfig,
  options: TelemetryOptions,
): Promise<TelemetrySdk> {
  if (!config.enabled) return OFF;
  if (options.postgres) {
    // ESM imports of the instrumented modules go through this loader hook; only theirs: a module it wraps
    // costs an extra module, and every other import would pay for nothing.
    register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, {
      data: { include: INSTRUMENTED_MODULES },
    });
  }
  const [{ NodeSDK }, sdkTrace, { OTLPTraceExporter }, resources] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const ratio = new sdkTrace.TraceIdRatioBasedSampler(config.samplerRatio);
  const sampler = {
    always_on: new sdkTrace.AlwaysOnSampler(),
    always_off: new sdkTrace.AlwaysOffSampler(),
    traceidratio: ratio,
    parentbased_always_on: new sdkTrace.ParentBasedSampler({ root: new sdkTrace.AlwaysOnSampler() }),
    parentbased_always_off: new sdkTrace.ParentBasedSampler({ root: new sdkTrace.AlwaysOffSampler() }),
    parentbased_traceidratio: new sdkTrace.ParentBasedSampler({ root: ratio }),
  }[config.sampler];
  const resourceOf = (service: string) => resources.resourceFromAttributes({ 'service.name': service });
  const exporter = new PerServiceExporter(new OTLPTraceExporter(), resourceOf);
  const sdk = new NodeSDK({
    serviceName: config.serviceName,
    sampler,
    // Traces only: metrics are Prometheus (lib/metrics.ts). Left to its defaults, the SDK would also export
    // OTLP metrics and logs to the traces endpoint (a collector with a traces pipeline refuses them).
    metricReaders: [],
    logRecordProcessors: [],
    spanProcessors: [
      new PerServiceProcessor(
        new sdkTrace.BatchSpanProcessor({ exporter, scheduledDelayMillis: config.exportDelayMs }),
        exporter,
        config.serviceName,
      ),
    ],
    instrumentations: options.postgres ? [await postgresInstrumentation()] : [],
  });
  sdk.start();
  started = { shutdown: () => sdk.shutdown() };
  return started;
}

/** Spans for the Postgres statements of traced operations. */
async function postgresInstrumentation() {
  const { PgInstrumentation } = await import('@opentelemetry/instrumentation-pg');
  return new PgInstrumentation({
    // Statements only inside a traced operation: the relay's and the bus's polling would drown them.
    requireParentSpan: true,
    ignoreConnectSpans: true,
    // MikroORM inlines values into the SQL it sends (an address, a password hash): spans get the
    // statement's shape only.
    requestHook: (span, { query }) => span.setAttribute('db.query.text', sqlShape(query.text)),
  });
}

/** A statement with its literals (strings, numbers) replaced by `?`. */
export function sqlShape(sql: string): string {
  return sql
    .replace(/[Ee]?'(?:[^']|'')*'/g, '?')
    .replace(/\$([A-Za-z_]*)\$[\s\S]*?\$\1\$/g, '?')
    .replace(/(?<![\w$])-?\d+(?:\.\d+)?(?![\w])/g, '?');
}

/**
 * Remembers the service of each span from the context it starts in (SERVICE_KEY), for the exporter; not
 * for the process's own service, whose spans keep the process's resource (every span of a deployed
 * service: a WeakMap entry per span was a measurable part of a sampled request's cost).
 */
class PerServiceProcessor implements SpanProcessor {
  readonly #next: SpanProcessor;
  readonly #exporter: PerServiceExporter;
  readonly #processService: string;

  constructor(next: SpanProcessor, exporter: PerServiceExporter, processService: string) {
    this.#next = next;
    this.#exporter = exporter;
    this.#processService = processService;
  }

  onStart(span: Span, parentContext: Context): void {
    const service = parentContext.getValue(SERVICE_KEY);
    if (typeof service === 'string' && service !== this.#processService) {
      this.#exporter.services.set(span, service);
    }
    this.#next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    this.#next.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.#next.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.#next.shutdown();
  }
}

/** Exports each span with its service's resource instead of the process's. */
class PerServiceExporter implements SpanExporter {
  readonly services = new WeakMap<object, string>();
  readonly #next: SpanExporter;
  readonly #resources = new Map<string, Resource>();
  readonly #resourceOf: (service: string) => Resource;

  constructor(next: SpanExporter, resourceOf: (service: string) => Resource) {
    this.#next = next;
    this.#resourceOf = resourceOf;
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.#next.export(
      spans.map((span) => {
        const service = this.services.get(span);
        return service === undefined ? span : withResource(span, this.#resource(service, span.resource));
      }),
      done,
    );
  }

  #resource(service: string, processResource: Resource): Resource {
    let resource = this.#resources.get(service);
    if (!resource) {
      // The process's attributes (host, runtime, …) with this service's name.
      resource = processResource.merge(this.#resourceOf(service));
      this.#resources.set(service, resource);
    }
    return resource;
  }

  shutdown(): Promise<void> {
    return this.#next.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.#next.forceFlush?.() ?? Promise.resolve();
  }
}

/** A copy of `span` as the exporter reads it, with another resource. */
function withResource(span: ReadableSpan, resource: Resource): ReadableSpan {
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    status: span.status,
    attributes: span.attributes,
    links: span.links,
    events: span.events,
    duration: span.duration,
    ended: span.ended,
    resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}
