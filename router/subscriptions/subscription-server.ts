/**
 * Event-driven subscriptions at the router: graphql-ws (protocol `graphql-transport-ws`) on the router's
 * `/graphql`, for any subscription field whose events come from the bus and whose subgraph can read one
 * event by id (router/subscriptions/event-query.ts). The router's features each serve one or more such
 * fields (router/features/low-stock-alerts.feature.ts).
 *
 * - The access token comes in `connection_init` (`{ "authorization": "Bearer …" }`); the connection's
 *   context is built as an HTTP request's is, so without a valid token the socket is closed with 4401
 *   before anything else, and when the token expires the socket is closed with 4403.
 * - A subscribe message is admitted as an HTTP operation is (trusted documents: a hash, with `query: ""`,
 *   or a trusted text), then goes through the router's own request pipeline (parsing with the token
 *   limit, validation with the operation limits, authentication and rate limits), as a query would; then
 *   the roles that the owning subgraph declares for the field (`@requiresRole`) are checked.
 * - Each accepted subscription is a subscriber of its field's feed; its results are written to the socket
 *   by the feed, serialised once for all the subscribers that get them (event-stream.ts), and a client
 *   that does not keep up is disconnected.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  getOperationAST,
  getVariableValues,
  GraphQLError,
  parse,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFormattedError,
} from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocket, WebSocketServer } from 'ws';
import { ErrorCode } from '../../lib/errors.ts';
import { GRAPHQL_PATH } from '../../lib/http-server.ts';
import { REQUEST_ID_HEADER, requestIdFrom } from '../../lib/logger.ts';
import type { Role } from '../../lib/viewer.ts';
import { rootFields } from '../operation-fields.ts';
import type { RouterContext } from '../router-context.ts';
import type { RouterRuntime } from '../router-feature.ts';
import type { EventFeed, EventSubscriber } from './event-feed.ts';
import { eventQuery, type EventQueryOptions } from './event-query.ts';
import { createEventStream, frameWriter, type EventStream, type EventStreamLimits } from './event-stream.ts';

export interface SubscriptionSettings extends EventStreamLimits {
  /** Open sockets this router accepts; more are refused with HTTP 503. */
  maxConnections: number;
  /** Open sockets of one client address (an IPv6 /64); more are refused with HTTP 429. */
  maxConnectionsPerAddress: number;
  /** Open sockets of one user; more are closed at connection_init with 1013. */
  maxConnectionsPerUser: number;
  /** Subscriptions one socket holds at once; more are refused with an error on that subscription. */
  maxSubscriptionsPerConnection: number;
  /** Ping interval; a client that has not answered the previous ping is dropped. */
  keepAliveMs: number;
  /**
   * How often an open connection's token and session are checked again: an ended session or a changed role
   * closes it (4403) within this plus the router's session check interval.
   */
  recheckMs: number;
  /** The largest message a client may send. */
  maxMessageBytes: number;
}

/** A subscription root field served from a feed of events. */
export interface EventSubscriptionField {
  /** The Subscription root field, e.g. `lowStockAlerts`. */
  name: string;
  /** The roles that may subscribe, as the owning subgraph declares them with @requiresRole. */
  allowedRoles: readonly Role[];
  /** How an event is read for a subscriber (the lookup field, filter data, personal types). */
  query: Omit<EventQueryOptions, 'subscriptionField'>;
  feed: Pick<EventFeed<unknown>, 'add' | 'remove' | 'subscriberCount'>;
}

export interface SubscriptionServerOptions {
  runtime: RouterRuntime;
  fields: readonly EventSubscriptionField[];
  /** Reads the client address of an upgrade request as the router's context does. */
  clientAddress(request: IncomingMessage): string;
  /** Why no event could reach a subscriber yet (the feeds are not on the bus), or undefined. */
  notServing(): string | undefined;
  settings: SubscriptionSettings;
  production: boolean;
}

/** What the socket carries once the connection is acknowledged. */
type Connection = {
  context?: RouterContext;
  expiry?: NodeJS.Timeout;
  recheck?: NodeJS.Timeout;
  /** The user whose count of open sockets this socket adds to, given back when it closes. */
  countedUser?: number;
};

/** Open sockets per key (a client address, a user), each entry gone when its count is back to zero. */
class OpenCounts<K> {
  readonly #counts = new Map<K, number>();
  count(key: K): number {
    return this.#counts.get(key) ?? 0;
  }
  add(key: K): void {
    this.#counts.set(key, this.count(key) + 1);
  }
  remove(key: K): void {
    const left = this.count(key) - 1;
    if (left > 0) this.#counts.set(key, left);
    else this.#counts.delete(key);
  }
}

/** Close code for a client too slow to take its events, or come too early (RFC 6455: try again later). */
const TOO_SLOW = 1013;

/** Attaches the WebSocket endpoint to `server`; `close()` ends every subscription with code 1001. */
export function attachSubscriptionServer(
  server: Server,
  options: SubscriptionServerOptions,
): { close(): Promise<void>; connections(): number } {
  const { settings, runtime } = options;
  const fields = new Map(options.fields.map((field) => [field.name, field]));
  /** The roles that may subscribe to something: any other is refused at connection_init. */
  const subscribingRoles = new Set(options.fields.flatMap((field) => field.allowedRoles));
  const perAddress = new OpenCounts<string>();
  const perUser = new OpenCounts<number>();
  // Uncompressed, so that event frames built once can be written to every socket (frameWriter).
  const sockets = new WebSocketServer({
    noServer: true,
    maxPayload: settings.maxMessageBytes,
    perMessageDeflate: false,
  });
  let closing = false;
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? '/').split('?', 1)[0];
    const address = options.clientAddress(request);
    const refusal =
      path !== GRAPHQL_PATH
        ? '404 Not Found'
        : closing || sockets.clients.size >= settings.maxConnections
          ? '503 Service Unavailable'
          : perAddress.count(address) >= settings.maxConnectionsPerAddress
            ? '429 Too Many Requests'
            : undefined;
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    perAddress.add(address);
    sockets.handleUpgrade(request, socket, head, (ws) => {
      ws.once('close', () => perAddress.remove(address));
      sockets.emit('connection', ws, request);
    });
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
        const notServing = options.notServing();
        if (notServing !== undefined) {
          socket.close(TOO_SLOW, `Try again later: ${notServing}`);
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
        const requestId = requestIdFrom(request.headers[REQUEST_ID_HEADER]);
        const incoming = {
          requestId,
          logger: runtime.logger.child({ requestId }),
          method: 'GET',
          headers: { ...request.headers, authorization },
          rawBody: '',
          remoteAddress: request.socket.remoteAddress,
        };
        let context: RouterContext;
        try {
          context = await runtime.contextFor(incoming, 'subscribe');
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
        // Closed while its token was checked: onClose has run already, so nothing may be counted now.
        if (socket.readyState !== WebSocket.OPEN) return false;
        const { viewer } = context;
        if (!viewer) {
          socket.close(CloseCode.Unauthorized, 'Unauthorized');
          return false;
        }
        if (!subscribingRoles.has(viewer.role)) {
          socket.close(CloseCode.Forbidden, `Forbidden: the role ${viewer.role} has nothing to subscribe to`);
          return false;
        }
        if (perUser.count(viewer.userId) >= settings.maxConnectionsPerUser) {
          socket.close(
            TOO_SLOW,
            `Try again later: this account has ${settings.maxConnectionsPerUser} connections open already`,
          );
          return false;
        }
        perUser.add(viewer.userId);
        ctx.extra.countedUser = viewer.userId;
        ctx.extra.context = context;
        // A token is good until it expires (with the clock tolerance HTTP requests get); so is a
        // subscription made with it.
        ctx.extra.expiry = setTimeout(
          () => socket.close(CloseCode.Forbidden, 'Forbidden: the access token expired'),
          Math.max(0, viewer.acceptedUntil - Date.now()),
        );
        // The session may end or the role change while the socket is open: it is checked again, as a new
        // request would be.
        ctx.extra.recheck = setInterval(() => {
          runtime.contextFor(incoming, 'subscribe').then(
            ({ viewer: now }) => {
              if (now?.userId !== viewer.userId || now.role !== viewer.role) {
                socket.close(CloseCode.Forbidden, "Forbidden: the account's role changed: connect again");
              }
            },
            (error: unknown) => {
              // The users service or the keys may be out of reach: that ends no subscription.
              if ((error as GraphQLError).extensions?.code === ErrorCode.UNAUTHENTICATED) {
                socket.close(CloseCode.Forbidden, `Forbidden: ${(error as Error).message}`);
              }
            },
          );
        }, settings.recheckMs);
        return true;
      },
      onClose(ctx) {
        clearTimeout(ctx.extra.expiry);
        clearInterval(ctx.extra.recheck);
        if (ctx.extra.countedUser !== undefined) perUser.remove(ctx.extra.countedUser);
      },
      async onSubscribe(ctx, id, payload) {
        const { context: connection, socket } = ctx.extra;
        const schema = runtime.apiSchema();
        const viewer = connection?.viewer;
        if (!connection || !viewer || !schema) return refuse('not connected', ErrorCode.UNAUTHENTICATED);
        // graphql-ws has registered this one already.
        if (Object.keys(ctx.subscriptions).length > settings.maxSubscriptionsPerConnection) {
          return refuse(
            `this connection holds ${settings.maxSubscriptionsPerConnection} subscriptions already`,
            ErrorCode.RATE_LIMITED,
          );
        }
        const requestId = `${connection.requestId}:${id}`;
        const context: RouterContext = {
          ...connection,
          requestId,
          logger: runtime.logger.child({ requestId }),
        };
        // Trusted documents, as for an HTTP request: a hash-only subscribe sends `query: ""`.
        let query: string;
        try {
          const admitted = runtime.admitOperation({ ...payload }, context);
          // Still no text: a hash that no manifest here stands for (TRUSTED_DOCUMENTS=off keeps none).
          if (typeof admitted.query !== 'string' || admitted.query === '')
            return refuse('PersistedQueryNotFound', ErrorCode.PERSISTED_QUERY_NOT_FOUND);
          query = admitted.query;
        } catch (error) {
          const { message, extensions } = error as GraphQLError;
          return refuse(message, typeof extensions?.code === 'string' ? extensions.code : 'BAD_REQUEST');
        }
        // The same checks as an HTTP request: token limit, validation, operation limits, rate limits.
        const checked = await runtime.apollo.executeOperation(
          {
            query,
            variables: payload.variables ?? undefined,
            operationName: payload.operationName ?? undefined,
          },
          { contextValue: context },
        );
        const errors = checked.body.kind === 'single' ? checked.body.singleResult.errors : undefined;
        if (errors?.length) return errors.map(toGraphQLError);
        const document = parse(query, runtime.parseOptions);
        const operation = getOperationAST(document, payload.operationName);
        const field = operation && fields.get(rootFields(document, operation)[0]?.name.value ?? '');
        if (field && !field.allowedRoles.includes(viewer.role)) {
          return refuse(
            `${field.name} requires the role ${field.allowedRoles.join(' or ')}`,
            ErrorCode.FORBIDDEN,
          );
        }
        if (operation?.operation !== 'subscription') {
          return refuse(
            'only subscriptions are served over WebSocket; send queries and mutations over HTTP',
            'BAD_REQUEST',
          );
        }
        if (!field)
          return refuse(`only ${[...fields.keys()].join(', ')} subscriptions are served`, 'BAD_REQUEST');
        const coerced = getVariableValues(
          schema,
          operation.variableDefinitions ?? [],
          payload.variables ?? {},
        );
        if (coerced.errors) return [...coerced.errors];
        const selection = eventQuery(schema, document, operation, coerced.coerced, {
          subscriptionField: field.name,
          ...field.query,
        });
        const subscriber: EventSubscriber = {
          viewer,
          query: selection,
          deliver: (message) => stream.push(message),
        };
        const stream: EventStream = createEventStream(
          settings,
          frameWriter(socket),
          id,
          () => {
            context.logger.warn('subscriber too slow: disconnected');
            socket.close(TOO_SLOW, 'Try again later: the client does not keep up with its events');
          },
          () => field.feed.remove(subscriber),
        );
        field.feed.add(subscriber);
        context.logger.info({ subscriptions: field.feed.subscriberCount }, `${field.name} subscribed`);
        return { schema, document, contextValue: { stream } } satisfies ExecutionArgs;
      },
      // graphql-ws types this as graphql-js's own generator, but only iterates it and calls return(); the
      // stream yields nothing (it writes its results to the socket itself) and ends with the subscription.
      subscribe: (args) =>
        (args.contextValue as { stream: EventStream }).stream as unknown as AsyncGenerator<ExecutionResult>,
      onError: (_ctx, _id, _payload, errors) => errors.map((error): GraphQLFormattedError => error.toJSON()),
    },
    sockets,
    settings.keepAliveMs,
  );

  return {
    connections: () => sockets.clients.size,
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
