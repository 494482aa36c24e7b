/**
 * The orders subgraph over real HTTP on its own fresh database, priced by a real products subgraph on
 * another, called as the router would call it: placing orders (exact prices, the `order.placed` event in
 * the outbox, refusals that write nothing, idempotency keys), reading them with the owner's or staff's
 * rights, inventory's replies delivered to its consumer by hand (inventory is not running here), and the
 * state machine with the events it announces.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MalformedEventError, createEvent, type EventEnvelope } from '../../lib/event-bus/event.ts';
import { processDelivery } from '../../lib/event-bus/event-processing.ts';
import { signRouterRequest } from '../../lib/router-proof.ts';
import type { Viewer } from '../../lib/viewer.ts';
import { closedPortUrl, freePort } from '../../test/support/network.ts';
import { spawnService, waitForStatus, type ServiceProcess } from '../../test/support/processes.ts';
import type { OrderLineInput } from '../../sdk/index.ts';
import {
  TEST_ROUTER_SECRET,
  postAsRouter,
  silentLogger,
  startTestSubgraph,
  type GraphQLResponse,
  type TestSubgraph,
} from '../../test/support/services.ts';
import { inventoryEvent, type InventoryEvent, type LineLots } from '../inventory/inventory-events.ts';
import { stockRepliesConsumer } from './stock-replies.consumer.ts';

// Operations as the router sends them to the orders subgraph: the SDK's own documents ask for product
// fields (name, sku) that only the products subgraph resolves.
const ORDER_FIELDS = `id status total currency rejectionReason shippingAddress notes user { id }
  lines { product { id } quantity unitPrice lineTotal }`;

const PLACE_ORDER = `mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { ${ORDER_FIELDS} } }`;
const ORDER = `query Order($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`;
const CANCEL_ORDER = `mutation Cancel($id: ID!) { cancelOrder(id: $id) { ${ORDER_FIELDS} } }`;
const UPDATE_ORDER_STATUS = `mutation Update($id: ID!, $status: OrderStatus!) {
  updateOrderStatus(id: $id, status: $status) { ${ORDER_FIELDS} }
}`;

/** An order as ORDER_FIELDS selects it. */
interface OrderView {
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

const PHARMACIST: Viewer = { userId: 2, role: 'PHARMACIST' };
const ADMIN: Viewer = { userId: 1, role: 'ADMIN' };
/** Each test has customers of its own, so that counts and pages of one test are not another's. */
const customer = (userId: number): Viewer => ({ userId, role: 'CUSTOMER' });

const ADDRESS = '1 Main Street, Springfield';

type ErrorView = NonNullable<GraphQLResponse['body']['errors']>[number];

interface Reply<TData> {
  data?: TData | null;
  errors?: ErrorView[];
}

interface PageView {
  items: OrderView[];
  totalCount: number;
  page: number;
  pageSize: number;
  hasNextPage: boolean;
}

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

const MY_ORDERS = `query Mine($page: Int, $pageSize: Int) {
  myOrders(page: $page, pageSize: $pageSize) { items { ${ORDER_FIELDS} } totalCount page pageSize hasNextPage }
}`;
const ORDERS = `query All($filter: OrderFilter, $page: Int, $pageSize: Int) {
  orders(filter: $filter, page: $page, pageSize: $pageSize) {
    items { ${ORDER_FIELDS} } totalCount page pageSize hasNextPage
  }
}`;
const USER_ORDERS = `query UserOrders($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on User { id orders { totalCount items { id } } }
  }
}`;
const ORDER_REFERENCE = `query OrderRef($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Order { id status user { id } } }
}`;
const CREATE_PRODUCT = `mutation Create($input: CreateProductInput!) { createProduct(input: $input) { id } }`;
const UPDATE_PRODUCT = `mutation Update($id: ID!, $input: UpdateProductInput!) {
  updateProduct(id: $id, input: $input) { id price }
}`;
const DELETE_PRODUCT = `mutation Delete($id: ID!) { deleteProduct(id: $id) { id isActive } }`;

/** Text that would betray internals: a stack trace, SQL or a table name. */
const LEAK = /stacktrace|\bselect\b|\binsert\b|customer_order|order_line|outbox_event|ECONNREFUSED/i;

let products: TestSubgraph;
let orders: TestSubgraph;

/** Catalogue products created once: id by key. */
const catalogue = {
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

beforeAll(async () => {
  products = await startTestSubgraph('products');
  orders = await startTestSubgraph('orders', { PRODUCTS_URL: products.server.url });
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
  const deleted = await postAsRouter(
    products.server.url,
    DELETE_PRODUCT,
    { id: catalogue.discontinued },
    PHARMACIST,
  );
  expect(deleted.body).toEqual({ data: { deleteProduct: { id: catalogue.discontinued, isActive: false } } });
});

afterAll(async () => {
  await orders?.stop();
  await products?.stop();
});

async function createProduct(input: {
  sku: string;
  name: string;
  price: string;
  currency?: string;
  requiresPrescription?: boolean;
  maxQuantityPerOrder?: number;
}) {
  const reply = await postAsRouter<{ createProduct: { id: string } }>(
    products.server.url,
    CREATE_PRODUCT,
    { input: { ...input, category: 'Test' } },
    PHARMACIST,
  );
  if (!reply.body.data) throw new Error(`createProduct failed: ${JSON.stringify(reply.body)}`);
  return reply.body.data.createProduct.id;
}

async function gql<TData>(
  query: string,
  variables: Record<string, unknown> | undefined,
  viewer: Viewer | null,
  service: TestSubgraph = orders,
): Promise<Reply<TData>> {
  const { body } = await postAsRouter<TData>(service.server.url, query, variables, viewer);
  expect(JSON.stringify(body)).not.toMatch(LEAK);
  return body;
}

/** A request signed like the router's, carrying `x-request-id` as the router forwards it. */
async function postWithRequestId<TData>(
  query: string,
  variables: Record<string, unknown>,
  viewer: Viewer,
  requestId: string,
): Promise<{ requestId: string | null; body: Reply<TData> }> {
  const body = JSON.stringify({ query, variables });
  const response = await fetch(orders.server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-request-id': requestId,
      ...signRouterRequest(TEST_ROUTER_SECRET, body, viewer),
    },
    body,
  });
  return { requestId: response.headers.get('x-request-id'), body: (await response.json()) as Reply<TData> };
}

function dataOf<TData>(reply: Reply<TData>): TData {
  if (reply.errors !== undefined || !reply.data)
    throw new Error(`expected data, got ${JSON.stringify(reply)}`);
  return reply.data;
}

/** The one error of a refused request: its code and, when given, the field named in its extensions. */
function expectRefusal(reply: Reply<unknown>, code: string, field?: string): ErrorView {
  expect(reply.errors).toHaveLength(1);
  const [error] = reply.errors ?? [];
  if (!error) throw new Error('no error');
  expect(error.extensions?.code).toBe(code);
  if (field !== undefined) expect(error.extensions?.field).toBe(field);
  return error;
}

function place(
  viewer: Viewer | null,
  lines: OrderLineInput[],
  extra: { shippingAddress?: string; notes?: string | null; idempotencyKey?: string } = {},
  service: TestSubgraph = orders,
): Promise<Reply<{ placeOrder: OrderView }>> {
  return gql(PLACE_ORDER, { input: { lines, shippingAddress: ADDRESS, ...extra } }, viewer, service);
}

async function placed(
  viewer: Viewer,
  lines: OrderLineInput[] = [{ productId: catalogue.ibuprofen, quantity: 1 }],
  extra: { shippingAddress?: string; notes?: string; idempotencyKey?: string } = {},
): Promise<OrderView> {
  return dataOf(await place(viewer, lines, extra)).placeOrder;
}

async function read(id: string, viewer: Viewer | null): Promise<Reply<{ order: OrderView | null }>> {
  return gql<{ order: OrderView | null }>(ORDER, { id }, viewer);
}

async function updateStatus(id: string, status: string, viewer: Viewer = PHARMACIST) {
  return gql<{ updateOrderStatus: OrderView }>(UPDATE_ORDER_STATUS, { id, status }, viewer);
}

async function cancel(id: string, viewer: Viewer) {
  return gql<{ cancelOrder: OrderView }>(CANCEL_ORDER, { id }, viewer);
}

async function sql<T = Record<string, unknown>>(
  query: string,
  params: unknown[] = [],
  service: TestSubgraph = orders,
): Promise<T[]> {
  return service.subgraph.orm.em.fork().execute<T[]>(query, params);
}

async function counts(service: TestSubgraph = orders): Promise<Counts> {
  const [row] = await sql<Counts>(
    `select (select count(*)::int from customer_order) as orders,
            (select count(*)::int from order_line) as lines,
            (select count(*)::int from outbox_event) as events,
            (select count(*)::int from order_status_change) as "statusChanges",
            (select count(*)::int from prescription_review) as reviews`,
    [],
    service,
  );
  if (!row) throw new Error('no counts');
  return row;
}

/** What orders announced about `orderId`, oldest first. */
async function announced(orderId: string): Promise<OutboxView[]> {
  const rows = await sql<{ topic: string; event: EventEnvelope }>(
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

async function statusRow(orderId: string) {
  const [row] = await sql<{ status: string; rejection_reason: string | null; updated_at: Date }>(
    'select status, rejection_reason, updated_at from customer_order where id = ?',
    [Number(orderId)],
  );
  return row;
}

async function processedCount(eventId: string): Promise<number> {
  const [row] = await sql<{ n: number }>(
    'select count(*)::int as n from processed_event where event_id = ?',
    [eventId],
  );
  return row?.n ?? -1;
}

/** Hands one inventory reply to the orders consumer, as the bus would. */
async function deliver(event: EventEnvelope, attempt = 1): Promise<void> {
  await processDelivery(
    { orm: orders.subgraph.orm, logger: silentLogger, maxAttempts: 5 },
    stockRepliesConsumer,
    event,
    { attempt },
  );
}

function inventoryReply(event: InventoryEvent): EventEnvelope {
  return inventoryEvent(event, `corr-${'orderId' in event.payload ? event.payload.orderId : 'none'}`);
}

const PRESCRIPTION = {
  prescriberName: 'Dr. Ada Lovelace',
  prescriberLicence: 'GMC-1234567',
  issuedOn: '2026-01-15',
  reference: 'RX-2026-0001',
};

/** An input for one Amoxicillin line with PRESCRIPTION, changed by `change`. */
function withPrescription(change: Partial<typeof PRESCRIPTION> = {}) {
  return {
    lines: [{ productId: catalogue.amoxicillin, quantity: 1 }],
    prescription: { ...PRESCRIPTION, ...change },
  };
}

async function confirmed(viewer: Viewer, lines?: OrderLineInput[]): Promise<OrderView> {
  const order = await placed(viewer, lines);
  await deliver(
    inventoryReply({ type: 'inventory.reserved', payload: { orderId: Number(order.id), lines: [] } }),
  );
  return order;
}

describe('placeOrder', () => {
  it('places a PENDING order for the viewer, priced from the catalogue to the cent, with one order.placed event carrying the request id', async () => {
    const before = await counts();
    const { requestId, body } = await postWithRequestId<{ placeOrder: OrderView }>(
      PLACE_ORDER,
      {
        input: {
          lines: [
            { productId: catalogue.tenCents, quantity: 3 },
            { productId: catalogue.nineteen, quantity: 7 },
          ],
          shippingAddress: `  ${ADDRESS} `,
          notes: '  ring twice ',
        },
      },
      customer(31),
      'req-place-31',
    );
    expect(requestId).toBe('req-place-31');
    const order = dataOf(body).placeOrder;
    expect(order).toEqual({
      id: expect.stringMatching(/^[1-9]\d*$/),
      status: 'PENDING',
      total: '140.23',
      currency: 'USD',
      rejectionReason: null,
      shippingAddress: ADDRESS,
      notes: 'ring twice',
      user: { id: '31' },
      lines: [
        { product: { id: catalogue.tenCents }, quantity: 3, unitPrice: '0.10', lineTotal: '0.30' },
        { product: { id: catalogue.nineteen }, quantity: 7, unitPrice: '19.99', lineTotal: '139.93' },
      ],
    });

    expect(await counts()).toEqual({
      ...before,
      orders: before.orders + 1,
      lines: before.lines + 2,
      events: before.events + 1,
      statusChanges: before.statusChanges + 1,
    });
    const rows = await sql(
      `select user_id, status, total_minor::int as total_minor, currency, shipping_address, notes,
              rejection_reason, idempotency_key from customer_order where id = ?`,
      [Number(order.id)],
    );
    expect(rows).toEqual([
      {
        user_id: 31,
        status: 'PENDING',
        total_minor: 14_023,
        currency: 'USD',
        shipping_address: ADDRESS,
        notes: 'ring twice',
        rejection_reason: null,
        idempotency_key: null,
      },
    ]);
    const lines = await sql(
      `select product_id, sku, product_name, quantity, unit_price_minor::int as unit_price_minor,
              line_total_minor::int as line_total_minor from order_line where order_id = ? order by id`,
      [Number(order.id)],
    );
    expect(lines).toEqual([
      {
        product_id: Number(catalogue.tenCents),
        sku: 'TEN-CENT',
        product_name: 'Cotton Swab',
        quantity: 3,
        unit_price_minor: 10,
        line_total_minor: 30,
      },
      {
        product_id: Number(catalogue.nineteen),
        sku: 'VIT-D3',
        product_name: 'Vitamin D3 1000 IU',
        quantity: 7,
        unit_price_minor: 1999,
        line_total_minor: 13_993,
      },
    ]);
    expect(await announced(order.id)).toEqual([
      {
        topic: 'order-events',
        type: 'order.placed',
        version: 1,
        correlationId: 'req-place-31',
        payload: {
          orderId: Number(order.id),
          userId: 31,
          lines: [
            { productId: Number(catalogue.tenCents), quantity: 3 },
            { productId: Number(catalogue.nineteen), quantity: 7 },
          ],
        },
      },
    ]);
  });

  it('prices the products of another currency in that currency', async () => {
    const order = await placed(customer(32), [{ productId: catalogue.euro, quantity: 2 }]);
    expect(order).toMatchObject({ total: '12.00', currency: 'EUR', notes: null });
    expect(order.lines).toEqual([
      { product: { id: catalogue.euro }, quantity: 2, unitPrice: '6.00', lineTotal: '12.00' },
    ]);
  });

  it('keeps the price of a placed order when the catalogue price changes afterwards', async () => {
    const productId = await createProduct({ sku: 'REP-1', name: 'Repriced Cream', price: '5.00' });
    const order = await placed(customer(33), [{ productId, quantity: 2 }]);
    expect(order).toMatchObject({ total: '10.00' });

    const changed = await postAsRouter(
      products.server.url,
      UPDATE_PRODUCT,
      { id: productId, input: { price: '9.00' } },
      PHARMACIST,
    );
    expect(changed.body).toEqual({ data: { updateProduct: { id: productId, price: '9.00' } } });

    const after = dataOf(await read(order.id, customer(33))).order;
    expect(after).toEqual(order);
    const [row] = await sql<{ total: number; unit: number }>(
      `select o.total_minor::int as total, l.unit_price_minor::int as unit
         from customer_order o join order_line l on l.order_id = o.id where o.id = ?`,
      [Number(order.id)],
    );
    expect(row).toEqual({ total: 1000, unit: 500 });
    // The new price is what a new order pays.
    expect(await placed(customer(33), [{ productId, quantity: 2 }])).toMatchObject({ total: '18.00' });
  });
});

describe('placeOrder refusals write nothing', () => {
  const many = (count: number) =>
    Array.from({ length: count }, (_, index) => ({ productId: String(index + 1), quantity: 1 }));

  const cases: [string, () => Record<string, unknown>, string, string | (() => string)][] = [
    [
      'a quantity of 0',
      () => ({ lines: [{ productId: catalogue.ibuprofen, quantity: 0 }] }),
      'input.lines[0].quantity',
      'input.lines[0].quantity: must be a whole number from 1 to 1000, got 0',
    ],
    [
      'a negative quantity',
      () => ({
        lines: [
          { productId: catalogue.ibuprofen, quantity: 1 },
          { productId: catalogue.paracetamol, quantity: -2 },
        ],
      }),
      'input.lines[1].quantity',
      'input.lines[1].quantity: must be a whole number from 1 to 1000, got -2',
    ],
    [
      'a quantity of 1001',
      () => ({ lines: [{ productId: catalogue.ibuprofen, quantity: 1001 }] }),
      'input.lines[0].quantity',
      'input.lines[0].quantity: must be a whole number from 1 to 1000, got 1001',
    ],
    ['no lines', () => ({ lines: [] }), 'input.lines', 'input.lines: an order needs at least one line'],
    [
      '101 lines',
      () => ({ lines: many(101) }),
      'input.lines',
      'input.lines: an order has at most 100 lines, got 101',
    ],
    [
      '10,000 lines',
      () => ({ lines: many(10_000) }),
      'input.lines',
      'input.lines: an order has at most 100 lines, got 10000',
    ],
    [
      'the same product on two lines',
      () => ({
        lines: [
          { productId: catalogue.ibuprofen, quantity: 1 },
          { productId: catalogue.ibuprofen, quantity: 2 },
        ],
      }),
      'input.lines[1].productId',
      () =>
        `input.lines[1].productId: product ${catalogue.ibuprofen} is on an earlier line: put the whole quantity on one line`,
    ],
    [
      'an unknown product',
      () => ({
        lines: [
          { productId: catalogue.ibuprofen, quantity: 1 },
          { productId: '999999', quantity: 1 },
        ],
      }),
      'input.lines[1].productId',
      'input.lines[1].productId: product 999999 does not exist',
    ],
    [
      'a malformed product id',
      () => ({ lines: [{ productId: 'abc', quantity: 1 }] }),
      'input.lines[0].productId',
      'input.lines[0].productId: "abc" is not a valid id',
    ],
    [
      'a discontinued product, named',
      () => ({
        lines: [
          { productId: catalogue.ibuprofen, quantity: 1 },
          { productId: catalogue.discontinued, quantity: 1 },
        ],
      }),
      'input.lines[1].productId',
      'input.lines[1].productId: Old Syrup (OLD-1) is discontinued and cannot be ordered',
    ],
    [
      'products in two currencies',
      () => ({
        lines: [
          { productId: catalogue.ibuprofen, quantity: 1 },
          { productId: catalogue.euro, quantity: 1 },
        ],
      }),
      'input.lines[1].productId',
      'input.lines[1].productId: all products of an order must be priced in one currency (USD); place a separate order',
    ],
    [
      'an empty shipping address',
      () => ({ shippingAddress: '' }),
      'input.shippingAddress',
      'input.shippingAddress: must not be empty',
    ],
    [
      'a blank shipping address',
      () => ({ shippingAddress: '  \t ' }),
      'input.shippingAddress',
      'input.shippingAddress: must not be empty',
    ],
    [
      'a shipping address over 500 characters',
      () => ({ shippingAddress: 'a'.repeat(501) }),
      'input.shippingAddress',
      'input.shippingAddress: must be at most 500 characters',
    ],
    [
      'notes over 1000 characters',
      () => ({ notes: 'n'.repeat(1001) }),
      'input.notes',
      'input.notes: must be at most 1000 characters',
    ],
    [
      'an empty idempotency key',
      () => ({ idempotencyKey: '' }),
      'input.idempotencyKey',
      'input.idempotencyKey: must be 1 to 100 characters without surrounding spaces',
    ],
    [
      'an idempotency key of 101 characters',
      () => ({ idempotencyKey: 'k'.repeat(101) }),
      'input.idempotencyKey',
      'input.idempotencyKey: must be 1 to 100 characters without surrounding spaces',
    ],
    [
      "a quantity above the product's limit per order, naming the product",
      () => ({
        lines: [
          { productId: catalogue.ibuprofen, quantity: 5 },
          { productId: catalogue.codeine, quantity: 3 },
        ],
      }),
      'input.lines[1].quantity',
      'input.lines[1].quantity: Codeine Linctus (COD-LIN) is limited to 2 per order, got 3',
    ],
    [
      'a prescription product without a prescription',
      () => ({
        lines: [
          { productId: catalogue.ibuprofen, quantity: 1 },
          { productId: catalogue.amoxicillin, quantity: 1 },
        ],
      }),
      'input.prescription',
      'input.prescription: Amoxicillin 500mg (AMX-500) needs a prescription: give the prescriber, their licence number, the issue date and a reference',
    ],
    [
      'a prescription without a prescriber',
      () => withPrescription({ prescriberName: '  ' }),
      'input.prescription.prescriberName',
      'input.prescription.prescriberName: must not be empty',
    ],
    [
      'a prescription without a licence number',
      () => withPrescription({ prescriberLicence: '' }),
      'input.prescription.prescriberLicence',
      'input.prescription.prescriberLicence: must not be empty',
    ],
    [
      'a prescription issued in the future',
      () => withPrescription({ issuedOn: '2999-01-01' }),
      'input.prescription.issuedOn',
      'input.prescription.issuedOn: must not be in the future, got 2999-01-01',
    ],
    [
      'a prescription reference over 200 characters',
      () => withPrescription({ reference: 'r'.repeat(201) }),
      'input.prescription.reference',
      'input.prescription.reference: must be at most 200 characters',
    ],
  ];

  it.each(cases)('refuses %s with BAD_USER_INPUT naming the field', async (_, change, field, message) => {
    const before = await counts();
    const reply = await gql(
      PLACE_ORDER,
      {
        input: {
          lines: [{ productId: catalogue.ibuprofen, quantity: 1 }],
          shippingAddress: ADDRESS,
          ...change(),
        },
      },
      customer(40),
    );
    expect(expectRefusal(reply, 'BAD_USER_INPUT', field).message).toBe(
      typeof message === 'string' ? message : message(),
    );
    expect(reply.data).toBeNull();
    expect(await counts()).toEqual(before);
  });

  it('refuses an issue date that is not a calendar day in GraphQL validation', async () => {
    const before = await counts();
    const reply = await gql(
      PLACE_ORDER,
      { input: { ...withPrescription({ issuedOn: '2026-02-30' }), shippingAddress: ADDRESS } },
      customer(40),
    );
    const error = expectRefusal(reply, 'BAD_USER_INPUT');
    expect(error.message).toContain('input.prescription.issuedOn');
    expect(error.message).toContain('Date must be a day as "YYYY-MM-DD", got "2026-02-30"');
    expect(await counts()).toEqual(before);
  });

  it('accepts the limit per order itself', async () => {
    expect((await placed(customer(41), [{ productId: catalogue.codeine, quantity: 2 }])).status).toBe(
      'PENDING',
    );
  });

  it('refuses a non-integer quantity in GraphQL validation, naming the field in the message', async () => {
    const before = await counts();
    const reply = await place(customer(40), [{ productId: catalogue.ibuprofen, quantity: 1.5 }]);
    const error = expectRefusal(reply, 'BAD_USER_INPUT');
    expect(error.message).toContain('input.lines[0].quantity');
    expect(error.message).toContain('Int cannot represent non-integer value: 1.5');
    expect(await counts()).toEqual(before);
  });

  it('refuses a caller without a viewer with UNAUTHENTICATED', async () => {
    const before = await counts();
    const reply = await place(null, [{ productId: catalogue.ibuprofen, quantity: 1 }]);
    expect(expectRefusal(reply, 'UNAUTHENTICATED').message).toBe(
      'authentication required: send a valid access token as "Authorization: Bearer <token>"',
    );
    expect(reply.data).toBeNull();
    expect(await counts()).toEqual(before);
  });
});

describe('placeOrder while the catalogue is unavailable', () => {
  /** Orders on a database of its own, pricing from a port where nothing listens at first. */
  let isolated: TestSubgraph;
  let catalogueUrl: string;
  let productsProcess: ServiceProcess | undefined;

  beforeAll(async () => {
    catalogueUrl = await closedPortUrl();
    isolated = await startTestSubgraph('orders', { PRODUCTS_URL: catalogueUrl });
  });

  afterAll(async () => {
    await productsProcess?.kill();
    await isolated?.stop();
  });

  it('answers SERVICE_UNAVAILABLE and writes nothing when the products subgraph is unreachable, with or without an idempotency key', async () => {
    const lines = [{ productId: '1', quantity: 1 }];
    for (const extra of [{}, { idempotencyKey: 'offline-1' }]) {
      const reply = await place(customer(41), lines, extra, isolated);
      expect(expectRefusal(reply, 'SERVICE_UNAVAILABLE').message).toBe(
        'the catalogue is unavailable, please retry shortly',
      );
      expect(reply.data).toBeNull();
    }
    expect(await counts(isolated)).toEqual({ orders: 0, lines: 0, events: 0, statusChanges: 0, reviews: 0 });
  });

  // A products subgraph that is up but whose database is down answers SERVICE_UNAVAILABLE in a GraphQL
  // error: the customer must get the same code to retry on, not an INTERNAL_SERVER_ERROR.
  it('answers SERVICE_UNAVAILABLE and writes nothing when the products subgraph cannot reach its database', async () => {
    // A real products subgraph on the catalogue's port, in a process of its own (as in production),
    // whose database port has nothing listening.
    const { port } = new URL(catalogueUrl);
    productsProcess = spawnService('subgraphs/products/main.ts', {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      HOST: '127.0.0.1',
      PORT: port,
      DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/products`,
      MIGRATE_ON_START: 'false',
      ROUTER_SECRET: TEST_ROUTER_SECRET,
    });
    await waitForStatus(new URL('/health', catalogueUrl).href, 200, 30_000);

    const reply = await place(customer(42), [{ productId: '1', quantity: 1 }], {}, isolated);
    expect(expectRefusal(reply, 'SERVICE_UNAVAILABLE').message).toBe(
      'the catalogue is unavailable, please retry shortly',
    );
    expect(await counts(isolated)).toEqual({ orders: 0, lines: 0, events: 0, statusChanges: 0, reviews: 0 });
  });
});

describe('placeOrder idempotency', () => {
  const lines = () => [
    { productId: catalogue.ibuprofen, quantity: 2 },
    { productId: catalogue.paracetamol, quantity: 1 },
  ];

  it('answers the same key again with the same order, writing one order and one event', async () => {
    const before = await counts();
    const first = await placed(customer(50), lines(), { idempotencyKey: 'checkout-50' });
    const again = await placed(customer(50), lines(), { idempotencyKey: 'checkout-50' });
    expect(again).toEqual(first);
    expect(first.total).toBe('12.25');
    expect(await counts()).toEqual({
      ...before,
      orders: before.orders + 1,
      lines: before.lines + 2,
      events: before.events + 1,
      statusChanges: before.statusChanges + 1,
    });
    expect((await announced(first.id)).map(({ type }) => type)).toEqual(['order.placed']);
  });

  it('creates one order for ten concurrent requests with the same key, and all ten answer its id', async () => {
    const before = await counts();
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => place(customer(51), lines(), { idempotencyKey: 'double-click' })),
    );
    const ids = replies.map((answer) => dataOf(answer).placeOrder.id);
    const [id = ''] = ids;
    expect(ids).toEqual(Array.from({ length: 10 }, () => id));
    expect(await counts()).toEqual({
      ...before,
      orders: before.orders + 1,
      lines: before.lines + 2,
      events: before.events + 1,
      statusChanges: before.statusChanges + 1,
    });
    const rows = await sql<{ id: number }>('select id from customer_order where user_id = 51');
    expect(rows).toEqual([{ id: Number(id) }]);
    expect(await announced(id)).toHaveLength(1);
  });

  it('refuses the same key with different lines or address with CONFLICT, writing nothing', async () => {
    const first = await placed(customer(52), lines(), { idempotencyKey: 'checkout-52' });
    const before = await counts();
    const otherLines = await place(customer(52), [{ productId: catalogue.ibuprofen, quantity: 3 }], {
      idempotencyKey: 'checkout-52',
    });
    const message = `idempotencyKey "checkout-52" was already used for a different order (${first.id}); use a new key for a new order`;
    expect(expectRefusal(otherLines, 'CONFLICT', 'input.idempotencyKey').message).toBe(message);
    const otherAddress = await place(customer(52), lines(), {
      idempotencyKey: 'checkout-52',
      shippingAddress: '2 Elm Street',
    });
    expect(expectRefusal(otherAddress, 'CONFLICT', 'input.idempotencyKey').message).toBe(message);
    expect(await counts()).toEqual(before);
  });

  it('gives two customers using the same key an order each', async () => {
    const a = await placed(customer(53), lines(), { idempotencyKey: 'shared-key' });
    const b = await placed(customer(54), lines(), { idempotencyKey: 'shared-key' });
    expect(a.id).not.toBe(b.id);
    expect(a.user).toEqual({ id: '53' });
    expect(b.user).toEqual({ id: '54' });
    const rows = await sql('select user_id from customer_order where idempotency_key = ? order by id', [
      'shared-key',
    ]);
    expect(rows).toEqual([{ user_id: 53 }, { user_id: 54 }]);
  });
});

describe('reading orders', () => {
  it('shows an order to its owner and to staff, and to nobody else', async () => {
    const order = await placed(customer(60));
    expect(dataOf(await read(order.id, customer(60))).order).toEqual(order);
    expect(dataOf(await read(order.id, PHARMACIST)).order).toEqual(order);
    expect(dataOf(await read(order.id, ADMIN)).order).toEqual(order);
    expect(await read(order.id, customer(61))).toEqual({ data: { order: null } });
    expect(await read('999999', customer(60))).toEqual({ data: { order: null } });
    expect(await read('abc', PHARMACIST)).toEqual({ data: { order: null } });
    expectRefusal(await read(order.id, null), 'UNAUTHENTICATED');
  });

  it("pages myOrders newest first, with the caller's orders only", async () => {
    const first = await placed(customer(62));
    const second = await placed(customer(62));
    const third = await placed(customer(62));
    await placed(customer(63));
    const page1 = dataOf(
      await gql<{ myOrders: PageView }>(MY_ORDERS, { page: 1, pageSize: 2 }, customer(62)),
    );
    expect(page1.myOrders).toEqual({
      items: [third, second],
      totalCount: 3,
      page: 1,
      pageSize: 2,
      hasNextPage: true,
    });
    const page2 = dataOf(
      await gql<{ myOrders: PageView }>(MY_ORDERS, { page: 2, pageSize: 2 }, customer(62)),
    );
    expect(page2.myOrders).toEqual({
      items: [first],
      totalCount: 3,
      page: 2,
      pageSize: 2,
      hasNextPage: false,
    });
    const all = dataOf(await gql<{ myOrders: PageView }>(MY_ORDERS, {}, customer(62)));
    expect(all.myOrders).toMatchObject({ totalCount: 3, page: 1, pageSize: 20, hasNextPage: false });
    expect(all.myOrders.items.map(({ id }) => id)).toEqual([third.id, second.id, first.id]);
    expect(dataOf(await gql<{ myOrders: PageView }>(MY_ORDERS, {}, customer(64))).myOrders).toEqual({
      items: [],
      totalCount: 0,
      page: 1,
      pageSize: 20,
      hasNextPage: false,
    });
  });

  it('lists every order for staff, filtered by status and customer; FORBIDDEN for a customer', async () => {
    const first = await placed(customer(65));
    const second = await confirmed(customer(65));
    const third = await placed(customer(65));
    const byUser = dataOf(await gql<{ orders: PageView }>(ORDERS, { filter: { userId: '65' } }, PHARMACIST));
    expect(byUser.orders.items.map(({ id }) => id)).toEqual([third.id, second.id, first.id]);
    expect(byUser.orders).toMatchObject({ totalCount: 3, hasNextPage: false });

    const confirmedOfUser = dataOf(
      await gql<{ orders: PageView }>(ORDERS, { filter: { userId: '65', status: 'CONFIRMED' } }, ADMIN),
    );
    expect(confirmedOfUser.orders).toEqual({
      items: [{ ...second, status: 'CONFIRMED' }],
      totalCount: 1,
      page: 1,
      pageSize: 20,
      hasNextPage: false,
    });

    const pending = dataOf(
      await gql<{ orders: PageView }>(ORDERS, { filter: { status: 'PENDING' }, pageSize: 100 }, PHARMACIST),
    );
    const [pendingCount] = await sql<{ n: number }>(
      "select count(*)::int as n from customer_order where status = 'PENDING'",
    );
    expect(pending.orders.totalCount).toBe(pendingCount?.n);
    expect(pending.orders.items.every(({ status }) => status === 'PENDING')).toBe(true);
    expect(pending.orders.items.map(({ id }) => id)).toEqual(expect.arrayContaining([first.id, third.id]));

    const refused = await gql(ORDERS, { filter: { userId: '65' } }, customer(65));
    expect(expectRefusal(refused, 'FORBIDDEN').message).toBe('orders requires the role PHARMACIST or ADMIN');
    expect(refused.data).toBeNull();

    const badUser = await gql(ORDERS, { filter: { userId: 'abc' } }, PHARMACIST);
    expect(expectRefusal(badUser, 'BAD_USER_INPUT', 'filter.userId').message).toBe(
      'filter.userId: "abc" is not a valid id',
    );
  });

  it("resolves User.orders for the user and for staff, and refuses another customer's", async () => {
    const first = await placed(customer(66));
    const second = await placed(customer(66));
    const representations = [{ __typename: 'User', id: '66' }];
    const expected = {
      _entities: [{ id: '66', orders: { totalCount: 2, items: [{ id: second.id }, { id: first.id }] } }],
    };
    expect(await gql(USER_ORDERS, { representations }, customer(66))).toEqual({ data: expected });
    expect(await gql(USER_ORDERS, { representations }, PHARMACIST)).toEqual({ data: expected });

    const refused = await gql<{ _entities: unknown[] }>(USER_ORDERS, { representations }, customer(67));
    expect(expectRefusal(refused, 'FORBIDDEN').message).toBe("only staff can read another user's orders");
    expect(refused.errors?.[0]?.path).toEqual(['_entities', 0, 'orders']);
    expect(refused.data).toEqual({ _entities: [null] });
  });

  it('resolves an Order reference for its owner and staff only', async () => {
    const order = await placed(customer(68));
    const representations = [{ __typename: 'Order', id: order.id }];
    const visible = { data: { _entities: [{ id: order.id, status: 'PENDING', user: { id: '68' } }] } };
    expect(await gql(ORDER_REFERENCE, { representations }, customer(68))).toEqual(visible);
    expect(await gql(ORDER_REFERENCE, { representations }, PHARMACIST)).toEqual(visible);
    expect(await gql(ORDER_REFERENCE, { representations }, customer(69))).toEqual({
      data: { _entities: [null] },
    });
    expect(await gql(ORDER_REFERENCE, { representations }, null)).toEqual({ data: { _entities: [null] } });
  });
});

describe("inventory's replies", () => {
  it('confirms a PENDING order when its stock is reserved', async () => {
    const order = await placed(customer(70));
    const event = inventoryReply({
      type: 'inventory.reserved',
      payload: { orderId: Number(order.id), lines: [] },
    });
    await deliver(event);
    expect(dataOf(await read(order.id, customer(70))).order).toEqual({ ...order, status: 'CONFIRMED' });
    expect(await processedCount(event.id)).toBe(1);
  });

  it('rejects a PENDING order with a reason naming each short product, its SKU and the counts', async () => {
    const order = await placed(customer(71), [
      { productId: catalogue.ibuprofen, quantity: 5 },
      { productId: catalogue.paracetamol, quantity: 12 },
      { productId: catalogue.tenCents, quantity: 1 },
    ]);
    await deliver(
      inventoryReply({
        type: 'inventory.rejected',
        payload: {
          orderId: Number(order.id),
          shortages: [
            { productId: Number(catalogue.ibuprofen), requested: 5, available: 2 },
            { productId: Number(catalogue.paracetamol), requested: 12, available: 0 },
          ],
        },
      }),
    );
    const reason =
      'not enough stock for Ibuprofen 200mg (IBU-200): 5 ordered, 2 available; Paracetamol 500mg (PAR-500): 12 ordered, 0 available';
    expect(dataOf(await read(order.id, customer(71))).order).toEqual({
      ...order,
      status: 'REJECTED',
      rejectionReason: reason,
    });
    expect(await statusRow(order.id)).toMatchObject({ status: 'REJECTED', rejection_reason: reason });
  });

  it('leaves an order the customer cancelled meanwhile CANCELLED', async () => {
    const order = await placed(customer(72));
    expect(dataOf(await cancel(order.id, customer(72))).cancelOrder.status).toBe('CANCELLED');
    await deliver(
      inventoryReply({ type: 'inventory.reserved', payload: { orderId: Number(order.id), lines: [] } }),
    );
    await deliver(
      inventoryReply({
        type: 'inventory.rejected',
        payload: {
          orderId: Number(order.id),
          shortages: [{ productId: Number(catalogue.ibuprofen), requested: 1, available: 0 }],
        },
      }),
    );
    expect(await statusRow(order.id)).toMatchObject({ status: 'CANCELLED', rejection_reason: null });
  });

  it('ignores a duplicate delivery of the same reply, by its event id', async () => {
    const order = await placed(customer(73));
    const event = inventoryReply({
      type: 'inventory.reserved',
      payload: { orderId: Number(order.id), lines: [] },
    });
    await deliver(event);
    const decided = await statusRow(order.id);
    expect(decided?.status).toBe('CONFIRMED');

    await deliver(event, 2);
    expect(await statusRow(order.id)).toEqual(decided);
    expect(await processedCount(event.id)).toBe(1);

    // Even an order back in PENDING is not touched by the same event again: it is known by its id.
    await sql("update customer_order set status = 'PENDING' where id = ?", [Number(order.id)]);
    await deliver(event, 3);
    expect((await statusRow(order.id))?.status).toBe('PENDING');
    expect(await processedCount(event.id)).toBe(1);
  });

  it('acknowledges a reply for an order that does not exist without changing anything', async () => {
    const before = await sql('select id, status from customer_order order by id');
    const event = inventoryReply({ type: 'inventory.reserved', payload: { orderId: 987_654, lines: [] } });
    await expect(deliver(event)).resolves.toBeUndefined();
    expect(await processedCount(event.id)).toBe(1);
    expect(await sql('select id, status from customer_order order by id')).toEqual(before);
  });
  it('ignores low-stock alerts and event types it does not know, leaving the order PENDING', async () => {
    const order = await placed(customer(74));
    const before = await statusRow(order.id);
    const lowStock = inventoryReply({
      type: 'inventory.low-stock',
      payload: {
        productId: Number(catalogue.ibuprofen),
        quantity: 3,
        reserved: 1,
        available: 2,
        reorderLevel: 5,
        shortage: 3,
        orderId: Number(order.id),
      },
    });
    const unknown = createEvent('inventory.restocked', { orderId: Number(order.id) }, 'corr-unknown');
    await deliver(lowStock);
    await deliver(unknown);
    expect(await statusRow(order.id)).toEqual(before);
    expect(before?.status).toBe('PENDING');
    expect(await processedCount(lowStock.id)).toBe(1);
    expect(await processedCount(unknown.id)).toBe(1);
  });

  it('throws a malformed reply back for redelivery without recording it or touching the order', async () => {
    const order = await placed(customer(75));
    const malformed = createEvent(
      'inventory.rejected',
      { orderId: Number(order.id), shortages: [] },
      'corr-malformed',
    );
    await expect(deliver(malformed)).rejects.toThrow(
      new MalformedEventError(['payload.shortages must be a non-empty list']),
    );
    expect(await processedCount(malformed.id)).toBe(0);
    expect((await statusRow(order.id))?.status).toBe('PENDING');
  });
});

describe('the state machine', () => {
  it('ships a CONFIRMED order (announcing order.shipped), delivers it (announcing nothing), then refuses to cancel it', async () => {
    const order = await confirmed(customer(80));

    const shipped = await gql<{ updateOrderStatus: OrderView }>(
      UPDATE_ORDER_STATUS,
      { id: order.id, status: 'SHIPPED' },
      PHARMACIST,
    );
    expect(dataOf(shipped).updateOrderStatus).toEqual({ ...order, status: 'SHIPPED' });
    const afterShipping = await announced(order.id);
    expect(afterShipping.map(({ type, payload }) => ({ type, payload }))).toEqual([
      { type: 'order.placed', payload: expect.objectContaining({ orderId: Number(order.id) }) },
      { type: 'order.shipped', payload: { orderId: Number(order.id) } },
    ]);
    expect(afterShipping[1]).toMatchObject({ topic: 'order-events', version: 1 });

    expect(dataOf(await updateStatus(order.id, 'DELIVERED', ADMIN)).updateOrderStatus.status).toBe(
      'DELIVERED',
    );
    expect(await announced(order.id)).toHaveLength(2);

    const before = await counts();
    const refused = await updateStatus(order.id, 'CANCELLED');
    expect(expectRefusal(refused, 'CONFLICT', 'status').message).toBe(
      'cannot change the order from DELIVERED to CANCELLED: a DELIVERED order cannot change any more',
    );
    const refusedCancel = await cancel(order.id, customer(80));
    expect(expectRefusal(refusedCancel, 'CONFLICT', 'id').message).toBe(
      'a DELIVERED order cannot be cancelled',
    );
    expect(await counts()).toEqual(before);
    expect((await statusRow(order.id))?.status).toBe('DELIVERED');
  });

  it('carries the request id of the status change on order.shipped', async () => {
    const order = await confirmed(customer(81));
    const { body } = await postWithRequestId(
      UPDATE_ORDER_STATUS,
      { id: order.id, status: 'SHIPPED' },
      PHARMACIST,
      'req-ship-81',
    );
    expect(dataOf(body)).toMatchObject({ updateOrderStatus: { status: 'SHIPPED' } });
    expect((await announced(order.id)).at(-1)).toEqual({
      topic: 'order-events',
      type: 'order.shipped',
      version: 1,
      correlationId: 'req-ship-81',
      payload: { orderId: Number(order.id) },
    });
  });

  it('refuses to ship or confirm a PENDING order by hand, explaining that only inventory confirms', async () => {
    const order = await placed(customer(82));
    const before = await counts();
    expect(expectRefusal(await updateStatus(order.id, 'SHIPPED'), 'CONFLICT', 'status').message).toBe(
      'cannot change the order from PENDING to SHIPPED: a PENDING order can only become CANCELLED',
    );
    expect(expectRefusal(await updateStatus(order.id, 'CONFIRMED'), 'CONFLICT', 'status').message).toBe(
      'cannot change the order from PENDING to CONFIRMED: an order becomes CONFIRMED only when inventory has answered for its stock',
    );
    expect(await counts()).toEqual(before);
    expect((await statusRow(order.id))?.status).toBe('PENDING');
  });

  it('lets the customer cancel a PENDING order and staff a CONFIRMED one, announcing order.cancelled', async () => {
    const pending = await placed(customer(83));
    expect(dataOf(await cancel(pending.id, customer(83))).cancelOrder).toEqual({
      ...pending,
      status: 'CANCELLED',
    });
    const confirmedOrder = await confirmed(customer(83));
    expect(dataOf(await cancel(confirmedOrder.id, PHARMACIST)).cancelOrder.status).toBe('CANCELLED');
    for (const order of [pending, confirmedOrder]) {
      const events = await announced(order.id);
      expect(events.map(({ type }) => type)).toEqual(['order.placed', 'order.cancelled']);
      expect(events[1]).toMatchObject({
        topic: 'order-events',
        version: 1,
        payload: { orderId: Number(order.id) },
      });
    }
  });

  it('lets staff cancel a PENDING order through updateOrderStatus, announcing order.cancelled', async () => {
    const order = await placed(customer(84));
    expect(dataOf(await updateStatus(order.id, 'CANCELLED')).updateOrderStatus.status).toBe('CANCELLED');
    expect((await announced(order.id)).map(({ type }) => type)).toEqual(['order.placed', 'order.cancelled']);
  });

  it('refuses to cancel a SHIPPED or REJECTED order with CONFLICT, writing nothing', async () => {
    const order = await confirmed(customer(85));
    dataOf(await updateStatus(order.id, 'SHIPPED'));
    const before = await counts();
    const beforeRow = await statusRow(order.id);
    expect(expectRefusal(await cancel(order.id, customer(85)), 'CONFLICT', 'id').message).toBe(
      'a SHIPPED order cannot be cancelled',
    );
    expect(expectRefusal(await cancel(order.id, ADMIN), 'CONFLICT', 'id').message).toBe(
      'a SHIPPED order cannot be cancelled',
    );
    expect(await counts()).toEqual(before);
    expect(await statusRow(order.id)).toEqual(beforeRow);

    const rejected = await placed(customer(85));
    await deliver(
      inventoryReply({
        type: 'inventory.rejected',
        payload: {
          orderId: Number(rejected.id),
          shortages: [{ productId: Number(catalogue.ibuprofen), requested: 1, available: 0 }],
        },
      }),
    );
    const beforeRejected = await counts();
    expect(expectRefusal(await cancel(rejected.id, customer(85)), 'CONFLICT', 'id').message).toBe(
      'a REJECTED order cannot be cancelled',
    );
    expect(await counts()).toEqual(beforeRejected);
  });

  it("answers NOT_FOUND to a customer cancelling someone else's order, which stays as it was", async () => {
    const order = await placed(customer(86));
    const before = await counts();
    const refused = await cancel(order.id, customer(87));
    expect(expectRefusal(refused, 'NOT_FOUND').message).toBe(`order ${order.id} was not found`);
    expect(refused.data).toBeNull();
    expect(await counts()).toEqual(before);
    expect((await statusRow(order.id))?.status).toBe('PENDING');
  });

  it('refuses updateOrderStatus to a customer with FORBIDDEN, even on their own order', async () => {
    const order = await confirmed(customer(88));
    const before = await counts();
    const refused = await updateStatus(order.id, 'SHIPPED', customer(88));
    expect(expectRefusal(refused, 'FORBIDDEN').message).toBe(
      'updateOrderStatus requires the role PHARMACIST or ADMIN',
    );
    expect(await counts()).toEqual(before);
    expect((await statusRow(order.id))?.status).toBe('CONFIRMED');
  });

  it('answers NOT_FOUND for an unknown order and BAD_USER_INPUT for a malformed id', async () => {
    const before = await counts();
    expect(expectRefusal(await updateStatus('999999', 'SHIPPED'), 'NOT_FOUND').message).toBe(
      'order 999999 was not found',
    );
    expect(expectRefusal(await cancel('999999', customer(89)), 'NOT_FOUND').message).toBe(
      'order 999999 was not found',
    );
    expect(expectRefusal(await updateStatus('abc', 'SHIPPED'), 'BAD_USER_INPUT', 'id').message).toBe(
      'id: "abc" is not a valid id',
    );
    expect(await counts()).toEqual(before);
  });
});

// Pharmacy practice: prescriptions, the pharmacist's review, lots, recall notices and the status trail.

const SECOND_PHARMACIST: Viewer = { userId: 3, role: 'PHARMACIST' };

const PRACTICE_FIELDS = `id status requiresPrescription rejectionReason
  prescription { prescriberName prescriberLicence issuedOn reference }
  review { decision reviewer { id } decidedAt note }
  lines { product { id } quantity lots { lotNumber quantity expiresOn } }
  recallNotices { product { id } lotNumber lotStatus reason covered noticedAt resolvedAt }`;

interface PracticeView {
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
const PLACE_PRACTICE = `mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { ${PRACTICE_FIELDS} } }`;
const APPROVE = `mutation Approve($id: ID!, $note: String) {
  approvePrescriptionOrder(id: $id, note: $note) { ${PRACTICE_FIELDS} }
}`;
const REJECT = `mutation Reject($id: ID!, $reason: String!) {
  rejectPrescriptionOrder(id: $id, reason: $reason) { ${PRACTICE_FIELDS} }
}`;
const STATUS_HISTORY = `query History($id: ID!) {
  order(id: $id) { statusHistory { from to actor { id } actorRole eventType eventId reason occurredAt } }
}`;
const REVIEW_QUEUE = `query Queue($page: Int, $pageSize: Int) {
  ordersAwaitingReview(page: $page, pageSize: $pageSize) {
    items { id status requiresPrescription } totalCount page pageSize hasNextPage
  }
}`;
const RECALLED_ORDERS = `query Recalled($filter: OrderFilter) {
  orders(filter: $filter, pageSize: 100) { items { id } totalCount }
}`;

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

async function practiceOrder(id: string, viewer: Viewer = PHARMACIST): Promise<PracticeView> {
  const order = dataOf(await gql<{ order: PracticeView | null }>(PRACTICE_ORDER, { id }, viewer)).order;
  if (!order) throw new Error(`order ${id} is not visible`);
  return order;
}

function approve(id: string, viewer: Viewer, note?: string | null) {
  return gql<{ approvePrescriptionOrder: PracticeView }>(APPROVE, { id, note }, viewer);
}

function reject(id: string, viewer: Viewer, reason: string) {
  return gql<{ rejectPrescriptionOrder: PracticeView }>(REJECT, { id, reason }, viewer);
}

function reservedEvent(orderId: string, lines: LineLots[] = []): EventEnvelope {
  return inventoryReply({ type: 'inventory.reserved', payload: { orderId: Number(orderId), lines } });
}

/** A prescription order of `viewer`'s for `quantity` Amoxicillin, placed and reserved from lot AMX-A. */
async function awaitingReview(viewer: Viewer, quantity = 1): Promise<string> {
  const order = dataOf(
    await gql<{ placeOrder: PracticeView }>(
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

async function reviewRows(orderId: string) {
  return sql<{ decision: string; reviewer_id: number; note: string | null }>(
    'select decision, reviewer_id, note from prescription_review where order_id = ?',
    [Number(orderId)],
  );
}

describe('prescriptions at placement', () => {
  it('keeps the prescription with the order, readable by its customer and staff, and marks the order for review', async () => {
    const before = await counts();
    const reply = await gql<{ placeOrder: PracticeView }>(
      PLACE_PRACTICE,
      {
        input: {
          ...withPrescription({ prescriberName: '  Dr. Ada Lovelace ' }),
          lines: [
            { productId: catalogue.amoxicillin, quantity: 2 },
            { productId: catalogue.ibuprofen, quantity: 1 },
          ],
          shippingAddress: ADDRESS,
        },
      },
      customer(200),
    );
    const order = dataOf(reply).placeOrder;
    expect(order).toEqual({
      id: expect.any(String),
      status: 'PENDING',
      requiresPrescription: true,
      rejectionReason: null,
      prescription: PRESCRIPTION,
      review: null,
      lines: [
        { product: { id: catalogue.amoxicillin }, quantity: 2, lots: [] },
        { product: { id: catalogue.ibuprofen }, quantity: 1, lots: [] },
      ],
      recallNotices: [],
    });
    expect(await practiceOrder(order.id, customer(200))).toEqual(order);
    expect(await practiceOrder(order.id, ADMIN)).toEqual(order);
    expect(
      await sql(
        `select requires_prescription, prescriber_name, prescriber_licence, prescription_issued_on,
                prescription_reference from customer_order where id = ?`,
        [Number(order.id)],
      ),
    ).toEqual([
      {
        requires_prescription: true,
        prescriber_name: 'Dr. Ada Lovelace',
        prescriber_licence: 'GMC-1234567',
        prescription_issued_on: '2026-01-15',
        prescription_reference: 'RX-2026-0001',
      },
    ]);
    expect(await counts()).toEqual({
      ...before,
      orders: before.orders + 1,
      lines: before.lines + 2,
      events: before.events + 1,
      statusChanges: before.statusChanges + 1,
    });
  });

  it('keeps a prescription given for an order that needs none, and the order skips review', async () => {
    const order = dataOf(
      await gql<{ placeOrder: PracticeView }>(
        PLACE_PRACTICE,
        {
          input: {
            lines: [{ productId: catalogue.ibuprofen, quantity: 1 }],
            prescription: PRESCRIPTION,
            shippingAddress: ADDRESS,
          },
        },
        customer(201),
      ),
    ).placeOrder;
    expect(order).toMatchObject({ requiresPrescription: false, prescription: PRESCRIPTION });
    await deliver(reservedEvent(order.id));
    expect(await practiceOrder(order.id)).toMatchObject({ status: 'CONFIRMED', review: null });
  });

  it('counts the prescription in the idempotency fingerprint', async () => {
    const input = { ...withPrescription(), shippingAddress: ADDRESS, idempotencyKey: 'rx-key-1' };
    const first = dataOf(await gql<{ placeOrder: PracticeView }>(PLACE_PRACTICE, { input }, customer(202)));
    const again = dataOf(await gql<{ placeOrder: PracticeView }>(PLACE_PRACTICE, { input }, customer(202)));
    expect(again.placeOrder.id).toBe(first.placeOrder.id);
    const before = await counts();
    const changed = await gql(
      PLACE_PRACTICE,
      { input: { ...input, prescription: { ...PRESCRIPTION, reference: 'RX-2026-0002' } } },
      customer(202),
    );
    expect(expectRefusal(changed, 'CONFLICT', 'input.idempotencyKey').message).toBe(
      `idempotencyKey "rx-key-1" was already used for a different order (${first.placeOrder.id}); use a new key for a new order`,
    );
    expect(await counts()).toEqual(before);
  });
});

describe("inventory's reservation and the review queue", () => {
  it('sends a reserved prescription order to AWAITING_REVIEW and confirms an order without prescription products, storing the lots of each line', async () => {
    const prescriptionOrder = await awaitingReview(customer(210), 3);
    expect(await practiceOrder(prescriptionOrder)).toMatchObject({
      status: 'AWAITING_REVIEW',
      review: null,
      lines: [
        {
          product: { id: catalogue.amoxicillin },
          quantity: 3,
          lots: [{ lotNumber: 'AMX-A', quantity: 3, expiresOn: '2027-03-31' }],
        },
      ],
    });

    const plain = await placed(customer(210), [
      { productId: catalogue.ibuprofen, quantity: 5 },
      { productId: catalogue.paracetamol, quantity: 1 },
    ]);
    await deliver(
      reservedEvent(plain.id, [
        {
          productId: Number(catalogue.ibuprofen),
          lots: [
            { lotNumber: 'IBU-1', expiresOn: '2027-01-31', quantity: 2 },
            { lotNumber: 'IBU-2', expiresOn: '2027-06-30', quantity: 3 },
          ],
        },
        {
          productId: Number(catalogue.paracetamol),
          lots: [{ lotNumber: 'PAR-X', expiresOn: null, quantity: 1 }],
        },
      ]),
    );
    const confirmedOrder = await practiceOrder(plain.id, customer(210));
    expect(confirmedOrder.status).toBe('CONFIRMED');
    expect(confirmedOrder.lines).toEqual([
      {
        product: { id: catalogue.ibuprofen },
        quantity: 5,
        lots: [
          { lotNumber: 'IBU-1', quantity: 2, expiresOn: '2027-01-31' },
          { lotNumber: 'IBU-2', quantity: 3, expiresOn: '2027-06-30' },
        ],
      },
      {
        product: { id: catalogue.paracetamol },
        quantity: 1,
        lots: [{ lotNumber: 'PAR-X', quantity: 1, expiresOn: null }],
      },
    ]);
  });

  it('lists AWAITING_REVIEW orders oldest first for pharmacists and admins, and refuses customers', async () => {
    const first = await awaitingReview(customer(211));
    const second = await awaitingReview(customer(212));
    const queue = dataOf(
      await gql<{ ordersAwaitingReview: { items: { id: string; status: string }[]; totalCount: number } }>(
        REVIEW_QUEUE,
        { pageSize: 100 },
        PHARMACIST,
      ),
    ).ordersAwaitingReview;
    const ids = queue.items.map(({ id }) => id);
    expect(ids.indexOf(first)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(second)).toBeGreaterThan(ids.indexOf(first));
    expect(ids).toEqual([...ids].sort((a, b) => Number(a) - Number(b)));
    expect(new Set(queue.items.map(({ status }) => status))).toEqual(new Set(['AWAITING_REVIEW']));
    const [row] = await sql<{ n: number }>(
      "select count(*)::int as n from customer_order where status = 'AWAITING_REVIEW'",
    );
    expect(queue.totalCount).toBe(row?.n);

    const asAdmin = await gql(REVIEW_QUEUE, { pageSize: 1 }, ADMIN);
    expect(dataOf(asAdmin)).toMatchObject({ ordersAwaitingReview: { pageSize: 1, hasNextPage: true } });
    expect(expectRefusal(await gql(REVIEW_QUEUE, {}, customer(211)), 'FORBIDDEN').message).toBe(
      'ordersAwaitingReview requires the role PHARMACIST or ADMIN',
    );
  });

  it('lets the customer cancel an order awaiting review, announcing order.cancelled', async () => {
    const id = await awaitingReview(customer(213));
    expect(dataOf(await cancel(id, customer(213))).cancelOrder.status).toBe('CANCELLED');
    expect((await announced(id)).map(({ type }) => type)).toEqual(['order.placed', 'order.cancelled']);
    expect(expectRefusal(await approve(id, PHARMACIST), 'CONFLICT', 'id').message).toBe(
      'the order is CANCELLED, not AWAITING_REVIEW: there is nothing to review',
    );
  });

  it('refuses to confirm, reject or ship an order awaiting review by updateOrderStatus', async () => {
    const id = await awaitingReview(customer(214));
    expect(expectRefusal(await updateStatus(id, 'CONFIRMED'), 'CONFLICT', 'status').message).toBe(
      "cannot change the order from AWAITING_REVIEW to CONFIRMED: a prescription order becomes CONFIRMED only through a pharmacist's review (approvePrescriptionOrder or rejectPrescriptionOrder)",
    );
    expect(expectRefusal(await updateStatus(id, 'SHIPPED'), 'CONFLICT', 'status').message).toBe(
      'cannot change the order from AWAITING_REVIEW to SHIPPED: a AWAITING_REVIEW order can only become CANCELLED',
    );
    expect((await statusRow(id))?.status).toBe('AWAITING_REVIEW');
  });
});

describe("the pharmacist's review", () => {
  it('approves: the order becomes CONFIRMED with a review row naming the pharmacist, and nothing is announced', async () => {
    const id = await awaitingReview(customer(220));
    const before = Date.now();
    const approved = dataOf(
      await approve(id, PHARMACIST, '  checked with the prescriber '),
    ).approvePrescriptionOrder;
    expect(approved).toMatchObject({
      id,
      status: 'CONFIRMED',
      rejectionReason: null,
      review: {
        decision: 'APPROVED',
        reviewer: { id: String(PHARMACIST.userId) },
        decidedAt: expect.stringMatching(ISO_INSTANT),
        note: 'checked with the prescriber',
      },
    });
    expect(Date.parse(approved.review?.decidedAt ?? '')).toBeGreaterThanOrEqual(before - 1000);
    expect(await practiceOrder(id, customer(220))).toEqual(approved);
    expect(await reviewRows(id)).toEqual([
      {
        decision: 'APPROVED',
        reviewer_id: PHARMACIST.userId,
        note: 'checked with the prescriber',
      },
    ]);
    expect((await announced(id)).map(({ type }) => type)).toEqual(['order.placed']);
    // Now it ships like any confirmed order.
    expect(dataOf(await updateStatus(id, 'SHIPPED')).updateOrderStatus.status).toBe('SHIPPED');
  });

  it('approves without a note', async () => {
    const id = await awaitingReview(customer(221));
    expect(dataOf(await approve(id, SECOND_PHARMACIST)).approvePrescriptionOrder.review).toMatchObject({
      decision: 'APPROVED',
      reviewer: { id: '3' },
      note: null,
    });
  });

  it('rejects: the order becomes REJECTED with the reason, a review row, and order.rejected in the outbox for inventory', async () => {
    const id = await awaitingReview(customer(222));
    const { body } = await postWithRequestId<{ rejectPrescriptionOrder: PracticeView }>(
      REJECT,
      { id, reason: ' prescriber licence not on the register ' },
      PHARMACIST,
      'req-reject-222',
    );
    expect(dataOf(body).rejectPrescriptionOrder).toMatchObject({
      status: 'REJECTED',
      rejectionReason: 'prescriber licence not on the register',
      review: {
        decision: 'REJECTED',
        reviewer: { id: '2' },
        note: 'prescriber licence not on the register',
      },
    });
    expect(await reviewRows(id)).toEqual([
      {
        decision: 'REJECTED',
        reviewer_id: 2,
        note: 'prescriber licence not on the register',
      },
    ]);
    expect((await announced(id)).at(-1)).toEqual({
      topic: 'order-events',
      type: 'order.rejected',
      version: 1,
      correlationId: 'req-reject-222',
      payload: { orderId: Number(id) },
    });
    expect(expectRefusal(await cancel(id, customer(222)), 'CONFLICT', 'id').message).toBe(
      'a REJECTED order cannot be cancelled',
    );
  });

  it.each<[string, Viewer, string]>([
    ['a customer, even the owner', customer(223), 'approvePrescriptionOrder requires the role PHARMACIST'],
    ['an admin', ADMIN, 'approvePrescriptionOrder requires the role PHARMACIST'],
  ])('refuses %s with FORBIDDEN, writing nothing', async (_, viewer, message) => {
    const id = await awaitingReview(customer(223));
    const before = await counts();
    expect(expectRefusal(await approve(id, viewer), 'FORBIDDEN').message).toBe(message);
    expect(expectRefusal(await reject(id, viewer, 'no'), 'FORBIDDEN').message).toBe(
      message.replace('approve', 'reject'),
    );
    expect(await counts()).toEqual(before);
    expect((await statusRow(id))?.status).toBe('AWAITING_REVIEW');
  });

  it('refuses a pharmacist reviewing their own order with FORBIDDEN, writing nothing', async () => {
    const ownOrder = await awaitingReview(SECOND_PHARMACIST);
    const before = await counts();
    for (const reply of [
      await approve(ownOrder, SECOND_PHARMACIST, 'fine'),
      await reject(ownOrder, SECOND_PHARMACIST, 'no'),
    ]) {
      expect(expectRefusal(reply, 'FORBIDDEN').message).toBe(
        'a pharmacist cannot review their own order: another pharmacist must review it',
      );
    }
    expect(await counts()).toEqual(before);
    expect(dataOf(await approve(ownOrder, PHARMACIST)).approvePrescriptionOrder.status).toBe('CONFIRMED');
  });

  it('answers CONFLICT naming the status for an order not awaiting review, NOT_FOUND for an unknown one', async () => {
    const pending = dataOf(
      await gql<{ placeOrder: PracticeView }>(
        PLACE_PRACTICE,
        { input: { ...withPrescription(), shippingAddress: ADDRESS } },
        customer(224),
      ),
    ).placeOrder;
    const plain = await confirmed(customer(224));
    const before = await counts();
    expect(expectRefusal(await approve(pending.id, PHARMACIST), 'CONFLICT', 'id').message).toBe(
      'the order is PENDING, not AWAITING_REVIEW: there is nothing to review',
    );
    expect(expectRefusal(await reject(plain.id, PHARMACIST, 'no'), 'CONFLICT', 'id').message).toBe(
      'the order is CONFIRMED, not AWAITING_REVIEW: there is nothing to review',
    );
    const approvedOnce = await awaitingReview(customer(224));
    dataOf(await approve(approvedOnce, PHARMACIST));
    const afterApproval = await counts();
    expect(expectRefusal(await approve(approvedOnce, SECOND_PHARMACIST), 'CONFLICT', 'id').message).toBe(
      'the order is CONFIRMED, not AWAITING_REVIEW: there is nothing to review',
    );
    expect(await counts()).toEqual(afterApproval);
    expect(afterApproval.reviews).toBe(before.reviews + 1);
    expect(expectRefusal(await approve('999999', PHARMACIST), 'NOT_FOUND').message).toBe(
      'order 999999 was not found',
    );
  });

  it('refuses a note or reason over 2,000 characters and a blank reason with BAD_USER_INPUT, writing nothing', async () => {
    const id = await awaitingReview(customer(225));
    const before = await counts();
    expect(
      expectRefusal(await approve(id, PHARMACIST, 'n'.repeat(2001)), 'BAD_USER_INPUT', 'note').message,
    ).toBe('note: must be at most 2000 characters');
    expect(
      expectRefusal(await reject(id, PHARMACIST, 'r'.repeat(2001)), 'BAD_USER_INPUT', 'reason').message,
    ).toBe('reason: must be at most 2000 characters');
    expect(expectRefusal(await reject(id, PHARMACIST, '   '), 'BAD_USER_INPUT', 'reason').message).toBe(
      'reason: must not be empty',
    );
    expect(await counts()).toEqual(before);
    expect(
      dataOf(await approve(id, PHARMACIST, 'n'.repeat(2000))).approvePrescriptionOrder.review?.note,
    ).toHaveLength(2000);
  });

  it('lets exactly one of two pharmacists racing to approve and reject the same order win; the other gets CONFLICT', async () => {
    for (let round = 0; round < 6; round += 1) {
      const id = await awaitingReview(customer(226));
      const [approval, rejection] = await Promise.all([
        approve(id, PHARMACIST, 'looks right'),
        reject(id, SECOND_PHARMACIST, 'dose too high'),
      ]);
      const winners = [approval, rejection].filter((reply) => reply.errors === undefined);
      const losers = [approval, rejection].filter((reply) => reply.errors !== undefined);
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(1);
      const [loser] = losers;
      if (!loser) throw new Error('no loser');
      expect(expectRefusal(loser, 'CONFLICT', 'id').message).toMatch(
        /^the order is (CONFIRMED|REJECTED), not AWAITING_REVIEW: there is nothing to review$/,
      );
      const rows = await reviewRows(id);
      expect(rows).toHaveLength(1);
      const status = (await statusRow(id))?.status;
      expect(status).toBe(rows[0]?.decision === 'APPROVED' ? 'CONFIRMED' : 'REJECTED');
      const rejectedEvents = (await announced(id)).filter(({ type }) => type === 'order.rejected');
      expect(rejectedEvents).toHaveLength(status === 'REJECTED' ? 1 : 0);
    }
  });

  it('is guaranteed by the database: a prescription order cannot be CONFIRMED, SHIPPED or DELIVERED without an APPROVED review, and a review is final', async () => {
    const id = Number(await awaitingReview(customer(227)));
    for (const status of ['CONFIRMED', 'SHIPPED', 'DELIVERED']) {
      await expect(sql('update customer_order set status = ? where id = ?', [status, id])).rejects.toThrow(
        `order ${id} needs a prescription and has no approved review: it cannot be ${status}`,
      );
    }
    expect((await statusRow(String(id)))?.status).toBe('AWAITING_REVIEW');

    // A rejection row does not count as an approval.
    const rejectedId = Number(await awaitingReview(customer(227)));
    await expect(
      orders.subgraph.orm.em.fork().transactional(async (em) => {
        await em.execute(
          "insert into prescription_review (order_id, decision, reviewer_id, decided_at, note) values (?, 'REJECTED', 2, now(), 'no')",
          [rejectedId],
        );
        await em.execute("update customer_order set status = 'CONFIRMED' where id = ?", [rejectedId]);
      }),
    ).rejects.toThrow('has no approved review');
    expect(await reviewRows(String(rejectedId))).toEqual([]);

    // An approval in the same transaction, in either order, is what lets it through (checked at commit).
    await orders.subgraph.orm.em.fork().transactional(async (em) => {
      await em.execute("update customer_order set status = 'CONFIRMED' where id = ?", [id]);
      await em.execute(
        "insert into prescription_review (order_id, decision, reviewer_id, decided_at) values (?, 'APPROVED', 2, now())",
        [id],
      );
    });
    expect((await statusRow(String(id)))?.status).toBe('CONFIRMED');
    await expect(sql('delete from prescription_review where order_id = ?', [id])).rejects.toThrow(
      'a prescription review is final: it cannot be changed or removed',
    );
    await expect(
      sql(
        "update prescription_review set decision = 'REJECTED', note = 'changed my mind' where order_id = ?",
        [id],
      ),
    ).rejects.toThrow('a prescription review is final');
    await expect(
      sql(
        "insert into prescription_review (order_id, decision, reviewer_id, decided_at, note) values (?, 'REJECTED', 3, now(), 'late')",
        [id],
      ),
    ).rejects.toThrow('prescription_review_order');
  });
});

describe('recalled and quarantined lots', () => {
  function lotsChanged(
    orderId: string,
    change: { lotNumber: string; lotStatus: 'RECALLED' | 'QUARANTINED'; covered: boolean; lines: LineLots[] },
  ): EventEnvelope {
    return inventoryReply({
      type: 'inventory.order-lots-changed',
      payload: {
        orderId: Number(orderId),
        productId: Number(catalogue.ibuprofen),
        reason: 'supplier recall 2026-11',
        ...change,
      },
    });
  }

  /** A confirmed order of 4 Ibuprofen from lots IBU-R (3) and IBU-S (1). */
  async function confirmedFromTwoLots(viewer: Viewer): Promise<string> {
    const order = await placed(viewer, [{ productId: catalogue.ibuprofen, quantity: 4 }]);
    await deliver(
      reservedEvent(order.id, [
        {
          productId: Number(catalogue.ibuprofen),
          lots: [
            { lotNumber: 'IBU-R', expiresOn: '2027-01-31', quantity: 3 },
            { lotNumber: 'IBU-S', expiresOn: '2027-05-31', quantity: 1 },
          ],
        },
      ]),
    );
    return order.id;
  }

  it('replaces the lots, records the notice and refuses to ship while the order still holds the uncovered lot', async () => {
    const id = await confirmedFromTwoLots(customer(230));
    const event = lotsChanged(id, {
      lotNumber: 'IBU-R',
      lotStatus: 'QUARANTINED',
      covered: false,
      lines: [
        {
          productId: Number(catalogue.ibuprofen),
          lots: [
            { lotNumber: 'IBU-R', expiresOn: '2027-01-31', quantity: 3 },
            { lotNumber: 'IBU-S', expiresOn: '2027-05-31', quantity: 1 },
          ],
        },
      ],
    });
    await deliver(event);
    const order = await practiceOrder(id, customer(230));
    expect(order.recallNotices).toEqual([
      {
        product: { id: catalogue.ibuprofen },
        lotNumber: 'IBU-R',
        lotStatus: 'QUARANTINED',
        reason: 'supplier recall 2026-11',
        covered: false,
        noticedAt: expect.stringMatching(ISO_INSTANT),
        resolvedAt: null,
      },
    ]);
    expect(order.status).toBe('CONFIRMED');
    const before = await counts();
    expect(expectRefusal(await updateStatus(id, 'SHIPPED'), 'CONFLICT', 'status').message).toBe(
      'the order cannot ship: it still holds lot IBU-R of Ibuprofen 200mg (IBU-200), QUARANTINED (supplier recall 2026-11), which inventory could not replace from other lots',
    );
    expect(await counts()).toEqual(before);
    expect((await statusRow(id))?.status).toBe('CONFIRMED');

    // Duplicate delivery: nothing changes.
    const lotsBefore = await sql('select * from order_line_lot order by id');
    await deliver(event, 2);
    expect((await practiceOrder(id)).recallNotices).toHaveLength(1);
    expect(await sql('select * from order_line_lot order by id')).toEqual(lotsBefore);
    expect(await processedCount(event.id)).toBe(1);

    // Staff find it; it can still be cancelled (inventory releases the stock).
    const withNotice = dataOf(
      await gql<{ orders: { items: { id: string }[] } }>(
        RECALLED_ORDERS,
        { filter: { hasRecallNotice: true } },
        PHARMACIST,
      ),
    ).orders.items.map((item) => item.id);
    expect(withNotice).toContain(id);
    const withoutNotice = dataOf(
      await gql<{ orders: { items: { id: string }[]; totalCount: number } }>(
        RECALLED_ORDERS,
        { filter: { hasRecallNotice: false, userId: '230' } },
        PHARMACIST,
      ),
    ).orders;
    expect(withoutNotice.totalCount).toBe(0);
    expect(dataOf(await cancel(id, customer(230))).cancelOrder.status).toBe('CANCELLED');
  });

  it('lets an order ship once the quarantined lot it still holds is released, once however often that is delivered', async () => {
    const id = await confirmedFromTwoLots(customer(232));
    const lines = [
      {
        productId: Number(catalogue.ibuprofen),
        lots: [
          { lotNumber: 'IBU-R', expiresOn: '2027-01-31', quantity: 3 },
          { lotNumber: 'IBU-S', expiresOn: '2027-05-31', quantity: 1 },
        ],
      },
    ];
    await deliver(lotsChanged(id, { lotNumber: 'IBU-R', lotStatus: 'QUARANTINED', covered: false, lines }));
    expectRefusal(await updateStatus(id, 'SHIPPED'), 'CONFLICT', 'status');

    const released = inventoryReply({
      type: 'inventory.lot-released',
      payload: { productId: Number(catalogue.ibuprofen), lotNumber: 'IBU-R', reason: 'tested: within range' },
    });
    await deliver(released);
    await deliver(released, 2);
    const [notice] = (await practiceOrder(id)).recallNotices;
    expect(notice).toMatchObject({
      lotNumber: 'IBU-R',
      covered: false,
      resolvedAt: expect.stringMatching(ISO_INSTANT),
    });
    expect(await processedCount(released.id)).toBe(1);
    expect(dataOf(await updateStatus(id, 'SHIPPED')).updateOrderStatus.status).toBe('SHIPPED');
  });

  it('lets an order ship once its units of the withdrawn lot were moved to other lots', async () => {
    const id = await confirmedFromTwoLots(customer(231));
    await deliver(
      lotsChanged(id, {
        lotNumber: 'IBU-R',
        lotStatus: 'RECALLED',
        covered: true,
        lines: [
          {
            productId: Number(catalogue.ibuprofen),
            lots: [
              { lotNumber: 'IBU-S', expiresOn: '2027-05-31', quantity: 1 },
              { lotNumber: 'IBU-T', expiresOn: '2027-08-31', quantity: 3 },
            ],
          },
        ],
      }),
    );
    const order = await practiceOrder(id);
    expect(order.lines[0]?.lots).toEqual([
      { lotNumber: 'IBU-S', quantity: 1, expiresOn: '2027-05-31' },
      { lotNumber: 'IBU-T', quantity: 3, expiresOn: '2027-08-31' },
    ]);
    expect(order.recallNotices).toMatchObject([{ lotNumber: 'IBU-R', lotStatus: 'RECALLED', covered: true }]);
    expect(dataOf(await updateStatus(id, 'SHIPPED')).updateOrderStatus.status).toBe('SHIPPED');
  });

  it('keeps the newer lots when a lots change overtakes the reservation on the bus', async () => {
    const order = await placed(customer(232), [{ productId: catalogue.ibuprofen, quantity: 2 }]);
    await deliver(
      lotsChanged(order.id, {
        lotNumber: 'IBU-R',
        lotStatus: 'RECALLED',
        covered: true,
        lines: [
          {
            productId: Number(catalogue.ibuprofen),
            lots: [{ lotNumber: 'IBU-T', expiresOn: null, quantity: 2 }],
          },
        ],
      }),
    );
    await deliver(
      reservedEvent(order.id, [
        {
          productId: Number(catalogue.ibuprofen),
          lots: [{ lotNumber: 'IBU-R', expiresOn: '2027-01-31', quantity: 2 }],
        },
      ]),
    );
    expect(await practiceOrder(order.id)).toMatchObject({
      status: 'CONFIRMED',
      lines: [{ lots: [{ lotNumber: 'IBU-T', quantity: 2, expiresOn: null }] }],
    });
  });

  it('acknowledges lot expiry events without touching any order', async () => {
    const id = await confirmedFromTwoLots(customer(233));
    const before = await practiceOrder(id);
    for (const type of ['inventory.lot-expiring', 'inventory.lot-expired'] as const) {
      const event = inventoryReply({
        type,
        payload: {
          productId: Number(catalogue.ibuprofen),
          lotNumber: 'IBU-R',
          expiresOn: '2027-01-31',
          quantity: 3,
        },
      });
      await deliver(event);
      expect(await processedCount(event.id)).toBe(1);
    }
    expect(await practiceOrder(id)).toEqual(before);
  });
});

describe('the status trail', () => {
  interface ChangeView {
    from: string | null;
    to: string;
    actor: { id: string } | null;
    actorRole: string | null;
    eventType: string | null;
    eventId: string | null;
    reason: string | null;
    occurredAt: string;
  }

  async function history(id: string, viewer: Viewer = PHARMACIST): Promise<ChangeView[]> {
    const order = dataOf(
      await gql<{ order: { statusHistory: ChangeView[] } | null }>(STATUS_HISTORY, { id }, viewer),
    ).order;
    if (!order) throw new Error('no order');
    return order.statusHistory;
  }

  const at = expect.stringMatching(ISO_INSTANT);

  it('records who or which event made every change of a prescription order, and why', async () => {
    const order = dataOf(
      await gql<{ placeOrder: PracticeView }>(
        PLACE_PRACTICE,
        { input: { ...withPrescription(), shippingAddress: ADDRESS } },
        customer(240),
      ),
    ).placeOrder;
    const reserved = reservedEvent(order.id, [
      {
        productId: Number(catalogue.amoxicillin),
        lots: [{ lotNumber: 'AMX-A', expiresOn: null, quantity: 1 }],
      },
    ]);
    await deliver(reserved);
    dataOf(await approve(order.id, PHARMACIST, 'verified by phone'));
    dataOf(await updateStatus(order.id, 'SHIPPED', ADMIN));
    expect(await history(order.id, ADMIN)).toEqual([
      {
        from: null,
        to: 'PENDING',
        actor: { id: '240' },
        actorRole: 'CUSTOMER',
        eventType: null,
        eventId: null,
        reason: null,
        occurredAt: at,
      },
      {
        from: 'PENDING',
        to: 'AWAITING_REVIEW',
        actor: null,
        actorRole: null,
        eventType: 'inventory.reserved',
        eventId: reserved.id,
        reason: "stock reserved; a pharmacist's review is due",
        occurredAt: at,
      },
      {
        from: 'AWAITING_REVIEW',
        to: 'CONFIRMED',
        actor: { id: '2' },
        actorRole: 'PHARMACIST',
        eventType: null,
        eventId: null,
        reason: 'verified by phone',
        occurredAt: at,
      },
      {
        from: 'CONFIRMED',
        to: 'SHIPPED',
        actor: { id: '1' },
        actorRole: 'ADMIN',
        eventType: null,
        eventId: null,
        reason: null,
        occurredAt: at,
      },
    ]);
    const times = (await history(order.id)).map(({ occurredAt }) => Date.parse(occurredAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it("records inventory's rejection with its reason, a pharmacist's rejection and a customer's cancellation", async () => {
    const short = await placed(customer(241));
    const rejection = inventoryReply({
      type: 'inventory.rejected',
      payload: {
        orderId: Number(short.id),
        shortages: [{ productId: Number(catalogue.ibuprofen), requested: 1, available: 0 }],
      },
    });
    await deliver(rejection);
    expect((await history(short.id)).at(-1)).toEqual({
      from: 'PENDING',
      to: 'REJECTED',
      actor: null,
      actorRole: null,
      eventType: 'inventory.rejected',
      eventId: rejection.id,
      reason: 'not enough stock for Ibuprofen 200mg (IBU-200): 1 ordered, 0 available',
      occurredAt: at,
    });

    const refused = await awaitingReview(customer(241));
    dataOf(await reject(refused, SECOND_PHARMACIST, 'expired prescription'));
    expect((await history(refused)).at(-1)).toMatchObject({
      from: 'AWAITING_REVIEW',
      to: 'REJECTED',
      actor: { id: '3' },
      actorRole: 'PHARMACIST',
      eventType: null,
      reason: 'expired prescription',
    });

    const cancelled = await placed(customer(241));
    dataOf(await cancel(cancelled.id, customer(241)));
    expect(
      (await history(cancelled.id)).map(({ from, to, actor, actorRole }) => ({ from, to, actor, actorRole })),
    ).toEqual([
      { from: null, to: 'PENDING', actor: { id: '241' }, actorRole: 'CUSTOMER' },
      { from: 'PENDING', to: 'CANCELLED', actor: { id: '241' }, actorRole: 'CUSTOMER' },
    ]);
  });

  it('shows the trail to staff only: a customer reading it on their own order gets FORBIDDEN', async () => {
    const order = await placed(customer(242));
    const reply = await gql(STATUS_HISTORY, { id: order.id }, customer(242));
    expect(reply.errors?.[0]).toMatchObject({
      message: 'statusHistory requires the role PHARMACIST or ADMIN',
      extensions: { code: 'FORBIDDEN' },
    });
  });
});
