import type { EntityClass, FilterQuery, FindOptions } from '@mikro-orm/core';
import DataLoader from 'dataloader';
import type { EntityManager } from './database.ts';
import { isRowId } from './ids.ts';

/**
 * A per-request DataLoader of rows by an integer key column (the id unless told otherwise): every lookup
 * made while one request resolves, entity references from the router included, becomes one
 * `where key in (…)` query.
 */
export function createRowLoader<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  key: keyof T & string = 'id' as keyof T & string,
): DataLoader<number, T | null> {
  return new DataLoader(async (keys) => {
    // A computed key cannot be checked against a generic entity's filter type; `key` is a column of T.
    const where: FilterQuery<T> = { [key]: { $in: [...keys] } } as FilterQuery<T>;
    const found: T[] = await em.find(entity, where as never);
    const byKey = new Map(found.map((row) => [row[key] as number, row]));
    return keys.map((value) => byKey.get(value) ?? null);
  });
}

/** Resolves a federation reference: null when the id cannot name a row or names none. */
export async function loadReference<T>(loader: DataLoader<number, T | null>, id: string): Promise<T | null> {
  return isRowId(id) ? loader.load(Number(id)) : null;
}

/**
 * A per-request DataLoader of the rows that share an integer key column (an order's lines, a line's lots),
 * oldest first unless `orderBy` says otherwise, only those matching `where` if given: every group one
 * request needs, in one `where key in (…)` query.
 */
export function createGroupLoader<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  key: keyof T & string,
  options: { where?: FilterQuery<T>; orderBy?: FindOptions<T>['orderBy'] } = {},
): DataLoader<number, T[]> {
  return new DataLoader(async (keys) => {
    // As in createRowLoader: `key` is a column of T, which a generic filter type cannot express.
    const inKeys: FilterQuery<T> = { [key]: { $in: [...keys] } } as FilterQuery<T>;
    const where = options.where ? { $and: [inKeys, options.where] } : inKeys;
    const orderBy = options.orderBy ?? ({ id: 'asc' } as FindOptions<T>['orderBy']);
    const found: T[] = await em.find(entity, where as never, { orderBy });
    const byKey = Map.groupBy(found, (row) => row[key] as number);
    return keys.map((value) => byKey.get(value) ?? []);
  });
}
