import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { CircuitBreaker } from './circuit-breaker.ts';

afterEach(() => {
  jest.restoreAllMocks();
});

describe('CircuitBreaker', () => {
  const settings = { failuresToOpen: 3, openMs: 1_000, maxOpenMs: 3_000 };

  it('opens after the failures in a row, fails fast while open, and lets one probe through after', () => {
    let now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const breaker = new CircuitBreaker(settings);
    breaker.failed();
    breaker.succeeded(); // a success in between: the count starts again
    for (let n = 0; n < 3; n++) {
      expect(breaker.allow()).toBe(true);
      breaker.failed();
    }
    expect(breaker.state).toBe('open');
    expect(breaker.allow()).toBe(false);
    now += 1_000;
    expect(breaker.state).toBe('half-open');
    expect(breaker.allow()).toBe(true); // the probe
    expect(breaker.allow()).toBe(false); // others wait for it
    breaker.succeeded();
    expect(breaker.state).toBe('closed');
    expect(breaker.allow()).toBe(true);
  });

  it('stays open twice as long after each failed probe, up to the longest', () => {
    let now = 2_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const breaker = new CircuitBreaker(settings);
    for (let n = 0; n < 3; n++) breaker.failed();
    const probeAfter = (ms: number) => {
      now += ms - 1;
      expect(breaker.allow()).toBe(false);
      now += 1;
      expect(breaker.allow()).toBe(true);
      breaker.failed();
    };
    probeAfter(1_000);
    probeAfter(2_000);
    probeAfter(3_000);
    probeAfter(3_000);
  });
});
