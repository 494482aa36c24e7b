import { describe, expect, it } from '@jest/globals';
import { BadUserInputError, ErrorCode } from '../../lib/errors.ts';
import { formatMoney, parseMoney } from '../../lib/money.ts';
import {
  containsPattern,
  normalizeSku,
  validateNewProduct,
  validateFilterText,
  validateProductChanges,
  type ProductInputFields,
} from './product.rules.ts';

/** Runs `attempt`, expects a BadUserInputError for `field`, and returns it for further checks. */
function refusal(attempt: () => unknown, field: string): BadUserInputError {
  let caught: unknown;
  try {
    attempt();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(BadUserInputError);
  const error = caught as BadUserInputError;
  expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
  expect(error.details).toEqual({ field });
  expect(error.message.startsWith(`${field}: `)).toBe(true);
  return error;
}

const VALID: ProductInputFields = {
  sku: 'amx-500',
  name: 'Amoxicillin 500 mg',
  description: 'Antibiotic capsules',
  price: '12.50',
  currency: 'eur',
  category: 'Antibiotics',
  manufacturer: 'Sandoz',
  requiresPrescription: true,
};

describe('parseMoney (Decimal input to minor units)', () => {
  it.each([
    ['9.99', 999],
    ['10', 1000],
    ['0.5', 50],
    ['0.05', 5],
    ['0', 0],
    ['0.00', 0],
    ['12.50', 1250],
    [' 3.10 ', 310],
    ['9999999.99', 999_999_999],
  ])('parses "%s" as %i minor units', (value, minor) => {
    expect(parseMoney(value, 'input.price')).toBe(minor);
  });

  it.each([
    '-1',
    '-0.01',
    'abc',
    '',
    '9.999',
    '1.',
    '.5',
    '1e3',
    '1,50',
    '10000000',
    'NaN',
    'Infinity',
    '0x10',
  ])('refuses "%s", naming the field', (value) => {
    const error = refusal(() => parseMoney(value, 'input.price'), 'input.price');
    expect(error.message).toContain('input.price');
  });

  it('formats minor units back to exact decimals', () => {
    expect(formatMoney(999)).toBe('9.99');
    expect(formatMoney(1000)).toBe('10.00');
    expect(formatMoney(50)).toBe('0.50');
    expect(formatMoney(5)).toBe('0.05');
    expect(formatMoney(0)).toBe('0.00');
    expect(formatMoney(999_999_999)).toBe('9999999.99');
    expect(formatMoney(parseMoney('12.50', 'price'))).toBe('12.50');
  });
});

describe('normalizeSku', () => {
  it('trims and upper-cases', () => {
    expect(normalizeSku('  amx-500 ')).toBe('AMX-500');
    expect(normalizeSku('9')).toBe('9');
    expect(normalizeSku('A'.repeat(64))).toBe('A'.repeat(64));
  });

  it.each(['', '   ', '-AMX', 'AMX_500', 'AMX 500', 'AMX.500', 'A'.repeat(65), 'AMX/1'])(
    'refuses "%s" with the field it was given',
    (sku) => {
      refusal(() => normalizeSku(sku), 'sku');
      refusal(() => normalizeSku(sku, 'input.sku'), 'input.sku');
    },
  );
});

describe('validateFilterText', () => {
  it('takes filters of up to 100 characters, blanks around them not counted', () => {
    expect(() =>
      validateFilterText({ search: 'a'.repeat(100), name: ` ${'b'.repeat(100)} `, category: null }),
    ).not.toThrow();
  });

  it.each(['search', 'name', 'manufacturer', 'category'] as const)(
    'refuses a %s of 101 characters',
    (key) => {
      expect(() => validateFilterText({ [key]: 'x'.repeat(101) })).toThrow(
        new BadUserInputError(`filter.${key}`, 'must be at most 100 characters'),
      );
    },
  );
});

describe('containsPattern', () => {
  it('wraps the text in % wildcards', () => {
    expect(containsPattern('aspirin')).toBe('%aspirin%');
  });

  it('escapes LIKE wildcards and the escape character so they match literally', () => {
    expect(containsPattern('50%')).toBe('%50\\%%');
    expect(containsPattern('a_b')).toBe('%a\\_b%');
    expect(containsPattern('c:\\x')).toBe('%c:\\\\x%');
    expect(containsPattern('%_%')).toBe('%\\%\\_\\%%');
  });
});

describe('validateNewProduct', () => {
  it('returns clean stored values', () => {
    expect(validateNewProduct(VALID)).toEqual({
      sku: 'AMX-500',
      name: 'Amoxicillin 500 mg',
      description: 'Antibiotic capsules',
      priceMinor: 1250,
      currency: 'EUR',
      category: 'Antibiotics',
      manufacturer: 'Sandoz',
      requiresPrescription: true,
      maxQuantityPerOrder: null,
    });
    expect(validateNewProduct({ ...VALID, maxQuantityPerOrder: 1 }).maxQuantityPerOrder).toBe(1);
  });

  it('refuses an explicit null currency or prescription flag, as an update does', () => {
    expect(() => validateNewProduct({ ...VALID, currency: null })).toThrow(
      'input.currency: must not be empty',
    );
    expect(() => validateNewProduct({ ...VALID, requiresPrescription: null })).toThrow(
      'input.requiresPrescription: must be true or false',
    );
  });

  it('applies defaults and trims text', () => {
    expect(
      validateNewProduct({ sku: ' vit-c ', name: '  Vitamin C  ', price: '10', category: ' Vitamins ' }),
    ).toEqual({
      sku: 'VIT-C',
      name: 'Vitamin C',
      description: null,
      priceMinor: 1000,
      currency: 'USD',
      category: 'Vitamins',
      manufacturer: null,
      requiresPrescription: false,
      maxQuantityPerOrder: null,
    });
  });

  it('stores blank optional text as null', () => {
    const data = validateNewProduct({ ...VALID, description: '   ', manufacturer: '' });
    expect(data.description).toBeNull();
    expect(data.manufacturer).toBeNull();
  });

  it('accepts a name of exactly 200 characters', () => {
    expect(validateNewProduct({ ...VALID, name: 'n'.repeat(200) }).name).toBe('n'.repeat(200));
  });

  it.each<[string, ProductInputFields, string]>([
    ['a negative price', { price: '-1.00' }, 'input.price'],
    ['a non-numeric price', { price: 'cheap' }, 'input.price'],
    ['a price with 3 decimals', { price: '9.999' }, 'input.price'],
    ['a missing price', { price: undefined }, 'input.price'],
    ['a null price', { price: null }, 'input.price'],
    ['an empty name', { name: '' }, 'input.name'],
    ['a blank name', { name: '   ' }, 'input.name'],
    ['a missing name', { name: undefined }, 'input.name'],
    ['a name over 200 characters', { name: 'n'.repeat(201) }, 'input.name'],
    ['a bad SKU', { sku: 'AMX 500' }, 'input.sku'],
    ['a SKU starting with a dash', { sku: '-AMX' }, 'input.sku'],
    ['an empty SKU', { sku: '' }, 'input.sku'],
    ['a bad currency', { currency: 'EURO' }, 'input.currency'],
    ['a numeric currency', { currency: '978' }, 'input.currency'],
    ['an empty category', { category: ' ' }, 'input.category'],
    ['a category over 100 characters', { category: 'c'.repeat(101) }, 'input.category'],
    ['a description over 2000 characters', { description: 'd'.repeat(2001) }, 'input.description'],
    ['a manufacturer over 200 characters', { manufacturer: 'm'.repeat(201) }, 'input.manufacturer'],
    ['a maxQuantityPerOrder of 0', { maxQuantityPerOrder: 0 }, 'input.maxQuantityPerOrder'],
    ['a fractional maxQuantityPerOrder', { maxQuantityPerOrder: 1.5 }, 'input.maxQuantityPerOrder'],
  ])('refuses %s', (_, override, field) => {
    refusal(() => validateNewProduct({ ...VALID, ...override }), field);
  });

  it('uses the given prefix in field names', () => {
    refusal(() => validateNewProduct({ ...VALID, price: '-5' }, 'product'), 'product.price');
  });

  it('names the field in messages a client reads', () => {
    expect(() => validateNewProduct({ ...VALID, price: '-1' })).toThrow(/^input\.price: /);
    expect(() => validateNewProduct({ ...VALID, name: '' })).toThrow('input.name: must not be empty');
    expect(() => validateNewProduct({ ...VALID, name: 'x'.repeat(201) })).toThrow(
      'input.name: must be at most 200 characters',
    );
  });
});

describe('validateProductChanges', () => {
  it('returns only the fields present in the input', () => {
    expect(validateProductChanges({})).toEqual({});
    expect(validateProductChanges({ price: '0.5' })).toEqual({ priceMinor: 50 });
    expect(validateProductChanges({ name: ' Ibuprofen ', sku: 'ibu-200', currency: 'gbp' })).toEqual({
      name: 'Ibuprofen',
      sku: 'IBU-200',
      currency: 'GBP',
    });
    expect(validateProductChanges({ requiresPrescription: false })).toEqual({ requiresPrescription: false });
    expect(validateProductChanges({ name: undefined, price: undefined })).toEqual({});
  });

  it('clears optional fields on null', () => {
    expect(validateProductChanges({ description: null })).toEqual({ description: null });
    expect(validateProductChanges({ manufacturer: null })).toEqual({ manufacturer: null });
    expect(validateProductChanges({ description: '  ' })).toEqual({ description: null });
    expect(validateProductChanges({ maxQuantityPerOrder: null })).toEqual({ maxQuantityPerOrder: null });
    expect(validateProductChanges({ maxQuantityPerOrder: 6 })).toEqual({ maxQuantityPerOrder: 6 });
  });

  it.each<[string, ProductInputFields, string]>([
    ['a null name', { name: null }, 'input.name'],
    ['a null price', { price: null }, 'input.price'],
    ['a null SKU', { sku: null }, 'input.sku'],
    ['a null category', { category: null }, 'input.category'],
    ['a null currency', { currency: null }, 'input.currency'],
    ['a null requiresPrescription', { requiresPrescription: null }, 'input.requiresPrescription'],
    ['a negative price', { price: '-0.01' }, 'input.price'],
    ['a non-numeric price', { price: 'free' }, 'input.price'],
    ['a price with 3 decimals', { price: '1.234' }, 'input.price'],
    ['an empty name', { name: '' }, 'input.name'],
    ['a name over 200 characters', { name: 'n'.repeat(201) }, 'input.name'],
    ['a bad SKU', { sku: 'no spaces' }, 'input.sku'],
    ['a bad currency', { currency: 'US' }, 'input.currency'],
  ])('refuses %s', (_, input, field) => {
    refusal(() => validateProductChanges(input), field);
  });

  it('refuses a bad field even next to valid ones', () => {
    refusal(() => validateProductChanges({ name: 'Fine', price: '1.001' }), 'input.price');
  });
});
