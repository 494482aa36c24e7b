/**
 * `npm start` (through scripts/start.ts, which starts tracing first): the whole supergraph on this machine. Uses the Postgres server that DATABASE_URL (or PG*)
 * points at, else starts an embedded one with its data under .data/postgres. Creates and migrates one
 * database per subgraph, loads the demo data, starts the four subgraphs and the router, and stops
 * everything cleanly on Ctrl-C: the services drain first, the embedded database stops last.
 *
 * At a terminal the logs are pretty-printed and quiet (warnings and errors of the services, the stack's
 * own progress, unless LOG_LEVEL says otherwise); elsewhere, or with LOG_FORMAT=json, one JSON object a line at
 * LOG_LEVEL (info).
 */
import { fileURLToPath } from 'node:url';
import {
  exitOnConfigError,
  LOG_FORMATS,
  LOG_LEVELS,
  readConfig,
  readDemoData,
  type Env,
} from '../lib/config.ts';
import { databaseUrl, ensureDatabase } from '../lib/database.ts';
import { createLogger } from '../lib/logger.ts';
import { postgresServerFromEnv } from '../lib/postgres-server.ts';
import { stopOnSignals } from '../lib/shutdown.ts';
import { shutdownTelemetry } from '../lib/telemetry-sdk.ts';
import { readRouterConfig } from '../router/config.ts';
import { createRouter } from '../router/create-router.ts';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createSubgraphFromEnv } from '../subgraphs/index.ts';
import { SUBGRAPHS, SUBGRAPH_NAMES, type SubgraphName } from '../subgraphs/registry.ts';
import { seedDemoProducts } from '../subgraphs/products/demo-products.ts';
import { seedDemoStockAndOrders } from './demo-orders.ts';
import { seedDemoUsers } from '../subgraphs/users/demo-users.ts';
import { startEmbeddedPostgresApart, type EmbeddedPostgresServer } from './embedded-postgres.ts';

const atTerminal = process.stdout.isTTY === true;
const stackConfig = exitOnConfigError(() =>
  readConfig(process.env, (read) => ({
    embeddedPostgresPort: read.int('EMBEDDED_PG_PORT', 54329, { min: 1, max: 65535 }),
    embeddedPostgresDir: read.string(
      'EMBEDDED_PG_DIR',
      fileURLToPath(new URL('../.data/postgres', import.meta.url)),
    ),
    databasePrefix: read.string('DATABASE_PREFIX', 'pharmacy_'),
    demoData: readDemoData(read, true),
    logFormat: read.oneOf('LOG_FORMAT', LOG_FORMATS, atTerminal ? 'pretty' : 'json'),
    logLevel: process.env.LOG_LEVEL === undefined ? undefined : read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
  })),
);
/** Pretty logs are quiet (the services' warnings and errors) unless LOG_LEVEL says otherwise. */
const servicesLogLevel = stackConfig.logLevel ?? (stackConfig.logFormat === 'pretty' ? 'warn' : 'info');
const logger = createLogger('stack', { level: 'info', format: stackConfig.logFormat });
/** What every service reads, the log settings first so that the caller's variables still win. */
const env: Env = {
  LOG_FORMAT: stackConfig.logFormat,
  LOG_LEVEL: servicesLogLevel,
  ...process.env,
};

let embedded: EmbeddedPostgresServer | undefined;
let serverUrl = postgresServerFromEnv(env);
if (serverUrl === undefined) {
  logger.info(
    { dataDir: stackConfig.embeddedPostgresDir },
    'no DATABASE_URL or PGHOST: starting embedded Postgres',
  );
  embedded = await startEmbeddedPostgresApart({
    dataDir: stackConfig.embeddedPostgresDir,
    port: stackConfig.embeddedPostgresPort,
    persistent: true,
  });
  serverUrl = embedded.url;
}
const server = serverUrl;

/**
 * Everything started so far, closed in reverse order: the router first, the database server last, the
 * tracing's last export after everything.
 */
const running: { close(): Promise<void> }[] = [
  { close: shutdownTelemetry },
  ...(embedded ? [{ close: embedded.stop }] : []),
];
const stopAll = async () => {
  for (const service of running.reverse()) await service.close();
};
stopOnSignals(logger, stopAll);

/** Demo data for a subgraph's database; idempotent, so restarts add nothing. */
async function loadDemoData(name: SubgraphName, orm: MikroORM): Promise<void> {
  const added =
    name === 'products' ? await seedDemoProducts(orm) : name === 'users' ? await seedDemoUsers(orm) : 0;
  if (added > 0) logger.info({ subgraph: name, added }, 'demo data loaded');
}

try {
  // The Postgres event bus (unless EVENT_BUS=pubsub) keeps its queues in a database of its own.
  let busEnv: Record<string, string> = {};
  if ((env.EVENT_BUS ?? 'postgres') === 'postgres' && env.EVENT_BUS_DATABASE_URL === undefined) {
    const eventsDatabase = `${stackConfig.databasePrefix}events`;
    await ensureDatabase(server, eventsDatabase);
    busEnv = { EVENT_BUS_DATABASE_URL: databaseUrl(server, eventsDatabase) };
  }
  const subgraphUrls: Record<string, string> = {};
  // In this order: orders prices its lines from the products subgraph, started before it.
  for (const name of SUBGRAPH_NAMES) {
    const { defaultPort } = SUBGRAPHS[name];
    const database = `${stackConfig.databasePrefix}${name}`;
    await ensureDatabase(server, database);
    const subgraph = await exitOnConfigError(() =>
      createSubgraphFromEnv(name, {
        ...busEnv,
        ...subgraphUrls,
        ...env,
        DATABASE_URL: databaseUrl(server, database),
        PORT: env[`${name.toUpperCase()}_PORT`] ?? String(defaultPort),
        // One port each: METRICS_PORT is the router's.
        METRICS_PORT: env[`${name.toUpperCase()}_METRICS_PORT`],
      }),
    );
    running.push(subgraph);
    subgraphUrls[`${name.toUpperCase()}_URL`] = (await subgraph.listen()).url;
    if (stackConfig.demoData) await loadDemoData(name, subgraph.orm);
  }

  const router = createRouter(
    exitOnConfigError(() => readRouterConfig({ ...busEnv, ...env, ...subgraphUrls })),
  );
  running.push(router);
  const { url } = await router.listen();
  if (stackConfig.demoData) await seedDemoStockAndOrders(url, logger);
  process.stdout.write(
    `\nPharmacy supergraph ready: ${url}\nOpen it in a browser for Apollo Sandbox. Ctrl-C stops everything.\n\n`,
  );
} catch (error) {
  const hint =
    (error as { code?: string }).code === 'EADDRINUSE' ? ' (set PORT or USERS_PORT … INVENTORY_PORT)' : '';
  process.stderr.write(`npm start failed: ${(error as Error).message}${hint}\n`);
  await stopAll();
  process.exit(1);
}
