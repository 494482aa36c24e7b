/** Real services on port 0 for tests: a subgraph on its own fresh database, the router in front of them. */
import { pino } from 'pino';
import { readSubgraphConfig, type Subgraph, type SubgraphConfig } from '../../lib/subgraph.ts';
import type { RunningServer } from '../../lib/http-server.ts';
import type { Logger } from '../../lib/logger.ts';
import { readRouterConfig } from '../../router/config.ts';
import { createRouter } from '../../router/create-router.ts';
import { SUBGRAPHS, SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/index.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export const silentLogger: Logger = pino({ level: 'silent' });

export interface TestSubgraph {
  subgraph: Subgraph;
  server: RunningServer;
  database: TestDatabase;
  stop(): Promise<void>;
}

export async function startTestSubgraph(
  name: SubgraphName,
  overrides: Record<string, string> = {},
  create: (config: SubgraphConfig) => Promise<Subgraph> = SUBGRAPHS[name].create,
): Promise<TestSubgraph> {
  const database = await createTestDatabase(name);
  const config = readSubgraphConfig(
    {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: database.url,
      ...overrides,
    },
    0,
  );
  const subgraph = await create(config);
  const server = await subgraph.listen();
  return {
    subgraph,
    server,
    database,
    async stop() {
      await subgraph.close();
      await database.drop();
    },
  };
}

export interface TestStack {
  routerUrl: string;
  subgraphs: Record<SubgraphName, TestSubgraph>;
  stop(): Promise<void>;
}

/** The four subgraphs, each on a fresh database, and the router in front of them, all in this process. */
export async function startTestStack(routerEnv: Record<string, string> = {}): Promise<TestStack> {
  const started = await Promise.all(
    SUBGRAPH_NAMES.map(async (name) => [name, await startTestSubgraph(name)] as const),
  );
  const subgraphs = Object.fromEntries(started) as Record<SubgraphName, TestSubgraph>;
  const urls = Object.fromEntries(
    SUBGRAPH_NAMES.map((name) => [`${name.toUpperCase()}_URL`, subgraphs[name].server.url]),
  );
  const router = createRouter(
    readRouterConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      HOST: '127.0.0.1',
      PORT: '0',
      ...urls,
      ...routerEnv,
    }),
    silentLogger,
  );
  const server = await router.listen();
  return {
    routerUrl: server.url,
    subgraphs,
    async stop() {
      await router.close();
      await Promise.all(Object.values(subgraphs).map((subgraph) => subgraph.stop()));
    },
  };
}

export interface GraphQLResponse<TData = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: {
    data?: TData | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  };
}

/** A raw GraphQL POST; the SDK will replace most uses once it lands. */
export async function postGraphQL<TData = Record<string, unknown>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<TData>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as GraphQLResponse<TData>['body'],
  };
}
