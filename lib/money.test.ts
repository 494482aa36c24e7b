import { describe, expect, it } from '@jest/globals';
import { BadUserInputError } from './errors.ts';
import { formatMoney, parseMoney } from './money.ts';

describe('money', () => {
  it.each([
    ['9.99', 999],
    ['10', 1000],
    ['0.5', 50],
    ['0', 0],
    [' 12.30 ', 1230],
    ['9999999.99', 999_999_999],
  ])('parses %j into %i minor units', (text, minor) => {
    expect(parseMoney(text, 'price')).toBe(minor);
  });

  it.each(['-1', 'abc', '1.999', '1e3', '', '10000000', '1,50', '.5'])(
    'refuses %j naming the field',
    (text) => {
      expect(() => parseMoney(text, 'input.price')).toThrow(BadUserInputError);
      expect(() => parseMoney(text, 'input.price')).toThrow(/^input\.price: /);
    },
  );

  it('formats minor units exactly, without floating point drift', () => {
    expect(formatMoney(999)).toBe('9.99');
    expect(formatMoney(50)).toBe('0.50');
    expect(formatMoney(0)).toBe('0.00');
    expect(formatMoney(-1205)).toBe('-12.05');
    expect(formatMoney(123_456_789_012)).toBe('1234567890.12');
    // 0.1 + 0.2 in floats is 0.30000000000000004; in minor units it is exact.
    expect(formatMoney(parseMoney('0.1', 'a') + parseMoney('0.2', 'b'))).toBe('0.30');
  });

  it('refuses a non-integer amount of minor units', () => {
    expect(() => formatMoney(1.5)).toThrow();
  });
});
