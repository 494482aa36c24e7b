/**
 * `BENCH_QUICK=1 npm run bench` end to end: the whole stack, the gateway benchmark's subgraphs and every
 * contender run, and every scenario's answers are right. Speed is not asserted (the quick run is too short
 * and this machine is shared); correctness is, including the properties the bench exists to show: entity
 * batching (constant subgraph requests and SQL as pages grow) and one alert execution per subscriber group.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { BenchReport } from '../scripts/bench/report.ts';
import { sqlAt, testPostgresServer } from './support/database.ts';
import { killAllServices, REPO_ROOT, spawnService } from './support/processes.ts';

/** A bound for a run that hangs, not a speed target: on a slow shared machine a whole quick run took over 240 s. */
const QUICK_RUN_MS = 600_000;

/** The committed report, which a run with BENCH_OUTPUT_DIR must leave alone. */
const committedReport = () => {
  const path = join(REPO_ROOT, 'BENCHMARKS.md');
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
};

afterAll(killAllServices);

describe('npm run bench (BENCH_QUICK=1)', () => {
  it(
    'runs all eight scenarios with right answers, reports them, and leaves no database behind',
    async () => {
      const outputDir = await mkdtemp(join(tmpdir(), 'pharmacy-bench-test-'));
      const committedBefore = committedReport();
      try {
        const bench = spawnService('scripts/bench/main.ts', {
          BENCH_QUICK: '1',
          BENCH_OUTPUT_DIR: outputDir,
          BENCH_LOG_LEVEL: 'warn',
          DATABASE_URL: testPostgresServer(),
        });
        const exit = await bench.waitForExit(QUICK_RUN_MS);
        // The bench's own account of what went wrong is the useful part of a failure.
        if (exit.code !== 0)
          throw new Error(`the quick bench exited ${exit.code}:\n${bench.stderr().slice(-3000)}`);

        const report = JSON.parse(readFileSync(join(outputDir, 'bench-results.json'), 'utf8')) as BenchReport;
        expect(report.quick).toBe(true);
        // What the full run's warning on too few connections reads.
        expect(report.postgresMaxConnections).toBeGreaterThanOrEqual(100);
        expect(report.scenarios.map((scenario) => scenario.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
        const failed = report.scenarios.flatMap((scenario) =>
          scenario.checks.filter((check) => !check.ok).map((check) => `${scenario.id}: ${check.name}`),
        );
        expect(failed).toEqual([]);
        for (const scenario of report.scenarios) {
          expect(scenario.checks.length).toBeGreaterThan(0);
          expect(scenario.measurements.length + scenario.tables.length).toBeGreaterThan(0);
        }
        const ratiosOf = (id: number) =>
          report.scenarios.find((scenario) => scenario.id === id)?.ratios ?? [];
        // Hashes against text, measured with both routers serving paced requests together: one value each.
        expect(
          [1, 2].flatMap((id) =>
            ratiosOf(id)
              .filter((each) => each.name.endsWith('hashes only / text'))
              .map((each) => typeof each.value),
          ),
        ).toEqual(['number', 'number', 'number']);
        expect(ratiosOf(3).map((each) => [each.target, each.pass])).toEqual([
          ['constant', true],
          ['constant', true],
        ]);
        expect(
          ratiosOf(5)
            .filter((each) => each.name.includes('executions per event'))
            .map((each) => each.value),
        ).toEqual([4, 4]);
        // Where an order's time goes: both relays and both consumers of the saga, each measured on events.
        const hops = report.scenarios
          .find((scenario) => scenario.id === 4)
          ?.tables.find((table) => table.title.includes('hop by hop'));
        expect(hops?.rows.map((row) => row[0])).toEqual([
          'placement → order event published (orders outbox: transaction start → relayed)',
          'reservation → reply published (inventory outbox: transaction start → relayed)',
          'inventory.order-events: published → claimed',
          'inventory.order-events: claimed → completed (its batch handled)',
          'orders.inventory-events: published → claimed',
          'orders.inventory-events: claimed → completed (its batch handled)',
        ]);
        for (const row of hops?.rows ?? []) expect(Number(row[3])).toBeGreaterThan(0);
        // What a confirmed order costs flat out: each service, Postgres (on this machine) and the machine,
        // beside what 0.1 of the raw commit rate would allow.
        const flatOut = report.scenarios
          .find((scenario) => scenario.id === 4)
          ?.tables.find((table) => table.title.startsWith('Flat out'));
        const cost = new Map(flatOut?.rows.map((row) => [String(row[0]), String(row[1])]));
        for (const name of ['router', 'orders', 'products', 'inventory', 'Postgres (every backend)']) {
          expect(Number(cost.get(`${name}: CPU ms`))).toBeGreaterThan(0);
        }
        const busy = Number(
          cost.get(`the machine's ${availableParallelism()} cores: busy`)?.replace('%', ''),
        );
        expect(busy).toBeGreaterThan(0);
        expect(busy).toBeLessThanOrEqual(100);
        const allowed = [...cost].find(([name]) => name.includes('allow at 0.1 of the raw commit rate'));
        expect(Number(allowed?.[1])).toBeGreaterThan(0);
        // Both stores measured; a made-up username never reaches a Redis key.
        expect(ratiosOf(8).map((each) => [each.name, each.name.includes('key') ? each.pass : true])).toEqual([
          ['router memory retained, memory stores (MB)', true],
          ['router memory retained, Redis stores (MB)', true],
          ['longest Redis key (bytes)', true],
        ]);
        // Every target is reported with its number, met or not.
        expect(ratiosOf(7).length).toBeGreaterThanOrEqual(4);
        for (const each of report.scenarios.flatMap((scenario) => scenario.ratios)) {
          expect(each.pass || (each.reason ?? '').length > 0).toBe(true);
        }

        const markdown = readFileSync(join(outputDir, 'BENCHMARKS.md'), 'utf8');
        expect(markdown).toContain('## Targets');
        expect(markdown).toContain('## 7. Federation gateway benchmark');
        expect(committedReport()).toEqual(committedBefore);

        const left = await sqlAt(
          testPostgresServer(),
          'select datname from pg_database where datname like $1',
          [`bench\\_${bench.child.pid}\\_%`],
        );
        expect(left).toEqual([]);
      } finally {
        await rm(outputDir, { recursive: true, force: true });
      }
    },
    QUICK_RUN_MS + 30_000,
  );
});
