/**
 * Scenario 2, the cost of security: the router against a bare @apollo/gateway on the same supergraph,
 * subgraphs and query, so that what JWT checks, rate limits and operation limits cost is what differs; and
 * (Profile.measureSessionChecks) the router against itself without session checks, for what those cost.
 */
import { isDeepStrictEqual } from 'node:util';
import { freePort } from '../../support/ports.ts';
import { BENCH_PASSWORD } from '../data-set.ts';
import {
  answeredRight,
  interleaved,
  medianRun,
  repeatedRatio,
  routerCpuRatios,
  type Measurement,
  bearer,
  graphqlBody,
  measureLoad,
  newScenario,
  postGraphQL,
  times,
  type Check,
  type ScenarioResult,
} from '../results.ts';
import { startService, waitUntil, type Service } from '../services.ts';
import { ADMITTING_RATE_LIMITS, startExtraRouter, startTogether } from '../stack.ts';
import { hashedBody, writeBenchManifest } from '../trusted-documents.ts';
import { hashesAgainstText, routersTogether, startHashPair } from './router-overhead.ts';
import { observabilityCost, startObservedRouter } from '../observed-router.ts';
import type { StackContext } from '../settings.ts';

const CATALOGUE_WITH_STOCK =
  'query CatalogueWithStock { products(pageSize: 20) { items { id name price inventory { available isLowStock } } } }';

/** Loaded with --import into the router without session checks (bench only). */
const WITHOUT_SESSION_CHECKS = new URL('../without-session-checks.ts', import.meta.url).href;

/**
 * That the router without session checks really skips them: a session logged out through the API (a login
 * of its own, so no load token is touched; neither checked router has seen it, so none has its status
 * cached) is refused by the checked routers and served by the unchecked one, as the bare gateway answers.
 */
async function loggedOutSession(
  checked: readonly (readonly [label: string, url: string])[],
  uncheckedUrl: string,
  body: string,
  expected: unknown,
): Promise<Check> {
  const login = await postGraphQL(
    uncheckedUrl,
    graphqlBody(
      'mutation Login($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }',
      { u: 'bench-user-5', p: BENCH_PASSWORD },
    ),
  );
  const token =
    (login.json.data as { login?: { accessToken?: string } } | undefined)?.login?.accessToken ?? '';
  const logout = await postGraphQL(uncheckedUrl, graphqlBody('mutation Logout { logout }'), bearer(token));
  const refusals = await Promise.all(
    checked.map(async ([label, url]) => [label, await postGraphQL(url, body, bearer(token))] as const),
  );
  const served = await postGraphQL(uncheckedUrl, body, bearer(token));
  const refusedAll = refusals.every(
    ([, answer]) => answer.status === 401 && JSON.stringify(answer.json).includes('the session has ended'),
  );
  return {
    name: 'a logged-out session is refused by the router and served by the router without session checks',
    ok:
      token !== '' &&
      isDeepStrictEqual(logout.json, { data: { logout: true } }) &&
      refusedAll &&
      served.status === 200 &&
      isDeepStrictEqual(served.json, expected),
    detail: [
      `logout: ${JSON.stringify(logout.json).slice(0, 100)}`,
      ...refusals.map(
        ([label, answer]) => `${label}: HTTP ${answer.status} ${JSON.stringify(answer.json).slice(0, 120)}`,
      ),
      `without session checks: HTTP ${served.status} ${JSON.stringify(served.json).slice(0, 120)}`,
    ].join('; '),
  };
}

export async function securityCost(ctx: StackContext): Promise<ScenarioResult> {
  const { stack, driver, settings } = ctx;
  const { profile } = settings;
  const scenario = newScenario(
    2,
    'Cost of security',
    'The router (JWT verified against the users JWKS, rate limits, operation limits, request logging) against a ' +
      'bare @apollo/gateway (Apollo Server + ApolloGateway and its own data source, nothing else; it signs subgraph ' +
      'requests as the router does, since the subgraphs answer only signed ones) on the same supergraph, subgraphs and a ' +
      `two-subgraph query, ${profile.connections} connections for ${profile.throughputS} s each, the contenders ` +
      `interleaved ${profile.repeats} time(s)${profile.warmUpRound ? ' after an unmeasured warm-up round' : ''}. ` +
      'The cost of security is judged on a router without inbound ' +
      'deduplication (neither contender shares identical in-flight queries); the deduplicating router, as ' +
      'deployed, has its own row. More routers without deduplication, each a process of its own: twins, one ' +
      'sent the query as its trusted-document hash only and one as text, for the router CPU per request of ' +
      'hashes against text (at the same time, with the same paced requests, as in scenario 1); and one ' +
      'traced (one trace in ten, to a sink that drops them) and metered, for the cost of ' +
      'observability (issue 18: at least 0.9× the throughput without it).' +
      (profile.measureSessionChecks
        ? ' The same router once more, interleaved with the rest, with a bench-only module loaded (--import ' +
          'scripts/bench/without-session-checks.ts) that answers every session check "the users service cannot ' +
          'say" without asking it, so the router goes by the token alone: the two differ only in session ' +
          'checks (issue 16: they may cost at most 5%, in throughput, and in router CPU per request, measured ' +
          'with the same paced requests at the same time as the twins, beside the router without deduplication, ' +
          'which served the same turns). A session logged out through the API ' +
          'is checked to be refused by the routers and served by that one.'
        : ''),
  );
  const noDedupEnv = {
    ...ADMITTING_RATE_LIMITS,
    DEDUPLICATE_REQUESTS: 'false',
    TRUSTED_DOCUMENTS_MANIFEST: await writeBenchManifest(ctx.workDir, [CATALOGUE_WITH_STOCK]),
  };
  // Each contender compared has a process of its own (see router-overhead.ts).
  const [noDedup, hashPair, unchecked, observed] = await startTogether([
    startExtraRouter(stack, { name: 'router-no-dedup', env: noDedupEnv, logDir: ctx.workDir }),
    startHashPair(stack, noDedupEnv, ctx.workDir),
    profile.measureSessionChecks
      ? startExtraRouter(stack, {
          name: 'router-without-session-checks',
          env: noDedupEnv,
          logDir: ctx.workDir,
          nodeArgs: ['--import', WITHOUT_SESSION_CHECKS],
        })
      : Promise.resolve(undefined),
    startObservedRouter(stack, noDedupEnv, ctx.workDir),
  ]);
  const port = await freePort();
  const bareUrl = `http://127.0.0.1:${port}/`;
  const bare = startService({
    name: 'bare-gateway',
    args: ['scripts/bench/bare-gateway.ts'],
    env: {
      NODE_ENV: 'production',
      PORT: String(port),
      SUPERGRAPH_PATH: 'schema/supergraph.graphql',
      SUBGRAPH_URLS: JSON.stringify(stack.subgraphUrls),
      ROUTER_SECRET: stack.routerSecret,
    },
    logDir: ctx.workDir,
  });
  try {
    const body = graphqlBody(CATALOGUE_WITH_STOCK);
    await waitUntil(
      bare,
      'bare gateway answering',
      async () => (await postGraphQL(bareUrl, body)).status === 200,
    );
    const token = await stack.tokenFor({ userId: 4, role: 'CUSTOMER' });
    const theirs = await postGraphQL(bareUrl, body);
    // Every router answers once before it is measured (see router-overhead.ts).
    for (const [label, url, sent] of [
      ['the router', stack.routerUrl, body],
      ['the router without deduplication', noDedup.url, body],
      ['the router traced (10%) and metered', observed.url, body],
      ['the twin router without deduplication', hashPair.text.url, body],
      [
        'the router without deduplication, by hash only',
        hashPair.hashes.url,
        hashedBody(CATALOGUE_WITH_STOCK),
      ],
    ] as const) {
      const ours = await postGraphQL(url, sent, bearer(token));
      scenario.checks.push({
        name: `${label} answers as the bare gateway does`,
        ok: ours.json.errors === undefined && isDeepStrictEqual(ours.json, theirs.json),
        detail: JSON.stringify(ours.json).slice(0, 200),
      });
    }
    if (unchecked) {
      scenario.checks.push(
        await loggedOutSession(
          [
            ['the router', stack.routerUrl],
            ['the router without deduplication', noDedup.url],
          ],
          unchecked.url,
          body,
          theirs.json,
        ),
      );
    }
    const subgraphs = [stack.services.products, stack.services.inventory, stack.services.users];
    const load = { kind: 'http', connections: profile.connections, durationS: profile.throughputS } as const;
    const check = { kind: 'no-errors' } as const;
    const viaRouter = <TName extends string>(
      name: TName,
      label: string,
      url: string,
      router: Service,
      sent = body,
    ) => ({
      name,
      run: () =>
        measureLoad(
          driver,
          label,
          { ...load, url, requests: [{ body: sent, headers: bearer(token) }], check },
          { router: [router], subgraphs },
        ),
    });
    const runs = await interleaved(
      profile.repeats,
      [
        viaRouter('noDedup', 'router (security on, no inbound dedup)', noDedup.url, noDedup.service),
        ...(unchecked
          ? [
              viaRouter(
                'unchecked',
                'router (security on, no inbound dedup), without session checks',
                unchecked.url,
                unchecked.service,
              ),
            ]
          : []),
        viaRouter(
          'observed',
          'router (security on, no inbound dedup), traced (10%) and metered',
          observed.url,
          observed.service,
        ),
        viaRouter('router', 'router (security on, deduplicating)', stack.routerUrl, stack.services.router),
        {
          name: 'bare' as const,
          run: () =>
            measureLoad(
              driver,
              'bare @apollo/gateway',
              { ...load, url: bareUrl, requests: [{ body, headers: {} }], check },
              { router: [bare], subgraphs },
            ),
        },
      ],
      { warmUp: profile.warmUpRound },
    );
    const textRequests = [{ body, headers: bearer(token) }];
    const together = await routersTogether(
      ctx,
      medianRun(runs.noDedup).load.rps,
      [
        {
          name: 'twin',
          label: 'twin router (security on, no inbound dedup)',
          url: hashPair.text.url,
          router: hashPair.text.service,
          requests: textRequests,
        },
        {
          name: 'hashes',
          label: 'router (security on, no inbound dedup), hashes only',
          url: hashPair.hashes.url,
          router: hashPair.hashes.service,
          requests: [{ body: hashedBody(CATALOGUE_WITH_STOCK), headers: bearer(token) }],
        },
        // Session checks: both routers served the full-load turns above.
        ...(unchecked
          ? [
              {
                name: 'checked' as const,
                label: 'router (security on, no inbound dedup)',
                url: noDedup.url,
                router: noDedup.service,
                requests: textRequests,
              },
              {
                name: 'unchecked' as const,
                label: 'router (security on, no inbound dedup), without session checks',
                url: unchecked.url,
                router: unchecked.service,
                requests: textRequests,
              },
            ]
          : []),
      ],
      subgraphs,
    );
    const contenders = [...Object.values(runs), ...Object.values(together)];
    scenario.checks.push(...contenders.flat().map(answeredRight));
    scenario.measurements.push(...contenders.map(medianRun));
    const againstBare = (runsOf: Measurement[]) =>
      runsOf.map((run, repeat) => run.load.rps / (runs.bare[repeat] as Measurement).load.rps);
    scenario.ratios.push(
      repeatedRatio(
        'router without inbound dedup / bare @apollo/gateway req/s (the cost of security)',
        againstBare(runs.noDedup),
        { atLeast: 0.95 },
        times,
        'JWT verification, session checks, rate limits, operation limits and per-operation logging cost more than 5% at this load',
      ),
      repeatedRatio(
        'router (deduplicating) / bare @apollo/gateway req/s',
        againstBare(runs.router),
        { atLeast: 0.95 },
        times,
        'as above, less what sharing identical in-flight queries saves',
      ),
      hashesAgainstText('two-subgraph query', together.hashes, together.twin),
      observabilityCost('two-subgraph query', runs.observed, runs.noDedup),
    );
    scenario.checks.push(...(await observed.checks()));
    if (unchecked) {
      scenario.ratios.push(
        repeatedRatio(
          'router / router without session checks, req/s (both without inbound dedup)',
          runs.noDedup.map((run, repeat) => run.load.rps / (runs.unchecked[repeat] as Measurement).load.rps),
          { atLeast: 0.95 },
          times,
          "a checked request looks its session up in the router's memory, and asks the users service about " +
            'it once per SESSION_CHECK_INTERVAL_MS (30 s); more than 5% means that path costs more than a lookup',
        ),
        // Throughput varies by ±15% between repeats here, more than the 5% judged: the CPU each request
        // costs the routers, measured together under the same load, says the same with less noise.
        repeatedRatio(
          'router / router without session checks, router CPU per request (both without inbound dedup)',
          routerCpuRatios(together.checked ?? [], together.unchecked ?? []),
          { atMost: 1.05 },
          times,
          'the session lookup and its periodic check cost more than 5% of the CPU the router spends per request',
        ),
      );
    }
  } finally {
    await Promise.all([bare.stop(), noDedup.stop(), hashPair.stop(), unchecked?.stop(), observed.stop()]);
  }
  return scenario;
}
