/**
 * The SQL that decides which stock can be ordered, in one place: the item's available units, the lots a
 * reservation may draw, and their first-expiry-first order.
 */

/** Today in UTC: a lot is usable through its expiry day. */
const TODAY_SQL = "(now() at time zone 'utc')::date";

/** Whether the lot aliased `lot` can be reserved: RELEASED and not past its expiry day. */
export function usableLotSql(lot: string): string {
  return `${lot}.status = 'RELEASED' and (${lot}.expires_on is null or ${lot}.expires_on >= ${TODAY_SQL})`;
}

/** The available units of the product whose id is the SQL expression `productId`. */
export function availableSql(productId: string): string {
  return `(select coalesce(sum(usable.quantity - usable.reserved), 0)::int from lot usable
           where usable.product_id = ${productId} and ${usableLotSql('usable')})`;
}

/** The order of the lots aliased `lot`: first expiry first, lots without expiry last, older lot first. */
export function firstExpiringOrder(lot: string): string {
  return `${lot}.expires_on asc nulls last, ${lot}.id asc`;
}

/**
 * Integers as one Postgres array literal, for a `?::int[]` parameter: a list of ids or quantities is then one
 * parameter of one statement, however long.
 */
export function intArray(values: Iterable<number>): string {
  return `{${[...values].join(',')}}`;
}
