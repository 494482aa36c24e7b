/**
 * Pharmacy practice on the orders subgraph over real HTTP (see orders.test-support.ts): inventory's
 * reservation sending prescription orders to review, the pharmacist's review, recalled and quarantined lots,
 * and the status trail that records who or which event made every change.
 */
import { describe, expect, it } from '@jest/globals';
import { type EventEnvelope } from '../../lib/event-bus/event.ts';
import type { Viewer } from '../../lib/viewer.ts';
import { sql } from '../../test/support/database.ts';
import { dataOf } from '../../test/support/graphql.ts';
import { expectRefusal } from '../../test/support/subgraph-client.ts';
import type { LineLots } from '../contracts/inventory-events.ts';
import {
  ADDRESS,
  ADMIN,
  announced,
  api,
  approve,
  awaitingReview,
  cancel,
  catalogue,
  confirmed,
  counts,
  customer,
  deliver,
  inventoryReply,
  orders,
  PHARMACIST,
  PLACE_PRACTICE,
  placed,
  practiceOrder,
  type PracticeView,
  processedCount,
  reject,
  REJECT,
  reservedEvent,
  reviewRows,
  SECOND_PHARMACIST,
  statusRow,
  updateStatus,
  useOrdersSubgraph,
  withPrescription,
} from './orders.test-support.ts';

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

useOrdersSubgraph();

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
      await api.request<{
        ordersAwaitingReview: { items: { id: string; status: string }[]; totalCount: number };
      }>(REVIEW_QUEUE, { pageSize: 100 }, PHARMACIST),
    ).ordersAwaitingReview;
    const ids = queue.items.map(({ id }) => id);
    expect(ids.indexOf(first)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(second)).toBeGreaterThan(ids.indexOf(first));
    expect(ids).toEqual([...ids].sort((a, b) => Number(a) - Number(b)));
    expect(new Set(queue.items.map(({ status }) => status))).toEqual(new Set(['AWAITING_REVIEW']));
    const [row] = await sql<{ n: number }>(
      orders,
      "select count(*)::int as n from customer_order where status = 'AWAITING_REVIEW'",
    );
    expect(queue.totalCount).toBe(row?.n);

    const asAdmin = await api.request(REVIEW_QUEUE, { pageSize: 1 }, ADMIN);
    expect(dataOf(asAdmin)).toMatchObject({ ordersAwaitingReview: { pageSize: 1, hasNextPage: true } });
    expect(expectRefusal(await api.request(REVIEW_QUEUE, {}, customer(211)), 'FORBIDDEN').message).toBe(
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
    const response = await api.post<{ rejectPrescriptionOrder: PracticeView }>(
      REJECT,
      { id, reason: ' prescriber licence not on the register ' },
      PHARMACIST,
      { 'x-request-id': 'req-reject-222' },
    );
    expect(dataOf(response).rejectPrescriptionOrder).toMatchObject({
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
      await api.request<{ placeOrder: PracticeView }>(
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
      await expect(
        sql(orders, 'update customer_order set status = ? where id = ?', [status, id]),
      ).rejects.toThrow(
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
    await expect(sql(orders, 'delete from prescription_review where order_id = ?', [id])).rejects.toThrow(
      'a prescription review is final: it cannot be changed or removed',
    );
    await expect(
      sql(
        orders,
        "update prescription_review set decision = 'REJECTED', note = 'changed my mind' where order_id = ?",
        [id],
      ),
    ).rejects.toThrow('a prescription review is final');
    await expect(
      sql(
        orders,
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
    const lotsBefore = await sql(orders, 'select * from order_line_lot order by id');
    await deliver(event, 2);
    expect((await practiceOrder(id)).recallNotices).toHaveLength(1);
    expect(await sql(orders, 'select * from order_line_lot order by id')).toEqual(lotsBefore);
    expect(await processedCount(event.id)).toBe(1);

    // Staff find it; it can still be cancelled (inventory releases the stock).
    const withNotice = dataOf(
      await api.request<{ orders: { items: { id: string }[] } }>(
        RECALLED_ORDERS,
        { filter: { hasRecallNotice: true } },
        PHARMACIST,
      ),
    ).orders.items.map((item) => item.id);
    expect(withNotice).toContain(id);
    const withoutNotice = dataOf(
      await api.request<{ orders: { items: { id: string }[]; totalCount: number } }>(
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

  it('refuses a reservation naming lots of a product the order lacks: nothing stored, the order PENDING, the event to come again', async () => {
    const order = await placed(customer(234), [{ productId: catalogue.ibuprofen, quantity: 2 }]);
    const event = reservedEvent(order.id, [
      {
        productId: Number(catalogue.ibuprofen),
        lots: [{ lotNumber: 'IBU-1', expiresOn: '2027-01-31', quantity: 2 }],
      },
      {
        productId: Number(catalogue.paracetamol),
        lots: [{ lotNumber: 'PAR-X', expiresOn: null, quantity: 1 }],
      },
    ]);
    await expect(deliver(event)).rejects.toThrow(
      `inventory named lots of product ${catalogue.paracetamol}, which order ${order.id} lacks`,
    );
    expect(await practiceOrder(order.id)).toMatchObject({ status: 'PENDING', lines: [{ lots: [] }] });
    expect(await processedCount(event.id)).toBe(0);
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
      await api.request<{ order: { statusHistory: ChangeView[] } | null }>(STATUS_HISTORY, { id }, viewer),
    ).order;
    if (!order) throw new Error('no order');
    return order.statusHistory;
  }

  const at = expect.stringMatching(ISO_INSTANT);

  it('records who or which event made every change of a prescription order, and why', async () => {
    const order = dataOf(
      await api.request<{ placeOrder: PracticeView }>(
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
    const reply = await api.request(STATUS_HISTORY, { id: order.id }, customer(242));
    expect(reply.errors?.[0]).toMatchObject({
      message: 'statusHistory requires the role PHARMACIST or ADMIN',
      extensions: { code: 'FORBIDDEN' },
    });
  });
});
