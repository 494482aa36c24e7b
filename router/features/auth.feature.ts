/**
 * Authentication: every request's access token is verified (router/token-verifier.ts), its session is
 * checked with the users service (router/session-checker.ts: an ended session is refused, a changed role
 * replaces the token's), and the viewer is put in the context. Every operation needs a valid token except
 * `register`, `login`, `refreshSession` and, outside production, introspection. A refusal is
 * UNAUTHENTICATED with HTTP 401 for the whole request.
 */
import type { Logger } from '../../lib/logger.ts';
import { rootFields } from '../operation-fields.ts';
import type { RouterMetrics } from '../router-metrics.ts';
import type { RouterFeature } from '../router-feature.ts';
import { SessionChecker, type SessionCheckOptions } from '../session-checker.ts';
import {
  createTokenVerifier,
  unauthenticated,
  type TokenVerification,
  type VerifiedViewer,
} from '../token-verifier.ts';

export interface AuthOptions {
  /** Where the keys are and what a token must say (JWKS_URL, JWT_ISSUER, JWT_AUDIENCE, …). */
  tokens: TokenVerification;
  /** How sessions are checked with the users service (SESSION_CHECK_INTERVAL_MS, …). */
  sessions: Omit<SessionCheckOptions, 'logger'>;
  /** Whether anonymous callers may introspect the schema (outside production). */
  allowIntrospection: boolean;
  logger: Logger;
  /** Counts tokens accepted from the cache. */
  metrics?: RouterMetrics;
}

/** Root fields an anonymous caller may ask for. */
const PUBLIC_FIELDS = new Set(['register', 'login', 'refreshSession', '__typename']);
const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);

export function useAuth(options: AuthOptions): RouterFeature {
  const verifyToken = createTokenVerifier(options.tokens, options.logger, () =>
    options.metrics?.tokenCacheHits.inc(),
  );
  const sessions = new SessionChecker({ ...options.sessions, logger: options.logger });
  const isPublic = (field: string) =>
    PUBLIC_FIELDS.has(field) || (options.allowIntrospection && INTROSPECTION_FIELDS.has(field));

  /** The token's viewer as the session stands now: refused once it ended, with the account's role now. */
  async function viewerOf(authorization: string | undefined): Promise<VerifiedViewer | null> {
    const viewer = await verifyToken(authorization);
    if (!viewer) return null;
    const status = await sessions.statusOf(viewer.sessionId);
    if (status === null || (status && status.userId !== viewer.userId)) {
      throw unauthenticated('the session has ended: log in again');
    }
    return status && status.role !== viewer.role ? { ...viewer, role: status.role } : viewer;
  }

  return {
    name: 'auth',
    extendContext: async ({ headers }) => ({ viewer: await viewerOf(headers.authorization) }),
    plugins: [
      {
        async requestDidStart() {
          return {
            async didResolveOperation({ document, operation, contextValue }) {
              if (contextValue.viewer || !operation) return;
              if (!rootFields(document, operation).every((field) => isPublic(field.name.value)))
                throw unauthenticated();
            },
          };
        },
      },
    ],
  };
}
