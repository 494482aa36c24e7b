/**
 * The router's live feed of low-stock alerts: its own temporary subscription to `inventory-events` (so
 * every router replica sees every alert), and the subscribers connected to this replica. Each alert is
 * resolved once per group of subscribers that would get the same answer (the same alert query and
 * variables, the same role, or the same viewer when the selection reaches data that depends on who asks),
 * not once per subscriber, then handed to each of them.
 */
import type { FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import type { EventEnvelope } from '../../lib/event-bus/event.ts';
import type { EventBus } from '../../lib/event-bus/event-bus.ts';
import type { Logger } from '../../lib/logger.ts';
import { INVENTORY_EVENTS_TOPIC, readInventoryEvent } from '../../subgraphs/inventory/inventory-events.ts';
import type { VerifiedViewer } from '../plugins/auth.plugin.ts';
import { ALERT_KEY, FILTER_KEY, type AlertQuery } from './alert-query.ts';

export interface AlertSubscriber {
  viewer: VerifiedViewer;
  query: AlertQuery;
  /** Only alerts of these products; null for all. */
  productIds: ReadonlySet<string> | null;
  /** Only alerts of products in this category; null for all. */
  category: string | null;
  /** Hands a result to the client (it may drop a slow client instead). */
  deliver(result: FormattedExecutionResult): void;
}

/** Runs an alert query through the gateway for `viewer`, as a query from that viewer would run. */
export type AlertQueryExecutor = (
  query: AlertQuery,
  alertId: string,
  viewer: VerifiedViewer,
  requestId: string,
) => Promise<FormattedExecutionResult>;

/** Subscription names of the feed: `router.low-stock-alerts.tmp-<uuid>`, one per router process. */
const SUBSCRIPTION_PREFIX = 'router.low-stock-alerts';
/** Alert ids remembered to drop a redelivered alert (at-least-once bus), far more than arrive in minutes. */
const REMEMBERED_ALERTS = 10_000;

export class LowStockAlertFeed {
  readonly #execute: AlertQueryExecutor;
  readonly #logger: Logger;
  readonly #subscribers = new Set<AlertSubscriber>();
  readonly #seen = new Set<string>();

  constructor(execute: AlertQueryExecutor, logger: Logger) {
    this.#execute = execute;
    this.#logger = logger.child({ component: 'low-stock-alerts' });
  }

  /** Subscribes this feed on `bus` (on every fresh connection); returns how to unsubscribe. */
  async listen(bus: EventBus): Promise<() => Promise<void>> {
    const subscription = await bus.subscribeTemporary(INVENTORY_EVENTS_TOPIC, SUBSCRIPTION_PREFIX, (event) =>
      this.publish(event),
    );
    return () => subscription.close();
  }

  add(subscriber: AlertSubscriber): void {
    this.#subscribers.add(subscriber);
  }

  remove(subscriber: AlertSubscriber): void {
    this.#subscribers.delete(subscriber);
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  /** Resolves an inventory event for every matching subscriber; other events are ignored. */
  async publish(event: EventEnvelope): Promise<void> {
    const alert = readInventoryEvent(event);
    if (alert?.type !== 'inventory.low-stock' || this.#seen.has(event.id)) return;
    this.#remember(event.id);
    const productId = String(alert.payload.productId);
    const groups = new Map<string, AlertSubscriber[]>();
    for (const subscriber of this.#subscribers) {
      if (subscriber.productIds && !subscriber.productIds.has(productId)) continue;
      const { viewer, query } = subscriber;
      const identity = query.sameForRole ? viewer.role : `${viewer.role}:${viewer.userId}`;
      const key = `${identity}\n${query.text}\n${JSON.stringify(query.variables)}`;
      const group = groups.get(key);
      if (group) group.push(subscriber);
      else groups.set(key, [subscriber]);
    }
    const log = this.#logger.child({ requestId: event.correlationId, alertId: event.id, productId });
    await Promise.all(
      [...groups.values()].map(async (members) => {
        const [first] = members;
        if (!first) return;
        const result = await this.#execute(first.query, event.id, first.viewer, event.correlationId).catch(
          (error: unknown): FormattedExecutionResult => {
            log.error({ err: error }, 'alert query failed');
            return {
              errors: [
                { message: 'the alert could not be resolved', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
              ],
            };
          },
        );
        for (const subscriber of members) {
          if (subscriber.category !== null && !sameCategory(categoryOf(result), subscriber.category))
            continue;
          subscriber.deliver(forClient(result, subscriber.query.responseKey));
        }
      }),
    );
    log.debug({ groups: groups.size }, 'low-stock alert delivered');
  }

  #remember(id: string): void {
    this.#seen.add(id);
    if (this.#seen.size > REMEMBERED_ALERTS) {
      const oldest = this.#seen.values().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
  }
}

/** As the catalogue's own category filter compares: trimmed, case-insensitive. */
function sameCategory(category: unknown, wanted: string): boolean {
  return typeof category === 'string' && category.trim().toLowerCase() === wanted.trim().toLowerCase();
}

function categoryOf(result: FormattedExecutionResult): unknown {
  const filter = result.data?.[FILTER_KEY] as { product?: { category?: unknown } } | null | undefined;
  return filter?.product?.category;
}

/** The alert under the key the client asked for, errors' paths rewritten to match. */
function forClient(result: FormattedExecutionResult, responseKey: string): FormattedExecutionResult {
  const errors = result.errors
    ?.filter((error) => error.path?.[0] !== FILTER_KEY)
    .map((error): GraphQLFormattedError =>
      error.path?.[0] === ALERT_KEY ? { ...error, path: [responseKey, ...error.path.slice(1)] } : error,
    );
  return {
    data: result.data === undefined ? undefined : { [responseKey]: result.data?.[ALERT_KEY] ?? null },
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}
