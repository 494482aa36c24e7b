import { createPharmacyClient } from 'pharmacy-supergraph/sdk';

const pharmacy = createPharmacyClient({ url: process.env.PHARMACY_URL ?? 'http://localhost:4000/graphql' });
// The client keeps the session's tokens, and renews the access token when it expires.
await pharmacy.login({ username: 'customer', password: 'customer123' });
const { products } = await pharmacy.products({ filter: { search: 'aspirin' }, pageSize: 5 });
const [aspirin] = products.items;
if (!aspirin) throw new Error('no aspirin in the catalogue');
const { placeOrder } = await pharmacy.placeOrder({
  input: { lines: [{ productId: aspirin.id, quantity: 2 }], shippingAddress: '221B Baker Street, London' },
});
console.log(`order ${placeOrder.id}: ${placeOrder.status}, total ${placeOrder.total} ${placeOrder.currency}`);
