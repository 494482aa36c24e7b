import { createPharmacyClient } from 'pharmacy-supergraph/sdk';

const pharmacy = createPharmacyClient({ url: process.env.PHARMACY_URL ?? 'http://localhost:4000/graphql' });
await pharmacy.login({ username: 'pharmacist', password: 'pharmacist123' });
// The review queue, oldest first: prescription orders whose stock is reserved.
const { ordersAwaitingReview } = await pharmacy.ordersAwaitingReview({ pageSize: 10 });
const [oldest] = ordersAwaitingReview.items;
if (!oldest?.prescription) {
  console.log('no prescription order awaiting review');
} else {
  const { prescriberName, prescriberLicence, issuedOn } = oldest.prescription;
  const { approvePrescriptionOrder: order } = await pharmacy.approvePrescriptionOrder({
    id: oldest.id,
    note: `prescription of ${issuedOn} by ${prescriberName} (${prescriberLicence}) checked`,
  });
  const lines = order.lines.map(
    ({ quantity, productName, lots }) =>
      `${quantity} × ${productName} (lots ${lots.map(({ lotNumber }) => lotNumber).join(', ')})`,
  );
  console.log(`order ${order.id}: ${order.status}, ${order.review?.decision}: ${lines.join('; ')}`);
}
