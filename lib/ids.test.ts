import { describe, expect, it } from '@jest/globals';
import { BadUserInputError } from './errors.ts';
import { isRowId, parseRowId } from './ids.ts';

describe('row ids', () => {
  it('accepts positive integers that fit a Postgres integer', () => {
    expect(parseRowId('42', 'id')).toBe(42);
    expect(isRowId('2147483647')).toBe(true);
  });

  it.each(['0', '-1', 'abc', '1.5', '01', '2147483648', '', ' 1'])('refuses %j', (id) => {
    expect(isRowId(id)).toBe(false);
    expect(() => parseRowId(id, 'productId')).toThrow(BadUserInputError);
    expect(() => parseRowId(id, 'productId')).toThrow(/^productId: /);
  });
});
