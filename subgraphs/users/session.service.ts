/**
 * Login sessions: each login starts one, with a short access token and a rotating refresh token. A refresh
 * token is used once, for a new pair; used twice (one of the copies was stolen), its whole session ends.
 * Logging out ends the caller's session, `revokeSessions` every session of an account; the router asks
 * `statusOf` which sessions still hold, and with which role, so an ended session or a changed role takes
 * effect at once everywhere (within the router's check interval).
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '../../lib/database.ts';
import { ForbiddenError, UnauthenticatedError } from '../../lib/errors.ts';
import { parseRowId } from '../../lib/ids.ts';
import { requireViewer, type RequestScope } from '../../lib/request-scope.ts';
import { isRole, type Role, type SessionStatus } from '../../lib/viewer.ts';
import { issueAccessToken, type TokenSettings } from './access-token.ts';
import { isRefreshToken, newRefreshToken, refreshTokenHash } from './session.rules.ts';
import type { SigningKeys } from './signing-keys.ts';
import type { User } from './user.entity.ts';

export interface SessionSettings {
  /** A refresh token's lifetime (REFRESH_TOKEN_TTL_SECONDS). */
  refreshTtlSeconds: number;
  /** The longest a session lasts, however often it is refreshed (SESSION_MAX_AGE_SECONDS). */
  maxAgeSeconds: number;
  /** How often sessions ended a day ago are forgotten (SESSION_SWEEP_INTERVAL_MS). */
  sweepIntervalMs: number;
}

/**
 * Forgets sessions that ended (expired or revoked) more than a day ago, with their refresh tokens, and the
 * refresh tokens of live sessions that expired as long ago: a used or expired token is refused either way,
 * so what is kept is only what reuse detection needs. How many sessions went.
 */
export async function forgetEndedSessions(em: EntityManager): Promise<number> {
  await em.execute(`delete from refresh_token where expires_at < now() - interval '1 day'`);
  const gone = await em.execute<{ id: string }[]>(
    `delete from user_session
     where expires_at < now() - interval '1 day' or revoked_at < now() - interval '1 day'
     returning id`,
  );
  return gone.length;
}

export interface TokenIssuer {
  keys: SigningKeys;
  settings: TokenSettings;
  sessions: SessionSettings;
}

export interface AuthPayload {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
  user: User;
}

const INVALID_REFRESH = 'the refresh token is not valid: log in again';

interface IssuedRefreshToken {
  token: string;
  /** Seconds until it expires. */
  expiresIn: number;
}

export class SessionService {
  readonly #em: EntityManager;
  readonly #scope: Pick<RequestScope, 'viewer' | 'requestId' | 'logger'>;
  readonly #tokens: TokenIssuer;

  constructor(scope: RequestScope, tokens: TokenIssuer) {
    this.#em = scope.em;
    this.#scope = scope;
    this.#tokens = tokens;
  }

  /** A new session for `user` (a successful login). */
  async start(user: User): Promise<AuthPayload> {
    const sessionId = randomUUID();
    const refreshToken = await this.#em.transactional(async (em) => {
      await em.execute(
        `insert into user_session (id, user_id, created_at, expires_at)
         values (?, ?, now(), now() + make_interval(secs => ?))`,
        [sessionId, user.id, this.#tokens.sessions.maxAgeSeconds],
      );
      return this.#issueRefreshToken(em, sessionId);
    });
    return this.#payload(user, user.role, sessionId, refreshToken);
  }

  /** refreshSession: a new pair for a refresh token used for the first time, with the account's role now. */
  async refresh(refreshToken: string, loadUser: (id: number) => Promise<User | null>): Promise<AuthPayload> {
    if (!isRefreshToken(refreshToken)) throw new UnauthenticatedError(INVALID_REFRESH);
    const outcome = await this.#em.transactional(async (em) => {
      const [row] = await em.execute<
        {
          session_id: string;
          user_id: number;
          role: string;
          is_active: boolean;
          used: boolean;
          holds: boolean;
        }[]
      >(
        `select t.session_id, s.user_id, u.role, u.is_active, t.used_at is not null as used,
                s.revoked_at is null and s.expires_at > now() and t.expires_at > now() as holds
         from refresh_token t
         join user_session s on s.id = t.session_id
         join app_user u on u.id = s.user_id
         where t.token_hash = ?
         for update of t, s`,
        [refreshTokenHash(refreshToken)],
      );
      if (!row || !row.holds || !row.is_active) return { refused: INVALID_REFRESH } as const;
      if (row.used) {
        // Both the thief and the owner hold a copy: end the session, so neither can go on.
        await this.#revoke(em, 'id = ?', [row.session_id], 'a refresh token was used twice');
        this.#scope.logger.warn({ sessionId: row.session_id }, 'refresh token reused: session ended');
        return {
          refused: 'this refresh token was already used: the session has ended, log in again',
        } as const;
      }
      await em.execute('update refresh_token set used_at = now() where token_hash = ?', [
        refreshTokenHash(refreshToken),
      ]);
      return {
        sessionId: row.session_id,
        userId: row.user_id,
        role: row.role,
        refreshToken: await this.#issueRefreshToken(em, row.session_id),
      } as const;
    });
    // The revocation of a reused token is committed before the caller hears of it.
    if ('refused' in outcome) throw new UnauthenticatedError(outcome.refused);
    const user = await loadUser(outcome.userId);
    if (!user || !isRole(outcome.role)) throw new UnauthenticatedError(INVALID_REFRESH);
    return this.#payload(user, outcome.role, outcome.sessionId, outcome.refreshToken);
  }

  /** logout: ends the caller's own session; its access token stops working within the router's check. */
  async logout(): Promise<boolean> {
    const viewer = requireViewer(this.#scope);
    if (viewer.sessionId === undefined) throw new UnauthenticatedError('this access token has no session');
    await this.#revoke(this.#em, 'id = ? and user_id = ?', [viewer.sessionId, viewer.userId], 'logout');
    return true;
  }

  /** revokeSessions: ends every session of an account (an administrator's, or the user's own); how many. */
  async revokeAll(userIdText: string, reason = 'revoked'): Promise<number> {
    const viewer = requireViewer(this.#scope);
    const userId = parseRowId(userIdText, 'userId');
    if (viewer.userId !== userId) {
      // The role as it is now, not as the token (checked up to a check interval ago) says.
      const [caller] = await this.#em.execute<{ role: string; is_active: boolean }[]>(
        'select role, is_active from app_user where id = ?',
        [viewer.userId],
      );
      if (caller?.role !== 'ADMIN' || !caller.is_active) {
        throw new ForbiddenError("only an administrator may end another account's sessions");
      }
    }
    return this.#revoke(this.#em, 'user_id = ?', [userId], reason);
  }

  /** Ends every session of `userId`, without asking who may (the caller has checked). */
  revokeAllOf(em: EntityManager, userId: number, reason: string): Promise<number> {
    return this.#revoke(em, 'user_id = ?', [userId], reason);
  }

  /** For the router: each session that still holds, with its account's role now. */
  async statusOf(sessionIds: readonly string[]): Promise<Record<string, SessionStatus>> {
    const rows = await this.#em.execute<{ id: string; user_id: number; role: string }[]>(
      `select s.id, s.user_id, u.role from user_session s join app_user u on u.id = s.user_id
       where s.id in (?) and s.revoked_at is null and s.expires_at > now() and u.is_active`,
      [sessionIds],
    );
    const statuses: Record<string, SessionStatus> = Object.fromEntries(sessionIds.map((id) => [id, null]));
    for (const row of rows) {
      if (isRole(row.role)) statuses[row.id] = { userId: row.user_id, role: row.role };
    }
    return statuses;
  }

  async #revoke(em: EntityManager, where: string, params: unknown[], reason: string): Promise<number> {
    const ended = await em.execute<{ id: string }[]>(
      `update user_session set revoked_at = now(), revoked_reason = ?
       where ${where} and revoked_at is null returning id`,
      [reason, ...params],
    );
    return ended.length;
  }

  /** A new refresh token of the session, good for its lifetime but never past the session's end. */
  async #issueRefreshToken(em: EntityManager, sessionId: string): Promise<IssuedRefreshToken> {
    const token = newRefreshToken();
    const [issued] = await em.execute<{ expires_in: number }[]>(
      `insert into refresh_token (token_hash, session_id, issued_at, expires_at)
       select ?, id, now(), least(expires_at, now() + make_interval(secs => ?)) from user_session where id = ?
       returning floor(extract(epoch from expires_at - now()))::int as expires_in`,
      [refreshTokenHash(token), this.#tokens.sessions.refreshTtlSeconds, sessionId],
    );
    return { token, expiresIn: issued?.expires_in ?? 0 };
  }

  async #payload(
    user: User,
    role: Role,
    sessionId: string,
    refresh: IssuedRefreshToken,
  ): Promise<AuthPayload> {
    const { keys, settings } = this.#tokens;
    const accessToken = await issueAccessToken({ userId: user.id, role, sessionId }, keys, settings);
    return {
      accessToken,
      tokenType: 'Bearer',
      expiresIn: settings.ttlSeconds,
      refreshToken: refresh.token,
      refreshExpiresIn: refresh.expiresIn,
      user,
    };
  }
}
