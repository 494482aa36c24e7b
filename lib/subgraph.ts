/**
 * What every subgraph shares: its config, its database, its Apollo Server and HTTP server. A subgraph
 * module supplies only its schema, resolvers, entities, migrations and per-request context.
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
import { parse, type DocumentNode } from 'graphql';
import { enforceAccessDirectives } from './access.ts';
import {
  exitOnConfigError,
  readConfig,
  readServiceConfig,
  type Env,
  type EnvReader,
  type ServiceConfig,
} from './config.ts';
import {
  checkDatabase,
  isDatabaseUnreachable,
  migrateDatabase,
  openDatabase,
  type DatabaseOptions,
  type EntityManager,
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
import { rejectNulCharactersPlugin } from './nul-characters.plugin.ts';
import { requestLoggingPlugin } from './request-logging.plugin.ts';
import { readRouterSecret, verifyRouterRequest } from './router-proof.ts';
import { stopOnSignals } from './shutdown.ts';
import type { Viewer } from './viewer.ts';

export interface SubgraphConfig extends ServiceConfig {
  /** This subgraph's own database. */
  databaseUrl: string;
  dbPoolMax: number;
  /** Run pending migrations at start-up (on for dev; a Kubernetes Job runs them before a rollout). */
  migrateOnStart: boolean;
  maxBodyBytes: number;
  /** Checks that requests come from the router (shared with it). */
  routerSecret: string;
}

/** The variables every subgraph reads; a subgraph with more settings adds its own to these. */
export function readSubgraphSettings(read: EnvReader, defaultPort: number): SubgraphConfig {
  const service = readServiceConfig(read, defaultPort);
  return {
    ...service,
    databaseUrl: read.url('DATABASE_URL', ['postgres:', 'postgresql:']),
    dbPoolMax: read.int('DB_POOL_MAX', 10, { min: 1, max: 200 }),
    migrateOnStart: read.boolean('MIGRATE_ON_START', true),
    maxBodyBytes: read.int('MAX_BODY_BYTES', 1_000_000, { min: 1_000 }),
    routerSecret: readRouterSecret(read, service.production),
  };
}

export function readSubgraphConfig(env: Env, defaultPort: number): SubgraphConfig {
  return readConfig(env, (read) => readSubgraphSettings(read, defaultPort));
}

/** The config of a subgraph that takes part in the saga: the common settings and its event bus. */
export interface EventSubgraphConfig extends SubgraphConfig {
  eventBus: EventBusConfig;
}

export function readEventSubgraphSettings(read: EnvReader, defaultPort: number): EventSubgraphConfig {
  return { ...readSubgraphSettings(read, defaultPort), eventBus: readEventBusConfig(read) };
}

export function readEventSubgraphConfig(env: Env, defaultPort: number): EventSubgraphConfig {
  return readConfig(env, (read) => readEventSubgraphSettings(read, defaultPort));
}

/** The context every resolver gets; a subgraph extends it with its services. */
export interface SubgraphContext {
  /** A fresh EntityManager per request: its own identity map and unit of work. */
  em: EntityManager;
  requestId: string;
  logger: Logger;
  /** The caller the router vouched for; null when anonymous. */
  viewer: Viewer | null;
}

export interface SubgraphModule<TContext extends SubgraphContext> {
  /** The subgraph's name in the supergraph (`products`), also its database's suffix. */
  name: string;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<TContext>;
  entities: DatabaseOptions['entities'];
  migrations: Constructor<Migration>[];
  createContext(base: SubgraphContext): TContext;
  /** Extra GET endpoints (the users subgraph's JWKS). */
  routes?: Readonly<Record<string, Route>>;
  /** Its part in the saga; such a subgraph needs an EventSubgraphConfig. */
  events?: SubgraphEvents;
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

export function loadTypeDefs(url: URL): DocumentNode {
  return parse(readFileSync(url, 'utf8'));
}

export async function createSubgraph<TContext extends SubgraphContext>(
  module: SubgraphModule<TContext>,
  config: SubgraphConfig & { eventBus?: EventBusConfig },
  logger: Logger = createLogger(module.name, config.logLevel),
): Promise<Subgraph> {
  if (module.events && !config.eventBus) {
    throw new Error(`the ${module.name} subgraph publishes or consumes events: its config needs an eventBus`);
  }
  const orm = await openDatabase({
    url: config.databaseUrl,
    entities: module.entities,
    migrations: module.migrations,
    poolMax: config.dbPoolMax,
    logger,
  });
  if (config.migrateOnStart) await migrateDatabase(orm, logger);

  const apollo = new ApolloServer<TContext>({
    schema: enforceAccessDirectives(
      buildSubgraphSchema([
        { typeDefs: module.typeDefs, resolvers: module.resolvers as GraphQLResolverMap<unknown> },
      ]),
    ),
    formatError: createErrorFormatter(logger, (error) =>
      isDatabaseUnreachable(error) ? `the ${module.name} database` : undefined,
    ),
    includeStacktraceInErrorResponses: false,
    introspection: !config.production,
    stopOnTerminationSignals: false,
    // Subgraphs are private: clients use the router's Sandbox.
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      requestLoggingPlugin(),
      rejectNulCharactersPlugin(),
    ],
  });

  const events =
    module.events && config.eventBus
      ? EventProcessing.start({
          ...module.events,
          bus: config.eventBus,
          orm,
          databaseUrl: config.databaseUrl,
          logger,
        })
      : undefined;

  let server: RunningServer | undefined;
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
          routes: module.routes,
          context: async (request: IncomingRequest) =>
            module.createContext({
              em: orm.em.fork(),
              requestId: request.requestId,
              logger: request.logger,
              viewer: viewerVouchedByRouter(config.routerSecret, request),
            }),
        },
        config.host,
        config.port,
      );
      logger.info({ url: server.url }, `${module.name} subgraph listening`);
      return server;
    },
    async close() {
      // Requests first (they write outbox rows), then the relay and the consumers, then the database.
      await server?.close();
      await events?.stop();
      await orm.close();
    },
  };
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
export async function runSubgraph<TConfig extends SubgraphConfig>(entry: {
  defaultPort: number;
  readConfig(env: Env, defaultPort: number): TConfig;
  create(config: TConfig): Promise<Subgraph>;
}): Promise<void> {
  const subgraph = await entry.create(
    exitOnConfigError(() => entry.readConfig(process.env, entry.defaultPort)),
  );
  await subgraph.listen();
  stopOnSignals(subgraph.logger, () => subgraph.close());
}
