import { describe, expect, it } from '@jest/globals';
import { ErrorCode } from './errors.ts';
import { MAX_PAGE_SIZE, pageRequest, toPage } from './paging.ts';

describe('paging', () => {
  it('defaults to the first page of 20', () => {
    expect(pageRequest(undefined, null)).toEqual({ page: 1, pageSize: 20, offset: 0 });
  });

  it('computes the offset', () => {
    expect(pageRequest(3, 25)).toEqual({ page: 3, pageSize: 25, offset: 50 });
  });

  it.each([
    [0, 20, 'page'],
    [-1, 20, 'page'],
    [1, 0, 'pageSize'],
    [1, MAX_PAGE_SIZE + 1, 'pageSize'],
  ])('refuses page %i with pageSize %i, naming %s', (page, pageSize, field) => {
    expect(() => pageRequest(page, pageSize)).toThrow(
      expect.objectContaining({ code: ErrorCode.BAD_USER_INPUT, details: { field } }),
    );
  });

  it('knows whether another page follows', () => {
    const request = pageRequest(2, 10);
    expect(toPage(Array(10).fill(0), 30, request)).toMatchObject({
      totalCount: 30,
      page: 2,
      pageSize: 10,
      hasNextPage: true,
    });
    expect(toPage(Array(10).fill(0), 20, request).hasNextPage).toBe(false);
    expect(toPage([], 5, request).hasNextPage).toBe(false);
  });
});
