/**
 * The chaos suite (`npm run chaos`, docs/testing.md): the whole stack as separate processes (the four
 * subgraphs and the router, started as the image starts them), customers placing orders through the
 * router and retrying each on its idempotency key as a client would, while faults strike one at a time at
 * moments drawn from a seeded generator (CHAOS_SEED replays a run):
 *
 * - `kill-<service>`: SIGKILL of orders, inventory, the router or products, then a restart;
 * - `bus-outage`: the event bus cut off and restored (a TCP proxy in front of the Postgres bus's server or
 *   of the Pub/Sub emulator: the emulator keeps everything in memory, so stopping it would lose every
 *   topic, which a real Pub/Sub outage never does);
 * - `postgres-outage`: every connection to Postgres cut and refused, then accepted again, through a TCP
 *   proxy in front of the server: what the services see of a restart, without restarting a server that
 *   other work on the machine shares.
 *
 * Then it checks what must hold: every order accepted exactly once (none lost, none duplicated), every
 * order decided within 30 s of the last recovery, the units inventory holds equal to the units of the
 * confirmed orders for each product, nothing oversold, no dead letters; and reports the throughput and the
 * time from placement to decision (p50, p99).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseUrl, dropDatabase, ensureDatabase } from '../../lib/database.ts';
import { openEventBus, type EventBusConfig } from '../../lib/event-bus/bus-config.ts';
import { createLogger } from '../../lib/logger.ts';
import type { Viewer } from '../../lib/viewer.ts';
import { SAGA_SUBSCRIPTION_LIST } from '../../subgraphs/contracts/saga-subscriptions.ts';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/registry.ts';
import { issueAccessToken } from '../../subgraphs/users/access-token.ts';
import { seedSession } from '../../subgraphs/users/session-seed.ts';
import { ensureSigningKeys, signingKeysFromFile } from '../../subgraphs/users/signing-keys.ts';
import { loadProducts, loadUsers, PRESCRIPTION_EVERY } from '../bench/data-set.ts';
import { startService, waitForReady, type Service } from '../bench/services.ts';
import { ADMITTING_RATE_LIMITS } from '../bench/stack.ts';
import { migrateSubgraphs } from '../database-migrations.ts';
import { freePort } from '../support/ports.ts';
import { startPubSubEmulator, type PubSubEmulator } from '../support/pubsub-emulator.ts';
import { sqlAt } from '../support/sql.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

export const FAULT_KINDS = [
  'kill-orders',
  'kill-inventory',
  'kill-router',
  'kill-products',
  'bus-outage',
  'postgres-outage',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
type ServiceName = SubgraphName | 'router';

export interface ChaosOptions {
  bus: 'postgres' | 'pubsub';
  seed: number;
  orders: number;
  customers: number;
  /** Products ordered from, each with `stockPerProduct` units: fewer units than asked for, so some orders are rejected. */
  products: number;
  stockPerProduct: number;
  /** Each happens once, in an order and at moments drawn from the seed. */
  faults: readonly FaultKind[];
  /** A Postgres server URL (its databases are created and dropped here). */
  serverUrl: string;
  /** How long every order may take to be decided after the last recovery. Default 30 000. */
  decidedWithinMs?: number;
  /**
   * Order n is placed no earlier than n / ordersPerSecond s into the load, so that the load lasts as long on
   * a fast machine as on a slow one and the faults (about a minute of them) fall within it. Default: unpaced,
   * each customer placing its next order as soon as the last was accepted.
   */
  ordersPerSecond?: number;
  /** Progress lines. */
  say(line: string): void;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ChaosReport {
  bus: string;
  seed: number;
  orders: number;
  customers: number;
  faults: { kind: FaultKind; atSeconds: number; downMs: number; recoveredMs: number }[];
  requests: number;
  retries: number;
  loadSeconds: number;
  ordersPerSecond: number;
  statuses: Record<string, number>;
  /** From the last recovery until no order was PENDING (0 when none was left then). */
  decidedAfterLastRecoveryMs: number;
  timeToDecisionMs: { p50: number; p99: number; max: number };
  checks: Check[];
  logDir: string;
}

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Customers are users 3.. (1 is the admin, 2 a pharmacist: bench/data-set.ts). */
const FIRST_CUSTOMER = 3;
const PLACE_ORDER = `mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }`;
/** A client gives up on an order after this long: the check then reports it lost. */
const CLIENT_PATIENCE_MS = 180_000;

interface PlannedOrder {
  index: number;
  customer: number;
  key: string;
  lines: { productId: string; quantity: number }[];
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const { say } = options;
  const random = seededRandom(options.seed);
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  const tag = `chaos_${process.pid}_${randomBytes(3).toString('hex')}`;
  const logDir = await mkdtemp(join(tmpdir(), 'pharmacy-chaos-'));
  const names = [...SUBGRAPH_NAMES, 'events'] as const;
  const urls = Object.fromEntries(
    names.map((name) => [name, databaseUrl(options.serverUrl, `${tag}_${name}`)]),
  ) as Record<(typeof names)[number], string>;
  const cleanups: (() => Promise<unknown>)[] = [];
  const services = {} as Record<ServiceName, Service>;
  try {
    await Promise.all(names.map((name) => ensureDatabase(options.serverUrl, `${tag}_${name}`)));
    cleanups.push(() => Promise.all(names.map((name) => dropDatabase(options.serverUrl, `${tag}_${name}`))));
    const logger = createLogger('chaos', { level: 'warn', stream: 'stderr' });
    await migrateSubgraphs(
      SUBGRAPH_NAMES.map((subgraph) => ({ subgraph, databaseUrl: urls[subgraph] })),
      logger,
    );
    // Products without a prescription (every PRESCRIPTION_EVERY-th needs one: it would wait for review).
    const productIds: number[] = [];
    for (let id = 1; productIds.length < options.products; id += 1) {
      if (id % PRESCRIPTION_EVERY !== 0) productIds.push(id);
    }
    await loadUsers(urls.users, FIRST_CUSTOMER - 1 + options.customers);
    await loadProducts(urls.products, 1, productIds.at(-1) ?? 1);
    await sqlAt(
      urls.inventory,
      `insert into inventory_item (product_id, quantity, reserved, reorder_level, low_stock_announced, updated_at)
       select id, $2::int, 0, 0, false, now() from unnest($1::int[]) as id`,
      [productIds, options.stockPerProduct],
    );
    await sqlAt(
      urls.inventory,
      `insert into lot (product_id, lot_number, quantity, reserved) select product_id, 'UNLOTTED', quantity, 0 from inventory_item`,
    );

    // Every service reaches Postgres through one proxy (the Postgres outage), the bus through another.
    const server = new URL(options.serverUrl);
    const postgresProxy = await startTcpProxy(server.hostname, Number(server.port || 5432));
    cleanups.push(() => postgresProxy.close());
    const proxied = (url: string, proxy: TcpProxy) => {
      const through = new URL(url);
      through.host = `${proxy.host}:${proxy.port}`;
      return through.toString();
    };
    let emulator: PubSubEmulator | undefined;
    let busProxy: TcpProxy;
    let busEnv: Record<string, string>;
    let directBus: EventBusConfig;
    const busTimings = {
      drainTimeoutSeconds: 20,
      // The emulator ignores flow control and pushes a subscription's whole backlog to one consumer, so a
      // killed consumer or a cut stream costs an attempt to every event waiting there, not to the ten in
      // hand as on GCP: with six faults in a minute, the default 5 would dead-letter events no handler
      // failed. The Postgres bus does not count a crash.
      maxAttempts: options.bus === 'pubsub' ? 20 : 5,
      redelivery: { retryDelaySeconds: 1, maxRetryDelaySeconds: 60 },
    };
    if (options.bus === 'pubsub') {
      emulator = await startPubSubEmulator(60_000);
      cleanups.push(() => (emulator as PubSubEmulator).stop());
      const [host, port] = emulator.host.split(':');
      busProxy = await startTcpProxy(host ?? '127.0.0.1', Number(port));
      busEnv = {
        EVENT_BUS: 'pubsub',
        PUBSUB_EMULATOR_HOST: `${busProxy.host}:${busProxy.port}`,
        PUBSUB_PROJECT_ID: emulator.projectId,
        EVENT_MAX_ATTEMPTS: String(busTimings.maxAttempts),
      };
      directBus = {
        kind: 'pubsub',
        projectId: emulator.projectId,
        emulatorHost: emulator.host,
        ackDeadlineSeconds: 10,
        ...busTimings,
      };
    } else {
      busProxy = await startTcpProxy(server.hostname, Number(server.port || 5432));
      busEnv = {
        EVENT_BUS: 'postgres',
        EVENT_BUS_DATABASE_URL: proxied(urls.events, busProxy),
        EVENT_BUS_POOL_MAX: '3',
      };
      directBus = {
        kind: 'postgres',
        databaseUrl: urls.events,
        poolMax: 2,
        claimTimeoutSeconds: 5,
        ...busTimings,
      };
    }
    cleanups.push(() => busProxy.close());

    const keysDir = await mkdtemp(join(tmpdir(), 'pharmacy-chaos-keys-'));
    cleanups.push(() => rm(keysDir, { recursive: true, force: true }));
    const keysFile = join(keysDir, 'jwt-keys.json');
    await ensureSigningKeys(keysFile);
    const signingKeys = signingKeysFromFile(keysFile);
    const routerSecret = randomBytes(32).toString('base64url');
    const ports = Object.fromEntries(
      await Promise.all(['router', ...SUBGRAPH_NAMES].map(async (name) => [name, await freePort()])),
    ) as Record<ServiceName, number>;
    const graphqlUrl = (name: ServiceName) => `http://127.0.0.1:${ports[name]}/graphql`;
    const common = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      ROUTER_SECRET: routerSecret,
      MIGRATE_ON_START: 'false',
    };
    const envOf = (name: ServiceName): Record<string, string> =>
      name === 'router'
        ? {
            ...common,
            ...busEnv,
            ...ADMITTING_RATE_LIMITS,
            // The customers here send their own operation texts, not the SDK's trusted documents.
            TRUSTED_DOCUMENTS: 'allow',
            PORT: String(ports.router),
            ...Object.fromEntries(SUBGRAPH_NAMES.map((sub) => [`${sub.toUpperCase()}_URL`, graphqlUrl(sub)])),
          }
        : {
            ...common,
            PORT: String(ports[name]),
            DATABASE_URL: proxied(urls[name], postgresProxy),
            DB_POOL_MAX: '4',
            ...(name === 'users' ? { JWT_KEYS_FILE: keysFile } : {}),
            ...(name === 'orders' ? { PRODUCTS_URL: graphqlUrl('products') } : {}),
            ...(name === 'orders' || name === 'inventory' ? busEnv : {}),
          };
    let generation = 0;
    const start = async (name: ServiceName) => {
      generation += 1;
      services[name] = startService({
        name: `${name}-${generation}`,
        args: ['scripts/serve.ts', name],
        env: envOf(name),
        logDir,
      });
      await waitForReady(services[name], graphqlUrl(name), 120_000);
    };
    cleanups.push(() => Promise.all(Object.values(services).map((service) => service.stop(10_000))));
    await Promise.all(SUBGRAPH_NAMES.map(start));
    await start('router');
    say(`stack up (${options.bus} bus), logs in ${logDir}`);

    const tokenFor = async (viewer: Viewer) =>
      issueAccessToken({ ...viewer, sessionId: await seedSession(urls.users, viewer) }, signingKeys, {
        issuer: 'pharmacy-users',
        audience: 'pharmacy-api',
        ttlSeconds: 3_600,
      });
    const tokens = await Promise.all(
      Array.from({ length: options.customers }, (_, index) =>
        tokenFor({ userId: FIRST_CUSTOMER + index, role: 'CUSTOMER' }),
      ),
    );

    // Everything drawn from the seed is drawn here, before any timing can change the order of draws.
    const planned: PlannedOrder[] = Array.from({ length: options.orders }, (_, index) => {
      const first = productIds[between(0, productIds.length - 1)] ?? 1;
      const second = productIds[between(0, productIds.length - 1)] ?? 1;
      const lines = [{ productId: String(first), quantity: between(1, 3) }];
      if (random() < 0.5 && second !== first)
        lines.push({ productId: String(second), quantity: between(1, 3) });
      return { index, customer: index % options.customers, key: `chaos-${options.seed}-${index}`, lines };
    });
    const faultPlan = [...options.faults]
      .map((kind) => ({ kind, order: random() }))
      .sort((a, b) => a.order - b.order)
      .map(({ kind }) => ({ kind, waitMs: between(1_500, 5_000), downMs: between(2_000, 6_000) }));

    // The load: each customer places its orders one after the other, retrying each on its key.
    let requests = 0;
    const accepted = new Map<number, string>();
    const loadStarted = performance.now();
    let loadEnded = loadStarted;
    const placeOne = async (order: PlannedOrder): Promise<void> => {
      if (options.ordersPerSecond !== undefined) {
        await sleep(loadStarted + (order.index / options.ordersPerSecond) * 1000 - performance.now());
      }
      const giveUpAt = performance.now() + CLIENT_PATIENCE_MS;
      for (let attempt = 1; performance.now() < giveUpAt; attempt += 1) {
        requests += 1;
        try {
          const response = await fetch(graphqlUrl('router'), {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${tokens[order.customer]}`,
            },
            body: JSON.stringify({
              query: PLACE_ORDER,
              variables: {
                input: { lines: order.lines, shippingAddress: '1 Chaos Street', idempotencyKey: order.key },
              },
            }),
            signal: AbortSignal.timeout(15_000),
          });
          const body = (await response.json()) as { data?: { placeOrder?: { id: string } | null } };
          const id = body.data?.placeOrder?.id;
          if (id !== undefined) {
            accepted.set(order.index, id);
            return;
          }
        } catch {
          // A refused or cut connection, a timeout: try again, as a client would.
        }
        await sleep(Math.min(250 * attempt, 2_000));
      }
    };
    const load = Promise.all(
      Array.from({ length: options.customers }, async (_, customer) => {
        for (const order of planned.filter((entry) => entry.customer === customer)) await placeOne(order);
      }),
    ).then(() => {
      loadEnded = performance.now();
      say(
        `load done: ${accepted.size}/${options.orders} orders accepted in ${((loadEnded - loadStarted) / 1000).toFixed(1)} s`,
      );
    });

    // The faults, one at a time, during the load (those left when it ends still happen).
    const faults: ChaosReport['faults'] = [];
    let lastRecovery = performance.now();
    for (const { kind, waitMs, downMs } of faultPlan) {
      await sleep(waitMs);
      const at = performance.now();
      if (kind.startsWith('kill-')) {
        const name = kind.slice('kill-'.length) as ServiceName;
        services[name].child.kill('SIGKILL');
        await services[name].exited;
        await sleep(downMs);
        await start(name);
      } else {
        const proxies =
          kind === 'bus-outage'
            ? [busProxy]
            : options.bus === 'postgres'
              ? [postgresProxy, busProxy]
              : [postgresProxy];
        await Promise.all(proxies.map((proxy) => proxy.cut()));
        await sleep(downMs);
        for (const proxy of proxies) proxy.restore();
        // Recovered once every service answers /ready again (each checks its own database).
        await Promise.all(
          SUBGRAPH_NAMES.map((name) => waitForReady(services[name], graphqlUrl(name), 120_000)),
        );
      }
      lastRecovery = performance.now();
      const fault = {
        kind,
        atSeconds: Math.round((at - loadStarted) / 100) / 10,
        downMs,
        recoveredMs: Math.round(lastRecovery - at),
      };
      faults.push(fault);
      say(`${kind} at ${fault.atSeconds} s: recovered after ${fault.recoveredMs} ms`);
    }
    await load;
    lastRecovery = Math.max(lastRecovery, loadEnded);

    // Decided: nothing PENDING. Waited for up to twice the allowance, so a late run still reports its time.
    const allowance = options.decidedWithinMs ?? 30_000;
    let decidedAt = performance.now();
    for (;;) {
      const [row] = await sqlAt<{ pending: string }>(
        urls.orders,
        `select count(*) as pending from customer_order where status = 'PENDING'`,
      );
      decidedAt = performance.now();
      if (Number(row?.pending) === 0 || decidedAt - lastRecovery > 2 * allowance + 30_000) break;
      await sleep(250);
    }
    const decidedAfterLastRecoveryMs = Math.max(0, Math.round(decidedAt - lastRecovery));
    say(`every order decided ${decidedAfterLastRecoveryMs} ms after the last recovery`);

    const checks = await checkOutcome(
      urls,
      options,
      accepted,
      directBus,
      decidedAfterLastRecoveryMs,
      allowance,
    );
    const statuses = Object.fromEntries(
      (
        await sqlAt<{ status: string; count: string }>(
          urls.orders,
          `select status, count(*) as count from customer_order group by status order by status`,
        )
      ).map(({ status, count }) => [status, Number(count)]),
    );
    const times = (
      await sqlAt<{ ms: string }>(
        urls.orders,
        `select extract(epoch from (c.occurred_at - o.created_at)) * 1000 as ms
         from customer_order o join order_status_change c on c.order_id = o.id and c.from_status = 'PENDING'
         order by 1`,
      )
    ).map(({ ms }) => Number(ms));
    const loadSeconds = (loadEnded - loadStarted) / 1000;
    return {
      bus: options.bus,
      seed: options.seed,
      orders: options.orders,
      customers: options.customers,
      faults,
      requests,
      retries: requests - accepted.size,
      loadSeconds: Math.round(loadSeconds * 10) / 10,
      ordersPerSecond: Math.round((accepted.size / loadSeconds) * 10) / 10,
      statuses,
      decidedAfterLastRecoveryMs,
      timeToDecisionMs: {
        p50: percentile(times, 0.5),
        p99: percentile(times, 0.99),
        max: percentile(times, 1),
      },
      checks,
      logDir,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

async function checkOutcome(
  urls: Record<SubgraphName | 'events', string>,
  options: ChaosOptions,
  accepted: Map<number, string>,
  bus: EventBusConfig,
  decidedAfterLastRecoveryMs: number,
  allowance: number,
): Promise<Check[]> {
  const checks: Check[] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const rows = await sqlAt<{ id: number; key: string }>(
    urls.orders,
    `select id, idempotency_key as key from customer_order order by id`,
  );
  const ids = new Set([...accepted.values()].map(Number));
  check(
    'every order accepted',
    accepted.size === options.orders,
    `${accepted.size} of ${options.orders} accepted by the API`,
  );
  const missing = [...ids].filter((id) => !rows.some((row) => row.id === id));
  check(
    'no order lost',
    missing.length === 0,
    missing.length === 0 ? 'every accepted order is in the database' : `missing: ${missing.join(', ')}`,
  );
  const keys = new Map<string, number>();
  for (const { key } of rows) keys.set(key, (keys.get(key) ?? 0) + 1);
  const duplicated = [...keys].filter(([, count]) => count > 1);
  check(
    'no order duplicated',
    duplicated.length === 0,
    `${rows.length} orders for ${keys.size} keys${duplicated.length > 0 ? `; twice: ${duplicated.map(([key]) => key).join(', ')}` : ''}`,
  );
  const [pending] = await sqlAt<{ count: string }>(
    urls.orders,
    `select count(*) as count from customer_order where status = 'PENDING'`,
  );
  check(
    `every order decided within ${allowance / 1000} s of the last recovery`,
    Number(pending?.count) === 0 && decidedAfterLastRecoveryMs <= allowance,
    `${decidedAfterLastRecoveryMs} ms, ${Number(pending?.count)} still PENDING`,
  );
  const confirmed = await sqlAt<{ product_id: number; units: string }>(
    urls.orders,
    `select l.product_id, sum(l.quantity) as units from order_line l join customer_order o on o.id = l.order_id
     where o.status in ('CONFIRMED', 'AWAITING_REVIEW') group by l.product_id`,
  );
  const stock = await sqlAt<{
    product_id: number;
    quantity: number;
    reserved: number;
    lots_reserved: string;
  }>(
    urls.inventory,
    `select i.product_id, i.quantity, i.reserved, (select sum(reserved) from lot where lot.product_id = i.product_id) as lots_reserved
     from inventory_item i order by i.product_id`,
  );
  const mismatched = stock.filter(
    (item) =>
      item.reserved !== Number(confirmed.find((row) => row.product_id === item.product_id)?.units ?? 0) ||
      Number(item.lots_reserved) !== item.reserved,
  );
  check(
    'units held = units of the confirmed orders, per product',
    mismatched.length === 0,
    stock
      .map(
        (item) =>
          `#${item.product_id}: ${item.reserved} held, ${confirmed.find((row) => row.product_id === item.product_id)?.units ?? 0} confirmed`,
      )
      .join('; '),
  );
  const oversold = stock.filter(
    (item) => item.reserved > item.quantity || item.quantity !== options.stockPerProduct,
  );
  check(
    'nothing oversold',
    oversold.length === 0,
    `${stock.length} products, ${options.stockPerProduct} units each, none held beyond its shelf`,
  );
  const eventBus = await openEventBus(bus, createLogger('chaos-dead-letters', { level: 'silent' }));
  try {
    const bySubscription: string[] = [];
    let deadLetters = 0;
    for (const { subscription } of SAGA_SUBSCRIPTION_LIST) {
      const held = await eventBus.deadLetters(subscription);
      deadLetters += held.length;
      if (held.length > 0) bySubscription.push(`${subscription}: ${held.length}`);
    }
    check(
      'no dead letters',
      deadLetters === 0,
      `${deadLetters} dead letters${bySubscription.length > 0 ? ` (${bySubscription.join(', ')})` : ''}`,
    );
  } finally {
    await eventBus.close();
  }
  return checks;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0);
}
