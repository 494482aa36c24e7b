/**
 * The router: Apollo Gateway on the static, committed supergraph, behind Apollo Server. Cross-cutting
 * concerns are plugins (router/plugins/); this file composes them.
 */
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { createErrorFormatter } from '../lib/errors.ts';
import { listenGraphQL, withTimeout, type RunningServer } from '../lib/http-server.ts';
import { createLogger, type Logger } from '../lib/logger.ts';
import { requestLoggingPlugin } from '../lib/request-logging.plugin.ts';
import type { SubgraphName } from '../subgraphs/index.ts';
import type { RouterConfig } from './config.ts';
import type { RouterContext } from './router-context.ts';
import { SubgraphDataSource, SubgraphUnavailableError } from './subgraph-data-source.ts';

export interface Router {
  logger: Logger;
  listen(): Promise<RunningServer>;
  close(): Promise<void>;
}

export function createRouter(
  config: RouterConfig,
  logger: Logger = createLogger('router', config.logLevel),
): Router {
  const supergraphSdl = readFileSync(config.supergraphPath, 'utf8');
  const subgraphUrls = new Map<string, string>();

  const gateway = new ApolloGateway({
    supergraphSdl,
    logger: logger.child({ component: 'gateway' }),
    buildService: ({ name, url }) => {
      const target = config.subgraphUrls[name as SubgraphName] ?? url;
      if (!target) throw new Error(`no URL for subgraph ${name}`);
      subgraphUrls.set(name, target);
      return new SubgraphDataSource(name, target, config.subgraphTimeoutMs);
    },
  });

  const apollo = new ApolloServer<RouterContext>({
    gateway,
    formatError: createErrorFormatter(logger, (error) =>
      error instanceof SubgraphUnavailableError ? `the ${error.subgraph} service` : undefined,
    ),
    includeStacktraceInErrorResponses: false,
    introspection: !config.production,
    csrfPrevention: true,
    stopOnTerminationSignals: false,
    plugins: [
      config.production
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
      requestLoggingPlugin(),
    ],
  });

  /** Ready when every subgraph answers its liveness probe. */
  async function checkSubgraphs(): Promise<void> {
    await Promise.all(
      [...subgraphUrls].map(async ([name, url]) => {
        const health = new URL('/health', url);
        const response = await withTimeout(fetch(health), 1_500).catch(() => undefined);
        if (!response?.ok) {
          logger.warn({ subgraph: name, url: health.origin }, 'subgraph not answering');
          throw new Error(`subgraph ${name} is not answering`);
        }
      }),
    );
  }

  let server: RunningServer | undefined;
  return {
    logger,
    async listen() {
      server = await listenGraphQL(
        {
          logger,
          apollo,
          maxBodyBytes: config.maxBodyBytes,
          shutdownTimeoutMs: config.shutdownTimeoutMs,
          checkReadiness: checkSubgraphs,
          context: async ({ requestId, logger: requestLogger }) => ({ requestId, logger: requestLogger }),
        },
        config.host,
        config.port,
      );
      logger.info({ url: server.url }, 'router listening');
      return server;
    },
    async close() {
      await server?.close();
    },
  };
}
