/**
 * The router's servers, built from the gateway and the composed features: Apollo Server with every
 * feature's plugins, rules and parse options, and the HTTP server with their context, readiness,
 * response finishing and attachments (lib/http-server.ts).
 */
import { ApolloServer } from '@apollo/server';
import type { ApolloGateway } from '@apollo/gateway';
import type { GraphQLSchema } from 'graphql';
import { createErrorFormatter } from '../lib/errors.ts';
import { listenGraphQL, type IncomingRequest, type RunningServer } from '../lib/http-server.ts';
import type { Logger } from '../lib/logger.ts';
import type { ServiceTracer } from '../lib/telemetry.ts';
import type { RouterConfig } from './config.ts';
import type { RouterContext } from './router-context.ts';
import type { ComposedFeatures, RouterRuntime } from './router-feature.ts';
import { SubgraphUnavailableError } from './subgraph-data-source.ts';

export interface Router {
  logger: Logger;
  listen(): Promise<RunningServer>;
  /** Resolves once every feature serves (the alert feed listens on the bus), after `listen`. */
  started(): Promise<void>;
  /** Subscriptions end (1001) and requests drain, then every feature lets go of what it holds. */
  close(): Promise<void>;
}

export function routerServer(
  config: RouterConfig,
  logger: Logger,
  gateway: ApolloGateway,
  features: ComposedFeatures,
  tracer?: ServiceTracer,
): Router {
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
    parseOptions: features.parseOptions,
    validationRules: [...features.validationRules],
    plugins: [...features.plugins],
  });
  let apiSchema: GraphQLSchema | undefined;
  gateway.onSchemaLoadOrUpdate((schemas) => {
    apiSchema = schemas.apiSchema;
  });
  const contextFor = async (request: IncomingRequest, purpose: RouterContext['purpose']) => ({
    requestId: request.requestId,
    logger: request.logger,
    viewer: null,
    clientIp: '',
    purpose,
    ...(purpose === 'request' ? { exchange: {} } : {}),
    ...(await features.extendContext(request)),
  });
  const runtime: RouterRuntime = {
    logger,
    apollo,
    apiSchema: () => apiSchema,
    parseOptions: features.parseOptions,
    contextFor,
    admitOperation: features.admitOperation,
  };

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
          context: (request) => contextFor(request, 'request'),
          admitOperation: features.admitOperation,
          reportDependencies: features.reportDependencies,
          finishResponse: features.finishResponse,
          attach: (httpServer) => features.attach(httpServer, runtime),
          tracer,
        },
        config.host,
        config.port,
      );
      logger.info({ url: server.url }, 'router listening');
      return server;
    },
    started: features.started,
    async close() {
      await server?.close();
      await features.close();
    },
  };
}
