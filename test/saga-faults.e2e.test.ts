/**
 * The order saga under faults, end to end through the router: the event bus cut off while customers
 * place orders (a Postgres bus, then the Pub/Sub emulator, each behind a TCP proxy that the test cuts and
 * restores while the services keep their own databases), the orders process killed between the commit of
 * an order and the publish of its event, and a malformed event that must end in the dead letters without
 * stopping the saga.
 *
 * What every scenario proves: an order accepted is never lost (its event waits in the outbox), it is
 * decided once the bus is back, and its stock is reserved exactly once.
 *
 * Each scenario has its services, databases, bus and proxy of its own, so they run concurrently: most of
 * their time is waiting for a bus to come back.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { createEvent } from '../lib/event-bus/event.ts';
import type { EventBus } from '../lib/event-bus/event-bus.ts';
import { PostgresEventBus } from '../lib/event-bus/postgres-event-bus.ts';
import { PubSubEventBus } from '../lib/event-bus/pubsub-event-bus.ts';
import { readRouterConfig } from '../router/config.ts';
import { createRouter } from '../router/create-router.ts';
import type { PharmacyClient } from '../sdk/index.ts';
import { SAGA_SUBSCRIPTION_LIST } from '../subgraphs/contracts/saga-subscriptions.ts';
import { asViewer, clientFor } from './support/client.ts';
import { createMigratedDatabase, sql, sqlAt, type TestDatabase } from './support/database.ts';
import type { TemplateKind } from './support/database-templates.ts';
import { freePort } from '../scripts/support/ports.ts';
import { startTcpProxy, type TcpProxy } from './support/network.ts';
import { killAllServices, spawnService, waitForStatus, type ServiceProcess } from './support/processes.ts';
import { pubSubTestsEnabled, testPubSubEmulator } from './support/pubsub-emulator.ts';
import {
  createStockedProduct,
  placeOrder,
  readOrder,
  readStock,
  waitUntilDecided,
  type Order,
} from './support/saga.ts';
import {
  FAST_REDELIVERY,
  mintAccessToken,
  removeKeysFile,
  silentLogger,
  startTestStack,
  startTestSubgraph,
  temporaryKeysFile,
  testRouterEnv,
  TEST_ROUTER_SECRET,
  type TestStack,
  type TestSubgraph,
} from './support/services.ts';
import { sleep, waitFor } from './support/waiting.ts';

const PHARMACIST = { userId: 2, role: 'PHARMACIST' } as const;
const CUSTOMER = { userId: 3, role: 'CUSTOMER' } as const;
/** The orders placed during an outage: five orders, 15 units in all. */
const QUANTITIES = [1, 2, 3, 4, 5];
const ON_SHELF = 40;

/** Run in reverse order in afterAll, after the child processes are killed. */
const cleanups: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  await killAllServices();
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

type Rows = Record<string, unknown>[];
type Query = (query: string, params?: unknown[]) => Promise<Rows>;

/** Queries (`?` placeholders) through a subgraph's own ORM (in this process). */
function subgraphQuery(subgraph: TestSubgraph): Query {
  return (query, params) => sql(subgraph, query, params);
}

/** Queries (`$1` placeholders) a database by URL (a service in another process), one connection per call. */
function urlQuery(url: string): Query {
  return (query, params) => sqlAt(url, query, params);
}

/** A TCP proxy in front of the Postgres server of `url`, closed after the file. */
async function proxyFor(url: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(url);
  const proxy = await startTcpProxy(hostname, Number(port || 5432));
  cleanups.push(() => proxy.close());
  return proxy;
}

/** `url` with its host and port replaced by the proxy's. */
function throughProxy(url: string, proxy: TcpProxy): string {
  const proxied = new URL(url);
  proxied.host = `${proxy.host}:${proxy.port}`;
  return proxied.toString();
}

/** A fresh copy of the `kind` template, dropped after the file. */
async function freshDatabase(kind: TemplateKind, label: string): Promise<TestDatabase> {
  const database = await createMigratedDatabase(kind, label);
  cleanups.push(() => database.drop());
  return database;
}

interface OutboxView {
  type: unknown;
  orderId: unknown;
  published: unknown;
}

/** The outbox of the orders database, oldest first. */
async function ordersOutbox(query: Query): Promise<(OutboxView & { attempts: number })[]> {
  const rows = await query(
    `select event->>'type' as type, (event->'payload'->>'orderId')::int as "orderId",
            published_at is not null as published, publish_attempts as attempts
       from outbox_event order by id`,
  );
  return rows.map(({ type, orderId, published, attempts }) => ({
    type,
    orderId,
    published,
    attempts: Number(attempts),
  }));
}

/** Inventory's RESERVATION ledger rows per order: the units held for each, one row per reservation. */
async function reservationsByOrder(query: Query): Promise<Rows> {
  return query(
    `select order_id as "orderId", product_id as "productId", reserved_delta as "reservedDelta"
       from stock_movement where kind = 'RESERVATION' order by order_id, id`,
  );
}

/** The outbox rows expected for `orderIds`, published or not. */
function outboxOf(orderIds: number[], published: boolean): OutboxView[] {
  return orderIds.map((orderId) => ({ type: 'order.placed', orderId, published }));
}

interface Viewers {
  staff: PharmacyClient;
  customer: PharmacyClient;
}

async function viewersOf(stack: TestStack): Promise<Viewers> {
  return { staff: await clientFor(stack, PHARMACIST), customer: await clientFor(stack, CUSTOMER) };
}

/**
 * The outage scenario on a stack whose bus is behind `proxy`: a product stocked while the bus is up,
 * five orders placed while it is cut (accepted, PENDING, their events waiting in the outbox), then the
 * bus restored: every order CONFIRMED, every event published, the stock reserved once per order.
 */
async function ordersSurviveBusOutage(
  stack: TestStack,
  proxy: TcpProxy,
  options: {
    sku: string;
    outageMs: number;
    recoveryMs: number;
    /**
     * Whether the stale-order sweep may republish an order's `order.placed` during recovery (a second outbox
     * row for the same order); on the Postgres bus nothing may be republished.
     */
    republishes?: boolean;
    /** The saga's dead letters, read straight from the bus (not through the proxy). */
    deadLetters(): Promise<Record<string, string[]>>;
  },
): Promise<void> {
  const { staff, customer } = await viewersOf(stack);
  const outbox = subgraphQuery(stack.subgraphs.orders);
  const inventory = subgraphQuery(stack.subgraphs.inventory);
  const productId = await createStockedProduct(staff, {
    sku: options.sku,
    price: '2.50',
    quantity: ON_SHELF,
  });

  await proxy.cut();
  const placed: Order[] = [];
  for (const quantity of QUANTITIES) {
    placed.push(await placeOrder(customer, [{ productId, quantity }]));
  }
  expect(placed.map(({ status }) => status)).toEqual(['PENDING', 'PENDING', 'PENDING', 'PENDING', 'PENDING']);
  expect(placed.map(({ total }) => total)).toEqual(['2.50', '5.00', '7.50', '10.00', '12.50']);
  const orderIds = placed.map(({ id }) => Number(id));

  // The bus stays down a while: nothing is decided, nothing reserved, the events wait unpublished.
  await sleep(options.outageMs);
  const during = await Promise.all(placed.map(({ id }) => readOrder(customer, id)));
  expect(during.map((order) => order?.status)).toEqual([
    'PENDING',
    'PENDING',
    'PENDING',
    'PENDING',
    'PENDING',
  ]);
  expect(
    (await ordersOutbox(outbox)).map(({ type, orderId, published }) => ({ type, orderId, published })),
  ).toEqual(outboxOf(orderIds, false));
  expect(await reservationsByOrder(inventory)).toEqual([]);
  expect(await readStock(staff, productId)).toMatchObject({
    quantity: ON_SHELF,
    reserved: 0,
    available: ON_SHELF,
  });

  proxy.restore();
  const deadline = performance.now() + options.recoveryMs;
  const decided: Order[] = [];
  try {
    for (const { id } of placed) {
      decided.push(await waitUntilDecided(customer, id, Math.max(deadline - performance.now(), 0)));
    }
  } catch (error) {
    // A stuck order's event may have gone to the dead letters rather than to its consumer: say so.
    const deadLetters = await options.deadLetters().catch((cause: unknown) => String(cause));
    throw new Error(`${(error as Error).message}; dead letters: ${JSON.stringify(deadLetters)}`, {
      cause: error,
    });
  }
  expect(decided.map(({ status, rejectionReason }) => ({ status, rejectionReason }))).toEqual(
    QUANTITIES.map(() => ({ status: 'CONFIRMED', rejectionReason: null })),
  );
  const ordered = QUANTITIES.reduce((sum, quantity) => sum + quantity, 0);
  expect(await readStock(staff, productId)).toMatchObject({
    quantity: ON_SHELF,
    reserved: ordered,
    available: ON_SHELF - ordered,
  });
  // Each order held once: one RESERVATION row per order, for its own quantity.
  expect(await reservationsByOrder(inventory)).toEqual(
    orderIds.map((orderId, index) => ({
      orderId,
      productId: Number(productId),
      reservedDelta: QUANTITIES[index],
    })),
  );
  const after = await waitFor('every outbox row marked published', async () => {
    const rows = await ordersOutbox(outbox);
    return rows.every(({ published }) => published === true) ? rows : undefined;
  });
  const rows = after.map(({ type, orderId, published }) => ({ type, orderId, published }));
  const republished = rows.slice(orderIds.length);
  expect(rows.slice(0, orderIds.length)).toEqual(outboxOf(orderIds, true));
  if (options.republishes) {
    for (const row of republished) expect(outboxOf(orderIds, true)).toContainEqual(row);
  } else {
    expect(republished).toEqual([]);
  }
  // The outage cost no event its place: nothing went to the dead letters.
  expect(await options.deadLetters()).toEqual({
    'inventory.order-events': [],
    'orders.inventory-events': [],
  });
}

/** What the saga's subscriptions gave up on, as `type payload` per subscription, read on a bus of its own. */
async function sagaDeadLetters(bus: EventBus): Promise<Record<string, string[]>> {
  try {
    const entries = await Promise.all(
      SAGA_SUBSCRIPTION_LIST.map(async ({ subscription }) => [
        subscription,
        (await bus.deadLetters(subscription)).map(
          ({ type, payload }) => `${type} ${JSON.stringify(payload)}`,
        ),
      ]),
    );
    return Object.fromEntries(entries) as Record<string, string[]>;
  } finally {
    await bus.close();
  }
}

it.concurrent(
  'the Postgres event bus cut off while orders are placed accepts the orders PENDING with their events kept in the outbox, then confirms each and reserves its stock once when the bus is back',
  async () => {
    const busDatabase = await freshDatabase('events', 'events_outage');
    const proxy = await proxyFor(busDatabase.url);
    const stack = await startTestStack({
      busEnv: { EVENT_BUS_DATABASE_URL: throughProxy(busDatabase.url, proxy) },
    });
    cleanups.push(() => stack.stop());

    await ordersSurviveBusOutage(stack, proxy, {
      sku: 'OUT-PG-1',
      outageMs: 3_000,
      recoveryMs: 30_000,
      deadLetters: async () =>
        sagaDeadLetters(await PostgresEventBus.start({ url: busDatabase.url, logger: silentLogger })),
    });
  },
  120_000,
);

it.concurrent(
  'the orders process killed between the commit of an order and the publish of its event leaves the order PENDING in the outbox, and a new process on the same database publishes it: the order is confirmed and its stock reserved once',
  async () => {
    const keysFile = await temporaryKeysFile();
    cleanups.push(() => removeKeysFile(keysFile));
    const [ordersDatabase, busDatabase] = await Promise.all([
      freshDatabase('orders', 'orders'),
      freshDatabase('events', 'events_crash'),
    ]);
    const proxy = await proxyFor(busDatabase.url);
    const [users, products, inventory] = await Promise.all([
      startTestSubgraph('users', { JWT_KEYS_FILE: keysFile }),
      startTestSubgraph('products'),
      // Inventory reaches the bus directly: only the orders process is cut off from it.
      startTestSubgraph('inventory', { EVENT_BUS_DATABASE_URL: busDatabase.url }),
    ]);
    for (const subgraph of [users, products, inventory]) cleanups.push(() => subgraph.stop());
    await inventory.subgraph.events?.whenConnected();
    const inventoryQuery = subgraphQuery(inventory);

    const ordersPort = await freePort();
    const ordersEnv = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: String(ordersPort),
      DATABASE_URL: ordersDatabase.url,
      ROUTER_SECRET: TEST_ROUTER_SECRET,
      PRODUCTS_URL: products.server.url,
      EVENT_BUS_DATABASE_URL: throughProxy(busDatabase.url, proxy),
      ...FAST_REDELIVERY,
    };
    /** Starts the orders subgraph as a process of its own and waits until it serves and reached the bus. */
    const startOrdersProcess = async (): Promise<ServiceProcess> => {
      const orders = spawnService('subgraphs/orders/main.ts', ordersEnv);
      await waitForStatus(`http://127.0.0.1:${ordersPort}/ready`, 200, 30_000);
      return orders;
    };
    const router = createRouter(
      readRouterConfig(
        testRouterEnv({
          USERS_URL: users.server.url,
          PRODUCTS_URL: products.server.url,
          ORDERS_URL: `http://127.0.0.1:${ordersPort}/graphql`,
          INVENTORY_URL: inventory.server.url,
        }),
      ),
      silentLogger,
    );
    const routerUrl = (await router.listen()).url;
    cleanups.push(() => router.close());
    const staff = asViewer(routerUrl, await mintAccessToken(keysFile, users.database.url, PHARMACIST));
    const customer = asViewer(routerUrl, await mintAccessToken(keysFile, users.database.url, CUSTOMER));

    const outbox = urlQuery(ordersDatabase.url);
    const productId = await createStockedProduct(staff, {
      sku: 'CRASH-1',
      price: '3.20',
      quantity: 10,
    });

    const first = await startOrdersProcess();
    await first.waitForOutput(/"message":"event bus connected"/, 30_000);
    await proxy.cut();
    const order = await placeOrder(customer, [{ productId, quantity: 4 }]);
    expect({ status: order.status, total: order.total }).toEqual({ status: 'PENDING', total: '12.80' });
    // The relay tried and failed: the event is committed and unpublished when the process dies.
    const attempted = await waitFor('the relay to fail to publish', async () => {
      const rows = await ordersOutbox(outbox);
      return rows.length === 1 && rows[0] !== undefined && rows[0].attempts > 0 ? rows : undefined;
    });
    expect(attempted.map(({ type, orderId, published }) => ({ type, orderId, published }))).toEqual(
      outboxOf([Number(order.id)], false),
    );

    const killed = await first.stop('SIGKILL', 10_000);
    expect({ code: killed.code, signal: killed.signal }).toEqual({ code: null, signal: 'SIGKILL' });
    expect((await ordersOutbox(outbox)).map(({ published }) => published)).toEqual([false]);
    expect(await reservationsByOrder(inventoryQuery)).toEqual([]);

    proxy.restore();
    await startOrdersProcess();
    const decided = await waitUntilDecided(customer, order.id, 30_000);
    expect({ status: decided.status, rejectionReason: decided.rejectionReason }).toEqual({
      status: 'CONFIRMED',
      rejectionReason: null,
    });
    expect(await readStock(staff, productId)).toMatchObject({
      quantity: 10,
      reserved: 4,
      available: 6,
    });
    expect(await reservationsByOrder(inventoryQuery)).toEqual([
      { orderId: Number(order.id), productId: Number(productId), reservedDelta: 4 },
    ]);
    const published = await waitFor('the outbox row to be marked published', async () => {
      const rows = await ordersOutbox(outbox);
      return rows.every(({ published: done }) => done === true) ? rows : undefined;
    });
    expect(
      published.map(({ type, orderId, published: done }) => ({ type, orderId, published: done })),
    ).toEqual(outboxOf([Number(order.id)], true));
  },
  150_000,
);

it.concurrent(
  'a malformed order.placed on the bus is dead-lettered by inventory (EVENT_MAX_ATTEMPTS 2) without touching stock, and orders placed later are still confirmed',
  async () => {
    const busDatabase = await freshDatabase('events', 'events_poison');
    const busUrl = busDatabase.url;
    const stack = await startTestStack({
      busEnv: { EVENT_BUS_DATABASE_URL: busUrl, EVENT_MAX_ATTEMPTS: '2', ...FAST_REDELIVERY },
    });
    cleanups.push(() => stack.stop());

    const { staff, customer } = await viewersOf(stack);
    const inventory = subgraphQuery(stack.subgraphs.inventory);
    const productId = await createStockedProduct(staff, {
      sku: 'POISON-1',
      price: '1.00',
      quantity: 5,
    });

    const bus = await PostgresEventBus.start({ url: busUrl, logger: silentLogger });
    cleanups.push(() => bus.close());
    // No lines: inventory cannot read it, however often it comes.
    const poison = createEvent('order.placed', { orderId: 987_654 }, 'poison-test');
    await bus.publish('order-events', poison);

    const deadLetters = await waitFor(
      'the poison event in the dead letters',
      async () => {
        const found = await bus.deadLetters('inventory.order-events');
        return found.length > 0 ? found : undefined;
      },
      30_000,
    );
    expect(deadLetters).toEqual([poison]);
    expect(await inventory('select event_id from processed_event where event_id = ?', [poison.id])).toEqual(
      [],
    );
    expect(await inventory('select order_id from reservation')).toEqual([]);
    expect(await readStock(staff, productId)).toMatchObject({
      quantity: 5,
      reserved: 0,
      available: 5,
    });

    const order = await placeOrder(customer, [{ productId, quantity: 2 }]);
    const decided = await waitUntilDecided(customer, order.id, 30_000);
    expect(decided.status).toBe('CONFIRMED');
    expect(await readStock(staff, productId)).toMatchObject({
      quantity: 5,
      reserved: 2,
      available: 3,
    });
    expect(await bus.deadLetters('inventory.order-events')).toEqual([poison]);

    // What an operator runs to see them: one JSON line per dead letter, with its subscription.
    const listing = spawnService('scripts/dead-letters.ts', { EVENT_BUS_DATABASE_URL: busUrl });
    expect(await listing.waitForExit(20_000)).toEqual({ code: 0, signal: null });
    expect(
      listing
        .stdout()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual([{ subscription: 'inventory.order-events', event: poison }]);
    expect(listing.stderr()).toBe('1 dead letter(s) in 2 subscriptions\n');
  },
  120_000,
);

if (pubSubTestsEnabled()) {
  // The client reconnects by itself. The emulator, though, goes on handing some messages to the
  // streaming pulls of the connections that the cut killed; they come again when their ack deadline
  // (10 s) has passed, sometimes more than once: recovery takes tens of seconds, hence the long wait.
  it.concurrent(
    'the Pub/Sub emulator cut off while orders are placed accepts the orders PENDING with their events kept in the outbox, then confirms each and reserves its stock once when Pub/Sub is back',
    async () => {
      const emulator = await testPubSubEmulator();
      cleanups.push(() => emulator.stop());
      const [host = '', port = ''] = emulator.host.split(':');
      const proxy = await startTcpProxy(host, Number(port));
      cleanups.push(() => proxy.close());
      const stack = await startTestStack({
        busEnv: {
          EVENT_BUS: 'pubsub',
          PUBSUB_EMULATOR_HOST: `${proxy.host}:${proxy.port}`,
          PUBSUB_PROJECT_ID: emulator.projectId,
          // Pub/Sub counts a delivery lost with a cut stream as an attempt (see below): with the default
          // 5, a few unlucky losses in a row would dead-letter an event no handler ever saw.
          EVENT_MAX_ATTEMPTS: '20',
          // And the emulator sometimes never hands such a message out again (DESIGN §8): the stale-order
          // sweep, which exists for events lost like that, republishes an order still PENDING after 20 s
          // (inventory answers a placement it already decided with its earlier answer).
          STALE_ORDER_REPUBLISH_AFTER_SECONDS: '20',
          STALE_ORDER_SWEEP_INTERVAL_SECONDS: '5',
        },
      });
      cleanups.push(() => stack.stop());

      await ordersSurviveBusOutage(stack, proxy, {
        sku: 'OUT-PS-1',
        outageMs: 3_000,
        recoveryMs: 90_000,
        republishes: true,
        deadLetters: async () =>
          sagaDeadLetters(
            new PubSubEventBus({
              projectId: emulator.projectId,
              emulatorHost: emulator.host,
              logger: silentLogger,
            }),
          ),
      });
    },
    240_000,
  );
} else {
  describe.skip('the Pub/Sub emulator cut off (gcloud is not on PATH; CI=true would make this a failure)', () => {
    it('confirms the orders placed while Pub/Sub was unreachable once it is back', () => undefined);
  });
}
