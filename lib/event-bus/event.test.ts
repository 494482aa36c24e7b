import { describe, expect, it } from '@jest/globals';
import { createEvent, MalformedEventError, parseEvent, validateEvent } from './event.ts';
import { assertBusName, eventTypeFilter, resolveRedelivery, resolveSubscribeOptions } from './event-bus.ts';

describe('event envelopes', () => {
  it('creates an envelope with a fresh id and the current time, version 1 unless told', () => {
    const before = Date.now();
    const event = createEvent('order.placed', { orderId: 7 }, 'request-1');
    expect(event).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'order.placed',
      version: 1,
      occurredAt: expect.any(String),
      correlationId: 'request-1',
      payload: { orderId: 7 },
    });
    expect(Date.parse(event.occurredAt)).toBeGreaterThanOrEqual(before);
    expect(createEvent('inventory.low-stock', {}, 'request-1', 3).version).toBe(3);
    expect(createEvent('order.placed', {}, 'r').id).not.toBe(event.id);
  });

  it('refuses to create an envelope that parseEvent would refuse', () => {
    expect(() => createEvent('OrderPlaced', {}, 'request-1')).toThrow(MalformedEventError);
    expect(() => createEvent('order.placed', {}, '')).toThrow(/correlationId/);
    expect(() => createEvent('order.placed', undefined, 'request-1')).toThrow(/payload is missing/);
  });

  it('parses what it serialized, from text or bytes', () => {
    const event = createEvent('order.placed', { lines: [{ sku: 'A-1', quantity: 2 }], note: null }, 'r-1');
    const json = JSON.stringify(event);
    expect(parseEvent(json)).toEqual(event);
    expect(parseEvent(Buffer.from(json))).toEqual(event);
  });

  it('names every problem of a malformed envelope', () => {
    const malformed = { id: 'nope', type: 'order', version: 0, occurredAt: 'yesterday', correlationId: 7 };
    let error: unknown;
    try {
      validateEvent(malformed);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MalformedEventError);
    expect((error as MalformedEventError).problems).toEqual([
      'id must be a UUID',
      'type must look like "order.placed" (lower case, dot-separated)',
      'version must be a positive integer',
      'occurredAt must be an ISO 8601 timestamp with a time zone',
      'correlationId must be a non-empty string of at most 256 characters',
      'payload is missing',
    ]);
  });

  it.each([
    ['not JSON', '{"id":', /^malformed event: not JSON/],
    ['an array', '[]', /expected an object, got an array/],
    ['null', 'null', /expected an object, got object/],
    [
      'a local time',
      JSON.stringify({ ...createEvent('a.b', 1, 'r'), occurredAt: '2026-11-25T10:00:00' }),
      /occurredAt/,
    ],
  ])('refuses %s', (_what, json, message) => {
    expect(() => parseEvent(json)).toThrow(message);
  });
});

describe('bus names and options', () => {
  it.each(['order-events', 'inventory.order-events', 'a_b'])('accepts the name %j', (name) => {
    expect(() => assertBusName('topic', name)).not.toThrow();
  });

  it.each(['ab', '1-topic', 'goog-topic', 'with space', 'slash/name', 'x'.repeat(202)])(
    'refuses the name %j',
    (name) => {
      expect(() => assertBusName('subscription', name)).toThrow(/invalid subscription name/);
    },
  );

  it('defaults to 5 attempts and 10 handlers at once, and refuses what Pub/Sub could not do', () => {
    expect(resolveSubscribeOptions({})).toEqual({ maxAttempts: 5, concurrency: 10 });
    expect(() => resolveSubscribeOptions({ maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => resolveSubscribeOptions({ maxAttempts: 101 })).toThrow(/maxAttempts/);
    expect(() => resolveSubscribeOptions({ concurrency: 0.5 })).toThrow(/concurrency/);
  });

  it('defaults to a backoff from 1 s to 60 s, in whole seconds up to 600', () => {
    expect(resolveRedelivery({})).toEqual({ retryDelaySeconds: 1, maxRetryDelaySeconds: 60 });
    expect(resolveRedelivery({ retryDelaySeconds: 0 })).toEqual({
      retryDelaySeconds: 0,
      maxRetryDelaySeconds: 60,
    });
    expect(() => resolveRedelivery({ retryDelaySeconds: 0.5 })).toThrow(/whole seconds/);
    expect(() => resolveRedelivery({ retryDelaySeconds: 10, maxRetryDelaySeconds: 5 })).toThrow(
      /whole seconds/,
    );
    expect(() => resolveRedelivery({ maxRetryDelaySeconds: 601 })).toThrow(/whole seconds/);
  });

  it('filters a temporary subscription on the eventType attribute, each type once; none means all', () => {
    expect(eventTypeFilter(undefined)).toBeUndefined();
    expect(eventTypeFilter(['inventory.low-stock'])).toBe('attributes.eventType = "inventory.low-stock"');
    expect(eventTypeFilter(['order.placed', 'order.cancelled', 'order.placed'])).toBe(
      'attributes.eventType = "order.placed" OR attributes.eventType = "order.cancelled"',
    );
  });

  it.each([
    ['no type', [], /1 to 8 event types/],
    ['nine types', Array.from({ length: 9 }, (_, i) => `a.type-${i}`), /1 to 8 event types/],
    ['a quote in a type', ['a.b" OR attributes.x = "y'], /invalid event type/],
    ['a type that is not dotted', ['LowStock'], /invalid event type/],
    ['types past the filter limit', [`a.${'b'.repeat(120)}`, `c.${'d'.repeat(120)}`], /more than 256/],
  ])('refuses a filter of %s', (_what, types, message) => {
    expect(() => eventTypeFilter(types)).toThrow(message);
  });
});
