/**
 * The orders' rules as plain functions: what a placed order may contain, how its prices are computed from
 * the catalogue, and which status changes are allowed and by whom.
 */
import { createHash } from 'node:crypto';
import { calendarDayOf } from '../../lib/calendar-day.ts';
import { BadUserInputError, ConflictError } from '../../lib/errors.ts';
import { parseRowId } from '../../lib/ids.ts';
import type { OrderStatus } from './order.entity.ts';

export const MAX_LINES = 100;
export const MAX_LINE_QUANTITY = 1_000;
export const MAX_ADDRESS_LENGTH = 500;
export const MAX_NOTES_LENGTH = 1_000;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 100;
const MAX_PRESCRIBER_NAME_LENGTH = 200;
const MAX_PRESCRIBER_LICENCE_LENGTH = 50;
const MAX_PRESCRIPTION_REFERENCE_LENGTH = 200;
const MAX_REVIEW_NOTE_LENGTH = 2_000;

/** A prescription as given at placement; `issuedOn` is a calendar day (YYYY-MM-DD). */
export interface Prescription {
  prescriberName: string;
  prescriberLicence: string;
  issuedOn: string;
  reference: string;
}

export interface PlaceOrderRequest {
  lines: { productId: number; quantity: number }[];
  shippingAddress: string;
  notes: string | null;
  idempotencyKey: string | null;
  prescription: Prescription | null;
}

export interface PlaceOrderInput {
  lines: readonly { productId: string; quantity: number }[];
  shippingAddress: string;
  notes?: string | null;
  idempotencyKey?: string | null;
  prescription?: Prescription | null;
}

/** Checks a placeOrder input and returns it clean, or throws BadUserInputError naming the field. */
export function validatePlaceOrder(input: PlaceOrderInput): PlaceOrderRequest {
  if (input.lines.length === 0)
    throw new BadUserInputError('input.lines', 'an order needs at least one line');
  if (input.lines.length > MAX_LINES) {
    throw new BadUserInputError(
      'input.lines',
      `an order has at most ${MAX_LINES} lines, got ${input.lines.length}`,
    );
  }
  const seen = new Set<number>();
  const lines = input.lines.map(({ productId, quantity }, index) => {
    const id = parseRowId(productId, `input.lines[${index}].productId`);
    if (seen.has(id)) {
      throw new BadUserInputError(
        `input.lines[${index}].productId`,
        `product ${id} is on an earlier line: put the whole quantity on one line`,
      );
    }
    seen.add(id);
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_LINE_QUANTITY) {
      throw new BadUserInputError(
        `input.lines[${index}].quantity`,
        `must be a whole number from 1 to ${MAX_LINE_QUANTITY}, got ${quantity}`,
      );
    }
    return { productId: id, quantity };
  });
  const shippingAddress = input.shippingAddress.trim();
  if (shippingAddress === '') throw new BadUserInputError('input.shippingAddress', 'must not be empty');
  if (shippingAddress.length > MAX_ADDRESS_LENGTH) {
    throw new BadUserInputError('input.shippingAddress', `must be at most ${MAX_ADDRESS_LENGTH} characters`);
  }
  const notes = input.notes?.trim() || null;
  if (notes !== null && notes.length > MAX_NOTES_LENGTH) {
    throw new BadUserInputError('input.notes', `must be at most ${MAX_NOTES_LENGTH} characters`);
  }
  const idempotencyKey = input.idempotencyKey ?? null;
  if (
    idempotencyKey !== null &&
    (idempotencyKey.trim() !== idempotencyKey ||
      idempotencyKey.length === 0 ||
      idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH)
  ) {
    throw new BadUserInputError(
      'input.idempotencyKey',
      `must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters without surrounding spaces`,
    );
  }
  const prescription = input.prescription ? validatePrescription(input.prescription, new Date()) : null;
  return { lines, shippingAddress, notes, idempotencyKey, prescription };
}

function requiredText(value: string, field: string, maxLength: number): string {
  const text = value.trim();
  if (text === '') throw new BadUserInputError(field, 'must not be empty');
  if (text.length > maxLength) throw new BadUserInputError(field, `must be at most ${maxLength} characters`);
  return text;
}

/**
 * Checks a prescription's fields. The issue day may not be in the future anywhere: the customer writes the
 * day of their own time zone, which can be a day ahead of UTC (up to UTC+14).
 */
export function validatePrescription(input: Prescription, now: Date): Prescription {
  const field = 'input.prescription';
  const latestToday = calendarDayOf(new Date(now.getTime() + 14 * 3_600_000));
  if (input.issuedOn > latestToday) {
    throw new BadUserInputError(`${field}.issuedOn`, `must not be in the future, got ${input.issuedOn}`);
  }
  return {
    prescriberName: requiredText(input.prescriberName, `${field}.prescriberName`, MAX_PRESCRIBER_NAME_LENGTH),
    prescriberLicence: requiredText(
      input.prescriberLicence,
      `${field}.prescriberLicence`,
      MAX_PRESCRIBER_LICENCE_LENGTH,
    ),
    issuedOn: input.issuedOn,
    reference: requiredText(input.reference, `${field}.reference`, MAX_PRESCRIPTION_REFERENCE_LENGTH),
  };
}

/** A pharmacist's note on an approval: optional (blank is none), at most 2,000 characters. */
export function reviewNote(note: string | null | undefined): string | null {
  const text = note?.trim() || null;
  if (text !== null && text.length > MAX_REVIEW_NOTE_LENGTH) {
    throw new BadUserInputError('note', `must be at most ${MAX_REVIEW_NOTE_LENGTH} characters`);
  }
  return text;
}

/** A pharmacist's reason for a rejection: required, at most 2,000 characters. */
export function rejectionByPharmacist(reason: string): string {
  return requiredText(reason, 'reason', MAX_REVIEW_NOTE_LENGTH);
}

/**
 * A digest of what was asked, stored with an idempotency key: the same key with a different order is the
 * client's mistake, not a retry, and is refused rather than answered with an order it did not ask for.
 */
export function requestFingerprint(request: PlaceOrderRequest): string {
  const { lines, shippingAddress, notes, prescription } = request;
  // Without a prescription the digest stays as it was before prescriptions existed, so a retry of an order
  // placed then still finds it.
  const asked =
    prescription === null
      ? { lines, shippingAddress, notes }
      : { lines, shippingAddress, notes, prescription };
  return createHash('sha256').update(JSON.stringify(asked)).digest('base64url');
}

/** What the catalogue says of a product at the moment of ordering. */
export interface CatalogueProduct {
  id: number;
  sku: string;
  name: string;
  priceMinor: number;
  currency: string;
  isActive: boolean;
  requiresPrescription: boolean;
  /** The most units one order may hold; null for no limit. */
  maxQuantityPerOrder: number | null;
}

export interface PricedLine {
  productId: number;
  sku: string;
  productName: string;
  quantity: number;
  unitPriceMinor: number;
  lineTotalMinor: number;
}

export interface PricedOrder {
  lines: PricedLine[];
  totalMinor: number;
  currency: string;
  /** The products that need a prescription, by name and SKU; empty when none does. */
  prescriptionProducts: string[];
}

/**
 * Prices every line from the catalogue; unknown, discontinued and mixed-currency products, and quantities
 * above a product's limit per order, are refused.
 */
export function priceLines(
  lines: PlaceOrderRequest['lines'],
  catalogue: ReadonlyMap<number, CatalogueProduct>,
): PricedOrder {
  const priced = lines.map(({ productId, quantity }, index) => {
    const product = catalogue.get(productId);
    const field = `input.lines[${index}].productId`;
    if (!product) throw new BadUserInputError(field, `product ${productId} does not exist`);
    if (!product.isActive) {
      throw new BadUserInputError(
        field,
        `${product.name} (${product.sku}) is discontinued and cannot be ordered`,
      );
    }
    if (product.maxQuantityPerOrder !== null && quantity > product.maxQuantityPerOrder) {
      throw new BadUserInputError(
        `input.lines[${index}].quantity`,
        `${product.name} (${product.sku}) is limited to ${product.maxQuantityPerOrder} per order, got ${quantity}`,
      );
    }
    return {
      product,
      line: {
        productId,
        sku: product.sku,
        productName: product.name,
        quantity,
        unitPriceMinor: product.priceMinor,
        lineTotalMinor: product.priceMinor * quantity,
      },
    };
  });
  const currency = priced[0]?.product.currency ?? '';
  const foreign = priced.findIndex(({ product }) => product.currency !== currency);
  if (foreign >= 0) {
    throw new BadUserInputError(
      `input.lines[${foreign}].productId`,
      `all products of an order must be priced in one currency (${currency}); place a separate order`,
    );
  }
  return {
    lines: priced.map(({ line }) => line),
    totalMinor: priced.reduce((sum, { line }) => sum + line.lineTotalMinor, 0),
    currency,
    prescriptionProducts: priced
      .filter(({ product }) => product.requiresPrescription)
      .map(({ product }) => `${product.name} (${product.sku})`),
  };
}

/** Refuses an order with prescription products and no prescription, naming the products. */
export function assertPrescriptionGiven(order: PricedOrder, prescription: Prescription | null): void {
  if (order.prescriptionProducts.length === 0 || prescription !== null) return;
  throw new BadUserInputError(
    'input.prescription',
    `${order.prescriptionProducts.join(', ')} need${order.prescriptionProducts.length === 1 ? 's' : ''} a prescription: give the prescriber, their licence number, the issue date and a reference`,
  );
}

/**
 * The status changes staff may make with updateOrderStatus. The saga alone moves an order out of PENDING
 * when inventory replies: to REJECTED, to CONFIRMED, or to AWAITING_REVIEW for a prescription order, which
 * a pharmacist's review alone moves on (approvePrescriptionOrder → CONFIRMED, rejectPrescriptionOrder →
 * REJECTED). Cancelling is also open to the customer (cancelOrder).
 *
 *   PENDING ──inventory──> AWAITING_REVIEW ──review──> CONFIRMED ──> SHIPPED ──> DELIVERED
 *      │     └─inventory──> CONFIRMED       └─review──> REJECTED
 *      └─────inventory──> REJECTED
 *   PENDING, AWAITING_REVIEW, CONFIRMED ──> CANCELLED
 */
const STAFF_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  PENDING: ['CANCELLED'],
  AWAITING_REVIEW: ['CANCELLED'],
  CONFIRMED: ['SHIPPED', 'CANCELLED'],
  SHIPPED: ['DELIVERED'],
  DELIVERED: [],
  REJECTED: [],
  CANCELLED: [],
};

/** Throws CONFLICT, saying what is possible, when staff may not move an order from `from` to `to`. */
export function assertStatusChange(from: OrderStatus, to: OrderStatus): void {
  const allowed = STAFF_TRANSITIONS[from];
  if (allowed.includes(to)) return;
  const reason =
    from === 'AWAITING_REVIEW' && (to === 'CONFIRMED' || to === 'REJECTED')
      ? `a prescription order becomes ${to} only through a pharmacist's review (approvePrescriptionOrder or rejectPrescriptionOrder)`
      : to === 'CONFIRMED' || to === 'REJECTED'
        ? `an order becomes ${to} only when inventory has answered for its stock`
        : allowed.length === 0
          ? `a ${from} order cannot change any more`
          : `a ${from} order can only become ${allowed.join(' or ')}`;
  throw new ConflictError(`cannot change the order from ${from} to ${to}: ${reason}`, 'status');
}

/** Whether the customer (or staff) may still cancel an order in `status`. */
export function isCancellable(status: OrderStatus): boolean {
  return STAFF_TRANSITIONS[status].includes('CANCELLED');
}

/** Throws CONFLICT naming the current status when an order is not waiting for a pharmacist's review. */
export function assertAwaitingReview(status: OrderStatus): void {
  if (status !== 'AWAITING_REVIEW') {
    throw new ConflictError(`the order is ${status}, not AWAITING_REVIEW: there is nothing to review`, 'id');
  }
}

/** The reason given to the customer for a rejected order, naming each product that is short. */
export function rejectionReason(
  shortages: readonly { productId: number; requested: number; available: number }[],
  lines: readonly { productId: number; sku: string; productName: string }[],
): string {
  const described = shortages.map(({ productId, requested, available }) => {
    const line = lines.find((candidate) => candidate.productId === productId);
    const product = line ? `${line.productName} (${line.sku})` : `product ${productId}`;
    return `${product}: ${requested} ordered, ${available} available`;
  });
  return `not enough stock for ${described.join('; ')}`;
}
