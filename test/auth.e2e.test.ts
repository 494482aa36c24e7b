/**
 * Authentication through the router, with the four real subgraphs: which operations need a token, what
 * development and production routers reveal, forged and broken tokens, calls that bypass the router, and
 * key rotation without a restart. The tests run in order; the rotation comes last.
 *
 * A customer's journey (register, log in, use the token) goes through the typed client SDK; what is about
 * HTTP itself (status codes of anonymous calls, hand-made documents, CSRF, introspection, broken
 * Authorization headers, calls to a subgraph) is sent raw.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  base64url,
  decodeProtectedHeader,
  generateKeyPair,
  importJWK,
  SignJWT,
  UnsecuredJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import { signRouterRequest, VIEWER_ID_HEADER, VIEWER_ROLE_HEADER } from '../lib/router-proof.ts';
import type { Viewer } from '../lib/viewer.ts';
import type { UserFieldsFragment } from '../sdk/index.ts';
import { seedSession } from '../subgraphs/users/session-seed.ts';
import { rotateSigningKeys, type StoredKey } from '../subgraphs/users/signing-keys.ts';
import { asViewer } from './support/client.ts';
import { dataOf, singleError, postGraphQL, type GraphQLResponse } from './support/graphql.ts';
import { startTestRouter, subgraphUrlEnv, type TestRouter } from './support/routers.ts';
import { bearer, startTestStack, TEST_ROUTER_SECRET, type TestStack } from './support/services.ts';

const AUTHENTICATION_REQUIRED =
  'authentication required: send a valid access token as "Authorization: Bearer <token>"';
const INTROSPECTION = '{ __schema { queryType { name } } __type(name: "User") { name } }';

/**
 * The administrator the tests mint tokens for: an account of its own (seeding a session gives the account
 * its role), so the customer registered below stays a customer.
 */
const ADMIN_ID = 9_000;

let stack: TestStack;
/** A second router in front of the same subgraphs, with NODE_ENV=production. */
let production: TestRouter;

beforeAll(async () => {
  stack = await startTestStack();
  // Trusted documents allowed but not enforced: these checks send hand-written text, as an attacker would.
  production = await startTestRouter(subgraphUrlEnv(stack), {
    NODE_ENV: 'production',
    TRUSTED_DOCUMENTS: 'allow',
  });
});

afterAll(async () => {
  await production?.close();
  await stack?.stop();
});

async function userCount(): Promise<number> {
  const [row] = await stack.subgraphs.users.subgraph.orm.em
    .fork()
    .getConnection()
    .execute<{ n: number }[]>('select count(*)::int as n from app_user');
  return row?.n ?? -1;
}

/** A whole request refused with HTTP 401 and one UNAUTHENTICATED error, nothing executed. */
function expectUnauthenticated(response: GraphQLResponse, message?: string): void {
  expect(response.status).toBe(401);
  expect(response.body.data).toBeUndefined();
  const error = singleError(response);
  expect(error.extensions).toEqual({ code: 'UNAUTHENTICATED' });
  if (message !== undefined) expect(error.message).toBe(message);
}

const CUSTOMER = { email: 'carla@example.com', username: 'carla', password: 'carla-password' };
/** Carla's account, as registered. */
let carla: UserFieldsFragment;
let customerId: string;
let customerToken: string;

describe('who needs a token', () => {
  it('lets anyone register and log in, and the token then works for the rest of the API', async () => {
    const anonymous = asViewer(stack.routerUrl);
    const { register } = await anonymous.register({ input: CUSTOMER });
    expect(register).toEqual({
      id: expect.stringMatching(/^\d+$/),
      email: 'carla@example.com',
      username: 'carla',
      fullName: null,
      role: 'CUSTOMER',
      isActive: true,
      createdAt: expect.any(String),
    });
    carla = register;
    customerId = register.id;

    const { login } = await anonymous.login({ username: 'carla', password: CUSTOMER.password });
    expect(login).toEqual({
      accessToken: expect.any(String),
      tokenType: 'Bearer',
      expiresIn: 600,
      refreshToken: expect.stringMatching(/^rt_[\w-]{43}$/),
      refreshExpiresIn: 14 * 86_400,
      user: carla,
    });
    customerToken = login.accessToken;

    expect(await asViewer(stack.routerUrl, customerToken).me()).toEqual({ me: carla });
    // A lower-case scheme is fine too.
    const lowerCase = asViewer(stack.routerUrl, undefined, { authorization: `bearer ${customerToken}` });
    expect(await lowerCase.me()).toEqual({ me: carla });
  });

  it('relays authorization refusals from the subgraphs (a customer listing users is FORBIDDEN)', async () => {
    await expect(asViewer(stack.routerUrl, customerToken).users()).rejects.toMatchObject({
      status: 200,
      code: 'FORBIDDEN',
      errors: [{ message: 'users requires the role ADMIN', extensions: { code: 'FORBIDDEN' } }],
    });
  });

  it('refuses every other operation without a token with HTTP 401, before anything runs', async () => {
    for (const query of [
      '{ me { id } }',
      '{ categories }',
      '{ products { totalCount } }',
      '{ __typename categories }',
      'query { ... on Query { me { id } } }',
      'mutation { setUserRole(userId: "1", role: ADMIN) { id } }',
      'mutation { createProduct(input: { sku: "X-1", name: "X", price: "1", category: "C" }) { id } }',
    ]) {
      expectUnauthenticated(await postGraphQL(stack.routerUrl, query), AUTHENTICATION_REQUIRED);
    }
    // Mixing a public field with a private one does not sneak the public one through.
    const count = await userCount();
    expectUnauthenticated(
      await postGraphQL(
        stack.routerUrl,
        `mutation { register(input: { email: "m@example.com", username: "mixer", password: "password-1" }) { id }
                    setUserRole(userId: "1", role: ADMIN) { id } }`,
      ),
      AUTHENTICATION_REQUIRED,
    );
    expect(await userCount()).toBe(count);
    // An empty Authorization header is no token.
    expectUnauthenticated(
      await postGraphQL(stack.routerUrl, '{ categories }', undefined, { authorization: ' ' }),
    );
  });

  it('answers __typename alone without a token', async () => {
    expect(dataOf(await postGraphQL(stack.routerUrl, '{ __typename }'))).toEqual({ __typename: 'Query' });
  });
});

describe('CSRF prevention', () => {
  it('blocks a simple cross-site request (GET without a preflight header, or a text/plain POST)', async () => {
    const token = bearer(await stack.tokenFor({ userId: ADMIN_ID, role: 'ADMIN' }));
    const get = await fetch(`${stack.routerUrl}?query=${encodeURIComponent('{ categories }')}`, {
      headers: token,
    });
    expect(get.status).toBe(400);
    expect(await get.text()).toContain('Cross-Site Request Forgery');

    const form = await fetch(stack.routerUrl, {
      method: 'POST',
      headers: { ...token, 'content-type': 'text/plain' },
      body: JSON.stringify({ query: 'mutation { deleteProduct(id: "1") { id } }' }),
    });
    expect(form.status).toBe(400);
    expect(await form.text()).toContain('Cross-Site Request Forgery');
  });
});

describe('development and production routers', () => {
  it('allows introspection without a token in development', async () => {
    expect(dataOf(await postGraphQL(stack.routerUrl, INTROSPECTION))).toEqual({
      __schema: { queryType: { name: 'Query' } },
      __type: { name: 'User' },
    });
  });

  it('refuses introspection in production, with or without a token', async () => {
    for (const headers of [{}, bearer(await stack.tokenFor({ userId: ADMIN_ID, role: 'ADMIN' }))]) {
      const response = await postGraphQL(production.url, INTROSPECTION, undefined, headers);
      expect(response.status).toBe(400);
      expect(response.body.data).toBeUndefined();
      for (const error of response.body.errors ?? []) {
        expect(error.extensions).toEqual({
          code: 'GRAPHQL_VALIDATION_FAILED',
          validationErrorCode: 'INTROSPECTION_DISABLED',
        });
      }
      expect(response.body.errors?.length).toBeGreaterThanOrEqual(1);
    }
  });

  it('suggests field names in development only', async () => {
    const token = bearer(await stack.tokenFor({ userId: ADMIN_ID, role: 'ADMIN' }));
    const development = singleError(await postGraphQL(stack.routerUrl, '{ categorie }', undefined, token));
    expect(development.message).toBe(
      'Cannot query field "categorie" on type "Query". Did you mean "categories"?',
    );

    const response = await postGraphQL(production.url, '{ categorie }', undefined, token);
    expect(response.status).toBe(400);
    const masked = singleError(response);
    expect(masked.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(masked.message).toContain('Cannot query field "categorie"');
    expect(masked.message).not.toContain('Did you mean');
    expect(masked.message).not.toContain('"categories"');
  });

  it('needs a token in production too, and accepts a valid one', async () => {
    expectUnauthenticated(await postGraphQL(production.url, '{ me { id } }'), AUTHENTICATION_REQUIRED);
    expect(await asViewer(production.url, customerToken).me()).toEqual({ me: carla });
  });
});

describe('forged, expired and broken tokens', () => {
  const PROBE = '{ categories }';
  let signingKey: StoredKey;
  let privateKey: CryptoKey;
  let publicJwk: JWK;

  /** Claims like the users subgraph's for an administrator, valid for 10 minutes. */
  let sessionId: string;
  const claims = (overrides: JWTPayload = {}): JWTPayload => {
    const now = Math.floor(Date.now() / 1000);
    return {
      sub: String(ADMIN_ID),
      role: 'ADMIN',
      sid: sessionId,
      iss: 'pharmacy-users',
      aud: 'pharmacy-api',
      iat: now,
      nbf: now,
      exp: now + 600,
      ...overrides,
    };
  };

  /** Signed with the real signing key: only what the test changes is wrong. */
  const signedWithRealKey = (payload: JWTPayload) =>
    new SignJWT(payload)
      .setProtectedHeader({ alg: 'EdDSA', kid: signingKey.kid, typ: 'JWT' })
      .sign(privateKey);

  const probe = (headers: Record<string, string>) => postGraphQL(stack.routerUrl, PROBE, undefined, headers);

  beforeAll(async () => {
    // The forged tokens belong to a real session: only what each test changes is wrong.
    sessionId = await seedSession(stack.subgraphs.users.database.url, { userId: ADMIN_ID, role: 'ADMIN' });
    const { keys } = JSON.parse(await readFile(stack.keysFile, 'utf8')) as { keys: StoredKey[] };
    signingKey = keys[0] as StoredKey;
    privateKey = (await importJWK(signingKey, 'EdDSA')) as CryptoKey;
    const jwks = (await (
      await fetch(new URL('/.well-known/jwks.json', stack.subgraphs.users.server.url))
    ).json()) as {
      keys: JWK[];
    };
    publicJwk = jwks.keys.find((key) => key.kid === signingKey.kid) as JWK;
    expect(publicJwk.x).toBe(signingKey.x);
  });

  it('accepts a correctly signed token, also one expired within the 30 s clock tolerance (the control)', async () => {
    expect(dataOf(await probe(bearer(await signedWithRealKey(claims()))))).toEqual({ categories: [] });
    const now = Math.floor(Date.now() / 1000);
    const justExpired = await signedWithRealKey(claims({ iat: now - 600, nbf: now - 600, exp: now - 10 }));
    expect(dataOf(await probe(bearer(justExpired)))).toEqual({ categories: [] });
  });

  it('refuses alg "none", with or without a signature', async () => {
    const unsigned = new UnsecuredJWT(claims()).encode();
    expect(unsigned.endsWith('.')).toBe(true);
    expectUnauthenticated(await probe(bearer(unsigned)));
    const [header, payload] = unsigned.split('.');
    expectUnauthenticated(await probe(bearer(`${header}.${payload}.${base64url.encode('signature')}`)));
    const withKid = base64url.encode(JSON.stringify({ alg: 'none', kid: signingKey.kid, typ: 'JWT' }));
    expectUnauthenticated(await probe(bearer(`${withKid}.${payload}.${base64url.encode('x')}`)));
  });

  it('refuses HS256 tokens keyed with the public key (algorithm confusion)', async () => {
    const secrets = [
      base64url.decode(publicJwk.x ?? ''),
      new TextEncoder().encode(publicJwk.x ?? ''),
      new TextEncoder().encode(JSON.stringify(publicJwk)),
    ];
    for (const secret of secrets) {
      const token = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'HS256', kid: signingKey.kid, typ: 'JWT' })
        .sign(secret);
      expectUnauthenticated(await probe(bearer(token)), 'the access token is not valid');
    }
  });

  it('refuses a token signed by another key, under an unknown kid or under the real one', async () => {
    const attacker = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    for (const kid of ['attacker-key', signingKey.kid ?? '']) {
      const token = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'JWT' })
        .sign(attacker.privateKey);
      expectUnauthenticated(await probe(bearer(token)), 'the access token is not valid');
    }
    const withoutKid = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'EdDSA' })
      .sign(attacker.privateKey);
    expectUnauthenticated(await probe(bearer(withoutKid)), 'the access token is not valid');
  });

  it('refuses an expired token', async () => {
    const minted = await stack.tokenFor({ userId: ADMIN_ID, role: 'ADMIN' }, -60);
    expectUnauthenticated(await probe(bearer(minted)), 'the access token has expired: log in again');
    const now = Math.floor(Date.now() / 1000);
    const old = await signedWithRealKey(claims({ iat: now - 3_600, nbf: now - 3_600, exp: now - 31 }));
    expectUnauthenticated(await probe(bearer(old)), 'the access token has expired: log in again');
  });

  it('refuses a token not valid yet', async () => {
    const now = Math.floor(Date.now() / 1000);
    const early = await signedWithRealKey(claims({ nbf: now + 120 }));
    expectUnauthenticated(await probe(bearer(early)), 'the access token is not valid');
  });

  it('refuses a token from another issuer or for another audience', async () => {
    for (const overrides of [{ iss: 'someone-else' }, { aud: 'another-api' }, { aud: ['another-api'] }]) {
      expectUnauthenticated(
        await probe(bearer(await signedWithRealKey(claims(overrides)))),
        'the access token is not valid',
      );
    }
  });

  it('refuses a token that does not name a user id and a known role, or lacks required claims', async () => {
    for (const overrides of [{ sub: 'admin' }, { sub: '0' }, { role: 'ROOT' }, { role: undefined }]) {
      expectUnauthenticated(
        await probe(bearer(await signedWithRealKey(claims(overrides)))),
        'the access token does not name a user and role',
      );
    }
    for (const overrides of [{ sub: undefined }, { exp: undefined }, { iat: undefined }]) {
      expectUnauthenticated(
        await probe(bearer(await signedWithRealKey(claims(overrides)))),
        'the access token is not valid',
      );
    }
  });

  it('refuses a token whose payload was changed after signing (a customer made ADMIN)', async () => {
    const token = await stack.tokenFor({ userId: 42, role: 'CUSTOMER' });
    expect(dataOf(await probe(bearer(token)))).toEqual({ categories: [] });
    const [header, payload, signature] = token.split('.');
    const claimsSet = JSON.parse(new TextDecoder().decode(base64url.decode(payload ?? ''))) as JWTPayload;
    expect(claimsSet.role).toBe('CUSTOMER');
    const tampered = base64url.encode(JSON.stringify({ ...claimsSet, role: 'ADMIN' }));
    expectUnauthenticated(
      await probe(bearer(`${header}.${tampered}.${signature}`)),
      'the access token is not valid',
    );
    // Nor may the header be swapped for another algorithm.
    const otherHeader = base64url.encode(JSON.stringify({ ...decodeProtectedHeader(token), alg: 'ES256' }));
    expectUnauthenticated(await probe(bearer(`${otherHeader}.${payload}.${signature}`)));
  });

  it('refuses garbage in the Authorization header', async () => {
    const token = await stack.tokenFor({ userId: ADMIN_ID, role: 'ADMIN' });
    const headers = [
      'Bearer x',
      'Basic abc',
      'Basic YWRtaW46YWRtaW4xMjM0NTY=',
      'Bearer',
      'Bearer a.b.c',
      `Bearer ${randomBytes(48).toString('base64')}`,
      randomBytes(32).toString('hex'),
      randomBytes(64)
        .toString('latin1')
        .replace(/[^\x20-\x7e]/g, 'x'),
      token, // no scheme
      `Token ${token}`,
      `Bearer ${token} ${token}`,
      `Bearer ${token}.extra`,
    ];
    for (const authorization of headers) expectUnauthenticated(await probe({ authorization }));
  });
});

describe('calls that bypass the router', () => {
  const ME = '{ me { id username } }';
  const body = JSON.stringify({ query: ME });
  const post = (headers: Record<string, string>) =>
    fetch(stack.subgraphs.users.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    }).then(async (response) => ({
      status: response.status,
      body: (await response.json()) as GraphQLResponse['body'],
    }));
  const REFUSED = {
    errors: [
      {
        message: 'this service answers only requests from the router',
        extensions: { code: 'UNAUTHENTICATED' },
      },
    ],
  };

  it('serves a request the router signed just now (the control)', async () => {
    const viewer: Viewer = { userId: Number(customerId), role: 'CUSTOMER' };
    const response = await post(signRouterRequest(TEST_ROUTER_SECRET, body, viewer));
    expect(response).toEqual({ status: 200, body: { data: { me: { id: customerId, username: 'carla' } } } });
  });

  it('refuses a direct call with a valid user token but no router proof', async () => {
    expect(await post(bearer(customerToken))).toEqual({ status: 401, body: REFUSED });
    const products = await postGraphQL(
      stack.subgraphs.products.server.url,
      '{ categories }',
      undefined,
      bearer(customerToken),
    );
    expect(products.status).toBe(401);
    expect(products.body).toEqual(REFUSED);
  });

  it('refuses a proof replayed after the 30 s window', async () => {
    const viewer: Viewer = { userId: Number(customerId), role: 'CUSTOMER' };
    const old = signRouterRequest(TEST_ROUTER_SECRET, body, viewer, Date.now() - 31_000);
    expect(await post(old)).toEqual({ status: 401, body: REFUSED });
    const future = signRouterRequest(TEST_ROUTER_SECRET, body, viewer, Date.now() + 31_000);
    expect(await post(future)).toEqual({ status: 401, body: REFUSED });
  });

  it('refuses a proof whose viewer or body was changed, or that another secret made', async () => {
    const viewer: Viewer = { userId: Number(customerId), role: 'CUSTOMER' };
    const signed = signRouterRequest(TEST_ROUTER_SECRET, body, viewer);
    expect(await post({ ...signed, [VIEWER_ROLE_HEADER]: 'ADMIN' })).toEqual({ status: 401, body: REFUSED });
    expect(await post({ ...signed, [VIEWER_ID_HEADER]: String(Number(customerId) + 1) })).toEqual({
      status: 401,
      body: REFUSED,
    });
    const anonymous = signRouterRequest(TEST_ROUTER_SECRET, body, null);
    expect(
      await post({ ...anonymous, [VIEWER_ID_HEADER]: customerId, [VIEWER_ROLE_HEADER]: 'ADMIN' }),
    ).toEqual({
      status: 401,
      body: REFUSED,
    });
    const otherBody = signRouterRequest(
      TEST_ROUTER_SECRET,
      JSON.stringify({ query: '{ __typename }' }),
      viewer,
    );
    expect(await post(otherBody)).toEqual({ status: 401, body: REFUSED });
    const otherSecret = signRouterRequest('another-secret-of-at-least-32-characters', body, viewer);
    expect(await post(otherSecret)).toEqual({ status: 401, body: REFUSED });
  });
});

describe('key rotation without a restart', () => {
  const jwksUrl = () => new URL('/.well-known/jwks.json', stack.subgraphs.users.server.url);
  const publishedKids = async () =>
    ((await (await fetch(jwksUrl())).json()) as { keys: JWK[] }).keys.map((k) => k.kid);

  async function login(): Promise<string> {
    const { login } = await asViewer(stack.routerUrl).login({
      username: 'carla',
      password: CUSTOMER.password,
    });
    return login.accessToken;
  }

  const me = (token: string) => asViewer(stack.routerUrl, token).me();

  it('signs with the new key once it is active, publishes a pending key at once, and old tokens keep working', async () => {
    const before = await login();
    const oldKid = decodeProtectedHeader(before).kid;
    expect(await publishedKids()).toEqual([oldKid]);

    const active = await rotateSigningKeys(stack.keysFile, { activationDelayMs: 0 });
    const pending = await rotateSigningKeys(stack.keysFile, { activationDelayMs: 10 * 60_000 });

    // The users subgraph checks the file at most every 5 s: wait for it to publish the new keys.
    const deadline = Date.now() + 8_000;
    let kids = await publishedKids();
    while (kids.length !== 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      kids = await publishedKids();
    }
    expect(kids).toEqual([pending.kid, active.kid, oldKid]);

    // A new login is signed by the newest active key, not the pending one nor the old one.
    const after = await login();
    expect(decodeProtectedHeader(after).kid).toBe(active.kid);
    // The router has never seen that kid: it fetches the JWKS again and accepts the token.
    expect(await me(after)).toEqual({ me: carla });
    // A token signed before the rotation still works.
    expect(await me(before)).toEqual({ me: carla });
    expect(await me(customerToken)).toEqual({ me: carla });
  });
});
