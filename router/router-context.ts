import type { Logger } from '../lib/logger.ts';
import type { VerifiedViewer } from './token-verifier.ts';

/** The router's per-request context. */
export interface RouterContext {
  requestId: string;
  logger: Logger;
  /** Who the access token says is calling; null for an anonymous caller (register, login). */
  viewer: VerifiedViewer | null;
  /** The client's address, the rate-limit identity of anonymous callers. */
  clientIp: string;
  /**
   * Why the operation runs: a client's HTTP request, the check of a subscribe message on a WebSocket, or
   * the resolution of an alert for subscribers (already counted when they subscribed).
   */
  purpose: 'request' | 'subscribe' | 'alert';
  /**
   * Stands for the HTTP request that a `request` context belongs to. Apollo Server gives plugins a shallow
   * copy of the context, so this object (not the context) is how the HTTP server and a plugin find the
   * same request (router/features/request-deduplication.feature.ts).
   */
  exchange?: object;
}
