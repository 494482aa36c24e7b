/**
 * The router's RED metrics per operation (requests, errors by `extensions.code`, duration), its spans
 * named after the operation, and `/metrics` on METRICS_PORT (never the router's own port, so never
 * behind the ingress).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { listenMetrics, type MetricsServer } from '../../lib/metrics.ts';
import type { Logger } from '../../lib/logger.ts';
import { operationTracingPlugin } from '../../lib/operation-tracing.plugin.ts';
import type { RouterContext } from '../router-context.ts';
import type { RouterFeature } from '../router-feature.ts';
import type { RouterMetrics } from '../router-metrics.ts';

export interface MetricsOptions {
  metrics: RouterMetrics;
  host: string;
  /** Where /metrics listens (METRICS_PORT); none when undefined. */
  port: number | undefined;
  logger: Logger;
}

/** The label of an operation whose name is not known (it did not parse or validate). */
const UNRESOLVED = 'unresolved';

export function useMetrics(options: MetricsOptions): RouterFeature {
  const { metrics, logger } = options;
  let server: Promise<MetricsServer> | undefined;
  const plugin: ApolloServerPlugin<RouterContext> = {
    async requestDidStart({ contextValue }) {
      // An alert resolved for subscribers is not a client's request.
      if (contextValue.purpose === 'alert') return;
      const stopTimer = metrics.requestSeconds.startTimer();
      let operation = UNRESOLVED;
      let type = 'unknown';
      return {
        async didResolveOperation(request) {
          operation = metrics.operationNames.label(request.operationName);
          type = request.operation?.operation ?? 'unknown';
        },
        async willSendResponse({ response }) {
          stopTimer({ operation, type });
          metrics.requests.inc({ operation, type });
          const errors: readonly GraphQLFormattedError[] =
            response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          for (const error of errors) {
            const code = error.extensions?.code;
            metrics.errors.inc({
              operation,
              code: metrics.errorCodes.label(typeof code === 'string' ? code : 'UNKNOWN'),
            });
          }
        },
      };
    },
  };
  return {
    name: 'metrics',
    plugins: [operationTracingPlugin(), plugin],
    attach() {
      const { port } = options;
      if (port !== undefined) {
        server = listenMetrics(metrics.service, options.host, port);
        server.then(
          ({ port: listening }) => logger.info({ port: listening }, 'router metrics at /metrics'),
          () => undefined,
        );
      }
      return { close: async () => undefined };
    },
    started: async () => {
      await server;
    },
    close: async () => {
      await (await server?.catch(() => undefined))?.close();
    },
  };
}
