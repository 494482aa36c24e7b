/**
 * The feed's fan-out: one execution and one serialised message per group of subscribers, the same bytes
 * written to every socket of the group, each subscriber's own filter still applied, and a slow client
 * dropped without holding up the others.
 */
import { describe, expect, it } from '@jest/globals';
import type { FormattedExecutionResult } from 'graphql';
import type { EventEnvelope } from '../../lib/event-bus/event.ts';
import { ServiceTracer } from '../../lib/telemetry.ts';
import { silentLogger } from '../../test/support/services.ts';
import { textOfFrame } from '../../test/support/websocket-frames.ts';
import type { VerifiedViewer } from '../token-verifier.ts';
import { EventFeed, type EventSubscriber, type SubscribedEvents } from './event-feed.ts';
import type { EventQuery } from './event-query.ts';
import { createEventStream } from './event-stream.ts';

interface Alert {
  productId: number;
}

const EVENTS: SubscribedEvents<Alert> = {
  topic: 'inventory-events',
  subscriptionPrefix: 'test.alerts',
  eventTypes: ['inventory.low-stock'],
  read: (envelope) => envelope.payload as Alert,
  wants: () => true,
  wantsResolved: ({ category }, filterData) =>
    category === undefined || (filterData as { category?: unknown } | undefined)?.category === category,
};

const viewer: VerifiedViewer = { userId: 1, role: 'PHARMACIST', sessionId: 's', acceptedUntil: Infinity };

function query(
  args: Record<string, unknown> = {},
  responseKey = 'lowStockAlerts',
  selection = 'available',
): EventQuery {
  return {
    text: `query($eventId: ID!) { event: lowStockAlert(id: $eventId) { ${selection} } }`,
    eventIdVariable: 'eventId',
    variables: {},
    responseKey,
    args,
    sameForRole: true,
  };
}

class FakeSocket {
  bufferedAmount = 0;
  closed: number | undefined;
  readonly sent: Buffer[] = [];
  writeFrame(frame: Buffer, written: () => void): void {
    this.sent.push(frame);
    setImmediate(written);
  }
}

const envelope = (id: string): EventEnvelope => ({
  id,
  type: 'inventory.low-stock',
  version: 1,
  occurredAt: new Date(0).toISOString(),
  correlationId: `req-${id}`,
  payload: { productId: 3 },
});

const RESULT: FormattedExecutionResult = {
  data: { event: { available: 2 }, filter: { category: 'Analgesics' } },
};

/** A feed answering every event query with RESULT, and a subscriber on a fake socket for each query. */
function feedWith(queries: EventQuery[], maxBufferedBytes = 1_000_000, events = EVENTS) {
  let executions = 0;
  const executed: string[] = [];
  /** What the feed reported per event: its executions, and whether it reported a fan-out delay. */
  const reported: { executions: number[]; delays: number } = { executions: [], delays: 0 };
  const feed = new EventFeed(
    events,
    (each) => {
      executions += 1;
      executed.push(each.text);
      return Promise.resolve(RESULT);
    },
    silentLogger,
    {
      tracer: new ServiceTracer('router'),
      fanOutDelay: () => (reported.delays += 1),
      executed: (count) => reported.executions.push(count),
    },
  );
  const sockets = queries.map((each) => {
    const socket = new FakeSocket();
    const subscriber: EventSubscriber = {
      viewer,
      query: each,
      deliver: (message) => stream.push(message),
    };
    const stream = createEventStream(
      { maxPending: 10, maxBufferedBytes },
      socket,
      '1',
      () => (socket.closed = 1013),
      () => feed.remove(subscriber),
    );
    feed.add(subscriber);
    return { socket, subscriber };
  });
  return {
    feed,
    sockets: sockets.map(({ socket }) => socket),
    subscribers: sockets.map(({ subscriber }) => subscriber),
    executions: () => executions,
    executed,
    reported,
  };
}

describe('EventFeed', () => {
  it('executes once per group and writes the same bytes to every subscriber of it', async () => {
    const { feed, sockets, executions } = feedWith([query(), query(), query()]);
    await feed.publish(envelope('e1'));
    expect(executions()).toBe(1);
    const [first] = sockets[0]?.sent ?? [];
    expect(sockets.map((socket) => socket.sent.length)).toEqual([1, 1, 1]);
    expect(sockets.every((socket) => socket.sent[0] === first)).toBe(true);
    expect(JSON.parse(textOfFrame(first ?? Buffer.alloc(0)))).toEqual({
      id: '1',
      type: 'next',
      payload: { data: { lowStockAlerts: { available: 2 } } },
    });
  });

  it("keeps each subscriber's filter and response key", async () => {
    const { feed, sockets } = feedWith([
      query({ category: 'Analgesics' }),
      query({ category: 'Vitamins' }),
      query({}, 'alert'),
    ]);
    await feed.publish(envelope('e2'));
    expect(
      sockets.map((socket) => socket.sent.map((data) => JSON.parse(textOfFrame(data)) as unknown)),
    ).toEqual([
      [{ id: '1', type: 'next', payload: { data: { lowStockAlerts: { available: 2 } } } }],
      [],
      [{ id: '1', type: 'next', payload: { data: { alert: { available: 2 } } } }],
    ]);
  });

  it('drops a slow client (bytes unsent past the limit) and still delivers to the others', async () => {
    const { feed, sockets } = feedWith([query(), query()], 1_000);
    const [slow, fast] = sockets;
    if (!slow || !fast) throw new Error('two sockets expected');
    slow.bufferedAmount = 1_001;
    await feed.publish(envelope('e3'));
    expect(slow.closed).toBe(1013);
    expect(slow.sent).toEqual([]);
    expect(fast.sent).toHaveLength(1);
    expect(feed.subscriberCount).toBe(1);
    await feed.publish(envelope('e4'));
    expect(fast.sent).toHaveLength(2);
  });

  it('reports the executions of each event that a group wanted, and nothing for an event none wanted', async () => {
    const byProduct: SubscribedEvents<Alert> = {
      ...EVENTS,
      wants: ({ productIds }, alert) => !Array.isArray(productIds) || productIds.includes(alert.productId),
    };
    const { feed, reported } = feedWith(
      [
        query({ productIds: [3] }, 'lowStockAlerts', 'available'),
        query({ productIds: [3] }, 'lowStockAlerts', 'reorderLevel'),
        query({ productIds: [4] }, 'lowStockAlerts', 'shortage'),
      ],
      1_000_000,
      byProduct,
    );
    await feed.publish(envelope('e9'));
    expect(reported).toEqual({ executions: [2], delays: 1 });
    await feed.publish({ ...envelope('e10'), payload: { productId: 5 } });
    expect(reported).toEqual({ executions: [2], delays: 1 });
  });

  it('executes once for subscribers whose arguments differ, and applies the filter of each', async () => {
    const byProduct: SubscribedEvents<Alert> = {
      ...EVENTS,
      wants: ({ productIds }, alert) => !Array.isArray(productIds) || productIds.includes(alert.productId),
    };
    const { feed, sockets, executions } = feedWith(
      [query({ productIds: [3] }), query({ productIds: [4] }), query({ productIds: [3] }), query()],
      1_000_000,
      byProduct,
    );
    await feed.publish(envelope('e5'));
    expect(executions()).toBe(1);
    expect(sockets.map((socket) => socket.sent.length)).toEqual([1, 0, 1, 1]);
    expect(sockets[2]?.sent[0]).toBe(sockets[0]?.sent[0]);
  });

  it('forgets subscribers that leave: nothing more for them, and a group left empty is not executed', async () => {
    const { feed, sockets, subscribers, executed } = feedWith([
      query({}, 'lowStockAlerts', 'available'),
      query({ category: 'Analgesics' }, 'lowStockAlerts', 'available'),
      query({}, 'lowStockAlerts', 'reorderLevel'),
    ]);
    const [first, second, third] = subscribers;
    if (!first || !second || !third) throw new Error('three subscribers expected');
    feed.remove(first);
    feed.remove(first);
    expect(feed.subscriberCount).toBe(2);
    await feed.publish(envelope('e6'));
    expect(executed).toHaveLength(2);
    expect(sockets.map((socket) => socket.sent.length)).toEqual([0, 1, 1]);

    feed.remove(second);
    expect(feed.subscriberCount).toBe(1);
    await feed.publish(envelope('e7'));
    expect(executed.slice(2)).toEqual([third.query.text]);
    expect(sockets.map((socket) => socket.sent.length)).toEqual([0, 1, 2]);

    feed.add(first);
    feed.add(first);
    expect(feed.subscriberCount).toBe(2);
    await feed.publish(envelope('e8'));
    expect(sockets.map((socket) => socket.sent.length)).toEqual([1, 1, 3]);
  });
});
