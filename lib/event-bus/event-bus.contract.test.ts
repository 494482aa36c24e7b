/**
 * One contract, two adapters: the Postgres bus on a fresh database and the Pub/Sub bus on the real
 * emulator (started here; skipped without gcloud unless CI=true). Then the transactional outbox: its
 * relay on each bus after a crash, and its guarantees (rollback, outage, stop, replicas) on the Postgres
 * bus.
 *
 * Every test uses topics and subscriptions of its own, so the tests of one bus never see each other's
 * events, and they run concurrently: most of their time is waiting (for redeliveries, for a while in which
 * nothing more may arrive). Redeliveries are immediate (retryDelaySeconds 0) to keep the file fast; one test checks that
 * a configured backoff is honoured.
 */
import { randomBytes } from 'node:crypto';
import { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { MikroORM } from '@mikro-orm/postgresql';
import { PgBoss } from 'pg-boss';
import { migrateDatabase, openDatabase } from '../database.ts';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import type { PubSubEmulator } from '../../scripts/support/pubsub-emulator.ts';
import { pubSubTestsEnabled, testPubSubEmulator } from '../../test/support/pubsub-emulator.ts';
import { silentLogger } from '../../test/support/services.ts';
import { createEvent, type EventEnvelope } from './event.ts';
import {
  eventTypeFilter,
  isTemporarySubscription,
  publishEach,
  temporarySubscriptionName,
  type Delivery,
  type EventBus,
  type RedeliveryOptions,
} from './event-bus.ts';
import { enqueueEvent, OutboxRelay, type OutboxRelayOptions } from './outbox.ts';
import { CreateOutbox } from './outbox.migration.ts';
import { PostgresEventBus } from './postgres-event-bus.ts';
import { PubSubEventBus } from './pubsub-event-bus.ts';
import { sleep, waitFor } from '../../test/support/waiting.ts';

const FAST: RedeliveryOptions = { retryDelaySeconds: 0 };

let database: TestDatabase;
let orm: MikroORM;

beforeAll(async () => {
  database = await createTestDatabase('event_bus');
  orm = await openDatabase({
    url: database.url,
    entities: [],
    migrations: [CreateOutbox],
    poolMax: 4,
    logger: silentLogger,
  });
  await migrateDatabase(orm, silentLogger);
  // The state that the events announce, written in the same transactions.
  await orm.em.fork().execute('create table note (id serial primary key, text text not null)');
});

afterAll(async () => {
  await orm?.close();
  await database?.drop();
});

interface Adapter {
  name: string;
  setUp(): Promise<void>;
  createBus(redelivery?: RedeliveryOptions): Promise<EventBus>;
  /** The names of the subscriptions of `topic` that exist now, sorted: what the broker holds. */
  subscriptionsOf(topic: string): Promise<string[]>;
  /** Whether the broker holds a subscription called `name`. */
  subscriptionExists(name: string): Promise<boolean>;
  /**
   * How the broker narrows the temporary subscriptions of `topic` to some types, sorted: the routes their
   * queues are subscribed to (Postgres), their filters (Pub/Sub).
   */
  typeFiltersOf(topic: string): Promise<string[]>;
  tearDown(): Promise<void>;
}

/** The Postgres bus's own tables: a queue per subscription, a row per (topic, subscription). */
async function busRows(sql: string, params: unknown[]): Promise<string[]> {
  const rows = await orm.em.fork().execute<{ name: string }[]>(sql, params);
  return rows.map(({ name }) => name).sort();
}

const postgres: Adapter = {
  name: 'postgres',
  setUp: async () => undefined,
  createBus: (redelivery = FAST) =>
    PostgresEventBus.start({ url: database.url, logger: silentLogger, ...redelivery }),
  subscriptionsOf: (topic) => busRows('select name from event_bus.subscription where event = ?', [topic]),
  subscriptionExists: async (name) =>
    (await busRows('select name from event_bus.queue where name = ?', [name])).length > 0,
  typeFiltersOf: (topic) =>
    busRows("select event as name from event_bus.subscription where event like ? || '/%'", [topic]),
  tearDown: async () => undefined,
};

let emulator: PubSubEmulator | undefined;
let pubSubAdmin: PubSub | undefined;

/** A client of the emulator of our own, to look at what it holds. */
function emulatorAdmin(): PubSub {
  if (emulator === undefined) throw new Error('the emulator did not start');
  const { host, projectId } = emulator;
  pubSubAdmin ??= new PubSub({
    projectId,
    apiEndpoint: host,
    emulatorMode: true,
    universeDomain: 'googleapis.com',
  });
  return pubSubAdmin;
}

const pubsub: Adapter = {
  name: 'pubsub',
  setUp: async () => {
    emulator = await testPubSubEmulator();
  },
  createBus: async (redelivery = FAST) => {
    if (emulator === undefined) throw new Error('the emulator did not start');
    const { host, projectId } = emulator;
    return new PubSubEventBus({ projectId, emulatorHost: host, logger: silentLogger, ...redelivery });
  },
  subscriptionsOf: async (topic) => {
    const [subscriptions] = await emulatorAdmin().topic(topic).getSubscriptions();
    // Full names: projects/<project>/subscriptions/<name>.
    return subscriptions.map(({ name }) => name.slice(name.lastIndexOf('/') + 1)).sort();
  },
  subscriptionExists: async (name) => {
    const [exists] = await emulatorAdmin().subscription(name).exists();
    return exists;
  },
  typeFiltersOf: async (topic) => {
    const [subscriptions] = await emulatorAdmin().topic(topic).getSubscriptions();
    const metadata = await Promise.all(subscriptions.map(async (each) => (await each.getMetadata())[0]));
    return metadata.flatMap(({ filter }) => (filter ? [filter] : [])).sort();
  },
  tearDown: async () => {
    await pubSubAdmin?.close();
    await emulator?.stop();
  },
};

const ADAPTERS = pubSubTestsEnabled() ? [postgres, pubsub] : [postgres];
if (!pubSubTestsEnabled()) {
  describe.skip('pubsub event bus (gcloud is not on PATH; CI=true would make this a failure)', () => {
    it('runs the contract against the Pub/Sub emulator', () => undefined);
  });
}

/** A topic and a subscription no other test uses. */
function uniqueNames(): { topic: string; subscription: string } {
  const suffix = randomBytes(4).toString('hex');
  return { topic: `test-topic-${suffix}`, subscription: `test-sub-${suffix}` };
}

function testEvent(n = 0): EventEnvelope<{ n: number }> {
  return createEvent('test.happened', { n }, `request-${n}`);
}

/** The router's prefix for its feed of low-stock alerts: one temporary subscription per replica. */
const TEMPORARY_PREFIX = 'router.low-stock-alerts';
const TEMPORARY_NAME =
  /^router\.low-stock-alerts\.tmp-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Received {
  event: EventEnvelope;
  delivery: Delivery;
  at: number;
}

/** A handler that records what it gets. */
function recorder(): {
  received: Received[];
  ids: () => string[];
  handler: (e: EventEnvelope, d: Delivery) => Promise<void>;
} {
  const received: Received[] = [];
  return {
    received,
    ids: () => received.map(({ event }) => event.id).sort(),
    handler: async (event, delivery) => {
      received.push({ event, delivery, at: performance.now() });
    },
  };
}

const idsOf = (events: EventEnvelope[]) => events.map(({ id }) => id).sort();

/** One transaction: a note (the state change), its events, and a rollback at the end when `fail`. */
async function commitNote(events: [topic: string, event: EventEnvelope][], fail = false): Promise<void> {
  await orm.em.fork().transactional(async (em) => {
    await em.execute('insert into note (text) values (?)', [`note with ${events.length} events`]);
    for (const [topic, event] of events) await enqueueEvent(em, topic, event);
    if (fail) throw new Error('the change was refused');
  });
}

interface OutboxRow {
  event_id: string;
  /** As Postgres prints it: raw queries return timestamps as text. */
  published_at: string | null;
  publish_attempts: number;
  last_error: string | null;
}

async function outboxRows(eventIds: string[]): Promise<OutboxRow[]> {
  return orm.em.fork().execute<OutboxRow[]>(
    'select event_id, published_at, publish_attempts, last_error from outbox_event where event_id = any(?::uuid[]) order by id',
    // A Postgres array literal: MikroORM would expand a JavaScript array into a list of parameters.
    [`{${eventIds.join(',')}}`],
  );
}

function startRelay(bus: EventBus, options: Partial<OutboxRelayOptions> = {}): OutboxRelay {
  return OutboxRelay.start({ databaseUrl: database.url, bus, logger: silentLogger, ...options });
}

describe.each(ADAPTERS)('$name event bus', (adapter) => {
  let bus: EventBus;

  beforeAll(async () => {
    await adapter.setUp();
    bus = await adapter.createBus();
  });

  afterAll(async () => {
    await bus?.close();
    await adapter.tearDown();
  });

  it.concurrent('delivers a published event with its envelope intact, within a second', async () => {
    const { topic, subscription } = uniqueNames();
    const { received, handler } = recorder();
    const consumer = await bus.subscribe(topic, subscription, handler);
    // Unicode, nesting, null: what JSON carries must come back as it went.
    const event = createEvent(
      'order.placed',
      { orderId: 42, lines: [{ productId: '7', quantity: 2 }], notes: 'Zürich ✓', coupon: null },
      'request-abc',
      2,
    );
    await bus.publish(topic, event);
    await waitFor('the event', () => received.length === 1);
    expect(received[0]?.event).toEqual(event);
    expect(received[0]?.delivery).toEqual({ attempt: 1 });

    // Once the consumer is running, a new event arrives well within a second (low-stock alerts).
    const second = testEvent(2);
    const publishedAt = performance.now();
    await bus.publish(topic, second);
    await waitFor('the second event', () => received.length === 2);
    expect(received[1]?.event).toEqual(second);
    expect((received[1]?.at ?? Infinity) - publishedAt).toBeLessThan(1_000);
    await consumer.close();
  });

  it.concurrent('fans out to every subscription created before the publish', async () => {
    const { topic, subscription } = uniqueNames();
    const first = recorder();
    const second = recorder();
    await bus.subscribe(topic, `${subscription}-a`, first.handler);
    const early = testEvent(0);
    await bus.publish(topic, early);
    await bus.subscribe(topic, `${subscription}-b`, second.handler);
    const later = [testEvent(1), testEvent(2)];
    await Promise.all(later.map((event) => bus.publish(topic, event)));

    await waitFor('both subscriptions', () => first.received.length >= 3 && second.received.length >= 2);
    await sleep(500);
    expect(first.ids()).toEqual(idsOf([early, ...later]));
    expect(second.ids()).toEqual(idsOf(later));
  });

  it.concurrent(
    'publishes a batch: each event to every subscription of its topic and type, one outcome per event',
    async () => {
      const first = uniqueNames();
      const second = uniqueNames();
      const [a, b, c, alerts] = [recorder(), recorder(), recorder(), recorder()];
      await bus.subscribe(first.topic, `${first.subscription}-a`, a.handler);
      await bus.subscribe(first.topic, `${first.subscription}-b`, b.handler);
      await bus.subscribe(second.topic, second.subscription, c.handler);
      const temporary = await bus.subscribeTemporary(first.topic, TEMPORARY_PREFIX, alerts.handler, {
        eventTypes: ['test.alerted'],
      });
      try {
        const [one, two, three] = [testEvent(1), testEvent(2), testEvent(3)];
        const alerted = createEvent('test.alerted', { n: 4 }, 'request-4');
        const outcomes = await bus.publishAll([
          { topic: first.topic, event: one },
          { topic: second.topic, event: two },
          { topic: 'not a topic!', event: testEvent(5) },
          { topic: first.topic, event: { ...testEvent(6), type: 'Not A Type' } },
          { topic: uniqueNames().topic, event: testEvent(7) },
          { topic: first.topic, event: alerted },
          { topic: first.topic, event: three },
        ]);
        expect(outcomes.map(({ status }) => status)).toEqual([
          'fulfilled',
          'fulfilled',
          'rejected',
          'rejected',
          'fulfilled',
          'fulfilled',
          'fulfilled',
        ]);
        const reasons = outcomes.flatMap((outcome) =>
          outcome.status === 'rejected' ? [String(outcome.reason)] : [],
        );
        expect(reasons).toEqual([
          expect.stringMatching(/topic/),
          expect.stringMatching(/malformed event: type/),
        ]);
        await waitFor(
          'the batch on every subscription',
          () =>
            a.received.length >= 3 &&
            b.received.length >= 3 &&
            c.received.length >= 1 &&
            alerts.received.length >= 1,
          30_000,
        );
        await sleep(500);
        expect(a.ids()).toEqual(idsOf([one, alerted, three]));
        expect(b.ids()).toEqual(idsOf([one, alerted, three]));
        expect(c.ids()).toEqual(idsOf([two]));
        expect(alerts.received.map(({ event }) => event)).toEqual([alerted]);
      } finally {
        await temporary.close();
      }
    },
  );

  it.concurrent(
    'keeps for a subscription ensured before the publish what comes before its consumer starts',
    async () => {
      const { topic, subscription } = uniqueNames();
      await bus.ensureSubscription(topic, subscription);
      // Twice, as every service of the saga declares the same subscriptions at start-up.
      await bus.ensureSubscription(topic, subscription);
      const early = [testEvent(0), testEvent(1)];
      for (const event of early) await bus.publish(topic, event);
      const { ids, handler } = recorder();
      const consumer = await bus.subscribe(topic, subscription, handler);
      await waitFor('the events published before the consumer', () => ids().length >= early.length);
      await sleep(300);
      expect(ids()).toEqual(idsOf(early));
      await consumer.close();
    },
  );

  it.concurrent('shares the events of one subscription between its consumers, each event once', async () => {
    const { topic, subscription } = uniqueNames();
    const replica = await adapter.createBus();
    const handledBy = new Map<string, string[]>([
      ['one', []],
      ['two', []],
    ]);
    const consumer = (name: string) => async (event: EventEnvelope) => {
      await sleep(20);
      handledBy.get(name)?.push(event.id);
    };
    await bus.subscribe(topic, subscription, consumer('one'), { concurrency: 2 });
    await replica.subscribe(topic, subscription, consumer('two'), { concurrency: 2 });
    // A stream of events, as in production: the emulator hands a burst published at once to a single
    // consumer (it ignores the consumers' flow control), real Pub/Sub and pg-boss spread it. At least 20,
    // and on until both consumers have handled some: on a loaded machine a consumer's stream can open
    // after the first events went to the other.
    const handledByBoth = () => [...handledBy.values()].every((handled) => handled.length > 0);
    const events: EventEnvelope[] = [];
    while (events.length < 20 || (!handledByBoth() && events.length < 200)) {
      const event = testEvent(events.length);
      events.push(event);
      await bus.publish(topic, event);
      await sleep(20);
    }

    const all = () => [...handledBy.values()].flat();
    await waitFor('all events', () => all().length >= events.length);
    await sleep(500);
    await replica.close();
    expect(all().sort()).toEqual(idsOf(events));
    expect(handledBy.get('one')?.length).toBeGreaterThan(0);
    expect(handledBy.get('two')?.length).toBeGreaterThan(0);
  });

  it.concurrent('redelivers an event whose handler threw, counting attempts, until it succeeds', async () => {
    const { topic, subscription } = uniqueNames();
    const attempts: number[] = [];
    await bus.subscribe(topic, subscription, async (_event, { attempt }) => {
      attempts.push(attempt);
      if (attempt < 3) throw new Error(`attempt ${attempt} fails`);
    });
    await bus.publish(topic, testEvent());
    await waitFor('the third attempt', () => attempts.length >= 3);
    await sleep(1_000);
    expect(attempts).toEqual([1, 2, 3]);
    expect(await bus.deadLetters(subscription)).toEqual([]);
  });

  // 2 is below Pub/Sub's minimum of 5 (the adapter dead-letters itself); 5 is the default, the server's.
  it.concurrent.each([2, 5])(
    'dead-letters an event after %i failed attempts and stops redelivering it',
    async (maxAttempts) => {
      const { topic, subscription } = uniqueNames();
      const attempts: number[] = [];
      await bus.subscribe(
        topic,
        subscription,
        async (_event, { attempt }) => {
          attempts.push(attempt);
          throw new Error('poison');
        },
        { maxAttempts },
      );
      const poison = testEvent();
      await bus.publish(topic, poison);

      const deadLetters = await waitFor('the dead letter', async () => {
        const found = await bus.deadLetters(subscription);
        return found.length > 0 && found;
      });
      expect(deadLetters).toEqual([poison]);
      await sleep(1_000);
      expect(attempts).toEqual(Array.from({ length: maxAttempts }, (_, index) => index + 1));
      // Looking does not take them away.
      expect(await bus.deadLetters(subscription)).toEqual([poison]);
    },
  );

  it.concurrent('waits out the configured backoff between redeliveries', async () => {
    const { topic, subscription } = uniqueNames();
    const slowBus = await adapter.createBus({ retryDelaySeconds: 1, maxRetryDelaySeconds: 1 });
    const attemptsAt: number[] = [];
    try {
      await slowBus.subscribe(topic, subscription, async (_event, { attempt }) => {
        attemptsAt.push(performance.now());
        if (attempt < 3) throw new Error('later');
      });
      await slowBus.publish(topic, testEvent());
      await waitFor('the third attempt', () => attemptsAt.length >= 3);
    } finally {
      await slowBus.close();
    }
    // Both buses back off after every failure (on the emulator the consumer waits, see pubsub-event-bus.ts).
    const [first = 0, second = 0, third = 0] = attemptsAt;
    expect(second - first).toBeGreaterThanOrEqual(900);
    expect(third - second).toBeGreaterThanOrEqual(900);
  });

  it.concurrent.each(['subscription', 'bus'] as const)(
    '%s close() waits for the handler in flight, which is acked',
    async (closing) => {
      const { topic, subscription } = uniqueNames();
      const ownBus = await adapter.createBus();
      let started = false;
      let finished = false;
      const consumer = await ownBus.subscribe(topic, subscription, async () => {
        started = true;
        await sleep(500);
        finished = true;
      });
      await ownBus.publish(topic, testEvent());
      await waitFor('the handler to start', () => started);
      await (closing === 'subscription' ? consumer.close() : ownBus.close());
      expect(finished).toBe(true);
      if (closing === 'subscription') await ownBus.close();

      // Acknowledged: the subscription holds nothing for its next consumer.
      const after = recorder();
      await bus.subscribe(topic, subscription, after.handler);
      await sleep(1_000);
      expect(after.received).toEqual([]);
    },
  );

  it.concurrent(
    'receives through the outbox what was committed before the relay started (a crash)',
    async () => {
      const { topic, subscription } = uniqueNames();
      const { received, ids, handler } = recorder();
      await bus.subscribe(topic, subscription, handler);
      const events = [testEvent(1), testEvent(2), testEvent(3)];
      await commitNote([[topic, events[0] as EventEnvelope]]);
      await commitNote(events.slice(1).map((event) => [topic, event]));
      await sleep(300);
      expect(received).toEqual([]);

      const relay = startRelay(bus);
      try {
        await waitFor('the committed events', () => received.length >= events.length);
      } finally {
        await relay.stop();
      }
      expect(ids()).toEqual(idsOf(events));
      expect(received.map(({ event }) => event)).toEqual(expect.arrayContaining(events));
      const rows = await outboxRows(idsOf(events));
      expect(rows.every((row) => row.published_at !== null)).toBe(true);
    },
  );

  it.concurrent(
    'subscribeTemporary gives each replica its own <prefix>.tmp-<uuid> subscription that receives every later event',
    async () => {
      const { topic } = uniqueNames();
      const replica = await adapter.createBus();
      const first = recorder();
      const second = recorder();
      try {
        const before = testEvent(0);
        await bus.publish(topic, before);
        const firstHandle = await bus.subscribeTemporary(topic, TEMPORARY_PREFIX, first.handler);
        const [firstName, ...none] = await adapter.subscriptionsOf(topic);
        expect(none).toEqual([]);
        expect(firstName).toMatch(TEMPORARY_NAME);
        const between = testEvent(1);
        await bus.publish(topic, between);

        const secondHandle = await replica.subscribeTemporary(topic, TEMPORARY_PREFIX, second.handler);
        const names = await adapter.subscriptionsOf(topic);
        expect(names).toHaveLength(2);
        expect(names).toContain(firstName);
        const secondName = names.find((name) => name !== firstName);
        expect(secondName).toMatch(TEMPORARY_NAME);
        expect(names.every(isTemporarySubscription)).toBe(true);

        const later = [testEvent(2), testEvent(3)];
        await bus.publish(topic, later[0] as EventEnvelope);
        await replica.publish(topic, later[1] as EventEnvelope);
        await waitFor(
          'both replicas',
          () => first.received.length >= 3 && second.received.length >= 2,
          30_000,
        );
        await sleep(500);
        // Each replica gets everything published while its subscription exists, nothing from before.
        expect(first.ids()).toEqual(idsOf([between, ...later]));
        expect(second.ids()).toEqual(idsOf(later));
        expect(first.received.map(({ event }) => event)).toEqual(expect.arrayContaining([between, ...later]));
        expect(second.received.map(({ delivery }) => delivery)).toEqual([{ attempt: 1 }, { attempt: 1 }]);
        await firstHandle.close();
        await secondHandle.close();
        expect(await adapter.subscriptionsOf(topic)).toEqual([]);
      } finally {
        await replica.close();
      }
    },
  );

  it.concurrent(
    'a temporary subscription is deleted by close(), and the topic still reaches the other subscriptions',
    async () => {
      const { topic, subscription } = uniqueNames();
      const durable = recorder();
      const temporary = recorder();
      await bus.subscribe(topic, subscription, durable.handler);
      const handle = await bus.subscribeTemporary(topic, TEMPORARY_PREFIX, temporary.handler);
      const name = (await adapter.subscriptionsOf(topic)).find(isTemporarySubscription);
      if (name === undefined) throw new Error('no temporary subscription on the topic');
      expect(name).toMatch(TEMPORARY_NAME);
      expect(await adapter.subscriptionExists(name)).toBe(true);
      const first = testEvent(1);
      await bus.publish(topic, first);
      await waitFor(
        'the first event',
        () => durable.received.length >= 1 && temporary.received.length >= 1,
        30_000,
      );

      await handle.close();
      expect(await adapter.subscriptionExists(name)).toBe(false);
      expect(await adapter.subscriptionsOf(topic)).toEqual([subscription]);
      // A second close() is harmless.
      await handle.close();

      const second = testEvent(2);
      await bus.publish(topic, second);
      await waitFor('the second event', () => durable.received.length >= 2, 30_000);
      await sleep(500);
      expect(durable.ids()).toEqual(idsOf([first, second]));
      expect(temporary.ids()).toEqual([first.id]);
    },
  );

  it.concurrent(
    'a temporary subscription for some event types receives only those, and the topic still reaches the others whole',
    async () => {
      const { topic, subscription } = uniqueNames();
      const durable = recorder();
      const filtered = recorder();
      await bus.subscribe(topic, subscription, durable.handler);
      const eventTypes = ['test.alerted', 'test.escalated'];
      const handle = await bus.subscribeTemporary(topic, TEMPORARY_PREFIX, filtered.handler, { eventTypes });
      try {
        // The broker itself leaves the other types out (the emulator takes a filter but does not apply it:
        // the adapter drops what gets past it).
        expect(await adapter.typeFiltersOf(topic)).toEqual(
          adapter.name === 'postgres'
            ? eventTypes.map((type) => `${topic}/${type}`)
            : [eventTypeFilter(eventTypes)],
        );
        const alerted = createEvent('test.alerted', { n: 1 }, 'request-1');
        const escalated = createEvent('test.escalated', { n: 2 }, 'request-2');
        const others = [testEvent(3), createEvent('test.alerted-not', { n: 4 }, 'request-4')];
        for (const event of [others[0], alerted, others[1], escalated] as EventEnvelope[]) {
          await bus.publish(topic, event);
        }
        await waitFor(
          'every event on the durable subscription, the two wanted on the temporary one',
          () => durable.received.length >= 4 && filtered.received.length >= 2,
          30_000,
        );
        await sleep(1_000);
        expect(durable.ids()).toEqual(idsOf([alerted, escalated, ...others]));
        expect(filtered.ids()).toEqual(idsOf([alerted, escalated]));
        expect(filtered.received.map(({ event }) => event)).toEqual(
          expect.arrayContaining([alerted, escalated]),
        );
      } finally {
        await handle.close();
      }
      expect(await adapter.typeFiltersOf(topic)).toEqual([]);
      await expect(
        bus.subscribeTemporary(topic, TEMPORARY_PREFIX, filtered.handler, { eventTypes: ['Not A Type'] }),
      ).rejects.toThrow(/invalid event type/);
    },
  );

  it.concurrent('redelivers to a temporary subscription an event whose handler threw', async () => {
    const { topic } = uniqueNames();
    const deliveries: { id: string; attempt: number }[] = [];
    const handle = await bus.subscribeTemporary(topic, TEMPORARY_PREFIX, async (event, { attempt }) => {
      deliveries.push({ id: event.id, attempt });
      if (deliveries.length === 1) throw new Error('the first delivery fails');
    });
    const event = testEvent();
    await bus.publish(topic, event);
    await waitFor('the redelivery', () => deliveries.length >= 2, 30_000);
    await sleep(1_000);
    await handle.close();
    // Once, and once more after the throw; then acknowledged.
    expect(deliveries.map(({ id }) => id)).toEqual([event.id, event.id]);
    expect(deliveries[0]?.attempt).toBe(1);
  });

  // Pub/Sub counts attempts only on a subscription with a dead-letter policy, which a temporary one has
  // not: the adapter must count them itself to keep the Delivery contract.
  it.concurrent('counts the redeliveries of a temporary subscription in attempt', async () => {
    const { topic } = uniqueNames();
    const attempts: number[] = [];
    const handle = await bus.subscribeTemporary(topic, TEMPORARY_PREFIX, async (_event, { attempt }) => {
      attempts.push(attempt);
      if (attempts.length === 1) throw new Error('the first delivery fails');
    });
    await bus.publish(topic, testEvent());
    await waitFor('the redelivery', () => attempts.length >= 2, 30_000);
    await sleep(500);
    await handle.close();
    expect(attempts).toEqual([1, 2]);
  });
});

/** A bus in front of another that counts publishes and can be taken down. */
class ControlledBus implements EventBus {
  readonly #inner: EventBus;
  down = false;
  /** Milliseconds each publish takes before it reaches the inner bus. */
  delayMs = 0;
  failedPublishes = 0;
  readonly published: string[] = [];
  publishing = 0;

  constructor(inner: EventBus) {
    this.#inner = inner;
  }

  async publish(topic: string, event: EventEnvelope): Promise<void> {
    this.publishing += 1;
    try {
      await sleep(this.delayMs);
      if (this.down) {
        this.failedPublishes += 1;
        throw new Error('the bus is unavailable');
      }
      await this.#inner.publish(topic, event);
      this.published.push(event.id);
    } finally {
      this.publishing -= 1;
    }
  }

  publishAll: EventBus['publishAll'] = (events) => publishEach(this, events);
  ensureSubscription: EventBus['ensureSubscription'] = (...args) => this.#inner.ensureSubscription(...args);
  subscribe: EventBus['subscribe'] = (...args) => this.#inner.subscribe(...args);
  subscribeTemporary: EventBus['subscribeTemporary'] = (...args) => this.#inner.subscribeTemporary(...args);
  deadLetters: EventBus['deadLetters'] = (subscription) => this.#inner.deadLetters(subscription);
  close = () => this.#inner.close();
}

/** A Postgres bus for the tests of one describe block: opened before them, closed after. */
function postgresBusForBlock(): () => EventBus {
  let bus: EventBus | undefined;
  beforeAll(async () => {
    bus = await postgres.createBus();
  });
  afterAll(async () => {
    await bus?.close();
  });
  return () => {
    if (!bus) throw new Error('the bus opens in beforeAll');
    return bus;
  };
}

describe('transactional outbox (postgres bus)', () => {
  const bus = postgresBusForBlock();

  it('refuses to enqueue outside a transaction', async () => {
    await expect(enqueueEvent(orm.em.fork(), 'test-topic', testEvent())).rejects.toThrow(/em\.transactional/);
  });

  it('publishes what was committed and never what was rolled back', async () => {
    const { topic, subscription } = uniqueNames();
    const { received, ids, handler } = recorder();
    await bus().subscribe(topic, subscription, handler);
    const relay = startRelay(bus());
    const rolledBack = testEvent(1);
    const committed = testEvent(2);
    try {
      await expect(commitNote([[topic, rolledBack]], true)).rejects.toThrow('the change was refused');
      await commitNote([[topic, committed]]);
      await waitFor('the committed event', () => received.length >= 1);
      await sleep(500);
    } finally {
      await relay.stop();
    }
    expect(ids()).toEqual([committed.id]);
    expect(await outboxRows([rolledBack.id, committed.id])).toEqual([
      expect.objectContaining({ event_id: committed.id, published_at: expect.any(String) }),
    ]);
  });

  it('publishes the rest of a batch when one of its rows holds a malformed event, which stays with its error', async () => {
    const { topic, subscription } = uniqueNames();
    const { received, ids, handler } = recorder();
    await bus().subscribe(topic, subscription, handler);
    const [before, after] = [testEvent(1), testEvent(2)];
    const malformed = { ...testEvent(3), type: 'Not A Type' };
    await commitNote([[topic, before]]);
    // Only a row written around enqueueEvent (by hand, or by an older version) can be malformed.
    await orm.em
      .fork()
      .execute('insert into outbox_event (topic, event_id, event) values (?, ?, ?::jsonb)', [
        topic,
        malformed.id,
        JSON.stringify(malformed),
      ]);
    await commitNote([[topic, after]]);
    // Started after the three commits, so that they are claimed together.
    const relay = startRelay(bus(), { retryDelayMs: 50, maxRetryDelayMs: 200 });
    let tried: OutboxRow | undefined;
    try {
      await waitFor('both valid events', () => received.length >= 2);
      tried = await waitFor('the malformed row tried', async () => {
        const [row] = await outboxRows([malformed.id]);
        return row && row.publish_attempts >= 1 ? row : undefined;
      });
      await sleep(300);
    } finally {
      await relay.stop();
      // Left in place, it would fail every later test's relay batch.
      await orm.em.fork().execute('delete from outbox_event where event_id = ?', [malformed.id]);
    }
    expect(ids()).toEqual(idsOf([before, after]));
    expect(tried).toMatchObject({
      published_at: null,
      last_error: expect.stringMatching(/malformed event: type/),
    });
    expect(await outboxRows([before.id, after.id])).toEqual([
      expect.objectContaining({ event_id: before.id, published_at: expect.any(String), publish_attempts: 0 }),
      expect.objectContaining({ event_id: after.id, published_at: expect.any(String), publish_attempts: 0 }),
    ]);
  });

  it('keeps retrying through a bus outage and publishes everything, once, when the bus is back', async () => {
    const { topic, subscription } = uniqueNames();
    const { received, ids, handler } = recorder();
    await bus().subscribe(topic, subscription, handler);
    const flaky = new ControlledBus(bus());
    flaky.down = true;
    const relay = startRelay(flaky, { retryDelayMs: 50, maxRetryDelayMs: 200 });
    const events = Array.from({ length: 5 }, (_, n) => testEvent(n));
    try {
      for (const event of events) await commitNote([[topic, event]]);
      await waitFor('several failed rounds', () => flaky.failedPublishes >= 3 * events.length);
      const failing = await outboxRows(idsOf(events));
      expect(failing.every((row) => row.published_at === null && row.publish_attempts >= 1)).toBe(true);
      expect(failing[0]?.last_error).toBe('the bus is unavailable');

      flaky.down = false;
      await waitFor('every event', () => received.length >= events.length);
      await sleep(500);
    } finally {
      await relay.stop();
    }
    expect(ids()).toEqual(idsOf(events));
    expect(flaky.published.sort()).toEqual(idsOf(events));
    const rows = await outboxRows(idsOf(events));
    expect(rows.every((row) => row.published_at !== null)).toBe(true);
  });

  it('stop() lets the batch in hand finish publishing and marking', async () => {
    const { topic } = uniqueNames();
    const slow = new ControlledBus(bus());
    slow.delayMs = 500;
    const relay = startRelay(slow);
    const event = testEvent();
    await commitNote([[topic, event]]);
    await waitFor('the publish to start', () => slow.publishing > 0);
    await relay.stop();
    expect(slow.published).toContain(event.id);
    expect(await outboxRows([event.id])).toEqual([
      expect.objectContaining({ published_at: expect.any(String) }),
    ]);
  });

  it('lets several relays share the outbox without publishing an event twice', async () => {
    const { topic } = uniqueNames();
    const counting = new ControlledBus(bus());
    const events = Array.from({ length: 300 }, (_, n) => testEvent(n));
    for (let start = 0; start < events.length; start += 50) {
      await commitNote(events.slice(start, start + 50).map((event) => [topic, event]));
    }
    const relays = [1, 2, 3].map(() => startRelay(counting, { batchSize: 20 }));
    try {
      await waitFor('every event', () => counting.published.length >= events.length);
      await sleep(300);
    } finally {
      await Promise.all(relays.map((relay) => relay.stop()));
    }
    expect(counting.published.sort()).toEqual(idsOf(events));
  });

  it('deletes published rows once they are older than the retention', async () => {
    const old = testEvent();
    await orm.em.fork().execute(
      `insert into outbox_event (topic, event_id, event, created_at, published_at)
         values ('test-topic', ?, ?::jsonb, now() - interval '9 days', now() - interval '8 days')`,
      [old.id, JSON.stringify(old)],
    );
    const relay = startRelay(bus());
    try {
      await waitFor('the old row to go', async () => (await outboxRows([old.id])).length === 0);
    } finally {
      await relay.stop();
    }
  });
});

describe('batch publishing (postgres bus)', () => {
  const bus = postgresBusForBlock();

  it('queues an event once per subscription, twice in a batch or published again (its id is the job id)', async () => {
    const { topic, subscription } = uniqueNames();
    const { received, ids, handler } = recorder();
    await bus().subscribe(topic, subscription, handler);
    const [repeated, other] = [testEvent(1), testEvent(2)];
    const outcomes = await bus().publishAll([
      { topic, event: repeated },
      { topic, event: other },
      { topic, event: repeated },
    ]);
    expect(outcomes.map(({ status }) => status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    await bus().publish(topic, repeated);
    await waitFor('both events', () => received.length >= 2);
    await sleep(1_000);
    expect(ids()).toEqual(idsOf([repeated, other]));
  });
  it('answers a batch it cannot publish with one refusal per event instead of throwing', async () => {
    const closed = await postgres.createBus();
    await closed.close();
    const outcomes = await closed.publishAll([
      { topic: uniqueNames().topic, event: testEvent(1) },
      { topic: 'not a topic!', event: testEvent(2) },
    ]);
    expect(outcomes.map(({ status }) => status)).toEqual(['rejected', 'rejected']);
    await expect(closed.publish(uniqueNames().topic, testEvent(3))).rejects.toThrow();
  });
});

describe('temporary subscriptions left behind (postgres bus)', () => {
  const bus = postgresBusForBlock();

  it('deletes a temporary subscription untouched for a day when another is created, and keeps the others', async () => {
    const { topic, subscription } = uniqueNames();
    // Queues as a router replica leaves them when its process dies: no consumer, never closed.
    const stale = temporarySubscriptionName(TEMPORARY_PREFIX);
    const fresh = temporarySubscriptionName(TEMPORARY_PREFIX);
    const boss = new PgBoss({
      connectionString: database.url,
      schema: 'event_bus',
      supervise: false,
      schedule: false,
    });
    await boss.start();
    try {
      for (const name of [stale, fresh]) {
        await boss.createQueue(name, {
          retentionSeconds: 600,
          deleteAfterSeconds: 60,
          retryLimit: 2,
          retryDelay: 0,
        });
        await boss.subscribe(topic, name);
      }
    } finally {
      await boss.stop({ graceful: true });
    }
    await bus().ensureSubscription(topic, subscription);
    const touched = (name: string, hoursAgo: number) =>
      orm.em
        .fork()
        .execute(`update event_bus.queue set updated_on = now() - make_interval(hours => ?) where name = ?`, [
          hoursAgo,
          name,
        ]);
    await touched(stale, 25);
    await touched(fresh, 23);
    // An ordinary subscription is never expired, however old.
    await touched(subscription, 48);
    expect(await postgres.subscriptionsOf(topic)).toEqual([fresh, stale, subscription].sort());

    const received = recorder();
    const handle = await bus().subscribeTemporary(topic, TEMPORARY_PREFIX, received.handler);
    const names = await postgres.subscriptionsOf(topic);
    const created = names.find((name) => isTemporarySubscription(name) && name !== fresh);
    expect(created).toMatch(TEMPORARY_NAME);
    expect(names).toEqual([created, fresh, subscription].sort());
    expect(await postgres.subscriptionExists(stale)).toBe(false);
    expect(await postgres.subscriptionExists(fresh)).toBe(true);
    expect(await postgres.subscriptionExists(subscription)).toBe(true);

    // The topic goes on to the new subscription as usual.
    const event = testEvent();
    await bus().publish(topic, event);
    await waitFor('the event', () => received.received.length >= 1, 30_000);
    expect(received.ids()).toEqual([event.id]);
    await handle.close();
  });
});
