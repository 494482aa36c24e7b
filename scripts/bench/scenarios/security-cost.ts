/**
 * Scenario 2, the cost of security: the router against a bare @apollo/gateway on the same supergraph,
 * subgraphs and query, so that what JWT checks, rate limits and operation limits cost is what differs.
 */
import { isDeepStrictEqual } from 'node:util';
import { freePort } from '../../support/ports.ts';
import {
  answeredRight,
  bearer,
  graphqlBody,
  measureLoad,
  newScenario,
  postGraphQL,
  ratio,
  times,
  type ScenarioResult,
} from '../results.ts';
import { startService, waitUntil } from '../services.ts';
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
      `two-subgraph query, ${profile.connections} connections for ${profile.throughputS} s each.`,
  );
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
    const ours = await postGraphQL(stack.routerUrl, body, bearer(token));
    const theirs = await postGraphQL(bareUrl, body);
    scenario.checks.push({
      name: 'the router answers as the bare gateway does',
      ok: ours.json.errors === undefined && isDeepStrictEqual(ours.json, theirs.json),
      detail: JSON.stringify(ours.json).slice(0, 200),
    });
    const subgraphs = [stack.services.products, stack.services.inventory, stack.services.users];
    const load = { kind: 'http', connections: profile.connections, durationS: profile.throughputS } as const;
    const router = await measureLoad(
      driver,
      'router (security on)',
      {
        ...load,
        url: stack.routerUrl,
        requests: [{ body, headers: bearer(token) }],
        check: { kind: 'no-errors' },
      },
      { router: [stack.services.router], subgraphs },
    );
    const bareRun = await measureLoad(
      driver,
      'bare @apollo/gateway',
      { ...load, url: bareUrl, requests: [{ body, headers: {} }], check: { kind: 'no-errors' } },
      { router: [bare], subgraphs },
    );
    scenario.measurements.push(router, bareRun);
    scenario.checks.push(answeredRight(router), answeredRight(bareRun));
    scenario.ratios.push(
      ratio(
        'router / bare @apollo/gateway req/s',
        router.load.rps / bareRun.load.rps,
        { atLeast: 0.95 },
        times,
        'JWT verification, rate limits, operation limits and per-operation logging cost more than 5% at this load',
      ),
    );
  } finally {
    await bare.stop();
  }
  return scenario;
}
