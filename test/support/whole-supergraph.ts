/**
 * `npm start` (scripts/start.ts) as the end-to-end files run it: a database per subgraph and one for the bus
 * on the test Postgres server under a prefix of the caller's own, the subgraphs on ports the script picks,
 * the test router secret, a temporary key file and relaxed rate limits.
 */
import { dropDatabase } from '../../lib/database.ts';
import { freePort } from '../../scripts/support/ports.ts';
import { SUBGRAPH_NAMES } from '../../subgraphs/registry.ts';
import { testPostgresServer } from './database.ts';
import { spawnService, type ServiceProcess } from './processes.ts';
import { RELAXED_RATE_LIMITS, TEST_ROUTER_SECRET } from './services.ts';

/** What scripts/start.ts prints once the router answers, with the router's URL. */
export const READY_LINE = /Pharmacy supergraph ready: (http:\/\/\S+)/;

/** The environment of a start whose databases are named `${databasePrefix}<subgraph>`. */
export async function wholeSupergraphEnv(
  databasePrefix: string,
  keysFile: string,
): Promise<Record<string, string>> {
  return {
    DATABASE_URL: testPostgresServer(),
    DATABASE_PREFIX: databasePrefix,
    PORT: String(await freePort()),
    // Port 0: the script hands each subgraph's real URL to the router, and no port picked in advance can be
    // taken in the meantime by another test's connection.
    USERS_PORT: '0',
    PRODUCTS_PORT: '0',
    ORDERS_PORT: '0',
    INVENTORY_PORT: '0',
    LOG_LEVEL: 'warn',
    // Shared by the router and every subgraph the script starts (it passes its environment to each).
    ROUTER_SECRET: TEST_ROUTER_SECRET,
    JWT_KEYS_FILE: keysFile,
    ...RELAXED_RATE_LIMITS,
  };
}

/** Runs scripts/start.ts with `env` until it says it is ready. */
export async function startWholeSupergraph(
  env: Record<string, string>,
  startupMs: number,
): Promise<{ stack: ServiceProcess; url: string }> {
  const stack = spawnService('scripts/start.ts', env);
  const [, url = ''] = await stack.waitForOutput(READY_LINE, startupMs);
  return { stack, url };
}

/** Drops the databases that starts under `databasePrefix` made. */
export async function dropWholeSupergraphDatabases(databasePrefix: string): Promise<void> {
  const server = testPostgresServer();
  await Promise.all(
    [...SUBGRAPH_NAMES, 'events'].map((name) => dropDatabase(server, `${databasePrefix}${name}`)),
  );
}
