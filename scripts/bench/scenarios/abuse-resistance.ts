/**
 * Scenario 8, abuse resistance: what an anonymous client sending logins with huge, ever-new usernames from
 * ever-new addresses costs a router with the production rate limits, once with the in-memory stores and
 * once with Redis. Before the limits were bounded, 1,000 such logins grew a router from 353 MB to 720 MB.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { freePort } from '../../support/ports.ts';
import { fixed, graphqlBody, newScenario, ratio, type ScenarioResult } from '../results.ts';
import { retainedMemory } from '../inspector.ts';
import { peakMemoryMb, resetPeakMemory } from '../proc-stats.ts';
import { startExtraRouter } from '../stack.ts';
import type { StackContext } from '../settings.ts';

const LOGIN =
  'mutation Login($username: String!, $password: String!) { login(username: $username, password: $password) { accessToken } }';
const USERNAME_BYTES = 90_000;
/** The answers a refused login may get: anything else (a 5xx, another code) is wrong. */
const EXPECTED_CODES = new Set(['RATE_LIMITED', 'BAD_USER_INPUT', 'UNAUTHENTICATED']);
/** The longest rate-limit window of the production rules (registration: an hour), in ms. */
const LONGEST_WINDOW_MS = 3_600_000;
const MEMORY_GROWTH_TARGET_MB = 50;
const KEY_LENGTH_TARGET = 128;

interface AbuseRun {
  store: string;
  requests: number;
  answers: Map<string, number>;
  wrong: number;
  /** Heap in use after a full collection, after the logins minus before them. */
  retainedMb: number;
  /** Resident memory after the logins (before the collection) minus before them. */
  residentGrowthMb: number;
  peakMb: number;
  seconds: number;
}

/** A login of its own: a new 90 KB username from a new address (behind one trusted proxy). */
function abusiveLogin(index: number): { body: string; address: string } {
  const username = `${index.toString(36)}-`.padEnd(USERNAME_BYTES, 'x');
  const address = `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
  return { body: graphqlBody(LOGIN, { username, password: 'not-the-password' }), address };
}

/** Sends logins `from`..`to` with `connections` in flight; counts each answer by its error code. */
async function sendLogins(
  url: string,
  from: number,
  to: number,
  connections: number,
  answers: Map<string, number>,
): Promise<number> {
  let next = from;
  let wrong = 0;
  const worker = async () => {
    while (next < to) {
      const { body, address } = abusiveLogin(next++);
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
        body,
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      let code = `HTTP ${response.status}`;
      try {
        const json = JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] };
        code = json.errors?.[0]?.extensions?.code ?? code;
      } catch {
        // Not JSON: counted by its status.
      }
      answers.set(code, (answers.get(code) ?? 0) + 1);
      if (!EXPECTED_CODES.has(code)) wrong += 1;
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  return wrong;
}

async function redisReachable(url: string): Promise<Redis | undefined> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2_000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch {
    redis.disconnect();
    return undefined;
  }
}

export async function abuseResistance(ctx: StackContext): Promise<ScenarioResult> {
  const { stack, settings } = ctx;
  const { profile } = settings;
  const logins = profile.abuseLogins;
  const scenario = newScenario(
    8,
    'Abuse resistance',
    `${logins.toLocaleString('en')} anonymous logins, each with a new ${USERNAME_BYTES / 1000} KB username from a new ` +
      `address (X-Forwarded-For behind one trusted proxy), ${profile.connections} in flight, against a router of its ` +
      'own with the production rate limits: once with the in-memory stores, once with Redis. Growth is the ' +
      "router's heap in use after a full garbage collection (asked for over the inspector) after the logins minus " +
      'before them, after a warm-up of a tenth as many; resident growth and peak show what was not yet collected.',
  );
  const redisPrefix = `bench:abuse:${randomBytes(4).toString('hex')}:`;
  const redis = await redisReachable(settings.redisUrl);
  const runs: AbuseRun[] = [];
  const stores = [
    { store: 'memory', env: {} as Record<string, string> },
    ...(redis
      ? [{ store: 'Redis', env: { REDIS_URL: settings.redisUrl, REDIS_KEY_PREFIX: redisPrefix } }]
      : []),
  ];
  try {
    for (const { store, env } of stores) {
      const inspectPort = await freePort();
      const { service: router, url } = await startExtraRouter(stack, {
        name: `abuse-router-${store.toLowerCase()}`,
        env: { ...env, TRUSTED_PROXY_HOPS: '1' },
        logDir: ctx.workDir,
        nodeArgs: [`--inspect=127.0.0.1:${inspectPort}`],
      });
      try {
        const answers = new Map<string, number>();
        const warmUp = Math.ceil(logins / 10);
        await sendLogins(url, 0, warmUp, profile.connections, answers);
        answers.clear();
        const before = await retainedMemory(inspectPort);
        resetPeakMemory(router.pid);
        const started = performance.now();
        const wrong = await sendLogins(url, warmUp, warmUp + logins, profile.connections, answers);
        const seconds = (performance.now() - started) / 1000;
        const peakMb = peakMemoryMb(router.pid);
        const after = await retainedMemory(inspectPort);
        runs.push({
          store,
          requests: logins,
          answers,
          wrong,
          retainedMb: after.heapUsedMb - before.heapUsedMb,
          residentGrowthMb: after.residentMb - before.residentMb,
          peakMb,
          seconds,
        });
      } finally {
        await router.stop();
      }
    }

    for (const run of runs) {
      scenario.checks.push({
        name: `${run.store} stores: every login refused with RATE_LIMITED, BAD_USER_INPUT or UNAUTHENTICATED`,
        ok: run.wrong === 0,
        detail: JSON.stringify(Object.fromEntries(run.answers)),
      });
      scenario.ratios.push(
        ratio(
          `router memory retained, ${run.store} stores (MB)`,
          run.retainedMb,
          { atMost: MEMORY_GROWTH_TARGET_MB },
          fixed(1),
          'the rate-limit state grows with the usernames or addresses a client makes up',
        ),
      );
    }
    scenario.tables.push({
      title: 'Logins with made-up 90 KB usernames from made-up addresses',
      headers: [
        'stores',
        'logins',
        'logins/s',
        'answers',
        'heap retained (MB)',
        'resident growth (MB)',
        'peak resident (MB)',
      ],
      rows: runs.map((run) => [
        run.store,
        run.requests,
        (run.requests / run.seconds).toFixed(0),
        [...run.answers].map(([code, count]) => `${code} ${count}`).join(', '),
        run.retainedMb.toFixed(1),
        run.residentGrowthMb.toFixed(1),
        run.peakMb.toFixed(0),
      ]),
    });

    if (redis) {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [nextCursor, batch] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 1000);
        cursor = nextCursor;
        keys.push(...batch);
      } while (cursor !== '0');
      const ttls = await Promise.all(keys.map((key) => redis.pttl(key)));
      const longestKey = Math.max(0, ...keys.map((key) => Buffer.byteLength(key)));
      const lasting = ttls.filter((ttl) => ttl < 0 || ttl > LONGEST_WINDOW_MS).length;
      scenario.checks.push({
        name: 'every Redis key the logins left expires within its window',
        ok: lasting === 0,
        detail: `${keys.length} keys, ${lasting} without an expiry within ${LONGEST_WINDOW_MS / 1000} s`,
      });
      scenario.ratios.push(
        ratio(
          'longest Redis key (bytes)',
          longestKey,
          { atMost: KEY_LENGTH_TARGET },
          fixed(0),
          'a client-written string reaches a Redis key',
        ),
      );
      scenario.notes.push(
        `Redis kept ${keys.length.toLocaleString('en')} keys for ${(logins + Math.ceil(logins / 10)).toLocaleString('en')} ` +
          'logins from as many addresses: one per address and rule, plus the login guard’s, each expiring with ' +
          `its window; the longest is ${longestKey} bytes whatever the username’s length.`,
      );
      if (keys.length > 0) await redis.unlink(...keys);
    } else {
      scenario.notes.push(`No Redis at ${settings.redisUrl}: the Redis stores were not measured.`);
    }
  } finally {
    redis?.disconnect();
  }
  return scenario;
}
