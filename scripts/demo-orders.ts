/**
 * Demo stock and orders for `npm start`, made through the router like any client would: stock for every
 * product (two of them below their reorder level), then the demo customer's orders in different states,
 * moved along by the real saga. Idempotent: stock is added only to an empty inventory, and the orders
 * carry idempotency keys, so a restart adds nothing.
 */
import type { Logger } from '../lib/logger.ts';

interface DemoOrder {
  key: string;
  /** Indexes into the catalogue (sorted by SKU) and quantities. */
  lines: [productIndex: number, quantity: number][];
  /** Where staff take it once inventory has confirmed it. */
  then: ('SHIPPED' | 'DELIVERED' | 'CANCELLED')[];
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

interface GraphQLReply<T> {
  data?: T;
  errors?: { message: string }[];
}

function client(routerUrl: string) {
  return async function call<T>(
    query: string,
    variables: Record<string, unknown>,
    token?: string,
  ): Promise<T> {
    const response = await fetch(routerUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    const reply = (await response.json()) as GraphQLReply<T>;
    if (reply.errors?.length || reply.data === undefined) {
      throw new Error(`demo data: ${reply.errors?.map((error) => error.message).join('; ') ?? 'no data'}`);
    }
    return reply.data;
  };
}

const LOGIN = `mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) { accessToken }
}`;

export async function seedDemoStockAndOrders(routerUrl: string, logger: Logger): Promise<void> {
  const call = client(routerUrl);
  const login = async (username: string, password: string) =>
    (await call<{ login: { accessToken: string } }>(LOGIN, { username, password })).login.accessToken;
  const admin = await login('admin', 'admin123456');
  const customer = await login('customer', 'customer123');

  const { products, inventoryItems } = await call<{
    products: { items: { id: string; sku: string }[] };
    inventoryItems: { totalCount: number };
  }>(
    'query { products(pageSize: 100) { items { id sku } } inventoryItems(pageSize: 1) { totalCount } }',
    {},
    admin,
  );
  const catalogue = [...products.items].sort((a, b) => a.sku.localeCompare(b.sku));
  if (inventoryItems.totalCount === 0) {
    for (const [index, product] of catalogue.entries()) {
      const low = index >= catalogue.length - 2;
      await call(
        `mutation Stock($id: ID!, $quantity: Int!, $level: Int!) {
          adjustInventory(productId: $id, adjustment: $quantity, reason: "demo stock") { quantity }
          setReorderLevel(productId: $id, reorderLevel: $level) { reorderLevel }
        }`,
        { id: product.id, quantity: low ? SHELF.lowQuantity : SHELF.quantity, level: SHELF.reorderLevel },
        admin,
      );
    }
    logger.info({ products: catalogue.length }, 'demo stock loaded');
  }

  for (const order of DEMO_ORDERS) {
    const lines = order.lines.flatMap(([index, quantity]) => {
      const product = catalogue[index];
      return product ? [{ productId: product.id, quantity }] : [];
    });
    if (lines.length === 0) continue;
    const { placeOrder } = await call<{ placeOrder: { id: string } }>(
      `mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`,
      { input: { lines, shippingAddress: '221B Baker Street, London', idempotencyKey: order.key } },
      customer,
    );
    let status = await waitForDecision(call, placeOrder.id, customer);
    for (const next of order.then) {
      if (status !== 'CONFIRMED' && !(status === 'SHIPPED' && next === 'DELIVERED')) break;
      status = (
        await call<{ updateOrderStatus: { status: string } }>(
          'mutation Move($id: ID!, $status: OrderStatus!) { updateOrderStatus(id: $id, status: $status) { status } }',
          { id: placeOrder.id, status: next },
          admin,
        )
      ).updateOrderStatus.status;
    }
  }
  logger.info({ orders: DEMO_ORDERS.length }, 'demo orders in place');
}

/** The order's status once inventory has answered (or PENDING after the timeout: the stack still starts). */
async function waitForDecision(call: ReturnType<typeof client>, id: string, token: string): Promise<string> {
  const deadline = Date.now() + DECISION_TIMEOUT_MS;
  for (;;) {
    const { order } = await call<{ order: { status: string } | null }>(
      'query Order($id: ID!) { order(id: $id) { status } }',
      { id },
      token,
    );
    const status = order?.status ?? 'PENDING';
    if (status !== 'PENDING' || Date.now() > deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
