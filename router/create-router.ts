/**
 * The router: Apollo Gateway on the committed supergraph behind Apollo Server (router-server.ts), and
 * the list of features (router/features/) that make it ours, in the order they act on a request. A new
 * feature is one more `useX(options)` here and its own file.
 */
import { createLogger } from '../lib/logger.ts';
import { ServiceMetrics } from '../lib/metrics.ts';
import { ServiceTracer } from '../lib/telemetry.ts';
import type { RouterConfig } from './config.ts';
import { useAuth } from './features/auth.feature.ts';
import { useClientAddress } from './features/client-address.feature.ts';
import { useLandingPage } from './features/landing-page.feature.ts';
import { useMetrics } from './features/metrics.feature.ts';
import { useLowStockAlerts } from './features/low-stock-alerts.feature.ts';
import { useOperationLimits } from './features/operation-limits.feature.ts';
import { useRateLimits } from './features/rate-limits.feature.ts';
import { useRequestDeduplication } from './features/request-deduplication.feature.ts';
import { useRequestLogging } from './features/request-logging.feature.ts';
import { useSubgraphHealth } from './features/subgraph-health.feature.ts';
import { useTrustedDocuments } from './features/trusted-documents.feature.ts';
import { createGateway } from './gateway.ts';
import { composeFeatures } from './router-feature.ts';
import { RouterMetrics } from './router-metrics.ts';
import { routerServer, type Router } from './router-server.ts';

export type { Router };

export function createRouter(
  config: RouterConfig,
  logger = createLogger('router', {
    level: config.logLevel,
    format: config.logFormat,
    googleCloudProject: config.googleCloudProject,
  }),
): Router {
  const { production } = config;
  const tracer = new ServiceTracer('router');
  const metrics = new RouterMetrics(new ServiceMetrics('router'), config.metrics.maxOperationNames);
  const { gateway, subgraphUrls, breakers } = createGateway(config, logger, metrics);
  const features = composeFeatures([
    useLandingPage({ production }),
    // First: its timer covers every other feature's work on the request.
    useMetrics({ metrics, host: config.host, port: config.metrics.port, logger }),
    useRequestLogging(),
    useClientAddress({ trustedProxyHops: config.trustedProxyHops }),
    useOperationLimits(config.operationLimits, metrics),
    // Admits operations once the context (who asks: TRUSTED_DOCUMENTS_STAFF_BYPASS) is built, before parsing.
    useTrustedDocuments({ ...config.trustedDocuments, logger }),
    useAuth({
      metrics,
      tokens: config.tokens,
      sessions: { ...config.sessions, routerSecret: config.routerSecret },
      allowIntrospection: !production,
      logger,
    }),
    useRateLimits({
      rules: config.rateLimits,
      loginBackoff: config.loginBackoff,
      maxIdentities: config.rateLimitMaxIdentities,
      redisUrl: config.redisUrl,
      redisKeyPrefix: config.redisKeyPrefix,
      redisCommandTimeoutMs: config.redisCommandTimeoutMs,
      replicas: config.rateLimitReplicas,
      logger,
      metrics,
    }),
    useLowStockAlerts({
      eventBus: config.eventBus,
      settings: config.subscriptions,
      trustedProxyHops: config.trustedProxyHops,
      production,
      logger,
      metrics,
      tracer,
    }),
    useSubgraphHealth({ subgraphUrls, breakers }),
    // Last: a request shares a response only after every check above passed for it. A batch shares one
    // context across its operations, so only single operations are deduplicated.
    ...(config.deduplication.requests && config.maxBatchSize === 1 ? [useRequestDeduplication(metrics)] : []),
  ]);
  return routerServer(config, logger, gateway, features, tracer);
}
