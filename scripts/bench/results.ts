/** What a scenario reports, and the measurement of one load run with the CPU and memory it cost. */
import type {
  DriverJob,
  DriverResult,
  HttpLoadJob,
  HttpLoadResult,
  LoadDriver,
  SequentialJob,
} from './driver.ts';
import { ResourceWindow, type ResourceUsage, type Service } from './services.ts';

export interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface Ratio {
  name: string;
  /** The measured value, as reported (a ratio, ms, a count…). */
  value: number | null;
  display: string;
  target: string;
  pass: boolean;
  /** Why a target was missed (or could not be measured). */
  reason?: string;
  /** A repeated ratio's value in each repeat, in the order they ran (the JSON keeps them; the report shows the spread). */
  repeats?: number[];
}

export interface Measurement {
  label: string;
  load: HttpLoadResult;
  /** CPU ms per request of the gateway/router processes, and of the subgraphs together. */
  routerCpuMsPerRequest: number | null;
  subgraphCpuMsPerRequest: number | null;
  /** Peak resident memory in the run, MB, per process. */
  peakMemoryMb: Record<string, number>;
  usage: ResourceUsage;
}

export interface Table {
  title: string;
  headers: string[];
  rows: (string | number)[][];
}

export interface ScenarioResult {
  id: number;
  title: string;
  /** What is measured and how, for the report. */
  method: string;
  measurements: Measurement[];
  tables: Table[];
  ratios: Ratio[];
  checks: Check[];
  notes: string[];
  /** Anything else worth keeping in the JSON. */
  data?: Record<string, unknown>;
}

export function newScenario(id: number, title: string, method: string): ScenarioResult {
  return { id, title, method, measurements: [], tables: [], ratios: [], checks: [], notes: [] };
}

/** The processes whose CPU counts as the router's and as the subgraphs'. */
export interface MeasuredProcesses {
  router: readonly Service[];
  subgraphs: readonly Service[];
}

/** Runs a driver job while reading the CPU time and peak memory of `processes`. */
export async function measured<TJob extends DriverJob>(
  driver: LoadDriver,
  job: TJob,
  processes: MeasuredProcesses,
): Promise<{ result: DriverResult<TJob>; usage: ResourceUsage }> {
  const window = new ResourceWindow([...processes.router, ...processes.subgraphs]);
  const result = await driver.run(job);
  return { result, usage: window.close() };
}

const perRequest = (usage: ResourceUsage, services: readonly Service[], requests: number) =>
  services.length === 0 || requests === 0
    ? null
    : services.reduce((sum, service) => sum + (usage.processes[service.name]?.cpuMs ?? 0), 0) / requests;

/** A row of the report: a load run, with CPU per request of its router and of `subgraphRequests`' subgraphs. */
function measurement(
  label: string,
  load: HttpLoadResult,
  usage: ResourceUsage,
  processes: MeasuredProcesses,
  subgraphRequests = load.requests,
): Measurement {
  return {
    label,
    load,
    routerCpuMsPerRequest: perRequest(usage, processes.router, load.requests),
    subgraphCpuMsPerRequest: perRequest(usage, processes.subgraphs, subgraphRequests),
    peakMemoryMb: Object.fromEntries(
      Object.entries(usage.processes).map(([name, each]) => [name, Math.round(each.peakMemoryMb)]),
    ),
    usage,
  };
}

/** An HTTP load run (autocannon or sequential) measured as a row of the report. */
export async function measureLoad(
  driver: LoadDriver,
  label: string,
  job: HttpLoadJob | SequentialJob,
  processes: MeasuredProcesses,
): Promise<Measurement> {
  const { result: load, usage } = await measured(driver, job, processes);
  return measurement(label, load, usage, processes);
}

/** A router given evenly paced requests at the same time as other routers (see `measureTogether`). */
export interface PacedContender<TName extends string> {
  name: TName;
  label: string;
  url: string;
  router: Service;
  /** Requests sent in turn, at the rate all contenders share. */
  requests: HttpLoadJob['requests'];
}

/**
 * Router CPU per request of routers that differ in one thing, each measured in the same seconds as the
 * others: every router gets the same evenly paced requests (`ratePerSecond` each, below what any of them
 * serves alone) at once, `repeats` times. Taken in turns on this shared 2-core machine, two routers with the
 * same code on that path came out 0.92–1.81× of each other's CPU per request within one run, after whatever
 * else ran on the cores in each turn; run together, they share those conditions. (They must also have served
 * the same before: see `routersTogether`.) The subgraphs serve them all, so their CPU is per request of all.
 */
export async function measureTogether<TName extends string>(
  driver: LoadDriver,
  contenders: readonly PacedContender<TName>[],
  paced: { ratePerSecond: number; durationS: number; connections: number; repeats: number; warmUp: boolean },
  subgraphs: readonly Service[],
): Promise<Record<TName, Measurement[]>> {
  const runs = Object.fromEntries(contenders.map(({ name }) => [name, [] as Measurement[]])) as Record<
    TName,
    Measurement[]
  >;
  const check = { kind: 'no-errors' } as const;
  for (let repeat = paced.warmUp ? -1 : 0; repeat < paced.repeats; repeat++) {
    const window = new ResourceWindow([...contenders.map(({ router }) => router), ...subgraphs]);
    const loads = await Promise.all(
      contenders.map(({ url, requests }) =>
        driver.run({
          kind: 'http',
          url,
          requests,
          check,
          connections: paced.connections,
          durationS: paced.durationS,
          ratePerSecond: paced.ratePerSecond,
        }),
      ),
    );
    const usage = window.close();
    if (repeat < 0) continue;
    const allRequests = loads.reduce((sum, load) => sum + load.requests, 0);
    for (const [index, { name, label, router }] of contenders.entries()) {
      const load = loads[index] as HttpLoadResult;
      runs[name].push(
        measurement(
          `${label}, ${paced.ratePerSecond} req/s each, together`,
          load,
          usage,
          { router: [router], subgraphs },
          allRequests,
        ),
      );
    }
  }
  return runs;
}

/** A check that a load run got only right answers. */
export function answeredRight(measurement: Measurement): Check {
  const { failed, wrong, requests, sample } = measurement.load;
  return {
    name: `${measurement.label}: every response right`,
    ok: failed === 0 && wrong === 0 && requests > 0,
    detail: `${requests} requests, ${failed} failed, ${wrong} wrong${sample ? `; first: ${sample}` : ''}`,
  };
}

/** A ratio against a lower or upper bound. */
export function ratio(
  name: string,
  value: number | null,
  bound: { atLeast?: number; atMost?: number },
  format: (value: number) => string,
  reason: string,
): Ratio {
  const pass =
    value !== null &&
    Number.isFinite(value) &&
    (bound.atLeast === undefined || value >= bound.atLeast) &&
    (bound.atMost === undefined || value <= bound.atMost);
  const target =
    bound.atLeast !== undefined ? `≥ ${format(bound.atLeast)}` : `≤ ${format(bound.atMost ?? Number.NaN)}`;
  return {
    name,
    value,
    display: value === null || !Number.isFinite(value) ? 'n/a' : format(value),
    target,
    pass,
    ...(pass ? {} : { reason }),
  };
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * A ratio measured in several interleaved repeats: judged on their median, displayed with the spread, so
 * that one lucky or unlucky repeat on a shared machine neither makes nor breaks a target.
 */
export function repeatedRatio(
  name: string,
  values: readonly number[],
  bound: { atLeast?: number; atMost?: number },
  format: (value: number) => string,
  reason: string,
): Ratio {
  const judged = ratio(name, values.length === 0 ? null : median(values), bound, format, reason);
  if (values.length < 2 || judged.value === null) return judged;
  const spread = `${format(Math.min(...values))}–${format(Math.max(...values))}`;
  return {
    ...judged,
    display: `${judged.display} (median of ${values.length}: ${spread})`,
    repeats: [...values],
  };
}

/**
 * The order of the contenders (their indexes) in each of `repeats` turns. A run can leave work behind for
 * the next one (a process collecting the garbage of its load, the machine's caches), so a turn order that
 * rotates (A B C, B C A, C A B) is not enough: B would always follow A. The turns are the rows of a
 * Williams design (a Latin square whose rows, read forward and backward, put every contender after every
 * other), each picked so that the pairs it runs in succession, counting the one where it meets the turn
 * before, are those that have run least; and never the same contender twice in a row.
 */
export function turnOrders(contenders: number, repeats: number, before?: number): number[][] {
  const base = [0];
  for (let low = 1, high = contenders - 1; base.length < contenders;) {
    base.push(low++);
    if (base.length < contenders) base.push(high--);
  }
  const rows = Array.from({ length: contenders }, (_, shift) =>
    base.map((each) => (each + shift) % contenders),
  );
  const candidates = rows.flatMap((row) => [row, [...row].reverse()]);
  const pairsRun = new Map<string, number>();
  const firstRun = new Map<number, number>();
  let last = before;
  const pairsOf = (order: number[]) => {
    const pairs = order.slice(1).map((each, i) => [order[i] as number, each]);
    return last === undefined ? pairs : [[last, order[0] as number], ...pairs];
  };
  const cost = (order: number[]) => {
    const counts = pairsOf(order).map(([a, b]) => (a === b ? Infinity : (pairsRun.get(`${a},${b}`) ?? 0)));
    return [
      counts.reduce((sum, each) => sum + each, 0),
      Math.max(...counts),
      firstRun.get(order[0] as number) ?? 0,
    ];
  };
  const turns: number[][] = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    // The first order of least cost, compared as (pairs' runs summed, the most-run pair, runs first).
    const scored = candidates.map((order) => ({ order, cost: cost(order) }));
    const { order: best } = scored.reduce((kept, each) => {
      const differs = each.cost.findIndex((value, i) => value !== kept.cost[i]);
      return differs >= 0 && (each.cost[differs] as number) < (kept.cost[differs] as number) ? each : kept;
    });
    for (const [a, b] of pairsOf(best)) pairsRun.set(`${a},${b}`, (pairsRun.get(`${a},${b}`) ?? 0) + 1);
    firstRun.set(best[0] as number, (firstRun.get(best[0] as number) ?? 0) + 1);
    last = best[best.length - 1];
    turns.push(best);
  }
  return turns;
}

/**
 * Measures each contender `repeats` times, interleaved so that the machine's drifts fall on every contender
 * alike, in the turns of `turnOrders`, so that no contender always runs first or always after the same one.
 * Returns each contender's runs in the order of the repeats (index r of every list is repeat r).
 * With `warmUp`, each contender first runs once more, as repeat 0, and that run is dropped: a process's
 * first seconds under load are spent compiling its hot paths, and a contender with more code (tracing, say)
 * would pay more of that in its first measured run.
 */
export async function interleaved<TName extends string>(
  repeats: number,
  contenders: readonly { name: TName; run: (repeat: number) => Promise<Measurement> }[],
  options: { warmUp?: boolean } = {},
): Promise<Record<TName, Measurement[]>> {
  const runs = Object.fromEntries(contenders.map(({ name }) => [name, [] as Measurement[]])) as Record<
    TName,
    Measurement[]
  >;
  if (options.warmUp) for (const { run } of contenders) await run(0);
  const turns = turnOrders(contenders.length, repeats, options.warmUp ? contenders.length - 1 : undefined);
  for (const [index, turn] of turns.entries()) {
    for (const { name, run } of turn.map((each) => contenders[each] as (typeof contenders)[number])) {
      runs[name].push(await run(index + 1));
    }
  }
  return runs;
}

/**
 * Router CPU per request of each run over that of the baseline's run of the same repeat; repeats where
 * either has no CPU reading are left out. CPU per request is steadier than throughput on a shared machine:
 * a neighbour's load slows both contenders' requests but adds little to the CPU each one costs.
 */
export function routerCpuRatios(runs: readonly Measurement[], baseline: readonly Measurement[]): number[] {
  return runs.flatMap((run, repeat) => {
    const own = run.routerCpuMsPerRequest;
    const base = baseline[repeat]?.routerCpuMsPerRequest;
    return own === null || base === null || base === undefined || base === 0 ? [] : [own / base];
  });
}

/** The run with the median throughput: the one a scenario's table shows for its contender. */
export function medianRun(runs: readonly Measurement[]): Measurement {
  const sorted = [...runs].sort((a, b) => a.load.rps - b.load.rps);
  return sorted[(sorted.length - 1) >> 1] as Measurement;
}

export const fixed = (digits: number) => (value: number) => value.toFixed(digits);
export const ms = (value: number) => `${value.toFixed(2)} ms`;
export const times = (value: number) => `${value.toFixed(2)}×`;

/** The JSON body of a GraphQL request. */
export function graphqlBody(query: string, variables?: Record<string, unknown>): string {
  return JSON.stringify(variables === undefined ? { query } : { query, variables });
}

/** POSTs a GraphQL request and parses the answer (for the bench's own checks, not for load). */
export async function postGraphQL(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: { data?: unknown; errors?: unknown[] } }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  try {
    return { status: response.status, json: JSON.parse(text) as { data?: unknown; errors?: unknown[] } };
  } catch {
    return { status: response.status, json: { errors: [text.slice(0, 300)] } };
  }
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
