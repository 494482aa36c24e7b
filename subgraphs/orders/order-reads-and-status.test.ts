/**
 * Reading orders on the orders subgraph over real HTTP with the owner's or staff's rights (see
 * orders.test-support.ts), inventory's replies delivered to its consumer by hand, and the state machine
 * with the events it announces.
 */
import { describe, expect, it } from '@jest/globals';
import { createEvent, MalformedEventError } from '../../lib/event-bus/event.ts';
import { sql } from '../../test/support/database.ts';
import { dataOf } from '../../test/support/graphql.ts';
import { expectRefusal } from '../../test/support/subgraph-client.ts';
import {
  ADMIN,
  announced,
  api,
  cancel,
  catalogue,
  confirmed,
  counts,
  customer,
  deliver,
  inventoryReply,
  ORDER_FIELDS,
  orders,
  type OrderView,
  PHARMACIST,
  placed,
  processedCount,
  read,
  statusRow,
  UPDATE_ORDER_STATUS,
  updateStatus,
  useOrdersSubgraph,
} from './orders.test-support.ts';

interface PageView {
  items: OrderView[];
  totalCount: number;
  page: number;
  pageSize: number;
  hasNextPage: boolean;
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

useOrdersSubgraph();

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
      await api.request<{ myOrders: PageView }>(MY_ORDERS, { page: 1, pageSize: 2 }, customer(62)),
    );
    expect(page1.myOrders).toEqual({
      items: [third, second],
      totalCount: 3,
      page: 1,
      pageSize: 2,
      hasNextPage: true,
    });
    const page2 = dataOf(
      await api.request<{ myOrders: PageView }>(MY_ORDERS, { page: 2, pageSize: 2 }, customer(62)),
    );
    expect(page2.myOrders).toEqual({
      items: [first],
      totalCount: 3,
      page: 2,
      pageSize: 2,
      hasNextPage: false,
    });
    const all = dataOf(await api.request<{ myOrders: PageView }>(MY_ORDERS, {}, customer(62)));
    expect(all.myOrders).toMatchObject({ totalCount: 3, page: 1, pageSize: 20, hasNextPage: false });
    expect(all.myOrders.items.map(({ id }) => id)).toEqual([third.id, second.id, first.id]);
    expect(dataOf(await api.request<{ myOrders: PageView }>(MY_ORDERS, {}, customer(64))).myOrders).toEqual({
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
    const byUser = dataOf(
      await api.request<{ orders: PageView }>(ORDERS, { filter: { userId: '65' } }, PHARMACIST),
    );
    expect(byUser.orders.items.map(({ id }) => id)).toEqual([third.id, second.id, first.id]);
    expect(byUser.orders).toMatchObject({ totalCount: 3, hasNextPage: false });

    const confirmedOfUser = dataOf(
      await api.request<{ orders: PageView }>(
        ORDERS,
        { filter: { userId: '65', status: 'CONFIRMED' } },
        ADMIN,
      ),
    );
    expect(confirmedOfUser.orders).toEqual({
      items: [{ ...second, status: 'CONFIRMED' }],
      totalCount: 1,
      page: 1,
      pageSize: 20,
      hasNextPage: false,
    });

    const pending = dataOf(
      await api.request<{ orders: PageView }>(
        ORDERS,
        { filter: { status: 'PENDING' }, pageSize: 100 },
        PHARMACIST,
      ),
    );
    const [pendingCount] = await sql<{ n: number }>(
      orders,
      "select count(*)::int as n from customer_order where status = 'PENDING'",
    );
    expect(pending.orders.totalCount).toBe(pendingCount?.n);
    expect(pending.orders.items.every(({ status }) => status === 'PENDING')).toBe(true);
    expect(pending.orders.items.map(({ id }) => id)).toEqual(expect.arrayContaining([first.id, third.id]));

    const refused = await api.request(ORDERS, { filter: { userId: '65' } }, customer(65));
    expect(expectRefusal(refused, 'FORBIDDEN').message).toBe('orders requires the role PHARMACIST or ADMIN');
    expect(refused.data).toBeNull();

    const badUser = await api.request(ORDERS, { filter: { userId: 'abc' } }, PHARMACIST);
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
    expect(await api.request(USER_ORDERS, { representations }, customer(66))).toEqual({ data: expected });
    expect(await api.request(USER_ORDERS, { representations }, PHARMACIST)).toEqual({ data: expected });

    const refused = await api.request<{ _entities: unknown[] }>(
      USER_ORDERS,
      { representations },
      customer(67),
    );
    expect(expectRefusal(refused, 'FORBIDDEN').message).toBe("only staff can read another user's orders");
    expect(refused.errors?.[0]?.path).toEqual(['_entities', 0, 'orders']);
    // User.orders is nullable (a partial answer when orders is down), so only the field is null.
    expect(refused.data).toEqual({ _entities: [{ id: '66', orders: null }] });
  });

  it('resolves an Order reference for its owner and staff only', async () => {
    const order = await placed(customer(68));
    const representations = [{ __typename: 'Order', id: order.id }];
    const visible = { data: { _entities: [{ id: order.id, status: 'PENDING', user: { id: '68' } }] } };
    expect(await api.request(ORDER_REFERENCE, { representations }, customer(68))).toEqual(visible);
    expect(await api.request(ORDER_REFERENCE, { representations }, PHARMACIST)).toEqual(visible);
    expect(await api.request(ORDER_REFERENCE, { representations }, customer(69))).toEqual({
      data: { _entities: [null] },
    });
    expect(await api.request(ORDER_REFERENCE, { representations }, null)).toEqual({
      data: { _entities: [null] },
    });
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
    await sql(orders, "update customer_order set status = 'PENDING' where id = ?", [Number(order.id)]);
    await deliver(event, 3);
    expect((await statusRow(order.id))?.status).toBe('PENDING');
    expect(await processedCount(event.id)).toBe(1);
  });

  it('acknowledges a reply for an order that does not exist without changing anything', async () => {
    const before = await sql(orders, 'select id, status from customer_order order by id');
    const event = inventoryReply({ type: 'inventory.reserved', payload: { orderId: 987_654, lines: [] } });
    await expect(deliver(event)).resolves.toBeUndefined();
    expect(await processedCount(event.id)).toBe(1);
    expect(await sql(orders, 'select id, status from customer_order order by id')).toEqual(before);
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

    const shipped = await api.request<{ updateOrderStatus: OrderView }>(
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
    const response = await api.post(UPDATE_ORDER_STATUS, { id: order.id, status: 'SHIPPED' }, PHARMACIST, {
      'x-request-id': 'req-ship-81',
    });
    expect(dataOf(response)).toMatchObject({ updateOrderStatus: { status: 'SHIPPED' } });
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
