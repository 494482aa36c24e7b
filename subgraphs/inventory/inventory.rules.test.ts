import { describe, expect, it } from '@jest/globals';
import { BadUserInputError } from '../../lib/errors.ts';
import { validateAdjustment, validateReason, validateReorderLevel } from './inventory.rules.ts';

function refusalOf(work: () => unknown): BadUserInputError {
  try {
    work();
  } catch (error) {
    if (error instanceof BadUserInputError) return error;
    throw error;
  }
  throw new Error('expected a BadUserInputError');
}

describe('validateAdjustment', () => {
  it.each([1, -1, 25, -1_000_000, 1_000_000])('accepts %d', (value) => {
    expect(validateAdjustment(value)).toBe(value);
  });

  it.each([0, 1.5, 1_000_001, -1_000_001, Number.NaN, Number.POSITIVE_INFINITY])('refuses %d', (value) => {
    const error = refusalOf(() => validateAdjustment(value));
    expect(error.details).toEqual({ field: 'adjustment' });
    expect(error.message).toMatch(/^adjustment: /);
  });

  it('says why a zero is refused', () => {
    expect(refusalOf(() => validateAdjustment(0)).message).toBe('adjustment: must not be zero');
  });
});

describe('validateReason', () => {
  it('trims the reason', () => {
    expect(validateReason('  delivery from wholesaler ')).toBe('delivery from wholesaler');
  });

  it('accepts 500 characters', () => {
    expect(validateReason('x'.repeat(500))).toHaveLength(500);
  });

  it.each(['', '   ', null, undefined, 'x'.repeat(501)])('refuses %p', (value) => {
    const error = refusalOf(() => validateReason(value));
    expect(error.details).toEqual({ field: 'reason' });
    expect(error.message).toMatch(/^reason: /);
  });
});

describe('validateReorderLevel', () => {
  it.each([0, 1, 10, 1_000_000])('accepts %d', (value) => {
    expect(validateReorderLevel(value)).toBe(value);
  });

  it.each([-1, 2.5, 1_000_001, Number.NaN])('refuses %d', (value) => {
    const error = refusalOf(() => validateReorderLevel(value));
    expect(error.details).toEqual({ field: 'reorderLevel' });
    expect(error.message).toMatch(/^reorderLevel: /);
  });
});
