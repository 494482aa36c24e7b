/**
 * The inventory's rules for staff input, as plain functions: each returns the clean value or throws a
 * BadUserInputError naming the offending argument.
 */
import { BadUserInputError } from '../../lib/errors.ts';

/** The largest change, and the largest reorder level, one request may set. */
const MAX_UNITS = 1_000_000;
const MAX_REASON_LENGTH = 500;

/** A stock adjustment: a non-zero whole number of units, at most MAX_UNITS either way. */
export function validateAdjustment(value: number, field = 'adjustment'): number {
  if (!Number.isInteger(value)) throw new BadUserInputError(field, 'must be a whole number of units');
  if (value === 0) throw new BadUserInputError(field, 'must not be zero');
  if (Math.abs(value) > MAX_UNITS) {
    throw new BadUserInputError(field, `must be between -${MAX_UNITS} and ${MAX_UNITS}`);
  }
  return value;
}

/** Why stock changed, trimmed: required, at most MAX_REASON_LENGTH characters. */
export function validateReason(value: string | null | undefined, field = 'reason'): string {
  const reason = value?.trim() ?? '';
  if (reason === '') throw new BadUserInputError(field, 'must not be empty');
  if (reason.length > MAX_REASON_LENGTH) {
    throw new BadUserInputError(field, `must be at most ${MAX_REASON_LENGTH} characters`);
  }
  return reason;
}

/** A reorder level: a whole number from 0 to MAX_UNITS. */
export function validateReorderLevel(value: number, field = 'reorderLevel'): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_UNITS) {
    throw new BadUserInputError(field, `must be a whole number from 0 to ${MAX_UNITS}`);
  }
  return value;
}

const MAX_LOT_NUMBER_LENGTH = 50;
/** How far ahead expiringLots looks at most (ten years). */
const MAX_WITHIN_DAYS = 3650;

/**
 * A manufacturer's lot number as stored: trimmed and in upper case (lot numbers are printed in capitals, and
 * a lower-case typo must not make a second lot), 1 to MAX_LOT_NUMBER_LENGTH printable characters.
 */
export function validateLotNumber(value: string, field = 'lotNumber'): string {
  const lotNumber = value.trim().toUpperCase();
  if (lotNumber === '') throw new BadUserInputError(field, 'must not be empty');
  if (lotNumber.length > MAX_LOT_NUMBER_LENGTH) {
    throw new BadUserInputError(field, `must be at most ${MAX_LOT_NUMBER_LENGTH} characters`);
  }
  if (/\p{Cc}/u.test(lotNumber)) throw new BadUserInputError(field, 'must not contain control characters');
  return lotNumber;
}

/** A received lot's expiry day (already a real `YYYY-MM-DD` day): today or later. */
export function validateExpiry(expiresOn: string, today: string, field = 'expiresOn'): string {
  if (expiresOn < today) throw new BadUserInputError(field, `must not be in the past (today is ${today})`);
  return expiresOn;
}

/** Units received: a whole number from 1 to MAX_UNITS. */
export function validateReceivedQuantity(value: number, field = 'quantity'): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_UNITS) {
    throw new BadUserInputError(field, `must be a whole number from 1 to ${MAX_UNITS}`);
  }
  return value;
}

/** An optional reason, trimmed: `fallback` when absent or blank, at most MAX_REASON_LENGTH characters. */
export function validateOptionalReason(
  value: string | null | undefined,
  fallback: string,
  field = 'reason',
): string {
  return value?.trim() ? validateReason(value, field) : fallback;
}

/** How many days ahead to look: 0 (today) to MAX_WITHIN_DAYS. */
export function validateWithinDays(value: number, field = 'withinDays'): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_WITHIN_DAYS) {
    throw new BadUserInputError(field, `must be a whole number of days from 0 to ${MAX_WITHIN_DAYS}`);
  }
  return value;
}
