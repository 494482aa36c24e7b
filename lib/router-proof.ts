/**
 * Proof that a subgraph request comes from the router: an HMAC-SHA256, with a secret only the router and
 * the subgraphs hold, over a timestamp, the viewer the router verified and the exact request body. A
 * subgraph refuses requests without a valid proof, so a caller who reaches a subgraph directly cannot
 * claim an identity, even holding a valid user token; the timestamp bounds how long a captured request can
 * be replayed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { EnvReader } from './config.ts';
import { readSecret } from './secrets.ts';
import { isRole, isSessionId, type Viewer } from './viewer.ts';

export const ROUTER_PROOF_HEADER = 'x-router-proof';
export const VIEWER_ID_HEADER = 'x-viewer-id';
export const VIEWER_ROLE_HEADER = 'x-viewer-role';
export const VIEWER_SESSION_HEADER = 'x-viewer-session';

/** How far a proof's timestamp may be from the subgraph's clock. */
export const PROOF_WINDOW_MS = 30_000;

function signature(secret: string, timestamp: string, viewer: Viewer | null, body: string): Buffer {
  return createHmac('sha256', secret)
    .update(`${timestamp}\n${viewer?.userId ?? ''}\n${viewer?.role ?? ''}\n${viewer?.sessionId ?? ''}\n`)
    .update(body)
    .digest();
}

/** The headers that carry a viewer to a subgraph (none for an anonymous caller). */
function viewerHeaders(viewer: Viewer | null): Record<string, string> {
  if (!viewer) return {};
  return {
    [VIEWER_ID_HEADER]: String(viewer.userId),
    [VIEWER_ROLE_HEADER]: viewer.role,
    ...(viewer.sessionId === undefined ? {} : { [VIEWER_SESSION_HEADER]: viewer.sessionId }),
  };
}

/** The headers the router adds to a subgraph request: the viewer's and the proof over them and the body. */
export function signRouterRequest(
  secret: string,
  body: string,
  viewer: Viewer | null,
  now = Date.now(),
): Record<string, string> {
  const timestamp = String(now);
  return {
    ...viewerHeaders(viewer),
    [ROUTER_PROOF_HEADER]: `t=${timestamp},sig=${signature(secret, timestamp, viewer, body).toString('base64url')}`,
  };
}

export type ProofCheck = { valid: true; viewer: Viewer | null } | { valid: false; reason: string };

const PROOF = /^t=(\d{1,16}),sig=([\w-]{43})$/;

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value;
}

export function verifyRouterRequest(
  secret: string,
  body: string,
  headers: IncomingHttpHeaders,
  now = Date.now(),
): ProofCheck {
  const match = PROOF.exec(single(headers[ROUTER_PROOF_HEADER]) ?? '');
  if (!match) return { valid: false, reason: 'missing or malformed router proof' };
  const [, timestamp = '', sent = ''] = match;
  if (Math.abs(now - Number(timestamp)) > PROOF_WINDOW_MS)
    return { valid: false, reason: 'router proof expired' };

  const id = single(headers[VIEWER_ID_HEADER]);
  const role = single(headers[VIEWER_ROLE_HEADER]);
  const sessionId = single(headers[VIEWER_SESSION_HEADER]);
  let viewer: Viewer | null = null;
  if (id !== undefined || role !== undefined || sessionId !== undefined) {
    if (
      !id ||
      !/^[1-9]\d{0,9}$/.test(id) ||
      !isRole(role) ||
      (sessionId !== undefined && !isSessionId(sessionId))
    )
      return { valid: false, reason: 'malformed viewer headers' };
    viewer = { userId: Number(id), role, ...(sessionId === undefined ? {} : { sessionId }) };
  }
  const expected = signature(secret, timestamp, viewer, body);
  const given = Buffer.from(sent, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { valid: false, reason: 'router proof does not match' };
  }
  return { valid: true, viewer };
}

/** For development only, so `npm start` and single services run without setup; production must set its own. */
const DEVELOPMENT_SECRET = 'development-router-secret-do-not-use-in-production';

/** `ROUTER_SECRET`: shared by the router and every subgraph; in production strong and never a committed value. */
export function readRouterSecret(read: EnvReader, production: boolean): string {
  return readSecret(read, 'ROUTER_SECRET', production, DEVELOPMENT_SECRET);
}
