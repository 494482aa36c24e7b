/**
 * The lots that cover an order's lines, as inventory reports them: when it reserves the order
 * (`inventory.reserved`) and when a recall or quarantine changes them (`inventory.order-lots-changed`).
 */
import type { EntityManager } from '../../lib/database.ts';
import { ConflictError } from '../../lib/errors.ts';
import type { LineLots } from '../contracts/inventory-events.ts';
import { OrderLineLot } from './order-line-lot.entity.ts';
import { OrderLine } from './order-line.entity.ts';
import { RecallNotice } from './recall-notice.entity.ts';

/**
 * Writes the lots of a reservation, unless the order already has lots: an `order-lots-changed` that
 * overtook the reservation on the bus carries the newer picture.
 */
export async function storeReservedLots(
  em: EntityManager,
  orderId: number,
  lines: readonly LineLots[],
): Promise<void> {
  const orderLines = await em.find(OrderLine, { orderId });
  const held = await em.count(OrderLineLot, { orderLineId: { $in: orderLines.map(({ id }) => id) } });
  if (held === 0) createLots(em, orderId, orderLines, lines);
}

/** Replaces every lot of the order's lines with `lines` (all of the order's lots after a change). */
export async function replaceOrderLots(
  em: EntityManager,
  orderId: number,
  lines: readonly LineLots[],
): Promise<void> {
  const orderLines = await em.find(OrderLine, { orderId });
  await em.nativeDelete(OrderLineLot, { orderLineId: { $in: orderLines.map(({ id }) => id) } });
  createLots(em, orderId, orderLines, lines);
}

function createLots(
  em: EntityManager,
  orderId: number,
  orderLines: readonly OrderLine[],
  lines: readonly LineLots[],
): void {
  const byProduct = new Map(orderLines.map((line) => [line.productId, line]));
  for (const { productId, lots } of lines) {
    const line = byProduct.get(productId);
    // Inventory names lots for products the order does not have: a bug to look at, not to paper over.
    if (!line) throw new Error(`inventory named lots of product ${productId}, which order ${orderId} lacks`);
    for (const { lotNumber, expiresOn, quantity } of lots) {
      em.create(OrderLineLot, { orderLineId: line.id, lotNumber, expiresOn, quantity });
    }
  }
}

/**
 * Refuses to ship an order that still holds a lot recalled, quarantined or expired without cover: a notice with
 * `covered` false, not resolved by the lot's release, whose lot is still among the order's lots (a later
 * change may have moved it away).
 */
export async function assertNoWithdrawnLotHeld(em: EntityManager, orderId: number): Promise<void> {
  const notices = await em.find(
    RecallNotice,
    { orderId, covered: false, resolvedAt: null },
    { orderBy: { id: 'asc' } },
  );
  if (notices.length === 0) return;
  const orderLines = await em.find(OrderLine, { orderId });
  const lots = await em.find(OrderLineLot, { orderLineId: { $in: orderLines.map(({ id }) => id) } });
  for (const notice of notices) {
    const line = orderLines.find(({ productId }) => productId === notice.productId);
    const held = lots.some(
      ({ orderLineId, lotNumber }) => orderLineId === line?.id && lotNumber === notice.lotNumber,
    );
    if (!held) continue;
    const product = line ? `${line.productName} (${line.sku})` : `product ${notice.productId}`;
    throw new ConflictError(
      `the order cannot ship: it still holds lot ${notice.lotNumber} of ${product}, ${notice.lotStatus} (${notice.reason}), which inventory could not replace from other lots`,
      'status',
    );
  }
}
