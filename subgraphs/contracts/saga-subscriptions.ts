/**
 * The subscriptions of the order saga: who listens to which topic. Every service of the saga declares all
 * of them when it connects to the bus, so that an event published before its consumer first started is
 * kept, not dropped (a Pub/Sub topic keeps messages only for the subscriptions it has). The GCP set-up
 * script creates the same ones.
 */
import type { SubscriptionDeclaration } from '../../lib/event-bus/event-processing.ts';
import { INVENTORY_EVENTS_TOPIC } from './inventory-events.ts';
import { ORDER_EVENTS_TOPIC } from './order-events.ts';

export const SAGA_SUBSCRIPTIONS = {
  /** Inventory reserves, releases and ships stock for orders. */
  inventoryOrders: { topic: ORDER_EVENTS_TOPIC, subscription: 'inventory.order-events' },
  /** Orders confirms or rejects orders on inventory's replies. */
  ordersStockReplies: { topic: INVENTORY_EVENTS_TOPIC, subscription: 'orders.inventory-events' },
} satisfies Record<string, SubscriptionDeclaration>;

export const SAGA_SUBSCRIPTION_LIST: readonly SubscriptionDeclaration[] = Object.values(SAGA_SUBSCRIPTIONS);
