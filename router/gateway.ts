/**
 * Apollo Gateway on the static, committed supergraph, calling each subgraph through our own data source
 * (signed requests, timeouts, fetch deduplication: subgraph-data-source.ts).
 */
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import type { Logger } from '../lib/logger.ts';
import type { SubgraphName } from '../subgraphs/registry.ts';
import type { RouterConfig } from './config.ts';
import type { RouterMetrics } from './router-metrics.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { SubgraphDataSource } from './subgraph-data-source.ts';

export interface Gateway {
  gateway: ApolloGateway;
  /** Each subgraph's URL, once the gateway has loaded the supergraph. */
  subgraphUrls: ReadonlyMap<string, string>;
  /** Each subgraph's circuit breaker, by name. */
  breakers: ReadonlyMap<string, CircuitBreaker>;
}

export function createGateway(config: RouterConfig, logger: Logger, metrics?: RouterMetrics): Gateway {
  const subgraphUrls = new Map<string, string>();
  const breakers = new Map<string, CircuitBreaker>();
  // Unless APOLLO_TELEMETRY_DISABLED is set, @apollo/gateway probes the cloud metadata endpoints when it
  // is built and then sends Apollo an hourly report (uptime, CPUs, memory, OS, cloud provider). A
  // pharmacy's router sends nothing to a third party its operator has not chosen; the library reads only
  // this variable.
  process.env.APOLLO_TELEMETRY_DISABLED = config.apolloUsageReport ? 'false' : 'true';
  const gateway = new ApolloGateway({
    supergraphSdl: readFileSync(config.supergraphPath, 'utf8'),
    logger: logger.child({ component: 'gateway' }),
    buildService: ({ name, url }) => {
      const target = config.subgraphUrls[name as SubgraphName] ?? url;
      if (!target) throw new Error(`no URL for subgraph ${name}`);
      subgraphUrls.set(name, target);
      const breaker = new CircuitBreaker(config.subgraphBreaker);
      breakers.set(name, breaker);
      return new SubgraphDataSource({
        breaker,
        name,
        url: target,
        timeoutMs: config.subgraphTimeoutMs,
        routerSecret: config.routerSecret,
        shareInFlightFetches: config.deduplication.subgraphFetches,
        metrics,
      });
    },
  });
  return { gateway, subgraphUrls, breakers };
}
