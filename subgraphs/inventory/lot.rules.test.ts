/**
 * The pure rules of lots: expiry through the expiry day, the status staff see, the units a lot can give,
 * first-expiry-first draws, the lot state machine, and the input rules for lots.
 */
import { describe, expect, it } from '@jest/globals';
import { ConfigError, readConfig } from '../../lib/config.ts';
import { BadUserInputError, ConflictError } from '../../lib/errors.ts';
import {
  validateExpiry,
  validateLotNumber,
  validateReceivedQuantity,
  validateWithinDays,
} from './inventory.rules.ts';
import { readLotExpiryConfig } from './lot-expiry.sweep.ts';
import type { StoredLotStatus } from './lot.entity.ts';
import {
  drawFirstExpiring,
  isExpired,
  lotAvailableOn,
  lotStatusOn,
  statusAfter,
  type LotAction,
} from './lot.rules.ts';

const TODAY = '2026-11-27';
const lot = (expiresOn: string | null, status: StoredLotStatus = 'RELEASED') => ({
  expiresOn,
  quantity: 10,
  reserved: 3,
  status,
});

describe('expiry', () => {
  it('is usable through its expiry day and expired from the next', () => {
    expect(isExpired(lot('2026-11-27'), TODAY)).toBe(false);
    expect(isExpired(lot('2026-11-26'), TODAY)).toBe(true);
    expect(isExpired(lot(null), TODAY)).toBe(false);
  });

  it('shows a released lot past its day as EXPIRED, a withdrawn one keeps its status', () => {
    expect(lotStatusOn(lot('2026-11-26'), TODAY)).toBe('EXPIRED');
    expect(lotStatusOn(lot('2026-11-28'), TODAY)).toBe('RELEASED');
    expect(lotStatusOn(lot('2026-11-26', 'RECALLED'), TODAY)).toBe('RECALLED');
    expect(lotStatusOn(lot('2026-11-26', 'QUARANTINED'), TODAY)).toBe('QUARANTINED');
  });

  it('gives its unheld units only while released and unexpired', () => {
    expect(lotAvailableOn(lot('2026-11-27'), TODAY)).toBe(7);
    expect(lotAvailableOn(lot(null), TODAY)).toBe(7);
    expect(lotAvailableOn(lot('2026-11-26'), TODAY)).toBe(0);
    expect(lotAvailableOn(lot('2027-01-01', 'QUARANTINED'), TODAY)).toBe(0);
    expect(lotAvailableOn(lot('2027-01-01', 'RECALLED'), TODAY)).toBe(0);
  });
});

describe('drawFirstExpiring', () => {
  const lots = [
    { name: 'A', available: 2 },
    { name: 'B', available: 0 },
    { name: 'C', available: 5 },
  ];

  it('takes from the first lots, skipping empty ones, splitting across lots', () => {
    expect(drawFirstExpiring(lots, 4)?.map((draw) => [draw.lot.name, draw.quantity])).toEqual([
      ['A', 2],
      ['C', 2],
    ]);
    expect(drawFirstExpiring(lots, 7)?.map((draw) => [draw.lot.name, draw.quantity])).toEqual([
      ['A', 2],
      ['C', 5],
    ]);
  });

  it('is null when the lots together cannot cover it', () => {
    expect(drawFirstExpiring(lots, 8)).toBeNull();
    expect(drawFirstExpiring([], 1)).toBeNull();
  });
});

describe('statusAfter (the lot state machine)', () => {
  it.each([
    ['RELEASED', 'quarantine', 'QUARANTINED'],
    ['RELEASED', 'recall', 'RECALLED'],
    ['QUARANTINED', 'release', 'RELEASED'],
    ['QUARANTINED', 'recall', 'RECALLED'],
  ] as const)('moves %s by %s to %s', (from, action, to) => {
    expect(statusAfter(from, action, 'L1')).toBe(to);
  });

  it.each([
    ['RELEASED', 'release', 'lot L1 is not quarantined'],
    ['QUARANTINED', 'quarantine', 'lot L1 is already quarantined'],
    ['RECALLED', 'recall', 'lot L1 was recalled: a recall is final'],
    ['RECALLED', 'release', 'lot L1 was recalled: a recall is final'],
    ['RECALLED', 'quarantine', 'lot L1 was recalled: a recall is final'],
  ] as [StoredLotStatus, LotAction, string][])('refuses %s by %s with CONFLICT', (from, action, message) => {
    expect(() => statusAfter(from, action, 'L1')).toThrow(new ConflictError(message));
    expect(() => statusAfter(from, action, 'L1')).toThrow(ConflictError);
  });
});

describe('lot input', () => {
  it('stores lot numbers trimmed and in upper case', () => {
    expect(validateLotNumber('  ab-123/x ')).toBe('AB-123/X');
  });

  it.each(['', '   ', 'x'.repeat(51), 'A\u0000B'])('refuses the lot number %p', (value) => {
    expect(() => validateLotNumber(value)).toThrow(BadUserInputError);
    expect(() => validateLotNumber(value)).toThrow(/^lotNumber: /);
  });

  it('accepts an expiry day from today on, refuses one in the past', () => {
    expect(validateExpiry(TODAY, TODAY)).toBe(TODAY);
    expect(() => validateExpiry('2026-11-26', TODAY)).toThrow(
      'expiresOn: must not be in the past (today is 2026-11-27)',
    );
  });

  it.each([0, -1, 1.5, 1_000_001])('refuses a received quantity of %p', (value) => {
    expect(() => validateReceivedQuantity(value)).toThrow(/^quantity: /);
  });

  it.each([-1, 3651, 0.5])('refuses withinDays %p', (value) => {
    expect(() => validateWithinDays(value)).toThrow(/^withinDays: /);
  });
});

describe('the expiry sweep settings', () => {
  it('sweeps daily and warns 30 days ahead by default', () => {
    expect(readConfig({}, readLotExpiryConfig)).toEqual({ sweepIntervalMs: 86_400_000, warningDays: 30 });
    expect(
      readConfig({ LOT_EXPIRY_SWEEP_INTERVAL_MS: '60000', EXPIRY_WARNING_DAYS: '7' }, readLotExpiryConfig),
    ).toEqual({ sweepIntervalMs: 60_000, warningDays: 7 });
  });

  it('names every bad setting', () => {
    const read = () =>
      readConfig({ LOT_EXPIRY_SWEEP_INTERVAL_MS: '10', EXPIRY_WARNING_DAYS: 'soon' }, readLotExpiryConfig);
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(/LOT_EXPIRY_SWEEP_INTERVAL_MS must be an integer between 1000 and 604800000/);
    expect(read).toThrow(/EXPIRY_WARNING_DAYS must be an integer between 0 and 365/);
  });
});
