/**
 * How each subgraph answers, for /health/dependencies: its liveness probe (`/health`). Never the router's
 * readiness: with one subgraph down the router still serves everything that does not need it.
 */
import { withTimeout } from '../../lib/http-server.ts';
import type { CircuitBreaker } from '../circuit-breaker.ts';
import type { RouterFeature } from '../router-feature.ts';

export interface SubgraphHealthOptions {
  /** Each subgraph's GraphQL URL by name (the gateway's, once it loaded the supergraph). */
  subgraphUrls: ReadonlyMap<string, string>;
  /** Each subgraph's circuit breaker: its state goes in the report. */
  breakers: ReadonlyMap<string, CircuitBreaker>;
}

/** How long a subgraph's /health may take before it counts as not answering. */
const PROBE_TIMEOUT_MS = 1_500;

export function useSubgraphHealth({ subgraphUrls, breakers }: SubgraphHealthOptions): RouterFeature {
  return {
    name: 'subgraph health',
    async reportDependencies() {
      const reports = await Promise.all(
        [...subgraphUrls].map(async ([name, url]) => {
          const circuit = breakers.get(name)?.state ?? 'closed';
          const probe = await withTimeout(fetch(new URL('/health', url)), PROBE_TIMEOUT_MS).then(
            (response) => ({ response }),
            (error: unknown) => ({ reason: String((error as Error).message ?? error) }),
          );
          if (!('response' in probe))
            return [`subgraph ${name}`, { ok: false, reason: probe.reason, circuit }];
          const { response } = probe;
          // Read the body so the keep-alive socket goes back to the pool instead of waiting for GC.
          await response.arrayBuffer().catch(() => undefined);
          const reason = response.ok ? {} : { reason: `/health answered HTTP ${response.status}` };
          return [`subgraph ${name}`, { ok: response.ok, ...reason, circuit }];
        }),
      );
      return Object.fromEntries(reports);
    },
  };
}
