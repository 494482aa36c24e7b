/**
 * A delivery whose database cannot be reached for a moment (its connections cut by a TCP proxy in front of
 * Postgres, as a restart or a failover cuts them) is applied in place once the database answers again: the
 * same attempt, the effect once. A longer outage, or a failure of the handler's own, goes back to the bus.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { MikroORM } from '@mikro-orm/postgresql';
import { startTcpProxy, type TcpProxy } from '../../scripts/support/tcp-proxy.ts';
import { inventorySubgraph } from '../../subgraphs/inventory/inventory.subgraph.ts';
import { createMigratedDatabase, sqlAt, type TestDatabase } from '../../test/support/database.ts';
import { silentLogger } from '../../test/support/services.ts';
import { isDatabaseUnreachable, openDatabase } from '../database.ts';
import { createEvent, type EventEnvelope } from './event.ts';
import { processDelivery, type EventConsumer } from './event-processing.ts';

let database: TestDatabase;
let proxy: TcpProxy;
let orm: MikroORM;

beforeAll(async () => {
  database = await createMigratedDatabase('inventory', 'event_retries');
  const url = new URL(database.url);
  proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
  url.hostname = proxy.host;
  url.port = String(proxy.port);
  orm = await openDatabase({
    url: url.toString(),
    entities: inventorySubgraph.entities,
    migrations: inventorySubgraph.migrations,
    poolMax: 2,
    connectTimeoutMs: 1_000,
    logger: silentLogger,
  });
});

afterAll(async () => {
  await orm?.close(true);
  await proxy?.close();
  await database?.drop();
});

/** A consumer that counts the times its effect ran, failing with `failure` if given. */
function countingConsumer(failure?: Error): EventConsumer & { runs: number } {
  return {
    subscription: { topic: 'retries-test', subscription: 'test.retries-test' },
    runs: 0,
    async handle(em) {
      await em.execute('select 1');
      this.runs += 1;
      if (failure) throw failure;
    },
  };
}

const deliver = (consumer: EventConsumer, event: EventEnvelope) =>
  processDelivery({ orm, logger: silentLogger, maxAttempts: 5 }, consumer, event, { attempt: 1 });

/** How many times the consumer's subscription recorded `event` as processed. */
async function timesRecorded(event: EventEnvelope): Promise<number> {
  const [row] = await sqlAt<{ count: string }>(
    database.url,
    'select count(*) from processed_event where subscription = $1 and event_id = $2',
    ['test.retries-test', event.id],
  );
  return Number(row?.count);
}

describe('a delivery when the database cannot be reached', () => {
  it('is applied once, in the same attempt, when the database answers again within a second', async () => {
    const consumer = countingConsumer();
    const event = createEvent('retries.test', {}, 'brief-outage');
    await proxy.cut();
    const restored = setTimeout(() => proxy.restore(), 700);
    try {
      await deliver(consumer, event);
    } finally {
      clearTimeout(restored);
      proxy.restore();
    }
    expect(consumer.runs).toBe(1);
    expect(await timesRecorded(event)).toBe(1);
  });

  it('goes back to the bus with the database error when the outage outlasts the retries', async () => {
    const consumer = countingConsumer();
    await proxy.cut();
    const started = performance.now();
    try {
      const failure = await deliver(consumer, createEvent('retries.test', {}, 'long-outage')).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isDatabaseUnreachable(failure)).toBe(true);
    } finally {
      proxy.restore();
    }
    // Three pauses (0.2 s, 1 s, 3 s) and four tries, then the bus's turn: bounded, not a wait for the database.
    expect(performance.now() - started).toBeGreaterThan(4_000);
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(consumer.runs).toBe(0);
  });

  it('does not retry a failure of the handler’s own: one run, and the error goes back to the bus', async () => {
    const consumer = countingConsumer(new Error('no such product'));
    const event = createEvent('retries.test', {}, 'handler-failure');
    await expect(deliver(consumer, event)).rejects.toThrow('no such product');
    expect(consumer.runs).toBe(1);
    expect(await timesRecorded(event)).toBe(0);
  });
});
