/**
 * Tracing helpers every service uses, on the OpenTelemetry API and core's suppression flag (cheap, and a
 * no-op until lib/telemetry-sdk.ts registers an SDK): a service's spans, W3C `traceparent` in and out of
 * HTTP headers and event envelopes, and the trace fields of a log line.
 *
 * `npm start` runs every service in one process, so a span's service cannot come from the process: it is
 * a value of the context (`SERVICE_KEY`), set by the service's own spans and inherited by every span
 * started under them (Postgres statements, the gateway's plan and fetches). The SDK gives each span the
 * resource of that service.
 */
import {
  context,
  createContextKey,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';
import { suppressTracing, unsuppressTracing } from '@opentelemetry/core';

export { SpanKind, type Context, type Span };

/** The context value naming the service a span belongs to (its `service.name`). */
export const SERVICE_KEY = createContextKey('pharmacy.service');

/** Looked up once: a lookup per span showed in the profile. Delegates to an SDK registered later too. */
const tracer = trace.getTracer('pharmacy-supergraph');

export interface SpanOptions {
  kind: SpanKind;
  attributes?: Attributes;
  /** The parent: a remote one (headers, an event) or `context.active()` (the default). */
  parent?: Context;
  /** A link to another trace (the request that wrote an event, when it is not the parent). */
  links?: Context[];
}

/** One service's spans: each carries SERVICE_KEY, so it and its children get that service's resource. */
export class ServiceTracer {
  readonly service: string;

  constructor(service: string) {
    this.service = service;
  }

  /** Runs `work` in a new span (active for it); a throw is recorded on the span and rethrown. */
  async inSpan<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
    const parent = (options.parent ?? context.active()).setValue(SERVICE_KEY, this.service);
    const links = (options.links ?? []).flatMap((linked) => {
      const spanContext = trace.getSpanContext(linked);
      return spanContext ? [{ context: spanContext }] : [];
    });
    const span = tracer.startSpan(
      name,
      { kind: options.kind, attributes: options.attributes, links },
      parent,
    );
    const active = span.isRecording() ? trace.setSpan(parent, span) : belowUnsampled(parent, span);
    try {
      return await context.with(active, () => work(span));
    } catch (error) {
      recordFailure(span, error);
      throw error;
    } finally {
      span.end();
    }
  }
}

/** An outgoing HTTP request, as sendTraced reads it. */
export interface OutgoingRequest {
  method: string;
  url: URL;
  /** The request's headers, to which the trace is added. */
  headers: Record<string, string>;
}

/**
 * Sends an outgoing HTTP request with the active trace in its headers (injectHeaders), in a CLIENT span named
 * after its method with the HTTP semantic conventions' attributes, made only below a span that records
 * (below one that does not, it would record nothing). `statusOf` reads the answer's status. The calls a
 * request makes to another service (the router's to each subgraph, orders' to products) go through here
 * rather than through @opentelemetry/instrumentation-http, which wrapped every request of the process, traced
 * or not, cost a sampled router request more than all its other spans together, and never saw `fetch`.
 * The router's other fetches (the JWKS, session checks, health probes) make no span, as they made none before.
 */
export async function sendTraced<T>(
  request: OutgoingRequest,
  send: () => Promise<T>,
  statusOf: (answer: T) => number,
): Promise<T> {
  const { method, url, headers } = request;
  const parent = context.active();
  if (trace.getSpan(parent)?.isRecording() !== true) {
    injectHeaders(headers, parent);
    return send();
  }
  const span = tracer.startSpan(
    method,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': method,
        'server.address': url.hostname,
        'server.port': Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
        'url.full': `${url.origin}${url.pathname}`,
      },
    },
    parent,
  );
  injectHeaders(headers, trace.setSpan(parent, span));
  try {
    const answer = await send();
    const status = statusOf(answer);
    span.setAttribute('http.response.status_code', status);
    if (status >= 400) {
      span.setAttribute('error.type', String(status));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    return answer;
  } catch (error) {
    recordFailure(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** The span context of the span below which spans are not created (belowUnsampled). */
const UNSAMPLED_SPAN_KEY = createContextKey('pharmacy.unsampled-span');

/**
 * Below a span that is not sampled, nothing is: its children (the gateway's plan and fetches, HTTP calls,
 * statements) are then not even created, so a request that is not sampled costs about what an untraced one
 * does. The span itself is not made active (nothing would read it); the context keeps its trace instead:
 * that still travels, flagged not sampled (injectHeaders), and log lines name it.
 */
function belowUnsampled(parent: Context, span: Span): Context {
  const spanContext = span.spanContext();
  const suppressed = suppressTracing(parent);
  return trace.isSpanContextValid(spanContext)
    ? suppressed.setValue(UNSAMPLED_SPAN_KEY, spanContext)
    : suppressed;
}

/** Below a span that is not sampled (belowUnsampled), that span's context. */
function unsampledSpanContext(from: Context): SpanContext | undefined {
  return from.getValue(UNSAMPLED_SPAN_KEY) as SpanContext | undefined;
}

/** Marks `span` failed with the error's type and message (never its data). */
export function recordFailure(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : undefined });
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** The trace context a request's headers carry (`traceparent`, `tracestate`), or none. */
export function contextFromHeaders(headers: Headers): Context {
  return propagation.extract(ROOT_CONTEXT, headers, {
    keys: (carrier) => Object.keys(carrier),
    get: (carrier, key) => carrier[key],
  });
}

/** Adds the active trace context to outgoing `headers` (nothing while tracing is off). */
export function injectHeaders(headers: Record<string, string>, from: Context = context.active()): void {
  // The next service must learn that a trace is not sampled, or it would start one of its own.
  const unsampled = unsampledSpanContext(from);
  propagation.inject(unsampled ? trace.setSpanContext(unsuppressTracing(from), unsampled) : from, headers);
}

/** The W3C `traceparent` of the active span, for an event written now; undefined while tracing is off. */
export function currentTraceparent(from: Context = context.active()): string | undefined {
  const carrier: Record<string, string> = {};
  injectHeaders(carrier, from);
  return carrier.traceparent;
}

/** The context an event's `traceparent` names (the root context when it has none). */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  return traceparent === undefined ? ROOT_CONTEXT : contextFromHeaders({ traceparent });
}

/** Names the active span after the GraphQL operation (`mutation placeOrder`); never its variables. */
export function nameActiveOperation(type: string | undefined, name: string | undefined): void {
  const span = trace.getActiveSpan();
  if (!span || type === undefined) return;
  span.updateName(name ? `${type} ${name}` : type);
  span.setAttributes({
    'graphql.operation.type': type,
    ...(name ? { 'graphql.operation.name': name } : {}),
  });
}

/**
 * The trace fields of a log line written inside a span: `trace_id` and `span_id`, and with a Google Cloud
 * project Cloud Logging's own (`logging.googleapis.com/trace`, `…/spanId`, `…/trace_sampled`), which link
 * the line to its trace in Cloud Trace.
 */
export function logTraceFields(googleCloudProject: string | undefined): Record<string, string | boolean> {
  const active = context.active();
  const spanContext = unsampledSpanContext(active) ?? trace.getSpanContext(active);
  // With tracing off a span still exists, carrying no trace: its ids are zeros, not worth a field.
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return {};
  const { traceId, spanId, traceFlags } = spanContext;
  if (googleCloudProject === undefined) return { trace_id: traceId, span_id: spanId };
  return {
    trace_id: traceId,
    span_id: spanId,
    'logging.googleapis.com/trace': `projects/${googleCloudProject}/traces/${traceId}`,
    'logging.googleapis.com/spanId': spanId,
    'logging.googleapis.com/trace_sampled': (traceFlags & 1) === 1,
  };
}
