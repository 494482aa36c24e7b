/**
 * The catalogue's rules for product data, as plain functions: each returns clean values or throws a
 * BadUserInputError naming the offending input field.
 */
import { BadUserInputError } from '../../lib/errors.ts';
import { parseMoney } from '../../lib/money.ts';

/** Product fields as stored (price in minor units). */
export interface ProductData {
  sku: string;
  name: string;
  description: string | null;
  priceMinor: number;
  currency: string;
  category: string;
  manufacturer: string | null;
  requiresPrescription: boolean;
  /** The most units one order may hold; null for no limit. */
  maxQuantityPerOrder: number | null;
}

/** The GraphQL inputs, as the schema types them (absent and null both possible). */
export interface ProductInputFields {
  sku?: string | null;
  name?: string | null;
  description?: string | null;
  price?: string | null;
  currency?: string | null;
  category?: string | null;
  manufacturer?: string | null;
  requiresPrescription?: boolean | null;
  maxQuantityPerOrder?: number | null;
}

const SKU = /^[A-Z0-9][A-Z0-9-]{0,63}$/;
const CURRENCY = /^[A-Z]{3}$/;

export function normalizeSku(value: string, field = 'sku'): string {
  const sku = value.trim().toUpperCase();
  if (!SKU.test(sku)) {
    throw new BadUserInputError(
      field,
      'must be 1 to 64 letters, digits or dashes, starting with a letter or digit',
    );
  }
  return sku;
}

function requiredText(value: string | null | undefined, field: string, maxLength: number): string {
  const text = value?.trim() ?? '';
  if (text === '') throw new BadUserInputError(field, 'must not be empty');
  if (text.length > maxLength) throw new BadUserInputError(field, `must be at most ${maxLength} characters`);
  return text;
}

function optionalText(value: string | null | undefined, field: string, maxLength: number): string | null {
  const text = value?.trim() ?? '';
  if (text.length > maxLength) throw new BadUserInputError(field, `must be at most ${maxLength} characters`);
  return text === '' ? null : text;
}

function currencyCode(value: string | null | undefined, field: string): string {
  const code = (value ?? '').trim().toUpperCase();
  if (!CURRENCY.test(code))
    throw new BadUserInputError(field, 'must be a three-letter ISO 4217 code such as "USD"');
  return code;
}

const RULES: { [K in keyof ProductData]: (input: ProductInputFields, prefix: string) => ProductData[K] } = {
  sku: (input, prefix) => normalizeSku(input.sku ?? '', `${prefix}.sku`),
  name: (input, prefix) => requiredText(input.name, `${prefix}.name`, 200),
  description: (input, prefix) => optionalText(input.description, `${prefix}.description`, 2000),
  priceMinor: (input, prefix) => {
    if (input.price === null || input.price === undefined)
      throw new BadUserInputError(`${prefix}.price`, 'is required');
    return parseMoney(input.price, `${prefix}.price`);
  },
  currency: (input, prefix) => {
    // Absent means the default; an explicit null is a mistake, on create as on update.
    if (input.currency === null) throw new BadUserInputError(`${prefix}.currency`, 'must not be empty');
    return currencyCode(input.currency ?? 'USD', `${prefix}.currency`);
  },
  category: (input, prefix) => requiredText(input.category, `${prefix}.category`, 100),
  manufacturer: (input, prefix) => optionalText(input.manufacturer, `${prefix}.manufacturer`, 200),
  requiresPrescription: (input, prefix) => {
    if (input.requiresPrescription === null) {
      throw new BadUserInputError(`${prefix}.requiresPrescription`, 'must be true or false');
    }
    return input.requiresPrescription ?? false;
  },
  maxQuantityPerOrder: (input, prefix) => {
    const limit = input.maxQuantityPerOrder ?? null;
    if (limit !== null && (!Number.isInteger(limit) || limit < 1)) {
      throw new BadUserInputError(
        `${prefix}.maxQuantityPerOrder`,
        `must be a whole number of at least 1 (or null for no limit), got ${limit}`,
      );
    }
    return limit;
  },
};

/** Which input field feeds which stored field. */
const INPUT_FIELD: { [K in keyof ProductData]: keyof ProductInputFields } = {
  sku: 'sku',
  name: 'name',
  description: 'description',
  priceMinor: 'price',
  currency: 'currency',
  category: 'category',
  manufacturer: 'manufacturer',
  requiresPrescription: 'requiresPrescription',
  maxQuantityPerOrder: 'maxQuantityPerOrder',
};

const FIELDS = Object.keys(RULES) as (keyof ProductData)[];

export function validateNewProduct(input: ProductInputFields, prefix = 'input'): ProductData {
  return Object.fromEntries(
    FIELDS.map((field) => [field, RULES[field](input, prefix)]),
  ) as unknown as ProductData;
}

/**
 * The changes an update asks for: only fields present in the input. Clearing a required field (null) is
 * refused like an empty value; clearing an optional one (description, manufacturer, maxQuantityPerOrder)
 * sets it to null.
 */
export function validateProductChanges(input: ProductInputFields, prefix = 'input'): Partial<ProductData> {
  const present = FIELDS.filter((field) => input[INPUT_FIELD[field]] !== undefined);
  return Object.fromEntries(
    present.map((field) => [field, RULES[field](input, prefix)]),
  ) as Partial<ProductData>;
}

/** Escapes LIKE wildcards so a search for "50%" means the text "50%". */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The longest text a listing filter takes (search, name, manufacturer, category). */
export const MAX_FILTER_LENGTH = 100;

/** Refuses a listing filter whose text is longer than any product's could match usefully. */
export function validateFilterText(filter: {
  search?: string | null;
  name?: string | null;
  manufacturer?: string | null;
  category?: string | null;
}): void {
  for (const key of ['search', 'name', 'manufacturer', 'category'] as const) {
    const value = filter[key];
    if (typeof value === 'string' && value.trim().length > MAX_FILTER_LENGTH) {
      throw new BadUserInputError(`filter.${key}`, `must be at most ${MAX_FILTER_LENGTH} characters`);
    }
  }
}
