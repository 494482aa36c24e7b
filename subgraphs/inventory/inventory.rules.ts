/**
 * The inventory's rules for staff input, as plain functions: each returns the clean value or throws a
 * BadUserInputError naming the offending argument.
 */
import { BadUserInputError } from '../../lib/errors.ts';

/** The largest change, and the largest reorder level, one request may set. */
export const MAX_UNITS = 1_000_000;
export const MAX_REASON_LENGTH = 500;

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
