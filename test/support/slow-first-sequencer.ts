/**
 * Jest's order of test files, slowest first, so that the two workers finish together. Jest knows how long
 * each file took from its cache of earlier runs; a run without that cache (a fresh CI clone) would order
 * files by size and could start the bench last. There the seconds below, measured with `npx jest --json` on
 * the two-core machine, stand in; any other file counts as quick. Update them when a file's time changes a
 * lot.
 */
import { createRequire } from 'node:module';
import type { Test } from '@jest/test-result';
import type * as SequencerModule from '@jest/test-sequencer';

const MEASURED_SECONDS: Record<string, number> = {
  'test/bench.test.ts': 76,
  'test/saga-faults.e2e.test.ts': 32,
  'lib/event-bus/pubsub-on-emulator.test.ts': 32,
  'test/alerts-fan-out.e2e.test.ts': 25,
  'test/observability.e2e.test.ts': 19,
  'test/sessions.e2e.test.ts': 18,
  'lib/event-bus/event-bus.contract.test.ts': 15,
  'test/login-abuse.e2e.test.ts': 14,
  'test/order-saga.e2e.test.ts': 13,
  'test/claimed-events.e2e.test.ts': 13,
  'test/image.e2e.test.ts': 13,
  'test/rate-limit-failover.e2e.test.ts': 11,
  'test/start.e2e.test.ts': 11,
  'test/chaos.e2e.test.ts': 11,
  'test/pharmacy-practice.e2e.test.ts': 9,
  'test/stale-orders.e2e.test.ts': 9,
  'scripts/migrate.test.ts': 8,
  'test/rate-limits.e2e.test.ts': 8,
  'test/auth.e2e.test.ts': 8,
  'test/low-stock-alerts.e2e.test.ts': 8,
  'test/start-terminal.e2e.test.ts': 8,
  'router/token-verifier.test.ts': 7,
  'test/partial-answers.e2e.test.ts': 7,
  'lib/event-bus/event-processing.test.ts': 7,
  'test/services.e2e.test.ts': 6,
  'test/subscription-limits.e2e.test.ts': 6,
  'subgraphs/products/product-search.test.ts': 6,
  'test/sdk-package.test.ts': 6,
  'subgraphs/orders/order-review-recall-audit.test.ts': 6,
  'subgraphs/orders/order-placement.test.ts': 5,
  'subgraphs/inventory/lot.service.test.ts': 5,
  'subgraphs/products/products.subgraph.test.ts': 5,
};

/** What a file without a time of its own counts as. */
const QUICK_SECONDS = 1;

// A CommonJS package whose class is its `default` export: required, so that no loader second-guesses that.
const { default: TestSequencer } = createRequire(import.meta.url)(
  '@jest/test-sequencer',
) as typeof SequencerModule.default;

export default class SlowFirstSequencer extends TestSequencer {
  /** Slowest first, by the time in Jest's cache or else the one above (a whole run, so no failed-first). */
  override async sort(tests: Test[]): Promise<Test[]> {
    const timed = await super.sort(tests);
    for (const test of timed) {
      const relativePath = test.path.slice(test.context.config.rootDir.length + 1);
      test.duration ??= (MEASURED_SECONDS[relativePath] ?? QUICK_SECONDS) * 1000;
    }
    return timed.sort((a, b) => (b.duration ?? 0) - (a.duration ?? 0));
  }
}
