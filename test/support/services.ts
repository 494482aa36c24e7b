/** Real services on port 0 for tests: a subgraph on its own fresh database, the router in front of them. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pino } from 'pino';
import type { Subgraph } from '../../lib/subgraph.ts';
import type { RunningServer } from '../../lib/http-server.ts';
import type { Viewer } from '../../lib/viewer.ts';
import { issueAccessToken } from '../../subgraphs/users/access-token.ts';
import { seedSession } from '../../subgraphs/users/session-seed.ts';
import { signingKeysFromFile } from '../../subgraphs/users/signing-keys.ts';
import type { Logger } from '../../lib/logger.ts';
import { readRouterConfig } from '../../router/config.ts';
import { createRouter } from '../../router/create-router.ts';
import { createSubgraphFromEnv } from '../../subgraphs/index.ts';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/registry.ts';
import { createMigratedDatabase, type TestDatabase } from './database.ts';
import { TEST_POOLS } from './processes.ts';

export const silentLogger: Logger = pino({ level: 'silent' });

export interface TestSubgraph {
  subgraph: Subgraph;
  server: RunningServer;
  database: TestDatabase;
  stop(): Promise<void>;
}

/**
 * The secret the test router and subgraphs share: strong and made at run time, as production demands, so
 * that production-mode routers in the tests accept it.
 */
export const TEST_ROUTER_SECRET = randomBytes(32).toString('base64url');
export const TEST_TOKEN_SETTINGS = { issuer: 'pharmacy-users', audience: 'pharmacy-api', ttlSeconds: 600 };

/** A temporary signing-key file path for a users subgraph (created on its first start, as in development). */
export async function temporaryKeysFile(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'pharmacy-keys-')), 'jwt-keys.json');
}

/** Deletes a temporary key file and its folder: private keys do not linger in /tmp. */
export async function removeKeysFile(keysFile: string): Promise<void> {
  await rm(dirname(keysFile), { recursive: true, force: true });
}

/**
 * Starts subgraph `name` on a fresh copy of its migrated template (port 0, silent logs, the test router
 * secret); `logger` replaces its JSON logger (to capture what it logs).
 */
export async function startTestSubgraph(
  name: SubgraphName,
  overrides: Record<string, string> = {},
  logger?: Logger,
): Promise<TestSubgraph> {
  const database = await createMigratedDatabase(name);
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: database.url,
    ...TEST_POOLS,
    ROUTER_SECRET: TEST_ROUTER_SECRET,
    // A subgraph of the saga alone keeps its bus in its own database; a stack shares one (startTestStack).
    ...(SAGA_SUBGRAPHS.includes(name) ? { EVENT_BUS_DATABASE_URL: database.url, ...FAST_REDELIVERY } : {}),
    ...overrides,
  };
  // A users subgraph signs tokens with keys from a file; a temporary one unless the caller shares its own.
  const ownKeysFile = name === 'users' && !overrides.JWT_KEYS_FILE ? await temporaryKeysFile() : undefined;
  if (ownKeysFile) env.JWT_KEYS_FILE = ownKeysFile;
  const subgraph = await createSubgraphFromEnv(name, env, logger);
  const server = await subgraph.listen();
  return {
    subgraph,
    server,
    database,
    async stop() {
      await subgraph.close();
      await database.drop();
      if (ownKeysFile) await removeKeysFile(ownKeysFile);
    },
  };
}

/** The subgraphs that publish and consume events. */
const SAGA_SUBGRAPHS: readonly SubgraphName[] = ['orders', 'inventory'];

/** Redeliveries at once, so that a test of a failing event does not wait out a production backoff. */
export const FAST_REDELIVERY = { EVENT_RETRY_DELAY_SECONDS: '0', EVENT_MAX_RETRY_DELAY_SECONDS: '0' };

export interface TestStackOptions {
  /** Router variables (rate limits, limits). */
  routerEnv?: Record<string, string>;
  /**
   * The saga subgraphs' bus variables (EVENT_BUS, PUBSUB_*); by default a Postgres bus on a fresh
   * database of its own.
   */
  busEnv?: Record<string, string>;
}

export interface TestStack {
  routerUrl: string;
  subgraphs: Record<SubgraphName, TestSubgraph>;
  /** Where the users subgraph keeps its signing keys. */
  keysFile: string;
  /** An access token for `viewer`, signed like the users subgraph signs them. */
  tokenFor(viewer: Viewer, ttlSeconds?: number): Promise<string>;
  stop(): Promise<void>;
}

/** Budgets far above what a test sends, for tests that are not about rate limits. */
export const RELAXED_RATE_LIMITS = {
  RATE_LIMIT_LOGIN: '1000/60',
  RATE_LIMIT_LOGIN_PER_ADDRESS: '10000/60',
  RATE_LIMIT_LOGIN_PER_ACCOUNT: '10000/60',
  RATE_LIMIT_REGISTRATIONS: '10000/60',
  LOGIN_BACKOFF_AFTER_FAILURES: '1000',
  RATE_LIMIT_MUTATIONS: '10000/60',
  RATE_LIMIT_QUERIES: '10000/60',
};

/** A Postgres URL where nothing listens (port 1): a connection fails at once. */
export const NO_BUS = 'postgres://postgres@127.0.0.1:1/no-bus';

/** The router environment for a test router in front of the given subgraph URLs. */
export function testRouterEnv(
  urls: Record<string, string>,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    PORT: '0',
    ROUTER_SECRET: TEST_ROUTER_SECRET,
    JWKS_COOLDOWN_MS: '0',
    // A router whose test does not subscribe needs no bus: its alert feed retries this one quietly.
    EVENT_BUS_DATABASE_URL: NO_BUS,
    EVENT_BUS_POOL_MAX: TEST_POOLS.EVENT_BUS_POOL_MAX,
    ...RELAXED_RATE_LIMITS,
    ...urls,
    ...overrides,
  };
}

/**
 * An access token for `viewer`, as the users subgraph with this key file and database would issue it at a
 * login: signed with its keys, for a session of its own in its database (the router checks sessions).
 */
export async function mintAccessToken(
  keysFile: string,
  usersDatabaseUrl: string,
  viewer: Viewer,
  ttlSeconds = 600,
): Promise<string> {
  const sessionId = await seedSession(usersDatabaseUrl, viewer);
  return issueAccessToken({ ...viewer, sessionId }, signingKeysFromFile(keysFile), {
    ...TEST_TOKEN_SETTINGS,
    ttlSeconds,
  });
}

/**
 * The four subgraphs, each on a fresh database, and the router in front of them, all in this process. The
 * saga's subgraphs share a bus and are connected to it when this resolves.
 */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const { routerEnv = {} } = options;
  const keysFile = await temporaryKeysFile();
  const busDatabase = options.busEnv ? undefined : await createMigratedDatabase('events');
  const busEnv = options.busEnv ?? { EVENT_BUS_DATABASE_URL: busDatabase?.url ?? '' };
  const start = (name: SubgraphName, env: Record<string, string> = {}) =>
    startTestSubgraph(name, { JWT_KEYS_FILE: keysFile, ...env });
  const [users, products, inventory] = await Promise.all([
    start('users'),
    start('products'),
    start('inventory', busEnv),
  ]);
  // Orders prices its lines from the products subgraph.
  const orders = await start('orders', { ...busEnv, PRODUCTS_URL: products.server.url });
  const subgraphs: Record<SubgraphName, TestSubgraph> = { users, products, orders, inventory };
  await Promise.all(SAGA_SUBGRAPHS.map((name) => subgraphs[name].subgraph.events?.whenConnected()));
  const urls = Object.fromEntries(
    SUBGRAPH_NAMES.map((name) => [`${name.toUpperCase()}_URL`, subgraphs[name].server.url]),
  );
  const router = createRouter(
    readRouterConfig(testRouterEnv(urls, { ...busEnv, ...routerEnv })),
    silentLogger,
  );
  const server = await router.listen();
  await router.started();
  return {
    routerUrl: server.url,
    subgraphs,
    keysFile,
    tokenFor: (viewer, ttlSeconds) => mintAccessToken(keysFile, users.database.url, viewer, ttlSeconds),
    async stop() {
      await router.close();
      await Promise.all(Object.values(subgraphs).map((subgraph) => subgraph.stop()));
      await busDatabase?.drop();
      await removeKeysFile(keysFile);
    },
  };
}

/** `Authorization` for a token. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
