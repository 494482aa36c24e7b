/**
 * The inventory subgraph over real HTTP on its own fresh database, as the router would call it for a
 * pharmacist: stock levels, the movement ledger, paging, low stock, refusals that write nothing, access, and
 * concurrent adjustments that never oversell.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { Viewer } from '../../lib/viewer.ts';
import { sql } from '../../test/support/database.ts';
import { startTestSubgraph, type TestSubgraph } from '../../test/support/services.ts';
import {
  expectNoLeak,
  expectRefusal,
  expectRefusalNamingField,
  subgraphClient,
  type SubgraphClient,
} from '../../test/support/subgraph-client.ts';
import { emptyInventory } from './inventory.test-support.ts';

const PHARMACIST: Viewer = { userId: 7, role: 'PHARMACIST' };
const ADMIN: Viewer = { userId: 1, role: 'ADMIN' };
const CUSTOMER: Viewer = { userId: 42, role: 'CUSTOMER' };

interface ItemView {
  product: { id: string };
  quantity: number;
  reserved: number;
  available: number;
  reorderLevel: number;
  isLowStock: boolean;
  updatedAt: string | null;
}

interface MovementView {
  id: string;
  delta: number;
  quantityAfter: number;
  reason: string;
  orderId: string | null;
  actor: { id: string } | null;
  occurredAt: string;
}

interface PageView<T> {
  items: T[];
  totalCount: number;
  page: number;
  pageSize: number;
  hasNextPage: boolean;
}

const ITEM_FIELDS = 'product { id } quantity reserved available reorderLevel isLowStock updatedAt';
const MOVEMENT_FIELDS = 'id delta quantityAfter reason orderId actor { id } occurredAt';

const ADJUST = `mutation Adjust($productId: ID!, $adjustment: Int!, $reason: String!) {
  adjustInventory(productId: $productId, adjustment: $adjustment, reason: $reason) { ${ITEM_FIELDS} }
}`;
const SET_LEVEL = `mutation Level($productId: ID!, $reorderLevel: Int!) {
  setReorderLevel(productId: $productId, reorderLevel: $reorderLevel) { ${ITEM_FIELDS} }
}`;
const INVENTORY = `query One($productId: ID!, $page: Int, $pageSize: Int) {
  inventory(productId: $productId) {
    ${ITEM_FIELDS}
    movements(page: $page, pageSize: $pageSize) {
      items { ${MOVEMENT_FIELDS} } totalCount page pageSize hasNextPage
    }
  }
}`;
const ITEMS = `query Items($page: Int, $pageSize: Int) {
  inventoryItems(page: $page, pageSize: $pageSize) { items { ${ITEM_FIELDS} } totalCount page pageSize hasNextPage }
}`;
const LOW_STOCK = `query { lowStockItems { ${ITEM_FIELDS} } }`;

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Text that would betray internals: a stack trace, SQL or a table name. */
const LEAK = /stacktrace|\bselect\b|\binsert\b|\bupdate\b|inventory_item/i;

let service: TestSubgraph;
let api: SubgraphClient;

beforeAll(async () => {
  service = await startTestSubgraph('inventory');
  api = subgraphClient(service, { viewer: PHARMACIST, checkReply: expectNoLeak(LEAK) });
});

afterAll(async () => {
  await service?.stop();
});

beforeEach(async () => {
  await emptyInventory(service);
});

async function counts(): Promise<{ items: number; movements: number }> {
  const [row] = await sql<{ items: number; movements: number }>(
    service,
    `select (select count(*)::int from inventory_item) as items,
            (select count(*)::int from stock_movement) as movements`,
  );
  return row ?? { items: -1, movements: -1 };
}

async function adjust(productId: string, adjustment: number, reason = 'stock count'): Promise<ItemView> {
  return (await api.data<{ adjustInventory: ItemView }>(ADJUST, { productId, adjustment, reason }))
    .adjustInventory;
}

async function inventory(
  productId: string,
  page?: number,
  pageSize?: number,
): Promise<ItemView & { movements: PageView<MovementView> }> {
  return (
    await api.data<{ inventory: ItemView & { movements: PageView<MovementView> } }>(INVENTORY, {
      productId,
      page,
      pageSize,
    })
  ).inventory;
}

describe('adjustInventory', () => {
  it('stocks a product never stocked, starting from 0, and records the movement', async () => {
    const before = Date.now();
    const item = await adjust('5', 25, '  delivery from wholesaler  ');
    const after = Date.now();
    expect(item).toEqual({
      product: { id: '5' },
      quantity: 25,
      reserved: 0,
      available: 25,
      reorderLevel: 0,
      isLowStock: false,
      updatedAt: expect.stringMatching(ISO_INSTANT),
    });
    const updatedAt = Date.parse(item.updatedAt ?? '');
    expect(updatedAt).toBeGreaterThanOrEqual(before - 1000);
    expect(updatedAt).toBeLessThanOrEqual(after + 1000);

    const read = await inventory('5');
    expect(read.movements).toEqual({
      items: [
        {
          id: '1',
          delta: 25,
          quantityAfter: 25,
          reason: 'delivery from wholesaler',
          orderId: null,
          actor: { id: '7' },
          occurredAt: item.updatedAt,
        },
      ],
      totalCount: 1,
      page: 1,
      pageSize: 20,
      hasNextPage: false,
    });
    expect(read.quantity).toBe(25);
    expect(read.updatedAt).toBe(item.updatedAt);
  });

  it('adds and removes units, newest movement first, each by its actor', async () => {
    await adjust('3', 10, 'delivery');
    const afterRemoval = await adjust('3', -4, 'damaged');
    expect(afterRemoval).toMatchObject({ quantity: 6, available: 6 });
    await adjust('3', 2, 'found in back room');
    const adminReply = await api.request<{ adjustInventory: ItemView }>(
      ADJUST,
      { productId: '3', adjustment: -8, reason: 'recall' },
      ADMIN,
    );
    expect(adminReply.data?.adjustInventory).toMatchObject({ quantity: 0, available: 0, isLowStock: true });

    const read = await inventory('3');
    expect(
      read.movements.items.map(({ delta, quantityAfter, reason, actor }) => ({
        delta,
        quantityAfter,
        reason,
        actor,
      })),
    ).toEqual([
      { delta: -8, quantityAfter: 0, reason: 'recall', actor: { id: '1' } },
      { delta: 2, quantityAfter: 8, reason: 'found in back room', actor: { id: '7' } },
      { delta: -4, quantityAfter: 6, reason: 'damaged', actor: { id: '7' } },
      { delta: 10, quantityAfter: 10, reason: 'delivery', actor: { id: '7' } },
    ]);
    const rows = await sql<{ product_id: number; delta: number; actor_user_id: number; order_id: null }>(
      service,
      'select product_id, delta, actor_user_id, order_id from stock_movement order by id',
    );
    expect(rows).toEqual([
      { product_id: 3, delta: 10, actor_user_id: 7, order_id: null },
      { product_id: 3, delta: -4, actor_user_id: 7, order_id: null },
      { product_id: 3, delta: 2, actor_user_id: 7, order_id: null },
      { product_id: 3, delta: -8, actor_user_id: 1, order_id: null },
    ]);
  });

  it('never takes the available units below what is reserved', async () => {
    await adjust('4', 10, 'delivery');
    // As if orders held 6 of the 10 units (of the one lot, UNLOTTED).
    await sql(service, 'update inventory_item set reserved = 6 where product_id = 4');
    await sql(service, 'update lot set reserved = 6 where product_id = 4');
    expect(await adjust('4', -4, 'damaged')).toMatchObject({ quantity: 6, reserved: 6, available: 0 });
    const reply = await api.request(ADJUST, { productId: '4', adjustment: -1, reason: 'damaged' });
    expect(expectRefusal(reply, 'CONFLICT', 'adjustment').message).toBe('not enough stock: 0 available');
    expect(await counts()).toEqual({ items: 1, movements: 2 });
  });

  it('refuses to go below zero with CONFLICT and writes nothing', async () => {
    await adjust('2', 3, 'delivery');
    const before = await inventory('2');
    const reply = await api.request(ADJUST, { productId: '2', adjustment: -4, reason: 'sold' });
    expect(expectRefusal(reply, 'CONFLICT', 'adjustment').message).toBe('not enough stock: 3 available');
    expect(await inventory('2')).toEqual(before);
    expect(await counts()).toEqual({ items: 1, movements: 1 });

    const unstocked = await api.request(ADJUST, { productId: '9', adjustment: -1, reason: 'sold' });
    expect(expectRefusal(unstocked, 'CONFLICT', 'adjustment').message).toBe('not enough stock: 0 available');
    expect(await counts()).toEqual({ items: 1, movements: 1 });
  });

  it.each([
    [{ adjustment: 0, reason: 'count' }, 'adjustment'],
    [{ adjustment: 1_000_001, reason: 'count' }, 'adjustment'],
    [{ adjustment: -1_000_001, reason: 'count' }, 'adjustment'],
    [{ adjustment: 5, reason: '   ' }, 'reason'],
    [{ adjustment: 5, reason: 'x'.repeat(501) }, 'reason'],
    [{ adjustment: 5, reason: 'count', productId: 'abc' }, 'productId'],
  ])('refuses %p with BAD_USER_INPUT naming %s, writing nothing', async (variables, field) => {
    const reply = await api.request(ADJUST, { productId: '1', ...variables });
    expectRefusalNamingField(reply, 'BAD_USER_INPUT', field);
    expect(await counts()).toEqual({ items: 0, movements: 0 });
  });

  it('keeps every concurrent removal honest: 20 × -1 on 10 units sell exactly 10', async () => {
    await adjust('8', 10, 'delivery');
    const replies = await Promise.all(
      Array.from({ length: 20 }, () =>
        api.request<{ adjustInventory: ItemView }>(ADJUST, {
          productId: '8',
          adjustment: -1,
          reason: 'sold',
        }),
      ),
    );
    const succeeded = replies.filter((reply) => reply.data?.adjustInventory);
    const refused = replies.filter((reply) => reply.errors?.[0]?.extensions?.code === 'CONFLICT');
    expect(succeeded).toHaveLength(10);
    expect(refused).toHaveLength(10);
    const quantities = succeeded
      .map((reply) => reply.data?.adjustInventory.quantity)
      .sort((a, b) => (a ?? 0) - (b ?? 0));
    expect(quantities).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const read = await inventory('8', 1, 100);
    expect(read).toMatchObject({ quantity: 0, available: 0 });
    const removals = read.movements.items.filter((movement) => movement.delta === -1);
    expect(removals).toHaveLength(10);
    expect(removals.map((movement) => movement.quantityAfter).sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    expect(removals.every((movement) => movement.quantityAfter >= 0)).toBe(true);
    const [ledger] = await sql<{ n: number; total: number }>(
      service,
      'select count(*)::int as n, sum(delta)::int as total from stock_movement where product_id = 8',
    );
    expect(ledger).toEqual({ n: 11, total: 0 });
  });
});

describe('setReorderLevel', () => {
  it('creates the item for a product never stocked, without a stock change', async () => {
    const item = (
      await api.data<{ setReorderLevel: ItemView }>(SET_LEVEL, { productId: '6', reorderLevel: 5 })
    ).setReorderLevel;
    expect(item).toEqual({
      product: { id: '6' },
      quantity: 0,
      reserved: 0,
      available: 0,
      reorderLevel: 5,
      isLowStock: true,
      updatedAt: null,
    });
    expect(await counts()).toEqual({ items: 1, movements: 0 });
  });

  it('changes the level of a stocked product', async () => {
    const stocked = await adjust('6', 8, 'delivery');
    const item = (
      await api.data<{ setReorderLevel: ItemView }>(SET_LEVEL, { productId: '6', reorderLevel: 8 })
    ).setReorderLevel;
    expect(item).toEqual({ ...stocked, reorderLevel: 8, isLowStock: true });
    const raised = (
      await api.data<{ setReorderLevel: ItemView }>(SET_LEVEL, { productId: '6', reorderLevel: 0 })
    ).setReorderLevel;
    expect(raised).toMatchObject({ reorderLevel: 0, isLowStock: false });
  });

  it.each([-1, 1_000_001])('refuses %d with BAD_USER_INPUT, writing nothing', async (reorderLevel) => {
    expectRefusalNamingField(
      await api.request(SET_LEVEL, { productId: '6', reorderLevel }),
      'BAD_USER_INPUT',
      'reorderLevel',
    );
    expect(await counts()).toEqual({ items: 0, movements: 0 });
  });
});

describe('reading stock', () => {
  it('reads a product never stocked as empty', async () => {
    expect(await inventory('77')).toEqual({
      product: { id: '77' },
      quantity: 0,
      reserved: 0,
      available: 0,
      reorderLevel: 0,
      isLowStock: true,
      updatedAt: null,
      movements: { items: [], totalCount: 0, page: 1, pageSize: 20, hasNextPage: false },
    });
  });

  it('pages the movements, newest first', async () => {
    for (let n = 1; n <= 5; n += 1) await adjust('1', n, `delivery ${n}`);
    const first = await inventory('1', 1, 2);
    expect(first.movements).toMatchObject({ totalCount: 5, page: 1, pageSize: 2, hasNextPage: true });
    expect(first.movements.items.map((m) => m.reason)).toEqual(['delivery 5', 'delivery 4']);
    const last = await inventory('1', 3, 2);
    expect(last.movements).toMatchObject({ totalCount: 5, page: 3, pageSize: 2, hasNextPage: false });
    expect(last.movements.items.map((m) => [m.delta, m.quantityAfter])).toEqual([[1, 1]]);
    expectRefusalNamingField(
      await api.request(INVENTORY, { productId: '1', pageSize: 101 }),
      'BAD_USER_INPUT',
      'pageSize',
    );
  });

  it('pages the stored items by product id', async () => {
    for (const id of ['30', '10', '20']) await adjust(id, 1, 'delivery');
    const first = (await api.data<{ inventoryItems: PageView<ItemView> }>(ITEMS, { page: 1, pageSize: 2 }))
      .inventoryItems;
    expect(first).toMatchObject({ totalCount: 3, page: 1, pageSize: 2, hasNextPage: true });
    expect(first.items.map((item) => item.product.id)).toEqual(['10', '20']);
    const second = (await api.data<{ inventoryItems: PageView<ItemView> }>(ITEMS, { page: 2, pageSize: 2 }))
      .inventoryItems;
    expect(second).toMatchObject({ totalCount: 3, page: 2, pageSize: 2, hasNextPage: false });
    expect(second.items).toEqual([
      expect.objectContaining({
        product: { id: '30' },
        quantity: 1,
        updatedAt: expect.stringMatching(ISO_INSTANT),
      }),
    ]);
  });

  it('lists low stock, the most short first', async () => {
    await adjust('1', 50, 'delivery'); // 50 available, level 10: fine
    await api.data(SET_LEVEL, { productId: '1', reorderLevel: 10 });
    await adjust('2', 3, 'delivery'); // 3 available, level 5: short by 2
    await api.data(SET_LEVEL, { productId: '2', reorderLevel: 5 });
    await api.data(SET_LEVEL, { productId: '3', reorderLevel: 20 }); // never stocked: short by 20
    await adjust('4', 7, 'delivery'); // 7 available, level 7: at the level
    await api.data(SET_LEVEL, { productId: '4', reorderLevel: 7 });
    const { lowStockItems } = await api.data<{ lowStockItems: ItemView[] }>(LOW_STOCK);
    expect(
      lowStockItems.map(({ product, available, reorderLevel, isLowStock }) => [
        product.id,
        available,
        reorderLevel,
        isLowStock,
      ]),
    ).toEqual([
      ['3', 0, 20, true],
      ['2', 3, 5, true],
      ['4', 7, 7, true],
    ]);
  });
});

describe('access', () => {
  const operations: [string, string, Record<string, unknown>][] = [
    ['adjustInventory', ADJUST, { productId: '1', adjustment: 5, reason: 'delivery' }],
    ['setReorderLevel', SET_LEVEL, { productId: '1', reorderLevel: 5 }],
    ['inventory', INVENTORY, { productId: '1' }],
    ['inventoryItems', ITEMS, {}],
    ['lowStockItems', LOW_STOCK, {}],
  ];

  it.each(operations)('refuses %s to a customer with FORBIDDEN', async (_, query, variables) => {
    expectRefusal(await api.request(query, variables, CUSTOMER), 'FORBIDDEN');
    expect(await counts()).toEqual({ items: 0, movements: 0 });
  });

  it.each(operations)('refuses %s without a viewer with UNAUTHENTICATED', async (_, query, variables) => {
    expectRefusal(await api.request(query, variables, null), 'UNAUTHENTICATED');
    expect(await counts()).toEqual({ items: 0, movements: 0 });
  });
});
