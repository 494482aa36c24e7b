import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from './logger.ts';

/** One log line per GraphQL operation: its name, how long it took and how many errors it returned. */
export function requestLoggingPlugin<TContext extends { logger: Logger }>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      return {
        async willSendResponse({ operationName, response }) {
          const errorCount =
            response.body.kind === 'single' ? (response.body.singleResult.errors?.length ?? 0) : 0;
          contextValue.logger.info(
            { operationName, durationMs: Math.round(performance.now() - started), errors: errorCount },
            'graphql operation',
          );
        },
      };
    },
  };
}
