/**
 * The typed SDK against the real stack: errors come back as PharmacyApiError with their code, and the
 * lowStockAlerts subscription is an async iterable over WebSocket (Node's own WebSocket).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPharmacyClient, type PharmacyClient } from '../sdk/index.ts';
import { apiErrorOf } from './support/client.ts';
import { createMigratedDatabase, type TestDatabase } from './support/database.ts';
import { startTestStack, type TestStack } from './support/services.ts';

let stack: TestStack;
let busDatabase: TestDatabase;
let staff: PharmacyClient;
let customer: PharmacyClient;

beforeAll(async () => {
  busDatabase = await createMigratedDatabase('events');
  stack = await startTestStack({ busEnv: { EVENT_BUS_DATABASE_URL: busDatabase.url } });
  staff = createPharmacyClient({
    url: stack.routerUrl,
    token: await stack.tokenFor({ userId: 2, role: 'PHARMACIST' }),
  });
  customer = createPharmacyClient({
    url: stack.routerUrl,
    token: await stack.tokenFor({ userId: 3, role: 'CUSTOMER' }),
  });
});

afterAll(async () => {
  await Promise.all([staff?.close(), customer?.close()]);
  await stack?.stop();
  await busDatabase?.drop();
});

describe('the typed SDK', () => {
  it('returns typed data, and throws GraphQL errors as PharmacyApiError with their code', async () => {
    const { createProduct } = await staff.createProduct({
      input: { sku: 'SDK-1', name: 'Calamine lotion', price: '4.20', category: 'Skin' },
    });
    expect(createProduct).toMatchObject({ sku: 'SDK-1', price: '4.20', currency: 'USD', isActive: true });

    const badInput = await apiErrorOf(
      customer.placeOrder({
        input: { lines: [{ productId: createProduct.id, quantity: 0 }], shippingAddress: 'here' },
      }),
    );
    expect(badInput).toMatchObject({
      code: 'BAD_USER_INPUT',
      status: 200,
      message: 'input.lines[0].quantity: must be a whole number from 1 to 1000, got 0',
    });
    const forbidden = await apiErrorOf(
      customer.adjustInventory({ productId: createProduct.id, adjustment: 5, reason: 'x' }),
    );
    expect(forbidden.code).toBe('FORBIDDEN');
    const anonymous = await apiErrorOf(createPharmacyClient({ url: stack.routerUrl }).me());
    expect({ code: anonymous.code, status: anonymous.status }).toEqual({
      code: 'UNAUTHENTICATED',
      status: 401,
    });
  });

  it('streams low-stock alerts to staff as an async iterable, and refuses a customer with FORBIDDEN', async () => {
    const { createProduct } = await staff.createProduct({
      input: { sku: 'SDK-ALERT', name: 'Zinc oxide', price: '3.00', category: 'Skin' },
    });
    const productId = createProduct.id;
    await staff.setReorderLevel({ productId, reorderLevel: 2 });
    await staff.adjustInventory({ productId, adjustment: 10, reason: 'delivery' });

    const alerts = staff.lowStockAlerts({ productIds: [productId] })[Symbol.asyncIterator]();
    const next = alerts.next();
    // graphql-ws does not acknowledge a subscribe message: fall to the level until the alert arrives,
    // rising again between tries.
    let alert: Awaited<typeof next> | undefined;
    for (let attempt = 0; attempt < 10 && alert === undefined; attempt++) {
      await staff.adjustInventory({ productId, adjustment: -8, reason: 'fall to the reorder level' });
      alert = await Promise.race([
        next,
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1_000)),
      ]);
      if (alert === undefined) await staff.adjustInventory({ productId, adjustment: 8, reason: 'back up' });
    }
    expect(alert?.value).toEqual({
      lowStockAlerts: expect.objectContaining({
        product: {
          id: productId,
          sku: 'SDK-ALERT',
          name: 'Zinc oxide',
          manufacturer: null,
          category: 'Skin',
        },
        quantity: 2,
        reserved: 0,
        available: 2,
        reorderLevel: 2,
        shortage: 0,
        orderId: null,
      }),
    });
    await alerts.return?.();

    const refused = customer.lowStockAlerts()[Symbol.asyncIterator]().next();
    // A customer's connection is refused at connection_init: nothing it could subscribe to.
    await expect(refused).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: 'Forbidden: the role CUSTOMER has nothing to subscribe to',
    });
  });
});
