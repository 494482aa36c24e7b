import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Viewer } from '../../lib/viewer.ts';
import type { SigningKeys } from './signing-keys.ts';

export interface TokenSettings {
  issuer: string;
  audience: string;
  /** The access token's lifetime (ACCESS_TOKEN_TTL_SECONDS). */
  ttlSeconds: number;
}

/**
 * A signed access token (JWT) for `viewer`: subject = user id, `role` and `sid` (its session) claims, kid
 * in the header.
 */
export async function issueAccessToken(
  viewer: Viewer & { sessionId: string },
  keys: SigningKeys,
  settings: TokenSettings,
): Promise<string> {
  const { kid, alg, privateKey } = await keys.current();
  return new SignJWT({ role: viewer.role, sid: viewer.sessionId })
    .setProtectedHeader({ alg, kid, typ: 'JWT' })
    .setSubject(String(viewer.userId))
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime(`${settings.ttlSeconds}s`)
    .setJti(randomUUID())
    .sign(privateKey);
}
