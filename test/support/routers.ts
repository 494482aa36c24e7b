/**
 * More routers in front of a test stack's subgraphs (another replica, another configuration), and
 * recording proxies that show whether a request reached any subgraph.
 */
import { readRouterConfig } from '../../router/config.ts';
import { createRouter } from '../../router/create-router.ts';
import { SUBGRAPH_NAMES } from '../../subgraphs/registry.ts';
import { startRecordingProxy, type RecordedRequest, type TestHttpServer } from './network.ts';
import { silentLogger, testRouterEnv, type TestStack } from './services.ts';

export interface TestRouter {
  /** The router's /graphql URL. */
  url: string;
  close(): Promise<void>;
}

/** `USERS_URL`, `PRODUCTS_URL`, … of the stack's subgraphs. */
export function subgraphUrlEnv(stack: TestStack): Record<string, string> {
  return Object.fromEntries(
    SUBGRAPH_NAMES.map((name) => [`${name.toUpperCase()}_URL`, stack.subgraphs[name].server.url]),
  );
}

/**
 * A router (test defaults, then `env`) in front of the subgraphs at `urls`, once it is ready and, with
 * REDIS_URL, once its rate-limit store answers (before that it counts in this process alone).
 */
export async function startTestRouter(
  urls: Record<string, string>,
  env: Record<string, string> = {},
): Promise<TestRouter> {
  const router = createRouter(readRouterConfig(testRouterEnv(urls, env)), silentLogger);
  const server = await router.listen();
  const serving = async () => {
    if ((await fetch(new URL('/ready', server.url))).status !== 200) return false;
    if (env.REDIS_URL === undefined) return true;
    const { dependencies } = (await (await fetch(new URL('/health/dependencies', server.url))).json()) as {
      dependencies: Record<string, { ok: boolean }>;
    };
    return dependencies['rate-limit store (Redis)']?.ok === true;
  };
  const deadline = Date.now() + 5_000;
  while (!(await serving())) {
    if (Date.now() > deadline) {
      await router.close();
      throw new Error(`the router at ${server.url} did not become ready`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { url: server.url, close: () => router.close() };
}

export interface RecordedSubgraphs {
  /** Subgraph URL variables pointing at the proxies. */
  urls: Record<string, string>;
  /** The GraphQL requests every subgraph has received so far. */
  graphqlRequests(): RecordedRequest[];
  close(): Promise<void>;
}

/** A recording proxy in front of each of the stack's subgraphs. */
export async function recordSubgraphs(stack: TestStack): Promise<RecordedSubgraphs> {
  const proxies = await Promise.all(
    SUBGRAPH_NAMES.map(async (name) => {
      const proxy = await startRecordingProxy(stack.subgraphs[name].server.url);
      return [name, proxy] as const;
    }),
  );
  return {
    urls: Object.fromEntries(proxies.map(([name, proxy]) => [`${name.toUpperCase()}_URL`, proxy.url])),
    graphqlRequests: () =>
      proxies.flatMap(([, proxy]) =>
        proxy.recorded.filter((request) => request.method === 'POST' && request.path === '/graphql'),
      ),
    close: async () => {
      await Promise.all(proxies.map(([, proxy]: readonly [string, TestHttpServer]) => proxy.close()));
    },
  };
}
