/**
 * How the router asks the users service which login sessions still hold, and with which role now: a POST
 * of `SessionStatusRequest` to SESSION_STATUS_PATH on the users service, signed as every router request
 * is (lib/router-proof.ts), answered with a `SessionStatusResponse`. A session that ended (logout,
 * revocation, a reused refresh token, its account deactivated or gone) is null.
 */
import { isSessionId, type SessionStatus } from '../../lib/viewer.ts';

export const SESSION_STATUS_PATH = '/internal/session-status';

/** The most sessions one request may ask about. */
export const MAX_SESSIONS_PER_REQUEST = 100;

export interface SessionStatusRequest {
  sessionIds: string[];
}

export interface SessionStatusResponse {
  sessions: Record<string, SessionStatus>;
}

/** The session ids of a request body, or undefined when it is not a well-formed request. */
export function readSessionStatusRequest(body: string): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const ids = (parsed as Partial<SessionStatusRequest> | null)?.sessionIds;
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_SESSIONS_PER_REQUEST) return undefined;
  return ids.every(isSessionId) ? ids : undefined;
}
