/**
 * `npm run bench`: the supergraph's performance in one run, written to BENCHMARKS.md and
 * bench-results.json (in BENCH_OUTPUT_DIR, the repository root by default). See settings.ts for the
 * variables and the report's "Reproduce" section for the usual commands. Exits 1 when any scenario got a
 * wrong answer (targets missed are reported, never a failure).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitOnConfigError } from '../../lib/config.ts';
import { LoadDriver } from './driver.ts';
import type { ProfileSummary } from './profile.ts';
import { environment, renderMarkdown, type BenchReport } from './report.ts';
import { newScenario, type ScenarioResult } from './results.ts';
import { abuseResistance } from './scenarios/abuse-resistance.ts';
import { fanOut } from './scenarios/fan-out.ts';
import { gatewaysBenchmark } from './scenarios/gateways-benchmark.ts';
import { orderSaga } from './scenarios/order-saga.ts';
import { routerOverhead } from './scenarios/router-overhead.ts';
import { search } from './scenarios/search.ts';
import { securityCost } from './scenarios/security-cost.ts';
import { subscriptions } from './scenarios/subscriptions.ts';
import { killAll } from './services.ts';
import { readBenchSettings, type BenchContext, type StackContext } from './settings.ts';
import { startPharmacyStack, type PharmacyStack } from './stack.ts';

const settings = exitOnConfigError(() => readBenchSettings(process.env));
const started = performance.now();
const log = (message: string) =>
  process.stderr.write(
    `[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`,
  );

/** Scenarios on the pharmacy stack, in the order they run (search last: it grows the catalogue). */
const STACK_SCENARIOS: [number, (ctx: StackContext) => Promise<ScenarioResult>][] = [
  [1, routerOverhead],
  [2, securityCost],
  [3, fanOut],
  [4, orderSaga],
  [5, subscriptions],
  [8, abuseResistance],
  [6, search],
];
const TITLES: Record<number, string> = {
  1: 'Router overhead',
  2: 'Cost of security',
  3: 'Federated fan-out',
  4: 'Order saga',
  5: 'Subscriptions',
  6: 'Search',
  7: 'Federation gateway benchmark',
  8: 'Abuse resistance',
};

/** A scenario that could not finish: reported as a failed check, the others still run. */
function crashed(id: number, error: unknown): ScenarioResult {
  const scenario = newScenario(id, TITLES[id] ?? `Scenario ${id}`, 'Did not finish.');
  scenario.checks.push({
    name: 'the scenario ran to the end',
    ok: false,
    detail: (error as Error).stack ?? String(error),
  });
  return scenario;
}

/** A full run's stacks, probe lane and saga pools pass a default server's 100 connections at their peak. */
const ADVISED_MAX_CONNECTIONS = 300;

// Read before the first service starts: the services run the code checked out now, whatever changes later.
const measured = await environment(settings.serverUrl);
if (!settings.quick && measured.postgresMaxConnections < ADVISED_MAX_CONNECTIONS) {
  log(
    `warning: Postgres allows ${measured.postgresMaxConnections} connections and a full run may need more (the ` +
      `saga scenario fails with "too many clients"): raise max_connections to ${ADVISED_MAX_CONNECTIONS}, as .ci/run does`,
  );
}
const workDir = await mkdtemp(join(tmpdir(), 'pharmacy-bench-'));
const driver = new LoadDriver();
let stack: PharmacyStack | undefined;
const cleanUp = async () => {
  await stack?.stop();
  await killAll();
  await driver.stop();
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    void cleanUp().finally(() => process.exit(130));
  });
}

const scenarios: ScenarioResult[] = [];
const run = async <TContext extends BenchContext>(
  id: number,
  scenario: (ctx: TContext) => Promise<ScenarioResult>,
  ctx: TContext,
) => {
  log(`scenario ${id}: ${TITLES[id]}`);
  scenarios.push(await scenario(ctx).catch((error: unknown) => crashed(id, error)));
};
try {
  const chosen = STACK_SCENARIOS.filter(([id]) => settings.scenarios.has(id));
  const base = { settings, driver, workDir, log };
  if (chosen.length > 0) {
    log(
      `starting the stack on a generated data set (${JSON.stringify(settings.profile.size)}), bus ${settings.bus}`,
    );
    stack = await startPharmacyStack({
      serverUrl: settings.serverUrl,
      size: settings.profile.size,
      bus: settings.bus,
      logDir: workDir,
      logLevel: settings.logLevel,
      dbPoolMax: settings.profile.dbPoolMax,
    });
    for (const [id, scenario] of chosen) await run(id, scenario, { ...base, stack });
    log('stopping the stack');
    await stack.stop();
    stack = undefined;
  }
  // Scenario 7 needs none of the pharmacy stack: it runs alone, on its own subgraphs.
  if (settings.scenarios.has(7)) await run(7, gatewaysBenchmark, base);
} finally {
  await cleanUp();
}

const before =
  settings.profileBefore && existsSync(settings.profileBefore)
    ? (JSON.parse(readFileSync(settings.profileBefore, 'utf8')) as BenchReport).profile?.now
    : undefined;
const now = scenarios.find((scenario) => scenario.id === 7)?.data?.profile as ProfileSummary | undefined;
const report: BenchReport = {
  generatedAt: new Date().toISOString(),
  quick: settings.quick,
  bus: settings.bus,
  durationS: (performance.now() - started) / 1000,
  ...measured,
  scenarios: scenarios.sort((a, b) => a.id - b.id),
  ...(now || before ? { profile: { now, before } } : {}),
};
await mkdir(settings.outputDir, { recursive: true });
await writeFile(join(settings.outputDir, 'BENCHMARKS.md'), renderMarkdown(report, settings));
await writeFile(join(settings.outputDir, 'bench-results.json'), `${JSON.stringify(report, null, 2)}\n`);

const failed = scenarios.flatMap((scenario) =>
  scenario.checks
    .filter((check) => !check.ok)
    .map((check) => `scenario ${scenario.id}: ${check.name}: ${check.detail ?? ''}`),
);
const missed = scenarios.flatMap((scenario) => scenario.ratios.filter((each) => !each.pass));
log(`report written to ${join(settings.outputDir, 'BENCHMARKS.md')} (${missed.length} targets missed)`);
if (failed.length > 0) {
  process.stderr.write(
    `\n${failed.length} correctness checks failed:\n${failed.map((line) => `  - ${line}`).join('\n')}\n`,
  );
  process.stderr.write(`service logs kept in ${workDir}\n`);
  process.exitCode = 1;
} else {
  await rm(workDir, { recursive: true, force: true });
}
