import { BadUserInputError } from './errors.ts';

const ROW_ID = /^[1-9]\d{0,9}$/;
const MAX_ROW_ID = 2_147_483_647;

/** Whether a GraphQL `ID` can name a row (a positive Postgres `integer`). */
export function isRowId(id: string): boolean {
  return ROW_ID.test(id) && Number(id) <= MAX_ROW_ID;
}

/** A GraphQL `ID` is the row id as a string; anything else is the client's mistake in `field`. */
export function parseRowId(id: string, field: string): number {
  if (!isRowId(id)) throw new BadUserInputError(field, `"${id}" is not a valid id`);
  return Number(id);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a GraphQL `ID` can name a row keyed by a UUID (an event, an alert). */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}
