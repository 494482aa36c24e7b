/**
 * Pharmacy practice end to end through the real router: the four real subgraphs on fresh databases and
 * the event bus between orders and inventory, on each bus of ./support/saga-buses.ts.
 *
 * - A prescription order: stock received in lots with expiry, reserved first-expiring-first (split across
 *   lots), held for a pharmacist's review, approved (by a registered pharmacist, whose name the review
 *   shows), shipped from the lots it holds, and every step in the order's status trail and the product's
 *   ledger; a second one rejected in review gives its stock back.
 * - A recall: an open order holding the recalled lot is moved to another lot and told so, the lot is
 *   traceable to it, and stock that exists only in a recalled lot cannot be ordered. A quarantined lot no
 *   other lot can replace keeps its order from shipping until the lot is released.
 * - Quantity limits per order, and two pharmacists racing to decide the same order.
 *
 * One stack per bus serves every test of that bus; each test has products (SKUs) and customers of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { addDays, today } from '../lib/calendar-day.ts';
import type { PharmacyClient, PrescriptionInput } from '../sdk/index.ts';
import { apiErrorOf, asViewer, clientFor, onlyErrorOf } from './support/client.ts';
import {
  placeOrder,
  readOrder,
  readStock,
  waitUntilDecided,
  type Order,
  type StockLevels,
} from './support/saga.ts';
import { reportSkippedPubSub, SAGA_BUSES, type RunningBus } from './support/saga-buses.ts';
import { dataOf, postGraphQL } from './support/graphql.ts';
import { bearer, type TestStack } from './support/services.ts';
import { waitFor } from './support/waiting.ts';

/** Generous: other test files share the machine's two cores. */
const SAGA_TIMEOUT_MS = 30_000;

/** The staff member (an administrator) who stocks, ships and recalls; minted, never a reviewer. */
const STAFF_ID = 9001;

const PRESCRIPTION: PrescriptionInput = {
  prescriberName: 'Dr. Ada Lovelace',
  prescriberLicence: 'GMC-7654321',
  issuedOn: '2026-01-15',
  reference: 'upload-4711',
};

/** The day `days` from today (UTC), as receiveStock takes expiry days. */
const inDays = (days: number): string => addDays(today(), days);

/** A lot as `lots` lists it under its product. */
const withoutProduct = <TLot extends { product: unknown }>({ product: _product, ...lot }: TLot) => lot;

reportSkippedPubSub('pharmacy practice');

describe.each(SAGA_BUSES)('pharmacy practice through the router on the $name bus', (bus) => {
  let running: RunningBus;
  let stack: TestStack;
  let staff: PharmacyClient;

  beforeAll(async () => {
    running = await bus.start();
    stack = running.stack;
    staff = await clientFor(stack, { userId: STAFF_ID, role: 'ADMIN' });
  }, 120_000);

  afterAll(async () => {
    await running?.stop();
  });

  const customerClient = (userId: number): Promise<PharmacyClient> =>
    clientFor(stack, { userId, role: 'CUSTOMER' });

  interface Pharmacist {
    id: string;
    username: string;
    client: PharmacyClient;
  }

  /** A pharmacist with an account: registered, promoted by an administrator, logged in. */
  const registeredPharmacist = async (username: string): Promise<Pharmacist> => {
    const anonymous = asViewer(stack.routerUrl);
    const password = `${username} knows the formulary`;
    const { register } = await anonymous.register({
      input: { email: `${username}@pharmacy.example`, username, password },
    });
    const { setUserRole } = await staff.setUserRole({ userId: register.id, role: 'PHARMACIST' });
    expect(setUserRole.role).toBe('PHARMACIST');
    const { login } = await anonymous.login({ username, password });
    return { id: register.id, username, client: asViewer(stack.routerUrl, login.accessToken) };
  };

  /**
   * The review's reviewer with their account's username, as staff read it (the SDK's OrderFields asks only
   * for the reviewer's id: a customer may read no account but their own).
   */
  const reviewerOf = async (orderId: string) => {
    const response = await postGraphQL<{ order: { review: { reviewer: { id: string; username: string } } } }>(
      stack.routerUrl,
      'query($id: ID!) { order(id: $id) { review { reviewer { id username } } } }',
      { id: orderId },
      bearer(await stack.tokenFor({ userId: STAFF_ID, role: 'ADMIN' })),
    );
    return dataOf(response).order.review.reviewer;
  };

  const createProduct = async (sku: string, name: string, extra: { requiresPrescription?: boolean } = {}) =>
    (await staff.createProduct({ input: { sku, name, price: '12.00', category: 'Test', ...extra } }))
      .createProduct.id;

  const receive = (productId: string, lotNumber: string, expiresOn: string, quantity: number) =>
    staff.receiveStock({ productId, lotNumber, expiresOn, quantity });

  /** The product's lots (first to expire first), without the product. */
  const lotsOf = async (productId: string) =>
    (await staff.lots({ productId })).inventory.lots.map(withoutProduct);

  /** The product's ledger, newest first, without ids and times. */
  const movementsOf = async (productId: string) =>
    (await staff.inventory({ productId, movementsPageSize: 100 })).inventory.movements.items.map(
      ({ id: _id, occurredAt: _at, quantityAfter: _q, reservedAfter: _r, ...movement }) => movement,
    );

  const waitForOrder = (what: string, id: string, check: (order: Order) => boolean): Promise<Order> =>
    waitFor(
      what,
      async () => {
        const order = await readOrder(staff, id);
        return order !== null && check(order) ? order : undefined;
      },
      SAGA_TIMEOUT_MS,
    );

  const stockWhen = (productId: string, what: string, check: (stock: StockLevels) => boolean) =>
    waitFor(
      what,
      async () => {
        const stock = await readStock(staff, productId);
        return check(stock) ? stock : undefined;
      },
      SAGA_TIMEOUT_MS,
    );

  describe('a prescription order', () => {
    let paula: Pharmacist;

    beforeAll(async () => {
      paula = await registeredPharmacist('paula');
    });

    it('is reserved first-expiring-first, reviewed, approved, shipped from its lots, and audited at every step', async () => {
      const customerId = 501;
      const customer = await customerClient(customerId);
      const productId = await createProduct('RX-AMOX', 'Amoxicillin 500mg', { requiresPrescription: true });
      // The later lot is received first: the order of receipt does not decide what is drawn.
      const late = await receive(productId, 'amx-late', inDays(200), 10);
      const soon = await receive(productId, 'AMX-SOON', inDays(30), 4);
      const product = { id: productId, sku: 'RX-AMOX', name: 'Amoxicillin 500mg' };
      expect(late.receiveStock).toEqual({
        product,
        lotNumber: 'AMX-LATE',
        expiresOn: inDays(200),
        quantity: 10,
        reserved: 0,
        available: 10,
        status: 'RELEASED',
        statusReason: null,
      });
      expect(soon.receiveStock).toMatchObject({ lotNumber: 'AMX-SOON', expiresOn: inDays(30), available: 4 });

      // Without a prescription: refused, nothing written.
      const missing = await onlyErrorOf(placeOrder(customer, [{ productId, quantity: 6 }]));
      expect(missing).toMatchObject({
        message:
          'input.prescription: Amoxicillin 500mg (RX-AMOX) needs a prescription: give the prescriber, their licence number, the issue date and a reference',
        extensions: { code: 'BAD_USER_INPUT', field: 'input.prescription' },
      });
      expect((await staff.orders({ filter: { userId: String(customerId) } })).orders.totalCount).toBe(0);

      // 6 units: the 4 of the first-expiring lot, then 2 of the later one.
      const placed = await placeOrder(customer, [{ productId, quantity: 6 }], { prescription: PRESCRIPTION });
      expect(placed).toMatchObject({
        status: 'PENDING',
        total: '72.00',
        requiresPrescription: true,
        prescription: PRESCRIPTION,
        review: null,
        lines: [{ product, quantity: 6, lots: [] }],
      });
      const awaiting = await waitUntilDecided(customer, placed.id, SAGA_TIMEOUT_MS);
      expect(awaiting.status).toBe('AWAITING_REVIEW');
      const lots = [
        { lotNumber: 'AMX-SOON', quantity: 4, expiresOn: inDays(30) },
        { lotNumber: 'AMX-LATE', quantity: 2, expiresOn: inDays(200) },
      ];
      expect(awaiting.lines).toEqual([{ ...placed.lines[0], lots }]);
      expect(awaiting.review).toBeNull();
      expect(await readStock(staff, productId)).toMatchObject({ quantity: 14, reserved: 6, available: 8 });
      const queue = (await paula.client.ordersAwaitingReview()).ordersAwaitingReview.items;
      expect(queue.map(({ id }) => id)).toContain(placed.id);

      // Only a pharmacist decides: not the customer, not an administrator.
      for (const [who, client] of [
        ['customer', customer],
        ['administrator', staff],
      ] as const) {
        const refused = await apiErrorOf(client.approvePrescriptionOrder({ id: placed.id }));
        expect({ who, code: refused.code, message: refused.message }).toEqual({
          who,
          code: 'FORBIDDEN',
          message: 'approvePrescriptionOrder requires the role PHARMACIST',
        });
      }
      expect((await readOrder(staff, placed.id))?.status).toBe('AWAITING_REVIEW');

      const note = 'dose checked against the prescription';
      const { approvePrescriptionOrder: approved } = await paula.client.approvePrescriptionOrder({
        id: placed.id,
        note,
      });
      const review = {
        decision: 'APPROVED',
        reviewer: { id: paula.id },
        decidedAt: expect.any(String),
        note,
      };
      expect(approved).toMatchObject({ status: 'CONFIRMED', review, lines: awaiting.lines });
      expect((await readOrder(customer, placed.id))?.review).toEqual(review);
      expect(await reviewerOf(placed.id)).toEqual({ id: paula.id, username: 'paula' });
      const again = await apiErrorOf(paula.client.approvePrescriptionOrder({ id: placed.id }));
      expect(again.code).toBe('CONFLICT');
      expect((await paula.client.ordersAwaitingReview()).ordersAwaitingReview.items).toEqual([]);

      const { updateOrderStatus: shipped } = await staff.updateOrderStatus({
        id: placed.id,
        status: 'SHIPPED',
      });
      expect(shipped).toMatchObject({ status: 'SHIPPED', lines: awaiting.lines });
      const afterShipping = await stockWhen(productId, 'the shipped units to leave the lots', (stock) => {
        return stock.quantity === 8;
      });
      expect(afterShipping).toMatchObject({ quantity: 8, reserved: 0, available: 8 });
      // The first-expiring lot is empty and drops off the list.
      expect(await lotsOf(productId)).toEqual([
        {
          lotNumber: 'AMX-LATE',
          expiresOn: inDays(200),
          quantity: 8,
          reserved: 0,
          available: 8,
          status: 'RELEASED',
          statusReason: null,
        },
      ]);

      const trail = (await staff.orderStatusHistory({ id: placed.id })).order?.statusHistory;
      const byPerson = { eventType: null, eventId: null, occurredAt: expect.any(String) };
      expect(trail).toEqual([
        {
          from: null,
          to: 'PENDING',
          actor: { id: String(customerId) },
          actorRole: 'CUSTOMER',
          reason: null,
          ...byPerson,
        },
        {
          from: 'PENDING',
          to: 'AWAITING_REVIEW',
          actor: null,
          actorRole: null,
          eventType: 'inventory.reserved',
          eventId: expect.any(String),
          reason: "stock reserved; a pharmacist's review is due",
          occurredAt: expect.any(String),
        },
        {
          from: 'AWAITING_REVIEW',
          to: 'CONFIRMED',
          actor: { id: paula.id },
          actorRole: 'PHARMACIST',
          reason: note,
          ...byPerson,
        },
        {
          from: 'CONFIRMED',
          to: 'SHIPPED',
          actor: { id: String(STAFF_ID) },
          actorRole: 'ADMIN',
          reason: null,
          ...byPerson,
        },
      ]);
      // The trail is for staff.
      expect((await apiErrorOf(customer.orderStatusHistory({ id: placed.id }))).code).toBe('FORBIDDEN');

      const orderId = placed.id;
      const byEvent = (eventType: string) => ({
        actor: null,
        actorRole: null,
        eventType,
        eventId: expect.any(String),
        orderId,
      });
      const byStaff = { actor: { id: String(STAFF_ID) }, actorRole: 'ADMIN', eventType: null, eventId: null };
      const shipment = (lotNumber: string, units: number) => ({
        kind: 'SHIPMENT',
        lotNumber,
        delta: -units,
        reservedDelta: -units,
        reason: `shipped with order ${orderId}`,
        ...byEvent('order.shipped'),
      });
      const reservation = (lotNumber: string, units: number) => ({
        kind: 'RESERVATION',
        lotNumber,
        delta: 0,
        reservedDelta: units,
        reason: `reserved for order ${orderId}`,
        ...byEvent('order.placed'),
      });
      const receipt = (lotNumber: string, units: number) => ({
        kind: 'RECEIPT',
        lotNumber,
        delta: units,
        reservedDelta: 0,
        reason: `received lot ${lotNumber}`,
        orderId: null,
        ...byStaff,
      });
      // Newest first; within one step, the lot drawn last first.
      expect(await movementsOf(productId)).toEqual([
        shipment('AMX-LATE', 2),
        shipment('AMX-SOON', 4),
        reservation('AMX-LATE', 2),
        reservation('AMX-SOON', 4),
        receipt('AMX-SOON', 4),
        receipt('AMX-LATE', 10),
      ]);
    }, 90_000);

    it('gives back the stock of an order rejected in review, with the reason on the order', async () => {
      const customer = await customerClient(502);
      const productId = await createProduct('RX-INSULIN', 'Insulin Glargine', { requiresPrescription: true });
      await receive(productId, 'INS-1', inDays(90), 5);
      const placed = await placeOrder(customer, [{ productId, quantity: 3 }], { prescription: PRESCRIPTION });
      const awaiting = await waitUntilDecided(customer, placed.id, SAGA_TIMEOUT_MS);
      expect(awaiting.status).toBe('AWAITING_REVIEW');
      expect(awaiting.lines[0]?.lots).toEqual([{ lotNumber: 'INS-1', quantity: 3, expiresOn: inDays(90) }]);
      expect(await readStock(staff, productId)).toMatchObject({ reserved: 3, available: 2 });

      const reason = 'the prescription is for a different strength';
      const { rejectPrescriptionOrder: rejected } = await paula.client.rejectPrescriptionOrder({
        id: placed.id,
        reason,
      });
      expect(rejected).toMatchObject({
        status: 'REJECTED',
        rejectionReason: reason,
        review: {
          decision: 'REJECTED',
          reviewer: { id: paula.id },
          decidedAt: expect.any(String),
          note: reason,
        },
      });
      expect(await reviewerOf(placed.id)).toEqual({ id: paula.id, username: 'paula' });
      expect(
        await stockWhen(
          productId,
          'the rejected order to release its stock',
          (stock) => stock.available === 5,
        ),
      ).toEqual({
        quantity: 5,
        reserved: 0,
        available: 5,
        reorderLevel: 0,
        isLowStock: false,
      });
      const [release] = await movementsOf(productId);
      expect(release).toEqual({
        kind: 'RELEASE',
        lotNumber: 'INS-1',
        delta: 0,
        reservedDelta: -3,
        reason: `released: order ${placed.id} rejected in review`,
        orderId: placed.id,
        actor: null,
        actorRole: null,
        eventType: 'order.rejected',
        eventId: expect.any(String),
      });
      const trail = (await staff.orderStatusHistory({ id: placed.id })).order?.statusHistory ?? [];
      expect(trail.at(-1)).toMatchObject({
        from: 'AWAITING_REVIEW',
        to: 'REJECTED',
        actor: { id: paula.id },
        actorRole: 'PHARMACIST',
        reason,
      });
    }, 60_000);

    it('lets exactly one of two pharmacists racing to approve and reject decide; the other gets CONFLICT', async () => {
      const pete = await registeredPharmacist('pete');
      const customer = await customerClient(503);
      const productId = await createProduct('RX-RACE', 'Atorvastatin 20mg', { requiresPrescription: true });
      await receive(productId, 'ATV-1', inDays(365), 30);
      const orders = await Promise.all(
        [1, 2, 3].map(() =>
          placeOrder(customer, [{ productId, quantity: 2 }], { prescription: PRESCRIPTION }),
        ),
      );
      for (const { id } of orders) {
        expect((await waitUntilDecided(customer, id, SAGA_TIMEOUT_MS)).status).toBe('AWAITING_REVIEW');
      }

      const outcomes = await Promise.all(
        orders.map(async ({ id }) => {
          const [approval, rejection] = await Promise.allSettled([
            paula.client.approvePrescriptionOrder({ id, note: 'fine' }),
            pete.client.rejectPrescriptionOrder({ id, reason: 'not fine' }),
          ]);
          const decided = await readOrder(staff, id);
          return { approval, rejection, decided };
        }),
      );
      for (const { approval, rejection, decided } of outcomes) {
        const [winner, loser] =
          approval.status === 'fulfilled' ? [approval, rejection] : [rejection, approval];
        expect(winner.status).toBe('fulfilled');
        expect(loser.status).toBe('rejected');
        expect(loser.status === 'rejected' && (loser.reason as { code?: string }).code).toBe('CONFLICT');
        const approvedWon = winner === approval;
        const reviewer = approvedWon ? paula : pete;
        expect(await reviewerOf(decided?.id ?? '')).toEqual({ id: reviewer.id, username: reviewer.username });
        expect(decided).toMatchObject({
          status: approvedWon ? 'CONFIRMED' : 'REJECTED',
          review: {
            decision: approvedWon ? 'APPROVED' : 'REJECTED',
            reviewer: { id: reviewer.id },
            note: approvedWon ? 'fine' : 'not fine',
          },
        });
      }
      // The rejected ones give their units back; the approved ones keep them.
      const approvedCount = outcomes.filter(({ decided }) => decided?.status === 'CONFIRMED').length;
      const stock = await stockWhen(
        productId,
        'the orders rejected in the race to release their stock',
        (stock) => stock.available === 30 - 2 * approvedCount,
      );
      expect(stock).toMatchObject({ quantity: 30, reserved: 2 * approvedCount });
    }, 90_000);
  });

  it('moves an open order off a recalled lot to another lot, traces the lot to it, and refuses stock only a recalled lot holds', async () => {
    const customer = await customerClient(504);
    const productId = await createProduct('RECALL-1', 'Cetirizine 10mg');
    await receive(productId, 'CET-A', inDays(60), 5);
    await receive(productId, 'CET-B', inDays(120), 10);
    const placed = await placeOrder(customer, [{ productId, quantity: 3 }]);
    const confirmed = await waitUntilDecided(customer, placed.id, SAGA_TIMEOUT_MS);
    expect(confirmed.status).toBe('CONFIRMED');
    expect(confirmed.lines[0]?.lots).toEqual([{ lotNumber: 'CET-A', quantity: 3, expiresOn: inDays(60) }]);

    const reason = 'contamination reported by the manufacturer';
    const { recallLot } = await staff.recallLot({ productId, lotNumber: 'CET-A', reason });
    expect(recallLot).toEqual({
      product: { id: productId, sku: 'RECALL-1', name: 'Cetirizine 10mg' },
      lotNumber: 'CET-A',
      expiresOn: inDays(60),
      quantity: 5,
      // The order's units moved to CET-B.
      reserved: 0,
      available: 0,
      status: 'RECALLED',
      statusReason: reason,
    });

    const moved = await waitForOrder('the recall notice to reach the order', placed.id, (order) => {
      return order.recallNotices.length > 0;
    });
    expect(moved.status).toBe('CONFIRMED');
    expect(moved.lines[0]?.lots).toEqual([{ lotNumber: 'CET-B', quantity: 3, expiresOn: inDays(120) }]);
    expect(moved.recallNotices).toEqual([
      {
        product: { id: productId },
        lotNumber: 'CET-A',
        lotStatus: 'RECALLED',
        reason,
        covered: true,
        noticedAt: expect.any(String),
        resolvedAt: null,
      },
    ]);
    // The customer sees it too, and staff can list the orders concerned.
    expect((await readOrder(customer, placed.id))?.recallNotices).toEqual(moved.recallNotices);
    const flagged = (await staff.orders({ filter: { hasRecallNotice: true } })).orders.items;
    expect(flagged.map(({ id }) => id)).toEqual([placed.id]);

    const traced = (await staff.recalledLotOrders({ productId, lotNumber: 'CET-A' })).recalledLotOrders;
    expect(traced.map(({ id, status }) => ({ id, status }))).toEqual([
      { id: placed.id, status: 'CONFIRMED' },
    ]);
    expect(await lotsOf(productId)).toEqual([
      withoutProduct(recallLot),
      {
        lotNumber: 'CET-B',
        expiresOn: inDays(120),
        quantity: 10,
        reserved: 3,
        available: 7,
        status: 'RELEASED',
        statusReason: null,
      },
    ]);
    const recallMovements = (await movementsOf(productId)).slice(0, 3);
    const byStaff = { actor: { id: String(STAFF_ID) }, actorRole: 'ADMIN', eventType: null, eventId: null };
    const why = `moved off lot CET-A (recalled) for order ${placed.id}`;
    // Newest first: the recall, then the order's units moved off CET-A onto CET-B.
    expect(recallMovements).toEqual([
      {
        kind: 'REALLOCATION',
        lotNumber: 'CET-B',
        delta: 0,
        reservedDelta: 3,
        reason: why,
        orderId: placed.id,
        ...byStaff,
      },
      {
        kind: 'REALLOCATION',
        lotNumber: 'CET-A',
        delta: 0,
        reservedDelta: -3,
        reason: why,
        orderId: placed.id,
        ...byStaff,
      },
      {
        kind: 'LOT_RECALLED',
        lotNumber: 'CET-A',
        delta: 0,
        reservedDelta: 0,
        reason,
        orderId: null,
        ...byStaff,
      },
    ]);

    // Covered, so it ships, from CET-B.
    await staff.updateOrderStatus({ id: placed.id, status: 'SHIPPED' });
    await waitFor(
      'the shipment to leave lot CET-B',
      async () => (await lotsOf(productId)).find(({ lotNumber }) => lotNumber === 'CET-B')?.quantity === 7,
      SAGA_TIMEOUT_MS,
    );
    expect((await lotsOf(productId)).map(({ lotNumber, quantity }) => ({ lotNumber, quantity }))).toEqual([
      { lotNumber: 'CET-A', quantity: 5 },
      { lotNumber: 'CET-B', quantity: 7 },
    ]);

    // A product whose only stock is a recalled lot cannot be ordered.
    const onlyRecalled = await createProduct('RECALL-2', 'Loratadine 10mg');
    await receive(onlyRecalled, 'LOR-A', inDays(60), 5);
    await staff.recallLot({ productId: onlyRecalled, lotNumber: 'LOR-A', reason });
    expect(await readStock(staff, onlyRecalled)).toMatchObject({ quantity: 5, reserved: 0, available: 0 });
    const refused = await placeOrder(customer, [{ productId: onlyRecalled, quantity: 1 }]);
    const rejected = await waitUntilDecided(customer, refused.id, SAGA_TIMEOUT_MS);
    expect(rejected).toMatchObject({
      status: 'REJECTED',
      rejectionReason: 'not enough stock for Loratadine 10mg (RECALL-2): 1 ordered, 0 available',
      lines: [{ quantity: 1, lots: [] }],
    });
    expect(
      (await staff.recalledLotOrders({ productId: onlyRecalled, lotNumber: 'LOR-A' })).recalledLotOrders,
    ).toEqual([]);
  }, 90_000);

  it('keeps an order that holds a quarantined lot no other lot can replace from shipping until the lot is released', async () => {
    const customer = await customerClient(506);
    const productId = await createProduct('QUARANTINE-1', 'Salbutamol Inhaler');
    await receive(productId, 'SAL-A', inDays(60), 5);
    const placed = await placeOrder(customer, [{ productId, quantity: 2 }]);
    expect((await waitUntilDecided(customer, placed.id, SAGA_TIMEOUT_MS)).status).toBe('CONFIRMED');

    const reason = 'temperature excursion in transit';
    const { quarantineLot } = await staff.quarantineLot({ productId, lotNumber: 'SAL-A', reason });
    expect(quarantineLot).toMatchObject({
      status: 'QUARANTINED',
      statusReason: reason,
      reserved: 2,
      available: 0,
    });
    const flagged = await waitForOrder('the quarantine notice to reach the order', placed.id, (order) => {
      return order.recallNotices.length > 0;
    });
    expect(flagged.recallNotices).toEqual([
      {
        product: { id: productId },
        lotNumber: 'SAL-A',
        lotStatus: 'QUARANTINED',
        reason,
        covered: false,
        noticedAt: expect.any(String),
        resolvedAt: null,
      },
    ]);
    // Nothing could replace it: the order keeps its units of SAL-A and cannot ship.
    expect(flagged.lines[0]?.lots).toEqual([{ lotNumber: 'SAL-A', quantity: 2, expiresOn: inDays(60) }]);
    const refused = await onlyErrorOf(staff.updateOrderStatus({ id: placed.id, status: 'SHIPPED' }));
    expect(refused).toMatchObject({
      message: `the order cannot ship: it still holds lot SAL-A of Salbutamol Inhaler (QUARANTINE-1), QUARANTINED (${reason}), which inventory could not replace from other lots`,
      extensions: { code: 'CONFLICT', field: 'status' },
    });
    expect((await readOrder(staff, placed.id))?.status).toBe('CONFIRMED');

    expect((await staff.releaseLot({ productId, lotNumber: 'SAL-A' })).releaseLot).toMatchObject({
      status: 'RELEASED',
      statusReason: null,
      available: 3,
    });
    const released = await waitForOrder('the release to resolve the notice', placed.id, (order) => {
      return order.recallNotices[0]?.resolvedAt !== null;
    });
    expect(released.recallNotices[0]).toMatchObject({ covered: false, resolvedAt: expect.any(String) });
    const { updateOrderStatus } = await staff.updateOrderStatus({ id: placed.id, status: 'SHIPPED' });
    expect(updateOrderStatus.status).toBe('SHIPPED');
    // Available stays 3 (its 2 units were held): the shelf and the reservation fall.
    const shipped = await stockWhen(productId, 'the shipment to leave lot SAL-A', (stock) => {
      return stock.quantity === 3;
    });
    expect(shipped).toMatchObject({ quantity: 3, reserved: 0, available: 3 });
  }, 60_000);

  it('refuses more than a product allows per order with BAD_USER_INPUT naming it, and writes no order', async () => {
    const customerId = 505;
    const customer = await customerClient(customerId);
    const { createProduct: limited } = await staff.createProduct({
      input: {
        sku: 'LIMIT-2',
        name: 'Pseudoephedrine 60mg',
        price: '6.00',
        category: 'Test',
        maxQuantityPerOrder: 2,
      },
    });
    expect(limited.maxQuantityPerOrder).toBe(2);
    await receive(limited.id, 'PSE-1', inDays(100), 50);

    const error = await onlyErrorOf(placeOrder(customer, [{ productId: limited.id, quantity: 3 }]));
    expect(error).toMatchObject({
      message: 'input.lines[0].quantity: Pseudoephedrine 60mg (LIMIT-2) is limited to 2 per order, got 3',
      extensions: { code: 'BAD_USER_INPUT', field: 'input.lines[0].quantity' },
    });
    expect((await staff.orders({ filter: { userId: String(customerId) } })).orders.totalCount).toBe(0);
    expect(await readStock(staff, limited.id)).toMatchObject({ reserved: 0, available: 50 });

    // At the limit it goes through; a raised limit lets more through.
    const atLimit = await placeOrder(customer, [{ productId: limited.id, quantity: 2 }]);
    expect((await waitUntilDecided(customer, atLimit.id, SAGA_TIMEOUT_MS)).status).toBe('CONFIRMED');
    await staff.updateProduct({ id: limited.id, input: { maxQuantityPerOrder: 3 } });
    const raised = await placeOrder(customer, [{ productId: limited.id, quantity: 3 }]);
    expect((await waitUntilDecided(customer, raised.id, SAGA_TIMEOUT_MS)).status).toBe('CONFIRMED');
    expect(await readStock(staff, limited.id)).toMatchObject({ reserved: 5, available: 45 });
  }, 60_000);
});
