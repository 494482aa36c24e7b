/**
 * The router: Apollo Gateway on the static, committed supergraph, behind Apollo Server. Cross-cutting
 * concerns are plugins (router/plugins/); this file composes them.
 */
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { createErrorFormatter } from '../lib/errors.ts';
import { listenGraphQL, withTimeout, type RunningServer } from '../lib/http-server.ts';
import { createLogger, type Logger } from '../lib/logger.ts';
import { requestLoggingPlugin } from '../lib/request-logging.plugin.ts';
import type { SubgraphName } from '../subgraphs/index.ts';
import { clientIp } from './client-ip.ts';
import type { RouterConfig } from './config.ts';
import { authPlugin, createTokenVerifier } from './plugins/auth.plugin.ts';
import { operationLimits } from './plugins/operation-limits.plugin.ts';
import { rateLimitPlugin } from './plugins/rate-limit.plugin.ts';
import { MemoryRateLimitStore, RedisRateLimitStore, type RateLimitStore } from './rate-limit-store.ts';
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
      return new SubgraphDataSource(name, target, config.subgraphTimeoutMs, config.routerSecret);
    },
  });

  const longestWindowMs = Math.max(...Object.values(config.rateLimits).map((rule) => rule.windowMs));
  const rateLimitStore: RateLimitStore = config.redisUrl
    ? new RedisRateLimitStore(config.redisUrl, config.redisKeyPrefix, longestWindowMs)
    : new MemoryRateLimitStore(longestWindowMs);
  const verifyToken = createTokenVerifier(config.tokens);
  const limits = operationLimits(config.operationLimits);

  const apollo = new ApolloServer<RouterContext>({
    gateway,
    formatError: createErrorFormatter(logger, (error) =>
      error instanceof SubgraphUnavailableError ? `the ${error.subgraph} service` : undefined,
    ),
    includeStacktraceInErrorResponses: false,
    introspection: !config.production,
    csrfPrevention: true,
    allowBatchedHttpRequests: config.maxBatchSize > 1,
    stopOnTerminationSignals: false,
    validationRules: limits.validationRules,
    parseOptions: limits.parseOptions,
    plugins: [
      config.production
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
      requestLoggingPlugin(),
      // graphql-armor's plugins read no context.
      ...(limits.plugins as ApolloServerPlugin<RouterContext>[]),
      authPlugin({ allowIntrospection: !config.production }),
      rateLimitPlugin({ ...config.rateLimits, store: rateLimitStore }),
    ],
  });

  /** Ready when every subgraph answers its liveness probe and the rate-limit store answers. */
  async function checkDependencies(): Promise<void> {
    await Promise.all([
      rateLimitStore.ping().catch(() => {
        throw new Error('the rate-limit store is not answering');
      }),
      ...[...subgraphUrls].map(async ([name, url]) => {
        const health = new URL('/health', url);
        const response = await withTimeout(fetch(health), 1_500).catch(() => undefined);
        // Read the body so the keep-alive socket goes back to the pool instead of waiting for GC.
        await response?.arrayBuffer().catch(() => undefined);
        if (!response?.ok) {
          logger.warn({ subgraph: name, url: health.origin }, 'subgraph not answering');
          throw new Error(`subgraph ${name} is not answering`);
        }
      }),
    ]);
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
          maxBatchSize: config.maxBatchSize,
          shutdownTimeoutMs: config.shutdownTimeoutMs,
          checkReadiness: checkDependencies,
          context: async ({ requestId, logger: requestLogger, headers, remoteAddress }) => ({
            requestId,
            logger: requestLogger,
            viewer: await verifyToken(headers.authorization),
            clientIp: clientIp(headers, remoteAddress, config.trustedProxyHops),
          }),
        },
        config.host,
        config.port,
      );
      logger.info({ url: server.url }, 'router listening');
      return server;
    },
    async close() {
      await server?.close();
      await rateLimitStore.close();
    },
  };
}
