/**
 * An outgoing call's CLIENT span (sendTraced): made below a span that records, with the HTTP semantic
 * conventions' attributes, and carried on in the request's `traceparent`; never below one that does not. Run
 * on the SDK's tracer with an in-memory exporter (its own file: a registered tracer provider would start
 * traces in telemetry.test.ts, which tests the API without one).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { context, propagation, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { StorageContextManager } from '../test/support/telemetry.ts';
import { sendTraced, ServiceTracer, SpanKind } from './telemetry.ts';

const exporter = new InMemorySpanExporter();

beforeAll(() => {
  context.setGlobalContextManager(new StorageContextManager());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(
    new TracerProvider({
      // Only traces a caller sampled: a request with no trace stays unsampled.
      sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }),
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    }),
  );
});

afterAll(() => {
  context.disable();
  propagation.disable();
  trace.disable();
});

beforeEach(() => exporter.reset());

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';

const callerThat = (sampled: boolean) =>
  trace.setSpanContext(ROOT_CONTEXT, {
    traceId: TRACE_ID,
    spanId: CALLER_SPAN_ID,
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });

const SUBGRAPH = new URL('http://orders.internal:4003/graphql?debug=1');

/** A call inside the router's span for a request from `caller`; the `traceparent` it sent, and the spans. */
async function callBelow<T>(caller: ReturnType<typeof callerThat>, answer: () => Promise<T>) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const outcome = await new ServiceTracer('router')
    .inSpan('query Orders', { kind: SpanKind.SERVER, parent: caller }, () =>
      sendTraced({ method: 'POST', url: SUBGRAPH, headers }, answer, () => 200),
    )
    .then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
  const spans = exporter.getFinishedSpans();
  return {
    outcome,
    sent: headers.traceparent,
    client: spans.find((span) => span.kind === SpanKind.CLIENT),
    server: spans.find((span) => span.kind === SpanKind.SERVER),
  };
}

describe('an outgoing call', () => {
  it('is a CLIENT span below the span that made it, and the trace it sends names that span', async () => {
    const { outcome, sent, client, server } = await callBelow(callerThat(true), async () => 'answer');
    expect(outcome).toEqual({ value: 'answer' });
    expect(client?.name).toBe('POST');
    expect(client?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
    expect(client?.spanContext().traceId).toBe(TRACE_ID);
    expect(client?.attributes).toEqual({
      'http.request.method': 'POST',
      'server.address': 'orders.internal',
      'server.port': 4003,
      // Never the query string: it may carry what a span must not.
      'url.full': 'http://orders.internal:4003/graphql',
      'http.response.status_code': 200,
    });
    expect(sent).toBe(`00-${TRACE_ID}-${client?.spanContext().spanId}-01`);
  });

  it('records a failed call and passes its error on', async () => {
    const { outcome, client } = await callBelow(callerThat(true), () =>
      Promise.reject(new Error('connect ECONNREFUSED')),
    );
    expect(outcome).toEqual({ error: new Error('connect ECONNREFUSED') });
    expect(client?.status).toEqual({ code: 2, message: 'connect ECONNREFUSED' });
    expect(client?.events.map((event) => event.name)).toEqual(['exception']);
  });

  it('marks an answer of 400 or more an error, with its status as error.type', async () => {
    const answered = await new ServiceTracer('router').inSpan(
      'query Orders',
      { kind: SpanKind.SERVER, parent: callerThat(true) },
      () =>
        sendTraced(
          { method: 'POST', url: SUBGRAPH, headers: {} },
          async () => ({ status: 503 }),
          (reply) => reply.status,
        ),
    );
    expect(answered).toEqual({ status: 503 });
    const client = exporter.getFinishedSpans().find((span) => span.kind === SpanKind.CLIENT);
    expect(client?.attributes['http.response.status_code']).toBe(503);
    expect(client?.attributes['error.type']).toBe('503');
    expect(client?.status.code).toBe(2);
  });

  it('makes no span below a request that is not sampled, and still sends its trace on, not sampled', async () => {
    const { outcome, sent, client, server } = await callBelow(callerThat(false), async () => 'answer');
    expect(outcome).toEqual({ value: 'answer' });
    expect(client).toBeUndefined();
    expect(server).toBeUndefined();
    expect(sent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-00$`));
  });
});
