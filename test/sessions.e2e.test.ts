/**
 * Sessions through the router, with the four real subgraphs on a real bus: rotating refresh tokens (a
 * reused one ends its whole session), logout, revocation, role changes and deactivation that take effect
 * within the router's session check (on requests and on open subscriptions, closed with 4403), the
 * caller's role re-read before setUserRole acts, and the SDK renewing an expired access token by itself,
 * its subscription reconnecting with the new one.
 *
 * The routers here check sessions every 200 ms (SESSION_CHECK_INTERVAL_MS; 30 s by default, at most 60 s).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeJwt, importJWK, SignJWT } from 'jose';
import { readFile } from 'node:fs/promises';
import { createRouter, type Router } from '../router/create-router.ts';
import { readRouterConfig } from '../router/config.ts';
import { createPharmacyClient, type PharmacyClient } from '../sdk/index.ts';
import type { StoredKey } from '../subgraphs/users/signing-keys.ts';
import { apiErrorOf, asViewer } from './support/client.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { subgraphUrlEnv } from './support/routers.ts';
import { createStockedProduct } from './support/saga.ts';
import { silentLogger, startTestStack, testRouterEnv, type TestStack } from './support/services.ts';
import { sleep, waitFor } from './support/waiting.ts';

const CHECK_MS = 200;
/** Longer than a session check and a subscription re-check together. */
const WINDOW_MS = 1_500;

let bus: TestDatabase;
let stack: TestStack;
let router: Router;
let url: string;
const clients: PharmacyClient[] = [];

async function startRouter(env: Record<string, string> = {}): Promise<{ router: Router; url: string }> {
  const started = createRouter(
    readRouterConfig(
      testRouterEnv(subgraphUrlEnv(stack), {
        EVENT_BUS_DATABASE_URL: bus.url,
        SESSION_CHECK_INTERVAL_MS: String(CHECK_MS),
        SUBSCRIPTION_RECHECK_MS: String(CHECK_MS),
        ...env,
      }),
    ),
    silentLogger,
  );
  const server = await started.listen();
  await started.started();
  return { router: started, url: server.url };
}

beforeAll(async () => {
  bus = await createTestDatabase('events');
  stack = await startTestStack({ busEnv: { EVENT_BUS_DATABASE_URL: bus.url } });
  ({ router, url } = await startRouter());
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await router?.close();
  await stack?.stop();
  await bus?.drop();
});

const client = (token?: string) => {
  const made = asViewer(url, token);
  clients.push(made);
  return made;
};

let accounts = 0;
/** A new account with `role` (set by the stack's administrator), logged in through the SDK. */
async function account(role: 'CUSTOMER' | 'PHARMACIST' | 'ADMIN') {
  accounts += 1;
  const username = `session-${role.toLowerCase()}-${accounts}`;
  const password = `${username}-password`;
  const { register } = await client().register({
    input: { email: `${username}@example.com`, username, password },
  });
  if (role !== 'CUSTOMER') await root.setUserRole({ userId: register.id, role });
  const session = client();
  const { login } = await session.login({ username, password });
  return { id: register.id, username, password, session, login };
}

let root: PharmacyClient;

beforeAll(async () => {
  root = client(await stack.tokenFor({ userId: 1, role: 'ADMIN' }));
});

describe('refresh tokens', () => {
  it('trade a refresh token once for a new pair; a second use ends the whole session', async () => {
    const { login } = await account('CUSTOMER');
    expect(login).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 600,
      refreshToken: expect.stringMatching(/^rt_[\w-]{43}$/),
      refreshExpiresIn: expect.any(Number),
    });
    expect(login.refreshExpiresIn).toBeGreaterThan(13 * 86_400);
    const { refreshSession: renewed } = await client().refreshSession({ refreshToken: login.refreshToken });
    expect(renewed.refreshToken).not.toBe(login.refreshToken);
    expect(decodeJwt(renewed.accessToken).sid).toBe(decodeJwt(login.accessToken).sid);

    // The first refresh token again: someone else holds a copy. The session ends for both.
    expect(await apiErrorOf(client().refreshSession({ refreshToken: login.refreshToken }))).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'this refresh token was already used: the session has ended, log in again',
    });
    expect(await apiErrorOf(client().refreshSession({ refreshToken: renewed.refreshToken }))).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'the refresh token is not valid: log in again',
    });
    await sleep(WINDOW_MS);
    expect((await apiErrorOf(client(renewed.accessToken).me())).code).toBe('UNAUTHENTICATED');
  });

  it('refuse a token that is not one, without a lookup', async () => {
    for (const refreshToken of ['', 'rt_short', 'x'.repeat(10_000)]) {
      expect((await apiErrorOf(client().refreshSession({ refreshToken }))).code).toBe('UNAUTHENTICATED');
    }
  });
});

describe('logout and revocation', () => {
  it('logout ends the caller’s session: its access token within the check, its refresh token at once', async () => {
    const { session, login } = await account('CUSTOMER');
    const other = await client().login({
      username: login.user.username,
      password: `${login.user.username}-password`,
    });
    expect(await session.logout()).toEqual({ logout: true });
    expect((await apiErrorOf(client().refreshSession({ refreshToken: login.refreshToken }))).code).toBe(
      'UNAUTHENTICATED',
    );
    await sleep(WINDOW_MS);
    expect(await apiErrorOf(client(login.accessToken).me())).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'the session has ended: log in again',
    });
    // The account's other session goes on.
    expect((await client(other.login.accessToken).me()).me.id).toBe(login.user.id);
  });

  it('revokeSessions ends every session of an account: an administrator’s call, or the user’s own', async () => {
    const target = await account('CUSTOMER');
    const second = await client().login({ username: target.username, password: target.password });
    expect(await root.revokeSessions({ userId: target.id })).toEqual({ revokeSessions: 2 });
    await sleep(WINDOW_MS);
    for (const token of [target.login.accessToken, second.login.accessToken])
      expect((await apiErrorOf(client(token).me())).code).toBe('UNAUTHENTICATED');

    const self = await account('CUSTOMER');
    const stranger = await account('CUSTOMER');
    expect((await apiErrorOf(stranger.session.revokeSessions({ userId: self.id }))).code).toBe('FORBIDDEN');
    expect(await self.session.revokeSessions({ userId: self.id })).toEqual({ revokeSessions: 1 });
  });
});

describe('role changes and deactivation', () => {
  it('a demoted administrator is FORBIDDEN on the next request after the check, and their subscription closes with 4403', async () => {
    const admin = await account('ADMIN');
    expect((await admin.session.users({})).users.totalCount).toBeGreaterThan(0);
    const alerts = admin.session.lowStockAlerts({})[Symbol.asyncIterator]();
    // Caught at once: the rejection comes before the test looks at it.
    const closed = alerts.next().catch((error: unknown) => error);
    await sleep(300); // subscribed
    await root.setUserRole({ userId: admin.id, role: 'CUSTOMER' });
    await sleep(WINDOW_MS);
    expect(await apiErrorOf(admin.session.users({}))).toMatchObject({
      code: 'FORBIDDEN',
      message: 'users requires the role ADMIN',
    });
    expect(await closed).toMatchObject({
      code: 'FORBIDDEN',
      message: "Forbidden: the account's role changed: connect again",
    });
  });

  it('a demoted pharmacist can no longer approve prescriptions', async () => {
    const pharmacist = await account('PHARMACIST');
    // The control: a pharmacist reaches the order lookup (there is no order 999999).
    expect((await apiErrorOf(pharmacist.session.approvePrescriptionOrder({ id: '999999' }))).code).toBe(
      'NOT_FOUND',
    );
    await root.setUserRole({ userId: pharmacist.id, role: 'CUSTOMER' });
    await sleep(WINDOW_MS);
    expect(await apiErrorOf(pharmacist.session.approvePrescriptionOrder({ id: '999999' }))).toMatchObject({
      code: 'FORBIDDEN',
      message: 'approvePrescriptionOrder requires the role PHARMACIST',
    });
  });

  it('setUserRole and revokeSessions read the caller’s role from the database, whatever the router still believes', async () => {
    // A router that checks sessions only once a minute: it still takes the demoted administrator for one.
    const slow = await startRouter({ SESSION_CHECK_INTERVAL_MS: '59000' });
    try {
      const admin = await account('ADMIN');
      const victim = await account('CUSTOMER');
      const throughSlow = asViewer(slow.url, admin.login.accessToken);
      expect((await throughSlow.users({})).users.totalCount).toBeGreaterThan(0); // cached as ADMIN
      await root.setUserRole({ userId: admin.id, role: 'CUSTOMER' });
      expect(await apiErrorOf(throughSlow.setUserRole({ userId: victim.id, role: 'ADMIN' }))).toMatchObject({
        code: 'FORBIDDEN',
        message: 'setUserRole requires the role ADMIN',
      });
      expect(await apiErrorOf(throughSlow.revokeSessions({ userId: victim.id }))).toMatchObject({
        code: 'FORBIDDEN',
        message: "only an administrator may end another account's sessions",
      });
    } finally {
      await slow.router.close();
    }
  });

  it('deactivating an account ends its sessions and subscriptions and refuses its logins; reactivating it lets it in', async () => {
    const pharmacist = await account('PHARMACIST');
    const alerts = pharmacist.session.lowStockAlerts({})[Symbol.asyncIterator]();
    // Caught at once: the rejection comes before the test looks at it.
    const closed = alerts.next().catch((error: unknown) => error);
    await sleep(300);
    expect((await root.setUserActive({ userId: pharmacist.id, active: false })).setUserActive.isActive).toBe(
      false,
    );
    await sleep(WINDOW_MS);
    expect(await apiErrorOf(client(pharmacist.login.accessToken).me())).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'the session has ended: log in again',
    });
    expect(await closed).toMatchObject({
      code: 'FORBIDDEN',
      message: 'Forbidden: the session has ended: log in again',
    });
    expect(
      await apiErrorOf(client().login({ username: pharmacist.username, password: pharmacist.password })),
    ).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'invalid username or password',
    });
    expect(await apiErrorOf(root.setUserActive({ userId: '1', active: false }))).toMatchObject({
      code: 'CONFLICT',
    });
    await root.setUserActive({ userId: pharmacist.id, active: true });
    expect(
      (await client().login({ username: pharmacist.username, password: pharmacist.password })).login.user.id,
    ).toBe(pharmacist.id);
  });
});

describe('the SDK', () => {
  /** An access token of `login`'s session, signed with the stack's key, expired or expiring in `seconds`. */
  async function tokenExpiringIn(accessToken: string, seconds: number): Promise<string> {
    const { keys } = JSON.parse(await readFile(stack.keysFile, 'utf8')) as { keys: StoredKey[] };
    const key = keys[0] as StoredKey;
    const claims = decodeJwt(accessToken);
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ role: claims.role, sid: claims.sid })
      .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'JWT' })
      .setSubject(String(claims.sub))
      .setIssuer('pharmacy-users')
      .setAudience('pharmacy-api')
      .setIssuedAt(now - 60)
      .setExpirationTime(now + seconds)
      .sign(await importJWK(key, 'EdDSA'));
  }

  it('renews an expired access token with its refresh token and retries the call, once', async () => {
    const { login } = await account('CUSTOMER');
    const kept: string[] = [];
    const sdk = createPharmacyClient({ url, onTokens: ({ refreshToken }) => kept.push(refreshToken) });
    clients.push(sdk);
    sdk.setToken(await tokenExpiringIn(login.accessToken, -120), login.refreshToken);
    expect((await sdk.me()).me.id).toBe(login.user.id);
    expect(kept).toEqual([expect.stringMatching(/^rt_/)]);
    expect(kept[0]).not.toBe(login.refreshToken);
    // The refresh token it started with was used: a second client holding it ends the session.
    expect((await apiErrorOf(client().refreshSession({ refreshToken: login.refreshToken }))).code).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('reconnects a subscription with a renewed token when the router closes it for an expired one', async () => {
    // No clock tolerance: the router closes the socket the moment the token expires.
    const strict = await startRouter({ JWT_CLOCK_TOLERANCE_SECONDS: '0' });
    try {
      const pharmacist = await account('PHARMACIST');
      const sdk = asViewer(strict.url);
      clients.push(sdk);
      sdk.setToken(await tokenExpiringIn(pharmacist.login.accessToken, 2), pharmacist.login.refreshToken);
      const alerts = sdk.lowStockAlerts({})[Symbol.asyncIterator]();
      const first = alerts.next();
      await sleep(3_000); // the token expired: the router closed the socket, the SDK subscribed again
      const productId = await createStockedProduct(root, {
        sku: 'SESSION-RECONNECT',
        price: '1.00',
        quantity: 5,
        reorderLevel: 3,
      });
      await root.adjustInventory({ productId, adjustment: -3, reason: 'count' });
      const { value } = await waitFor('the alert after the reconnection', () => first, 10_000);
      expect(value).toMatchObject({ lowStockAlerts: { available: 2, product: { id: productId } } });
      await alerts.return?.();
    } finally {
      await strict.router.close();
    }
  });
});
