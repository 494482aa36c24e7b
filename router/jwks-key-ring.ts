/**
 * The users service's public keys (its JWKS), as the router verifies tokens with them.
 *
 * - Refetched every `refreshMs`: a key withdrawn from the JWKS stops verifying within that time (tokens
 *   verified with it are forgotten by the token cache as soon as the key is gone).
 * - A token naming a key not in the set refetches it at once, at most once per `cooldownMs`: a new key
 *   after a rotation is accepted without a restart.
 * - When the JWKS cannot be fetched, the last good keys keep verifying for `maxStaleMs`, then tokens are
 *   refused with 503 (the users service is down, the token may well be good).
 */
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { Logger } from '../lib/logger.ts';

export interface KeyRingOptions {
  jwksUrl: string;
  refreshMs: number;
  cooldownMs: number;
  maxStaleMs: number;
  logger?: Logger;
}

/** How long one fetch of the JWKS may take. */
const FETCH_TIMEOUT_MS = 3_000;
/** How long after a failed fetch the key set is not fetched again. */
const RETRY_AFTER_FAILURE_MS = 5_000;

export class KeysUnavailableError extends Error {
  constructor(cause: unknown) {
    super('the JWKS could not be fetched', { cause });
  }
}

interface KeySet {
  getKey: JWTVerifyGetKey;
  kids: ReadonlySet<string>;
  fetchedAt: number;
}

export class JwksKeyRing {
  readonly #options: KeyRingOptions;
  #keys: KeySet | undefined;
  #refreshing: Promise<void> | undefined;
  #lastAttemptAt = 0;
  /** The last fetch's failure, while it is recent: no request waits on another fetch before it passes. */
  #failure: { at: number; error: unknown } | undefined;

  constructor(options: KeyRingOptions) {
    this.#options = options;
  }

  /** Whether a key is in the set as last fetched (a token verified with it may still be trusted). */
  has(kid: string | undefined): boolean {
    return kid !== undefined && (this.#keys?.kids.has(kid) ?? false);
  }

  /** Whether the set is older than `refreshMs` (or was never fetched): `refresh()` before trusting it. */
  get stale(): boolean {
    return !this.#keys || Date.now() - this.#keys.fetchedAt >= this.#options.refreshMs;
  }

  /** For jose's jwtVerify: the key a token names, from a set no older than `refreshMs`. */
  readonly keyFor: JWTVerifyGetKey = async (header, token) => {
    const now = Date.now();
    if (this.stale) await this.refresh();
    else if (
      header.kid !== undefined &&
      !this.has(header.kid) &&
      now - this.#lastAttemptAt >= this.#options.cooldownMs
    )
      await this.refresh().catch(() => undefined);
    const keys = this.#keys;
    if (!keys) throw new KeysUnavailableError(undefined);
    return keys.getKey(header, token);
  };

  /**
   * Fetches the set again, one fetch at a time and, after a failure, not again for RETRY_AFTER_FAILURE_MS
   * (an unreachable users service must not add a fetch timeout to every request). A failure keeps the last
   * good keys while they are not too old, and throws KeysUnavailableError after that.
   */
  async refresh(): Promise<void> {
    const failure = this.#failure;
    if (failure && Date.now() - failure.at < RETRY_AFTER_FAILURE_MS) return this.#lastGoodKeys(failure.error);
    this.#refreshing ??= this.#fetch()
      .then(
        () => {
          this.#failure = undefined;
        },
        (error: unknown) => {
          this.#failure = { at: Date.now(), error };
          this.#options.logger?.warn({ err: error }, 'JWKS refresh failed');
          throw error;
        },
      )
      .finally(() => {
        this.#refreshing = undefined;
      });
    try {
      await this.#refreshing;
    } catch (error) {
      this.#lastGoodKeys(error);
    }
  }

  /** After a failed fetch: the last good keys serve while they are not too old. */
  #lastGoodKeys(error: unknown): void {
    const keys = this.#keys;
    if (!keys || Date.now() - keys.fetchedAt > this.#options.maxStaleMs)
      throw new KeysUnavailableError(error);
  }

  async #fetch(): Promise<void> {
    this.#lastAttemptAt = Date.now();
    const response = await fetch(this.#options.jwksUrl, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`the JWKS answered HTTP ${response.status}`);
    const jwks = (await response.json()) as JSONWebKeySet;
    if (!Array.isArray(jwks.keys)) throw new Error('the JWKS has no keys');
    this.#keys = {
      getKey: createLocalJWKSet(jwks),
      kids: new Set(jwks.keys.flatMap((key) => (typeof key.kid === 'string' ? [key.kid] : []))),
      fetchedAt: Date.now(),
    };
  }
}
