/**
 * The gateway benchmark's supergraph, composed from its four subgraphs with @apollo/composition, as the
 * project composes its own. `node scripts/bench/gateways-benchmark/compose.ts` rewrites the committed
 * copy (default local ports); the bench composes one with the ports it really uses.
 */
import { writeFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { BENCHMARK_SUBGRAPHS, BENCHMARK_SUBGRAPH_NAMES, type BenchmarkSubgraphName } from './subgraphs.ts';

export const DEFAULT_BENCHMARK_PORTS: Record<BenchmarkSubgraphName, number> = {
  accounts: 4201,
  inventory: 4202,
  products: 4203,
  reviews: 4204,
};

export function benchmarkSubgraphUrl(port: number): string {
  return `http://127.0.0.1:${port}/`;
}

export function composeBenchmarkSupergraph(ports: Record<BenchmarkSubgraphName, number>): string {
  const result = composeServices(
    BENCHMARK_SUBGRAPH_NAMES.map((name) => ({
      name,
      url: benchmarkSubgraphUrl(ports[name]),
      typeDefs: BENCHMARK_SUBGRAPHS[name].typeDefs,
    })),
  );
  if (result.errors) throw new Error(result.errors.map((error) => error.message).join('\n'));
  return result.supergraphSdl;
}

if (import.meta.main) {
  writeFileSync(
    new URL('./supergraph.graphql', import.meta.url),
    composeBenchmarkSupergraph(DEFAULT_BENCHMARK_PORTS),
  );
}
