/**
 * Stores for graphql-rate-limit whose read-and-record is atomic.
 *
 * The library's limiter reads an identity's call timestamps, decides, then writes them back. Its bundled
 * stores do the read and the write as two steps, so concurrent calls (across router replicas, or even
 * awaiting in one process) all read the same count and overspend the budget. These stores record the call
 * in the same atomic step that returns the earlier timestamps; the library's later write is a no-op.
 *
 * The library's work per call grows with the timestamps a store returns (it filters them one by one), so
 * each store serves one rule and keeps, per identity, only that rule's window and at most its budget of
 * calls: enough to tell the budget is spent (and when the oldest of them leaves the window). And it
 * returns them only when they spend the budget: below it, no earlier call changes the library's decision,
 * so it gets none to filter (NOT_SPENT).
 */
import { Redis } from 'ioredis';
import type { Identity, Store } from 'graphql-rate-limit';
import { LruMap } from '../lib/lru-map.ts';
import type { Failover } from './failover.ts';

export interface RateLimitStore extends Store {
  /** Timestamps of the calls recorded for `identity` within the last `windowMs`, oldest first. */
  recentCalls(identity: Identity, windowMs: number): Promise<number[]>;
}

/** What a store returns while an identity's earlier calls are fewer than the budget. */
const NOT_SPENT: readonly number[] = Object.freeze([]);

function keyOf(identity: Identity): string {
  return `${identity.contextIdentity}|${identity.fieldIdentity}`;
}

/** The calls of one identity within the window, oldest first, from `head` on. */
interface CallLog {
  times: number[];
  head: number;
}

/** How often (in calls) the memory store forgets identities whose calls have all left the window. */
const PRUNE_EVERY_CALLS = 10_000;

/**
 * One process's counters (the default): atomic because the read-and-record never awaits. It remembers at
 * most `maxIdentities` identities, the least recently seen forgotten first, so no number of distinct
 * callers or usernames grows it without bound (an identity that keeps calling is never the one forgotten).
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly #calls: LruMap<string, CallLog>;
  readonly #retentionMs: number;
  readonly #maxCalls: number;
  #callsSincePrune = 0;

  /** `retentionMs`: the rule's window, older calls are forgotten; `maxCalls`: its budget, the most kept. */
  constructor(retentionMs: number, maxCalls: number, maxIdentities: number) {
    this.#retentionMs = retentionMs;
    this.#maxCalls = maxCalls;
    this.#calls = new LruMap(maxIdentities);
  }

  /** How many identities it remembers. */
  get identities(): number {
    return this.#calls.size;
  }

  getForIdentity(identity: Identity): readonly number[] {
    const now = Date.now();
    const key = keyOf(identity);
    const log = this.#calls.get(key) ?? { times: [], head: 0 };
    this.#calls.set(key, log);
    this.#forgetExpired(log, now);
    const earlier = log.times.length - log.head;
    const previous = earlier >= this.#maxCalls ? log.times.slice(log.head) : NOT_SPENT;
    log.times.push(now);
    if (log.times.length - log.head > this.#maxCalls) log.head = log.times.length - this.#maxCalls;
    // Compacted now and then, not on every call.
    if (log.head > 1_000 && log.head > log.times.length / 2) {
      log.times = log.times.slice(log.head);
      log.head = 0;
    }
    if ((this.#callsSincePrune += 1) >= PRUNE_EVERY_CALLS) this.#prune(now);
    return previous;
  }

  #forgetExpired(log: CallLog, now: number): void {
    while (log.head < log.times.length && (log.times[log.head] ?? 0) <= now - this.#retentionMs)
      log.head += 1;
  }

  #prune(now: number): void {
    this.#callsSincePrune = 0;
    for (const [key, log] of this.#calls.entries()) {
      if ((log.times.at(-1) ?? 0) <= now - this.#retentionMs) this.#calls.delete(key);
    }
  }

  setForIdentity(): void {}

  async recentCalls(identity: Identity, windowMs: number): Promise<number[]> {
    const now = Date.now();
    const log = this.#calls.get(keyOf(identity));
    return (log?.times.slice(log.head) ?? []).filter((t) => t > now - windowMs);
  }
}

/**
 * Trims calls older than the retention; returns the remaining ones if they spend the budget (ARGV[4]) and
 * none otherwise; records this call and keeps the newest `maxCalls`: one Redis step.
 */
const RECORD_CALL = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
local previous = {}
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  previous = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[4]) + 1))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return previous`;

/** A sorted-set reply WITHSCORES alternates member and score; the scores are the call times, ascending. */
function scoresOf(reply: string[]): number[] {
  return reply.filter((_, index) => index % 2 === 1).map(Number);
}

/** Counters shared by every router replica (`REDIS_URL`). */
export class RedisRateLimitStore implements RateLimitStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #retentionMs: number;
  readonly #maxCalls: number;
  #sequence = 0;

  /** As MemoryRateLimitStore, with keys under `prefix` in `redis` (shared, closed by its owner). */
  constructor(redis: Redis, prefix: string, retentionMs: number, maxCalls: number) {
    this.#redis = redis;
    this.#redis.defineCommand('recordCall', { numberOfKeys: 1, lua: RECORD_CALL });
    this.#prefix = prefix;
    this.#retentionMs = retentionMs;
    this.#maxCalls = maxCalls;
  }

  async getForIdentity(identity: Identity): Promise<readonly number[]> {
    const now = Date.now();
    // A unique member per call, so calls in the same millisecond all count.
    const member = `${now}:${process.pid}:${(this.#sequence += 1)}:${Math.random()}`;
    const run = this.#redis as unknown as {
      recordCall(key: string, now: number, retention: number, member: string, max: number): Promise<string[]>;
    };
    const key = this.#prefix + keyOf(identity);
    const previous = await run.recordCall(key, now, this.#retentionMs, member, this.#maxCalls);
    return scoresOf(previous);
  }

  setForIdentity(): void {}

  async recentCalls(identity: Identity, windowMs: number): Promise<number[]> {
    const key = this.#prefix + keyOf(identity);
    return scoresOf(await this.#redis.zrangebyscore(key, Date.now() - windowMs, '+inf', 'WITHSCORES'));
  }
}

/**
 * The router's one connection to the rate-limit Redis. A command that gets no answer within
 * `commandTimeoutMs` fails (a Redis that stops answering without closing its connections, as in a
 * failover, must not hold every request), and nothing queues while it is unreachable: the stores fail
 * over to each replica's own counters at once.
 */
export function connectRateLimitRedis(url: string, commandTimeoutMs: number): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 2_000,
  });
}

/** Closes `redis` whether or not it is connected now (quit() rejects while it reconnects). */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
  else redis.disconnect();
}

/**
 * A shared store (Redis) with this replica's own counters as its fallback while it cannot be reached: the
 * limits keep holding, each replica counting for itself against its share of the budget (the fallback's
 * budget, the rule's divided by the replicas), until the shared store answers again.
 */
export class FailoverRateLimitStore implements RateLimitStore {
  readonly #primary: RateLimitStore;
  readonly #fallback: RateLimitStore;
  readonly #failover: Failover;

  constructor(primary: RateLimitStore, fallback: RateLimitStore, failover: Failover) {
    this.#primary = primary;
    this.#fallback = fallback;
    this.#failover = failover;
  }

  getForIdentity(identity: Identity): Promise<readonly number[]> {
    return this.#failover.run(
      async () => this.#primary.getForIdentity(identity),
      () => this.#fallback.getForIdentity(identity),
    );
  }

  setForIdentity(): void {}

  recentCalls(identity: Identity, windowMs: number): Promise<number[]> {
    return this.#failover.run(
      () => this.#primary.recentCalls(identity, windowMs),
      () => this.#fallback.recentCalls(identity, windowMs),
    );
  }
}
