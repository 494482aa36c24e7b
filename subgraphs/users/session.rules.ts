/** Refresh tokens as plain functions: how one is made, and what is stored of it. */
import { createHash, randomBytes } from 'node:crypto';

/** A new refresh token: 256 random bits, prefixed so that it is recognisable in a leak scan. */
export function newRefreshToken(): string {
  return `rt_${randomBytes(32).toString('base64url')}`;
}

/** What the database keeps of a refresh token: its SHA-256, never the token. */
export function refreshTokenHash(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** Whether `text` could be a refresh token at all (no lookup for anything else). */
export function isRefreshToken(text: string): boolean {
  return /^rt_[\w-]{43}$/.test(text);
}
