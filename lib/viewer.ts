/** Who is making a request, as the router verified it from the access token. */

export const ROLES = ['CUSTOMER', 'PHARMACIST', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export interface Viewer {
  userId: number;
  role: Role;
  /** The login session the access token belongs to (its `sid`), which `logout` ends. */
  sessionId?: string;
}

const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether `value` can be a session id (a lower-case UUID, as the users service makes them). */
export function isSessionId(value: unknown): value is string {
  return typeof value === 'string' && SESSION_ID.test(value);
}

/** What the users service says of a login session: whose it is and their role now, null once it ended. */
export type SessionStatus = { userId: number; role: Role } | null;

/** Pharmacists and administrators: the pharmacy's staff. */
export const STAFF_ROLES: readonly Role[] = ['PHARMACIST', 'ADMIN'];
