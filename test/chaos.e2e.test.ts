/**
 * A short run of the chaos suite (scripts/chaos, `npm run chaos` runs the long one): the stack as
 * separate processes on the Postgres bus, a few customers retrying their orders on their idempotency keys
 * while the inventory process is killed and restarted, then every check of the suite.
 */
import { expect, it } from '@jest/globals';
import { runChaos } from '../scripts/chaos/chaos.ts';

it('loses, duplicates and oversells nothing, and decides every order soon after inventory is killed and restarted under load', async () => {
  const report = await runChaos({
    bus: 'postgres',
    seed: 17,
    orders: 40,
    customers: 5,
    products: 3,
    stockPerProduct: 20,
    faults: ['kill-inventory'],
    ordersPerSecond: 10,
    serverUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    say: () => undefined,
  });
  expect(report.faults.map(({ kind }) => kind)).toEqual(['kill-inventory']);
  // Paced at 10 a second: the 40th order is placed no earlier than 3.9 s into the load.
  expect(report.loadSeconds).toBeGreaterThanOrEqual(3.9);
  expect(report.checks.filter(({ ok }) => !ok)).toEqual([]);
}, 120_000);
