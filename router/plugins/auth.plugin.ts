/**
 * Authentication at the router: the access token (`Authorization: Bearer <jwt>`) is verified against the
 * users subgraph's JWKS (cached; refetched when a token names an unknown key, so key rotation needs no
 * restart) with an algorithm allow-list and issuer, audience, expiry and not-before checks. Every
 * operation needs a valid token except `register`, `login` and, outside production, introspection.
 * Failures are UNAUTHENTICATED with HTTP 401 for the whole request.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { refusal, ServiceUnavailableError, UnauthenticatedError } from '../../lib/errors.ts';
import { isRole, type Viewer } from '../../lib/viewer.ts';
import type { RouterContext } from '../router-context.ts';
import { rootFields } from '../operation-fields.ts';

export interface TokenVerification {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** Accepted clock difference for `exp` and `nbf`. */
  clockToleranceSeconds: number;
  /** The shortest time between two JWKS fetches (an unknown `kid` waits at most this long). */
  jwksCooldownMs: number;
}

/** A viewer whose token was verified, and when that token expires (ms since the epoch). */
export interface VerifiedViewer extends Viewer {
  expiresAt: number;
}

/**
 * A verified token is remembered this long (and never past its expiry), so a client sending many requests
 * with one token pays for one signature check, not one per request. A key withdrawn from the JWKS stops
 * being accepted within this time.
 */
const VERIFIED_TOKEN_TTL_MS = 60_000;
const REMEMBERED_TOKENS = 10_000;

/** The only signature algorithms accepted: asymmetric ones. `none` and HMAC never verify. */
export const ACCEPTED_ALGORITHMS = ['EdDSA', 'ES256'];

export type TokenVerifier = (authorization: string | undefined) => Promise<VerifiedViewer | null>;

/** Verifies the Authorization header: null when absent, the viewer when valid, UNAUTHENTICATED otherwise. */
export function createTokenVerifier(options: TokenVerification): TokenVerifier {
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl), {
    cooldownDuration: options.jwksCooldownMs,
    cacheMaxAge: 10 * 60_000,
    timeoutDuration: 3_000,
  });
  /** The key for a token; failing to fetch the JWKS is the users service's outage, not a bad token. */
  const keyFor: JWTVerifyGetKey = (header, token) =>
    jwks(header, token).catch((error: unknown) => {
      if (
        error instanceof joseErrors.JWKSNoMatchingKey ||
        error instanceof joseErrors.JWKSMultipleMatchingKeys
      ) {
        throw error;
      }
      throw new KeysUnavailableError(error);
    });
  /** Tokens verified lately: the viewer, and until when the verification may be reused. */
  const verified = new Map<string, { viewer: VerifiedViewer; reusableUntil: number }>();
  const toleranceMs = options.clockToleranceSeconds * 1000;
  return async (authorization) => {
    if (authorization === undefined || authorization.trim() === '') return null;
    const match = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/i.exec(authorization.trim());
    const token = match?.[1];
    if (!token) throw unauthenticated('the Authorization header must be "Bearer <token>"');
    const remembered = verified.get(token);
    if (remembered && Date.now() < remembered.reusableUntil) return remembered.viewer;
    verified.delete(token);
    const viewer = await verifyToken(token);
    if (verified.size >= REMEMBERED_TOKENS) verified.delete(verified.keys().next().value ?? '');
    verified.set(token, {
      viewer,
      reusableUntil: Math.min(Date.now() + VERIFIED_TOKEN_TTL_MS, viewer.expiresAt + toleranceMs),
    });
    return viewer;
  };

  async function verifyToken(token: string): Promise<VerifiedViewer> {
    try {
      const { payload } = await jwtVerify(token, keyFor, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ACCEPTED_ALGORITHMS,
        clockTolerance: options.clockToleranceSeconds,
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      const userId = Number(payload.sub);
      if (!/^[1-9]\d{0,9}$/.test(payload.sub ?? '') || !isRole(payload.role) || payload.exp === undefined) {
        throw unauthenticated('the access token does not name a user and role');
      }
      return { userId, role: payload.role, expiresAt: payload.exp * 1000 };
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

class KeysUnavailableError extends Error {
  constructor(cause: unknown) {
    super('the JWKS could not be fetched', { cause });
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

const PUBLIC_FIELDS = new Set(['register', 'login', '__typename']);
const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);

/** Refuses operations from anonymous callers unless every root field they ask for is public. */
export function authPlugin(options: { allowIntrospection: boolean }): ApolloServerPlugin<RouterContext> {
  const isPublic = (field: string) =>
    PUBLIC_FIELDS.has(field) || (options.allowIntrospection && INTROSPECTION_FIELDS.has(field));
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, contextValue }) {
          if (contextValue.viewer || !operation) return;
          if (!rootFields(document, operation).every((field) => isPublic(field.name.value)))
            throw unauthenticated();
        },
      };
    },
  };
}
