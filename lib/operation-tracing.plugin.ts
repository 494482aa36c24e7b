import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { nameActiveOperation } from './telemetry.ts';

/**
 * Names the request's span (lib/http-server.ts) after its GraphQL operation, `mutation placeOrder`, with
 * its type and name as attributes: never its variables, which may hold a password or a token.
 */
export function operationTracingPlugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, operationName }) {
          nameActiveOperation(operation?.operation, operationName ?? undefined);
        },
      };
    },
  };
}
