/**
 * Verifies access tokens (`Authorization: Bearer <jwt>`) against the users subgraph's JWKS (cached;
 * refetched when a token names an unknown key, so key rotation needs no restart) with an algorithm
 * allow-list and issuer, audience, expiry and not-before checks. Failures are UNAUTHENTICATED with HTTP
 * 401 for the whole request.
 */
import { GraphQLError } from 'graphql';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import { refusal, ServiceUnavailableError, UnauthenticatedError } from '../lib/errors.ts';
import { LruMap } from '../lib/lru-map.ts';
import type { Logger } from '../lib/logger.ts';
import { isRole, isSessionId, type Viewer } from '../lib/viewer.ts';
import { JwksKeyRing, KeysUnavailableError } from './jwks-key-ring.ts';

export interface TokenVerification {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** Accepted clock difference for `exp` and `nbf`. */
  clockToleranceSeconds: number;
  /** The shortest time between two JWKS fetches for an unknown `kid` (JWKS_COOLDOWN_MS). */
  jwksCooldownMs: number;
  /** How often the JWKS is fetched again: a withdrawn key stops verifying within this (JWKS_REFRESH_MS). */
  jwksRefreshMs: number;
  /** How long the last good keys keep verifying while the JWKS cannot be fetched (JWKS_MAX_STALE_MS). */
  jwksMaxStaleMs: number;
  /** Tokens issued longer ago than this are refused, whatever their `exp` (ACCESS_TOKEN_MAX_AGE_SECONDS). */
  maxTokenAgeSeconds: number;
}

/** A viewer whose token was verified, and until when (ms since the epoch) that token is accepted. */
export interface VerifiedViewer extends Viewer {
  sessionId: string;
  /** The token's expiry plus the accepted clock difference. */
  acceptedUntil: number;
}

/**
 * A verified token is remembered this long (and never past its expiry, nor past its key's withdrawal from
 * the JWKS), so a client sending many requests with one token pays for one signature check, not one per
 * request.
 */
const VERIFIED_TOKEN_TTL_MS = 60_000;
const REMEMBERED_TOKENS = 10_000;

/** The only signature algorithms accepted: asymmetric ones. `none` and HMAC never verify. */
const ACCEPTED_ALGORITHMS = ['EdDSA', 'ES256'];

export type TokenVerifier = (authorization: string | undefined) => Promise<VerifiedViewer | null>;

/** Verifies the Authorization header: null when absent, the viewer when valid, UNAUTHENTICATED otherwise. */
export function createTokenVerifier(
  options: TokenVerification,
  logger?: Logger,
  /** Called for each token accepted from the cache (the metrics count it). */
  onCacheHit?: () => void,
): TokenVerifier {
  const keys = new JwksKeyRing({
    jwksUrl: options.jwksUrl,
    refreshMs: options.jwksRefreshMs,
    cooldownMs: options.jwksCooldownMs,
    maxStaleMs: options.jwksMaxStaleMs,
    logger,
  });
  /** Tokens verified lately: the viewer, the key that signed it, and until when it may be reused. */
  const verified = new LruMap<
    string,
    { viewer: VerifiedViewer; kid: string | undefined; reusableUntil: number }
  >(REMEMBERED_TOKENS);
  const toleranceMs = options.clockToleranceSeconds * 1000;
  return async (authorization) => {
    if (authorization === undefined || authorization.trim() === '') return null;
    const match = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/i.exec(authorization.trim());
    const token = match?.[1];
    if (!token) throw unauthenticated('the Authorization header must be "Bearer <token>"');
    const remembered = verified.get(token);
    if (remembered && Date.now() < remembered.reusableUntil) {
      // A remembered token is trusted only while its key is in a set fresh enough: refreshed, or the last
      // good one within JWKS_MAX_STALE_MS (past that, verifying it again answers SERVICE_UNAVAILABLE).
      const trusted =
        !keys.stale ||
        (await keys.refresh().then(
          () => true,
          () => false,
        ));
      if (trusted && keys.has(remembered.kid)) {
        onCacheHit?.();
        return remembered.viewer;
      }
    }
    verified.delete(token);
    const viewer = await verifyToken(token);
    verified.set(token, {
      viewer,
      kid: decodeProtectedHeader(token).kid,
      reusableUntil: Math.min(Date.now() + VERIFIED_TOKEN_TTL_MS, viewer.acceptedUntil),
    });
    return viewer;
  };

  async function verifyToken(token: string): Promise<VerifiedViewer> {
    try {
      const { payload } = await jwtVerify(token, keys.keyFor, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ACCEPTED_ALGORITHMS,
        clockTolerance: options.clockToleranceSeconds,
        requiredClaims: ['sub', 'exp', 'iat'],
        maxTokenAge: options.maxTokenAgeSeconds,
      });
      const userId = Number(payload.sub);
      if (!/^[1-9]\d{0,9}$/.test(payload.sub ?? '') || !isRole(payload.role) || payload.exp === undefined) {
        throw unauthenticated('the access token does not name a user and role');
      }
      // Every token belongs to a login session, which can end before the token expires.
      if (!isSessionId(payload.sid)) {
        throw unauthenticated('the access token belongs to no session: log in again');
      }
      return {
        userId,
        role: payload.role,
        sessionId: payload.sid,
        acceptedUntil: payload.exp * 1000 + toleranceMs,
      };
    } catch (error) {
      if (error instanceof GraphQLError) throw error;
      if (error instanceof KeysUnavailableError) throw keysUnavailable();
      if (error instanceof joseErrors.JWTExpired)
        throw unauthenticated('the access token has expired: log in again');
      if (error instanceof joseErrors.JOSEError) throw unauthenticated('the access token is not valid');
      throw error;
    }
  }
}

/** The token cannot be checked right now: 503, so clients retry instead of dropping a good token. */
function keysUnavailable(): GraphQLError {
  return refusal(new ServiceUnavailableError('the users service (token keys)'), 503);
}

/** UNAUTHENTICATED for the whole request: HTTP 401. */
export function unauthenticated(message?: string): GraphQLError {
  return refusal(new UnauthenticatedError(message), 401);
}
