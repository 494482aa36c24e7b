import { BadUserInputError } from './errors.ts';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

/** A validated page request: `page` counts from 1. */
export interface PageRequest {
  page: number;
  pageSize: number;
  offset: number;
}

/** The shape of every paged list in the API. */
export interface Page<T> {
  items: T[];
  totalCount: number;
  page: number;
  pageSize: number;
  hasNextPage: boolean;
}

export function pageRequest(
  page: number | null | undefined,
  pageSize: number | null | undefined,
): PageRequest {
  const p = page ?? 1;
  const size = pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(p) || p < 1) throw new BadUserInputError('page', `must be 1 or more, got ${p}`);
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new BadUserInputError('pageSize', `must be between 1 and ${MAX_PAGE_SIZE}, got ${size}`);
  }
  return { page: p, pageSize: size, offset: (p - 1) * size };
}

export function toPage<T>(items: T[], totalCount: number, request: PageRequest): Page<T> {
  return {
    items,
    totalCount,
    page: request.page,
    pageSize: request.pageSize,
    hasNextPage: request.offset + items.length < totalCount,
  };
}
