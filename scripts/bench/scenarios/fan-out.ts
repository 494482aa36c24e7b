/**
 * Scenario 3, federated fan-out: a customer's order history with each line's product and its stock, for
 * page sizes 10, 50 and 100. Entity references are batched, so the subgraph requests and SQL statements of
 * one operation must not grow with the page.
 */
import { isDeepStrictEqual } from 'node:util';
import { HEAVY_CUSTOMER_ID } from '../data-set.ts';
import {
  answeredRight,
  bearer,
  graphqlBody,
  measureLoad,
  newScenario,
  postGraphQL,
  type ScenarioResult,
} from '../results.ts';
import type { StackContext } from '../settings.ts';
import { PROBED_SUBGRAPHS } from '../stack.ts';

const PAGE_SIZES = [10, 50, 100];
/** Operations counted on the probe lane per page size (after one warm-up). */
const COUNTED_OPERATIONS = 5;

const myOrders = (pageSize: number) =>
  `query MyOrders { myOrders(pageSize: ${pageSize}) { items { id lines { quantity product { name inventory { available } } } } } }`;

const total = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);

interface OrdersPage {
  myOrders?: { items: { lines: { product: { name: unknown; inventory: { available: unknown } } }[] }[] };
}

export async function fanOut(ctx: StackContext): Promise<ScenarioResult> {
  const { stack, driver, settings } = ctx;
  const { profile } = settings;
  const scenario = newScenario(
    3,
    'Federated fan-out',
    '`myOrders(pageSize: N) { items { lines { product { name inventory { available } } } } }` for a customer ' +
      'with enough orders, N = 10, 50, 100 (2–4 lines an order). Speed on the main lane (' +
      `${profile.connections} connections, ${profile.fanOutS} s); subgraph requests and SQL statements per ` +
      `operation counted on the probe lane (${COUNTED_OPERATIONS} operations after a warm-up) by an HTTP proxy ` +
      "in front of each subgraph and a Postgres wire-protocol proxy in front of each database (Query 'Q' and " +
      "Execute 'E' messages).",
  );
  const token = await stack.tokenFor({ userId: HEAVY_CUSTOMER_ID, role: 'CUSTOMER' });
  const counts: { pageSize: number; requests: Record<string, number>; statements: Record<string, number> }[] =
    [];
  const rows: (string | number)[][] = [];
  for (const pageSize of PAGE_SIZES) {
    const body = graphqlBody(myOrders(pageSize));
    const main = await postGraphQL(stack.routerUrl, body, bearer(token));
    const probed = await postGraphQL(stack.probeRouterUrl, body, bearer(token));
    const items = (main.json.data as OrdersPage | undefined)?.myOrders?.items ?? [];
    const complete = items.every((order) =>
      order.lines.every(
        (line) =>
          typeof line.product.name === 'string' && typeof line.product.inventory.available === 'number',
      ),
    );
    scenario.checks.push({
      name: `N = ${pageSize}: ${pageSize} orders, every line's product and stock resolved, both lanes alike`,
      ok:
        main.json.errors === undefined &&
        items.length === pageSize &&
        complete &&
        isDeepStrictEqual(main.json, probed.json),
      detail: `${items.length} orders; ${JSON.stringify(main.json.errors ?? null).slice(0, 200)}`,
    });

    for (const name of PROBED_SUBGRAPHS) {
      stack.requestCounters[name].reset();
      stack.statementCounters[name].reset();
    }
    for (let i = 0; i < COUNTED_OPERATIONS; i++) await postGraphQL(stack.probeRouterUrl, body, bearer(token));
    const per = (value: number) => value / COUNTED_OPERATIONS;
    const requests = Object.fromEntries(
      PROBED_SUBGRAPHS.map((name) => [name, per(stack.requestCounters[name].counter.count)]),
    );
    const statements = Object.fromEntries(
      PROBED_SUBGRAPHS.map((name) => [name, per(stack.statementCounters[name].counter.count)]),
    );
    counts.push({ pageSize, requests, statements });

    const run = await measureLoad(
      driver,
      `myOrders(pageSize: ${pageSize})`,
      {
        kind: 'http',
        url: stack.routerUrl,
        connections: profile.connections,
        durationS: profile.fanOutS,
        requests: [{ body, headers: bearer(token) }],
        check: { kind: 'no-errors' },
      },
      {
        router: [stack.services.router],
        subgraphs: [stack.services.orders, stack.services.products, stack.services.inventory],
      },
    );
    scenario.measurements.push(run);
    scenario.checks.push(answeredRight(run));
    rows.push([
      pageSize,
      run.load.rps.toFixed(0),
      run.load.latencyMs.p50,
      run.load.latencyMs.p99,
      PROBED_SUBGRAPHS.map((name) => `${name} ${requests[name]}`).join(', '),
      total(requests),
      PROBED_SUBGRAPHS.map((name) => `${name} ${statements[name]}`).join(', '),
      total(statements),
    ]);
  }
  scenario.tables.push({
    title: 'Per operation, as N grows',
    headers: ['N', 'req/s', 'p50 ms', 'p99 ms', 'subgraph requests', 'total', 'SQL statements', 'total'],
    rows,
  });
  const [smallest, largest] = [counts[0], counts[counts.length - 1]];
  if (smallest && largest) {
    for (const [what, key] of [
      ['subgraph requests', 'requests'],
      ['SQL statements', 'statements'],
    ] as const) {
      const constant = counts.every((each) => isDeepStrictEqual(each[key], smallest[key]));
      scenario.ratios.push({
        name: `${what} per operation, N = ${smallest.pageSize} → ${largest.pageSize}`,
        value: total(largest[key]),
        display: `${total(smallest[key])} → ${total(largest[key])}`,
        target: 'constant',
        pass: constant,
        ...(constant
          ? {}
          : { reason: `grows with N: ${counts.map((each) => total(each[key])).join(' → ')}` }),
      });
    }
  }
  scenario.data = { counts };
  return scenario;
}
