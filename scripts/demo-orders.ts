/**
 * Demo stock and orders for `npm start`, made through the router with the typed SDK, like any client:
 * stock for every product (two of them below their reorder level), then the demo customer's orders in
 * different states, moved along by the real saga. Idempotent: stock is added only to an empty
 * inventory, and the orders carry idempotency keys, so a restart adds nothing.
 */
import type { Logger } from '../lib/logger.ts';
import { createPharmacyClient, type OrderStatus, type PharmacyClient } from '../sdk/index.ts';

interface DemoOrder {
  key: string;
  /** Indexes into the catalogue (sorted by SKU) and quantities. */
  lines: [productIndex: number, quantity: number][];
  /** Where staff take it once inventory has confirmed it. */
  then: OrderStatus[];
}

/** Units on the shelf for each product, and its reorder level; the last two start below it. */
const SHELF = { quantity: 120, reorderLevel: 20, lowQuantity: 8 };

const DEMO_ORDERS: readonly DemoOrder[] = [
  {
    key: 'demo-order-confirmed',
    lines: [
      [0, 2],
      [5, 1],
    ],
    then: [],
  },
  { key: 'demo-order-shipped', lines: [[1, 1]], then: ['SHIPPED'] },
  {
    key: 'demo-order-delivered',
    lines: [
      [2, 3],
      [3, 1],
    ],
    then: ['SHIPPED', 'DELIVERED'],
  },
  { key: 'demo-order-cancelled', lines: [[4, 1]], then: ['CANCELLED'] },
  // More than the shelf holds: inventory rejects it, naming the product.
  { key: 'demo-order-rejected', lines: [[6, SHELF.quantity + 1]], then: [] },
];

const DECISION_TIMEOUT_MS = 15_000;

async function loggedIn(url: string, username: string, password: string): Promise<PharmacyClient> {
  const client = createPharmacyClient({ url });
  client.setToken((await client.login({ username, password })).login.accessToken);
  return client;
}

export async function seedDemoStockAndOrders(routerUrl: string, logger: Logger): Promise<void> {
  const admin = await loggedIn(routerUrl, 'admin', 'admin123456');
  const customer = await loggedIn(routerUrl, 'customer', 'customer123');

  const { products } = await admin.products({ pageSize: 100 });
  const catalogue = [...products.items].sort((a, b) => a.sku.localeCompare(b.sku));
  const { inventoryItems } = await admin.inventoryItems({ pageSize: 1 });
  if (inventoryItems.totalCount === 0) {
    for (const [index, product] of catalogue.entries()) {
      const low = index >= catalogue.length - 2;
      await admin.adjustInventory({
        productId: product.id,
        adjustment: low ? SHELF.lowQuantity : SHELF.quantity,
        reason: 'demo stock',
      });
      await admin.setReorderLevel({ productId: product.id, reorderLevel: SHELF.reorderLevel });
    }
    logger.info({ products: catalogue.length }, 'demo stock loaded');
  }

  for (const order of DEMO_ORDERS) {
    const lines = order.lines.flatMap(([index, quantity]) => {
      const product = catalogue[index];
      return product ? [{ productId: product.id, quantity }] : [];
    });
    if (lines.length === 0) continue;
    const { placeOrder } = await customer.placeOrder({
      input: { lines, shippingAddress: '221B Baker Street, London', idempotencyKey: order.key },
    });
    let status = await waitForDecision(customer, placeOrder.id);
    for (const next of order.then) {
      if (status !== 'CONFIRMED' && !(status === 'SHIPPED' && next === 'DELIVERED')) break;
      status = (await admin.updateOrderStatus({ id: placeOrder.id, status: next })).updateOrderStatus.status;
    }
  }
  logger.info({ orders: DEMO_ORDERS.length }, 'demo orders in place');
}

/** The order's status once inventory has answered (or PENDING after the timeout: the stack still starts). */
async function waitForDecision(customer: PharmacyClient, id: string): Promise<OrderStatus> {
  const deadline = Date.now() + DECISION_TIMEOUT_MS;
  for (;;) {
    const status = (await customer.order({ id })).order?.status ?? 'PENDING';
    if (status !== 'PENDING' || Date.now() > deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
