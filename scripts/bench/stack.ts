/**
 * The pharmacy supergraph as the bench runs it: the router and the four subgraphs, each its own process
 * started as the image starts it (scripts/serve.ts, NODE_ENV=production), on fresh bench databases that
 * are migrated, loaded with the data set and dropped at the end.
 *
 * Beside it runs a probe lane: a second router and products, orders and inventory processes on the same
 * databases, whose subgraph requests and SQL statements pass through counting proxies. Counts are read
 * there; speed is measured on the main lane, which has no extra hop.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseUrl, dropDatabase, ensureDatabase } from '../../lib/database.ts';
import { createLogger } from '../../lib/logger.ts';
import type { Viewer } from '../../lib/viewer.ts';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/registry.ts';
import { issueAccessToken } from '../../subgraphs/users/access-token.ts';
import { seedSession } from '../../subgraphs/users/session-seed.ts';
import { ensureSigningKeys, signingKeysFromFile } from '../../subgraphs/users/signing-keys.ts';
import { freePort } from '../support/ports.ts';
import { scrapeMetrics } from '../support/prometheus.ts';
import { sqlAt } from '../support/sql.ts';
import { startPubSubEmulator, type PubSubEmulator } from '../support/pubsub-emulator.ts';
import { migrateSubgraphs } from '../database-migrations.ts';
import { countingHttpProxy, countingPostgresProxy, type CountingProxy } from './counting-proxies.ts';
import {
  createRawCommitTables,
  loadInventory,
  loadOrders,
  loadProducts,
  loadUsers,
  type DataSetSize,
} from './data-set.ts';
import { graphqlBody, postGraphQL } from './results.ts';
import { startService, waitForReady, type MeasuredProcess, type Service } from './services.ts';

export type BusKind = 'postgres' | 'pubsub';

/** Subgraphs that run on the probe lane (the users subgraph serves both lanes). */
export const PROBED_SUBGRAPHS = ['products', 'orders', 'inventory'] as const;
export type ProbedSubgraph = (typeof PROBED_SUBGRAPHS)[number];

/** Budgets far above the bench's load: the limits are checked on every request, never hit. */
export const ADMITTING_RATE_LIMITS = {
  // Per second, far above any load here: the limiter keeps each call's time within the window, so its work
  // per call grows with the calls a window holds (a minute at benchmark rates would hold tens of thousands).
  RATE_LIMIT_QUERIES: '20000/1',
  RATE_LIMIT_MUTATIONS: '20000/1',
  RATE_LIMIT_LOGIN: '1000/60',
};

/** A Postgres URL where nothing listens: what connects to it never relays or consumes events. */
export const NO_BUS = 'postgres://postgres@127.0.0.1:1/no-bus';

export interface StackOptions {
  serverUrl: string;
  size: DataSetSize;
  bus: BusKind;
  logDir: string;
  logLevel: string;
  /** DB_POOL_MAX of each subgraph. */
  dbPoolMax: number;
}

export interface PharmacyStack {
  routerUrl: string;
  probeRouterUrl: string;
  subgraphUrls: Record<SubgraphName, string>;
  databaseUrls: Record<SubgraphName | 'events' | 'raw', string>;
  routerSecret: string;
  /** Environment shared by every router (the bus). */
  busEnv: Record<string, string>;
  /** A router's environment in front of the stack's subgraphs, with the production rate limits (no PORT). */
  routerEnv: Record<string, string>;
  services: Record<SubgraphName | 'router', Service>;
  /** The bus's own process, when it is one of the stack's (the Pub/Sub emulator). */
  busProcess?: MeasuredProcess;
  probe: Record<ProbedSubgraph | 'router', Service>;
  /** Subgraph requests from the probe router, per subgraph. */
  requestCounters: Record<ProbedSubgraph, CountingProxy>;
  /** SQL statements from the probe subgraphs, per database. */
  statementCounters: Record<ProbedSubgraph, CountingProxy>;
  tokenFor(viewer: Viewer): Promise<string>;
  /** Adds products to the catalogue (ids `from`..`to`). */
  growCatalogue(from: number, to: number): Promise<void>;
  /**
   * Waits until the products subgraph's search index holds every active product (its metric), as it does
   * once built after a change: a build starts with the first search that finds the index behind.
   */
  searchIndexBuilt(): Promise<void>;
  /** Stops every process, then drops the databases. */
  stop(): Promise<void>;
}

const graphqlUrl = (port: number) => `http://127.0.0.1:${port}/graphql`;

export interface ExtraRouter {
  service: Service;
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts what a scenario compares side by side; if any cannot start, those that did are stopped before the
 * first failure is thrown, so a scenario has one clean-up path: stopping them all when it is done.
 */
export async function startTogether<T extends readonly ({ stop(): Promise<void> } | undefined)[]>(
  starts: readonly [...{ [K in keyof T]: Promise<T[K]> }],
): Promise<T> {
  const started = await Promise.allSettled(starts);
  const failure = started.find((each): each is PromiseRejectedResult => each.status === 'rejected');
  if (failure) {
    await Promise.all(started.map((each) => (each.status === 'fulfilled' ? each.value?.stop() : undefined)));
    throw failure.reason;
  }
  return started.map((each) => (each as PromiseFulfilledResult<T[number]>).value) as unknown as T;
}

/**
 * Another router in front of the stack's subgraphs, started as the image starts it, ready when returned;
 * the caller stops it. `env` overrides the stack router's (production rate limits unless given).
 */
export async function startExtraRouter(
  stack: PharmacyStack,
  options: { name: string; env: Record<string, string>; logDir: string; nodeArgs?: string[] },
): Promise<ExtraRouter> {
  const port = await freePort();
  const url = graphqlUrl(port);
  const service = startService({
    name: options.name,
    args: [...(options.nodeArgs ?? []), 'scripts/serve.ts', 'router'],
    env: { ...stack.routerEnv, ...options.env, PORT: String(port) },
    logDir: options.logDir,
  });
  try {
    await waitForReady(service, url, 60_000);
  } catch (error) {
    await service.stop();
    throw error;
  }
  return { service, url, stop: () => service.stop() };
}

export async function startPharmacyStack(options: StackOptions): Promise<PharmacyStack> {
  const logger = createLogger('bench', { level: 'warn', stream: 'stderr' });
  const tag = `bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  const names = [...SUBGRAPH_NAMES, 'events', 'raw'] as const;
  const databaseUrls = Object.fromEntries(
    names.map((name) => [name, databaseUrl(options.serverUrl, `${tag}_${name}`)]),
  ) as PharmacyStack['databaseUrls'];
  const cleanups: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    await Promise.all(names.map((name) => ensureDatabase(options.serverUrl, `${tag}_${name}`)));
    cleanups.push(async () => {
      await Promise.all(names.map((name) => dropDatabase(options.serverUrl, `${tag}_${name}`)));
    });
    await migrateSubgraphs(
      SUBGRAPH_NAMES.map((subgraph) => ({ subgraph, databaseUrl: databaseUrls[subgraph] })),
      logger,
    );
    await Promise.all([
      loadUsers(databaseUrls.users, options.size.users),
      loadProducts(databaseUrls.products, 1, options.size.products),
      loadInventory(databaseUrls.inventory, options.size.products),
      loadOrders(databaseUrls.orders, options.size),
      createRawCommitTables(databaseUrls.raw),
    ]);

    const keysDir = await mkdtemp(join(tmpdir(), 'pharmacy-bench-keys-'));
    cleanups.push(() => rm(keysDir, { recursive: true, force: true }));
    const keysFile = join(keysDir, 'jwt-keys.json');
    await ensureSigningKeys(keysFile);
    const signingKeys = signingKeysFromFile(keysFile);

    let emulator: PubSubEmulator | undefined;
    if (options.bus === 'pubsub') {
      emulator = await startPubSubEmulator();
      cleanups.push(() => (emulator as PubSubEmulator).stop());
    }
    const busEnv: Record<string, string> = emulator
      ? { EVENT_BUS: 'pubsub', PUBSUB_EMULATOR_HOST: emulator.host, PUBSUB_PROJECT_ID: emulator.projectId }
      : {
          EVENT_BUS: 'postgres',
          EVENT_BUS_DATABASE_URL: databaseUrls.events,
          EVENT_BUS_POOL_MAX: String(Math.min(options.dbPoolMax, 5)),
        };

    const routerSecret = randomBytes(32).toString('base64url');
    const common = {
      NODE_ENV: 'production',
      LOG_LEVEL: options.logLevel,
      HOST: '127.0.0.1',
      ROUTER_SECRET: routerSecret,
      MIGRATE_ON_START: 'false',
    };
    const ports = Object.fromEntries(
      await Promise.all(['router', ...SUBGRAPH_NAMES].map(async (name) => [name, await freePort()])),
    ) as Record<SubgraphName | 'router', number>;
    const productsMetricsPort = await freePort();
    const subgraphUrls = Object.fromEntries(
      SUBGRAPH_NAMES.map((name) => [name, graphqlUrl(ports[name])]),
    ) as Record<SubgraphName, string>;
    const urlEnv = (urls: Record<string, string>) =>
      Object.fromEntries(Object.entries(urls).map(([name, url]) => [`${name.toUpperCase()}_URL`, url]));
    const routerEnv = {
      ...common,
      ...busEnv,
      // The load driver holds every subscriber from one address, with a handful of users.
      SUBSCRIPTION_MAX_CONNECTIONS: '20000',
      SUBSCRIPTION_MAX_CONNECTIONS_PER_ADDRESS: '20000',
      SUBSCRIPTION_MAX_CONNECTIONS_PER_USER: '20000',
      // The scenarios send their own text (and scenario 8 an attacker's): trusted documents are allowed,
      // not enforced; scenarios 1 and 2 measure hashes against text on this router.
      TRUSTED_DOCUMENTS: 'allow',
    };

    const serve = (name: string, service: string, env: Record<string, string>) => {
      const started = startService({
        name,
        args: ['scripts/serve.ts', service],
        env,
        logDir: options.logDir,
      });
      cleanups.push(() => started.stop());
      return started;
    };
    const subgraphEnv = (name: SubgraphName): Record<string, string> => ({
      ...common,
      PORT: String(ports[name]),
      DATABASE_URL: databaseUrls[name],
      DB_POOL_MAX: String(options.dbPoolMax),
      ...(name === 'users' ? { JWT_KEYS_FILE: keysFile } : {}),
      ...(name === 'orders' ? { PRODUCTS_URL: subgraphUrls.products } : {}),
      ...(name === 'orders' || name === 'inventory' ? busEnv : {}),
    });
    const services = Object.fromEntries(
      SUBGRAPH_NAMES.map((name) => [
        name,
        serve(name, name, {
          ...subgraphEnv(name),
          // Scenario 6 reads its search index's size there.
          ...(name === 'products' ? { METRICS_PORT: String(productsMetricsPort) } : {}),
        }),
      ]),
    ) as Record<SubgraphName | 'router', Service>;
    services.router = serve('router', 'router', {
      ...routerEnv,
      ...ADMITTING_RATE_LIMITS,
      PORT: String(ports.router),
      ...urlEnv(subgraphUrls),
    });

    // The probe lane: its subgraphs reach Postgres and its router reaches them through counting proxies.
    const server = new URL(options.serverUrl);
    const statementCounters = {} as Record<ProbedSubgraph, CountingProxy>;
    const requestCounters = {} as Record<ProbedSubgraph, CountingProxy>;
    const probe = {} as Record<ProbedSubgraph | 'router', Service>;
    for (const name of PROBED_SUBGRAPHS) {
      const sql = await countingPostgresProxy(server.hostname, Number(server.port || 5432));
      cleanups.push(() => sql.close());
      statementCounters[name] = sql;
      const probeUrl = new URL(databaseUrls[name]);
      probeUrl.host = sql.url;
      const port = await freePort();
      probe[name] = serve(`probe-${name}`, name, {
        ...subgraphEnv(name),
        PORT: String(port),
        DATABASE_URL: probeUrl.toString(),
        DB_POOL_MAX: '3',
        ...(name === 'products' ? {} : { EVENT_BUS: 'postgres', EVENT_BUS_DATABASE_URL: NO_BUS }),
        // Every statement through the proxy counts as the operation's: the stale-order sweep (every 30 s by
        // default) once landed in a counted window and read as 5 → 5.8 → 5 statements per operation.
        ...(name === 'orders' ? { STALE_ORDER_SWEEP_INTERVAL_SECONDS: '3600' } : {}),
      });
      const http = await countingHttpProxy(graphqlUrl(port));
      cleanups.push(() => http.close());
      requestCounters[name] = http;
    }
    const probeRouterPort = await freePort();
    probe.router = serve('probe-router', 'router', {
      ...routerEnv,
      ...ADMITTING_RATE_LIMITS,
      PORT: String(probeRouterPort),
      ...urlEnv({
        users: subgraphUrls.users,
        ...Object.fromEntries(PROBED_SUBGRAPHS.map((name) => [name, requestCounters[name].url])),
      }),
    });

    const routerUrl = graphqlUrl(ports.router);
    const probeRouterUrl = graphqlUrl(probeRouterPort);
    await Promise.all([
      ...SUBGRAPH_NAMES.map((name) => waitForReady(services[name], subgraphUrls[name], 120_000)),
      ...PROBED_SUBGRAPHS.map((name) => waitForReady(probe[name], requestCounters[name].url, 120_000)),
    ]);
    await Promise.all([
      waitForReady(services.router, routerUrl, 60_000),
      waitForReady(probe.router, probeRouterUrl, 60_000),
    ]);
    return {
      routerUrl,
      probeRouterUrl,
      subgraphUrls,
      databaseUrls,
      routerSecret,
      busEnv,
      routerEnv: { ...routerEnv, ...urlEnv(subgraphUrls) },
      services,
      ...(emulator?.pid === undefined ? {} : { busProcess: { name: 'Pub/Sub emulator', pid: emulator.pid } }),
      probe,
      requestCounters,
      statementCounters,
      // A session of its own for each token, as a login would start (the router checks sessions).
      tokenFor: async (viewer) =>
        issueAccessToken(
          { ...viewer, sessionId: await seedSession(databaseUrls.users, viewer) },
          signingKeys,
          {
            issuer: 'pharmacy-users',
            audience: 'pharmacy-api',
            ttlSeconds: 600,
          },
        ),
      growCatalogue: (from, to) => loadProducts(databaseUrls.products, from, to),
      searchIndexBuilt: () =>
        searchIndexBuilt(databaseUrls.products, `http://127.0.0.1:${productsMetricsPort}/metrics`, routerUrl),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Polls the products subgraph's metrics until its search index, if it keeps one, holds as many products as
 * are active, with a search not asked before each time: a search the listing cache does not answer starts
 * a build, unless the pause after the last build holds it (a search asked again would come from the cache).
 */
async function searchIndexBuilt(
  productsDatabaseUrl: string,
  metricsUrl: string,
  routerUrl: string,
): Promise<void> {
  const [{ active } = { active: -1 }] = await sqlAt<{ active: number }>(
    productsDatabaseUrl,
    'select count(*)::int as active from product where is_active',
  );
  const deadline = Date.now() + 120_000;
  for (let poll = 1; ; poll++) {
    await postGraphQL(
      routerUrl,
      graphqlBody(
        'query ($search: String!) { products(filter: { search: $search }, pageSize: 1) { totalCount } }',
        {
          search: `index ${poll}`,
        },
      ),
    );
    const indexed = (await scrapeMetrics(metricsUrl)).get('pharmacy_catalogue_search_index_products');
    // No such metric: the index is off (CATALOGUE_SEARCH_INDEX_PRODUCTS=0).
    if (indexed === undefined || indexed === active) return;
    if (Date.now() > deadline)
      throw new Error(`the products search index did not reach ${active} products (it holds ${indexed})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
