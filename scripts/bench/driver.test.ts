/** The load driver's HTTP runs (scripts/bench/load-driver.ts, in a process of its own) against a local server. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, expect, it } from '@jest/globals';
import { LoadDriver } from './driver.ts';

const driver = new LoadDriver();
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => response.end('{"data":{}}'));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

afterAll(async () => {
  await driver.stop();
  await new Promise((resolve) => server.close(resolve));
});

it('lasts the run it was asked for, not until autocannon’s next whole second', async () => {
  const result = await driver.run({
    kind: 'http',
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    connections: 2,
    durationS: 0.3,
    requests: [{ body: '{}', headers: {} }],
    check: { kind: 'no-errors' },
  });
  expect(result.requests).toBeGreaterThan(0);
  expect(result.failed).toBe(0);
  // With autocannon's default tick of a second this read 1.0 s.
  expect(result.durationS).toBeGreaterThanOrEqual(0.3);
  expect(result.durationS).toBeLessThan(0.8);
});
