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

/** Pharmacists and administrators: the pharmacy's staff. */
export const STAFF_ROLES: readonly Role[] = ['PHARMACIST', 'ADMIN'];
