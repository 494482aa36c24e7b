/**
 * Back-off for an account under attack. Failed logins are counted per account (across every address);
 * once they reach `afterFailures`, a login from an address the account has never logged in from waits a
 * back-off after the last failure, doubling with each further failure up to `maxMs`. The owner is never
 * locked out for long: from an address they logged in from before they are let through at once (their
 * password is still checked), and anyone is let through once the back-off has passed.
 *
 * Accounts and addresses are keyed by digests (router/features/rate-limits.feature.ts), never by what a
 * client wrote, and state is bounded: in memory by an LRU, in Redis by keys that expire.
 */
import type { Redis } from 'ioredis';
import { LruMap } from '../lib/lru-map.ts';
import type { Failover } from './failover.ts';

export interface LoginBackoff {
  /** Failures of an account before logins from unknown addresses wait. */
  afterFailures: number;
  /** The first wait; each further failure doubles it. */
  baseMs: number;
  /** The longest wait. */
  maxMs: number;
  /** How long a failure counts, and how long an address an account logged in from stays known. */
  failureMemoryMs: number;
  knownAddressMs: number;
}

/** The addresses remembered per account: its owner's few devices and networks. */
const KNOWN_ADDRESSES_PER_ACCOUNT = 10;

interface AccountState {
  failures: number;
  lastFailureAt: number;
}

export interface LoginGuardStore {
  state(account: string): Promise<AccountState | undefined>;
  isKnown(account: string, address: string): Promise<boolean>;
  recordFailure(account: string, now: number): Promise<void>;
  /** A successful login: the account's failures are forgotten and the address becomes known. */
  recordSuccess(account: string, address: string): Promise<void>;
}

export class LoginGuard {
  readonly #store: LoginGuardStore;
  readonly #backoff: LoginBackoff;

  constructor(store: LoginGuardStore, backoff: LoginBackoff) {
    this.#store = store;
    this.#backoff = backoff;
  }

  /** Seconds a login of `account` from `address` must wait, or 0 when it may be tried now. */
  async waitSeconds(account: string, address: string, now = Date.now()): Promise<number> {
    const state = await this.#store.state(account);
    const { afterFailures, baseMs, maxMs, failureMemoryMs } = this.#backoff;
    if (!state || state.failures < afterFailures || now - state.lastFailureAt > failureMemoryMs) return 0;
    const waitMs = Math.min(maxMs, baseMs * 2 ** (state.failures - afterFailures));
    const until = state.lastFailureAt + waitMs;
    if (until <= now || (await this.#store.isKnown(account, address))) return 0;
    return Math.max(1, Math.ceil((until - now) / 1000));
  }

  /** Whether `account` logged in from `address` lately: its owner, whom an attack must not lock out. */
  isKnownAddress(account: string, address: string): Promise<boolean> {
    return this.#store.isKnown(account, address);
  }

  recordFailure(account: string, now = Date.now()): Promise<void> {
    return this.#store.recordFailure(account, now);
  }

  recordSuccess(account: string, address: string): Promise<void> {
    return this.#store.recordSuccess(account, address);
  }
}

/** One process's record of failures and known addresses, for at most `maxAccounts` accounts. */
export class MemoryLoginGuardStore implements LoginGuardStore {
  readonly #failures: LruMap<string, AccountState>;
  readonly #known: LruMap<string, LruMap<string, number>>;
  readonly #backoff: LoginBackoff;

  constructor(backoff: LoginBackoff, maxAccounts: number) {
    this.#backoff = backoff;
    this.#failures = new LruMap(maxAccounts);
    this.#known = new LruMap(maxAccounts);
  }

  async state(account: string): Promise<AccountState | undefined> {
    return this.#failures.get(account);
  }

  async isKnown(account: string, address: string): Promise<boolean> {
    const knownAt = this.#known.get(account)?.get(address);
    return knownAt !== undefined && Date.now() - knownAt <= this.#backoff.knownAddressMs;
  }

  async recordFailure(account: string, now: number): Promise<void> {
    const state = this.#failures.get(account);
    const counts = state && now - state.lastFailureAt <= this.#backoff.failureMemoryMs;
    this.#failures.set(account, { failures: counts ? state.failures + 1 : 1, lastFailureAt: now });
  }

  async recordSuccess(account: string, address: string): Promise<void> {
    this.#failures.delete(account);
    const addresses = this.#known.get(account) ?? new LruMap<string, number>(KNOWN_ADDRESSES_PER_ACCOUNT);
    addresses.set(address, Date.now());
    this.#known.set(account, addresses);
  }
}

/**
 * Failures and known addresses in Redis, shared by every router replica: a hash per account under attack
 * (failures, last failure) and a sorted set of its known addresses by when they were last used, each key
 * expiring when it no longer counts.
 */
export class RedisLoginGuardStore implements LoginGuardStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #backoff: LoginBackoff;

  constructor(redis: Redis, prefix: string, backoff: LoginBackoff) {
    this.#redis = redis;
    this.#prefix = `${prefix}login-guard:`;
    this.#backoff = backoff;
  }

  async state(account: string): Promise<AccountState | undefined> {
    const [failures, lastFailureAt] = await this.#redis.hmget(this.#failuresKey(account), 'failures', 'last');
    return failures === null || lastFailureAt === null
      ? undefined
      : { failures: Number(failures), lastFailureAt: Number(lastFailureAt) };
  }

  async isKnown(account: string, address: string): Promise<boolean> {
    const knownAt = await this.#redis.zscore(this.#knownKey(account), address);
    return knownAt !== null && Date.now() - Number(knownAt) <= this.#backoff.knownAddressMs;
  }

  async recordFailure(account: string, now: number): Promise<void> {
    const key = this.#failuresKey(account);
    // The key expires once its last failure no longer counts, so a count never outlives its memory.
    await this.#redis
      .multi()
      .hincrby(key, 'failures', 1)
      .hset(key, 'last', String(now))
      .pexpire(key, this.#backoff.failureMemoryMs)
      .exec();
  }

  async recordSuccess(account: string, address: string): Promise<void> {
    const known = this.#knownKey(account);
    await this.#redis
      .multi()
      .del(this.#failuresKey(account))
      .zadd(known, Date.now(), address)
      .zremrangebyrank(known, 0, -(KNOWN_ADDRESSES_PER_ACCOUNT + 1))
      .pexpire(known, this.#backoff.knownAddressMs)
      .exec();
  }

  #failuresKey(account: string): string {
    return `${this.#prefix}failures:${account}`;
  }

  #knownKey(account: string): string {
    return `${this.#prefix}known:${account}`;
  }
}

/** A shared store (Redis) with this process's own as its fallback while it cannot be reached. */
export class FailoverLoginGuardStore implements LoginGuardStore {
  readonly #primary: LoginGuardStore;
  readonly #fallback: LoginGuardStore;
  readonly #failover: Failover;

  constructor(primary: LoginGuardStore, fallback: LoginGuardStore, failover: Failover) {
    this.#primary = primary;
    this.#fallback = fallback;
    this.#failover = failover;
  }

  state(account: string): Promise<AccountState | undefined> {
    return this.#failover.run(
      () => this.#primary.state(account),
      () => this.#fallback.state(account),
    );
  }

  isKnown(account: string, address: string): Promise<boolean> {
    return this.#failover.run(
      () => this.#primary.isKnown(account, address),
      () => this.#fallback.isKnown(account, address),
    );
  }

  recordFailure(account: string, now: number): Promise<void> {
    return this.#failover.run(
      () => this.#primary.recordFailure(account, now),
      () => this.#fallback.recordFailure(account, now),
    );
  }

  recordSuccess(account: string, address: string): Promise<void> {
    return this.#failover.run(
      () => this.#primary.recordSuccess(account, address),
      () => this.#fallback.recordSuccess(account, address),
    );
  }
}
