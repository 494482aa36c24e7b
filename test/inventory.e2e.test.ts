/**
 * Inventory through the router with the typed client SDK: the four real subgraphs on fresh databases and
 * the real router, in this process. A pharmacist stocks a new product and reads its stock and ledger as
 * part of the product (federated from the products subgraph); a customer may not change stock.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { PharmacyClient } from '../sdk/index.ts';
import { clientFor } from './support/client.ts';
import { startTestStack, type TestStack } from './support/services.ts';

let stack: TestStack;
let pharmacist: PharmacyClient;
let customer: PharmacyClient;

beforeAll(async () => {
  stack = await startTestStack();
  pharmacist = await clientFor(stack, { userId: 2, role: 'PHARMACIST' });
  customer = await clientFor(stack, { userId: 3, role: 'CUSTOMER' });
});

afterAll(async () => {
  await stack?.stop();
});

describe('inventory through the router', () => {
  it('stocks a new product and serves its stock and ledger with the product', async () => {
    const { createProduct } = await pharmacist.createProduct({
      input: { sku: 'VTC-1000', name: 'Vitamin C 1000mg', price: '7.49', category: 'Vitamins' },
    });
    const id = createProduct.id;
    const product = { id, sku: 'VTC-1000', name: 'Vitamin C 1000mg' };

    const added = await pharmacist.adjustInventory({ productId: id, adjustment: 25, reason: 'delivery' });
    expect(added).toEqual({
      adjustInventory: {
        product,
        quantity: 25,
        reserved: 0,
        available: 25,
        reorderLevel: 0,
        isLowStock: false,
        updatedAt: expect.any(String),
      },
    });
    const removed = await pharmacist.adjustInventory({ productId: id, adjustment: -5, reason: 'damaged' });
    expect(removed).toEqual({
      adjustInventory: {
        product,
        quantity: 20,
        reserved: 0,
        available: 20,
        reorderLevel: 0,
        isLowStock: false,
        updatedAt: expect.any(String),
      },
    });

    const read = await pharmacist.productWithStock({ id });
    const adjustment = {
      id: expect.any(String),
      kind: 'ADJUSTMENT',
      reservedDelta: 0,
      reservedAfter: 0,
      orderId: null,
      // Stock added without a lot number is held, and drawn, in the lot UNLOTTED.
      lotNumber: 'UNLOTTED',
      actor: { id: '2' },
      actorRole: 'PHARMACIST',
      eventType: null,
      eventId: null,
      occurredAt: expect.any(String),
    };
    expect(read).toEqual({
      product: {
        ...createProduct,
        inventory: {
          quantity: 20,
          reserved: 0,
          available: 20,
          reorderLevel: 0,
          isLowStock: false,
          updatedAt: removed.adjustInventory.updatedAt,
          movements: {
            items: [
              { ...adjustment, delta: -5, quantityAfter: 20, reason: 'damaged' },
              { ...adjustment, delta: 25, quantityAfter: 25, reason: 'delivery' },
            ],
            totalCount: 2,
            hasNextPage: false,
          },
        },
      },
    });

    await expect(
      customer.adjustInventory({ productId: id, adjustment: 100, reason: 'delivery' }),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
      errors: [
        {
          message: 'adjustInventory requires the role PHARMACIST or ADMIN',
          extensions: { code: 'FORBIDDEN' },
        },
      ],
    });
    expect(await pharmacist.productWithStock({ id })).toEqual(read);
  });
});
