/** The load driver's HTTP runs (scripts/bench/load-driver.ts, in a process of its own) against a local server. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, expect, it } from '@jest/globals';
import { LoadDriver } from './driver.ts';

const driver = new LoadDriver();
/** When each request arrived, in ms (performance.now() of this process). */
const arrivals: number[] = [];
const server = createServer((request, response) => {
  arrivals.push(performance.now());
  request.resume();
  request.on('end', () => response.end('{"data":{}}'));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
/** A run of `durationS` against the server: as fast as answered, or at `ratePerSecond`. */
const runAgainstServer = (options: { connections: number; durationS: number; ratePerSecond?: number }) =>
  driver.run({
    kind: 'http',
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests: [{ body: '{}', headers: {} }],
    check: { kind: 'no-errors' },
    ...options,
  });

afterAll(async () => {
  await driver.stop();
  await new Promise((resolve) => server.close(resolve));
});

it('lasts the run it was asked for, not until autocannon’s next whole second', async () => {
  const result = await runAgainstServer({ connections: 2, durationS: 0.3 });
  expect(result.requests).toBeGreaterThan(0);
  expect(result.failed).toBe(0);
  // With autocannon's default tick of a second this read 1.0 s.
  expect(result.durationS).toBeGreaterThanOrEqual(0.3);
  expect(result.durationS).toBeLessThan(0.8);
});

it('sends a rate evenly spaced, not as a burst at the start of each second', async () => {
  arrivals.length = 0;
  const result = await runAgainstServer({ connections: 4, durationS: 1, ratePerSecond: 20 });
  expect(result.requests).toBe(20);
  expect(result.failed).toBe(0);
  expect(arrivals).toHaveLength(20);
  // 50 ms apart when due (a late timer sends what is overdue at once, hence some slack); autocannon's rate
  // sent all 20 within a few milliseconds of each other.
  const gaps = arrivals.slice(1).map((at, i) => at - (arrivals[i] as number));
  expect(gaps.filter((gap) => gap < 25).length).toBeLessThanOrEqual(8);
  expect((arrivals.at(-1) as number) - (arrivals[0] as number)).toBeGreaterThan(800);
});
