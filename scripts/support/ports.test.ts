/** freePort: never the same port twice in one process, even before anything listens on the first. */
import { describe, expect, it } from '@jest/globals';
import { freePort } from './ports.ts';

describe('freePort', () => {
  it('hands out distinct ports, none of them listened on yet', async () => {
    const ports = await Promise.all(Array.from({ length: 300 }, () => freePort()));
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) expect(port).toBeGreaterThan(1024);
  });
});
