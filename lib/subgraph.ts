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
import { exitOnConfigError, readConfig, readServiceConfig, type Env, type ServiceConfig } from './config.ts';
import {
  checkDatabase,
  isDatabaseUnreachable,
  migrateDatabase,
  openDatabase,
  type DatabaseOptions,
  type EntityManager,
  type Migration,
} from './database.ts';
import { createErrorFormatter } from './errors.ts';
import { listenGraphQL, type IncomingRequest, type RunningServer } from './http-server.ts';
import { createLogger, type Logger } from './logger.ts';
import { rejectNulCharactersPlugin } from './nul-characters.plugin.ts';
import { requestLoggingPlugin } from './request-logging.plugin.ts';
import { stopOnSignals } from './shutdown.ts';

export interface SubgraphConfig extends ServiceConfig {
  /** This subgraph's own database. */
  databaseUrl: string;
  dbPoolMax: number;
  /** Run pending migrations at start-up (on for dev; a Kubernetes Job runs them before a rollout). */
  migrateOnStart: boolean;
  maxBodyBytes: number;
}

export function readSubgraphConfig(env: Env, defaultPort: number): SubgraphConfig {
  return readConfig(env, (read) => ({
    ...readServiceConfig(read, defaultPort),
    databaseUrl: read.url('DATABASE_URL', ['postgres:', 'postgresql:']),
    dbPoolMax: read.int('DB_POOL_MAX', 10, { min: 1, max: 200 }),
    migrateOnStart: read.boolean('MIGRATE_ON_START', true),
    maxBodyBytes: read.int('MAX_BODY_BYTES', 1_000_000, { min: 1_000 }),
  }));
}

/** The context every resolver gets; a subgraph extends it with its services. */
export interface SubgraphContext {
  /** A fresh EntityManager per request: its own identity map and unit of work. */
  em: EntityManager;
  requestId: string;
  logger: Logger;
}

export interface SubgraphModule<TContext extends SubgraphContext> {
  /** The subgraph's name in the supergraph (`products`), also its database's suffix. */
  name: string;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<TContext>;
  entities: DatabaseOptions['entities'];
  migrations: Constructor<Migration>[];
  createContext(base: SubgraphContext): TContext;
}

export interface Subgraph {
  orm: MikroORM;
  logger: Logger;
  listen(): Promise<RunningServer>;
  /** Closes the HTTP server (after `listen`) and the database pool. */
  close(): Promise<void>;
}

export function loadTypeDefs(url: URL): DocumentNode {
  return parse(readFileSync(url, 'utf8'));
}

export async function createSubgraph<TContext extends SubgraphContext>(
  module: SubgraphModule<TContext>,
  config: SubgraphConfig,
  logger: Logger = createLogger(module.name, config.logLevel),
): Promise<Subgraph> {
  const orm = await openDatabase({
    url: config.databaseUrl,
    entities: module.entities,
    migrations: module.migrations,
    poolMax: config.dbPoolMax,
    logger,
  });
  if (config.migrateOnStart) await migrateDatabase(orm, logger);

  const apollo = new ApolloServer<TContext>({
    schema: buildSubgraphSchema([
      { typeDefs: module.typeDefs, resolvers: module.resolvers as GraphQLResolverMap<unknown> },
    ]),
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

  let server: RunningServer | undefined;
  return {
    orm,
    logger,
    async listen() {
      server = await listenGraphQL(
        {
          logger,
          apollo,
          maxBodyBytes: config.maxBodyBytes,
          shutdownTimeoutMs: config.shutdownTimeoutMs,
          checkReadiness: () => checkDatabase(orm),
          context: async ({ requestId, logger: requestLogger }: IncomingRequest) =>
            module.createContext({ em: orm.em.fork(), requestId, logger: requestLogger }),
        },
        config.host,
        config.port,
      );
      logger.info({ url: server.url }, `${module.name} subgraph listening`);
      return server;
    },
    async close() {
      await server?.close();
      await orm.close();
    },
  };
}

/** A subgraph's `main.ts`: configure from the environment, listen, and drain on SIGTERM/SIGINT. */
export async function runSubgraph(
  create: (config: SubgraphConfig) => Promise<Subgraph>,
  defaultPort: number,
): Promise<void> {
  const subgraph = await create(exitOnConfigError(() => readSubgraphConfig(process.env, defaultPort)));
  await subgraph.listen();
  stopOnSignals(subgraph.logger, () => subgraph.close());
}
