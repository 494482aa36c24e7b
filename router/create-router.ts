/**
 * The router: Apollo Gateway on the static, committed supergraph, behind Apollo Server. Cross-cutting
 * concerns are plugins (router/plugins/); this file composes them.
 */
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import { rolesDeclaredFor } from '../lib/access.ts';
import { createErrorFormatter } from '../lib/errors.ts';
import { BusConnection } from '../lib/event-bus/bus-connection.ts';
import { listenGraphQL, withTimeout, type RunningServer } from '../lib/http-server.ts';
import { createLogger, type Logger } from '../lib/logger.ts';
import { requestLoggingPlugin } from '../lib/request-logging.plugin.ts';
import { SUBGRAPHS, type SubgraphName } from '../subgraphs/index.ts';
import { clientIp } from './client-ip.ts';
import type { RouterConfig } from './config.ts';
import { authPlugin, createTokenVerifier, type VerifiedViewer } from './plugins/auth.plugin.ts';
import { sandboxLandingPagePlugin } from './plugins/landing-page.plugin.ts';
import { operationLimits } from './plugins/operation-limits.plugin.ts';
import { rateLimitPlugin, type RateLimitRule } from './plugins/rate-limit.plugin.ts';
import { requestDeduplication } from './plugins/request-deduplication.plugin.ts';
import { subscriptionsPlugin } from './plugins/subscriptions.plugin.ts';
import { MemoryRateLimitStore, RedisRateLimitStore, type RateLimitStore } from './rate-limit-store.ts';
import type { RouterContext } from './router-context.ts';
import { SubgraphDataSource, SubgraphUnavailableError } from './subgraph-data-source.ts';
import type { AlertQuery } from './subscriptions/alert-query.ts';
import { LowStockAlertFeed } from './subscriptions/low-stock-alert-feed.ts';
import { attachSubscriptionServer } from './subscriptions/subscription-server.ts';

export interface Router {
  logger: Logger;
  listen(): Promise<RunningServer>;
  /** Resolves once the alert feed listens on the bus (after `listen`); subscribers are refused before. */
  alertFeedListening(): Promise<void>;
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
      return new SubgraphDataSource({
        name,
        url: target,
        timeoutMs: config.subgraphTimeoutMs,
        routerSecret: config.routerSecret,
        shareInFlightFetches: config.deduplication.subgraphFetches,
      });
    },
  });

  const storeFor = ({ windowMs, max }: RateLimitRule): RateLimitStore =>
    config.redisUrl
      ? new RedisRateLimitStore(config.redisUrl, config.redisKeyPrefix, windowMs, max)
      : new MemoryRateLimitStore(windowMs, max);
  const rateLimitStores = {
    login: storeFor(config.rateLimits.login),
    mutation: storeFor(config.rateLimits.mutation),
    query: storeFor(config.rateLimits.query),
  };
  const everyRateLimitStore = Object.values(rateLimitStores);
  const verifyToken = createTokenVerifier(config.tokens);
  const limits = operationLimits(config.operationLimits);
  // A batch shares one context across its operations, so only single operations are deduplicated.
  const deduplication =
    config.deduplication.requests && config.maxBatchSize === 1 ? requestDeduplication() : undefined;

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
      config.production ? ApolloServerPluginLandingPageDisabled() : sandboxLandingPagePlugin(),
      requestLoggingPlugin(),
      // graphql-armor's plugins read no context.
      ...(limits.plugins as ApolloServerPlugin<RouterContext>[]),
      authPlugin({ allowIntrospection: !config.production }),
      rateLimitPlugin({ rules: config.rateLimits, stores: rateLimitStores }),
      subscriptionsPlugin(),
      // Last: a request shares a result only after every check above passed for it.
      ...(deduplication ? [deduplication.plugin] : []),
    ],
  });

  let apiSchema: GraphQLSchema | undefined;
  gateway.onSchemaLoadOrUpdate((schemas) => {
    apiSchema = schemas.apiSchema;
  });

  /** An alert resolved for subscribers: a query through the whole pipeline, with their identity. */
  async function resolveAlert(query: AlertQuery, alertId: string, viewer: VerifiedViewer, requestId: string) {
    const response = await apollo.executeOperation(
      { query: query.text, variables: { ...query.variables, [query.alertIdVariable]: alertId } },
      {
        contextValue: {
          requestId,
          logger: logger.child({ requestId }),
          viewer,
          clientIp: '',
          purpose: 'alert',
        },
      },
    );
    if (response.body.kind !== 'single') throw new Error('an alert query answered incrementally');
    return response.body.singleResult;
  }
  const alertFeed = new LowStockAlertFeed(resolveAlert, logger);

  /** Ready when every subgraph answers its liveness probe and the rate-limit store answers. */
  async function checkDependencies(): Promise<void> {
    await Promise.all([
      Promise.all(everyRateLimitStore.map((store) => store.ping())).catch(() => {
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
  let bus: BusConnection | undefined;
  return {
    logger,
    async listen() {
      bus = BusConnection.open(config.eventBus, logger, (connected) => alertFeed.listen(connected));
      server = await listenGraphQL(
        {
          logger,
          apollo,
          maxBodyBytes: config.maxBodyBytes,
          maxBatchSize: config.maxBatchSize,
          shutdownTimeoutMs: config.shutdownTimeoutMs,
          checkReadiness: checkDependencies,
          finishResponse: deduplication?.finishResponse,
          context: async ({ requestId, logger: requestLogger, headers, remoteAddress }) => ({
            requestId,
            logger: requestLogger,
            viewer: await verifyToken(headers.authorization),
            clientIp: clientIp(headers, remoteAddress, config.trustedProxyHops),
            purpose: 'request' as const,
            exchange: {},
          }),
          attach: (httpServer) =>
            attachSubscriptionServer(httpServer, {
              apollo,
              apiSchema: () => apiSchema,
              parseOptions: limits.parseOptions,
              feed: alertFeed,
              feedListening: () => bus?.connected ?? false,
              verifyToken,
              clockToleranceMs: config.tokens.clockToleranceSeconds * 1000,
              allowedRoles: rolesDeclaredFor(SUBGRAPHS.inventory.typeDefs, 'Subscription', 'lowStockAlerts'),
              settings: config.subscriptions,
              trustedProxyHops: config.trustedProxyHops,
              production: config.production,
              logger,
            }),
        },
        config.host,
        config.port,
      );
      logger.info({ url: server.url }, 'router listening');
      return server;
    },
    alertFeedListening: () =>
      bus?.whenConnected() ?? Promise.reject(new Error('the router is not listening')),
    /** Subscriptions end (1001), requests drain, then the alert feed and the rate-limit store close. */
    async close() {
      await server?.close();
      await bus?.close();
      await Promise.all(everyRateLimitStore.map((store) => store.close()));
    },
  };
}
