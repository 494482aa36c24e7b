/**
 * `Subscription.lowStockAlerts`: the router's own subscription to `inventory-events` on the bus (so every
 * replica sees every alert), the feed of this replica's subscribers, and the WebSocket endpoint that
 * serves them (router/subscriptions/). Each alert is resolved through the gateway as the query
 * `lowStockAlert(id:)` with the subscriber's selection and identity.
 */
import { readFileSync } from 'node:fs';
import { parse, type SelectionNode } from 'graphql';
import { rolesDeclaredFor } from '../../lib/access.ts';
import { BusConnection } from '../../lib/event-bus/bus-connection.ts';
import type { EventBusConfig } from '../../lib/event-bus/bus-config.ts';
import type { Logger } from '../../lib/logger.ts';
import type { ServiceTracer } from '../../lib/telemetry.ts';
import {
  INVENTORY_EVENTS_TOPIC,
  readInventoryEvent,
  type LowStock,
} from '../../subgraphs/contracts/inventory-events.ts';
import { SUBGRAPHS } from '../../subgraphs/registry.ts';
import { addressKey, clientIp } from '../client-ip.ts';
import type { RouterFeature } from '../router-feature.ts';
import type { RouterMetrics } from '../router-metrics.ts';
import { EventFeed, type SubscribedEvents } from '../subscriptions/event-feed.ts';
import { subscriptionRequestsPlugin } from '../subscriptions/subscription-requests.plugin.ts';
import { attachSubscriptionServer, type SubscriptionSettings } from '../subscriptions/subscription-server.ts';

export interface LowStockAlertsOptions {
  /** The bus inventory announces low stock on (EVENT_BUS, …). */
  eventBus: EventBusConfig;
  /** Socket and queue limits (SUBSCRIPTION_MAX_CONNECTIONS, SUBSCRIPTION_KEEPALIVE_MS, …). */
  settings: SubscriptionSettings;
  production: boolean;
  /** Proxies whose X-Forwarded-For entries are trusted, to count sockets per client address. */
  trustedProxyHops: number;
  logger: Logger;
  metrics: RouterMetrics;
  tracer: ServiceTracer;
}

/** The category filter needs the alert's product category, which the alert query then also selects. */
const CATEGORY_SELECTION: readonly SelectionNode[] = parse('{ product { category } }').definitions.flatMap(
  (definition) => ('selectionSet' in definition ? definition.selectionSet.selections : []),
);

/** The low-stock alerts of `inventory-events`, for subscribers filtering by products and category. */
const LOW_STOCK_EVENTS: SubscribedEvents<LowStock> = {
  topic: INVENTORY_EVENTS_TOPIC,
  subscriptionPrefix: 'router.low-stock-alerts',
  // Inventory's topic also carries every reservation and lot change: a replica is handed none of them.
  eventTypes: ['inventory.low-stock'],
  read(envelope) {
    const event = readInventoryEvent(envelope);
    return event?.type === 'inventory.low-stock' ? event.payload : undefined;
  },
  wants: ({ productIds }, alert) =>
    !Array.isArray(productIds) || productIds.map(String).includes(String(alert.productId)),
  // As the catalogue's own category filter compares: trimmed, case-insensitive.
  wantsResolved({ category }, filterData) {
    if (typeof category !== 'string') return true;
    const actual = (filterData as { product?: { category?: unknown } } | null | undefined)?.product?.category;
    return typeof actual === 'string' && actual.trim().toLowerCase() === category.trim().toLowerCase();
  },
};

export function useLowStockAlerts(options: LowStockAlertsOptions): RouterFeature {
  let bus: BusConnection | undefined;
  return {
    name: 'low-stock alerts',
    plugins: [subscriptionRequestsPlugin()],
    attach(server, runtime) {
      const feed = new EventFeed(
        LOW_STOCK_EVENTS,
        // An alert resolved for subscribers: a query through the whole pipeline, with their identity.
        async (query, eventId, viewer, requestId) => {
          const response = await runtime.apollo.executeOperation(
            { query: query.text, variables: { ...query.variables, [query.eventIdVariable]: eventId } },
            {
              contextValue: {
                requestId,
                logger: runtime.logger.child({ requestId }),
                viewer,
                clientIp: '',
                purpose: 'alert',
              },
            },
          );
          if (response.body.kind !== 'single') throw new Error('an alert query answered incrementally');
          return response.body.singleResult;
        },
        options.logger,
        {
          tracer: options.tracer,
          fanOutDelay: (seconds) => options.metrics.alertFanOutSeconds.observe(seconds),
          executed: (count) => options.metrics.alertExecutions.inc(count),
        },
      );
      bus = BusConnection.open(options.eventBus, options.logger, (connected) => feed.listen(connected));
      const endpoint = attachSubscriptionServer(server, {
        runtime,
        clientAddress: (request) =>
          addressKey(clientIp(request.headers, request.socket.remoteAddress, options.trustedProxyHops)),
        fields: [
          {
            name: 'lowStockAlerts',
            allowedRoles: rolesDeclaredFor(
              parse(readFileSync(SUBGRAPHS.inventory.schemaUrl, 'utf8')),
              'Subscription',
              'lowStockAlerts',
            ),
            query: {
              lookupField: 'lowStockAlert',
              filterSelections: (args) => (typeof args.category === 'string' ? CATEGORY_SELECTION : []),
              // Users and orders answer per viewer (their own account and orders), the rest per role.
              personalTypes: new Set(['User', 'Order']),
            },
            feed,
          },
        ],
        notServing: () =>
          bus?.connected ? undefined : 'the alert feed is not connected to the event bus yet',
        settings: options.settings,
        production: options.production,
      });
      options.metrics.observeWebSockets(() => ({
        connections: endpoint.connections(),
        subscriptions: feed.subscriberCount,
      }));
      return endpoint;
    },
    reportDependencies: async () => ({
      'event bus (low-stock alerts)': bus?.connected
        ? { ok: true }
        : { ok: false, reason: 'not connected: subscribers are refused with 1013 until it is' },
    }),
    started: () => bus?.whenConnected() ?? Promise.reject(new Error('the router is not listening')),
    close: async () => {
      await bus?.close();
    },
  };
}
