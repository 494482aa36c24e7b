/**
 * Scenario 2, the cost of security: the router against a bare @apollo/gateway on the same supergraph,
 * subgraphs and query, so that what JWT checks, rate limits and operation limits cost is what differs.
 */
import { isDeepStrictEqual } from 'node:util';
import { freePort } from '../../support/ports.ts';
import {
  answeredRight,
  interleaved,
  medianRun,
  repeatedRatio,
  type Measurement,
  bearer,
  graphqlBody,
  measureLoad,
  newScenario,
  postGraphQL,
  times,
  type ScenarioResult,
} from '../results.ts';
import { startService, waitUntil, type Service } from '../services.ts';
import { ADMITTING_RATE_LIMITS, startExtraRouter } from '../stack.ts';
import { hashedBody, writeBenchManifest } from '../trusted-documents.ts';
import { hashesAgainstText } from './router-overhead.ts';
import type { StackContext } from '../settings.ts';

const CATALOGUE_WITH_STOCK =
  'query CatalogueWithStock { products(pageSize: 20) { items { id name price inventory { available isLowStock } } } }';

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
      `interleaved ${profile.repeats} time(s). The cost of security is judged on a router without inbound ` +
      'deduplication (neither contender shares identical in-flight queries); the deduplicating router, as ' +
      'deployed, has its own row. The router without deduplication also runs the query sent as its ' +
      'trusted-document hash only, for the router CPU per request of hashes against text.',
  );
  const noDedup = await startExtraRouter(stack, {
    name: 'router-no-dedup',
    env: {
      ...ADMITTING_RATE_LIMITS,
      DEDUPLICATE_REQUESTS: 'false',
      TRUSTED_DOCUMENTS_MANIFEST: await writeBenchManifest(ctx.workDir, [CATALOGUE_WITH_STOCK]),
    },
    logDir: ctx.workDir,
  });
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
    for (const [label, url] of [
      ['the router', stack.routerUrl],
      ['the router without deduplication', noDedup.url],
    ] as const) {
      const ours = await postGraphQL(url, body, bearer(token));
      scenario.checks.push({
        name: `${label} answers as the bare gateway does`,
        ok: ours.json.errors === undefined && isDeepStrictEqual(ours.json, theirs.json),
        detail: JSON.stringify(ours.json).slice(0, 200),
      });
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
    const runs = await interleaved(profile.repeats, [
      viaRouter('noDedup', 'router (security on, no inbound dedup)', noDedup.url, noDedup.service),
      viaRouter(
        'noDedupHashes',
        'router (security on, no inbound dedup), hashes only',
        noDedup.url,
        noDedup.service,
        hashedBody(CATALOGUE_WITH_STOCK),
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
    ]);
    const all = Object.values(runs).flat();
    scenario.checks.push(...all.map(answeredRight));
    scenario.measurements.push(...Object.values(runs).map(medianRun));
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
      hashesAgainstText('two-subgraph query', runs.noDedupHashes, runs.noDedup),
    );
  } finally {
    await Promise.all([bare.stop(), noDedup.service.stop()]);
  }
  return scenario;
}
