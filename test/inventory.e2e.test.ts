/**
 * Inventory through the router: the four real subgraphs on fresh databases and the real router, in this
 * process. A pharmacist stocks a new product and reads its stock and ledger as part of the product
 * (federated from the products subgraph); a customer may not change stock.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { dataOf, singleError } from './support/graphql.ts';
import { bearer, postGraphQL, startTestStack, type TestStack } from './support/services.ts';

const CREATE_PRODUCT = `mutation Create($input: CreateProductInput!) { createProduct(input: $input) { id } }`;
const ADJUST = `mutation Adjust($productId: ID!, $adjustment: Int!, $reason: String!) {
  adjustInventory(productId: $productId, adjustment: $adjustment, reason: $reason) { quantity available }
}`;
const PRODUCT_STOCK = `query Stock($id: ID!) {
  product(id: $id) { name inventory { quantity available movements { items { delta reason } } } }
}`;

let stack: TestStack;
let pharmacist: Record<string, string>;
let customer: Record<string, string>;

beforeAll(async () => {
  stack = await startTestStack();
  pharmacist = bearer(await stack.tokenFor({ userId: 2, role: 'PHARMACIST' }));
  customer = bearer(await stack.tokenFor({ userId: 3, role: 'CUSTOMER' }));
});

afterAll(async () => {
  await stack?.stop();
});

describe('inventory through the router', () => {
  it('stocks a new product and serves its stock and ledger with the product', async () => {
    const created = dataOf(
      await postGraphQL<{ createProduct: { id: string } }>(
        stack.routerUrl,
        CREATE_PRODUCT,
        { input: { sku: 'VTC-1000', name: 'Vitamin C 1000mg', price: '7.49', category: 'Vitamins' } },
        pharmacist,
      ),
    );
    const id = created.createProduct.id;

    const added = dataOf(
      await postGraphQL(
        stack.routerUrl,
        ADJUST,
        { productId: id, adjustment: 25, reason: 'delivery' },
        pharmacist,
      ),
    );
    expect(added).toEqual({ adjustInventory: { quantity: 25, available: 25 } });
    const removed = dataOf(
      await postGraphQL(
        stack.routerUrl,
        ADJUST,
        { productId: id, adjustment: -5, reason: 'damaged' },
        pharmacist,
      ),
    );
    expect(removed).toEqual({ adjustInventory: { quantity: 20, available: 20 } });

    const read = dataOf(await postGraphQL(stack.routerUrl, PRODUCT_STOCK, { id }, pharmacist));
    expect(read).toEqual({
      product: {
        name: 'Vitamin C 1000mg',
        inventory: {
          quantity: 20,
          available: 20,
          movements: {
            items: [
              { delta: -5, reason: 'damaged' },
              { delta: 25, reason: 'delivery' },
            ],
          },
        },
      },
    });

    const refused = await postGraphQL(
      stack.routerUrl,
      ADJUST,
      { productId: id, adjustment: 100, reason: 'delivery' },
      customer,
    );
    expect(singleError(refused).extensions?.code).toBe('FORBIDDEN');
    const after = dataOf(await postGraphQL(stack.routerUrl, PRODUCT_STOCK, { id }, pharmacist));
    expect(after).toEqual(read);
  });
});
