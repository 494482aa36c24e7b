/**
 * Demo stock and orders for `npm start`, made through the router with the typed SDK, like any client:
 * stock for every product, received in lots with different expiry days (some within 30 days, so
 * `expiringLots(30)` has something to show; one product without a lot number; two products below their
 * reorder level), then the demo customer's orders in different states, moved along by the real saga and
 * the pharmacist's review, one prescription order left waiting for it. Idempotent: stock is added only to
 * an empty inventory, and the orders carry idempotency keys, so a restart adds nothing.
 */
import { addDays, today as todayUtc } from '../lib/calendar-day.ts';
import type { Logger } from '../lib/logger.ts';
import {
  createPharmacyClient,
  type OrderStatus,
  type PharmacyClient,
  type PrescriptionInput,
} from '../sdk/index.ts';

/** A lot as received: its number, how many days after the seeding day it expires, and its units. */
export type DemoLot = [lotNumber: string, expiresInDays: number, quantity: number];

const REORDER_LEVEL = 20;

/**
 * The stock of each product by SKU, in lots: 120 units each, 8 for the last two (below the reorder level).
 * Vitamin D3 arrives without a lot number (adjustInventory), so it is held as the lot UNLOTTED.
 */
export const DEMO_LOTS: Readonly<Record<string, readonly DemoLot[]>> = {
  'AMX-500-CAP-30': [
    ['GSK-AMX-2611', 21, 20],
    ['GSK-AMX-2705', 180, 60],
    ['GSK-AMX-2811', 730, 40],
  ],
  'ASP-100-BTL-100': [
    ['BAY-L4417', 300, 50],
    ['BAY-L5120', 900, 70],
  ],
  'ATO-20-TAB-30': [['LIP-AT-0912', 400, 120]],
  'CET-10-TAB-70': [['ZYR-3301', 600, 120]],
  'IBU-200-BTL-100': [
    ['ADV-2231', 12, 30],
    ['ADV-2388', 540, 90],
  ],
  'INS-GLR-100-VL-10': [
    ['LAN-0934', 26, 30],
    ['LAN-1022', 120, 90],
  ],
  'LIS-10-TAB-30': [['MRK-LS-7710', 450, 120]],
  'MET-500-TAB-60': [
    ['TEV-MF-1187', 45, 40],
    ['TEV-MF-1302', 365, 80],
  ],
  'OMP-20-CAP-42': [['PRL-OM-552', 240, 8]],
};
export const UNLOTTED_DEMO_STOCK = { sku: 'VIT-D3-1000-100', quantity: 8 };

/**
 * The prescription the demo customer sends with every order of prescription products. Its issue day is
 * fixed: it is part of what an idempotency key stands for, so a restart on another day must send the same.
 */
export const DEMO_PRESCRIPTION: PrescriptionInput = {
  prescriberName: 'Dr Jane Foster',
  prescriberLicence: 'GMC-7012345',
  issuedOn: '2026-11-02',
  reference: 'paper prescription 1042, at the counter',
};

interface DemoOrder {
  /**
   * Its idempotency key. Orders with prescription products have keys of their own ("rx"): before
   * prescriptions existed the demo placed such orders without one, under other keys, and a key cannot name
   * a different order (CONFLICT) in a database seeded then.
   */
  key: string;
  lines: [sku: string, quantity: number][];
  /** Where the pharmacist (review) and staff take it once inventory has answered. */
  then: OrderStatus[];
}

const DEMO_ORDERS: readonly DemoOrder[] = [
  // A prescription order the pharmacist approved; it holds units of the lots that expire first.
  {
    key: 'demo-rx-order-confirmed',
    lines: [
      ['AMX-500-CAP-30', 2],
      ['INS-GLR-100-VL-10', 1],
    ],
    then: ['CONFIRMED'],
  },
  { key: 'demo-order-shipped', lines: [['ASP-100-BTL-100', 1]], then: ['SHIPPED'] },
  {
    key: 'demo-rx-order-delivered',
    lines: [
      ['ATO-20-TAB-30', 3],
      ['CET-10-TAB-70', 1],
    ],
    then: ['CONFIRMED', 'SHIPPED', 'DELIVERED'],
  },
  { key: 'demo-order-cancelled', lines: [['IBU-200-BTL-100', 1]], then: ['CANCELLED'] },
  // More than the shelf holds: inventory rejects it, naming the product.
  { key: 'demo-rx-order-rejected', lines: [['LIS-10-TAB-30', 121]], then: [] },
  // Left in the pharmacists' review queue (ordersAwaitingReview).
  { key: 'demo-rx-order-awaiting-review', lines: [['MET-500-TAB-60', 2]], then: [] },
];

const DECISION_TIMEOUT_MS = 15_000;

async function loggedIn(url: string, username: string, password: string): Promise<PharmacyClient> {
  const client = createPharmacyClient({ url });
  await client.login({ username, password });
  return client;
}

export async function seedDemoStockAndOrders(routerUrl: string, logger: Logger): Promise<void> {
  const admin = await loggedIn(routerUrl, 'admin', 'admin123456');
  const pharmacist = await loggedIn(routerUrl, 'pharmacist', 'pharmacist123');
  const customer = await loggedIn(routerUrl, 'customer', 'customer123');

  const { products } = await admin.products({ pageSize: 100 });
  const catalogue = new Map(products.items.map((product) => [product.sku, product]));
  const { inventoryItems } = await admin.inventoryItems({ pageSize: 1 });
  if (inventoryItems.totalCount === 0) {
    await receiveDemoStock(admin, catalogue);
    logger.info({ products: catalogue.size }, 'demo stock loaded');
  }

  for (const order of DEMO_ORDERS) {
    const lines = order.lines.flatMap(([sku, quantity]) => {
      const product = catalogue.get(sku);
      return product ? [{ product, quantity }] : [];
    });
    if (lines.length === 0) continue;
    const { placeOrder } = await customer.placeOrder({
      input: {
        lines: lines.map(({ product, quantity }) => ({ productId: product.id, quantity })),
        shippingAddress: '221B Baker Street, London',
        idempotencyKey: order.key,
        prescription: lines.some(({ product }) => product.requiresPrescription) ? DEMO_PRESCRIPTION : null,
      },
    });
    let status = await waitForDecision(customer, placeOrder.id);
    for (const next of order.then) {
      const moved = await moveOn(placeOrder.id, status, next, { staff: admin, pharmacist });
      if (moved === null) break;
      status = moved;
    }
  }
  logger.info({ orders: DEMO_ORDERS.length }, 'demo orders in place');
}

async function receiveDemoStock(
  admin: PharmacyClient,
  catalogue: ReadonlyMap<string, { id: string }>,
): Promise<void> {
  const today = todayUtc();
  for (const [sku, lots] of Object.entries(DEMO_LOTS)) {
    const product = catalogue.get(sku);
    if (!product) continue;
    for (const [lotNumber, expiresInDays, quantity] of lots) {
      await admin.receiveStock({
        productId: product.id,
        lotNumber,
        expiresOn: addDays(today, expiresInDays),
        quantity,
        reason: 'demo stock from the wholesaler',
      });
    }
  }
  const unlotted = catalogue.get(UNLOTTED_DEMO_STOCK.sku);
  if (unlotted) {
    await admin.adjustInventory({
      productId: unlotted.id,
      adjustment: UNLOTTED_DEMO_STOCK.quantity,
      reason: 'demo stock, delivered without a lot number',
    });
  }
  for (const product of catalogue.values()) {
    await admin.setReorderLevel({ productId: product.id, reorderLevel: REORDER_LEVEL });
  }
}

/**
 * Takes an order from `status` to `next`: a prescription order leaves AWAITING_REVIEW by the pharmacist's
 * approval, any other move is staff's. Null when the order is not where the move starts (a restart finds
 * the demo orders already moved on).
 */
async function moveOn(
  id: string,
  status: OrderStatus,
  next: OrderStatus,
  { staff, pharmacist }: { staff: PharmacyClient; pharmacist: PharmacyClient },
): Promise<OrderStatus | null> {
  if (status === 'AWAITING_REVIEW' && next === 'CONFIRMED') {
    const note = 'prescription checked with the prescriber; dose and interactions fine';
    return (await pharmacist.approvePrescriptionOrder({ id, note })).approvePrescriptionOrder.status;
  }
  const startsFrom: Partial<Record<OrderStatus, OrderStatus>> = {
    SHIPPED: 'CONFIRMED',
    DELIVERED: 'SHIPPED',
    CANCELLED: 'CONFIRMED',
  };
  if (startsFrom[next] !== status) return null;
  return (await staff.updateOrderStatus({ id, status: next })).updateOrderStatus.status;
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
