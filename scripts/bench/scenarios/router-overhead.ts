/**
 * Scenario 1, router overhead: one-subgraph queries through the router (JWT, rate limits and operation
 * limits on) and sent straight to the products subgraph (signed as the router signs, for the same viewer).
 */
import { isDeepStrictEqual } from 'node:util';
import { signRouterRequest } from '../../../lib/router-proof.ts';
import type { Viewer } from '../../../lib/viewer.ts';
import type { HttpRequestSpec } from '../driver.ts';
import {
  answeredRight,
  bearer,
  graphqlBody,
  interleaved,
  measureLoad,
  measureTogether,
  medianRun,
  ms,
  newScenario,
  postGraphQL,
  ratio,
  repeatedRatio,
  routerCpuRatios,
  times,
  type Check,
  type Measurement,
  type PacedContender,
  type Ratio,
  type ScenarioResult,
} from '../results.ts';
import { BENCH_PASSWORD } from '../data-set.ts';
import type { Service } from '../services.ts';
import type { StackContext } from '../settings.ts';
import {
  ADMITTING_RATE_LIMITS,
  startExtraRouter,
  startTogether,
  type ExtraRouter,
  type PharmacyStack,
} from '../stack.ts';
import { observabilityCost, startObservedRouter } from '../observed-router.ts';
import { hashedBody, writeBenchManifest } from '../trusted-documents.ts';

const PRODUCT_BY_ID =
  'query ProductById($id: ID!) { product(id: $id) { id sku name price currency category manufacturer } }';
const CATALOGUE_PAGE =
  'query CataloguePage { products(pageSize: 20) { totalCount hasNextPage items { id sku name price category } } }';

/** The generated accounts log in through the API, and the token they get reads their own account. */
async function loginWorks(routerUrl: string, viewer: Viewer): Promise<Check> {
  const login = await postGraphQL(
    routerUrl,
    graphqlBody(
      'mutation Login($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }',
      {
        u: `bench-user-${viewer.userId}`,
        p: BENCH_PASSWORD,
      },
    ),
  );
  const token =
    (login.json.data as { login?: { accessToken?: string } } | undefined)?.login?.accessToken ?? '';
  const me = await postGraphQL(routerUrl, graphqlBody('query Me { me { id role } }'), bearer(token));
  return {
    name: 'a generated account logs in through the API and its token is accepted',
    ok: isDeepStrictEqual(me.json, { data: { me: { id: String(viewer.userId), role: viewer.role } } }),
    detail: JSON.stringify(me.json).slice(0, 200),
  };
}

/** What all routers measured together are sent, as a part of what the router without deduplication served alone. */
const TOGETHER_SHARE = 0.6;

/**
 * Routers configured the same but for one thing (a query sent as its hash or as text; session checks or
 * none), each given the same paced requests at once (`measureTogether`), together 0.6 of what the router
 * served alone at full load (`aloneRps`).
 *
 * Routers compared must have served the same before: a router that had served the scenario's full-load
 * turns cost 1.12–1.24× less CPU per request than its twin that had not, both sent the same text (its
 * heap had grown, its code had been optimised under load). Hence the twin routers of `startHashPair`,
 * which serve nothing but these runs.
 */
export function routersTogether<TName extends string>(
  { driver, settings: { profile } }: StackContext,
  aloneRps: number,
  contenders: readonly PacedContender<TName>[],
  subgraphs: readonly Service[],
): Promise<Record<TName, Measurement[]>> {
  return measureTogether(
    driver,
    contenders,
    {
      ratePerSecond: Math.max(10, Math.round((aloneRps * TOGETHER_SHARE) / contenders.length)),
      durationS: profile.throughputS,
      connections: profile.connections,
      repeats: profile.repeats,
      warmUp: profile.warmUpRound,
    },
    subgraphs,
  );
}

/** Two routers configured as `env` says, one to be sent queries as text and one as their hashes. */
export async function startHashPair(
  stack: PharmacyStack,
  env: Record<string, string>,
  logDir: string,
): Promise<{ text: ExtraRouter; hashes: ExtraRouter; stop(): Promise<void> }> {
  const [text, hashes] = await startTogether([
    startExtraRouter(stack, { name: 'router-no-dedup-text', env, logDir }),
    startExtraRouter(stack, { name: 'router-no-dedup-hashes', env, logDir }),
  ]);
  return { text, hashes, stop: async () => void (await Promise.all([text.stop(), hashes.stop()])) };
}

/**
 * Router CPU per request of a query sent as its hash, against the same query sent as text to a router configured
 * the same, the two measured together (median of the repeats). Reported; it fails only if hashes cost clearly more.
 */
export function hashesAgainstText(name: string, hashes: Measurement[], text: Measurement[]): Ratio {
  return repeatedRatio(
    `${name}: router CPU per request, hashes only / text`,
    routerCpuRatios(hashes, text),
    { atMost: 1.1 },
    times,
    'a hash-only request runs the manifest text from the document cache; it should cost no more than text',
  );
}

export async function routerOverhead(ctx: StackContext): Promise<ScenarioResult> {
  const { stack, driver, settings } = ctx;
  const { profile } = settings;
  const scenario = newScenario(
    1,
    'Router overhead',
    'The same one-subgraph query through the router (JWT verified, rate limits and operation limits on) and ' +
      'straight to the products subgraph (signed per request as the router signs it). The router runs twice: ' +
      'as deployed, sharing identical in-flight queries of a viewer (DEDUPLICATE_REQUESTS), and without that, ' +
      "so that the direct call is compared with a router that does every request's work. Throughput with " +
      `autocannon (${profile.connections} connections, ${profile.throughputS} s; the contenders interleaved, ` +
      `${profile.repeats} time(s)${profile.warmUpRound ? ' after an unmeasured warm-up round' : ''}, each ratio ` +
      `the median), latency one request at a time ` +
      `(${profile.sequentialRequests} requests, sub-ms timer). CPU from /proc of the router and the subgraphs. ` +
      'More routers without deduplication, each a process of its own so that every compared process serves ' +
      'one run per turn. Two twins, for the router CPU per request of each query sent as its trusted-document ' +
      'hash only (as the SDK sends it) against the same query sent as text: not in turns but at the same time, ' +
      'each given the same evenly paced requests (together 0.6 of what the router without deduplication served ' +
      'alone), so that both run under the same load on the machine, and serving nothing else, so that both have ' +
      'served the same before (a router that had served the full-load turns cost 1.12–1.24× less CPU per ' +
      'request than its twin sent the same text). One more has tracing on ' +
      '(one trace in ten, exported over OTLP to a sink that drops them) and /metrics served, for the cost of ' +
      'observability (issue 18: at least 0.9× the throughput without it).',
  );
  const viewer: Viewer = { userId: 4, role: 'CUSTOMER' };
  const token = await stack.tokenFor(viewer);
  scenario.checks.push(await loginWorks(stack.routerUrl, viewer));
  const ids = Array.from({ length: 100 }, (_, i) => String(1 + ((i * 97) % profile.size.products)));
  const queries = [
    {
      name: 'product(id)',
      bodies: ids.map((id) => graphqlBody(PRODUCT_BY_ID, { id })),
      hashed: ids.map((id) => hashedBody(PRODUCT_BY_ID, { id })),
    },
    {
      name: 'products(pageSize: 20)',
      bodies: [graphqlBody(CATALOGUE_PAGE)],
      hashed: [hashedBody(CATALOGUE_PAGE)],
    },
  ];
  const subgraphs = [stack.services.products, stack.services.users];
  const manifest = await writeBenchManifest(ctx.workDir, [PRODUCT_BY_ID, CATALOGUE_PAGE]);
  const noDedupEnv = {
    ...ADMITTING_RATE_LIMITS,
    DEDUPLICATE_REQUESTS: 'false',
    TRUSTED_DOCUMENTS_MANIFEST: manifest,
  };
  // Each contender compared has a process of its own, so that every process serves one run per turn: one
  // that served two would be warmer than the one it is compared with.
  const [noDedup, hashPair, observed] = await startTogether([
    startExtraRouter(stack, { name: 'router-no-dedup', env: noDedupEnv, logDir: ctx.workDir }),
    startHashPair(stack, noDedupEnv, ctx.workDir),
    startObservedRouter(stack, noDedupEnv, ctx.workDir),
  ]);
  try {
    for (const query of queries) {
      const viaRouter: HttpRequestSpec[] = query.bodies.map((body) => ({ body, headers: bearer(token) }));
      const byHash: HttpRequestSpec[] = query.hashed.map((body) => ({ body, headers: bearer(token) }));
      const direct: HttpRequestSpec[] = query.bodies.map((body) => ({ body, headers: {} }));
      const signAs = { secret: stack.routerSecret, viewer };

      const first = query.bodies[0] as string;
      const straight = await postGraphQL(
        stack.subgraphUrls.products,
        first,
        signRouterRequest(stack.routerSecret, first, viewer),
      );
      // Every router answers once before it is measured: a quick run (0.5 s) of a router whose first request
      // compiles its paths (tracing's, the manifest's) could end before any answer came.
      for (const [label, url, body] of [
        ['the router', stack.routerUrl, first],
        ['the router without deduplication', noDedup.url, first],
        ['the router traced (10%) and metered', observed.url, first],
        ['the twin router without deduplication', hashPair.text.url, first],
        ['the router without deduplication, by hash only', hashPair.hashes.url, query.hashed[0] ?? first],
      ] as const) {
        const routed = await postGraphQL(url, body, bearer(token));
        scenario.checks.push({
          name: `${query.name}: ${label} answers as the subgraph does`,
          ok:
            routed.status === 200 &&
            routed.json.errors === undefined &&
            isDeepStrictEqual(routed.json, straight.json),
          detail: JSON.stringify(routed.json).slice(0, 200),
        });
      }

      const check = { kind: 'no-errors' } as const;
      const load = { connections: profile.connections, durationS: profile.throughputS, check };
      const contender = <TName extends string>(
        name: TName,
        label: string,
        url: string,
        requests: HttpRequestSpec[],
        router: Service[],
        signing: { signAs?: typeof signAs } = {},
      ) => ({
        name,
        run: () =>
          measureLoad(
            driver,
            `${query.name} ${label}, ${profile.connections} connections`,
            { kind: 'http', url, requests, ...signing, ...load },
            { router, subgraphs },
          ),
      });
      const throughput = await interleaved(
        profile.repeats,
        [
          contender('router', 'via router', stack.routerUrl, viaRouter, [stack.services.router]),
          contender('noDedup', 'via router without deduplication', noDedup.url, viaRouter, [noDedup.service]),
          contender(
            'observed',
            'via router without deduplication, traced (10%) and metered',
            observed.url,
            viaRouter,
            [observed.service],
          ),
          contender('direct', 'direct to products', stack.subgraphUrls.products, direct, [], { signAs }),
        ],
        { warmUp: profile.warmUpRound },
      );
      const byHashAgainstText = await routersTogether(
        ctx,
        medianRun(throughput.noDedup).load.rps,
        [
          {
            name: 'text',
            label: `${query.name} via twin router without deduplication`,
            url: hashPair.text.url,
            router: hashPair.text.service,
            requests: viaRouter,
          },
          {
            name: 'hashes',
            label: `${query.name} via router without deduplication, hashes only`,
            url: hashPair.hashes.url,
            router: hashPair.hashes.service,
            requests: byHash,
          },
        ],
        subgraphs,
      );
      const sequential = { count: profile.sequentialRequests, check };
      const routerLatency = await measureLoad(
        driver,
        `${query.name} via router, 1 at a time`,
        { kind: 'sequential', url: stack.routerUrl, requests: viaRouter, ...sequential },
        { router: [stack.services.router], subgraphs },
      );
      const directLatency = await measureLoad(
        driver,
        `${query.name} direct to products, 1 at a time`,
        { kind: 'sequential', url: stack.subgraphUrls.products, requests: direct, signAs, ...sequential },
        { router: [], subgraphs },
      );
      const all = [
        ...throughput.router,
        ...throughput.noDedup,
        ...throughput.observed,
        ...throughput.direct,
        ...byHashAgainstText.text,
        ...byHashAgainstText.hashes,
        routerLatency,
        directLatency,
      ];
      scenario.checks.push(...all.map(answeredRight));
      scenario.measurements.push(
        medianRun(throughput.router),
        medianRun(throughput.noDedup),
        medianRun(throughput.observed),
        medianRun(throughput.direct),
        medianRun(byHashAgainstText.text),
        medianRun(byHashAgainstText.hashes),
        routerLatency,
        directLatency,
      );
      const perRepeat = (runs: Measurement[]) =>
        runs.map((run, repeat) => run.load.rps / (throughput.direct[repeat] as Measurement).load.rps);
      scenario.ratios.push(
        repeatedRatio(
          `${query.name}: router without deduplication / direct req/s`,
          perRepeat(throughput.noDedup),
          { atLeast: 0.5 },
          times,
          'the router does its own work (token, limits, planning, a second HTTP hop) on the same 2 cores as the subgraph',
        ),
        repeatedRatio(
          `${query.name}: router (deduplicating) / direct req/s`,
          perRepeat(throughput.router),
          { atLeast: 0.5 },
          times,
          'the router does its own work (token, limits, planning, a second HTTP hop) on the same 2 cores as the subgraph',
        ),
        observabilityCost(query.name, throughput.observed, throughput.noDedup),
        hashesAgainstText(query.name, byHashAgainstText.hashes, byHashAgainstText.text),
        ratio(
          `${query.name}: router − direct p50, 1 at a time`,
          routerLatency.load.latencyMs.p50 - directLatency.load.latencyMs.p50,
          { atMost: 2 },
          ms,
          'per-request router work (JWT verification, limits, query planning/execution, the extra hop)',
        ),
      );
    }
    scenario.checks.push(...(await observed.checks()));
  } finally {
    await Promise.all([noDedup.stop(), hashPair.stop(), observed.stop()]);
  }
  return scenario;
}
