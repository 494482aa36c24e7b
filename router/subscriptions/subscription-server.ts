/**
 * Subscriptions at the router: graphql-ws (protocol `graphql-transport-ws`) on the router's `/graphql`.
 *
 * - The access token comes in `connection_init` (`{ "authorization": "Bearer …" }`); without a valid one
 *   the socket is closed with 4401 before anything else, and when the token expires the socket is closed
 *   with 4403.
 * - A subscribe message goes through the router's own request pipeline first (parsing with the token
 *   limit, validation with the operation limits, authentication and rate limits), as a query would; then
 *   the roles that the owning subgraph declares for the field (`@requiresRole`) are checked.
 * - Each accepted subscription is a subscriber of the low-stock alert feed, with a bounded queue.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApolloServer } from '@apollo/server';
import {
  getOperationAST,
  getVariableValues,
  GraphQLError,
  parse,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ParseOptions,
  type SelectionNode,
} from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { ErrorCode } from '../../lib/errors.ts';
import { GRAPHQL_PATH } from '../../lib/http-server.ts';
import { REQUEST_ID_HEADER, requestIdFrom, type Logger } from '../../lib/logger.ts';
import type { Role } from '../../lib/viewer.ts';
import { clientIp } from '../client-ip.ts';
import type { TokenVerifier, VerifiedViewer } from '../plugins/auth.plugin.ts';
import type { RouterContext } from '../router-context.ts';
import { alertQuery } from './alert-query.ts';
import { createAlertStream, type AlertStream, type AlertStreamLimits } from './alert-stream.ts';
import type { AlertSubscriber, LowStockAlertFeed } from './low-stock-alert-feed.ts';

/** Users and orders answer per viewer (their own account and orders), the rest of the graph per role. */
const PERSONAL_TYPES: ReadonlySet<string> = new Set(['User', 'Order']);

export interface SubscriptionSettings extends AlertStreamLimits {
  /** Open sockets this router accepts; more are refused with HTTP 503. */
  maxConnections: number;
  /** Ping interval; a client that has not answered the previous ping is dropped. */
  keepAliveMs: number;
  /** The largest message a client may send. */
  maxMessageBytes: number;
}

export interface SubscriptionServerOptions {
  apollo: ApolloServer<RouterContext>;
  /** The supergraph's API schema, once the gateway has loaded it. */
  apiSchema: () => GraphQLSchema | undefined;
  parseOptions: ParseOptions;
  feed: LowStockAlertFeed;
  /** Whether the feed is subscribed on the bus: until then no alert could reach a subscriber. */
  feedListening: () => boolean;
  verifyToken: TokenVerifier;
  /** How long after its `exp` a token is still accepted (JWT_CLOCK_TOLERANCE_SECONDS). */
  clockToleranceMs: number;
  /** The roles that may subscribe to lowStockAlerts, as the inventory subgraph declares them. */
  allowedRoles: readonly Role[];
  settings: SubscriptionSettings;
  trustedProxyHops: number;
  production: boolean;
  logger: Logger;
}

/** What the socket carries once the connection is acknowledged. */
type Connection = {
  viewer?: VerifiedViewer;
  requestId?: string;
  expiry?: NodeJS.Timeout;
};

/** The category filter needs the alert's product category, which the alert query then also selects. */
const CATEGORY_SELECTION: readonly SelectionNode[] = parse('{ product { category } }').definitions.flatMap(
  (definition) => ('selectionSet' in definition ? definition.selectionSet.selections : []),
);

/** Close code for a client too slow to take its alerts, or come too early (RFC 6455: try again later). */
const TOO_SLOW = 1013;

/** Attaches the WebSocket endpoint to `server`; `close()` ends every subscription with code 1001. */
export function attachSubscriptionServer(
  server: Server,
  options: SubscriptionServerOptions,
): { close(): Promise<void> } {
  const { settings, logger } = options;
  const sockets = new WebSocketServer({ noServer: true, maxPayload: settings.maxMessageBytes });
  let closing = false;

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? '/').split('?', 1)[0];
    const refusal =
      path !== GRAPHQL_PATH
        ? '404 Not Found'
        : closing || sockets.clients.size >= settings.maxConnections
          ? '503 Service Unavailable'
          : undefined;
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit('connection', ws, request));
  };
  server.on('upgrade', onUpgrade);

  const refuse = (message: string, code: string): GraphQLError[] => [
    new GraphQLError(message, { extensions: { code } }),
  ];

  const disposable = useServer<Record<string, unknown> | undefined, Connection>(
    {
      isProd: options.production,
      async onConnect(ctx) {
        const { socket, request } = ctx.extra;
        if (!options.feedListening()) {
          socket.close(TOO_SLOW, 'Try again later: the alert feed is not connected to the event bus yet');
          return false;
        }
        const authorization = authorizationIn(ctx.connectionParams);
        if (authorization === undefined) {
          socket.close(
            CloseCode.Unauthorized,
            'Unauthorized: send "authorization": "Bearer <token>" in connection_init',
          );
          return false;
        }
        let viewer: VerifiedViewer | null;
        try {
          viewer = await options.verifyToken(authorization);
        } catch (error) {
          const unavailable = (error as GraphQLError).extensions?.code === ErrorCode.SERVICE_UNAVAILABLE;
          socket.close(
            unavailable ? TOO_SLOW : CloseCode.Unauthorized,
            unavailable
              ? 'Try again later: the token keys are unavailable'
              : `Unauthorized: ${(error as Error).message}`,
          );
          return false;
        }
        if (!viewer) {
          socket.close(CloseCode.Unauthorized, 'Unauthorized');
          return false;
        }
        ctx.extra.viewer = viewer;
        ctx.extra.requestId = requestIdFrom(request.headers[REQUEST_ID_HEADER]);
        // A token is good until it expires (with the clock tolerance HTTP requests get); so is a
        // subscription made with it.
        ctx.extra.expiry = setTimeout(
          () => socket.close(CloseCode.Forbidden, 'Forbidden: the access token expired'),
          Math.max(0, viewer.expiresAt + options.clockToleranceMs - Date.now()),
        );
        return true;
      },
      onClose(ctx) {
        clearTimeout(ctx.extra.expiry);
      },
      async onSubscribe(ctx, id, payload) {
        const { viewer, socket, request } = ctx.extra;
        const schema = options.apiSchema();
        if (!viewer || !schema) return refuse('not connected', ErrorCode.UNAUTHENTICATED);
        const requestId = `${ctx.extra.requestId ?? randomUUID()}:${id}`;
        const context: RouterContext = {
          requestId,
          logger: logger.child({ requestId }),
          viewer,
          clientIp: clientIp(request.headers, request.socket.remoteAddress, options.trustedProxyHops),
          purpose: 'subscribe',
        };
        // The same checks as an HTTP request: token limit, validation, operation limits, rate limits.
        const checked = await options.apollo.executeOperation(
          {
            query: payload.query,
            variables: payload.variables ?? undefined,
            operationName: payload.operationName ?? undefined,
          },
          { contextValue: context },
        );
        const errors = checked.body.kind === 'single' ? checked.body.singleResult.errors : undefined;
        if (errors?.length) return errors.map(toGraphQLError);
        if (!options.allowedRoles.includes(viewer.role)) {
          return refuse(
            `lowStockAlerts requires the role ${options.allowedRoles.join(' or ')}`,
            ErrorCode.FORBIDDEN,
          );
        }
        const document = parse(payload.query, options.parseOptions);
        const operation = getOperationAST(document, payload.operationName);
        if (operation?.operation !== 'subscription') {
          return refuse(
            'only subscriptions are served over WebSocket; send queries and mutations over HTTP',
            'BAD_REQUEST',
          );
        }
        const coerced = getVariableValues(
          schema,
          operation.variableDefinitions ?? [],
          payload.variables ?? {},
        );
        if (coerced.errors) return [...coerced.errors];
        const query = alertQuery(schema, document, operation, coerced.coerced, {
          subscriptionField: 'lowStockAlerts',
          lookupField: 'lowStockAlert',
          filterSelections: (args) => (typeof args.category === 'string' ? CATEGORY_SELECTION : []),
          personalTypes: PERSONAL_TYPES,
        });
        const productIds = Array.isArray(query.args.productIds)
          ? new Set(query.args.productIds.map(String))
          : null;
        const subscriber: AlertSubscriber = {
          viewer,
          query,
          productIds,
          category: typeof query.args.category === 'string' ? query.args.category : null,
          deliver: (result) => stream.push(result),
        };
        const stream: AlertStream = createAlertStream(
          settings,
          () => socket.bufferedAmount,
          () => {
            context.logger.warn('subscriber too slow: disconnected');
            socket.close(TOO_SLOW, 'Try again later: the client does not keep up with its alerts');
          },
          () => options.feed.remove(subscriber),
        );
        options.feed.add(subscriber);
        context.logger.info({ subscriptions: options.feed.subscriberCount }, 'lowStockAlerts subscribed');
        return { schema, document, contextValue: { stream } } satisfies ExecutionArgs;
      },
      // graphql-ws types this as graphql-js's own generator, but only iterates it and calls return();
      // its results are already formatted and go out through onNext as they are.
      subscribe: (args) =>
        (args.contextValue as { stream: AlertStream }).stream as unknown as AsyncGenerator<ExecutionResult>,
      // Results are already formatted (by the gateway's pipeline): sent as they are.
      onNext: (_ctx, _id, _payload, _args, result) => result as FormattedExecutionResult,
      onError: (_ctx, _id, _payload, errors) => errors.map((error): GraphQLFormattedError => error.toJSON()),
    },
    sockets,
    settings.keepAliveMs,
  );

  return {
    async close() {
      closing = true;
      server.off('upgrade', onUpgrade);
      await disposable.dispose();
    },
  };
}

/** The `authorization` of a connection_init payload, in any case, or under `headers` (Apollo Sandbox). */
function authorizationIn(params: Record<string, unknown> | undefined): string | undefined {
  if (!params) return undefined;
  for (const source of [params, params.headers]) {
    if (typeof source !== 'object' || source === null) continue;
    for (const [key, value] of Object.entries(source)) {
      if (key.toLowerCase() === 'authorization' && typeof value === 'string' && value.trim() !== '')
        return value;
    }
  }
  return undefined;
}

function toGraphQLError(error: GraphQLFormattedError): GraphQLError {
  return new GraphQLError(error.message, { extensions: error.extensions });
}
