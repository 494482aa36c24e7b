/**
 * The router's Prometheus metrics, made once in create-router.ts and handed to the features and the data
 * sources that count them. Every label value comes from a bounded set (operation/error-code labels
 * through OperationNames; subgraph, rule and limit names from the code).
 */
import type { Counter, Gauge, Histogram } from 'prom-client';
import { OperationNames, SAGA_BUCKETS, type ServiceMetrics } from '../lib/metrics.ts';

/** Distinct `extensions.code` values kept as labels; the rest (a subgraph's own codes) are `other`. */
const MAX_ERROR_CODES = 50;

export class RouterMetrics {
  readonly service: ServiceMetrics;
  readonly operationNames: OperationNames;
  readonly errorCodes = new OperationNames(MAX_ERROR_CODES);
  readonly requests: Counter<'operation' | 'type'>;
  readonly errors: Counter<'operation' | 'code'>;
  readonly requestSeconds: Histogram<'operation' | 'type'>;
  readonly subgraphFetches: Counter<'subgraph' | 'outcome'>;
  readonly subgraphFetchSeconds: Histogram<'subgraph'>;
  readonly rateLimitRefusals: Counter<'rule'>;
  readonly operationLimitRefusals: Counter<'limit'>;
  readonly deduplicatedRequests: Counter;
  readonly deduplicatedFetches: Counter<'subgraph'>;
  readonly tokenCacheHits: Counter;
  readonly webSocketConnections: Gauge;
  readonly subscriptions: Gauge;
  /** Reads the open sockets and subscriptions at each scrape, once the WebSocket endpoint is attached. */
  #sockets: (() => { connections: number; subscriptions: number }) | undefined;
  readonly alertFanOutSeconds: Histogram;
  readonly alertExecutions: Counter;

  constructor(service: ServiceMetrics, maxOperationNames: number) {
    this.service = service;
    this.operationNames = new OperationNames(maxOperationNames);
    this.requests = service.counter({
      name: 'pharmacy_router_requests_total',
      help: 'GraphQL operations the router answered, by operation name and type',
      labelNames: ['operation', 'type'],
    });
    this.errors = service.counter({
      name: 'pharmacy_router_errors_total',
      help: 'Errors in GraphQL responses, by operation name and extensions.code',
      labelNames: ['operation', 'code'],
    });
    this.requestSeconds = service.histogram({
      name: 'pharmacy_router_request_duration_seconds',
      help: 'Time from the start of a GraphQL operation to its response, by operation name and type',
      labelNames: ['operation', 'type'],
    });
    this.subgraphFetches = service.counter({
      name: 'pharmacy_router_subgraph_fetches_total',
      help: 'Calls to a subgraph, by subgraph and outcome (ok, error, unavailable)',
      labelNames: ['subgraph', 'outcome'],
    });
    this.subgraphFetchSeconds = service.histogram({
      name: 'pharmacy_router_subgraph_fetch_duration_seconds',
      help: 'How long a subgraph took to answer one call',
      labelNames: ['subgraph'],
    });
    this.rateLimitRefusals = service.counter({
      name: 'pharmacy_router_rate_limit_refusals_total',
      help: 'Operations refused as RATE_LIMITED, by rule',
      labelNames: ['rule'],
    });
    this.operationLimitRefusals = service.counter({
      name: 'pharmacy_router_operation_limit_refusals_total',
      help: 'Operations refused by an operation limit (depth, aliases, directives, tokens, cost)',
      labelNames: ['limit'],
    });
    this.deduplicatedRequests = service.counter({
      name: 'pharmacy_router_deduplicated_requests_total',
      help: 'Queries answered with the response of an identical query in flight',
    });
    this.deduplicatedFetches = service.counter({
      name: 'pharmacy_router_deduplicated_subgraph_fetches_total',
      help: 'Subgraph fetches that shared the answer of an identical fetch in flight',
      labelNames: ['subgraph'],
    });
    this.tokenCacheHits = service.counter({
      name: 'pharmacy_router_token_cache_hits_total',
      help: 'Access tokens accepted from the cache of verified tokens, without verifying the signature',
    });
    const sockets = () => this.#sockets?.() ?? { connections: 0, subscriptions: 0 };
    this.webSocketConnections = service.gauge({
      name: 'pharmacy_router_websocket_connections',
      help: 'Open WebSocket connections',
      collect() {
        this.set(sockets().connections);
      },
    });
    this.subscriptions = service.gauge({
      name: 'pharmacy_router_subscriptions',
      help: 'Active GraphQL subscriptions',
      collect() {
        this.set(sockets().subscriptions);
      },
    });
    this.alertFanOutSeconds = service.histogram({
      name: 'pharmacy_router_alert_fan_out_delay_seconds',
      help: 'Time from a low-stock event occurring to its delivery to the subscribers of this replica',
      buckets: SAGA_BUCKETS,
    });
    this.alertExecutions = service.counter({
      name: 'pharmacy_router_alert_executions_total',
      help: 'Low-stock alerts resolved through the gateway: one per alert and group of subscribers that get the same answer',
    });
  }

  observeWebSockets(read: () => { connections: number; subscriptions: number }): void {
    this.#sockets = read;
  }
}
