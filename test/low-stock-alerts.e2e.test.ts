/**
 * Live low-stock alerts through the router's WebSocket endpoint (graphql-ws, protocol
 * graphql-transport-ws), end to end: the four real subgraphs on fresh databases and a shared Postgres
 * bus, the stack's router for orders and stock changes, and routers built here in front of the same
 * subgraphs where a test needs to see when a subscription is registered (their logs say so), another
 * configuration (limits), a recording proxy in front of inventory (fan-out), or a shutdown.
 *
 * Clients are raw `ws` sockets speaking the protocol by hand, so that every message and close code is
 * seen as the server sent it. Each test opens its own sockets and closes them, and has products of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import WebSocket from 'ws';
import type { Logger } from '../lib/logger.ts';
import type { Viewer } from '../lib/viewer.ts';
import { readRouterConfig } from '../router/config.ts';
import { createRouter, type Router } from '../router/create-router.ts';
import { createMigratedDatabase, sqlAt, type TestDatabase } from './support/database.ts';
import { dataOf, postGraphQL } from './support/graphql.ts';
import { freePort } from '../scripts/support/ports.ts';
import { scrapeMetrics } from '../scripts/support/prometheus.ts';
import { startRecordingProxy } from './support/network.ts';
import { startTestRouter, subgraphUrlEnv } from './support/routers.ts';
import { asViewer } from './support/client.ts';
import { placeOrder, readStock, waitUntilDecided } from './support/saga.ts';
import { bearer, startTestStack, testRouterEnv, type TestStack } from './support/services.ts';
import { waitFor } from './support/waiting.ts';

/** Generous: other test files load the same two cores. */
const WAIT_MS = 30_000;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

const PHARMACIST: Viewer = { userId: 2, role: 'PHARMACIST' };
const ADMIN: Viewer = { userId: 1, role: 'ADMIN' };
const CUSTOMER: Viewer = { userId: 3, role: 'CUSTOMER' };

const CREATE_PRODUCT = `mutation Create($input: CreateProductInput!) { createProduct(input: $input) { id } }`;
const ADJUST = `mutation Adjust($id: ID!, $n: Int!) {
  adjustInventory(productId: $id, adjustment: $n, reason: "stock count") { quantity available }
}`;
const SET_LEVEL = `mutation Level($id: ID!, $level: Int!) {
  setReorderLevel(productId: $id, reorderLevel: $level) { reorderLevel }
}`;
const ALERT_BY_ID = `query Alert($id: ID!) {
  lowStockAlert(id: $id) { id product { id } quantity reserved available reorderLevel shortage orderId }
}`;

// ---------------------------------------------------------------------------------------------------
// A graphql-transport-ws client on a raw socket.

interface ServerMessage {
  type: string;
  id?: string;
  payload?: unknown;
}

interface CloseEvent {
  code: number;
  reason: string;
}

interface ProtocolSocket {
  /** Every message the server sent, in order. */
  received: ServerMessage[];
  /** Resolves when the socket has closed, with the server's code and reason. */
  closed: Promise<CloseEvent>;
  /** The close, once it has happened. */
  closeEvent(): CloseEvent | undefined;
  send(message: Record<string, unknown>): void;
  /** The payloads of the `next` messages of subscription `id`. */
  nexts(id: string): unknown[];
  /** The payload of the `error` message of subscription `id`, if one came. */
  errorOf(id: string): unknown;
  isOpen(): boolean;
  close(): Promise<void>;
}

const wsUrl = (httpUrl: string) => httpUrl.replace(/^http/, 'ws');

/** Opens a socket with the protocol and sends connection_init with `connectionParams`. */
async function openSocket(url: string, connectionParams?: Record<string, unknown>): Promise<ProtocolSocket> {
  const socket = new WebSocket(wsUrl(url), 'graphql-transport-ws');
  const received: ServerMessage[] = [];
  let closeEvent: CloseEvent | undefined;
  const closed = new Promise<CloseEvent>((resolve) => {
    socket.on('close', (code, reason) => {
      closeEvent = { code, reason: reason.toString('utf8') };
      resolve(closeEvent);
    });
  });
  socket.on('message', (data) => {
    const text = (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(new Uint8Array(data))).toString(
      'utf8',
    );
    received.push(JSON.parse(text) as ServerMessage);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.on('error', () => undefined); // a close event follows, which the tests read
  socket.send(JSON.stringify({ type: 'connection_init', payload: connectionParams }));
  return {
    received,
    closed,
    closeEvent: () => closeEvent,
    send: (message) => socket.send(JSON.stringify(message)),
    nexts: (id) => received.filter((m) => m.type === 'next' && m.id === id).map((m) => m.payload),
    errorOf: (id) => received.find((m) => m.type === 'error' && m.id === id)?.payload,
    isOpen: () => socket.readyState === WebSocket.OPEN,
    async close() {
      if (socket.readyState !== WebSocket.CLOSED) socket.close(1000);
      await closed;
    },
  };
}

/** A socket whose connection the server has acknowledged (connection_ack). */
async function connect(url: string, token: string): Promise<ProtocolSocket> {
  const socket = await openSocket(url, { authorization: `Bearer ${token}` });
  await waitFor(
    'connection_ack',
    () => {
      const closed = socket.closeEvent();
      if (closed) throw new Error(`the server closed the socket: ${closed.code} ${closed.reason}`);
      return socket.received.some((m) => m.type === 'connection_ack');
    },
    WAIT_MS,
  );
  return socket;
}

/** A connection, retried while the router refuses the upgrade (all its connection slots taken). */
async function connectWhenFree(url: string, token: string): Promise<ProtocolSocket> {
  const socket = await waitFor(
    'a free connection slot',
    () => openSocket(url, { authorization: `Bearer ${token}` }).catch(() => undefined),
    WAIT_MS,
  );
  await waitFor('connection_ack', () => socket.received.some((m) => m.type === 'connection_ack'), WAIT_MS);
  return socket;
}

/** The HTTP status with which the server refuses a WebSocket upgrade (or 101 when it accepts it). */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl(url), 'graphql-transport-ws');
    socket.on('unexpected-response', (request, response) => {
      response.resume();
      request.destroy();
      resolve(response.statusCode ?? 0);
    });
    socket.on('open', () => {
      socket.close(1000);
      resolve(101);
    });
    socket.on('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------------
// Routers whose logs show when the bus is connected and when a subscription is registered.

interface ObservedRouter {
  url: string;
  /** How many log lines with this message the router has written. */
  logged(message: string): number;
  close(): Promise<void>;
}

/** A router (test defaults, then `env`) in front of `urls`, logging at info into memory. */
async function startObservedRouter(
  urls: Record<string, string>,
  env: Record<string, string>,
): Promise<ObservedRouter & { router: Router }> {
  const messages: string[] = [];
  const logger: Logger = pino(
    { level: 'info' },
    {
      write(line: string) {
        const { msg } = JSON.parse(line) as { msg?: string };
        if (msg !== undefined) messages.push(msg);
      },
    },
  );
  const router = createRouter(readRouterConfig(testRouterEnv(urls, env)), logger);
  const server = await router.listen();
  const logged = (message: string) => messages.filter((m) => m === message).length;
  return { url: server.url, router, logged, close: () => router.close() };
}

/** A router on the bus, once its alert feed is subscribed: from then on it sees every alert. */
async function startAlertRouter(
  urls: Record<string, string>,
  env: Record<string, string> = {},
): Promise<ObservedRouter & { router: Router }> {
  const router = await startObservedRouter(urls, { EVENT_BUS_DATABASE_URL: busDatabase.url, ...env });
  await waitFor(
    'the router to subscribe to inventory-events',
    () => router.logged('event bus connected') > 0,
    WAIT_MS,
  );
  return router;
}

const SUBSCRIBED = 'lowStockAlerts subscribed';

/** Sends a subscribe message and waits until the router has registered the subscriber. */
async function subscribe(
  router: ObservedRouter,
  socket: ProtocolSocket,
  id: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<void> {
  const before = router.logged(SUBSCRIBED);
  socket.send({ id, type: 'subscribe', payload: { query, variables } });
  await waitFor(
    `subscription ${id} to be registered`,
    () => {
      const error = socket.errorOf(id);
      if (error !== undefined) throw new Error(`subscription ${id} refused: ${JSON.stringify(error)}`);
      return router.logged(SUBSCRIBED) > before;
    },
    WAIT_MS,
  );
}

/** Waits until subscription `id` has had `count` results, and returns them. */
function nextsOf(socket: ProtocolSocket, id: string, count: number): Promise<unknown[]> {
  return waitFor(
    `${count} result(s) on subscription ${id}`,
    () => {
      const nexts = socket.nexts(id);
      return nexts.length >= count ? nexts : undefined;
    },
    WAIT_MS,
  );
}

/** Waits for the error message of subscription `id`. */
function errorOf(socket: ProtocolSocket, id: string): Promise<unknown> {
  return waitFor(`an error on subscription ${id}`, () => socket.errorOf(id), WAIT_MS);
}

// ---------------------------------------------------------------------------------------------------
// The stack.

let busDatabase: TestDatabase;
let stack: TestStack;
let alerts: ObservedRouter;
let pharmacistToken: string;
let pharmacist: Record<string, string>;
let customer: Record<string, string>;
const extraRouters: ObservedRouter[] = [];
const sockets: ProtocolSocket[] = [];

beforeAll(async () => {
  busDatabase = await createMigratedDatabase('events');
  stack = await startTestStack({
    busEnv: { EVENT_BUS_DATABASE_URL: busDatabase.url },
    // No grace after a token's exp, so that the expiry test need not wait out the default 30 s.
    routerEnv: { JWT_CLOCK_TOLERANCE_SECONDS: '0' },
  });
  alerts = await startAlertRouter(subgraphUrlEnv(stack));
  extraRouters.push(alerts);
  pharmacistToken = await stack.tokenFor(PHARMACIST);
  pharmacist = bearer(pharmacistToken);
  customer = bearer(await stack.tokenFor(CUSTOMER));
}, 120_000);

afterAll(async () => {
  await Promise.all(sockets.map((socket) => socket.close()));
  await Promise.all(extraRouters.map((router) => router.close()));
  await stack?.stop();
  await busDatabase?.drop();
}, 60_000);

/** Sockets are closed after the test even when it fails half-way. */
function track(socket: ProtocolSocket): ProtocolSocket {
  sockets.push(socket);
  return socket;
}

async function closeAll(...open: ProtocolSocket[]): Promise<void> {
  await Promise.all(open.map((socket) => socket.close()));
}

interface ProductInput {
  sku: string;
  name: string;
  category?: string;
  manufacturer?: string;
  quantity?: number;
  reorderLevel?: number;
}

/** A product with `quantity` (5) units on the shelf and reorder level `reorderLevel` (2): not low yet. */
async function stockedProduct(product: ProductInput): Promise<string> {
  const { quantity = 5, reorderLevel = 2 } = product;
  const created = dataOf(
    await postGraphQL<{ createProduct: { id: string } }>(
      stack.routerUrl,
      CREATE_PRODUCT,
      {
        input: {
          sku: product.sku,
          name: product.name,
          price: '4.99',
          category: product.category ?? 'Test',
          manufacturer: product.manufacturer ?? 'Test Labs',
        },
      },
      pharmacist,
    ),
  );
  const id = created.createProduct.id;
  dataOf(await postGraphQL(stack.routerUrl, ADJUST, { id, n: quantity }, pharmacist));
  dataOf(await postGraphQL(stack.routerUrl, SET_LEVEL, { id, level: reorderLevel }, pharmacist));
  return id;
}

/** Takes `units` off the shelf by hand. */
async function takeOff(productId: string, units: number): Promise<void> {
  dataOf(await postGraphQL(stack.routerUrl, ADJUST, { id: productId, n: -units }, pharmacist));
}

async function alertRowsOf(productId: string): Promise<number> {
  const [row] = await sqlAt<{ count: string }>(
    stack.subgraphs.inventory.database.url,
    'select count(*) from low_stock_alert where product_id = $1',
    [Number(productId)],
  );
  return Number(row?.count);
}

// ---------------------------------------------------------------------------------------------------

describe('live low-stock alerts over WebSocket', () => {
  it('sends a pharmacist one alert, with the product federated from products, when an order takes a product to its reorder level, and none while it stays low', async () => {
    const productId = await stockedProduct({
      sku: 'LSA-ORDER-1',
      name: 'Ibuprofen 200mg',
      manufacturer: 'Acme Pharma',
    });
    const marker = await stockedProduct({ sku: 'LSA-ORDER-MARK', name: 'Marker' });
    const socket = track(await connect(alerts.url, pharmacistToken));
    await subscribe(
      alerts,
      socket,
      'a',
      `subscription {
        lowStockAlerts { product { id sku name manufacturer } available reorderLevel shortage occurredAt }
      }`,
    );

    const customerClient = asViewer(stack.routerUrl, undefined, customer);
    const first = await placeOrder(customerClient, [{ productId, quantity: 3 }]);
    expect((await waitUntilDecided(customerClient, first.id, WAIT_MS)).status).toBe('CONFIRMED');
    const [alert] = await nextsOf(socket, 'a', 1);
    expect(alert).toEqual({
      data: {
        lowStockAlerts: {
          product: {
            id: productId,
            sku: 'LSA-ORDER-1',
            name: 'Ibuprofen 200mg',
            manufacturer: 'Acme Pharma',
          },
          available: 2,
          reorderLevel: 2,
          shortage: 0,
          occurredAt: expect.stringMatching(ISO_INSTANT),
        },
      },
    });

    // Still low after these: no second fall, so no second alert.
    for (const quantity of [1, 1]) {
      const more = await placeOrder(customerClient, [{ productId, quantity }]);
      expect((await waitUntilDecided(customerClient, more.id, WAIT_MS)).status).toBe('CONFIRMED');
    }
    expect(await readStock(asViewer(stack.routerUrl, undefined, pharmacist), productId)).toMatchObject({
      available: 0,
    });
    expect(await alertRowsOf(productId)).toBe(1);
    // A later alert of another product has come through: anything the orders announced would have too.
    await takeOff(marker, 3);
    const all = await nextsOf(socket, 'a', 2);
    expect(
      all.map((result) => (result as { data: { lowStockAlerts: { product: { id: string } } } }).data),
    ).toEqual([
      { lowStockAlerts: expect.objectContaining({ product: expect.objectContaining({ id: productId }) }) },
      { lowStockAlerts: expect.objectContaining({ product: expect.objectContaining({ id: marker }) }) },
    ]);
    expect(socket.received.filter((m) => m.type !== 'connection_ack' && m.type !== 'next')).toEqual([]);
    await closeAll(socket);
  });

  it('sends the alert of a change by hand to every subscribed pharmacist and admin, the same as the stored alert', async () => {
    const productId = await stockedProduct({ sku: 'LSA-HAND-1', name: 'Cetirizine 10mg' });
    const selection = `{ id product { id } quantity reserved available reorderLevel shortage orderId }`;
    const pharmacistSocket = track(await connect(alerts.url, pharmacistToken));
    const adminSocket = track(await connect(alerts.url, await stack.tokenFor(ADMIN)));
    await subscribe(alerts, pharmacistSocket, '1', `subscription { lowStockAlerts ${selection} }`);
    await subscribe(alerts, adminSocket, '1', `subscription { lowStockAlerts ${selection} }`);

    await takeOff(productId, 4);

    const [forPharmacist] = await nextsOf(pharmacistSocket, '1', 1);
    const [forAdmin] = await nextsOf(adminSocket, '1', 1);
    const expected = {
      id: expect.any(String),
      product: { id: productId },
      quantity: 1,
      reserved: 0,
      available: 1,
      reorderLevel: 2,
      shortage: 1,
      orderId: null,
    };
    expect(forPharmacist).toEqual({ data: { lowStockAlerts: expected } });
    expect(forAdmin).toEqual(forPharmacist);
    const { id } = (forPharmacist as { data: { lowStockAlerts: { id: string } } }).data.lowStockAlerts;
    const stored = dataOf(await postGraphQL(stack.routerUrl, ALERT_BY_ID, { id }, pharmacist));
    expect(stored).toEqual({
      lowStockAlert: (forPharmacist as { data: { lowStockAlerts: unknown } }).data.lowStockAlerts,
    });
    await closeAll(pharmacistSocket, adminSocket);
  });

  it('closes a customer’s socket with 4403 at connection_init: there is nothing a customer may subscribe to', async () => {
    const socket = track(
      await openSocket(stack.routerUrl, { authorization: `Bearer ${await stack.tokenFor(CUSTOMER)}` }),
    );
    expect(await socket.closed).toEqual({
      code: 4403,
      reason: 'Forbidden: the role CUSTOMER has nothing to subscribe to',
    });
    expect(socket.received).toEqual([]);
  });

  it('closes a socket with 4401 before any message when connection_init carries no token', async () => {
    for (const params of [undefined, {}, { authorization: '' }]) {
      const socket = track(await openSocket(stack.routerUrl, params));
      expect(await socket.closed).toEqual({
        code: 4401,
        reason: 'Unauthorized: send "authorization": "Bearer <token>" in connection_init',
      });
      expect(socket.received).toEqual([]);
    }
  });

  it('closes a socket with 4401 when the token is malformed or its signature does not verify', async () => {
    const malformed = track(await openSocket(stack.routerUrl, { authorization: 'Bearer not-a-token' }));
    expect(await malformed.closed).toEqual({
      code: 4401,
      reason: 'Unauthorized: the Authorization header must be "Bearer <token>"',
    });
    expect(malformed.received).toEqual([]);

    // A customer's token whose payload claims ADMIN: its signature no longer matches.
    const [header, payload, signature] = (await stack.tokenFor(CUSTOMER)).split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, role: 'ADMIN' })).toString('base64url');
    const forged = track(
      await openSocket(stack.routerUrl, { authorization: `Bearer ${header}.${forgedPayload}.${signature}` }),
    );
    expect(await forged.closed).toEqual({
      code: 4401,
      reason: 'Unauthorized: the access token is not valid',
    });
    expect(forged.received).toEqual([]);
  });

  it('closes a socket with 1013 (try again later) while the router has no alert feed on the bus yet', async () => {
    // Test defaults: a bus where nothing listens, so the feed never connects.
    const busless = await startTestRouter(subgraphUrlEnv(stack));
    try {
      const socket = track(await openSocket(busless.url, { authorization: `Bearer ${pharmacistToken}` }));
      expect(await socket.closed).toEqual({
        code: 1013,
        reason: 'Try again later: the alert feed is not connected to the event bus yet',
      });
      expect(socket.received).toEqual([]);
    } finally {
      await busless.close();
    }
  });

  it('closes a socket with 4403 when its token expires while connected', async () => {
    // Valid for 2 s: accepted at connect, then the socket lives until the token's exp (no clock tolerance here).
    const socket = track(await connect(stack.routerUrl, await stack.tokenFor(PHARMACIST, 2)));
    socket.send({
      id: 'e1',
      type: 'subscribe',
      payload: { query: 'subscription { lowStockAlerts { id } }' },
    });
    expect(await socket.closed).toEqual({ code: 4403, reason: 'Forbidden: the access token expired' });
    expect(socket.received).toEqual([{ type: 'connection_ack' }]);
  });

  it('narrows alerts to the given products, and to the given category', async () => {
    const vitamin = await stockedProduct({ sku: 'LSA-FILTER-VIT', name: 'Vitamin D3', category: 'Vitamins' });
    const painkiller = await stockedProduct({
      sku: 'LSA-FILTER-PAIN',
      name: 'Paracetamol',
      category: 'Pain Relief',
    });
    const socket = track(await connect(alerts.url, pharmacistToken));
    await subscribe(alerts, socket, 'all', 'subscription { lowStockAlerts { product { id } } }');
    await subscribe(
      alerts,
      socket,
      'products',
      'subscription Only($ids: [ID!]) { lowStockAlerts(productIds: $ids) { product { id } } }',
      { ids: [vitamin] },
    );
    await subscribe(
      alerts,
      socket,
      'category',
      'subscription { lowStockAlerts(category: "Pain Relief") { product { id category } } }',
    );
    // As the catalogue's own category filter: trimmed, whatever the case.
    await subscribe(
      alerts,
      socket,
      'category-any-case',
      'subscription { lowStockAlerts(category: " pain relief ") { product { id } } }',
    );

    // One alert at a time: the feed has finished with the first before it takes the second.
    await takeOff(vitamin, 3);
    await nextsOf(socket, 'all', 1);
    await nextsOf(socket, 'products', 1);
    await takeOff(painkiller, 3);
    await nextsOf(socket, 'all', 2);
    await nextsOf(socket, 'category', 1);
    await nextsOf(socket, 'category-any-case', 1);

    expect(socket.nexts('all')).toEqual([
      { data: { lowStockAlerts: { product: { id: vitamin } } } },
      { data: { lowStockAlerts: { product: { id: painkiller } } } },
    ]);
    expect(socket.nexts('products')).toEqual([{ data: { lowStockAlerts: { product: { id: vitamin } } } }]);
    expect(socket.nexts('category')).toEqual([
      { data: { lowStockAlerts: { product: { id: painkiller, category: 'Pain Relief' } } } },
    ]);
    expect(socket.nexts('category-any-case')).toEqual([
      { data: { lowStockAlerts: { product: { id: painkiller } } } },
    ]);
    await closeAll(socket);
  });

  it('refuses a subscription over HTTP POST with 400 BAD_REQUEST pointing at the WebSocket endpoint', async () => {
    const response = await postGraphQL(
      stack.routerUrl,
      'subscription { lowStockAlerts { id } }',
      undefined,
      pharmacist,
    );
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      errors: [
        {
          message:
            'subscriptions are served over WebSocket: connect to this URL with a graphql-ws client (protocol graphql-transport-ws)',
          extensions: { code: 'BAD_REQUEST' },
        },
      ],
    });
  });

  it('serves a landing page that points Sandbox at the WebSocket endpoint', async () => {
    const response = await fetch(stack.routerUrl, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain("initialSubscriptionEndpoint: endpoint.replace(/^http/, 'ws')");
  });

  describe('on a router with tight limits', () => {
    let limited: ObservedRouter;

    beforeAll(async () => {
      limited = await startAlertRouter(subgraphUrlEnv(stack), {
        RATE_LIMIT_QUERIES: '2/60',
        MAX_DEPTH: '3',
        SUBSCRIPTION_MAX_CONNECTIONS: '2',
      });
      extraRouters.push(limited);
    });

    it('counts subscribe messages against the query rate limit of the user: the third is RATE_LIMITED', async () => {
      const socket = track(
        await connect(limited.url, await stack.tokenFor({ userId: 20, role: 'PHARMACIST' })),
      );
      await subscribe(limited, socket, '1', 'subscription { lowStockAlerts { id } }');
      await subscribe(limited, socket, '2', 'subscription { lowStockAlerts { id } }');
      socket.send({
        id: '3',
        type: 'subscribe',
        payload: { query: 'subscription { lowStockAlerts { id } }' },
      });

      expect(await errorOf(socket, '3')).toEqual([
        {
          message: expect.stringMatching(/^too many lowStockAlerts requests: retry in (59|60) s$/),
          extensions: { code: 'RATE_LIMITED', field: 'lowStockAlerts', retryAfter: expect.any(Number) },
        },
      ]);
      expect(socket.isOpen()).toBe(true);
      await closeAll(socket);
    });

    it('refuses a subscription selection deeper than MAX_DEPTH with the armor error', async () => {
      const socket = track(
        await connect(limited.url, await stack.tokenFor({ userId: 21, role: 'PHARMACIST' })),
      );
      socket.send({
        id: 'deep',
        type: 'subscribe',
        payload: { query: 'subscription { lowStockAlerts { product { inventory { product { id } } } } }' },
      });
      expect(await errorOf(socket, 'deep')).toEqual([
        {
          message: 'Syntax Error: Query depth limit of 3 exceeded, found 5.',
          extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
        },
      ]);
      expect(socket.isOpen()).toBe(true);
      await closeAll(socket);
    });

    it('refuses a WebSocket upgrade beyond SUBSCRIPTION_MAX_CONNECTIONS with HTTP 503, and takes one again once a socket closes', async () => {
      const token = await stack.tokenFor({ userId: 22, role: 'PHARMACIST' });
      // The sockets of the tests before are closed; the server may take a moment to count them out.
      const first = track(await connectWhenFree(limited.url, token));
      const second = track(await connectWhenFree(limited.url, token));
      expect(await upgradeStatus(limited.url)).toBe(503);

      await first.close();
      const third = track(await connectWhenFree(limited.url, token));
      expect(third.isOpen()).toBe(true);
      await closeAll(second, third);
    });
  });

  it('resolves one alert once per group of identical subscriptions and role at the inventory subgraph, and delivers it to every subscriber', async () => {
    const proxy = await startRecordingProxy(stack.subgraphs.inventory.server.url);
    const metricsPort = await freePort();
    const fanOut = await startAlertRouter({
      ...subgraphUrlEnv(stack),
      INVENTORY_URL: proxy.url,
      METRICS_PORT: String(metricsPort),
    });
    const alertExecutions = async () =>
      (await scrapeMetrics(`http://127.0.0.1:${metricsPort}/metrics`)).get(
        'pharmacy_router_alert_executions_total',
      );
    extraRouters.push(fanOut);
    const productId = await stockedProduct({ sku: 'LSA-FAN-1', name: 'Loratadine 10mg' });
    const same = 'subscription { lowStockAlerts { id available product { name } } }';
    const other = 'subscription { lowStockAlerts { shortage product { id } } }';
    // The third is another pharmacist: what this selection shows depends only on the role.
    const otherPharmacistToken = await stack.tokenFor({ userId: 77, role: 'PHARMACIST' });
    const clients = await Promise.all(
      [pharmacistToken, pharmacistToken, otherPharmacistToken, pharmacistToken].map(async (token) =>
        track(await connect(fanOut.url, token)),
      ),
    );
    const [a, b, c, d] = clients;
    if (!a || !b || !c || !d) throw new Error('four sockets expected');
    for (const socket of [a, b, c]) await subscribe(fanOut, socket, 's', same);
    await subscribe(fanOut, d, 's', other);
    const before = proxy.recorded.filter((request) => request.body.includes('lowStockAlert')).length;
    expect(await alertExecutions()).toBe(0);

    await takeOff(productId, 4);

    const results = await Promise.all(clients.map(async (socket) => (await nextsOf(socket, 's', 1))[0]));
    const expected = {
      data: {
        lowStockAlerts: { id: expect.any(String), available: 1, product: { name: 'Loratadine 10mg' } },
      },
    };
    expect(results).toEqual([
      expected,
      expected,
      expected,
      { data: { lowStockAlerts: { shortage: 1, product: { id: productId } } } },
    ]);
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    expect(before).toBe(0);
    expect(proxy.recorded.filter((request) => request.body.includes('lowStockAlert'))).toHaveLength(2);
    // The router counts them too, for operators (and the bench) to see the grouping at work.
    expect(await alertExecutions()).toBe(2);
    await closeAll(...clients);
    await proxy.close();
  });

  it('closes open subscriptions with 1001 when the router shuts down', async () => {
    const doomed = await startAlertRouter(subgraphUrlEnv(stack));
    const first = track(await connect(doomed.url, pharmacistToken));
    const second = track(await connect(doomed.url, await stack.tokenFor(ADMIN)));
    await subscribe(doomed, first, 'x', 'subscription { lowStockAlerts { id } }');
    await subscribe(doomed, second, 'y', 'subscription { lowStockAlerts { id } }');

    await doomed.close();

    expect(await first.closed).toEqual({ code: 1001, reason: 'Going away' });
    expect(await second.closed).toEqual({ code: 1001, reason: 'Going away' });
  });

  // A subscribe message goes through the request pipeline to be checked: a query or mutation in one must
  // be refused without running.
  it('refuses a mutation sent as a subscribe message without running it', async () => {
    const productId = await stockedProduct({ sku: 'LSA-WS-MUTATION', name: 'Saline', quantity: 10 });
    const socket = track(await connect(stack.routerUrl, pharmacistToken));
    socket.send({
      id: 'm',
      type: 'subscribe',
      payload: {
        query: `mutation { adjustInventory(productId: "${productId}", adjustment: 100, reason: "over ws") { quantity } }`,
      },
    });
    expect(await errorOf(socket, 'm')).toEqual([
      {
        message: 'only subscriptions are served over WebSocket; send queries and mutations over HTTP',
        extensions: { code: 'BAD_REQUEST' },
      },
    ]);
    expect(await readStock(asViewer(stack.routerUrl, undefined, pharmacist), productId)).toMatchObject({
      quantity: 10,
    });
    await closeAll(socket);
  });
});
