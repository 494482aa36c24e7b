/**
 * The order saga as tests drive it through the router with the typed client SDK: a stocked product, an
 * order placed, and the wait until inventory has answered. Each helper takes the PharmacyClient of the
 * viewer who acts (see `clientFor` and `asViewer` in ./client.ts).
 */
import type {
  OrderFieldsFragment,
  OrderLineInput,
  PharmacyClient,
  PlaceOrderInput,
  StockFieldsFragment,
} from '../../sdk/index.ts';
import { asViewer } from './client.ts';
import { postGraphQL, type GraphQLResponse } from './services.ts';

export type { OrderLineInput } from '../../sdk/index.ts';

/** An order as the SDK's operations return it. */
export type Order = OrderFieldsFragment;

/** A product's stock levels. */
export type StockLevels = Pick<
  StockFieldsFragment,
  'quantity' | 'reserved' | 'available' | 'reorderLevel' | 'isLowStock'
>;

export interface StockedProduct {
  sku: string;
  /** `Product <sku>` unless given. */
  name?: string;
  price: string;
  /** Units put on the shelf. */
  quantity: number;
  reorderLevel?: number;
}

/** Creates a product and puts `quantity` units on the shelf (and a reorder level when given). */
export async function createStockedProduct(staff: PharmacyClient, product: StockedProduct): Promise<string>;
/** @deprecated Raw headers, for the tests not yet on the SDK; pass the staff's PharmacyClient instead. */
export async function createStockedProduct(
  routerUrl: string,
  staff: Headers,
  product: StockedProduct,
): Promise<string>;
export async function createStockedProduct(
  ...args: [PharmacyClient, StockedProduct] | [routerUrl: string, staff: Headers, product: StockedProduct]
): Promise<string> {
  const [staff, product] = args.length === 2 ? args : [legacyClient(args[0], args[1]), args[2]];
  const { createProduct } = await staff.createProduct({
    input: {
      sku: product.sku,
      name: product.name ?? `Product ${product.sku}`,
      price: product.price,
      category: 'Test',
    },
  });
  const { id } = createProduct;
  if (product.quantity > 0) {
    await staff.adjustInventory({ productId: id, adjustment: product.quantity, reason: 'delivery' });
  }
  if (product.reorderLevel !== undefined) {
    await staff.setReorderLevel({ productId: id, reorderLevel: product.reorderLevel });
  }
  return id;
}

export type OrderExtras = Omit<PlaceOrderInput, 'lines' | 'shippingAddress'> & { shippingAddress?: string };

/** Places an order (shipped to 1 Main Street, Springfield unless `extra` says otherwise): PENDING. */
export function placeOrder(
  customer: PharmacyClient,
  lines: OrderLineInput[],
  extra?: OrderExtras,
): Promise<Order>;
/** @deprecated Raw headers and response, for the tests not yet on the SDK; pass a PharmacyClient instead. */
export function placeOrder(
  routerUrl: string,
  customer: Headers,
  lines: OrderLineInput[],
  extra?: OrderExtras,
): Promise<GraphQLResponse<{ placeOrder: OrderView }>>;
export async function placeOrder(
  first: PharmacyClient | string,
  second: OrderLineInput[] | Headers,
  third?: OrderExtras | OrderLineInput[],
  fourth?: OrderExtras,
): Promise<Order | GraphQLResponse<{ placeOrder: OrderView }>> {
  if (typeof first === 'string') {
    const input = orderInput(third as OrderLineInput[], fourth);
    return postGraphQL(first, PLACE_ORDER, { input }, second as Headers);
  }
  const input = orderInput(second as OrderLineInput[], third as OrderExtras | undefined);
  return (await first.placeOrder({ input })).placeOrder;
}

function orderInput(lines: OrderLineInput[], extra: OrderExtras = {}): PlaceOrderInput {
  return { lines, shippingAddress: extra.shippingAddress ?? '1 Main Street, Springfield', ...extra };
}

/** The order, or null when the viewer may not see it. */
export async function readOrder(viewer: PharmacyClient, id: string): Promise<Order | null> {
  return (await viewer.order({ id })).order;
}

/** The stock levels of a product, read by staff. */
export async function readStock(staff: PharmacyClient, productId: string): Promise<StockLevels>;
/** @deprecated Raw headers, for the tests not yet on the SDK; pass the staff's PharmacyClient instead. */
export async function readStock(routerUrl: string, staff: Headers, productId: string): Promise<StockLevels>;
export async function readStock(
  ...args: [PharmacyClient, string] | [string, Headers, string]
): Promise<StockLevels> {
  const [staff, productId] = args.length === 2 ? args : [legacyClient(args[0], args[1]), args[2]];
  const { quantity, reserved, available, reorderLevel, isLowStock } = (await staff.inventory({ productId }))
    .inventory;
  return { quantity, reserved, available, reorderLevel, isLowStock };
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
export function waitUntilDecided(viewer: PharmacyClient, id: string, timeoutMs?: number): Promise<Order>;
/** @deprecated Raw headers, for the tests not yet on the SDK; pass the viewer's PharmacyClient instead. */
export function waitUntilDecided(
  routerUrl: string,
  viewer: Headers,
  id: string,
  timeoutMs?: number,
): Promise<Order>;
export function waitUntilDecided(
  first: PharmacyClient | string,
  second: string | Headers,
  third?: string | number,
  fourth?: number,
): Promise<Order> {
  const [viewer, id, timeoutMs] =
    typeof first === 'string'
      ? [legacyClient(first, second as Headers), third as string, fourth]
      : [first, second as string, third as number | undefined];
  return waitFor(
    `order ${id} to leave PENDING`,
    async () => {
      const order = await readOrder(viewer, id);
      return order !== null && order.status !== 'PENDING' ? order : undefined;
    },
    timeoutMs,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Raw operations and header-based viewers: for tests that call the orders subgraph directly (the SDK speaks
// to the router's API schema), and for the tests not yet converted to the SDK.

export type Headers = Record<string, string>;

/** A client that sends raw `headers` (an `authorization` among them) instead of a token of its own. */
function legacyClient(routerUrl: string, headers: Headers): PharmacyClient {
  return asViewer(routerUrl, undefined, headers);
}

export const ORDER_FIELDS = `id status total currency rejectionReason shippingAddress notes user { id }
  lines { product { id } quantity unitPrice lineTotal }`;

export const PLACE_ORDER = `mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { ${ORDER_FIELDS} } }`;
export const ORDER = `query Order($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`;
export const CANCEL_ORDER = `mutation Cancel($id: ID!) { cancelOrder(id: $id) { ${ORDER_FIELDS} } }`;
export const UPDATE_ORDER_STATUS = `mutation Update($id: ID!, $status: OrderStatus!) {
  updateOrderStatus(id: $id, status: $status) { ${ORDER_FIELDS} }
}`;

/** An order as ORDER_FIELDS selects it. */
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
