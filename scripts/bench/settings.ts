/**
 * What `npm run bench` reads from the environment, and the sizes and durations of a full and of a quick
 * (`BENCH_QUICK=1`, about a minute, for CI: correctness only) run.
 */
import { fileURLToPath } from 'node:url';
import { LOG_LEVELS, readConfig, type Env } from '../../lib/config.ts';
import type { DataSetSize } from './data-set.ts';
import type { LoadDriver } from './driver.ts';
import type { BusKind, PharmacyStack } from './stack.ts';

export const SCENARIO_IDS = [1, 2, 3, 4, 5, 6, 7, 8] as const;

export interface Profile {
  size: DataSetSize;
  /** The catalogue the search scenario grows to. */
  largeCatalogue: number;
  /** Seconds of each throughput run, and its connections. */
  throughputS: number;
  connections: number;
  /** Each subgraph's database connections (the quick run shares the server with other test files). */
  dbPoolMax: number;
  /** Requests of each one-at-a-time latency run. */
  sequentialRequests: number;
  fanOutS: number;
  sagaS: number;
  sagaConnections: number;
  subscriberCounts: number[];
  alertEvents: number;
  searchS: number;
  gatewayWarmupS: number;
  /** Scenario 7's connections: the benchmark's 50 in the full run; fewer in the quick one, which checks answers. */
  gatewayConnections: number;
  gatewayS: number;
  /** Logins with made-up usernames of the abuse scenario. */
  abuseLogins: number;
  /** Interleaved repeats of each headline ratio's runs (scenarios 1, 2 and 7). */
  repeats: number;
  /** Whether scenarios 1 and 2 run each contender once, unmeasured, before the repeats (interleaved). */
  warmUpRound: boolean;
  /**
   * Scenario 2 also runs the router without session checks (scripts/bench/without-session-checks.ts), for
   * what the checks cost (issue 16: at most 5%), and checks that it serves a session the router refuses.
   */
  measureSessionChecks: boolean;
}

const FULL: Profile = {
  size: { users: 1_000, products: 10_000, orders: 50_000 },
  largeCatalogue: 100_000,
  throughputS: 8,
  connections: 16,
  dbPoolMax: 10,
  sequentialRequests: 1_000,
  fanOutS: 5,
  sagaS: 10,
  sagaConnections: 16,
  subscriberCounts: [1_000, 10_000, 20_000],
  alertEvents: 5,
  searchS: 6,
  gatewayWarmupS: 4,
  gatewayS: 10,
  gatewayConnections: 50,
  abuseLogins: 10_000,
  repeats: 3,
  warmUpRound: true,
  measureSessionChecks: true,
};

const QUICK: Profile = {
  size: { users: 100, products: 500, orders: 1_000 },
  largeCatalogue: 2_000,
  throughputS: 0.5,
  connections: 4,
  dbPoolMax: 3,
  sequentialRequests: 50,
  fanOutS: 0.5,
  sagaS: 1.5,
  sagaConnections: 4,
  subscriberCounts: [20, 100],
  alertEvents: 2,
  searchS: 0.5,
  // Long enough that a contender still answers some requests while other test files load both cores: on
  // a slow shared machine the cold bare gateway once answered none in a 0.5 s warm-up and a 1.5 s run.
  gatewayWarmupS: 2,
  gatewayS: 2,
  // 50 requests in flight on a cold gateway while other test files load both cores can leave a 2.5 s window
  // without one answer.
  gatewayConnections: 8,
  // Enough to see that no made-up username reaches a key; the memory bound is the full run's to show.
  abuseLogins: 300,
  repeats: 1,
  warmUpRound: false,
  measureSessionChecks: false,
};

export interface BenchSettings {
  quick: boolean;
  profile: Profile;
  bus: BusKind;
  serverUrl: string;
  outputDir: string;
  logLevel: string;
  /** Run the router of scenario 7 with --cpu-prof and summarise the profile. */
  cpuProfile: boolean;
  /** A previous bench-results.json whose profile is shown as "before". */
  profileBefore: string | undefined;
  scenarios: ReadonlySet<number>;
  /** The Redis the abuse scenario's second router keeps its limits in. */
  redisUrl: string;
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The profile with the subscriber counts of BENCH_SUBSCRIBERS (e.g. `10000,20000`), when given. */
function withSubscribers(
  profile: Profile,
  counts: string | undefined,
  problem: (message: string) => void,
): Profile {
  if (counts === undefined) return profile;
  const subscriberCounts = counts.split(',').map((count) => Number(count.trim()));
  if (subscriberCounts.some((count) => !Number.isInteger(count) || count < 1)) {
    problem(`BENCH_SUBSCRIBERS must list positive whole numbers of subscribers, got "${counts}"`);
    return profile;
  }
  return { ...profile, subscriberCounts };
}

export function readBenchSettings(env: Env): BenchSettings {
  return readConfig(env, (read) => {
    const quick = read.boolean('BENCH_QUICK', false);
    const scenarios = read.string('BENCH_SCENARIOS', SCENARIO_IDS.join(','));
    const chosen = new Set(scenarios.split(',').map((id) => Number(id.trim())));
    if ([...chosen].some((id) => !SCENARIO_IDS.includes(id as (typeof SCENARIO_IDS)[number]))) {
      read.problem(`BENCH_SCENARIOS must list scenario numbers 1 to 8, got "${scenarios}"`);
    }
    return {
      quick,
      bus: read.oneOf('BUS', ['postgres', 'pubsub'], 'postgres'),
      serverUrl: read.url(
        'DATABASE_URL',
        ['postgres:', 'postgresql:'],
        'postgres://postgres@127.0.0.1:5432/postgres',
      ),
      outputDir: read.string('BENCH_OUTPUT_DIR', REPO_ROOT),
      logLevel: read.oneOf('BENCH_LOG_LEVEL', LOG_LEVELS, 'info'),
      cpuProfile: read.boolean('BENCH_PROFILE', false),
      profileBefore: read.optionalString('BENCH_PROFILE_BEFORE'),
      scenarios: chosen,
      profile: {
        ...withSubscribers(quick ? QUICK : FULL, read.optionalString('BENCH_SUBSCRIBERS'), (message) =>
          read.problem(message),
        ),
        // More repeats narrow a headline ratio's median where the machine's noise is wider than its bound.
        repeats: read.int('BENCH_REPEATS', (quick ? QUICK : FULL).repeats, { min: 1, max: 15 }),
      },
      redisUrl: read.url('BENCH_REDIS_URL', ['redis:', 'rediss:'], 'redis://127.0.0.1:6379'),
    };
  });
}

/** What every scenario gets. */
export interface BenchContext {
  settings: BenchSettings;
  driver: LoadDriver;
  /** Where services write their logs and the router its CPU profile. */
  workDir: string;
  log(message: string): void;
}

/** What the scenarios on the pharmacy stack (1–6) get. */
export interface StackContext extends BenchContext {
  stack: PharmacyStack;
}
