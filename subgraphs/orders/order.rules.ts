/**
 * The orders' rules as plain functions: what a placed order may contain, how its prices are computed from
 * the catalogue, and which status changes are allowed and by whom.
 */
import { createHash } from 'node:crypto';
import { BadUserInputError, ConflictError } from '../../lib/errors.ts';
import { parseRowId } from '../../lib/ids.ts';
import type { OrderStatus } from './order.entity.ts';

export const MAX_LINES = 100;
export const MAX_LINE_QUANTITY = 1_000;
export const MAX_ADDRESS_LENGTH = 500;
export const MAX_NOTES_LENGTH = 1_000;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 100;

export interface PlaceOrderRequest {
  lines: { productId: number; quantity: number }[];
  shippingAddress: string;
  notes: string | null;
  idempotencyKey: string | null;
}

interface PlaceOrderInput {
  lines: readonly { productId: string; quantity: number }[];
  shippingAddress: string;
  notes?: string | null;
  idempotencyKey?: string | null;
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
  return { lines, shippingAddress, notes, idempotencyKey };
}

/**
 * A digest of what was asked, stored with an idempotency key: the same key with a different order is the
 * client's mistake, not a retry, and is refused rather than answered with an order it did not ask for.
 */
export function requestFingerprint(request: PlaceOrderRequest): string {
  const { lines, shippingAddress, notes } = request;
  return createHash('sha256').update(JSON.stringify({ lines, shippingAddress, notes })).digest('base64url');
}

/** What the catalogue says of a product at the moment of ordering. */
export interface CatalogueProduct {
  id: number;
  sku: string;
  name: string;
  priceMinor: number;
  currency: string;
  isActive: boolean;
}

export interface PricedLine {
  productId: number;
  sku: string;
  productName: string;
  quantity: number;
  unitPriceMinor: number;
  lineTotalMinor: number;
}

/** Prices every line from the catalogue; unknown, discontinued and mixed-currency products are refused. */
export function priceLines(
  lines: PlaceOrderRequest['lines'],
  catalogue: ReadonlyMap<number, CatalogueProduct>,
): { lines: PricedLine[]; totalMinor: number; currency: string } {
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
  };
}

/**
 * The status changes staff may make. The saga alone moves an order out of PENDING (to CONFIRMED or
 * REJECTED) when inventory replies; cancelling is also open to the customer (cancelOrder).
 */
const STAFF_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  PENDING: ['CANCELLED'],
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
    to === 'CONFIRMED' || to === 'REJECTED'
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
