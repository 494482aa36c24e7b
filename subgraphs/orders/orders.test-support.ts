/**
 * What the orders subgraph's integration tests share. `useOrdersSubgraph()` gives a test file the orders
 * subgraph over real HTTP on a fresh database, priced by a real products subgraph on another that holds
 * the file's catalogue; `api` calls orders as the router would, and every reply is checked for leaked
 * internals. Inventory is not running: its replies are delivered to the orders consumer by hand, as the bus
 * would. And the operations, viewers and SQL the tests place, read, review and check orders with.
 */
import { afterAll, beforeAll, expect } from '@jest/globals';
import { type EventEnvelope } from '../../lib/event-bus/event.ts';
import { processDelivery } from '../../lib/event-bus/event-processing.ts';
import type { Viewer } from '../../lib/viewer.ts';
import type { OrderLineInput } from '../../sdk/index.ts';
import { sql } from '../../test/support/database.ts';
import { dataOf } from '../../test/support/graphql.ts';
import { silentLogger, startTestSubgraph, type TestSubgraph } from '../../test/support/services.ts';
import { expectNoLeak, subgraphClient, type SubgraphClient } from '../../test/support/subgraph-client.ts';
import { inventoryEvent, type InventoryEvent, type LineLots } from '../contracts/inventory-events.ts';
import { stockRepliesConsumer } from './stock-replies.consumer.ts';

// Operations as the router sends them to the orders subgraph: the SDK's own documents ask for product
// fields (name, sku) that only the products subgraph resolves.
export const ORDER_FIELDS = `id status total currency rejectionReason shippingAddress notes user { id }
  lines { product { id } quantity unitPrice lineTotal }`;

export const PLACE_ORDER = `mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { ${ORDER_FIELDS} } }`;
const ORDER = `query Order($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`;
const CANCEL_ORDER = `mutation Cancel($id: ID!) { cancelOrder(id: $id) { ${ORDER_FIELDS} } }`;
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

export const PHARMACIST: Viewer = { userId: 2, role: 'PHARMACIST' };
export const SECOND_PHARMACIST: Viewer = { userId: 3, role: 'PHARMACIST' };
export const ADMIN: Viewer = { userId: 1, role: 'ADMIN' };
/** Each test has customers of its own, so that counts and pages of one test are not another's. */
export const customer = (userId: number): Viewer => ({ userId, role: 'CUSTOMER' });

export const ADDRESS = '1 Main Street, Springfield';

interface OutboxView {
  topic: string;
  type: string;
  version: number;
  correlationId: string;
  payload: unknown;
}

interface Counts {
  orders: number;
  lines: number;
  events: number;
  statusChanges: number;
  reviews: number;
}

const CREATE_PRODUCT = `mutation Create($input: CreateProductInput!) { createProduct(input: $input) { id } }`;
const DELETE_PRODUCT = `mutation Delete($id: ID!) { deleteProduct(id: $id) { id isActive } }`;

/** Text that would betray internals: a stack trace, SQL or a table name. */
const LEAK = /stacktrace|\bselect\b|\binsert\b|customer_order|order_line|outbox_event|ECONNREFUSED/i;

/** The orders subgraph of the file, its client, and the products subgraph that prices its orders. */
export let orders: TestSubgraph;
export let api: SubgraphClient;
export let catalogueApi: SubgraphClient;
let products: TestSubgraph;

/** The file's catalogue products, created once: id by key. */
export const catalogue = {
  tenCents: '',
  nineteen: '',
  ibuprofen: '',
  paracetamol: '',
  euro: '',
  discontinued: '',
  /** Needs a prescription. */
  amoxicillin: '',
  /** At most 2 per order. */
  codeine: '',
};

/** Starts the file's products and orders subgraphs and its catalogue before its tests, stops them after. */
export function useOrdersSubgraph(): void {
  beforeAll(async () => {
    products = await startTestSubgraph('products');
    catalogueApi = subgraphClient(products, { viewer: PHARMACIST });
    orders = await startTestSubgraph('orders', { PRODUCTS_URL: products.server.url });
    api = ordersClient(orders);
    await orders.subgraph.events?.whenConnected();
    catalogue.tenCents = await createProduct({ sku: 'TEN-CENT', name: 'Cotton Swab', price: '0.10' });
    catalogue.nineteen = await createProduct({ sku: 'VIT-D3', name: 'Vitamin D3 1000 IU', price: '19.99' });
    catalogue.ibuprofen = await createProduct({ sku: 'IBU-200', name: 'Ibuprofen 200mg', price: '4.50' });
    catalogue.paracetamol = await createProduct({ sku: 'PAR-500', name: 'Paracetamol 500mg', price: '3.25' });
    catalogue.euro = await createProduct({
      sku: 'EUR-1',
      name: 'Imported Balm',
      price: '6.00',
      currency: 'EUR',
    });
    catalogue.discontinued = await createProduct({ sku: 'OLD-1', name: 'Old Syrup', price: '2.00' });
    catalogue.amoxicillin = await createProduct({
      sku: 'AMX-500',
      name: 'Amoxicillin 500mg',
      price: '12.50',
      requiresPrescription: true,
    });
    catalogue.codeine = await createProduct({
      sku: 'COD-LIN',
      name: 'Codeine Linctus',
      price: '7.00',
      maxQuantityPerOrder: 2,
    });
    const deleted = await catalogueApi.request(DELETE_PRODUCT, { id: catalogue.discontinued });
    expect(deleted).toEqual({ data: { deleteProduct: { id: catalogue.discontinued, isActive: false } } });
  });

  afterAll(async () => {
    await orders?.stop();
    await products?.stop();
  });
}

/** A client of an orders subgraph that checks every reply for leaked internals. */
export function ordersClient(service: TestSubgraph): SubgraphClient {
  return subgraphClient(service, { checkReply: expectNoLeak(LEAK) });
}

/** A product of the file's catalogue: its id. */
export async function createProduct(input: {
  sku: string;
  name: string;
  price: string;
  currency?: string;
  requiresPrescription?: boolean;
  maxQuantityPerOrder?: number;
}): Promise<string> {
  const created = await catalogueApi.data<{ createProduct: { id: string } }>(CREATE_PRODUCT, {
    input: { ...input, category: 'Test' },
  });
  return created.createProduct.id;
}

export function place(
  viewer: Viewer | null,
  lines: OrderLineInput[],
  extra: { shippingAddress?: string; notes?: string | null; idempotencyKey?: string } = {},
  client: SubgraphClient = api,
) {
  return client.request<{ placeOrder: OrderView }>(
    PLACE_ORDER,
    { input: { lines, shippingAddress: ADDRESS, ...extra } },
    viewer,
  );
}

/** An order placed for `viewer` (one Ibuprofen unless `lines` say otherwise): PENDING. */
export async function placed(
  viewer: Viewer,
  lines: OrderLineInput[] = [{ productId: catalogue.ibuprofen, quantity: 1 }],
  extra: { shippingAddress?: string; notes?: string; idempotencyKey?: string } = {},
): Promise<OrderView> {
  return dataOf(await place(viewer, lines, extra)).placeOrder;
}

export function read(id: string, viewer: Viewer | null) {
  return api.request<{ order: OrderView | null }>(ORDER, { id }, viewer);
}

export function updateStatus(id: string, status: string, viewer: Viewer = PHARMACIST) {
  return api.request<{ updateOrderStatus: OrderView }>(UPDATE_ORDER_STATUS, { id, status }, viewer);
}

export function cancel(id: string, viewer: Viewer) {
  return api.request<{ cancelOrder: OrderView }>(CANCEL_ORDER, { id }, viewer);
}

/** The rows of every orders table, of the file's subgraph unless given another. */
export async function counts(service: TestSubgraph = orders): Promise<Counts> {
  const [row] = await sql<Counts>(
    service,
    `select (select count(*)::int from customer_order) as orders,
            (select count(*)::int from order_line) as lines,
            (select count(*)::int from outbox_event) as events,
            (select count(*)::int from order_status_change) as "statusChanges",
            (select count(*)::int from prescription_review) as reviews`,
  );
  if (!row) throw new Error('no counts');
  return row;
}

/** What orders announced about `orderId`, oldest first. */
export async function announced(orderId: string): Promise<OutboxView[]> {
  const rows = await sql<{ topic: string; event: EventEnvelope }>(
    orders,
    `select topic, event from outbox_event where (event -> 'payload' ->> 'orderId')::int = ? order by id`,
    [Number(orderId)],
  );
  return rows.map(({ topic, event }) => ({
    topic,
    type: event.type,
    version: event.version,
    correlationId: event.correlationId,
    payload: event.payload,
  }));
}

export async function statusRow(orderId: string) {
  const [row] = await sql<{ status: string; rejection_reason: string | null; updated_at: Date }>(
    orders,
    'select status, rejection_reason, updated_at from customer_order where id = ?',
    [Number(orderId)],
  );
  return row;
}

export async function processedCount(eventId: string): Promise<number> {
  const [row] = await sql<{ n: number }>(
    orders,
    'select count(*)::int as n from processed_event where event_id = ?',
    [eventId],
  );
  return row?.n ?? -1;
}

/** Hands one inventory reply to the orders consumer, as the bus would. */
export async function deliver(event: EventEnvelope, attempt = 1): Promise<void> {
  await processDelivery(
    { orm: orders.subgraph.orm, logger: silentLogger, maxAttempts: 5 },
    stockRepliesConsumer,
    event,
    { attempt },
  );
}

export function inventoryReply(event: InventoryEvent): EventEnvelope {
  return inventoryEvent(event, `corr-${'orderId' in event.payload ? event.payload.orderId : 'none'}`);
}

export function reservedEvent(orderId: string, lines: LineLots[] = []): EventEnvelope {
  return inventoryReply({ type: 'inventory.reserved', payload: { orderId: Number(orderId), lines } });
}

/** An order placed for `viewer` and reserved by inventory: CONFIRMED. */
export async function confirmed(viewer: Viewer, lines?: OrderLineInput[]): Promise<OrderView> {
  const order = await placed(viewer, lines);
  await deliver(reservedEvent(order.id));
  return order;
}

// Pharmacy practice: prescriptions, the pharmacist's review, lots, recall notices and the status trail.

export const PRESCRIPTION = {
  prescriberName: 'Dr. Ada Lovelace',
  prescriberLicence: 'GMC-1234567',
  issuedOn: '2026-01-15',
  reference: 'RX-2026-0001',
};

/** An input for one Amoxicillin line with PRESCRIPTION, changed by `change`. */
export function withPrescription(change: Partial<typeof PRESCRIPTION> = {}) {
  return {
    lines: [{ productId: catalogue.amoxicillin, quantity: 1 }],
    prescription: { ...PRESCRIPTION, ...change },
  };
}

const PRACTICE_FIELDS = `id status requiresPrescription rejectionReason
  prescription { prescriberName prescriberLicence issuedOn reference }
  review { decision reviewer { id } decidedAt note }
  lines { product { id } quantity lots { lotNumber quantity expiresOn } }
  recallNotices { product { id } lotNumber lotStatus reason covered noticedAt resolvedAt }`;

/** An order as PRACTICE_FIELDS selects it. */
export interface PracticeView {
  id: string;
  status: string;
  requiresPrescription: boolean;
  rejectionReason: string | null;
  prescription: typeof PRESCRIPTION | null;
  review: { decision: string; reviewer: { id: string }; decidedAt: string; note: string | null } | null;
  lines: {
    product: { id: string };
    quantity: number;
    lots: { lotNumber: string; quantity: number; expiresOn: string | null }[];
  }[];
  recallNotices: {
    product: { id: string };
    lotNumber: string;
    lotStatus: string;
    reason: string;
    covered: boolean;
    noticedAt: string;
  }[];
}

const PRACTICE_ORDER = `query Practice($id: ID!) { order(id: $id) { ${PRACTICE_FIELDS} } }`;
export const PLACE_PRACTICE = `mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { ${PRACTICE_FIELDS} } }`;
const APPROVE = `mutation Approve($id: ID!, $note: String) {
  approvePrescriptionOrder(id: $id, note: $note) { ${PRACTICE_FIELDS} }
}`;
export const REJECT = `mutation Reject($id: ID!, $reason: String!) {
  rejectPrescriptionOrder(id: $id, reason: $reason) { ${PRACTICE_FIELDS} }
}`;

export async function practiceOrder(id: string, viewer: Viewer = PHARMACIST): Promise<PracticeView> {
  const order = dataOf(
    await api.request<{ order: PracticeView | null }>(PRACTICE_ORDER, { id }, viewer),
  ).order;
  if (!order) throw new Error(`order ${id} is not visible`);
  return order;
}

export function approve(id: string, viewer: Viewer, note?: string | null) {
  return api.request<{ approvePrescriptionOrder: PracticeView }>(APPROVE, { id, note }, viewer);
}

export function reject(id: string, viewer: Viewer, reason: string) {
  return api.request<{ rejectPrescriptionOrder: PracticeView }>(REJECT, { id, reason }, viewer);
}

/** A prescription order of `viewer`'s for `quantity` Amoxicillin, placed and reserved from lot AMX-A. */
export async function awaitingReview(viewer: Viewer, quantity = 1): Promise<string> {
  const order = dataOf(
    await api.request<{ placeOrder: PracticeView }>(
      PLACE_PRACTICE,
      {
        input: {
          ...withPrescription(),
          lines: [{ productId: catalogue.amoxicillin, quantity }],
          shippingAddress: ADDRESS,
        },
      },
      viewer,
    ),
  ).placeOrder;
  await deliver(
    reservedEvent(order.id, [
      {
        productId: Number(catalogue.amoxicillin),
        lots: [{ lotNumber: 'AMX-A', expiresOn: '2027-03-31', quantity }],
      },
    ]),
  );
  return order.id;
}

export async function reviewRows(orderId: string) {
  return sql<{ decision: string; reviewer_id: number; note: string | null }>(
    orders,
    'select decision, reviewer_id, note from prescription_review where order_id = ?',
    [Number(orderId)],
  );
}
