import { readConfig, readServiceConfig, type Env, type ServiceConfig } from '../lib/config.ts';
import { ROUTER_DEFAULT_PORT, SUBGRAPH_NAMES, type SubgraphName } from '../subgraphs/index.ts';

export interface RouterConfig extends ServiceConfig {
  /** The composed supergraph (committed at schema/supergraph.graphql). */
  supergraphPath: string;
  /** Where each subgraph listens, overriding the URL composed into the supergraph (`PRODUCTS_URL`, …). */
  subgraphUrls: Partial<Record<SubgraphName, string>>;
  /** A subgraph that has not answered in this time fails the request instead of holding it. */
  subgraphTimeoutMs: number;
  maxBodyBytes: number;
}

export const DEFAULT_SUPERGRAPH_PATH = new URL('../schema/supergraph.graphql', import.meta.url).pathname;

export function readRouterConfig(env: Env): RouterConfig {
  return readConfig(env, (read) => ({
    ...readServiceConfig(read, ROUTER_DEFAULT_PORT),
    supergraphPath: read.string('SUPERGRAPH_PATH', DEFAULT_SUPERGRAPH_PATH),
    subgraphUrls: Object.fromEntries(
      SUBGRAPH_NAMES.flatMap((name) => {
        const url = read.optionalUrl(`${name.toUpperCase()}_URL`, ['http:', 'https:']);
        return url === undefined ? [] : [[name, url]];
      }),
    ),
    subgraphTimeoutMs: read.int('SUBGRAPH_TIMEOUT_MS', 10_000, { min: 100, max: 300_000 }),
    maxBodyBytes: read.int('MAX_BODY_BYTES', 100_000, { min: 1_000 }),
  }));
}
