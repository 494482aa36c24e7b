/**
 * Money is exact: integer minor units (cents) in the database and a `Decimal` string such as "9.99" in the
 * API. No float ever holds an amount.
 */
import { BadUserInputError } from './errors.ts';

const MINOR_UNITS_PER_MAJOR = 100;
/** Up to 9,999,999.99: fits a Postgres `integer` of minor units with room to spare. */
const AMOUNT = /^(\d{1,7})(?:\.(\d{1,2}))?$/;

/** Parses a client's amount ("9.99", "10", "0.5") into minor units, or says what is wrong with `field`. */
export function parseMoney(value: string, field: string): number {
  const match = AMOUNT.exec(value.trim());
  if (!match) {
    throw new BadUserInputError(
      field,
      `must be a non-negative amount with at most two decimals and below 10000000, such as "9.99"; got "${value}"`,
    );
  }
  const [, whole = '0', fraction = ''] = match;
  return Number(whole) * MINOR_UNITS_PER_MAJOR + Number(fraction.padEnd(2, '0'));
}

export function formatMoney(minorUnits: number): string {
  if (!Number.isSafeInteger(minorUnits)) throw new Error(`not an amount in minor units: ${minorUnits}`);
  const sign = minorUnits < 0 ? '-' : '';
  const abs = Math.abs(minorUnits);
  return `${sign}${Math.trunc(abs / MINOR_UNITS_PER_MAJOR)}.${String(abs % MINOR_UNITS_PER_MAJOR).padStart(2, '0')}`;
}
