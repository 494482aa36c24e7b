/**
 * Scenario 4, the order saga: customers place orders through the router as fast as it takes them; orders
 * prices them from the catalogue, inventory reserves the stock over the event bus, and each order becomes
 * CONFIRMED. Compared with the raw commit rate of the same Postgres for an order and two lines.
 */
import { availableParallelism } from 'node:os';
import pg from 'pg';
import { FIRST_ORDERABLE_PRODUCT_ID, HEAVY_CUSTOMER_ID, PRESCRIPTION_EVERY } from '../data-set.ts';
import type { CommitResult, HttpRequestSpec } from '../driver.ts';
import {
  answeredRight,
  bearer,
  graphqlBody,
  measured,
  measureLoad,
  ms,
  newScenario,
  ratio,
  type ScenarioResult,
} from '../results.ts';
import { DEFAULT_BUS_SCHEMA } from '../../../lib/event-bus/postgres-event-bus.ts';
import { cpuMs, machineCpuMs, parentPid } from '../proc-stats.ts';
import { ResourceWindow, type MeasuredProcess } from '../services.ts';
import { withConnection } from '../../support/sql.ts';
import type { StackContext } from '../settings.ts';
import type { BusKind, PharmacyStack } from '../stack.ts';
import { SAGA_SUBSCRIPTIONS } from '../../../subgraphs/contracts/saga-subscriptions.ts';

const PLACE_ORDER =
  'mutation PlaceOrder($input: PlaceOrderInput!) { placeOrder(input: $input) { id status total } }';
/** Distinct request bodies (product pairs) sent in turn, and customers placing them. */
const DISTINCT_ORDERS = 1_000;
const CUSTOMERS = 100;
const SAGA_COSTS =
  'each order is a placeOrder through the router, a catalogue call, outbox rows, two bus hops and ' +
  'transactions in two databases, on the same 2 cores as Postgres';

interface SagaOutcome {
  total: number;
  confirmed: number;
  rejected: number;
  pending: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** From the first order's creation to the last confirmation. */
  spanMs: number | null;
}

async function outcome(client: pg.Client, afterId: number): Promise<SagaOutcome> {
  const { rows } = await client.query<Record<keyof SagaOutcome, string | null>>(
    `select count(*) as total,
            count(*) filter (where status = 'CONFIRMED') as confirmed,
            count(*) filter (where status = 'REJECTED') as rejected,
            count(*) filter (where status = 'PENDING') as pending,
            percentile_cont(0.5) within group (order by extract(epoch from updated_at - created_at) * 1000)
              filter (where status = 'CONFIRMED') as "p50Ms",
            percentile_cont(0.99) within group (order by extract(epoch from updated_at - created_at) * 1000)
              filter (where status = 'CONFIRMED') as "p99Ms",
            extract(epoch from max(updated_at) filter (where status = 'CONFIRMED') - min(created_at)) * 1000 as "spanMs"
     from customer_order where id > $1`,
    [afterId],
  );
  const row = rows[0] as Record<keyof SagaOutcome, string | null>;
  const number = (value: string | null) => (value === null ? null : Number(value));
  return {
    total: Number(row.total),
    confirmed: Number(row.confirmed),
    rejected: Number(row.rejected),
    pending: Number(row.pending),
    p50Ms: number(row.p50Ms),
    p99Ms: number(row.p99Ms),
    spanMs: number(row.spanMs),
  };
}

/** The outcome of the orders after `afterId` once none is PENDING (or the time is up). */
async function settledOutcome(client: pg.Client, afterId: number, withinMs: number): Promise<SagaOutcome> {
  const deadline = Date.now() + withinMs;
  let result = await outcome(client, afterId);
  while (result.pending > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    result = await outcome(client, afterId);
  }
  return result;
}

/** p50 and p99, in ms, of an interval over the rows that `from` selects; null without rows. */
async function percentiles(
  client: pg.Client,
  interval: string,
  from: string,
  parameters: unknown[],
): Promise<{ p50: number; p99: number; count: number } | null> {
  const ms = `extract(epoch from ${interval}) * 1000`;
  const { rows } = await client.query<{ p50: string | null; p99: string | null; count: string }>(
    `select percentile_cont(0.5) within group (order by ${ms}) as p50,
            percentile_cont(0.99) within group (order by ${ms}) as p99,
            count(*) as count
       ${from}`,
    parameters,
  );
  const row = rows[0];
  if (!row || row.p50 === null || row.p99 === null) return null;
  return { p50: Number(row.p50), p99: Number(row.p99), count: Number(row.count) };
}

/**
 * Where an order's time goes, hop by hop, for the events written since `since` (a timestamp of the
 * database server): each relay's wait from the writing transaction's start to the event's publication,
 * and on the Postgres bus each consumer's wait for its claim and its handling (pg-boss's own timestamps).
 * The hops overlap where a transaction's start is counted in two of them, so they do not add up exactly.
 * `orders` is a connection to the orders database; the others are opened here, one per database.
 */
async function hopTimes(
  stack: PharmacyStack,
  orders: pg.Client,
  since: string,
  bus: BusKind,
): Promise<string[][]> {
  // Only the saga's own events: a reservation may also announce low stock on the same topic.
  const relayed = (client: pg.Client, topic: string, types: string[]) =>
    percentiles(
      client,
      'published_at - created_at',
      `from outbox_event
        where created_at >= $1 and topic = $2 and event->>'type' = any($3) and published_at is not null`,
      [since, topic, types],
    );
  const { inventoryOrders, ordersStockReplies } = SAGA_SUBSCRIPTIONS;
  const hops: [string, Awaited<ReturnType<typeof percentiles>>][] = [
    [
      'placement → order event published (orders outbox: transaction start → relayed)',
      await relayed(orders, inventoryOrders.topic, ['order.placed']),
    ],
    [
      'reservation → reply published (inventory outbox: transaction start → relayed)',
      await withConnection(stack.databaseUrls.inventory, (inventory) =>
        relayed(inventory, ordersStockReplies.topic, ['inventory.reserved', 'inventory.rejected']),
      ),
    ],
  ];
  if (bus === 'postgres') {
    await withConnection(stack.databaseUrls.events, async (events) => {
      const queues = await events.query<{ name: string; table_name: string }>(
        `select name, table_name from ${DEFAULT_BUS_SCHEMA}.queue`,
      );
      for (const { subscription } of [inventoryOrders, ordersStockReplies]) {
        const table = queues.rows.find((queue) => queue.name === subscription)?.table_name;
        if (table === undefined) continue;
        const jobs = `from ${DEFAULT_BUS_SCHEMA}.${table} where name = $1 and created_on >= $2 and completed_on is not null`;
        hops.push(
          [
            `${subscription}: published → claimed`,
            await percentiles(events, 'started_on - created_on', jobs, [subscription, since]),
          ],
          [
            `${subscription}: claimed → completed (its batch handled)`,
            await percentiles(events, 'completed_on - started_on', jobs, [subscription, since]),
          ],
        );
      }
    });
  }
  return hops.map(([name, times]) => [
    name,
    times?.p50.toFixed(1) ?? 'n/a',
    times?.p99.toFixed(1) ?? 'n/a',
    String(times?.count ?? 0),
  ]);
}

/** Transactions committed so far in each of the stack's databases (Postgres' own statistics). */
async function commitsByDatabase(
  client: pg.Client,
  databases: Record<string, string>,
): Promise<Record<string, number>> {
  const names = Object.fromEntries(
    Object.entries(databases).map(([label, url]) => [new URL(url).pathname.slice(1), label]),
  );
  const { rows } = await client.query<{ datname: string; xact_commit: string }>(
    'select datname, xact_commit from pg_stat_database where datname = any($1)',
    [Object.keys(names)],
  );
  return Object.fromEntries(rows.map((row) => [names[row.datname] as string, Number(row.xact_commit)]));
}

interface SagaCpu {
  /** CPU ms of each service (and of the bus's own process, the Pub/Sub emulator, when it is one). */
  services: Record<string, number>;
  /** CPU ms of the Postgres server (every backend); null when it is not a process of this machine. */
  postgres: number | null;
  /** CPU ms of the whole machine (all it ran, the load driver included), busy and in all. */
  machineBusy: number;
  machineAll: number;
}

/** Starts measuring the CPU the saga's processes, Postgres and the machine use; the result stops it. */
async function sagaCpuMeter(services: readonly MeasuredProcess[], orders: pg.Client): Promise<() => SagaCpu> {
  const window = new ResourceWindow(services);
  const { rows } = await orders.query<{ pid: number }>('select pg_backend_pid() as pid');
  // The server is the parent of this connection's backend, when it runs on this machine.
  const backend = rows[0]?.pid;
  const postgres = backend === undefined ? undefined : parentPid(backend);
  const postgresBefore = postgres === undefined ? 0 : cpuMs(postgres);
  const machineBefore = machineCpuMs();
  return () => {
    const usage = window.close();
    const machine = machineCpuMs();
    return {
      services: Object.fromEntries(Object.entries(usage.processes).map(([name, each]) => [name, each.cpuMs])),
      postgres: postgres === undefined ? null : cpuMs(postgres) - postgresBefore,
      machineBusy: machine.busyMs - machineBefore.busyMs,
      machineAll: machine.allMs - machineBefore.allMs,
    };
  };
}

/** Rows of what each process, Postgres and the machine spent, in CPU ms per order. */
function cpuRows(cpu: SagaCpu, perOrder: (value: number) => number): string[][] {
  return [
    ...Object.entries(cpu.services).map(([name, each]) => [`${name}: CPU ms`, perOrder(each).toFixed(2)]),
    ['Postgres (every backend): CPU ms', cpu.postgres === null ? 'n/a' : perOrder(cpu.postgres).toFixed(2)],
    [
      'the whole machine (all it ran, the load driver included): CPU ms',
      perOrder(cpu.machineBusy).toFixed(2),
    ],
  ];
}

export async function orderSaga(ctx: StackContext): Promise<ScenarioResult> {
  const { stack, driver, settings } = ctx;
  const { profile } = settings;
  const scenario = newScenario(
    4,
    'Order saga',
    `placeOrder (two lines) through the router by ${CUSTOMERS} customers, ${profile.sagaConnections} connections for ` +
      `${profile.sagaS} s; the run's orders are then followed in the orders database until none is PENDING. Time ` +
      'until CONFIRMED is updated_at − created_at of each order (both written by the orders subgraph); confirmed ' +
      'orders/s is their count over the time from the first order to the last confirmation, and what one ' +
      'confirmed order costs in that time is the CPU of each process, of the Postgres server (every backend) and ' +
      'of the whole machine (/proc/stat) over their count, beside what 0.1 of the raw commit rate allows (the ' +
      "cores' time over a tenth of the raw commits per second). The raw commit rate: " +
      `the same Postgres, ${profile.sagaConnections} connections, one transaction = an order row and two line rows ` +
      `(three INSERTs), for ${profile.sagaS} s. Then placeOrder at half the confirmed rate, steadily (evenly spaced, each sent when due), for ` +
      `${profile.sagaS} s: time until CONFIRMED, what one order costs (CPU of each process from placement ` +
      "until the last order settled, transactions in each database from Postgres' statistics) and where its time " +
      "goes, hop by hop, from the outboxes' and the bus's own timestamps.",
  );
  const tokens = await Promise.all(
    Array.from({ length: CUSTOMERS }, (_, i) =>
      stack.tokenFor({
        userId: HEAVY_CUSTOMER_ID + 1 + (i % (profile.size.users - HEAVY_CUSTOMER_ID)),
        role: 'CUSTOMER',
      }),
    ),
  );
  // Two neighbours that need no prescription (the ids after a multiple of PRESCRIPTION_EVERY), so that every
  // order is confirmed without a pharmacist's review.
  const firstGroup = Math.ceil(FIRST_ORDERABLE_PRODUCT_ID / PRESCRIPTION_EVERY);
  const groups = Math.floor(profile.size.products / PRESCRIPTION_EVERY) - firstGroup;
  const requests: HttpRequestSpec[] = Array.from({ length: DISTINCT_ORDERS }, (_, i) => {
    const first = (firstGroup + ((i * 7) % groups)) * PRESCRIPTION_EVERY + 1;
    return {
      body: graphqlBody(PLACE_ORDER, {
        input: {
          lines: [
            { productId: String(first), quantity: 1 },
            { productId: String(first + 1), quantity: 2 },
          ],
          shippingAddress: `${i} Bench Street, Springfield`,
        },
      }),
      headers: bearer(tokens[i % tokens.length] as string),
    };
  });

  const orders = new pg.Client({ connectionString: stack.databaseUrls.orders });
  await orders.connect();
  try {
    const { rows } = await orders.query<{ max: number }>(
      'select coalesce(max(id), 0) as max from customer_order',
    );
    const before = Number(rows[0]?.max ?? 0);
    const subgraphs = [stack.services.orders, stack.services.products, stack.services.inventory];
    const sagaProcesses = [
      stack.services.router,
      ...subgraphs,
      ...(stack.busProcess ? [stack.busProcess] : []),
    ];
    const stopFullLoadCpu = await sagaCpuMeter(sagaProcesses, orders);
    const place = await measureLoad(
      driver,
      'placeOrder',
      {
        kind: 'http',
        url: stack.routerUrl,
        connections: profile.sagaConnections,
        durationS: profile.sagaS,
        requests,
        check: { kind: 'no-errors' },
      },
      { router: [stack.services.router], subgraphs },
    );
    scenario.measurements.push(place);
    scenario.checks.push(answeredRight(place));

    const settled = (afterId: number) => settledOutcome(orders, afterId, settings.quick ? 30_000 : 90_000);
    const result = await settled(before);
    const fullLoadCpu = stopFullLoadCpu();
    scenario.checks.push({
      name: 'every placed order became CONFIRMED',
      ok: result.total > 0 && result.confirmed === result.total,
      detail: `${result.total} placed: ${result.confirmed} confirmed, ${result.rejected} rejected, ${result.pending} still pending`,
    });
    const confirmedPerSecond = result.spanMs ? (result.confirmed * 1000) / result.spanMs : null;

    const { result: raw } = await measured(
      driver,
      {
        kind: 'commits',
        databaseUrl: stack.databaseUrls.raw,
        connections: profile.sagaConnections,
        durationS: profile.sagaS,
      },
      { router: [], subgraphs: [] },
    );
    const rawCommits = raw as CommitResult;
    scenario.tables.push({
      title: 'Orders and commits',
      headers: ['what', 'count', 'per second', 'p50 ms', 'p99 ms'],
      rows: [
        [
          'placeOrder answered (PENDING)',
          place.load.requests,
          place.load.rps.toFixed(0),
          place.load.latencyMs.p50,
          place.load.latencyMs.p99,
        ],
        [
          'orders CONFIRMED (time until CONFIRMED)',
          result.confirmed,
          confirmedPerSecond?.toFixed(0) ?? 'n/a',
          result.p50Ms?.toFixed(1) ?? 'n/a',
          result.p99Ms?.toFixed(1) ?? 'n/a',
        ],
        [
          'raw commits (order + 2 lines)',
          rawCommits.transactions,
          rawCommits.rate.toFixed(0),
          rawCommits.latencyMs.p50.toFixed(2),
          rawCommits.latencyMs.p99.toFixed(2),
        ],
      ],
    });
    // Flat out, the cores are the limit: what a confirmed order costs them says which rate they allow.
    const perConfirmed = (value: number) => (result.confirmed > 0 ? value / result.confirmed : 0);
    const cores = availableParallelism();
    const allowedMs = (cores * 1000) / (0.1 * rawCommits.rate);
    const busy = fullLoadCpu.machineAll > 0 ? fullLoadCpu.machineBusy / fullLoadCpu.machineAll : 0;
    scenario.tables.push({
      title:
        'Flat out (from the first order placed until the last confirmed): what one confirmed order costs',
      headers: ['where', 'per order'],
      rows: [
        ...cpuRows(fullLoadCpu, perConfirmed),
        [`the machine's ${cores} cores: busy`, `${(busy * 100).toFixed(0)}%`],
        [`CPU ms per order that ${cores} cores allow at 0.1 of the raw commit rate`, allowedMs.toFixed(2)],
      ],
    });
    const sagaCpuMs = Object.values(fullLoadCpu.services).reduce((sum, each) => sum + each, 0);
    const spent =
      `${perConfirmed(fullLoadCpu.machineBusy).toFixed(1)} ms of CPU per confirmed order (the services` +
      `${stack.busProcess ? ' and the Pub/Sub emulator' : ''} ${perConfirmed(sagaCpuMs).toFixed(1)}, Postgres ` +
      `${fullLoadCpu.postgres === null ? 'n/a' : perConfirmed(fullLoadCpu.postgres).toFixed(1)}) where 0.1 of ` +
      `the raw commit rate allows ${allowedMs.toFixed(1)}`;
    // Below this the saga waited for something other than the cores (on the emulator: its deliveries).
    const cpuBound = busy >= 0.85;
    const flatOutReason = cpuBound
      ? `${SAGA_COSTS}: flat out the cores were ${(busy * 100).toFixed(0)}% busy, at ${spent}`
      : `flat out the cores were only ${(busy * 100).toFixed(0)}% busy: the saga waited more than it ` +
        `computed; and at ${spent}, busy cores would not reach it either`;

    // Half the sustained rate, steadily: how long an order waits for CONFIRMED when the saga keeps up, and
    // what one order costs each process (CPU) and each database (transactions).
    const halfRate = Math.max(1, Math.floor((confirmedPerSecond ?? 2) / 2));
    const steadyAfter = Number(
      (await orders.query<{ max: number }>('select coalesce(max(id), 0) as max from customer_order')).rows[0]
        ?.max ?? 0,
    );
    const sagaDatabases = {
      orders: stack.databaseUrls.orders,
      products: stack.databaseUrls.products,
      inventory: stack.databaseUrls.inventory,
      'event bus': stack.databaseUrls.events,
    };
    const commitsBefore = await commitsByDatabase(orders, sagaDatabases);
    const steadySince = String(
      (await orders.query<{ now: string }>('select now()::text as now')).rows[0]?.now ?? '-infinity',
    );
    const stopSteadyCpu = await sagaCpuMeter(sagaProcesses, orders);
    const steady = await driver.run({
      kind: 'http',
      url: stack.routerUrl,
      connections: profile.sagaConnections,
      durationS: profile.sagaS,
      ratePerSecond: halfRate,
      requests,
      check: { kind: 'no-errors' },
    });
    const steadyResult = await settled(steadyAfter);
    const steadyCpu = stopSteadyCpu();
    // Backends report their statistics at most once a second.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const commitsAfter = await commitsByDatabase(orders, sagaDatabases);
    scenario.checks.push({
      name: `at ${halfRate} orders/s every placed order became CONFIRMED`,
      ok: steady.failed === 0 && steadyResult.total > 0 && steadyResult.confirmed === steadyResult.total,
      detail: `${steady.requests} sent (${steady.failed} failed): ${steadyResult.confirmed} confirmed, ${steadyResult.rejected} rejected, ${steadyResult.pending} still pending`,
    });
    const perOrder = (value: number) => (steadyResult.total > 0 ? value / steadyResult.total : 0);
    scenario.tables.push({
      title: `At half the sustained rate (${halfRate} orders/s for ${profile.sagaS} s): what one order costs`,
      headers: ['where', 'per order'],
      rows: [
        ...cpuRows(steadyCpu, perOrder),
        ...Object.keys(sagaDatabases).map((label) => [
          `${label} database: transactions`,
          perOrder((commitsAfter[label] ?? 0) - (commitsBefore[label] ?? 0)).toFixed(1),
        ]),
      ],
    });
    scenario.tables.push({
      title: `At ${halfRate} orders/s: where an order's time goes, hop by hop (ms)`,
      headers: ['hop', 'p50', 'p99', 'events'],
      rows: await hopTimes(stack, orders, steadySince, settings.bus),
    });
    const busName = settings.bus === 'pubsub' ? 'Pub/Sub emulator' : 'Postgres bus';
    const steadyReason =
      'an order crosses two relays and two consumers, each a wake-up, a claim and transactions on the same 2 ' +
      "cores (the hop table gives each one's share)" +
      (stack.busProcess
        ? ', and each publish and delivery through the emulator, a Java server on the same cores'
        : '');

    const rateRatio = confirmedPerSecond === null ? null : confirmedPerSecond / rawCommits.rate;
    const meets = (confirmedPerSecond ?? 0) >= 1000 || (rateRatio ?? 0) >= 0.1;
    scenario.ratios.push({
      name: 'confirmed orders/s ÷ raw commits/s',
      value: rateRatio,
      display: `${confirmedPerSecond?.toFixed(0) ?? 'n/a'}/s ÷ ${rawCommits.rate.toFixed(0)}/s = ${rateRatio?.toFixed(3) ?? 'n/a'}`,
      target: '≥ 1,000 confirmed/s or ≥ 0.1',
      pass: meets,
      ...(meets ? {} : { reason: flatOutReason }),
    });
    scenario.ratios.push(
      ratio(
        `time until CONFIRMED p50 at ${halfRate} orders/s (${busName})`,
        steadyResult.p50Ms,
        { atMost: 50 },
        ms,
        steadyReason,
      ),
      ratio(
        `time until CONFIRMED p99 at ${halfRate} orders/s (${busName})`,
        steadyResult.p99Ms,
        { atMost: 150 },
        ms,
        steadyReason,
      ),
    );
    scenario.data = {
      outcome: result,
      confirmedPerSecond,
      rawCommits,
      steady: steadyResult,
      fullLoadCpu,
      steadyCpu,
    };
  } finally {
    await orders.end();
  }
  return scenario;
}
