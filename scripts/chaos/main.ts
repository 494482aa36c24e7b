/**
 * `npm run chaos`: the chaos suite (chaos.ts) on each bus in turn, with every fault, printing each run's
 * figures and checks; exit 1 when a check fails. Not part of `npm test` (a run takes minutes); CI runs a
 * short one (test/chaos.e2e.test.ts).
 *
 *   CHAOS_SEED (random, printed: give it to replay a run)   CHAOS_BUSES (postgres,pubsub)
 *   CHAOS_ORDERS (1000)   CHAOS_CUSTOMERS (50)   CHAOS_ORDERS_PER_SECOND (20: the pace of placements, so that the
 *   faults fall within the load on any machine; 0 for as fast as the customers go)   DATABASE_URL (the Postgres server, postgres://postgres@127.0.0.1:5432/postgres)
 *   CHAOS_DECIDED_WITHIN_SECONDS (30: every order decided this long after the last recovery; the suite waits
 *   twice as long and 30 s more, so that a late run still reports its time)
 *   CHAOS_REPORT (a Markdown file to write the results to, e.g. CHAOS.md)
 */
import { writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { format, resolveConfig } from 'prettier';
import { exitOnConfigError, readConfig } from '../../lib/config.ts';
import { FAULT_KINDS, runChaos, type ChaosReport } from './chaos.ts';

const BUSES = ['postgres', 'pubsub'] as const;
const config = exitOnConfigError(() =>
  readConfig(process.env, (read) => ({
    seed: read.int('CHAOS_SEED', Math.floor(Math.random() * 1_000_000), { min: 0, max: 2 ** 31 - 1 }),
    buses: (read.optionalString('CHAOS_BUSES') ?? BUSES.join(',')).split(',').map((bus) => {
      if (!(BUSES as readonly string[]).includes(bus)) read.problem(`CHAOS_BUSES: unknown bus "${bus}"`);
      return bus as (typeof BUSES)[number];
    }),
    orders: read.int('CHAOS_ORDERS', 1_000, { min: 1, max: 100_000 }),
    customers: read.int('CHAOS_CUSTOMERS', 50, { min: 1, max: 1_000 }),
    // 0: unpaced.
    ordersPerSecond: read.int('CHAOS_ORDERS_PER_SECOND', 20, { min: 0, max: 10_000 }) || undefined,
    decidedWithinSeconds: read.int('CHAOS_DECIDED_WITHIN_SECONDS', 30, { min: 1, max: 3_600 }),
    serverUrl: read.url(
      'DATABASE_URL',
      ['postgres:', 'postgresql:'],
      'postgres://postgres@127.0.0.1:5432/postgres',
    ),
    report: read.optionalString('CHAOS_REPORT'),
  })),
);

const say = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
say(`chaos: seed ${config.seed} (CHAOS_SEED=${config.seed} replays it), buses ${config.buses.join(', ')}`);
const reports: ChaosReport[] = [];
for (const bus of config.buses) {
  const report = await runChaos({
    bus,
    seed: config.seed,
    orders: config.orders,
    customers: config.customers,
    products: 10,
    // About half the units asked for: many orders are rejected, and the last units are fought over.
    stockPerProduct: Math.max(10, Math.round(config.orders * 0.15)),
    faults: FAULT_KINDS,
    decidedWithinMs: config.decidedWithinSeconds * 1000,
    ordersPerSecond: config.ordersPerSecond,
    serverUrl: config.serverUrl,
    say,
  });
  reports.push(report);
  say(JSON.stringify(report, null, 2));
}
const markdown = renderReport(reports);
process.stdout.write(`\n${markdown}`);
// Formatted as the repository's lint expects, so that a report written to CHAOS.md can be committed as it is.
if (config.report !== undefined) {
  await writeFile(
    config.report,
    await format(markdown, { ...(await resolveConfig(config.report)), parser: 'markdown' }),
  );
}
if (reports.some(({ checks }) => checks.some(({ ok }) => !ok))) process.exitCode = 1;

function renderReport(runs: ChaosReport[]): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    '# Chaos runs',
    '',
    `\`npm run chaos\` (scripts/chaos), ${new Date().toISOString().slice(0, 10)}: ${availableParallelism()} × ${cpu}, ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, seed ${config.seed} ` +
      `(\`CHAOS_SEED=${config.seed} npm run chaos\` replays the same orders and faults in the same order).`,
    '',
  ];
  for (const run of runs) {
    lines.push(
      `## ${run.bus} bus`,
      '',
      `${run.orders} orders from ${run.customers} customers; ${run.requests} placeOrder requests (${run.retries} retries on the same idempotency key); ` +
        `load ${run.loadSeconds} s${config.ordersPerSecond === undefined ? '' : ` (paced at ${config.ordersPerSecond} orders/s)`}, ${run.ordersPerSecond} orders/s accepted; outcome ${Object.entries(
          run.statuses,
        )
          .map(([status, count]) => `${count} ${status}`)
          .join(', ')}.`,
      '',
      `Time from placement to decision: p50 ${run.timeToDecisionMs.p50} ms, p99 ${run.timeToDecisionMs.p99} ms, max ${run.timeToDecisionMs.max} ms. ` +
        `Every order decided ${run.decidedAfterLastRecoveryMs} ms after the last recovery.`,
      '',
      '| Fault | At (s into the load) | Down (ms) | Recovered after (ms) |',
      '| --- | --- | --- | --- |',
      ...run.faults.map(
        (fault) => `| ${fault.kind} | ${fault.atSeconds} | ${fault.downMs} | ${fault.recoveredMs} |`,
      ),
      '',
      '| Check | Result | Detail |',
      '| --- | --- | --- |',
      ...run.checks.map((check) => `| ${check.name} | ${check.ok ? 'pass' : '**FAIL**'} | ${check.detail} |`),
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}
