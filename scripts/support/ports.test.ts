/** freePort: never the same port twice in one process, even before anything listens on the first, and never one fetch refuses. */
import { describe, expect, it } from '@jest/globals';
import { fetchReaches, freePort } from './ports.ts';

describe('freePort', () => {
  it('hands out distinct ports, none of them listened on yet', async () => {
    const ports = await Promise.all(Array.from({ length: 300 }, () => freePort()));
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) expect(port).toBeGreaterThan(1024);
  });

  it("never one that fetch refuses to connect to (the Fetch standard's bad ports)", async () => {
    expect(fetchReaches(10080)).toBe(false);
    await expect(fetch('http://127.0.0.1:10080/')).rejects.toMatchObject({ cause: { message: 'bad port' } });
    expect(fetchReaches(10081)).toBe(true);
  });
});
