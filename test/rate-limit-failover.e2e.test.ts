/**
 * The router with its rate-limit counters in Redis, Redis cut off and brought back (a TCP proxy in front
 * of the real server): requests keep being served, every limit keeps holding with each replica counting
 * for itself against its share of the budget (RATE_LIMIT_REPLICAS), /health/dependencies says so, and the
 * shared counters are used again once Redis answers.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { deleteRedisKeys, testRedisPrefix, TEST_REDIS_URL } from './support/redis.ts';
import { dataOf, singleError, postGraphQL } from './support/graphql.ts';
import { startTcpProxy, type TcpProxy } from './support/network.ts';
import { startTestRouter, subgraphUrlEnv, type TestRouter } from './support/routers.ts';
import { bearer, startTestStack, type TestStack } from './support/services.ts';
import { waitFor } from './support/waiting.ts';

const REDIS = new URL(TEST_REDIS_URL);
const PREFIX = testRedisPrefix('rate-limit-failover');

let stack: TestStack;
let proxy: TcpProxy;
let router: TestRouter;

beforeAll(async () => {
  stack = await startTestStack();
  proxy = await startTcpProxy(REDIS.hostname, Number(REDIS.port || 6379));
  router = await startTestRouter(subgraphUrlEnv(stack), {
    REDIS_URL: `redis://${proxy.host}:${proxy.port}`,
    REDIS_KEY_PREFIX: PREFIX,
    RATE_LIMIT_REPLICAS: '2',
    RATE_LIMIT_QUERIES: '4/60',
    RATE_LIMIT_LOGIN: '4/60',
  });
});

afterAll(async () => {
  await router?.close();
  await proxy?.close();
  await stack?.stop();
  await deleteRedisKeys(PREFIX);
});

let users = 500;
const newUser = async () => bearer(await stack.tokenFor({ userId: (users += 1), role: 'CUSTOMER' }));
const categories = (headers: Record<string, string>) =>
  postGraphQL(router.url, '{ categories }', undefined, headers);
const statusesOf = async (count: number, send: () => Promise<{ status: number }>) => {
  const statuses: number[] = [];
  for (let n = 0; n < count; n++) statuses.push((await send()).status);
  return statuses;
};
const redisReport = async () =>
  (
    (await (await fetch(new URL('/health/dependencies', router.url))).json()) as {
      dependencies: Record<string, { ok: boolean; counting?: string }>;
    }
  ).dependencies['rate-limit store (Redis)'];

describe('rate limits while Redis is unreachable', () => {
  it('uses the shared budget while Redis answers (the control)', async () => {
    const user = await newUser();
    expect(await statusesOf(5, () => categories(user))).toEqual([200, 200, 200, 200, 429]);
    expect(await redisReport()).toEqual({ ok: true });
  });

  it('goes on serving with each replica holding half of every budget, login included, and reports it', async () => {
    await proxy.cut();
    const user = await newUser();
    expect(await statusesOf(3, () => categories(user))).toEqual([200, 200, 429]);
    expect(dataOf(await categories(await newUser()))).toEqual({ categories: [] });
    const guesses = await statusesOf(3, () =>
      postGraphQL(
        router.url,
        'mutation { login(username: "failover-victim", password: "guess") { accessToken } }',
      ),
    );
    expect(guesses).toEqual([200, 200, 429]);
    // The dependency report is made at most every 2 s: the one before the cut may still be served.
    await waitFor('the report of the outage', async () => (await redisReport())?.ok === false, 10_000);
    expect(await redisReport()).toMatchObject({
      ok: false,
      counting: 'in each replica, 1/2 of every budget',
    });
  });

  it('shares the budgets in Redis again once it answers', async () => {
    proxy.restore();
    const user = await newUser();
    // The router tries Redis again a few seconds after the failure that switched it over.
    await waitFor(
      'the shared counters',
      async () => {
        const response = await categories(user);
        return response.status === 200 && (await redisReport())?.counting === undefined;
      },
      15_000,
    );
    const fresh = await newUser();
    expect(await statusesOf(5, () => categories(fresh))).toEqual([200, 200, 200, 200, 429]);
    expect(singleError(await categories(fresh)).extensions?.code).toBe('RATE_LIMITED');
  });
});
