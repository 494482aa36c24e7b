/**
 * Below a span that is not sampled, the spans OpenTelemetry hands out carry no trace (tracing is suppressed
 * there); what leaves the service must still carry the request's trace: the `traceparent` sent to the next
 * service (flagged not sampled, so it does not start a trace of its own) and the trace fields of log lines.
 * Run on the OpenTelemetry API with a context manager and the W3C propagator, as the SDK registers them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  context,
  INVALID_SPAN_CONTEXT,
  propagation,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { StorageContextManager } from '../test/support/telemetry.ts';
import { currentTraceparent, logTraceFields, ServiceTracer, SpanKind, type Context } from './telemetry.ts';

beforeAll(() => {
  context.setGlobalContextManager(new StorageContextManager());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});

afterAll(() => {
  context.disable();
  propagation.disable();
});

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

/** A request whose caller sent a trace it does not sample, as the router's server span continues it. */
const unsampledCaller = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: TRACE_ID,
  spanId: SPAN_ID,
  traceFlags: TraceFlags.NONE,
  isRemote: true,
});

/** Runs `read` where the gateway would: below the service's span, inside a child span of its own. */
function belowAChildOf(parent: Context, read: () => unknown) {
  return new ServiceTracer('router').inSpan('query Unsampled', { kind: SpanKind.SERVER, parent }, async () =>
    // Tracing is suppressed here, so the child OpenTelemetry hands out carries no trace.
    context.with(trace.setSpan(context.active(), trace.wrapSpanContext(INVALID_SPAN_CONTEXT)), read),
  );
}

describe('below a span that is not sampled', () => {
  it('sends the request’s trace on, flagged not sampled', async () => {
    expect(await belowAChildOf(unsampledCaller, () => currentTraceparent())).toBe(
      `00-${TRACE_ID}-${SPAN_ID}-00`,
    );
  });

  it('writes the request’s trace in log lines, for Cloud Logging too', async () => {
    expect(await belowAChildOf(unsampledCaller, () => logTraceFields(undefined))).toEqual({
      trace_id: TRACE_ID,
      span_id: SPAN_ID,
    });
    expect(await belowAChildOf(unsampledCaller, () => logTraceFields('pharmacy-prod'))).toEqual({
      trace_id: TRACE_ID,
      span_id: SPAN_ID,
      'logging.googleapis.com/trace': `projects/pharmacy-prod/traces/${TRACE_ID}`,
      'logging.googleapis.com/spanId': SPAN_ID,
      'logging.googleapis.com/trace_sampled': false,
    });
  });

  it('adds nothing where no trace came in', async () => {
    expect(await belowAChildOf(ROOT_CONTEXT, () => currentTraceparent())).toBeUndefined();
    expect(await belowAChildOf(ROOT_CONTEXT, () => logTraceFields(undefined))).toEqual({});
  });
});
