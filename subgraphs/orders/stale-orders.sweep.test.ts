import { describe, expect, it } from '@jest/globals';
import { readConfig } from '../../lib/config.ts';
import { readStaleOrderConfig } from './stale-orders.sweep.ts';

const read = (env: Record<string, string>) => readConfig(env, readStaleOrderConfig);

describe('the stale order sweep settings', () => {
  it('default to a sweep every 30 s, republishing after 2 minutes and giving up after 30', () => {
    expect(read({})).toEqual({
      sweepIntervalMs: 30_000,
      republishAfterSeconds: 120,
      rejectAfterSeconds: 1_800,
    });
  });

  it('refuse giving up on an order before its placement was republished, naming both', () => {
    expect(() =>
      read({ STALE_ORDER_REPUBLISH_AFTER_SECONDS: '60', STALE_ORDER_REJECT_AFTER_SECONDS: '60' }),
    ).toThrow('STALE_ORDER_REJECT_AFTER_SECONDS must be above STALE_ORDER_REPUBLISH_AFTER_SECONDS');
    expect(() => read({ STALE_ORDER_SWEEP_INTERVAL_SECONDS: '0' })).toThrow(
      'STALE_ORDER_SWEEP_INTERVAL_SECONDS',
    );
  });
});
