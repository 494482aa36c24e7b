/**
 * `npm run smoke`: the whole supergraph checked end to end through the typed SDK, as a client would use
 * it: every service healthy, a new customer registered and logged in, the catalogue listed and searched,
 * an order placed and confirmed by the saga, its stock read and the low-stock list read by staff. Exits 0
 * when everything holds, 1 with the step that failed.
 *
 * SMOKE_URL (the router, default http://localhost:4000/graphql), SMOKE_STAFF_USERNAME and
 * SMOKE_STAFF_PASSWORD (default the demo pharmacist) configure it.
 */
import { randomBytes } from 'node:crypto';
import { exitOnConfigError, readConfig } from '../lib/config.ts';
import { createPharmacyClient } from '../sdk/index.ts';

const config = exitOnConfigError(() =>
  readConfig(process.env, (read) => ({
    url: read.url('SMOKE_URL', ['http:', 'https:'], 'http://localhost:4000/graphql'),
    staffUsername: read.string('SMOKE_STAFF_USERNAME', 'pharmacist'),
    staffPassword: read.string('SMOKE_STAFF_PASSWORD', 'pharmacist123'),
  })),
);

async function step<T>(name: string, check: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const result = await check();
    process.stdout.write(`ok   ${name} (${Math.round(performance.now() - started)} ms)\n`);
    return result;
  } catch (error) {
    process.stdout.write(`FAIL ${name}: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

function expect(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

await step('router and every subgraph ready', async () => {
  const response = await fetch(new URL('/ready', config.url));
  expect(response.ok, `/ready answered ${response.status}: ${await response.text()}`);
});

const customer = createPharmacyClient({ url: config.url });
const username = `smoke_${randomBytes(4).toString('hex')}`;
const password = `smoke-${randomBytes(8).toString('hex')}`;
await step('register a customer', async () => {
  const { register } = await customer.register({
    input: { username, password, email: `${username}@smoke.example`, fullName: 'Smoke Test' },
  });
  expect(register.role === 'CUSTOMER', `registered as ${register.role}`);
});
await step('log in', async () => {
  await customer.login({ username, password });
});
const product = await step('list and search the catalogue', async () => {
  // One that needs no prescription, so that the order goes through without a pharmacist's review.
  const { products } = await customer.products({ filter: { requiresPrescription: false }, pageSize: 5 });
  expect(products.totalCount > 0, 'the catalogue has no product without prescription');
  const [first] = products.items;
  expect(first, 'no product on the first page');
  const found = await customer.products({ filter: { search: first.name.slice(0, 4) } });
  expect(
    found.products.items.some((item) => item.id === first.id),
    `searching "${first.name.slice(0, 4)}" did not find ${first.name}`,
  );
  return first;
});
const order = await step('place an order and see it confirmed', async () => {
  const { placeOrder } = await customer.placeOrder({
    input: { lines: [{ productId: product.id, quantity: 1 }], shippingAddress: '1 Smoke Lane' },
  });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { order: current } = await customer.order({ id: placeOrder.id });
    if (current?.status === 'CONFIRMED') return current;
    expect(current?.status === 'PENDING', `order ${placeOrder.id} is ${current?.status ?? 'gone'}`);
    expect(Date.now() < deadline, `order ${placeOrder.id} still PENDING after 15 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
});
const staff = createPharmacyClient({ url: config.url });
await step('read the stock as staff', async () => {
  await staff.login({ username: config.staffUsername, password: config.staffPassword });
  const { inventory } = await staff.inventory({ productId: product.id });
  expect(
    inventory.movements.items.some((movement) => movement.orderId === order.id),
    `no stock movement for order ${order.id}`,
  );
});
await step('list low stock', async () => {
  await staff.lowStockItems();
});
await step('cancel the order (its stock goes back)', async () => {
  const { cancelOrder } = await customer.cancelOrder({ id: order.id });
  expect(cancelOrder.status === 'CANCELLED', `cancelled order is ${cancelOrder.status}`);
});
process.stdout.write('smoke test passed\n');
