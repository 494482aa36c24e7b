/**
 * Stores for graphql-rate-limit whose read-and-record is atomic.
 *
 * The library's limiter reads an identity's call timestamps, decides, then writes them back. Its bundled
 * stores do the read and the write as two steps, so concurrent calls (across router replicas, or even
 * awaiting in one process) all read the same count and overspend the budget. These stores record the call
 * in the same atomic step that returns the earlier timestamps; the library's later write is a no-op.
 *
 * The library's work per call grows with the timestamps a store returns, so each store serves one rule
 * and keeps, per identity, only that rule's window and at most its budget of calls: enough to tell the
 * budget is spent (and when the oldest of them leaves the window), and no more.
 */
import { Redis } from 'ioredis';
import type { Identity, Store } from 'graphql-rate-limit';

export interface RateLimitStore extends Store {
  /** Timestamps of the calls recorded for `identity` within the last `windowMs`, oldest first. */
  recentCalls(identity: Identity, windowMs: number): Promise<number[]>;
  /** Rejects when the store cannot be reached (the router's /ready uses it). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

function keyOf(identity: Identity): string {
  return `${identity.contextIdentity}|${identity.fieldIdentity}`;
}

/** One process's counters (the default): atomic because the read-and-record never awaits. */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly #calls = new Map<string, number[]>();
  readonly #retentionMs: number;
  readonly #maxCalls: number;

  /** `retentionMs`: the rule's window, older calls are forgotten; `maxCalls`: its budget, the most kept. */
  constructor(retentionMs: number, maxCalls: number) {
    this.#retentionMs = retentionMs;
    this.#maxCalls = maxCalls;
  }

  getForIdentity(identity: Identity): readonly number[] {
    const now = Date.now();
    const key = keyOf(identity);
    const calls = this.#calls.get(key) ?? [];
    let first = Math.max(0, calls.length - this.#maxCalls);
    while (first < calls.length && (calls[first] ?? 0) <= now - this.#retentionMs) first += 1;
    const previous = calls.slice(first);
    const kept = [...previous, now];
    this.#calls.set(key, kept.length > this.#maxCalls ? kept.slice(-this.#maxCalls) : kept);
    return previous;
  }

  setForIdentity(): void {}

  async recentCalls(identity: Identity, windowMs: number): Promise<number[]> {
    const now = Date.now();
    return (this.#calls.get(keyOf(identity)) ?? []).filter((t) => t > now - windowMs);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}

/**
 * Trims calls older than the retention, returns the remaining ones, records this call and keeps the newest
 * `maxCalls` (ARGV[4]): one Redis step.
 */
const RECORD_CALL = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
local previous = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
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

  /** As MemoryRateLimitStore, with keys under `prefix` in the Redis at `url`. */
  constructor(url: string, prefix: string, retentionMs: number, maxCalls: number) {
    this.#redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
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

  async ping(): Promise<void> {
    await this.#redis.ping();
  }

  async close(): Promise<void> {
    await this.#redis.quit();
  }
}
