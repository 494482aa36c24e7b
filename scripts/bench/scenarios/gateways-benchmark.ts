/**
 * Scenario 7, the public federation gateway benchmark (graphql-hive/graphql-gateways-benchmark): its four
 * subgraphs (ported to @apollo/subgraph, same data), its supergraph and its nested TestQuery, 50 clients.
 * Contenders, one after the other on the same subgraphs: a bare @apollo/gateway (whose answer is the
 * reference), our router with security on, and Hive Gateway as that benchmark runs it (--jit, inbound
 * in-flight deduplication) and without the deduplication.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { issueAccessToken } from '../../../subgraphs/users/access-token.ts';
import { ensureSigningKeys, signingKeysFromFile } from '../../../subgraphs/users/signing-keys.ts';
import { freePort } from '../../support/ports.ts';
import { composeBenchmarkSupergraph } from '../gateways-benchmark/compose.ts';
import { BENCHMARK_SUBGRAPH_NAMES, type BenchmarkSubgraphName } from '../gateways-benchmark/subgraphs.ts';
import { summariseProfile, type ProfileSummary } from '../profile.ts';
import {
  answeredRight,
  bearer,
  fixed,
  graphqlBody,
  measureLoad,
  medianRun,
  newScenario,
  postGraphQL,
  repeatedRatio,
  times,
  type Measurement,
  type ScenarioResult,
} from '../results.ts';
import { startService, waitUntil, type Service } from '../services.ts';
import type { BenchContext } from '../settings.ts';
import { ADMITTING_RATE_LIMITS, NO_BUS } from '../stack.ts';

/** The contender whose CPU profile the report shows (BENCH_PROFILE=1). */
const PROFILED_PROCESS = 'router-no-dedup';

const HIVE_GATEWAY_BIN = 'node_modules/@graphql-hive/gateway/dist/bin.js';

interface Contender {
  name: string;
  /** Its process's name in the report and its log file. */
  process: string;
  /** Node arguments and environment of its process. */
  args: string[];
  env: Record<string, string>;
  path: string;
  headers: Record<string, string>;
}

export const ROUTER_CONTENDER = 'our router (security on)';
const ROUTER_NO_DEDUP_CONTENDER = 'our router (security on, no inbound dedup)';
export const BARE_CONTENDER = 'bare @apollo/gateway';
const HIVE_CONTENDER = 'Hive Gateway (--jit, inbound dedup: as benchmarked)';
const HIVE_NO_DEDUP_CONTENDER = 'Hive Gateway (--jit, no inbound dedup)';

/** A JWKS served from this process: the router of this scenario verifies tokens the bench mints. */
async function testJwks(
  dir: string,
): Promise<{ url: string; mint(): Promise<string>; close(): Promise<void> }> {
  const keysFile = join(dir, 'test-jwt-keys.json');
  await ensureSigningKeys(keysFile);
  const keys = signingKeysFromFile(keysFile);
  const jwks = JSON.stringify(await keys.publicJwks());
  const server = createServer((_, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    mint: () =>
      // The benchmark's stack has no users service to check the session with: the router goes by the token.
      issueAccessToken({ userId: 1, role: 'CUSTOMER', sessionId: randomUUID() }, keys, {
        issuer: 'pharmacy-users',
        audience: 'pharmacy-api',
        ttlSeconds: 600,
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export async function gatewaysBenchmark(ctx: BenchContext): Promise<ScenarioResult> {
  const { driver, settings } = ctx;
  const { profile } = settings;
  const scenario = newScenario(
    7,
    'Federation gateway benchmark',
    "graphql-hive/graphql-gateways-benchmark's four subgraphs (accounts, inventory, products, reviews) ported to " +
      '@apollo/subgraph with its static data, one process each; its supergraph composed with @apollo/composition; ' +
      `its nested TestQuery from ${profile.gatewayConnections} connections (the benchmark's constant load is 50) for ${profile.gatewayS} s after a ` +
      `${profile.gatewayWarmupS} s warm-up, one contender at a time, each a single process, all of them in turn ` +
      `${profile.repeats} time(s) (each ratio the median, the tables the median run). Every contender's ` +
      "answer must deep-equal the bare gateway's; under load every answer must be 200 without errors. The CPU " +
      "profile (BENCH_PROFILE=1) covers the router's measured window only.",
  );
  const dir = join(ctx.workDir, 'gateways-benchmark');
  await mkdir(dir, { recursive: true });
  const ports = Object.fromEntries(
    await Promise.all(BENCHMARK_SUBGRAPH_NAMES.map(async (name) => [name, await freePort()])),
  ) as Record<BenchmarkSubgraphName, number>;
  const supergraphPath = join(dir, 'supergraph.graphql');
  await writeFile(supergraphPath, composeBenchmarkSupergraph(ports));
  const body = graphqlBody(
    await readFile(new URL('../gateways-benchmark/test-query.graphql', import.meta.url), 'utf8'),
  );

  const subgraphs: Service[] = BENCHMARK_SUBGRAPH_NAMES.map((name) =>
    startService({
      name: `benchmark-${name}`,
      args: ['scripts/bench/gateways-benchmark/server.ts', name, String(ports[name])],
      env: { NODE_ENV: 'production' },
      logDir: ctx.workDir,
      ipc: true,
    }),
  );
  const jwks = await testJwks(dir);
  try {
    const token = await jwks.mint();
    const profileDir = join(dir, 'cpu-profile');
    const routerEnv = {
      NODE_ENV: 'production',
      LOG_LEVEL: settings.logLevel,
      HOST: '127.0.0.1',
      ROUTER_SECRET: randomBytes(32).toString('base64url'),
      SUPERGRAPH_PATH: supergraphPath,
      JWKS_URL: jwks.url,
      // Its alert feed has nothing to listen to here: it retries quietly.
      EVENT_BUS_DATABASE_URL: NO_BUS,
      ...ADMITTING_RATE_LIMITS,
      // TestQuery nests 8 levels deep (fragments counted as they nest).
      MAX_DEPTH: '10',
      MAX_COST: '1000000',
      // Another schema: the pharmacy's trusted documents do not apply to it.
      TRUSTED_DOCUMENTS: 'off',
    };
    const contenders: Contender[] = [
      {
        name: BARE_CONTENDER,
        process: 'bare-gateway',
        args: ['scripts/bench/bare-gateway.ts'],
        env: { NODE_ENV: 'production', SUPERGRAPH_PATH: supergraphPath },
        path: '/',
        headers: {},
      },
      {
        name: ROUTER_CONTENDER,
        process: 'router',
        args: ['scripts/serve.ts', 'router'],
        env: routerEnv,
        path: '/graphql',
        headers: bearer(token),
      },
      // Profiled: without inbound deduplication every request is planned, fetched and shaped.
      {
        name: ROUTER_NO_DEDUP_CONTENDER,
        process: PROFILED_PROCESS,
        args: [
          ...(settings.cpuProfile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
          'scripts/serve.ts',
          'router',
        ],
        env: { ...routerEnv, DEDUPLICATE_REQUESTS: 'false' },
        path: '/graphql',
        headers: bearer(token),
      },
      ...[
        { name: HIVE_CONTENDER, process: 'hive-gateway', dedup: 'true' },
        { name: HIVE_NO_DEDUP_CONTENDER, process: 'hive-gateway-no-dedup', dedup: 'false' },
      ].map(({ name, process, dedup }) => ({
        name,
        process,
        args: [
          HIVE_GATEWAY_BIN,
          'supergraph',
          supergraphPath,
          '--jit',
          '--config-path',
          'scripts/bench/gateways-benchmark/hive-gateway.config.ts',
          '--host',
          '127.0.0.1',
        ],
        env: { NODE_ENV: 'production', BENCH_HIVE_DEDUP: dedup },
        path: '/graphql',
        headers: {},
      })),
    ];

    let reference: unknown;
    const runs = new Map<string, Measurement[]>(contenders.map((contender) => [contender.name, []]));
    const subgraphRequests = new Map<Measurement, number>();
    let profileWindow = { fromMs: 0, toMs: Infinity };
    // Interleaved: every contender once, then every contender again, so drifts fall on all alike.
    const turns = Array.from({ length: profile.repeats }, () => contenders).flat();
    for (const contender of turns) {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}${contender.path}`;
      const gateway = startService({
        name: contender.process,
        args: contender.args,
        env: { ...contender.env, PORT: String(port) },
        logDir: ctx.workDir,
      });
      try {
        let answer: Awaited<ReturnType<typeof postGraphQL>> | undefined;
        await waitUntil(gateway, `${contender.name} answering`, async () => {
          answer = await postGraphQL(url, body, contender.headers);
          return answer.status === 200;
        });
        reference ??= answer?.json;
        scenario.checks.push({
          name: `${contender.name}: the TestQuery answer equals the bare gateway's`,
          ok: answer?.json.errors === undefined && isDeepStrictEqual(answer?.json, reference),
          detail: JSON.stringify(answer?.json).slice(0, 200),
        });
        const load = {
          kind: 'http',
          url,
          connections: profile.gatewayConnections,
          requests: [{ body, headers: contender.headers }],
          check: { kind: 'no-errors' },
        } as const;
        await driver.run({ ...load, durationS: profile.gatewayWarmupS });
        const servedBefore = await requestsServed(subgraphs);
        const windowStart = performance.now();
        const run = await measureLoad(
          driver,
          contender.name,
          { ...load, durationS: profile.gatewayS },
          { router: [gateway], subgraphs },
        );
        if (contender.process === PROFILED_PROCESS) {
          profileWindow = {
            fromMs: windowStart - gateway.startedAt,
            toMs: performance.now() - gateway.startedAt,
          };
        }
        subgraphRequests.set(run, (await requestsServed(subgraphs)) - servedBefore);
        runs.get(contender.name)?.push(run);
        scenario.checks.push(answeredRight(run));
      } finally {
        await gateway.stop();
      }
    }
    const shown = [...runs].map(([name, each]) => [name, medianRun(each)] as const);
    scenario.measurements.push(...shown.map(([, run]) => run));
    scenario.tables.push({
      title: 'Subgraph requests per TestQuery under load (counted by the subgraphs, the median run)',
      headers: ['contender', 'queries answered', 'subgraph requests', 'per query'],
      rows: shown.map(([name, run]) => {
        const served = subgraphRequests.get(run) ?? 0;
        return [name, run.load.requests, served, (served / Math.max(1, run.load.requests)).toFixed(2)];
      }),
    });
    addRatios(scenario, runs);
    if (settings.cpuProfile) scenario.data = { profile: await latestProfile(profileDir, profileWindow) };
  } finally {
    await jwks.close();
    await Promise.all(subgraphs.map((subgraph) => subgraph.stop()));
  }
  return scenario;
}

async function latestProfile(
  dir: string,
  window: { fromMs: number; toMs: number },
): Promise<ProfileSummary | undefined> {
  const files = (await readdir(dir).catch(() => [])).filter((file) => file.endsWith('.cpuprofile')).sort();
  const newest = files.at(-1);
  return newest === undefined ? undefined : summariseProfile(join(dir, newest), window);
}

/** GraphQL requests the benchmark's subgraphs have executed so far, all four together. */
async function requestsServed(subgraphs: readonly Service[]): Promise<number> {
  const counts = await Promise.all(
    subgraphs.map(
      (subgraph) =>
        new Promise<number>((resolve) => {
          subgraph.child.once('message', (message: { requests: number }) => resolve(message.requests));
          subgraph.child.send('count');
        }),
    ),
  );
  return counts.reduce((sum, each) => sum + each, 0);
}

function addRatios(scenario: ScenarioResult, runs: Map<string, Measurement[]>): void {
  const router = runs.get(ROUTER_CONTENDER) ?? [];
  const routerNoDedup = runs.get(ROUTER_NO_DEDUP_CONTENDER) ?? [];
  const bare = runs.get(BARE_CONTENDER) ?? [];
  const hive = runs.get(HIVE_CONTENDER) ?? [];
  const hiveNoDedup = runs.get(HIVE_NO_DEDUP_CONTENDER) ?? [];
  /** `of(run, other run)` for each repeat, where both ran. */
  const perRepeat = (
    ours: Measurement[],
    theirs: Measurement[],
    of: (ours: Measurement, theirs: Measurement) => number | null,
  ) =>
    ours.flatMap((run, repeat) => {
      const other = theirs[repeat];
      const value = other ? of(run, other) : null;
      return value === null ? [] : [value];
    });
  const rps = (ours: Measurement, theirs: Measurement) => ours.load.rps / theirs.load.rps;
  const noDedupName = 'router without inbound dedup';
  scenario.ratios.push(
    repeatedRatio(
      'router ÷ Hive Gateway (as benchmarked) req/s',
      perRepeat(router, hive, rps),
      { atLeast: 1 },
      times,
      'Hive Gateway answers identical in-flight requests before parsing them; the router still authenticates, rate-limits and checks the limits of each request before it shares a response',
    ),
    repeatedRatio(
      `${noDedupName} ÷ bare @apollo/gateway req/s`,
      perRepeat(routerNoDedup, bare, rps),
      { atLeast: 3 },
      times,
      "what is left of the router's CPU is @apollo/gateway's own execution (result shaping, merging, federation-internals' re-export getters) and Apollo Server serialising the 87 KB response, outside the router's code: see the profile",
    ),
    repeatedRatio(
      `${noDedupName} CPU per request`,
      routerNoDedup.flatMap((run) => (run.routerCpuMsPerRequest === null ? [] : [run.routerCpuMsPerRequest])),
      { atMost: 4 },
      (value) => `${value.toFixed(2)} ms`,
      'query planning/execution and JSON work per request (see the CPU profile)',
    ),
    repeatedRatio(
      `${noDedupName} ÷ Hive Gateway (no dedup): subgraph CPU per request`,
      perRepeat(routerNoDedup, hiveNoDedup, (ours, theirs) =>
        ours.subgraphCpuMsPerRequest !== null && theirs.subgraphCpuMsPerRequest
          ? ours.subgraphCpuMsPerRequest / theirs.subgraphCpuMsPerRequest
          : null,
      ),
      { atMost: 1 },
      fixed(2),
      'both share identical in-flight subgraph fetches; which of them coincide depends on timing, so this ratio varies from run to run (see subgraph requests per query above)',
    ),
  );
}
