/**
 * Scenario 5, subscriptions: 1,000, 10,000 then 20,000 concurrent `lowStockAlerts` subscribers on a
 * router of their own in front of the main lane's subgraphs (BENCH_SUBSCRIBERS chooses the counts), while
 * the alert product is moved below its reorder level by `adjustInventory` through the main router. The
 * target (p99 ≤ 200 ms) is judged at 10,000 subscribers (the largest count when 10,000 is not run).
 * Executions are the router's own count (pharmacy_router_alert_executions_total, which the tests hold to
 * what reaches inventory): on the probe lane, whose proxies count them from outside, every fetch and
 * statement takes an extra hop through the bench's process, and those hops had made the delays a quarter
 * longer.
 */
import { ALERT_PRODUCT_ID, ALERT_PRODUCT_STOCK, BENCH_ADMIN_ID, BENCH_PHARMACIST_ID } from '../data-set.ts';
import type { AlertsResult, SubscribeResult, SubscriberGroup } from '../driver.ts';
import { freePort } from '../../support/ports.ts';
import { scrapeMetrics } from '../../support/prometheus.ts';
import { cpuMs, openFilesLimit, residentMemoryMb } from '../proc-stats.ts';
import { ms, newScenario, ratio, type ScenarioResult } from '../results.ts';
import { waitUntil } from '../services.ts';
import { ADMITTING_RATE_LIMITS, startExtraRouter } from '../stack.ts';
import type { StackContext } from '../settings.ts';

/** Two selections: one of the alert and its product, one reaching the product's stock (a third subgraph). */
const SELECTIONS = {
  product: 'subscription AlertProduct { lowStockAlerts { available reorderLevel product { id name } } }',
  stock:
    'subscription AlertStock { lowStockAlerts { shortage occurredAt product { sku name inventory { available } } } }',
};

/** The router's counts of alert executions and of fetches to products, as its /metrics serves them now. */
async function routerCounts(metricsUrl: string): Promise<{ executions: number; productFetches: number }> {
  const samples = await scrapeMetrics(metricsUrl);
  return {
    executions: samples.get('pharmacy_router_alert_executions_total') ?? 0,
    productFetches:
      samples.get('pharmacy_router_subgraph_fetches_total{subgraph="products",outcome="ok"}') ?? 0,
  };
}

/** The subscriber count the p99 target is for. */
const TARGET_SUBSCRIBERS = 10_000;

/** Open files a process needs besides its sockets to subscribers (modules, logs, its other connections). */
const OTHER_FILES = 500;

/** Units removed to fall below the reorder level (and put back after each alert). */
const DROP = ALERT_PRODUCT_STOCK.quantity - ALERT_PRODUCT_STOCK.reorderLevel + 10;

function payloadRight(query: string, data: unknown): boolean {
  const alert = (data as { lowStockAlerts?: Record<string, unknown> } | undefined)?.lowStockAlerts;
  const product = alert?.product as { name?: unknown; inventory?: { available?: unknown } } | undefined;
  if (typeof product?.name !== 'string') return false;
  return query === SELECTIONS.stock
    ? typeof product.inventory?.available === 'number'
    : alert?.available === ALERT_PRODUCT_STOCK.quantity - DROP;
}

export async function subscriptions(ctx: StackContext): Promise<ScenarioResult> {
  const { stack, driver, settings } = ctx;
  const { profile } = settings;
  const scenario = newScenario(
    5,
    'Subscriptions',
    `${profile.subscriberCounts.join(' then ')} WebSocket clients (graphql-transport-ws, from the load driver, 100 ` +
      'handshakes at a time) subscribe to lowStockAlerts on a router of their own (in front of the same ' +
      'subgraphs), as two staff users with two selections ' +
      `each (4 groups). Then ${profile.alertEvents} times: adjustInventory through the main router drops the ` +
      'alert product below its reorder level (and puts the stock back); the delay is from sending the mutation ' +
      "to each client's receipt; the router's CPU (utime + stime) over those alerts per message delivered, and the load driver's (which reads every message on the same 2 cores). Memory per connection: the router's resident memory after subscribing minus " +
      'before, per client. Federated executions per event: the alerts the router resolved through the gateway ' +
      '(its pharmacy_router_alert_executions_total), per event; products requests: its fetches to products, per event.',
  );
  const [admin, pharmacist] = await Promise.all([
    stack.tokenFor({ userId: BENCH_ADMIN_ID, role: 'ADMIN' }),
    stack.tokenFor({ userId: BENCH_PHARMACIST_ID, role: 'PHARMACIST' }),
  ]);
  const groups: SubscriberGroup[] = [admin, pharmacist].flatMap((token) =>
    Object.values(SELECTIONS).map((query) => ({ token, query })),
  );
  // A router of its own (in front of the main lane's subgraphs, no proxies between): its memory per
  // connection is its own, and scenarios after this one meet routers that never held 10,000 sockets.
  const metricsPort = await freePort();
  const alertRouter = await startExtraRouter(stack, {
    name: 'alert-router',
    env: { ...ADMITTING_RATE_LIMITS, METRICS_PORT: String(metricsPort) },
    logDir: ctx.workDir,
  });
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  const url = alertRouter.url.replace(/^http/, 'ws');
  const router = alertRouter.service;
  const rows: (string | number)[][] = [];
  try {
    // The router refuses sockets (1013) until its alert feed listens on the bus.
    await waitUntil(router, 'the alert feed listening', async () => {
      const probe = await driver.run({ kind: 'subscribe', url, count: 1, groups, parallel: 1 });
      await driver.run({ kind: 'close-subscribers' });
      return probe.subscribed === 1;
    });

    const counts = profile.subscriberCounts;
    const targetCount = counts.includes(TARGET_SUBSCRIBERS) ? TARGET_SUBSCRIBERS : Math.max(...counts);
    for (const count of counts) {
      // The router and the load driver (which inherits the bench's limit) each hold a socket per subscriber.
      const limit = Math.min(openFilesLimit(router.pid) ?? Infinity, openFilesLimit() ?? Infinity);
      if (count + OTHER_FILES > limit) {
        rows.push([
          count,
          `not run: ${limit} open files allowed (ulimit -n); raise it to ${count + OTHER_FILES}`,
        ]);
        continue;
      }
      const before = residentMemoryMb(router.pid);
      const subscribed: SubscribeResult = await driver.run({
        kind: 'subscribe',
        url,
        count,
        groups,
        parallel: 100,
      });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const after = residentMemoryMb(router.pid);
      const perConnectionKb = ((after - before) * 1024) / Math.max(1, subscribed.subscribed);

      const countsBefore = await routerCounts(metricsUrl);
      const cpuBefore = cpuMs(router.pid);
      const driverCpuBefore = cpuMs(driver.pid);
      const alerts: AlertsResult = await driver.run({
        kind: 'alerts',
        routerUrl: stack.routerUrl,
        staffToken: admin,
        productId: ALERT_PRODUCT_ID,
        drop: DROP,
        events: profile.alertEvents,
        timeoutMs: 15_000,
      });
      // The router's CPU over the alerts (their queries, fan-out and writes), per message delivered.
      const cpuPerDeliveryUs = ((cpuMs(router.pid) - cpuBefore) * 1000) / Math.max(1, alerts.deliveries);
      // The load driver's CPU over them, per message received (its reads, with the adjustInventory calls).
      const driverCpuPerDeliveryUs =
        ((cpuMs(driver.pid) - driverCpuBefore) * 1000) / Math.max(1, alerts.deliveries);
      const countsAfter = await routerCounts(metricsUrl);
      const executions = (countsAfter.executions - countsBefore.executions) / alerts.events;
      const productRequests = (countsAfter.productFetches - countsBefore.productFetches) / alerts.events;
      await driver.run({ kind: 'close-subscribers' });

      scenario.checks.push(
        {
          name: `${count} subscribers: all connected and subscribed`,
          ok: subscribed.subscribed === count && subscribed.failed === 0,
          detail: `${subscribed.subscribed} subscribed, ${subscribed.failed} failed${subscribed.firstError ? `: ${subscribed.firstError}` : ''}`,
        },
        {
          name: `${count} subscribers: every alert reached every client, as selected`,
          ok:
            alerts.deliveries === alerts.expectedDeliveries &&
            alerts.wrong === 0 &&
            Object.values(SELECTIONS).every((query) => payloadRight(query, alerts.payloads[query])),
          detail: `${alerts.deliveries}/${alerts.expectedDeliveries} delivered, ${alerts.wrong} wrong${alerts.sample ? `: ${alerts.sample}` : ''}`,
        },
      );
      rows.push([
        count,
        subscribed.totalMs.toFixed(0),
        subscribed.connectMs.p50.toFixed(1),
        subscribed.connectMs.p99.toFixed(1),
        perConnectionKb.toFixed(1),
        `${alerts.deliveries}/${alerts.expectedDeliveries}`,
        alerts.delayMs.p50.toFixed(1),
        alerts.delayMs.p99.toFixed(1),
        alerts.delayMs.max.toFixed(1),
        cpuPerDeliveryUs.toFixed(1),
        driverCpuPerDeliveryUs.toFixed(1),
        executions,
        productRequests,
      ]);
      scenario.ratios.push({
        name: `${count} subscribers: federated executions per event`,
        value: executions,
        display: String(executions),
        target: `${groups.length} (one per selection and identity)`,
        pass: executions === groups.length,
        ...(executions === groups.length
          ? {}
          : { reason: 'the router did not group subscribers by selection and identity' }),
      });
      if (count === targetCount) {
        scenario.ratios.push(
          ratio(
            `${count} subscribers: p99 delay adjustInventory → every client`,
            alerts.delayMs.p99,
            { atMost: 200 },
            ms,
            `each message is serialised once per group and its frame written whole to every socket, but the ` +
              `router's one thread spends ${cpuPerDeliveryUs.toFixed(0)} µs of CPU per delivery (the write's ` +
              `system call included): ${((count * cpuPerDeliveryUs) / 1000).toFixed(0)} ms for ` +
              `${count.toLocaleString('en')} subscribers, while the load driver takes ` +
              `${driverCpuPerDeliveryUs.toFixed(0)} µs to read each on the other of the 2 cores`,
          ),
        );
      }
      scenario.data = { ...scenario.data, [count]: { subscribed, alerts, memoryMb: { before, after } } };
    }
  } finally {
    await alertRouter.stop();
  }
  scenario.tables.push({
    title: 'Subscribers',
    headers: [
      'clients',
      'connect all ms',
      'connect p50 ms',
      'connect p99 ms',
      'router KB / connection',
      'delivered',
      'delay p50 ms',
      'delay p99 ms',
      'delay max ms',
      'router CPU µs / delivery',
      'load driver CPU µs / delivery',
      'executions / event',
      'products requests / event',
    ],
    rows,
  });
  return scenario;
}
