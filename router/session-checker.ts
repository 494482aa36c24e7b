/**
 * Whether a token's session still holds, and the role its account has now, as the users service says
 * (subgraphs/contracts/session-status.ts), remembered for `checkIntervalMs` (at most a minute) so the hot
 * path is a map lookup. An ended session (logout, revocation, deactivation) is refused, and a changed role
 * replaces the token's, within that interval.
 *
 * Sessions asked about in the same turn of the event loop go in one request. When the users service cannot
 * be asked, a session's last known status serves for `maxStaleMs`; one never seen is taken as its token
 * says (a token lives minutes; revoking needs the users service anyway), and the failure is remembered
 * for a few seconds so an outage costs no request per request.
 */
import { LruMap } from '../lib/lru-map.ts';
import type { Logger } from '../lib/logger.ts';
import { signRouterRequest } from '../lib/router-proof.ts';
import type { SessionStatus } from '../lib/viewer.ts';
import {
  MAX_SESSIONS_PER_REQUEST,
  type SessionStatusResponse,
} from '../subgraphs/contracts/session-status.ts';

export interface SessionCheckOptions {
  /** The users service's session status endpoint. */
  statusUrl: string;
  routerSecret: string;
  /** How long a session's status is trusted before it is asked again (SESSION_CHECK_INTERVAL_MS). */
  checkIntervalMs: number;
  /** How long a known status serves while the users service cannot be asked (SESSION_STATUS_MAX_STALE_MS). */
  maxStaleMs: number;
  /** Sessions remembered, the least recently used forgotten first. */
  maxSessions: number;
  logger: Logger;
}

interface Known {
  status: SessionStatus;
  checkedAt: number;
}

/** How long a failed ask is remembered before the users service is asked again. */
const RETRY_AFTER_FAILURE_MS = 5_000;
const ASK_TIMEOUT_MS = 2_000;

export class SessionChecker {
  readonly #options: SessionCheckOptions;
  readonly #known: LruMap<string, Known>;
  /** Sessions to ask about in the next request, with who waits for each. */
  #pending = new Map<string, PromiseWithResolvers<SessionStatus | undefined>>();
  readonly #asking = new Map<string, Promise<SessionStatus | undefined>>();
  #failedAt = 0;
  #unreachable = false;

  constructor(options: SessionCheckOptions) {
    this.#options = options;
    this.#known = new LruMap(options.maxSessions);
  }

  /**
   * The session's status now: `{ userId, role }` while it holds, null once it ended, undefined when the
   * users service cannot say (the caller then goes by the token).
   */
  async statusOf(sessionId: string): Promise<SessionStatus | undefined> {
    const now = Date.now();
    const known = this.#known.get(sessionId);
    // An ended session never holds again: no need to ask, and no staleness can revive it.
    if (known?.status === null) return null;
    if (known && now - known.checkedAt < this.#options.checkIntervalMs) return known.status;
    const fresh = now - this.#failedAt < RETRY_AFTER_FAILURE_MS ? undefined : await this.#ask(sessionId);
    if (fresh !== undefined) return fresh;
    // The users service cannot say: the last known status, while it is recent enough.
    return known && now - known.checkedAt < this.#options.maxStaleMs ? known.status : undefined;
  }

  #ask(sessionId: string): Promise<SessionStatus | undefined> {
    const asking = this.#asking.get(sessionId);
    if (asking) return asking;
    const waiting = Promise.withResolvers<SessionStatus | undefined>();
    if (this.#pending.size === 0) setImmediate(() => void this.#flush());
    this.#pending.set(sessionId, waiting);
    this.#asking.set(sessionId, waiting.promise);
    return waiting.promise;
  }

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = new Map();
    const ids = [...batch.keys()];
    for (let start = 0; start < ids.length; start += MAX_SESSIONS_PER_REQUEST) {
      const chunk = ids.slice(start, start + MAX_SESSIONS_PER_REQUEST);
      const statuses = await this.#request(chunk);
      for (const id of chunk) {
        const status = statuses?.[id];
        if (statuses && status !== undefined) this.#known.set(id, { status, checkedAt: Date.now() });
        this.#asking.delete(id);
        batch.get(id)?.resolve(statuses ? (status ?? null) : undefined);
      }
    }
  }

  /** The statuses the users service gives, or undefined when it cannot be asked. */
  async #request(sessionIds: string[]): Promise<SessionStatusResponse['sessions'] | undefined> {
    const body = JSON.stringify({ sessionIds });
    try {
      const response = await fetch(this.#options.statusUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...signRouterRequest(this.#options.routerSecret, body, null),
        },
        body,
        signal: AbortSignal.timeout(ASK_TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`the users service answered HTTP ${response.status}`);
      const { sessions } = (await response.json()) as SessionStatusResponse;
      if (this.#unreachable) this.#options.logger.info('session checks: the users service answers again');
      this.#unreachable = false;
      return sessions;
    } catch (error) {
      this.#failedAt = Date.now();
      if (!this.#unreachable) {
        this.#options.logger.warn(
          { err: error },
          'session checks: the users service cannot be asked; going by the tokens',
        );
      }
      this.#unreachable = true;
      return undefined;
    }
  }
}
