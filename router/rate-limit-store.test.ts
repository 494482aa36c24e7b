/**
 * The rate-limit stores: recording a call and reading the earlier ones is one atomic step, in memory and in
 * the real Redis (REDIS_URL, default redis://127.0.0.1:6379), so concurrent calls never overspend a budget.
 */
import { randomUUID } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { getGraphQLRateLimiter } from 'graphql-rate-limit';
import type { GraphQLResolveInfo } from 'graphql';
import { Redis } from 'ioredis';
import {
  closeRedis,
  connectRateLimitRedis,
  MemoryRateLimitStore,
  RedisRateLimitStore,
  type RateLimitStore,
} from './rate-limit-store.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const RETENTION_MS = 60_000;
/** A budget above anything these tests send, where the cap is not what they test. */
const MAX_CALLS = 1_000;
/** Identities a memory store remembers, above what these tests use unless they test the bound. */
const IDENTITIES = 10_000;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

const identity = (contextIdentity: string, fieldIdentity = 'categories') => ({
  contextIdentity,
  fieldIdentity,
});

/**
 * What `count` calls in a row see with a budget of `budget`: no earlier calls while the budget is not
 * spent, then the `budget` most recent ones.
 */
const seenWithBudget = (count: number, budget: number) =>
  range(count).map((call) => (call < budget ? 0 : budget));

/** The lengths of what `count` concurrent calls saw, sorted. */
async function concurrentPreviousCounts(stores: RateLimitStore[], key: string, count: number) {
  const seen = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      Promise.resolve().then(() => stores[i % stores.length]?.getForIdentity(identity(key))),
    ),
  );
  return seen.map((previous) => previous?.length ?? -1).sort((a, b) => a - b);
}

/** How many of `count` concurrent calls the library's limiter admits with a budget of `max`. */
async function admittedByLimiter(stores: RateLimitStore[], user: string, count: number, max: number) {
  const limiters = stores.map((store) =>
    getGraphQLRateLimiter({ store, identifyContext: (context: string) => context }),
  );
  const refusals = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      limiters[i % limiters.length]?.(
        {
          parent: undefined,
          args: {},
          context: user,
          info: { fieldName: 'categories' } as GraphQLResolveInfo,
        },
        { max, window: '60s' },
      ),
    ),
  );
  return refusals.filter((refusal) => refusal === undefined).length;
}

/** Waits until the connection answers ping (at most 5 s). */
async function connected(redis: Redis): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      await redis.ping();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

afterEach(() => {
  jest.restoreAllMocks();
});

describe('MemoryRateLimitStore', () => {
  it('records each call while returning the earlier ones once they spend the budget, atomically', async () => {
    const store = new MemoryRateLimitStore(RETENTION_MS, 10, IDENTITIES);
    expect(await concurrentPreviousCounts([store], 'user:1', 25)).toEqual(seenWithBudget(25, 10));
    // Another identity, or another field of the same identity, has its own record.
    expect(await concurrentPreviousCounts([store], 'user:2', 3)).toEqual(seenWithBudget(3, 10));
    expect(store.getForIdentity(identity('user:1', 'products'))).toEqual([]);
  });

  it('lets the limiter admit exactly the budget of a concurrent burst', async () => {
    const store = new MemoryRateLimitStore(RETENTION_MS, 5, IDENTITIES);
    expect(await admittedByLimiter([store], 'user:1', 20, 5)).toBe(5);
    expect(await admittedByLimiter([store], 'user:2', 3, 5)).toBe(3);
  });

  it('returns earlier calls oldest first and forgets calls older than the retention', () => {
    const store = new MemoryRateLimitStore(10_000, 2, IDENTITIES);
    let now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    store.getForIdentity(identity('ip:1'));
    now += 4_000;
    store.getForIdentity(identity('ip:1'));
    now += 4_000;
    expect(store.getForIdentity(identity('ip:1'))).toEqual([1_000_000, 1_004_000]);
    now += 3_000; // the first call is now 11 s old
    expect(store.getForIdentity(identity('ip:1'))).toEqual([1_004_000, 1_008_000]);
  });

  it('keeps at most its budget of calls per identity, which is all the limiter needs to refuse', async () => {
    const store = new MemoryRateLimitStore(RETENTION_MS, 3, IDENTITIES);
    let now = 3_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => (now += 1_000));
    const seen = range(6).map(() => store.getForIdentity(identity('user:9')));
    expect(seen.map((previous) => previous.length)).toEqual(seenWithBudget(6, 3));
    expect(seen[5]).toEqual([3_003_000, 3_004_000, 3_005_000]);
    jest.restoreAllMocks();
    expect(
      await admittedByLimiter([new MemoryRateLimitStore(RETENTION_MS, 3, IDENTITIES)], 'user:10', 10, 3),
    ).toBe(3);
  });

  it('remembers at most its number of identities, forgetting the least recently seen first', () => {
    const store = new MemoryRateLimitStore(RETENTION_MS, 2, 100);
    const caller = identity('ip:198.51.100.1', 'login');
    store.getForIdentity(caller);
    // 10,000 distinct usernames from elsewhere; the caller keeps calling in between and is never forgotten.
    for (let n = 0; n < 10_000; n++) {
      store.getForIdentity(identity('ip:203.0.113.9', `login:${n}`));
      if (n % 50 === 0) store.getForIdentity(caller);
    }
    expect(store.identities).toBe(100);
    expect(store.getForIdentity(caller)).toHaveLength(2);
    expect(store.getForIdentity(identity('ip:203.0.113.9', 'login:0'))).toEqual([]);
  });

  it('recentCalls lists the calls within a window without recording one; setForIdentity changes nothing', async () => {
    const store = new MemoryRateLimitStore(RETENTION_MS, MAX_CALLS, IDENTITIES);
    let now = 2_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    for (const step of [0, 10_000, 10_000]) {
      now += step;
      store.getForIdentity(identity('user:7'));
    }
    store.setForIdentity();
    expect(await store.recentCalls(identity('user:7'), 15_000)).toEqual([2_010_000, 2_020_000]);
    expect(await store.recentCalls(identity('user:7'), 60_000)).toEqual([2_000_000, 2_010_000, 2_020_000]);
    expect(await store.recentCalls(identity('user:7'), 60_000)).toHaveLength(3);
    expect(await store.recentCalls(identity('user:8'), 60_000)).toEqual([]);
  });
});

describe('RedisRateLimitStore', () => {
  const prefix = `test:rate-limit-store:${randomUUID()}:`;
  let admin: Redis;
  const connections: Redis[] = [];

  /** A connection as a router replica opens it, once connected (it queues nothing while it connects). */
  async function replicaConnection(url = REDIS_URL, commandTimeoutMs = 5_000): Promise<Redis> {
    const redis = connectRateLimitRedis(url, commandTimeoutMs);
    redis.on('error', () => undefined);
    connections.push(redis);
    await connected(redis);
    return redis;
  }

  /** A store as one router replica opens it, on a connection of its own. */
  async function replica(
    retentionMs = RETENTION_MS,
    storePrefix = prefix,
    maxCalls = MAX_CALLS,
  ): Promise<RedisRateLimitStore> {
    return new RedisRateLimitStore(await replicaConnection(), storePrefix, retentionMs, maxCalls);
  }

  beforeAll(() => {
    admin = new Redis(REDIS_URL);
  });

  afterAll(async () => {
    await Promise.all(connections.map(closeRedis));
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
  });

  it('records each call atomically across replicas, returning the earlier ones once they spend the budget', async () => {
    const replicas = await Promise.all([0, 1, 2].map(() => replica(RETENTION_MS, prefix, 10)));
    expect(await concurrentPreviousCounts(replicas, 'user:1', 30)).toEqual(seenWithBudget(30, 10));
    expect(await admin.zcard(`${prefix}user:1|categories`)).toBe(10);
  });

  it('lets limiters on two replicas admit exactly the budget of a concurrent burst', async () => {
    const replicas = await Promise.all([replica(RETENTION_MS, prefix, 5), replica(RETENTION_MS, prefix, 5)]);
    expect(await admittedByLimiter(replicas, 'user:2', 20, 5)).toBe(5);
    expect(await admittedByLimiter(replicas, 'user:3', 4, 5)).toBe(4);
  });

  it('counts calls made in the same millisecond separately', async () => {
    const store = await replica(RETENTION_MS, prefix, 3);
    jest.spyOn(Date, 'now').mockReturnValue(Date.now());
    expect(await concurrentPreviousCounts([store], 'user:4', 5)).toEqual(seenWithBudget(5, 3));
  });

  it('returns earlier calls oldest first, forgets calls older than the retention, and expires the key', async () => {
    const store = await replica(10_000, prefix, 2);
    const start = Date.now();
    let now = start - 9_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    await store.getForIdentity(identity('ip:5'));
    now = start - 5_000;
    await store.getForIdentity(identity('ip:5'));
    now = start;
    expect(await store.getForIdentity(identity('ip:5'))).toEqual([start - 9_000, start - 5_000]);
    now = start + 1_500; // the first call is now 10.5 s old
    expect(await store.getForIdentity(identity('ip:5'))).toEqual([start - 5_000, start]);

    const ttl = await admin.pttl(`${prefix}ip:5|categories`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(10_000);
  });

  it('keeps at most its budget of calls per identity, which is all the limiters need to refuse', async () => {
    const replicas = await Promise.all([replica(RETENTION_MS, prefix, 3), replica(RETENTION_MS, prefix, 3)]);
    expect(await admittedByLimiter(replicas, 'user:11', 10, 3)).toBe(3);
    expect(await admin.zcard(`${prefix}user:11|categories`)).toBe(3);
    expect(await replicas[0]?.getForIdentity(identity('user:11'))).toHaveLength(3);
  });

  it('recentCalls lists the calls within a window without recording one', async () => {
    const store = await replica();
    const start = Date.now();
    let now = start - 20_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    for (const at of [start - 20_000, start - 10_000, start]) {
      now = at;
      await store.getForIdentity(identity('user:6'));
    }
    expect(await store.recentCalls(identity('user:6'), 15_000)).toEqual([start - 10_000, start]);
    expect(await store.recentCalls(identity('user:6'), 60_000)).toEqual([
      start - 20_000,
      start - 10_000,
      start,
    ]);
    expect(await store.recentCalls(identity('user:6'), 60_000)).toHaveLength(3);
    expect(await store.recentCalls(identity('user:999'), 60_000)).toEqual([]);
    // Another replica sees the same calls.
    expect(await (await replica()).recentCalls(identity('user:6'), 60_000)).toHaveLength(3);
  });

  it('keeps its keys under its prefix, so routers with another prefix do not share budgets', async () => {
    const other = await replica(RETENTION_MS, `${prefix}other:`);
    await (await replica()).getForIdentity(identity('user:7'));
    expect(await other.getForIdentity(identity('user:7'))).toEqual([]);
    expect(await admin.exists(`${prefix}user:7|categories`, `${prefix}other:user:7|categories`)).toBe(2);
  });

  it('fails a call at once while its connection is closed, and closes while Redis is out of reach', async () => {
    const redis = await replicaConnection();
    const store = new RedisRateLimitStore(redis, prefix, RETENTION_MS, MAX_CALLS);
    await closeRedis(redis);
    await expect(store.getForIdentity(identity('user:8'))).rejects.toThrow();
    const unreachable = connectRateLimitRedis('redis://127.0.0.1:1', 500);
    unreachable.on('error', () => undefined);
    await expect(closeRedis(unreachable)).resolves.toBeUndefined();
  });

  it('fails a call within its command timeout when Redis stops answering without closing the connection', async () => {
    // A proxy to Redis that can go silent: what a failing-over Redis looks like to its clients.
    let silent = false;
    const upstream = new URL(REDIS_URL);
    const open: Socket[] = [];
    const proxy = createServer((client) => {
      const server = connect(Number(upstream.port || 6379), upstream.hostname);
      open.push(client, server);
      client.on('data', (data) => silent || server.write(data));
      server.on('data', (data) => silent || client.write(data));
      client.on('error', () => undefined);
      server.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const redis = await replicaConnection(
        `redis://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
        300,
      );
      const store = new RedisRateLimitStore(redis, prefix, RETENTION_MS, MAX_CALLS);
      await expect(store.getForIdentity(identity('user:9'))).resolves.toEqual([]);
      silent = true;
      const started = Date.now();
      await expect(store.getForIdentity(identity('user:9'))).rejects.toThrow(/timed out/i);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
