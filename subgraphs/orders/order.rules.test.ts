import { describe, expect, it } from '@jest/globals';
import { BadUserInputError, ConflictError } from '../../lib/errors.ts';
import { ORDER_STATUSES, type OrderStatus } from './order.entity.ts';
import {
  MAX_ADDRESS_LENGTH,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  MAX_LINE_QUANTITY,
  MAX_LINES,
  MAX_NOTES_LENGTH,
  assertAwaitingReview,
  assertPrescriptionGiven,
  assertStatusChange,
  isCancellable,
  priceLines,
  rejectionByPharmacist,
  rejectionReason,
  requestFingerprint,
  reviewNote,
  validatePlaceOrder,
  validatePrescription,
  type CatalogueProduct,
  type PlaceOrderRequest,
  type Prescription,
} from './order.rules.ts';

function thrownBy(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

function refusalOf(work: () => unknown): BadUserInputError {
  const error = thrownBy(work);
  if (error instanceof BadUserInputError) return error;
  throw error;
}

function conflictOf(work: () => unknown): ConflictError {
  const error = thrownBy(work);
  if (error instanceof ConflictError) return error;
  throw error;
}

const ADDRESS = '1 Main Street, Springfield';

const PRESCRIPTION: Prescription = {
  prescriberName: 'Dr. Ada Lovelace',
  prescriberLicence: 'GMC-1234567',
  issuedOn: '2026-01-15',
  reference: 'RX-1',
};

function input(overrides: Partial<Parameters<typeof validatePlaceOrder>[0]> = {}) {
  return {
    lines: [
      { productId: '1', quantity: 2 },
      { productId: '5', quantity: 1 },
    ],
    shippingAddress: ADDRESS,
    ...overrides,
  };
}

function lines(count: number) {
  return Array.from({ length: count }, (_, index) => ({ productId: String(index + 1), quantity: 1 }));
}

describe('limits', () => {
  it('are the documented ones', () => {
    expect({
      MAX_LINES,
      MAX_LINE_QUANTITY,
      MAX_ADDRESS_LENGTH,
      MAX_NOTES_LENGTH,
      MAX_IDEMPOTENCY_KEY_LENGTH,
    }).toEqual({
      MAX_LINES: 100,
      MAX_LINE_QUANTITY: 1_000,
      MAX_ADDRESS_LENGTH: 500,
      MAX_NOTES_LENGTH: 1_000,
      MAX_IDEMPOTENCY_KEY_LENGTH: 100,
    });
  });
});

describe('validatePlaceOrder', () => {
  it('returns the lines with numeric product ids, the trimmed address, no notes and no key', () => {
    expect(validatePlaceOrder(input({ shippingAddress: `  ${ADDRESS}\n` }))).toEqual({
      lines: [
        { productId: 1, quantity: 2 },
        { productId: 5, quantity: 1 },
      ],
      shippingAddress: ADDRESS,
      notes: null,
      idempotencyKey: null,
      prescription: null,
    });
  });

  it('trims the notes, and turns blank notes into null', () => {
    expect(validatePlaceOrder(input({ notes: '  ring twice ' })).notes).toBe('ring twice');
    expect(validatePlaceOrder(input({ notes: '   ' })).notes).toBeNull();
    expect(validatePlaceOrder(input({ notes: '' })).notes).toBeNull();
    expect(validatePlaceOrder(input({ notes: null })).notes).toBeNull();
  });

  it('keeps an idempotency key as given, and treats null as none', () => {
    expect(validatePlaceOrder(input({ idempotencyKey: 'checkout-42' })).idempotencyKey).toBe('checkout-42');
    expect(validatePlaceOrder(input({ idempotencyKey: null })).idempotencyKey).toBeNull();
  });

  it('accepts the limits themselves: 100 lines, 1 and 1000 units, 500-character address, 1000-character notes, 100-character key', () => {
    expect(validatePlaceOrder(input({ lines: lines(100) })).lines).toHaveLength(100);
    expect(
      validatePlaceOrder(
        input({
          lines: [
            { productId: '1', quantity: 1 },
            { productId: '2', quantity: 1000 },
          ],
        }),
      ).lines,
    ).toEqual([
      { productId: 1, quantity: 1 },
      { productId: 2, quantity: 1000 },
    ]);
    expect(validatePlaceOrder(input({ shippingAddress: 'a'.repeat(500) })).shippingAddress).toHaveLength(500);
    expect(validatePlaceOrder(input({ notes: 'n'.repeat(1000) })).notes).toHaveLength(1000);
    expect(validatePlaceOrder(input({ idempotencyKey: 'k'.repeat(100) })).idempotencyKey).toHaveLength(100);
    expect(validatePlaceOrder(input({ lines: [{ productId: '2147483647', quantity: 1 }] })).lines).toEqual([
      { productId: 2_147_483_647, quantity: 1 },
    ]);
  });

  it('refuses an order without lines', () => {
    const error = refusalOf(() => validatePlaceOrder(input({ lines: [] })));
    expect(error.details).toEqual({ field: 'input.lines' });
    expect(error.message).toBe('input.lines: an order needs at least one line');
  });

  it.each([101, 10_000])('refuses %d lines, saying how many were sent', (count) => {
    const error = refusalOf(() => validatePlaceOrder(input({ lines: lines(count) })));
    expect(error.details).toEqual({ field: 'input.lines' });
    expect(error.message).toBe(`input.lines: an order has at most 100 lines, got ${count}`);
  });

  it.each([0, -1, 1001, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses a quantity of %p',
    (quantity) => {
      const error = refusalOf(() =>
        validatePlaceOrder(
          input({
            lines: [
              { productId: '1', quantity: 1 },
              { productId: '2', quantity },
            ],
          }),
        ),
      );
      expect(error.details).toEqual({ field: 'input.lines[1].quantity' });
      expect(error.message).toBe(
        `input.lines[1].quantity: must be a whole number from 1 to 1000, got ${quantity}`,
      );
    },
  );

  it.each(['abc', '0', '-1', '01', '1.5', '', ' 1', '2147483648'])(
    'refuses the malformed product id %p, naming the line',
    (productId) => {
      const error = refusalOf(() =>
        validatePlaceOrder(
          input({
            lines: [
              { productId: '1', quantity: 1 },
              { productId: '2', quantity: 1 },
              { productId, quantity: 1 },
            ],
          }),
        ),
      );
      expect(error.details).toEqual({ field: 'input.lines[2].productId' });
      expect(error.message).toBe(`input.lines[2].productId: "${productId}" is not a valid id`);
    },
  );

  it('refuses the same product on two lines, naming the later line', () => {
    const error = refusalOf(() =>
      validatePlaceOrder(
        input({
          lines: [
            { productId: '3', quantity: 1 },
            { productId: '4', quantity: 1 },
            { productId: '3', quantity: 2 },
          ],
        }),
      ),
    );
    expect(error.details).toEqual({ field: 'input.lines[2].productId' });
    expect(error.message).toBe(
      'input.lines[2].productId: product 3 is on an earlier line: put the whole quantity on one line',
    );
  });

  it.each(['', '   ', '\n\t'])('refuses the empty shipping address %p', (shippingAddress) => {
    const error = refusalOf(() => validatePlaceOrder(input({ shippingAddress })));
    expect(error.details).toEqual({ field: 'input.shippingAddress' });
    expect(error.message).toBe('input.shippingAddress: must not be empty');
  });

  it('refuses a shipping address over 500 characters', () => {
    const error = refusalOf(() => validatePlaceOrder(input({ shippingAddress: 'a'.repeat(501) })));
    expect(error.details).toEqual({ field: 'input.shippingAddress' });
    expect(error.message).toBe('input.shippingAddress: must be at most 500 characters');
  });

  it('refuses notes over 1000 characters (after trimming)', () => {
    expect(validatePlaceOrder(input({ notes: ` ${'n'.repeat(1000)} ` })).notes).toHaveLength(1000);
    const error = refusalOf(() => validatePlaceOrder(input({ notes: 'n'.repeat(1001) })));
    expect(error.details).toEqual({ field: 'input.notes' });
    expect(error.message).toBe('input.notes: must be at most 1000 characters');
  });

  it.each(['', 'k'.repeat(101), ' key', 'key ', ' '])('refuses the idempotency key %p', (idempotencyKey) => {
    const error = refusalOf(() => validatePlaceOrder(input({ idempotencyKey })));
    expect(error.details).toEqual({ field: 'input.idempotencyKey' });
    expect(error.message).toBe(
      'input.idempotencyKey: must be 1 to 100 characters without surrounding spaces',
    );
  });

  it('checks the lines before the address, the address before the notes, the notes before the key', () => {
    const everythingWrong = {
      lines: [],
      shippingAddress: ' ',
      notes: 'n'.repeat(1001),
      idempotencyKey: '',
    };
    expect(refusalOf(() => validatePlaceOrder(everythingWrong)).details).toEqual({ field: 'input.lines' });
    expect(
      refusalOf(() => validatePlaceOrder(input({ ...everythingWrong, lines: lines(1) }))).details,
    ).toEqual({
      field: 'input.shippingAddress',
    });
    expect(
      refusalOf(() =>
        validatePlaceOrder(input({ ...everythingWrong, lines: lines(1), shippingAddress: ADDRESS })),
      ).details,
    ).toEqual({ field: 'input.notes' });
  });
});

describe('requestFingerprint', () => {
  const request: PlaceOrderRequest = {
    lines: [
      { productId: 1, quantity: 2 },
      { productId: 5, quantity: 1 },
    ],
    shippingAddress: ADDRESS,
    notes: null,
    idempotencyKey: 'checkout-1',
    prescription: null,
  };

  it('is a base64url SHA-256 digest (43 characters) that fits the 64-character column', () => {
    expect(requestFingerprint(request)).toMatch(/^[\w-]{43}$/);
  });

  it('is the same for the same request, whatever its key', () => {
    expect(requestFingerprint({ ...request })).toBe(requestFingerprint(request));
    expect(requestFingerprint({ ...request, idempotencyKey: 'another-key' })).toBe(
      requestFingerprint(request),
    );
    expect(requestFingerprint({ ...request, idempotencyKey: null })).toBe(requestFingerprint(request));
  });

  it('is the same for inputs that validate to the same request', () => {
    const a = validatePlaceOrder({ ...input(), notes: '  ', idempotencyKey: 'k' });
    const b = validatePlaceOrder({
      ...input(),
      shippingAddress: ` ${ADDRESS} `,
      notes: null,
      idempotencyKey: 'k',
    });
    expect(requestFingerprint(a)).toBe(requestFingerprint(b));
  });

  it('changes with the lines, the quantities, the address and the notes', () => {
    const base = requestFingerprint(request);
    const variants = [
      { ...request, lines: [{ productId: 1, quantity: 2 }] },
      {
        ...request,
        lines: [
          { productId: 1, quantity: 3 },
          { productId: 5, quantity: 1 },
        ],
      },
      {
        ...request,
        lines: [
          { productId: 1, quantity: 2 },
          { productId: 6, quantity: 1 },
        ],
      },
      { ...request, shippingAddress: '2 Main Street, Springfield' },
      { ...request, notes: 'leave at the door' },
      { ...request, prescription: PRESCRIPTION },
      { ...request, prescription: { ...PRESCRIPTION, reference: 'RX-2' } },
    ].map(requestFingerprint);
    expect(new Set([base, ...variants]).size).toBe(8);
  });

  it('is, without a prescription, the digest orders placed before prescriptions existed were stored with', () => {
    expect(requestFingerprint(request)).toBe('wyKd9hT6ZUyXG-mpamnTlvuqNoB-KQ2bbWIsM05C-oQ');
  });
});

describe('validatePrescription', () => {
  const now = new Date('2026-11-27T12:00:00.000Z');

  it('trims the text fields and keeps the day', () => {
    expect(
      validatePrescription(
        {
          prescriberName: ' Dr. Ada Lovelace ',
          prescriberLicence: ' GMC-1234567 ',
          issuedOn: '2026-11-20',
          reference: ' RX-1 ',
        },
        now,
      ),
    ).toEqual({
      prescriberName: 'Dr. Ada Lovelace',
      prescriberLicence: 'GMC-1234567',
      issuedOn: '2026-11-20',
      reference: 'RX-1',
    });
  });

  it('accepts today, and tomorrow while it is already tomorrow somewhere (UTC+14), but not the day after', () => {
    expect(validatePrescription({ ...PRESCRIPTION, issuedOn: '2026-11-27' }, now).issuedOn).toBe(
      '2026-11-27',
    );
    expect(validatePrescription({ ...PRESCRIPTION, issuedOn: '2026-11-28' }, now).issuedOn).toBe(
      '2026-11-28',
    );
    const error = refusalOf(() => validatePrescription({ ...PRESCRIPTION, issuedOn: '2026-11-29' }, now));
    expect(error.message).toBe('input.prescription.issuedOn: must not be in the future, got 2026-11-29');
    expect(
      refusalOf(() =>
        validatePrescription(
          { ...PRESCRIPTION, issuedOn: '2026-11-28' },
          new Date('2026-11-27T09:59:59.000Z'),
        ),
      ).details,
    ).toEqual({ field: 'input.prescription.issuedOn' });
  });

  it.each<[string, Partial<Prescription>, string, string]>([
    ['a blank prescriber', { prescriberName: '  ' }, 'prescriberName', 'must not be empty'],
    ['a blank licence', { prescriberLicence: '' }, 'prescriberLicence', 'must not be empty'],
    ['a blank reference', { reference: ' ' }, 'reference', 'must not be empty'],
    [
      'a prescriber over 200 characters',
      { prescriberName: 'p'.repeat(201) },
      'prescriberName',
      'must be at most 200 characters',
    ],
    [
      'a licence over 50 characters',
      { prescriberLicence: 'l'.repeat(51) },
      'prescriberLicence',
      'must be at most 50 characters',
    ],
    [
      'a reference over 200 characters',
      { reference: 'r'.repeat(201) },
      'reference',
      'must be at most 200 characters',
    ],
  ])('refuses %s, naming the field', (_, override, field, message) => {
    const error = refusalOf(() => validatePrescription({ ...PRESCRIPTION, ...override }, now));
    expect(error.details).toEqual({ field: `input.prescription.${field}` });
    expect(error.message).toBe(`input.prescription.${field}: ${message}`);
  });

  it('is checked by validatePlaceOrder when a prescription is given', () => {
    expect(validatePlaceOrder(input({ prescription: PRESCRIPTION })).prescription).toEqual(PRESCRIPTION);
    expect(
      refusalOf(() =>
        validatePlaceOrder(input({ prescription: { ...PRESCRIPTION, prescriberLicence: ' ' } })),
      ).details,
    ).toEqual({ field: 'input.prescription.prescriberLicence' });
  });
});

describe('review notes and reasons', () => {
  it('keeps a trimmed note, makes a blank one none, and refuses one over 2,000 characters', () => {
    expect(reviewNote('  checked with the prescriber ')).toBe('checked with the prescriber');
    expect(reviewNote('   ')).toBeNull();
    expect(reviewNote(null)).toBeNull();
    expect(reviewNote(undefined)).toBeNull();
    expect(reviewNote('n'.repeat(2000))).toHaveLength(2000);
    expect(refusalOf(() => reviewNote('n'.repeat(2001))).message).toBe(
      'note: must be at most 2000 characters',
    );
  });

  it('requires a rejection reason of 1 to 2,000 characters', () => {
    expect(rejectionByPharmacist(' licence not found ')).toBe('licence not found');
    expect(refusalOf(() => rejectionByPharmacist('  ')).message).toBe('reason: must not be empty');
    expect(refusalOf(() => rejectionByPharmacist('r'.repeat(2001))).details).toEqual({ field: 'reason' });
  });

  it('finds an order to review only while it is AWAITING_REVIEW, naming its status otherwise', () => {
    expect(() => assertAwaitingReview('AWAITING_REVIEW')).not.toThrow();
    for (const status of ORDER_STATUSES.filter((candidate) => candidate !== 'AWAITING_REVIEW')) {
      const error = conflictOf(() => assertAwaitingReview(status));
      expect(error.message).toBe(`the order is ${status}, not AWAITING_REVIEW: there is nothing to review`);
      expect(error.details).toEqual({ field: 'id' });
    }
  });
});

describe('priceLines', () => {
  const product = (
    id: number,
    priceMinor: number,
    extra: Partial<CatalogueProduct> = {},
  ): CatalogueProduct => ({
    id,
    sku: `SKU-${id}`,
    name: `Product ${id}`,
    priceMinor,
    currency: 'USD',
    isActive: true,
    requiresPrescription: false,
    maxQuantityPerOrder: null,
    ...extra,
  });
  const catalogueOf = (...products: CatalogueProduct[]) =>
    new Map(products.map((entry) => [entry.id, entry] as const));

  it('prices each line from the catalogue and sums the total exactly in minor units', () => {
    const catalogue = catalogueOf(product(1, 10), product(2, 1999), product(3, 0));
    expect(
      priceLines(
        [
          { productId: 1, quantity: 3 },
          { productId: 2, quantity: 7 },
          { productId: 3, quantity: 4 },
        ],
        catalogue,
      ),
    ).toEqual({
      lines: [
        {
          productId: 1,
          sku: 'SKU-1',
          productName: 'Product 1',
          quantity: 3,
          unitPriceMinor: 10,
          lineTotalMinor: 30,
        },
        {
          productId: 2,
          sku: 'SKU-2',
          productName: 'Product 2',
          quantity: 7,
          unitPriceMinor: 1999,
          lineTotalMinor: 13_993,
        },
        {
          productId: 3,
          sku: 'SKU-3',
          productName: 'Product 3',
          quantity: 4,
          unitPriceMinor: 0,
          lineTotalMinor: 0,
        },
      ],
      totalMinor: 14_023,
      currency: 'USD',
      prescriptionProducts: [],
    });
  });

  it('stays exact at the largest price, quantity and line count', () => {
    const products = Array.from({ length: 100 }, (_, index) => product(index + 1, 999_999_999));
    const priced = priceLines(
      products.map(({ id }) => ({ productId: id, quantity: 1000 })),
      catalogueOf(...products),
    );
    expect(priced.lines[0]?.lineTotalMinor).toBe(999_999_999_000);
    expect(priced.totalMinor).toBe(99_999_999_900_000);
    expect(Number.isSafeInteger(priced.totalMinor)).toBe(true);
  });

  it('uses the currency of the products', () => {
    const catalogue = catalogueOf(product(1, 500, { currency: 'EUR' }), product(2, 250, { currency: 'EUR' }));
    const priced = priceLines(
      [
        { productId: 1, quantity: 1 },
        { productId: 2, quantity: 2 },
      ],
      catalogue,
    );
    expect(priced.currency).toBe('EUR');
    expect(priced.totalMinor).toBe(1000);
  });

  it('refuses a product the catalogue does not have, naming its line', () => {
    const error = refusalOf(() =>
      priceLines(
        [
          { productId: 1, quantity: 1 },
          { productId: 99, quantity: 1 },
        ],
        catalogueOf(product(1, 100)),
      ),
    );
    expect(error.details).toEqual({ field: 'input.lines[1].productId' });
    expect(error.message).toBe('input.lines[1].productId: product 99 does not exist');
  });

  it('refuses a discontinued product, naming it and its SKU', () => {
    const catalogue = catalogueOf(
      product(1, 100),
      product(2, 100, { name: 'Aspirin 500mg', sku: 'ASP-500', isActive: false }),
    );
    const error = refusalOf(() =>
      priceLines(
        [
          { productId: 1, quantity: 1 },
          { productId: 2, quantity: 1 },
        ],
        catalogue,
      ),
    );
    expect(error.details).toEqual({ field: 'input.lines[1].productId' });
    expect(error.message).toBe(
      'input.lines[1].productId: Aspirin 500mg (ASP-500) is discontinued and cannot be ordered',
    );
  });

  it('refuses products in two currencies, naming the first line in another currency than the first', () => {
    const catalogue = catalogueOf(
      product(1, 100),
      product(2, 100),
      product(3, 100, { currency: 'EUR' }),
      product(4, 100, { currency: 'GBP' }),
    );
    const error = refusalOf(() =>
      priceLines(
        [1, 2, 3, 4].map((productId) => ({ productId, quantity: 1 })),
        catalogue,
      ),
    );
    expect(error.details).toEqual({ field: 'input.lines[2].productId' });
    expect(error.message).toBe(
      'input.lines[2].productId: all products of an order must be priced in one currency (USD); place a separate order',
    );
  });

  it('prices nothing for no lines', () => {
    expect(priceLines([], new Map())).toEqual({
      lines: [],
      totalMinor: 0,
      currency: '',
      prescriptionProducts: [],
    });
  });

  it("accepts a product's limit per order and refuses one unit more, naming the product and the line's quantity", () => {
    const catalogue = catalogueOf(
      product(1, 100),
      product(2, 100, { name: 'Codeine 30mg', sku: 'COD-30', maxQuantityPerOrder: 2 }),
    );
    expect(
      priceLines(
        [
          { productId: 1, quantity: 1000 },
          { productId: 2, quantity: 2 },
        ],
        catalogue,
      ).totalMinor,
    ).toBe(100_200);
    const error = refusalOf(() =>
      priceLines(
        [
          { productId: 1, quantity: 1 },
          { productId: 2, quantity: 3 },
        ],
        catalogue,
      ),
    );
    expect(error.details).toEqual({ field: 'input.lines[1].quantity' });
    expect(error.message).toBe(
      'input.lines[1].quantity: Codeine 30mg (COD-30) is limited to 2 per order, got 3',
    );
  });

  it('names the products that need a prescription', () => {
    const catalogue = catalogueOf(
      product(1, 100, { name: 'Amoxicillin 500mg', sku: 'AMX-500', requiresPrescription: true }),
      product(2, 100),
      product(3, 100, { name: 'Codeine 30mg', sku: 'COD-30', requiresPrescription: true }),
    );
    const priced = priceLines(
      [1, 2, 3].map((productId) => ({ productId, quantity: 1 })),
      catalogue,
    );
    expect(priced.prescriptionProducts).toEqual(['Amoxicillin 500mg (AMX-500)', 'Codeine 30mg (COD-30)']);
    const error = refusalOf(() => assertPrescriptionGiven(priced, null));
    expect(error.details).toEqual({ field: 'input.prescription' });
    expect(error.message).toBe(
      'input.prescription: Amoxicillin 500mg (AMX-500), Codeine 30mg (COD-30) need a prescription: give the prescriber, their licence number, the issue date and a reference',
    );
    expect(() => assertPrescriptionGiven(priced, PRESCRIPTION)).not.toThrow();
    const withoutPrescriptionProducts = priceLines([{ productId: 2, quantity: 1 }], catalogue);
    expect(() => assertPrescriptionGiven(withoutPrescriptionProducts, null)).not.toThrow();
    expect(() => assertPrescriptionGiven(withoutPrescriptionProducts, PRESCRIPTION)).not.toThrow();
  });
});

describe('assertStatusChange', () => {
  const allowed: [OrderStatus, OrderStatus][] = [
    ['PENDING', 'CANCELLED'],
    ['AWAITING_REVIEW', 'CANCELLED'],
    ['CONFIRMED', 'SHIPPED'],
    ['CONFIRMED', 'CANCELLED'],
    ['SHIPPED', 'DELIVERED'],
  ];

  it.each(allowed)('allows staff to move %s to %s', (from, to) => {
    expect(() => assertStatusChange(from, to)).not.toThrow();
  });

  const refused = ORDER_STATUSES.flatMap((from) =>
    ORDER_STATUSES.filter((to) => !allowed.some(([a, b]) => a === from && b === to)).map(
      (to) => [from, to] as [OrderStatus, OrderStatus],
    ),
  );

  it('refuses every other move (44 of the 49 pairs)', () => {
    expect(refused).toHaveLength(44);
    for (const [from, to] of refused) {
      const error = conflictOf(() => assertStatusChange(from, to));
      expect(error.code).toBe('CONFLICT');
      expect(error.details).toEqual({ field: 'status' });
      expect(error.message).toMatch(new RegExp(`^cannot change the order from ${from} to ${to}: `));
    }
  });

  it.each([
    ['PENDING', 'CONFIRMED', 'an order becomes CONFIRMED only when inventory has answered for its stock'],
    ['PENDING', 'REJECTED', 'an order becomes REJECTED only when inventory has answered for its stock'],
    ['CONFIRMED', 'CONFIRMED', 'an order becomes CONFIRMED only when inventory has answered for its stock'],
    ['SHIPPED', 'REJECTED', 'an order becomes REJECTED only when inventory has answered for its stock'],
    [
      'AWAITING_REVIEW',
      'CONFIRMED',
      "a prescription order becomes CONFIRMED only through a pharmacist's review (approvePrescriptionOrder or rejectPrescriptionOrder)",
    ],
    [
      'AWAITING_REVIEW',
      'REJECTED',
      "a prescription order becomes REJECTED only through a pharmacist's review (approvePrescriptionOrder or rejectPrescriptionOrder)",
    ],
    ['AWAITING_REVIEW', 'SHIPPED', 'a AWAITING_REVIEW order can only become CANCELLED'],
    ['PENDING', 'SHIPPED', 'a PENDING order can only become CANCELLED'],
    ['PENDING', 'DELIVERED', 'a PENDING order can only become CANCELLED'],
    ['CONFIRMED', 'DELIVERED', 'a CONFIRMED order can only become SHIPPED or CANCELLED'],
    ['SHIPPED', 'CANCELLED', 'a SHIPPED order can only become DELIVERED'],
    ['SHIPPED', 'SHIPPED', 'a SHIPPED order can only become DELIVERED'],
    ['DELIVERED', 'CANCELLED', 'a DELIVERED order cannot change any more'],
    ['REJECTED', 'PENDING', 'a REJECTED order cannot change any more'],
    ['CANCELLED', 'CANCELLED', 'a CANCELLED order cannot change any more'],
  ] as [OrderStatus, OrderStatus, string][])('explains why %s → %s is refused', (from, to, reason) => {
    expect(conflictOf(() => assertStatusChange(from, to)).message).toBe(
      `cannot change the order from ${from} to ${to}: ${reason}`,
    );
  });
});

describe('isCancellable', () => {
  it.each([
    ['PENDING', true],
    ['AWAITING_REVIEW', true],
    ['CONFIRMED', true],
    ['REJECTED', false],
    ['SHIPPED', false],
    ['DELIVERED', false],
    ['CANCELLED', false],
  ] as [OrderStatus, boolean][])('%s: %p', (status, expected) => {
    expect(isCancellable(status)).toBe(expected);
  });
});

describe('rejectionReason', () => {
  const orderLines = [
    { productId: 1, sku: 'IBU-200', productName: 'Ibuprofen 200mg' },
    { productId: 2, sku: 'PAR-500', productName: 'Paracetamol 500mg' },
  ];

  it('names the product and SKU of a short line with the counts', () => {
    expect(rejectionReason([{ productId: 2, requested: 5, available: 3 }], orderLines)).toBe(
      'not enough stock for Paracetamol 500mg (PAR-500): 5 ordered, 3 available',
    );
  });

  it('names every short product, in the order of the shortages', () => {
    expect(
      rejectionReason(
        [
          { productId: 2, requested: 10, available: 0 },
          { productId: 1, requested: 4, available: 1 },
        ],
        orderLines,
      ),
    ).toBe(
      'not enough stock for Paracetamol 500mg (PAR-500): 10 ordered, 0 available; Ibuprofen 200mg (IBU-200): 4 ordered, 1 available',
    );
  });

  it('falls back to the product id for a shortage of a product not on the order', () => {
    expect(rejectionReason([{ productId: 9, requested: 1, available: 0 }], orderLines)).toBe(
      'not enough stock for product 9: 1 ordered, 0 available',
    );
  });
});
