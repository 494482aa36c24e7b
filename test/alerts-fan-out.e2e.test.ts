/**
 * Live low-stock alerts fanned out by two router processes in front of two inventory processes on one
 * inventory database, with real processes: users, products and orders in this process; inventory A and
 * B and routers 1 (→ inventory A) and 2 (→ inventory B) as child processes, all on one bus. A pharmacist
 * subscribed on each router gets every alert once, whichever inventory process wrote it (by hand through
 * router 1, by an order's reservation in whichever process consumed the order). A router stopped with
 * SIGTERM closes its sockets with 1001 and deletes its temporary bus subscription; the other router's
 * subscriber goes on receiving alerts.
 *
 * On the Postgres bus, and on the Pub/Sub emulator (skipped without gcloud unless CI=true).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PubSub } from '@google-cloud/pubsub';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createMigratedDatabase, createTestDatabase, sqlAt, type TestDatabase } from './support/database.ts';
import { dataOf, postGraphQL } from './support/graphql.ts';
import { freePort } from '../scripts/support/ports.ts';
import { killAllServices, spawnService, waitForStatus, type ServiceProcess } from './support/processes.ts';
import type { PubSubEmulator } from '../scripts/support/pubsub-emulator.ts';
import { pubSubTestsEnabled, testPubSubEmulator } from './support/pubsub-emulator.ts';
import { asViewer } from './support/client.ts';
import { createStockedProduct, placeOrder, waitUntilDecided } from './support/saga.ts';

type Headers = Record<string, string>;
import {
  bearer,
  FAST_REDELIVERY,
  mintAccessToken,
  removeKeysFile,
  startTestSubgraph,
  temporaryKeysFile,
  testRouterEnv,
  TEST_ROUTER_SECRET,
  type TestSubgraph,
} from './support/services.ts';
import { waitFor } from './support/waiting.ts';

/** Generous: four Node processes start on a loaded two-core machine. */
const STARTUP_MS = 40_000;
const ALERT_TIMEOUT_MS = 30_000;
/** Time left after the last expected alert for a duplicate to show up, were there one. */
const DUPLICATE_WINDOW_MS = 1_500;
const TEMPORARY_PREFIX = 'router.low-stock-alerts.tmp-';

const ALERTS = `subscription {
  alerts: lowStockAlerts { product { id name } quantity reserved available reorderLevel shortage orderId }
}`;
const ADJUST = `mutation Adjust($productId: ID!, $adjustment: Int!) {
  adjustInventory(productId: $productId, adjustment: $adjustment, reason: "breakage") { available }
}`;

interface AlertView {
  product: { id: string; name: string };
  quantity: number;
  reserved: number;
  available: number;
  reorderLevel: number;
  shortage: number;
  orderId: string | null;
}

/** One pharmacist's graphql-ws client on a router: the alerts and the errors it got, and how it closed. */
interface AlertClient {
  alerts: AlertView[];
  errors: unknown[];
  closed: Promise<{ code: number; reason: string }>;
  dispose(): Promise<void>;
}

function subscribeToAlerts(routerUrl: string, token: string): AlertClient {
  const alerts: AlertView[] = [];
  const errors: unknown[] = [];
  let onClosed: (event: { code: number; reason: string }) => void = () => undefined;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  const client: Client = createClient({
    url: routerUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    on: {
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        onClosed({ code, reason });
      },
    },
  });
  client.subscribe<{ alerts: AlertView }>(
    { query: ALERTS },
    {
      next: (result) => {
        if (result.errors !== undefined || !result.data) errors.push(result);
        else alerts.push(result.data.alerts);
      },
      error: (error) => errors.push(error),
      complete: () => undefined,
    },
  );
  return {
    alerts,
    errors,
    closed,
    dispose: async () => {
      await client.dispose();
    },
  };
}

/** The bus every process shares, and how to count the routers' temporary subscriptions on it. */
interface RunningBus {
  env: Record<string, string>;
  temporarySubscriptions(): Promise<string[]>;
  stop(): Promise<void>;
}

interface BusKind {
  name: string;
  start(): Promise<RunningBus>;
}

const postgres: BusKind = {
  name: 'postgres',
  async start() {
    const database = await createMigratedDatabase('events');
    return {
      env: { EVENT_BUS_DATABASE_URL: database.url },
      async temporarySubscriptions() {
        const rows = await sqlAt<{ name: string }>(
          database.url,
          `select name from event_bus.queue where name like $1 order by name`,
          [`${TEMPORARY_PREFIX}%`],
        );
        return rows.map((row) => row.name);
      },
      stop: () => database.drop(),
    };
  },
};

/**
 * The emulator starts with the file (it takes seconds) while the Postgres scenario runs; it is stopped
 * in the last afterAll.
 */
const emulatorStarting: Promise<PubSubEmulator> | undefined = pubSubTestsEnabled()
  ? testPubSubEmulator()
  : undefined;
// A failed start fails the scenario that awaits it; until then it is not an unhandled rejection.
emulatorStarting?.catch(() => undefined);

const pubsub: BusKind = {
  name: 'pubsub',
  async start() {
    if (emulatorStarting === undefined) throw new Error('the Pub/Sub emulator was not started');
    const { host, projectId } = await emulatorStarting;
    const client = new PubSub({
      projectId,
      apiEndpoint: host,
      emulatorMode: true,
      universeDomain: 'googleapis.com',
    });
    return {
      env: { EVENT_BUS: 'pubsub', PUBSUB_EMULATOR_HOST: host, PUBSUB_PROJECT_ID: projectId },
      async temporarySubscriptions() {
        const [subscriptions] = await client.getSubscriptions();
        return subscriptions
          .map((subscription) => subscription.name.replace(/^projects\/[^/]+\/subscriptions\//, ''))
          .filter((name) => name.startsWith(TEMPORARY_PREFIX))
          .sort();
      },
      stop: () => client.close(),
    };
  },
};

const BUSES = pubSubTestsEnabled() ? [postgres, pubsub] : [postgres];
if (!pubSubTestsEnabled()) {
  describe.skip('alert fan-out on the pubsub bus (gcloud is not on PATH; CI=true would make this a failure)', () => {
    it('fans alerts out through two routers on the Pub/Sub emulator', () => undefined);
  });
}

/** A service process on a free port; `ready` resolves once it answers /ready. */
async function spawnOnFreePort(
  script: string,
  env: Record<string, string>,
): Promise<{ process: ServiceProcess; url: string; ready: Promise<void> }> {
  const port = await freePort();
  const service = spawnService(script, { ...env, PORT: String(port) });
  const url = `http://127.0.0.1:${port}/graphql`;
  const ready = Promise.race([
    waitForStatus(new URL('/ready', url).toString(), 200, STARTUP_MS),
    service.exited.then(({ code, signal }) => {
      throw new Error(
        `${script} exited (code ${code}, signal ${signal}) before it was ready:\n${service.stderr()}`,
      );
    }),
  ]);
  // Awaited by the caller; a rejection before then must not go unhandled.
  ready.catch(() => undefined);
  return { process: service, url, ready };
}

afterAll(async () => {
  await killAllServices();
  await emulatorStarting?.then(
    (emulator) => emulator.stop(),
    () => undefined,
  );
});

describe.each(BUSES)(
  'low-stock alerts through two routers and two inventory processes on the $name bus',
  (kind) => {
    let bus: RunningBus;
    let keysFile: string;
    let inventoryDatabase: TestDatabase;
    const subgraphs: TestSubgraph[] = [];
    let router1: { process: ServiceProcess; url: string; ready: Promise<void> };
    let router2: { process: ServiceProcess; url: string; ready: Promise<void> };
    let client1: AlertClient;
    let client2: AlertClient;
    let staff1: Headers;
    let staff2: Headers;
    let customer: Headers;

    beforeAll(async () => {
      keysFile = await temporaryKeysFile();
      // Users and products need no bus: they start while the bus does (the emulator takes seconds).
      const [runningBus, users, products, database] = await Promise.all([
        kind.start(),
        startTestSubgraph('users', { JWT_KEYS_FILE: keysFile }),
        startTestSubgraph('products'),
        createTestDatabase('inventory'),
      ]);
      bus = runningBus;
      inventoryDatabase = database;
      subgraphs.push(users, products);
      const busEnv = { ...bus.env, ...FAST_REDELIVERY };
      const inventoryEnv = {
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        DATABASE_URL: inventoryDatabase.url,
        ROUTER_SECRET: TEST_ROUTER_SECRET,
        ...busEnv,
      };
      // Migrations take no lock: the first inventory process migrates, the second starts on the migrated
      // database.
      const [orders, inventoryA] = await Promise.all([
        startTestSubgraph('orders', { ...busEnv, PRODUCTS_URL: products.server.url }),
        spawnOnFreePort('subgraphs/inventory/main.ts', inventoryEnv),
      ]);
      subgraphs.push(orders);
      await inventoryA.ready;
      const routerEnv = (inventoryUrl: string) =>
        testRouterEnv(
          {
            USERS_URL: users.server.url,
            PRODUCTS_URL: products.server.url,
            ORDERS_URL: orders.server.url,
            INVENTORY_URL: inventoryUrl,
          },
          // Info: the router logs each accepted subscription, which is when a subscriber starts to count.
          { ...bus.env, LOG_LEVEL: 'info' },
        );
      const inventoryB = await spawnOnFreePort('subgraphs/inventory/main.ts', {
        ...inventoryEnv,
        MIGRATE_ON_START: 'false',
      });
      // Router 2 starts with inventory B and becomes ready once B answers.
      const started = await Promise.all([
        spawnOnFreePort('router/main.ts', routerEnv(inventoryA.url)),
        spawnOnFreePort('router/main.ts', routerEnv(inventoryB.url)),
      ]);
      [router1, router2] = started;
      await Promise.all([inventoryB.ready, router1.ready, router2.ready]);
      await orders.subgraph.events?.whenConnected();
      // /ready does not wait for the bus: an alert published before a router's subscription exists is not
      // its to deliver.
      await waitFor(
        'both routers to subscribe on the bus',
        async () => ((await bus.temporarySubscriptions()).length === 2 ? true : undefined),
        STARTUP_MS,
      );

      const pharmacist = await mintAccessToken(keysFile, users.database.url, {
        userId: 2,
        role: 'PHARMACIST',
      });
      staff1 = bearer(pharmacist);
      staff2 = bearer(await mintAccessToken(keysFile, users.database.url, { userId: 4, role: 'PHARMACIST' }));
      customer = bearer(await mintAccessToken(keysFile, users.database.url, { userId: 3, role: 'CUSTOMER' }));
      client1 = subscribeToAlerts(router1.url, pharmacist);
      client2 = subscribeToAlerts(
        router2.url,
        await mintAccessToken(keysFile, users.database.url, { userId: 5, role: 'PHARMACIST' }),
      );
      await Promise.all(
        [router1, router2].map(({ process }) =>
          process.waitForOutput(/"message":"lowStockAlerts subscribed"/, STARTUP_MS),
        ),
      );
    }, 180_000);

    afterAll(async () => {
      await client1?.dispose();
      await client2?.dispose();
      await killAllServices();
      for (const subgraph of subgraphs.splice(0)) await subgraph.stop();
      await inventoryDatabase?.drop();
      if (keysFile !== undefined) await removeKeysFile(keysFile);
      await bus?.stop();
    }, 60_000);

    const stocked = (routerUrl: string, staff: Headers, sku: string) =>
      createStockedProduct(asViewer(routerUrl, undefined, staff), {
        sku,
        name: `Alert ${sku}`,
        price: '4.20',
        quantity: 10,
        reorderLevel: 3,
      });

    it('delivers every alert, from either inventory process, once to the subscriber of each router', async () => {
      const byHand = [
        await stocked(router1.url, staff1, `${kind.name}-HAND-1`),
        await stocked(router1.url, staff1, `${kind.name}-HAND-2`),
      ];
      const byOrder = [
        await stocked(router2.url, staff2, `${kind.name}-ORDER-1`),
        await stocked(router2.url, staff2, `${kind.name}-ORDER-2`),
      ];

      // By hand through router 1: inventory A writes these alerts.
      for (const productId of byHand) {
        expect(dataOf(await postGraphQL(router1.url, ADJUST, { productId, adjustment: -7 }, staff1))).toEqual(
          { adjustInventory: { available: 3 } },
        );
      }
      // By orders through router 2: whichever inventory process consumes each order reserves and alerts.
      const orderIds: string[] = [];
      const customerClient = asViewer(router2.url, undefined, customer);
      for (const productId of byOrder) {
        orderIds.push((await placeOrder(customerClient, [{ productId, quantity: 7 }])).id);
      }
      for (const id of orderIds) {
        expect((await waitUntilDecided(customerClient, id, ALERT_TIMEOUT_MS)).status).toBe('CONFIRMED');
      }

      const expected = new Map<string, AlertView>([
        ...byHand.map((id, index): [string, AlertView] => [
          id,
          {
            product: { id, name: `Alert ${kind.name}-HAND-${index + 1}` },
            quantity: 3,
            reserved: 0,
            available: 3,
            reorderLevel: 3,
            shortage: 0,
            orderId: null,
          },
        ]),
        ...byOrder.map((id, index): [string, AlertView] => [
          id,
          {
            product: { id, name: `Alert ${kind.name}-ORDER-${index + 1}` },
            quantity: 10,
            reserved: 7,
            available: 3,
            reorderLevel: 3,
            shortage: 0,
            orderId: orderIds[index] ?? 'missing',
          },
        ]),
      ]);
      await waitFor(
        'four alerts on each router',
        () => client1.alerts.length >= 4 && client2.alerts.length >= 4,
        ALERT_TIMEOUT_MS,
      );
      // A duplicate (two relays publishing one row, a redelivery) would arrive shortly after.
      await new Promise((resolve) => setTimeout(resolve, DUPLICATE_WINDOW_MS));

      const sortedByProduct = (alerts: AlertView[]) =>
        [...alerts].sort((a, b) => Number(a.product.id) - Number(b.product.id));
      const expectedAlerts = sortedByProduct([...expected.values()]);
      expect(sortedByProduct(client1.alerts)).toEqual(expectedAlerts);
      expect(sortedByProduct(client2.alerts)).toEqual(expectedAlerts);
      expect(client1.errors).toEqual([]);
      expect(client2.errors).toEqual([]);
    });

    it('closes its subscribers with 1001 and deletes its bus subscription on SIGTERM, while the other router keeps delivering', async () => {
      const before = await bus.temporarySubscriptions();
      expect(before).toHaveLength(2);
      const received2 = client2.alerts.length;
      const received1 = client1.alerts.length;

      const exit = await router1.process.stop('SIGTERM', 20_000);
      expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
      expect((await client1.closed).code).toBe(1001);
      // Its subscription ends with the socket: the close event reaches it as the error of the stream.
      expect(client1.errors.map((error) => (error as { code?: unknown }).code)).toEqual([1001]);

      const after = await bus.temporarySubscriptions();
      expect(after).toHaveLength(1);
      expect(before).toContain(after[0]);

      const productId = await stocked(router2.url, staff2, `${kind.name}-AFTER-STOP`);
      expect(dataOf(await postGraphQL(router2.url, ADJUST, { productId, adjustment: -8 }, staff2))).toEqual({
        adjustInventory: { available: 2 },
      });
      await waitFor('the alert on router 2', () => client2.alerts.length > received2, ALERT_TIMEOUT_MS);
      await new Promise((resolve) => setTimeout(resolve, DUPLICATE_WINDOW_MS));
      expect(client2.alerts.slice(received2)).toEqual([
        {
          product: { id: productId, name: `Alert ${kind.name}-AFTER-STOP` },
          quantity: 2,
          reserved: 0,
          available: 2,
          reorderLevel: 3,
          shortage: 1,
          orderId: null,
        },
      ]);
      expect(client1.alerts).toHaveLength(received1);
      expect(client2.errors).toEqual([]);
    });
  },
);
