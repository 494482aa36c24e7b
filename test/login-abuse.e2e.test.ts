/**
 * Login and registration limits keyed on who is guessing and who is guessed, whatever token is sent:
 * per client address and username, per address across usernames, per username across addresses, the
 * back-off of an account under attack (its owner still gets in), registration per address, IPv6 clients
 * by their /64, and state that stays bounded however long the usernames a client sends.
 *
 * The routers here trust one proxy (TRUSTED_PROXY_HOPS=1), so each request says its client address in
 * X-Forwarded-For, as a load balancer would.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { deleteRedisKeys, routerRedisEnv, testRedisPrefix, TEST_REDIS_URL } from './support/redis.ts';
import { dataOf, singleError, postGraphQL, type GraphQLResponse } from './support/graphql.ts';
import { startTestRouter, subgraphUrlEnv, type TestRouter } from './support/routers.ts';
import { bearer, startTestStack, type TestStack } from './support/services.ts';
import { sleep } from './support/waiting.ts';

const REDIS_URL = TEST_REDIS_URL;
const REDIS_PREFIX = testRedisPrefix('login-abuse');

const LOGIN = `mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) { accessToken }
}`;
const REGISTER = 'mutation Register($input: RegisterInput!) { register(input: $input) { id } }';

let stack: TestStack;
const routers: TestRouter[] = [];

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await Promise.all(routers.map((router) => router.close()));
  await stack?.stop();
  await deleteRedisKeys(REDIS_PREFIX);
});

/** A router behind one trusted proxy with these limits; closed after the file. */
async function router(env: Record<string, string>): Promise<TestRouter> {
  const started = await startTestRouter(subgraphUrlEnv(stack), { TRUSTED_PROXY_HOPS: '1', ...env });
  routers.push(started);
  return started;
}

const from = (address: string, headers: Record<string, string> = {}) => ({
  'x-forwarded-for': address,
  ...headers,
});

function login(url: string, username: string, password: string, headers: Record<string, string>) {
  return postGraphQL(url, LOGIN, { username, password }, headers);
}

async function register(username: string, password = 'correct-horse-battery'): Promise<void> {
  dataOf(
    await postGraphQL(stack.routerUrl, REGISTER, {
      input: { email: `${username}@example.com`, username, password },
    }),
  );
}

function expectWrongPassword(response: GraphQLResponse): void {
  expect(response.status).toBe(200);
  expect(singleError(response)).toMatchObject({
    message: 'invalid username or password',
    extensions: { code: 'UNAUTHENTICATED' },
  });
}

/** A RATE_LIMITED refusal of `field`; returns its retry-after in seconds. */
function expectRateLimited(response: GraphQLResponse, field: string): number {
  expect(response.status).toBe(429);
  const error = singleError(response);
  expect(error.extensions).toMatchObject({ code: 'RATE_LIMITED', field });
  expect(response.headers.get('retry-after')).toBe(String(error.extensions?.retryAfter));
  return Number(error.extensions?.retryAfter);
}

/** Tokens of freshly registered customers, as an attacker with open registration would hold. */
async function tokensOfNewAccounts(count: number): Promise<Record<string, string>[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, n) => {
      const username = `sock-${n}-${randomUUID().slice(0, 8)}`;
      await register(username);
      const response = await login(stack.routerUrl, username, 'correct-horse-battery', {});
      return bearer(
        dataOf(response as GraphQLResponse<{ login: { accessToken: string } }>).login.accessToken,
      );
    }),
  );
}

describe('guesses at one account from one address', () => {
  it('are limited per address and username whatever token is sent: tokens do not multiply the budget', async () => {
    const limited = await router({ RATE_LIMIT_LOGIN: '4/60' });
    await register('guessed-one');
    for (let guess = 1; guess <= 4; guess++)
      expectWrongPassword(await login(limited.url, 'guessed-one', `guess-${guess}`, from('203.0.113.10')));
    expectRateLimited(await login(limited.url, 'guessed-one', 'guess-5', from('203.0.113.10')), 'login');
    for (const token of await tokensOfNewAccounts(4)) {
      expectRateLimited(
        await login(limited.url, 'guessed-one', 'another-guess', from('203.0.113.10', token)),
        'login',
      );
    }
  });
});

describe('guesses from one address across accounts', () => {
  it('are limited per address, whatever the usernames, while another address keeps its budget', async () => {
    const limited = await router({ RATE_LIMIT_LOGIN_PER_ADDRESS: '6/60' });
    for (let n = 1; n <= 6; n++)
      expectWrongPassword(await login(limited.url, `nobody-${n}`, 'guess', from('203.0.113.20')));
    expectRateLimited(await login(limited.url, 'nobody-7', 'guess', from('203.0.113.20')), 'login');
    const [token] = await tokensOfNewAccounts(1);
    expectRateLimited(await login(limited.url, 'nobody-8', 'guess', from('203.0.113.20', token)), 'login');
    expectWrongPassword(await login(limited.url, 'nobody-7', 'guess', from('203.0.113.21')));
  });

  it('count an IPv6 client by its /64: another address of the same /64 shares the budget, another /64 does not', async () => {
    const limited = await router({ RATE_LIMIT_LOGIN_PER_ADDRESS: '3/60' });
    const sameNetwork = ['2001:db8:aa:bb::1', '2001:db8:aa:bb::2', '2001:db8:aa:bb:abcd:1234:5678:9abc'];
    for (const [n, address] of sameNetwork.entries()) {
      expectWrongPassword(await login(limited.url, `v6-${n}`, 'guess', from(address)));
    }
    expectRateLimited(await login(limited.url, 'v6-4', 'guess', from('2001:db8:aa:bb:ffff::4')), 'login');
    expectWrongPassword(await login(limited.url, 'v6-4', 'guess', from('2001:db8:aa:bc::4')));
  });
});

describe('guesses at one account from many addresses', () => {
  it('are limited per username across every address', async () => {
    const limited = await router({ RATE_LIMIT_LOGIN_PER_ACCOUNT: '5/60' });
    await register('guessed-many');
    for (let n = 1; n <= 5; n++)
      expectWrongPassword(await login(limited.url, 'guessed-many', 'guess', from(`198.51.100.${n}`)));
    expectRateLimited(await login(limited.url, 'GUESSED-MANY ', 'guess', from('198.51.100.99')), 'login');
  });

  it('cannot lock the owner out: on an address they logged in from, the budget across addresses does not apply', async () => {
    const limited = await router({ RATE_LIMIT_LOGIN_PER_ACCOUNT: '3/60', RATE_LIMIT_LOGIN: '5/60' });
    const password = 'owner-password-2';
    await register('kept-out', password);
    const owner = from('192.0.2.60');
    dataOf(await login(limited.url, 'kept-out', password, owner));
    // With the owner's first login, guesses from two addresses spend the account's budget of 3.
    for (const n of [1, 2])
      expectWrongPassword(await login(limited.url, 'kept-out', 'guess', from(`198.51.100.${50 + (n % 2)}`)));
    expectRateLimited(await login(limited.url, 'kept-out', 'guess', from('198.51.100.52')), 'login');
    expectRateLimited(await login(limited.url, 'kept-out', password, from('198.51.100.53')), 'login');
    // The owner still gets in, again and again, from where they logged in before.
    dataOf(await login(limited.url, 'kept-out', password, owner));
    dataOf(await login(limited.url, 'kept-out', password, owner));
  });

  it('make unknown addresses back off, longer with each failure, while the owner on a known address gets in', async () => {
    const limited = await router({ LOGIN_BACKOFF_AFTER_FAILURES: '3', LOGIN_BACKOFF_BASE_SECONDS: '2' });
    const password = 'owner-password-1';
    await register('attacked', password);
    const owner = from('192.0.2.50');
    dataOf(await login(limited.url, 'attacked', password, owner));

    for (let n = 1; n <= 3; n++)
      expectWrongPassword(await login(limited.url, 'attacked', 'guess', from(`198.51.100.${10 + n}`)));
    expect(
      expectRateLimited(await login(limited.url, 'attacked', 'guess', from('198.51.100.20')), 'login'),
    ).toBe(2);
    // The right password from an unknown address waits too: the attacker cannot tell.
    expectRateLimited(await login(limited.url, 'attacked', password, from('198.51.100.21')), 'login');
    // The owner, on an address they logged in from, is not locked out.
    dataOf(await login(limited.url, 'attacked', password, owner));

    // Their success forgot the failures; three more start the back-off again, and each further one doubles it.
    for (let n = 1; n <= 3; n++)
      expectWrongPassword(await login(limited.url, 'attacked', 'guess', from(`198.51.100.${30 + n}`)));
    expectRateLimited(await login(limited.url, 'attacked', 'guess', from('198.51.100.40')), 'login');
    await sleep(2_100);
    expectWrongPassword(await login(limited.url, 'attacked', 'guess', from('198.51.100.41')));
    expect(
      expectRateLimited(await login(limited.url, 'attacked', 'guess', from('198.51.100.42')), 'login'),
    ).toBe(4);
    // After the back-off anyone may try again, the owner from a new address included.
    await sleep(4_100);
    dataOf(await login(limited.url, 'attacked', password, from('192.0.2.77')));
  });
});

describe('registration', () => {
  it('is limited per client address, whatever token is sent', async () => {
    const limited = await router({ RATE_LIMIT_REGISTRATIONS: '2/60' });
    const [token] = await tokensOfNewAccounts(1);
    const signUp = (username: string, headers: Record<string, string>) =>
      postGraphQL(
        limited.url,
        REGISTER,
        { input: { email: `${username}@example.com`, username, password: 'correct-horse-battery' } },
        headers,
      );
    dataOf(await signUp('reg-a', from('203.0.113.30')));
    dataOf(await signUp('reg-b', from('203.0.113.30', token)));
    expectRateLimited(await signUp('reg-c', from('203.0.113.30')), 'register');
    expectRateLimited(await signUp('reg-c', from('203.0.113.30', token)), 'register');
    dataOf(await signUp('reg-c', from('203.0.113.31')));
  });
});

describe('limiter state', () => {
  it('holds no username a client sent and stays bounded, however many and however long the usernames', async () => {
    const prefix = `${REDIS_PREFIX}bounded:`;
    const limited = await router({
      ...routerRedisEnv(prefix),
      RATE_LIMIT_LOGIN_PER_ADDRESS: '20/60',
      RATE_LIMIT_LOGIN: '5/60',
      RATE_LIMIT_LOGIN_PER_ACCOUNT: '5/60',
    });
    const huge = (n: number) => `${'x'.repeat(90_000)}-${n}`;
    const statuses: number[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          login(limited.url, huge(batch * 20 + n), 'guess', from('203.0.113.40')),
        ),
      );
      statuses.push(...responses.map((response) => response.status));
    }
    // The address's budget admits 20 attempts (refused by the users subgraph as malformed usernames);
    // every other attempt is refused by the router before any other rule counts it.
    expect(statuses.filter((status) => status === 429)).toHaveLength(180);
    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${prefix}*`);
      // One key for the address, and for each admitted attempt one per address and username, one per
      // username and one for the username's failures (the back-off): at most 1 + 3 × 20, each short, each
      // expiring when it no longer counts.
      expect(keys.length).toBeLessThanOrEqual(61);
      expect(Math.max(...keys.map((key) => key.length))).toBeLessThan(prefix.length + 80);
      for (const key of keys) expect(await redis.pttl(key)).toBeGreaterThan(0);
    } finally {
      await redis.quit();
    }
  });
});
