/**
 * Subscriptions in the router's request pipeline. A subscription over HTTP is refused with a pointer to
 * the WebSocket endpoint. A subscribe message from the WebSocket server runs the pipeline up to this
 * point (parsing, validation, operation limits, authentication, rate limits) and stops here, accepted:
 * the subscription server then serves it (subscription-server.ts).
 */
import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import type { RouterContext } from '../router-context.ts';

export function subscriptionRequestsPlugin(): ApolloServerPlugin<RouterContext> {
  return {
    async requestDidStart() {
      return {
        async responseForOperation({ operation, contextValue }) {
          // A subscribe message is only checked here, whatever it holds: nothing of it runs.
          if (contextValue.purpose === 'subscribe') {
            return {
              http: { status: 200, headers: new HeaderMap() },
              body: { kind: 'single', singleResult: {} },
            };
          }
          if (operation?.operation !== 'subscription') return null;
          return {
            http: { status: 400, headers: new HeaderMap() },
            body: {
              kind: 'single',
              singleResult: {
                errors: [
                  {
                    message:
                      'subscriptions are served over WebSocket: connect to this URL with a graphql-ws client (protocol graphql-transport-ws)',
                    extensions: { code: 'BAD_REQUEST' },
                  },
                ],
              },
            },
          };
        },
      };
    },
  };
}
