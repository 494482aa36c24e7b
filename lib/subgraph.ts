/**
 * What every subgraph shares: its config, its database, its Apollo Server and HTTP server. A subgraph
 * definition supplies only its schema, resolvers, entities, migrations, events and per-request context.
 */
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph';
import type { Constructor } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import { parse } from 'graphql';
import { enforceAccessDirectives } from './access.ts';
import {
  exitOnConfigError,
  readServiceConfig,
  type Env,
  type EnvReader,
  type ServiceConfig,
} from './config.ts';
import {
  checkDatabase,
  DEFAULT_CONNECT_TIMEOUT_MS,
  isDatabaseUnreachable,
  migrateDatabase,
  openDatabase,
  type DatabaseOptions,
  type Migration,
} from './database.ts';
import { createErrorFormatter, refusal, UnauthenticatedError } from './errors.ts';
import { readEventBusConfig, type EventBusConfig } from './event-bus/bus-config.ts';
import {
  EventProcessing,
  type EventConsumer,
  type SubscriptionDeclaration,
} from './event-bus/event-processing.ts';
import { listenGraphQL, type IncomingRequest, type Route, type RunningServer } from './http-server.ts';
import { createLogger, type Logger } from './logger.ts';
import { EventMetrics, listenMetrics, ServiceMetrics, type MetricsServer } from './metrics.ts';
import { operationTracingPlugin } from './operation-tracing.plugin.ts';
import { ServiceTracer } from './telemetry.ts';
import { rejectNulCharactersPlugin } from './nul-characters.plugin.ts';
import { requestLoggingPlugin } from './request-logging.plugin.ts';
import { readRouterSecret, verifyRouterRequest } from './router-proof.ts';
import { checkUrlPassword } from './secrets.ts';
import { stopOnSignals } from './shutdown.ts';
import type { RequestScope } from './request-scope.ts';
import type { Viewer } from './viewer.ts';

export interface SubgraphConfig extends ServiceConfig {
  /** This subgraph's own database. */
  databaseUrl: string;
  dbPoolMax: number;
  dbConnectTimeoutMs: number;
  /** Run pending migrations at start-up (on for dev; a Kubernetes Job runs them before a rollout). */
  migrateOnStart: boolean;
  maxBodyBytes: number;
  /** Checks that requests come from the router (shared with it). */
  routerSecret: string;
}

/** The variables every subgraph reads; a subgraph with more settings adds its own to these. */
export function readSubgraphSettings(read: EnvReader, defaultPort: number): SubgraphConfig {
  const service = readServiceConfig(read, defaultPort);
  const databaseUrl = read.url('DATABASE_URL', ['postgres:', 'postgresql:']);
  checkUrlPassword(read, 'DATABASE_URL', databaseUrl, service.production);
  return {
    ...service,
    databaseUrl,
    dbPoolMax: read.int('DB_POOL_MAX', 10, { min: 1, max: 200 }),
    dbConnectTimeoutMs: read.int('DB_CONNECT_TIMEOUT_MS', DEFAULT_CONNECT_TIMEOUT_MS, {
      min: 100,
      max: 60_000,
    }),
    migrateOnStart: read.boolean('MIGRATE_ON_START', true),
    maxBodyBytes: read.int('MAX_BODY_BYTES', 1_000_000, { min: 1_000 }),
    routerSecret: readRouterSecret(read, service.production),
  };
}

/** The config of a subgraph that takes part in the saga: the common settings and its event bus. */
export interface EventSubgraphConfig extends SubgraphConfig {
  eventBus: EventBusConfig;
}

export function readEventSubgraphSettings(read: EnvReader, defaultPort: number): EventSubgraphConfig {
  const settings = readSubgraphSettings(read, defaultPort);
  return { ...settings, eventBus: readEventBusConfig(read, settings.production) };
}

/**
 * What every `subgraphs/<name>/<name>.subgraph.ts` exports: one subgraph as data (its registration,
 * resolvers, entities, migrations, events) and two functions, reading its config and assembling what it
 * builds from that config when it starts.
 */
export interface SubgraphDefinition<TConfig extends SubgraphConfig, TContext extends RequestScope> {
  /** Its name, default port and SDL file, from subgraphs/registry.ts. */
  registration: { name: string; defaultPort: number; schemaUrl: URL };
  resolvers: GraphQLResolverMap<TContext>;
  entities: DatabaseOptions['entities'];
  migrations: Constructor<Migration>[];
  /** Its part in the saga; such a subgraph's config has an `eventBus`. */
  events?: SubgraphEvents;
  /** Its config from the environment (throws ConfigError listing every problem). */
  readConfig(env: Env): TConfig;
  /** What it builds from its config when it starts, once its database is open. */
  assemble(
    config: TConfig,
    started: { orm: MikroORM; logger: Logger; metrics: ServiceMetrics },
  ): Promise<SubgraphParts<TContext>>;
}

export interface SubgraphParts<TContext extends RequestScope> {
  /** One request's context: its scope and the services that work in it. */
  createContext(scope: RequestScope): TContext;
  /** Extra GET endpoints (the users subgraph's JWKS). */
  routes?: Readonly<Record<string, Route>>;
  /** Stops what runs beside the server (the inventory expiry sweep, a catalogue search index being built), before the database closes. */
  stop?(): Promise<void>;
}

export interface SubgraphEvents {
  /** Every subscription of the saga, declared before the first publish so that no event is dropped. */
  subscriptions: readonly SubscriptionDeclaration[];
  /** Whether it writes an outbox (its migrations include CreateOutbox), so a relay runs. */
  publishes: boolean;
  /** Its consumers (its migrations include CreateProcessedEvent when there are any). */
  consumers: readonly EventConsumer[];
}

export interface Subgraph {
  orm: MikroORM;
  logger: Logger;
  /** Its outbox relay and consumers, for a subgraph with `events`. */
  events: EventProcessing | undefined;
  listen(): Promise<RunningServer>;
  /** Closes the HTTP server (after `listen`) and the database pool. */
  close(): Promise<void>;
}

/**
 * Opens the subgraph's database (migrating it when configured), assembles it from its config and builds
 * its Apollo Server; `listen` serves it. `logger` replaces the JSON logger (tests capture logs with it).
 */
export async function createSubgraph<TConfig extends SubgraphConfig, TContext extends RequestScope>(
  definition: SubgraphDefinition<TConfig, TContext>,
  config: TConfig & { eventBus?: EventBusConfig },
  logger: Logger = createLogger(definition.registration.name, {
    level: config.logLevel,
    format: config.logFormat,
    googleCloudProject: config.googleCloudProject,
  }),
): Promise<Subgraph> {
  const { name, schemaUrl } = definition.registration;
  if (definition.events && !config.eventBus) {
    throw new Error(`the ${name} subgraph publishes or consumes events: its config needs an eventBus`);
  }
  const orm = await openDatabase({
    url: config.databaseUrl,
    entities: definition.entities,
    migrations: definition.migrations,
    poolMax: config.dbPoolMax,
    connectTimeoutMs: config.dbConnectTimeoutMs,
    logger,
  });
  const metrics = new ServiceMetrics(name);
  let parts: SubgraphParts<TContext>;
  try {
    if (config.migrateOnStart) await migrateDatabase(orm, logger);
    parts = await definition.assemble(config, { orm, logger, metrics });
  } catch (error) {
    await orm.close();
    throw error;
  }

  const apollo = new ApolloServer<TContext>({
    schema: enforceAccessDirectives(
      buildSubgraphSchema([
        {
          typeDefs: parse(readFileSync(schemaUrl, 'utf8')),
          resolvers: definition.resolvers as GraphQLResolverMap<unknown>,
        },
      ]),
    ),
    formatError: createErrorFormatter(logger, (error) =>
      isDatabaseUnreachable(error) ? `the ${name} database` : undefined,
    ),
    includeStacktraceInErrorResponses: false,
    introspection: !config.production,
    stopOnTerminationSignals: false,
    // Subgraphs are private: clients use the router's Sandbox.
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      operationTracingPlugin(),
      requestLoggingPlugin(),
      rejectNulCharactersPlugin(),
    ],
  });

  const tracer = new ServiceTracer(name);

  const events =
    definition.events && config.eventBus
      ? EventProcessing.start({
          ...definition.events,
          bus: config.eventBus,
          orm,
          databaseUrl: config.databaseUrl,
          logger,
          tracer,
          metrics: new EventMetrics(
            metrics,
            definition.events.publishes ? () => readOutboxBacklog(orm) : undefined,
          ),
        })
      : undefined;

  let server: RunningServer | undefined;
  let metricsServer: MetricsServer | undefined;
  return {
    orm,
    logger,
    events,
    async listen() {
      server = await listenGraphQL(
        {
          logger,
          apollo,
          maxBodyBytes: config.maxBodyBytes,
          shutdownTimeoutMs: config.shutdownTimeoutMs,
          checkReadiness: () => checkDatabase(orm),
          tracer,
          routes: parts.routes,
          context: async (request: IncomingRequest) =>
            parts.createContext({
              em: orm.em.fork(),
              requestId: request.requestId,
              logger: request.logger,
              viewer: viewerVouchedByRouter(config.routerSecret, request),
            }),
        },
        config.host,
        config.port,
      );
      if (config.metrics.port !== undefined) {
        metricsServer = await listenMetrics(metrics, config.host, config.metrics.port);
        logger.info({ port: metricsServer.port }, `${name} metrics at /metrics`);
      }
      logger.info({ url: server.url }, `${name} subgraph listening`);
      return server;
    },
    async close() {
      // Requests first (they write outbox rows), then the relay and the consumers, then the database.
      await server?.close();
      await events?.stop();
      await parts.stop?.();
      await orm.close();
      await metricsServer?.close();
    },
  };
}

/** The outbox's unpublished events and the age of the oldest, for the metrics. */
async function readOutboxBacklog(orm: MikroORM): Promise<{ backlog: number; oldestAgeSeconds: number }> {
  const [row] = await orm.em.getConnection().execute<{ backlog: number; age: number }[]>(
    `select count(*)::int as backlog,
            coalesce(extract(epoch from now() - min(created_at)), 0)::float8 as age
       from outbox_event where published_at is null`,
  );
  return { backlog: row?.backlog ?? 0, oldestAgeSeconds: row?.age ?? 0 };
}

/**
 * The viewer of a request the router signed. Anything else is refused with 401 before it executes: a direct
 * call to a subgraph, even with a valid user token, proves nothing.
 */
function viewerVouchedByRouter(secret: string, request: IncomingRequest): Viewer | null {
  const proof =
    request.method === 'POST'
      ? verifyRouterRequest(secret, request.rawBody, request.headers)
      : { valid: false as const, reason: 'only POST requests from the router are accepted' };
  if (proof.valid) return proof.viewer;
  request.logger.warn({ reason: proof.reason }, 'request without a valid router proof refused');
  throw refusal(new UnauthenticatedError('this service answers only requests from the router'), 401);
}

/** A subgraph's `main.ts`: configure from the environment, listen, and drain on SIGTERM/SIGINT. */
export async function runSubgraph<TConfig extends SubgraphConfig, TContext extends RequestScope>(
  definition: SubgraphDefinition<TConfig, TContext>,
  /** Runs after the subgraph has closed (the telemetry's last export). */
  afterClose: () => Promise<void> = async () => undefined,
): Promise<void> {
  const subgraph = await createSubgraph(
    definition,
    exitOnConfigError(() => definition.readConfig(process.env)),
  );
  await subgraph.listen();
  stopOnSignals(subgraph.logger, async () => {
    await subgraph.close();
    await afterClose();
  });
}
