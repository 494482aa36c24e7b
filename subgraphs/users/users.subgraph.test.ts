/**
 * The users subgraph over real HTTP on its own fresh database, called as the router calls it (signed, with
 * the viewer it vouches for): registration, login and its tokens, the JWKS, and who may read or change
 * which account. The tests run in order and share the accounts they create.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { verify as verifyArgon2 } from '@node-rs/argon2';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import type { Role, Viewer } from '../../lib/viewer.ts';
import { sql } from '../../test/support/database.ts';
import { dataOf, postGraphQL, singleError } from '../../test/support/graphql.ts';
import { startTestSubgraph, type TestSubgraph } from '../../test/support/services.ts';
import { waitFor } from '../../test/support/waiting.ts';
import {
  expectRefusalWithoutData,
  subgraphClient,
  type SubgraphClient,
} from '../../test/support/subgraph-client.ts';
import { ensureAccount } from './demo-users.ts';
import { hashPassword, verifyPassword } from './password.ts';

const TTL_SECONDS = 900;
const USER_FIELDS = 'id email username fullName role isActive createdAt';
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ARGON2ID_OWASP = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{16,}\$[A-Za-z0-9+/]{32,}$/;

interface UserView {
  id: string;
  email: string;
  username: string;
  fullName: string | null;
  role: Role;
  isActive: boolean;
  createdAt: string;
}

interface AuthPayloadView {
  accessToken: string;
  tokenType: string;
  expiresIn: number;
  user: UserView;
}

const REGISTER = `mutation Register($input: RegisterInput!) { register(input: $input) { ${USER_FIELDS} } }`;
const LOGIN = `mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) { accessToken tokenType expiresIn user { ${USER_FIELDS} } }
}`;
const ME = `query { me { ${USER_FIELDS} } }`;
const USERS = `query Users($page: Int, $pageSize: Int) {
  users(page: $page, pageSize: $pageSize) { items { id username role } totalCount page pageSize hasNextPage }
}`;
const SET_ROLE = `mutation SetRole($userId: ID!, $role: Role!) { setUserRole(userId: $userId, role: $role) { id role } }`;
const ENTITIES = `query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on User { id username email } }
}`;

let service: TestSubgraph;
let api: SubgraphClient;

beforeAll(async () => {
  service = await startTestSubgraph('users', {
    ACCESS_TOKEN_TTL_SECONDS: String(TTL_SECONDS),
    SESSION_SWEEP_INTERVAL_MS: '200',
  });
  api = subgraphClient(service);
});

afterAll(async () => {
  await service?.stop();
});

async function userCount(): Promise<number> {
  const [row] = await sql<{ n: number }>(service, 'select count(*)::int as n from app_user');
  return row?.n ?? -1;
}

const jwksUrl = () => new URL('/.well-known/jwks.json', service.server.url);

function register(input: Record<string, unknown>) {
  return api.post<{ register: UserView }>(REGISTER, { input }, null);
}

function login(username: string, password: string) {
  return api.post<{ login: AuthPayloadView }>(LOGIN, { username, password }, null);
}

const ADA = {
  email: '  Ada.Lovelace@Example.COM ',
  username: 'Ada_L',
  password: 'analytical-engine',
  fullName: 'Ada Lovelace',
};
let ada: UserView;
let grace: UserView;
let admin: { id: number };

describe('register', () => {
  it('creates a CUSTOMER with a lower-cased email and exactly the given fields', async () => {
    const before = Date.now();
    const { register: user } = dataOf(await register(ADA));
    expect(user).toEqual({
      id: expect.stringMatching(/^[1-9]\d*$/),
      email: 'ada.lovelace@example.com',
      username: 'Ada_L',
      fullName: 'Ada Lovelace',
      role: 'CUSTOMER',
      isActive: true,
      createdAt: expect.stringMatching(ISO_INSTANT),
    });
    expect(Date.parse(user.createdAt)).toBeGreaterThanOrEqual(before - 1_000);
    expect(Date.parse(user.createdAt)).toBeLessThanOrEqual(Date.now() + 1_000);
    ada = user;

    const { register: second } = dataOf(
      await register({ email: 'grace@example.com', username: 'grace', password: 'cobol-1959' }),
    );
    expect(second).toMatchObject({ username: 'grace', fullName: null, role: 'CUSTOMER' });
    grace = second;
  });

  it('stores the password only as an OWASP argon2id hash', async () => {
    const [row] = await sql<{ password_hash: string }>(
      service,
      'select password_hash from app_user where id = ?',
      [Number(ada.id)],
    );
    const hash = row?.password_hash ?? '';
    expect(hash).toMatch(ARGON2ID_OWASP);
    expect(hash).not.toContain(ADA.password);
    expect(await verifyArgon2(hash, ADA.password)).toBe(true);
    expect(await verifyArgon2(hash, 'not-the-password')).toBe(false);
    const text = JSON.stringify(await sql(service, 'select * from app_user where id = ?', [Number(ada.id)]));
    expect(text).not.toContain(ADA.password);
  });

  it('never returns the password or its hash, nor accepts a hash from the client', async () => {
    const asked = await register({ ...ADA, email: 'x@example.com', username: 'x-user', passwordHash: 'x' });
    expect(expectRefusalWithoutData(asked, 'BAD_USER_INPUT').message).toContain('passwordHash');
    const field = await api.post(`query { me { passwordHash } }`, undefined, {
      userId: Number(ada.id),
      role: 'CUSTOMER',
    });
    expect(singleError(field).message).toContain('Cannot query field "passwordHash"');
    const me = await api.post(ME, undefined, { userId: Number(ada.id), role: 'CUSTOMER' });
    const text = JSON.stringify(me.body);
    expect(text).not.toContain('argon2');
    expect(text).not.toContain(ADA.password);
  });

  it('refuses a taken email or username, whatever its case, as CONFLICT naming the field, writing nothing', async () => {
    const count = await userCount();
    const email = expectRefusalWithoutData(
      await register({ email: 'ADA.LOVELACE@example.com', username: 'someone-else', password: 'password-1' }),
      'CONFLICT',
      'input.email',
    );
    expect(email.message).toBe('an account with this email already exists');
    for (const username of ['ada_l', ' GRACE ']) {
      const taken = expectRefusalWithoutData(
        await register({ email: 'other@example.com', username, password: 'password-1' }),
        'CONFLICT',
        'input.username',
      );
      expect(taken.message).toBe('an account with this username already exists');
    }
    expect(await userCount()).toBe(count);
  });

  it('refuses a weak password, a bad email or a bad username as BAD_USER_INPUT naming the field, writing nothing', async () => {
    const count = await userCount();
    const valid = { email: 'new@example.com', username: 'new-user', password: 'long-enough' };
    const password = expectRefusalWithoutData(
      await register({ ...valid, password: '1234567' }),
      'BAD_USER_INPUT',
      'input.password',
    );
    expect(password.message).toBe('input.password: must be at least 8 characters');
    const email = expectRefusalWithoutData(
      await register({ ...valid, email: 'not-an-email' }),
      'BAD_USER_INPUT',
      'input.email',
    );
    expect(email.message).toBe('input.email: must be an email address');
    for (const username of ['no spaces allowed', 'ab']) {
      const refused = expectRefusalWithoutData(
        await register({ ...valid, username }),
        'BAD_USER_INPUT',
        'input.username',
      );
      expect(refused.message).toBe(
        'input.username: must be 3 to 32 letters, digits, dots, dashes or underscores',
      );
    }
    expect(await userCount()).toBe(count);
  });
});

describe('login', () => {
  let payload: AuthPayloadView;

  it('returns a Bearer token with its lifetime and the user, for any case of the username', async () => {
    const before = Math.floor(Date.now() / 1000);
    payload = dataOf(await login('  ADA_l ', ADA.password)).login;
    expect(payload).toEqual({
      accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      tokenType: 'Bearer',
      expiresIn: TTL_SECONDS,
      user: ada,
    });
    const { payload: claims } = await jwtVerify(payload.accessToken, createRemoteJWKSet(jwksUrl()));
    expect(claims.iat).toBeGreaterThanOrEqual(before);
  });

  it('signs a token that verifies against the JWKS: EdDSA, kid, issuer, audience, subject, role, expiry', async () => {
    const header = decodeProtectedHeader(payload.accessToken);
    expect(header).toEqual({ alg: 'EdDSA', kid: expect.any(String), typ: 'JWT' });

    const jwks = (await (await fetch(jwksUrl())).json()) as { keys: JWK[] };
    expect(jwks.keys.map((key) => key.kid)).toContain(header.kid);

    const { payload: claims, protectedHeader } = await jwtVerify(
      payload.accessToken,
      createRemoteJWKSet(jwksUrl()),
      {
        issuer: 'pharmacy-users',
        audience: 'pharmacy-api',
        algorithms: ['EdDSA'],
      },
    );
    expect(protectedHeader.kid).toBe(header.kid);
    expect(claims).toEqual({
      sub: ada.id,
      role: 'CUSTOMER',
      sid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      iss: 'pharmacy-users',
      aud: 'pharmacy-api',
      iat: expect.any(Number),
      nbf: claims.iat,
      exp: (claims.iat ?? 0) + TTL_SECONDS,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it('publishes public keys only, cacheable, at /.well-known/jwks.json', async () => {
    const response = await fetch(jwksUrl());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    const jwks = (await response.json()) as { keys: JWK[] };
    expect(jwks.keys.length).toBeGreaterThanOrEqual(1);
    for (const key of jwks.keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x']);
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
      expect(key).not.toHaveProperty('d');
    }
  });

  it('refuses a wrong password, an unknown user and a deactivated account with the same error', async () => {
    const expected = {
      message: 'invalid username or password',
      locations: [{ line: 2, column: 3 }],
      path: ['login'],
      extensions: { code: 'UNAUTHENTICATED' },
    };
    for (const attempt of [
      await login('Ada_L', 'wrong-password'),
      await login('nobody-by-this-name', ADA.password),
    ]) {
      expect(attempt.body).toEqual({ data: null, errors: [expected] });
    }
    await sql(service, 'update app_user set is_active = false where id = ?', [Number(grace.id)]);
    try {
      expect((await login('grace', 'cobol-1959')).body).toEqual({ data: null, errors: [expected] });
    } finally {
      await sql(service, 'update app_user set is_active = true where id = ?', [Number(grace.id)]);
    }
    expect(dataOf(await login('grace', 'cobol-1959')).login.user.id).toBe(grace.id);
  });

  it('refuses a username no account could have, and an overlong password, as bad input without a lookup', async () => {
    for (const [username, password, field] of [
      ['', '', 'username'],
      ['has spaces', 'password-1', 'username'],
      ['x'.repeat(90_000), 'password-1', 'username'],
      ['Ada_L', 'p'.repeat(257), 'password'],
    ] as const) {
      const { body } = await login(username, password);
      expect(body.data).toBeNull();
      expect(body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field });
    }
  });

  it('takes as long for an unknown user as for a wrong password: both pay for an argon2 verification', async () => {
    const hash = await hashPassword('some password');
    const timed = async (username: string) => {
      const start = performance.now();
      const response = await login(username, 'wrong-password');
      expect(singleError(response).message).toBe('invalid username or password');
      return performance.now() - start;
    };
    await timed('nobody-warm-up'); // the decoy hash is made on first use
    // Interleaved, so that a burst of load on the shared machine falls on all three alike.
    const costs: number[] = [];
    const wrongPassword: number[] = [];
    const unknownUser: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      await verifyPassword(hash, 'another password');
      costs.push(performance.now() - start);
      wrongPassword.push(await timed('Ada_L'));
      unknownUser.push(await timed(`nobody-${i}`));
    }
    const argon2Cost = Math.min(...costs);
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[2] ?? 0;
    const [wrong, unknown] = [median(wrongPassword), median(unknownUser)];
    const report = JSON.stringify({ argon2Cost, wrongPassword, unknownUser });

    // Skipping the verification for an unknown user would answer in a few ms, far under the argon2 cost.
    expect({ unknownAtLeastArgon2: unknown >= 0.75 * argon2Cost, report }).toEqual({
      unknownAtLeastArgon2: true,
      report,
    });
    expect({ wrongAtLeastArgon2: wrong >= 0.75 * argon2Cost, report }).toEqual({
      wrongAtLeastArgon2: true,
      report,
    });
    expect(Math.max(wrong, unknown) / Math.min(wrong, unknown)).toBeLessThan(3);
  });
});

describe('me', () => {
  it("returns the viewer's own account", async () => {
    expect(
      dataOf(await api.post<{ me: UserView }>(ME, undefined, { userId: Number(ada.id), role: 'CUSTOMER' }))
        .me,
    ).toEqual(ada);
  });

  it('refuses an anonymous caller, and a viewer whose account no longer exists, as UNAUTHENTICATED', async () => {
    expectRefusalWithoutData(await api.post(ME, undefined, null), 'UNAUTHENTICATED');
    const gone = expectRefusalWithoutData(
      await api.post(ME, undefined, { userId: 987_654, role: 'CUSTOMER' }),
      'UNAUTHENTICATED',
    );
    expect(gone.message).toBe('the account of this access token no longer exists');
  });
});

describe('users (ADMIN only)', () => {
  beforeAll(async () => {
    const spec = { username: 'root', email: 'root@example.com', password: 'root-password', fullName: null };
    expect(await ensureAccount(service.subgraph.orm, { ...spec, role: 'ADMIN' })).toBe(true);
    expect(await ensureAccount(service.subgraph.orm, { ...spec, role: 'ADMIN' })).toBe(false);
    const [row] = await sql<{ id: number }>(service, `select id from app_user where username = 'root'`);
    admin = { id: row?.id ?? -1 };
  });

  it('pages every account in creation order for an administrator', async () => {
    const viewer: Viewer = { userId: admin.id, role: 'ADMIN' };
    const first = dataOf(await api.post<{ users: unknown }>(USERS, { page: 1, pageSize: 2 }, viewer)).users;
    expect(first).toEqual({
      items: [
        { id: ada.id, username: 'Ada_L', role: 'CUSTOMER' },
        { id: grace.id, username: 'grace', role: 'CUSTOMER' },
      ],
      totalCount: 3,
      page: 1,
      pageSize: 2,
      hasNextPage: true,
    });
    const second = dataOf(await api.post<{ users: unknown }>(USERS, { page: 2, pageSize: 2 }, viewer)).users;
    expect(second).toEqual({
      items: [{ id: String(admin.id), username: 'root', role: 'ADMIN' }],
      totalCount: 3,
      page: 2,
      pageSize: 2,
      hasNextPage: false,
    });
  });

  it('refuses customers and pharmacists as FORBIDDEN and anonymous callers as UNAUTHENTICATED', async () => {
    for (const role of ['CUSTOMER', 'PHARMACIST'] as const) {
      const error = expectRefusalWithoutData(
        await api.post(USERS, {}, { userId: Number(ada.id), role }),
        'FORBIDDEN',
      );
      expect(error.message).toBe('users requires the role ADMIN');
    }
    expectRefusalWithoutData(await api.post(USERS, {}, null), 'UNAUTHENTICATED');
  });
});

describe('setUserRole (ADMIN only)', () => {
  const roleOf = async (id: string | number) =>
    (await sql<{ role: string }>(service, 'select role from app_user where id = ?', [Number(id)]))[0]?.role;

  it("changes another account's role", async () => {
    const viewer: Viewer = { userId: admin.id, role: 'ADMIN' };
    expect(dataOf(await api.post(SET_ROLE, { userId: grace.id, role: 'PHARMACIST' }, viewer))).toEqual({
      setUserRole: { id: grace.id, role: 'PHARMACIST' },
    });
    expect(await roleOf(grace.id)).toBe('PHARMACIST');
  });

  it('refuses to change the caller’s own role (CONFLICT), an unknown account (NOT_FOUND) and a bad id', async () => {
    const viewer: Viewer = { userId: admin.id, role: 'ADMIN' };
    const own = expectRefusalWithoutData(
      await api.post(SET_ROLE, { userId: String(admin.id), role: 'CUSTOMER' }, viewer),
      'CONFLICT',
    );
    expect(own).toMatchObject({
      message: 'an administrator cannot change their own role',
      extensions: { field: 'userId' },
    });
    expect(await roleOf(admin.id)).toBe('ADMIN');

    const unknown = expectRefusalWithoutData(
      await api.post(SET_ROLE, { userId: '999999', role: 'ADMIN' }, viewer),
      'NOT_FOUND',
    );
    expect(unknown.message).toBe('User 999999 was not found');
    const malformed = expectRefusalWithoutData(
      await api.post(SET_ROLE, { userId: 'abc', role: 'ADMIN' }, viewer),
      'BAD_USER_INPUT',
      'userId',
    );
    expect(malformed.message).toBe('userId: "abc" is not a valid id');
  });

  it('refuses customers and pharmacists as FORBIDDEN, changing nothing', async () => {
    for (const role of ['CUSTOMER', 'PHARMACIST'] as const) {
      const error = expectRefusalWithoutData(
        await api.post(SET_ROLE, { userId: ada.id, role: 'ADMIN' }, { userId: Number(ada.id), role }),
        'FORBIDDEN',
      );
      expect(error.message).toBe('setUserRole requires the role ADMIN');
    }
    expectRefusalWithoutData(
      await api.post(SET_ROLE, { userId: ada.id, role: 'ADMIN' }, null),
      'UNAUTHENTICATED',
    );
    expect(await roleOf(ada.id)).toBe('CUSTOMER');
  });
});

describe('User references (_entities)', () => {
  const reference = (id: string) => ({ representations: [{ __typename: 'User', id }] });

  it('lets a customer resolve their own account only', async () => {
    const viewer: Viewer = { userId: Number(ada.id), role: 'CUSTOMER' };
    expect(dataOf(await api.post(ENTITIES, reference(ada.id), viewer))).toEqual({
      _entities: [{ id: ada.id, username: 'Ada_L', email: 'ada.lovelace@example.com' }],
    });
    const other = await api.post(ENTITIES, reference(String(admin.id)), viewer);
    const error = singleError(other);
    expect(error).toMatchObject({
      message: 'a customer can read only their own account',
      path: ['_entities', 0],
      extensions: { code: 'FORBIDDEN' },
    });
    expect(other.body.data).toEqual({ _entities: [null] });
  });

  it('lets staff resolve any account, and an unknown id resolves to null', async () => {
    for (const role of ['PHARMACIST', 'ADMIN'] as const) {
      const viewer: Viewer = { userId: admin.id, role };
      const { _entities: entities } = dataOf(
        await api.post<{ _entities: unknown[] }>(
          ENTITIES,
          { representations: [ada.id, grace.id, '999999'].map((id) => ({ __typename: 'User', id })) },
          viewer,
        ),
      );
      expect(entities).toEqual([
        { id: ada.id, username: 'Ada_L', email: 'ada.lovelace@example.com' },
        { id: grace.id, username: 'grace', email: 'grace@example.com' },
        null,
      ]);
    }
  });

  it('refuses an anonymous caller', async () => {
    const response = await api.post(ENTITIES, reference(ada.id), null);
    expect(singleError(response).extensions?.code).toBe('UNAUTHENTICATED');
    expect(response.body.data).toEqual({ _entities: [null] });
  });
});

describe('calls that do not come from the router', () => {
  it('refuses a request without a router proof with 401, even with a valid access token', async () => {
    const { accessToken } = dataOf(await login('Ada_L', ADA.password)).login;
    const response = await postGraphQL(service.server.url, ME, undefined, {
      authorization: `Bearer ${accessToken}`,
    });
    expect(response.status).toBe(401);
    expect(response.body).toEqual({
      errors: [
        {
          message: 'this service answers only requests from the router',
          extensions: { code: 'UNAUTHENTICATED' },
        },
      ],
    });
  });
});

describe('ended sessions', () => {
  it('are forgotten a day after they end, with their refresh tokens; live ones stay', async () => {
    const [user] = await sql<{ id: number }>(service, 'select min(id)::int as id from app_user');
    const session = (id: string, ends: string, revoked: string | null) =>
      sql(
        service,
        `insert into user_session (id, user_id, created_at, expires_at, revoked_at)
         values (?, ?, now() - interval '40 days', now() + ?::interval, now() + ?::interval)`,
        [id, user?.id, ends, revoked],
      );
    const [expired, revoked, live] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    // The expired session and its refresh token in one statement: the sweep, running every 200 ms here,
    // may forget the session between two.
    await sql(
      service,
      `with ended as (
         insert into user_session (id, user_id, created_at, expires_at)
         values (?, ?, now() - interval '40 days', now() - interval '2 days') returning id)
       insert into refresh_token (token_hash, session_id, issued_at, expires_at)
       select sha256('gone'::bytea), id, now() - interval '3 days', now() - interval '2 days' from ended`,
      [expired, user?.id],
    );
    await session(revoked, '10 days', '-2 days');
    await session(live, '10 days', null);
    const left = () =>
      sql<{ id: string }>(service, 'select id::text from user_session where id in (?, ?, ?) order by id', [
        expired,
        revoked,
        live,
      ]);
    await waitFor('the ended sessions forgotten', async () =>
      (await left()).length === 1 ? true : undefined,
    );
    expect(await left()).toEqual([{ id: live }]);
    expect(
      await sql(service, `select 1 from refresh_token where token_hash = sha256('gone'::bytea)`),
    ).toEqual([]);
  });
});
