/**
 * The order saga as tests drive it through the router: a stocked product, an order placed, and the wait
 * until inventory has answered. Hand-written operations until the SDK replaces them.
 */
import { dataOf } from './graphql.ts';
import { postGraphQL, type GraphQLResponse } from './services.ts';

export const ORDER_FIELDS = `id status total currency rejectionReason shippingAddress notes user { id }
  lines { product { id } quantity unitPrice lineTotal }`;

export const PLACE_ORDER = `mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { ${ORDER_FIELDS} } }`;
export const ORDER = `query Order($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`;
export const CANCEL_ORDER = `mutation Cancel($id: ID!) { cancelOrder(id: $id) { ${ORDER_FIELDS} } }`;
export const UPDATE_ORDER_STATUS = `mutation Update($id: ID!, $status: OrderStatus!) {
  updateOrderStatus(id: $id, status: $status) { ${ORDER_FIELDS} }
}`;
export const STOCK = `query Stock($productId: ID!) {
  inventory(productId: $productId) { quantity reserved available reorderLevel isLowStock }
}`;

export interface OrderView {
  id: string;
  status: string;
  total: string;
  currency: string;
  rejectionReason: string | null;
  shippingAddress: string;
  notes: string | null;
  user: { id: string };
  lines: { product: { id: string }; quantity: number; unitPrice: string; lineTotal: string }[];
}

export interface StockView {
  quantity: number;
  reserved: number;
  available: number;
  reorderLevel: number;
  isLowStock: boolean;
}

export type Headers = Record<string, string>;

export interface OrderLineInput {
  productId: string;
  quantity: number;
}

/** Creates a product and puts `quantity` units on the shelf (and a reorder level when given). */
export async function createStockedProduct(
  routerUrl: string,
  staff: Headers,
  product: { sku: string; name?: string; price: string; quantity: number; reorderLevel?: number },
): Promise<string> {
  const created = dataOf(
    await postGraphQL<{ createProduct: { id: string } }>(
      routerUrl,
      'mutation Create($input: CreateProductInput!) { createProduct(input: $input) { id } }',
      {
        input: {
          sku: product.sku,
          name: product.name ?? `Product ${product.sku}`,
          price: product.price,
          category: 'Test',
        },
      },
      staff,
    ),
  );
  const id = created.createProduct.id;
  if (product.quantity > 0) {
    dataOf(
      await postGraphQL(
        routerUrl,
        'mutation Adjust($id: ID!, $n: Int!) { adjustInventory(productId: $id, adjustment: $n, reason: "delivery") { quantity } }',
        { id, n: product.quantity },
        staff,
      ),
    );
  }
  if (product.reorderLevel !== undefined) {
    dataOf(
      await postGraphQL(
        routerUrl,
        'mutation Level($id: ID!, $level: Int!) { setReorderLevel(productId: $id, reorderLevel: $level) { reorderLevel } }',
        { id, level: product.reorderLevel },
        staff,
      ),
    );
  }
  return id;
}

export function placeOrder(
  routerUrl: string,
  customer: Headers,
  lines: OrderLineInput[],
  extra: { shippingAddress?: string; notes?: string; idempotencyKey?: string } = {},
): Promise<GraphQLResponse<{ placeOrder: OrderView }>> {
  return postGraphQL(
    routerUrl,
    PLACE_ORDER,
    { input: { lines, shippingAddress: extra.shippingAddress ?? '1 Main Street, Springfield', ...extra } },
    customer,
  );
}

export async function readOrder(routerUrl: string, viewer: Headers, id: string): Promise<OrderView | null> {
  return dataOf(await postGraphQL<{ order: OrderView | null }>(routerUrl, ORDER, { id }, viewer)).order;
}

export async function readStock(routerUrl: string, staff: Headers, productId: string): Promise<StockView> {
  return dataOf(await postGraphQL<{ inventory: StockView }>(routerUrl, STOCK, { productId }, staff))
    .inventory;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns something other than undefined or false. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result !== undefined && result !== false) return result;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Waits until inventory has answered for the order: it is no longer PENDING. */
export function waitUntilDecided(
  routerUrl: string,
  viewer: Headers,
  id: string,
  timeoutMs?: number,
): Promise<OrderView> {
  return waitFor(
    `order ${id} to leave PENDING`,
    async () => {
      const order = await readOrder(routerUrl, viewer, id);
      return order !== null && order.status !== 'PENDING' ? order : undefined;
    },
    timeoutMs,
  );
}
