/**
 * A placed order written in one statement: the order, its lines and the first step of its status trail
 * (data-modifying CTEs), where flushing the entities took a statement each. Placement is the saga's first
 * hop and every order's, and on a busy machine each round trip of its transaction stretches.
 */
import type { EntityManager } from '../../lib/database.ts';
import type { Viewer } from '../../lib/viewer.ts';
import { Order } from './order.entity.ts';
import type { PricedLine, Prescription } from './order.rules.ts';

export interface Placement {
  viewer: Viewer;
  totalMinor: number;
  currency: string;
  shippingAddress: string;
  notes: string | null;
  requiresPrescription: boolean;
  prescription: Prescription | null;
  idempotencyKey: string | null;
  requestFingerprint: string | null;
  lines: readonly PricedLine[];
}

const INSERT_PLACED_ORDER = `
  with placed as (
    insert into customer_order (
      user_id, status, total_minor, currency, shipping_address, notes, requires_prescription,
      prescriber_name, prescriber_licence, prescription_issued_on, prescription_reference,
      idempotency_key, request_fingerprint, created_at, updated_at
    )
    values (?, 'PENDING', ?, ?, ?, ?, ?, ?, ?, ?::date, ?, ?, ?, ?, ?)
    returning *
  ), lines as (
    insert into order_line (order_id, product_id, sku, product_name, quantity, unit_price_minor, line_total_minor)
    select placed.id, line.product_id, line.sku, line.product_name, line.quantity, line.unit_price_minor,
           line.line_total_minor
      from placed, jsonb_to_recordset(?::jsonb) as line(
        product_id integer, sku text, product_name text, quantity integer, unit_price_minor bigint,
        line_total_minor bigint
      )
  ), trail as (
    insert into order_status_change (order_id, from_status, to_status, actor_id, actor_role, occurred_at)
    select placed.id, null, 'PENDING', ?, ?, ? from placed
  )
  select * from placed`;

/**
 * Writes `placement` as a PENDING order with its lines and its trail's first step (the customer placed
 * it), in the caller's transaction, and returns the order as a managed entity.
 */
export async function insertPlacedOrder(em: EntityManager, placement: Placement): Promise<Order> {
  const { viewer, prescription } = placement;
  const now = new Date();
  const lines = placement.lines.map((line) => ({
    product_id: line.productId,
    sku: line.sku,
    product_name: line.productName,
    quantity: line.quantity,
    unit_price_minor: line.unitPriceMinor,
    line_total_minor: line.lineTotalMinor,
  }));
  const [row] = await em.execute<Record<string, unknown>[]>(INSERT_PLACED_ORDER, [
    viewer.userId,
    placement.totalMinor,
    placement.currency,
    placement.shippingAddress,
    placement.notes,
    placement.requiresPrescription,
    prescription?.prescriberName ?? null,
    prescription?.prescriberLicence ?? null,
    prescription?.issuedOn ?? null,
    prescription?.reference ?? null,
    placement.idempotencyKey,
    placement.requestFingerprint,
    now,
    now,
    JSON.stringify(lines),
    viewer.userId,
    viewer.role,
    now,
  ]);
  if (!row) throw new Error('the placed order was not returned by its insert');
  return em.map(Order, row);
}
