import { describe, expect, it } from '@jest/globals';
import {
  PROOF_WINDOW_MS,
  ROUTER_PROOF_HEADER,
  signRouterRequest,
  verifyRouterRequest,
  VIEWER_ROLE_HEADER,
  VIEWER_SESSION_HEADER,
} from './router-proof.ts';

const secret = 'a-secret-shared-by-router-and-subgraphs';
const body = '{"query":"{ me { id } }"}';
const now = 1_760_000_000_000;

describe('router proof', () => {
  it('accepts what the router signed and returns the viewer it vouched for', () => {
    const headers = signRouterRequest(secret, body, { userId: 7, role: 'PHARMACIST' }, now);
    expect(verifyRouterRequest(secret, body, headers, now + 1_000)).toEqual({
      valid: true,
      viewer: { userId: 7, role: 'PHARMACIST' },
    });
    expect(verifyRouterRequest(secret, body, signRouterRequest(secret, body, null, now), now)).toEqual({
      valid: true,
      viewer: null,
    });
  });

  it('refuses a request without a proof, with another secret, or with a changed body', () => {
    const headers = signRouterRequest(secret, body, { userId: 7, role: 'CUSTOMER' }, now);
    expect(verifyRouterRequest(secret, body, {}, now)).toEqual({
      valid: false,
      reason: 'missing or malformed router proof',
    });
    expect(verifyRouterRequest('another-secret', body, headers, now)).toMatchObject({
      valid: false,
      reason: 'router proof does not match',
    });
    expect(verifyRouterRequest(secret, body.replace('me', 'users'), headers, now)).toMatchObject({
      valid: false,
    });
  });

  it('refuses a viewer changed after signing (a customer claiming ADMIN)', () => {
    const headers = signRouterRequest(secret, body, { userId: 7, role: 'CUSTOMER' }, now);
    expect(
      verifyRouterRequest(secret, body, { ...headers, [VIEWER_ROLE_HEADER]: 'ADMIN' }, now),
    ).toMatchObject({ valid: false });
    expect(verifyRouterRequest(secret, body, { ...headers, [VIEWER_ROLE_HEADER]: 'ROOT' }, now)).toEqual({
      valid: false,
      reason: 'malformed viewer headers',
    });
  });

  it("carries the viewer's session, covered by the proof, and refuses a changed or malformed one", () => {
    const sessionId = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const headers = signRouterRequest(secret, body, { userId: 7, role: 'ADMIN', sessionId }, now);
    expect(verifyRouterRequest(secret, body, headers, now)).toEqual({
      valid: true,
      viewer: { userId: 7, role: 'ADMIN', sessionId },
    });
    const otherSession = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
    expect(
      verifyRouterRequest(secret, body, { ...headers, [VIEWER_SESSION_HEADER]: otherSession }, now),
    ).toMatchObject({ valid: false, reason: 'router proof does not match' });
    expect(
      verifyRouterRequest(secret, body, { ...headers, [VIEWER_SESSION_HEADER]: 'not-a-uuid' }, now),
    ).toEqual({
      valid: false,
      reason: 'malformed viewer headers',
    });
  });

  it('refuses a replay older than the proof window', () => {
    const headers = signRouterRequest(secret, body, null, now);
    expect(verifyRouterRequest(secret, body, headers, now + PROOF_WINDOW_MS)).toMatchObject({ valid: true });
    expect(verifyRouterRequest(secret, body, headers, now + PROOF_WINDOW_MS + 1)).toEqual({
      valid: false,
      reason: 'router proof expired',
    });
    expect(verifyRouterRequest(secret, body, { [ROUTER_PROOF_HEADER]: 'garbage' }, now)).toMatchObject({
      valid: false,
    });
  });
});
