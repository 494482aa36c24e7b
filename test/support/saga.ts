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
import { waitFor } from './waiting.ts';

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
export async function createStockedProduct(staff: PharmacyClient, product: StockedProduct): Promise<string> {
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
export async function placeOrder(
  customer: PharmacyClient,
  lines: OrderLineInput[],
  extra: OrderExtras = {},
): Promise<Order> {
  const input = { lines, shippingAddress: extra.shippingAddress ?? '1 Main Street, Springfield', ...extra };
  return (await customer.placeOrder({ input })).placeOrder;
}

/** The order, or null when the viewer may not see it. */
export async function readOrder(viewer: PharmacyClient, id: string): Promise<Order | null> {
  return (await viewer.order({ id })).order;
}

/** The stock levels of a product, read by staff. */
export async function readStock(staff: PharmacyClient, productId: string): Promise<StockLevels> {
  const { quantity, reserved, available, reorderLevel, isLowStock } = (await staff.inventory({ productId }))
    .inventory;
  return { quantity, reserved, available, reorderLevel, isLowStock };
}

/** Waits until inventory has answered for the order: it is no longer PENDING. */
export function waitUntilDecided(viewer: PharmacyClient, id: string, timeoutMs?: number): Promise<Order> {
  return waitFor(
    `order ${id} to leave PENDING`,
    async () => {
      const order = await readOrder(viewer, id);
      return order !== null && order.status !== 'PENDING' ? order : undefined;
    },
    timeoutMs,
  );
}
