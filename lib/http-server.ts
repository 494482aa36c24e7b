/**
 * The HTTP server every service runs: `/graphql` served by Apollo Server, `/health` (the process is alive),
 * `/ready` (this process can serve: listening, not draining, and what it cannot serve without, such as a
 * subgraph's own database) and `/health/dependencies` (how each dependency answers, never part of
 * readiness), a request id on every request and response, a body size limit, and a graceful close that
 * drains in-flight requests.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  HeaderMap,
  type ApolloServer,
  type BaseContext,
  type HTTPGraphQLRequest,
  type HTTPGraphQLResponse,
} from '@apollo/server';
import { ErrorCode } from './errors.ts';
import { REQUEST_ID_HEADER, requestIdFrom, type Logger } from './logger.ts';
import { contextFromHeaders, SpanKind, type ServiceTracer } from './telemetry.ts';

export const GRAPHQL_PATH = '/graphql';

/** What a service knows about one incoming request before building its GraphQL context. */
export interface IncomingRequest {
  requestId: string;
  logger: Logger;
  method: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as received (a subgraph checks the router's signature over it). */
  rawBody: string;
  remoteAddress: string | undefined;
}

/**
 * One operation as a client sent it (a POST body, one entry of a batch, a GET's search parameters or a
 * subscribe message), before anything parsed it: every field is the client's, so nothing is trusted.
 */
export interface OperationSource {
  readonly query?: unknown;
  /** A trusted document's id (`sha256:<hex>` or `<hex>`), as GraphQL over HTTP's persisted documents send it. */
  readonly documentId?: unknown;
  readonly extensions?: unknown;
  readonly [field: string]: unknown;
}

/** An extra endpoint, e.g. the users subgraph's JWKS; a POST's body is read (within the size limit) first. */
export type Route = (res: ServerResponse, request: IncomingRequest) => Promise<void>;

export interface GraphQLHttpOptions<TContext extends BaseContext> {
  logger: Logger;
  apollo: ApolloServer<TContext>;
  context: (request: IncomingRequest) => Promise<TContext>;
  /**
   * Resolves while this process can serve, rejects with the reason otherwise: only what it cannot serve a
   * single request without (a subgraph's own database), never a dependency that some requests need.
   */
  checkReadiness?: () => Promise<void>;
  /** How each dependency answers, reported at /health/dependencies; it never makes the process unready. */
  reportDependencies?: () => Promise<Readonly<Record<string, DependencyReport>>>;
  maxBodyBytes: number;
  /** Operations allowed in one batched HTTP request; 1 (the default) refuses batches. */
  maxBatchSize?: number;
  shutdownTimeoutMs: number;
  /**
   * The response to send for a GraphQL request, given the one Apollo produced (or the error it threw):
   * the router's in-flight deduplication hands one response to identical requests here. As is by default.
   */
  finishResponse?: (
    context: TContext,
    response: HTTPGraphQLResponse | Error,
  ) => Promise<HTTPGraphQLResponse | Error>;
  /**
   * Admits each operation of a request once its context is built and before Apollo parses it: returns the
   * operation to run (the same object when unchanged) or throws the GraphQLError, with its HTTP status in
   * `extensions.http`, that refuses the whole request (the router's trusted documents).
   */
  admitOperation?: (operation: OperationSource, context: TContext) => OperationSource;
  /** GET endpoints beside /graphql, /health and /ready, by path. */
  routes?: Readonly<Record<string, Route>>;
  /**
   * Adds to the HTTP server what is not a request (the router's WebSocket endpoint). Its `close()` runs
   * first when the server closes.
   */
  attach?: (server: Server) => { close(): Promise<void> };
  /** The service's spans: each GraphQL request is one, continuing the caller's `traceparent`. */
  tracer?: ServiceTracer;
}

/** A dependency as /health/dependencies reports it. */
export interface DependencyReport {
  ok: boolean;
  /** Why not, when it is not. */
  reason?: string;
  /** A subgraph's circuit breaker: closed, open (calls fail at once) or half-open (one probe goes). */
  circuit?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Stops accepting requests, waits for in-flight ones (up to the shutdown timeout), then stops Apollo. */
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 2_000;
/** How long one dependency report answers /health/dependencies. */
const DEPENDENCY_REPORT_TTL_MS = 2_000;

/** A request refused before GraphQL, with its HTTP status and the `extensions.code` clients see. */
class HttpError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  constructor(status: number, code: ErrorCode, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** A refusal before GraphQL in the shape of a GraphQL response, so every client reads it the same way. */
function sendRefusal(res: ServerResponse, status: number, code: ErrorCode, message: string): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });
}

export async function listenGraphQL<TContext extends BaseContext>(
  options: GraphQLHttpOptions<TContext>,
  host: string,
  port: number,
): Promise<RunningServer> {
  const { apollo, logger } = options;
  let draining = false;

  const server = createServer((req, res) => {
    const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const path = (req.url ?? '/').split('?', 1)[0];
    const reply =
      path === '/health'
        ? Promise.resolve(sendJson(res, 200, { status: 'ok' }))
        : path === '/ready'
          ? answerReadiness(res)
          : path === '/health/dependencies'
            ? answerDependencies(res)
            : path === GRAPHQL_PATH
              ? tracedGraphQL(req, res, requestId)
              : serveRoute(req, res, requestId, options.routes?.[path ?? '']);
    reply.catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
      } else if (error instanceof HttpError) {
        sendRefusal(res, error.status, error.code, error.message);
      } else {
        logger.error({ err: error, requestId }, 'request failed');
        sendRefusal(res, 500, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
      }
    });
  });
  // Longer than Google's load balancers keep an idle backend connection (600 s): the balancer, not the server,
  // closes it, so a request never meets a connection being closed (a sporadic 502). Headers within it too.
  server.keepAliveTimeout = 620_000;
  server.headersTimeout = 625_000;

  async function answerReadiness(res: ServerResponse): Promise<void> {
    if (draining) return sendJson(res, 503, { status: 'draining' });
    try {
      await withTimeout(options.checkReadiness?.() ?? Promise.resolve(), READY_TIMEOUT_MS);
      sendJson(res, 200, { status: 'ready' });
    } catch (error) {
      logger.warn({ err: error }, 'not ready');
      sendJson(res, 503, { status: 'unavailable', reason: (error as Error).message });
    }
  }

  /**
   * Always 200: the answer is in the body, for people and monitors, not for a load balancer. One report
   * serves every caller for DEPENDENCY_REPORT_TTL_MS, so asking often costs the dependencies nothing more.
   */
  let report: { at: number; dependencies: Promise<Record<string, DependencyReport>> } | undefined;
  async function answerDependencies(res: ServerResponse): Promise<void> {
    if (!report || Date.now() - report.at >= DEPENDENCY_REPORT_TTL_MS) {
      report = {
        at: Date.now(),
        dependencies: withTimeout(
          options.reportDependencies?.() ?? Promise.resolve({}),
          READY_TIMEOUT_MS,
        ).catch((error: unknown) => ({ report: { ok: false, reason: (error as Error).message } })),
      };
    }
    sendJson(res, 200, { dependencies: await report.dependencies });
  }

  async function serveRoute(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    route: Route | undefined,
  ): Promise<void> {
    if (!route) return sendRefusal(res, 404, ErrorCode.NOT_FOUND, `nothing at ${req.url?.split('?', 1)[0]}`);
    await route(res, {
      requestId,
      logger: logger.child({ requestId }),
      method: req.method ?? 'GET',
      headers: req.headers,
      rawBody: req.method === 'POST' ? await readBody(req, options.maxBodyBytes) : '',
      remoteAddress: req.socket.remoteAddress,
    });
  }

  function tracedGraphQL(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    if (!options.tracer) return serveGraphQL(req, res, requestId);
    // Renamed after the operation once it is known (operation-tracing.plugin.ts).
    return options.tracer.inSpan(
      `${req.method ?? 'GET'} ${GRAPHQL_PATH}`,
      {
        kind: SpanKind.SERVER,
        parent: contextFromHeaders(req.headers),
        attributes: {
          'http.request.method': req.method ?? 'GET',
          'url.path': GRAPHQL_PATH,
          'pharmacy.request_id': requestId,
        },
      },
      async (span) => {
        await serveGraphQL(req, res, requestId);
        span.setAttribute('http.response.status_code', res.statusCode);
      },
    );
  }

  async function serveGraphQL(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const raw = req.method === 'POST' ? await readBody(req, options.maxBodyBytes) : '';
    const body = raw === '' ? undefined : parseJsonBody(raw, headers.get('content-type'));
    const maxBatchSize = options.maxBatchSize ?? 1;
    if (Array.isArray(body) && body.length > maxBatchSize) {
      throw new HttpError(
        400,
        ErrorCode.BAD_REQUEST,
        maxBatchSize === 1
          ? 'batched requests are not accepted: send one operation per request'
          : `a batch of ${body.length} operations is over the limit of ${maxBatchSize}`,
      );
    }
    let context: TContext | undefined;
    const httpGraphQLRequest: HTTPGraphQLRequest = {
      method: req.method ?? 'GET',
      headers,
      search: req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : '',
      body,
    };
    const { admitOperation } = options;
    const produced = await apollo
      .executeHTTPGraphQLRequest({
        httpGraphQLRequest,
        context: async () => {
          context = await options.context({
            requestId,
            logger: logger.child({ requestId }),
            method: req.method ?? 'GET',
            headers: req.headers,
            rawBody: raw,
            remoteAddress: req.socket.remoteAddress,
          });
          // Apollo reads the operations only once it has their context: they are admitted here, where who
          // asks is known and nothing has been parsed yet.
          if (admitOperation)
            admitOperations(httpGraphQLRequest, (operation) =>
              admitOperation(operation, context as TContext),
            );
          return context;
        },
      })
      .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    const response =
      context && options.finishResponse ? await options.finishResponse(context, produced) : produced;
    if (response instanceof Error) throw response;
    for (const [key, value] of response.headers) res.setHeader(key, value);
    // A response finished while draining closes its connection, so close() need not wait for idle sockets.
    if (draining) res.setHeader('connection', 'close');
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  await apollo.start();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const attachment = options.attach?.(server);
  const address = server.address() as AddressInfo;
  const urlHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;

  return {
    port: address.port,
    url: `http://${urlHost}:${address.port}${GRAPHQL_PATH}`,
    async close() {
      draining = true;
      await attachment?.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), options.shutdownTimeoutMs);
      await closed;
      clearTimeout(timer);
      await apollo.stop();
    },
  };
}

/** Puts each operation of `request` (POST body, batch, or GET search) through `admit`, in place. */
function admitOperations(
  request: HTTPGraphQLRequest,
  admit: (operation: OperationSource) => OperationSource,
): void {
  const { body } = request;
  if (Array.isArray(body)) {
    request.body = body.map((operation: unknown) =>
      isOperationSource(operation) ? admit(operation) : operation,
    );
  } else if (isOperationSource(body)) {
    request.body = admit(body);
  } else if (request.method === 'GET') {
    const params = new URLSearchParams(request.search);
    const extensions = params.get('extensions');
    let parsedExtensions: unknown;
    try {
      parsedExtensions = extensions === null ? undefined : JSON.parse(extensions);
    } catch {
      // Apollo refuses it.
      parsedExtensions = undefined;
    }
    const source: OperationSource = {
      query: params.get('query') ?? undefined,
      documentId: params.get('documentId') ?? undefined,
      extensions: parsedExtensions,
    };
    const admitted = admit(source);
    if (admitted === source) return;
    for (const name of ['query', 'documentId', 'extensions'] as const) {
      const value = admitted[name];
      if (value === undefined) params.delete(name);
      else params.set(name, typeof value === 'string' ? value : JSON.stringify(value));
    }
    request.search = `?${params.toString()}`;
  }
}

function isOperationSource(value: unknown): value is OperationSource {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

function bodyTooLarge(maxBytes: number): HttpError {
  return new HttpError(413, ErrorCode.PAYLOAD_TOO_LARGE, `request body is larger than ${maxBytes} bytes`);
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw bodyTooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw bodyTooLarge(maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Apollo Server expects JSON bodies parsed; other content types go through as text for it to refuse. */
function parseJsonBody(raw: string, contentType: string | undefined): unknown {
  if (!contentType?.toLowerCase().startsWith('application/json')) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    throw new HttpError(400, ErrorCode.BAD_REQUEST, 'request body is not valid JSON');
  }
}

export function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
