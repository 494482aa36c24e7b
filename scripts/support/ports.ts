/** Ports for services the bench and the tests start as child processes. */
import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';

/**
 * Ports this process has handed out: a child given one may not listen on it yet, so it still looks free,
 * and once gave two services of one bench stack the same port (the second failed with EADDRINUSE).
 */
const handedOut = new Set<number>();

/**
 * A port that is free now and that the kernel will not hand out by itself: it lies below the ephemeral range
 * that port-0 listeners and outgoing connections draw from, so another process's connection cannot take it
 * between this call and a child process listening on it. Never one this process handed out before.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await unclaimedPort();
    if (!handedOut.has(port) && fetchReaches(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/**
 * Whether `fetch` connects to `port`: the Fetch standard's "bad ports" it refuses ("fetch failed: bad
 * port"). Of those, only 10080 lies in the range drawn from here; a test's metrics port once fell on it.
 */
export function fetchReaches(port: number): boolean {
  return port !== 10080;
}

async function unclaimedPort(): Promise<number> {
  const [ephemeralLow = 32768] = (
    await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => '')
  )
    .trim()
    .split(/\s+/)
    .map(Number)
    .filter((port) => Number.isInteger(port) && port > 1024);
  const low = 10_000;
  for (let attempt = 0; attempt < 50 && ephemeralLow > low + 1000; attempt++) {
    const candidate = low + Math.floor(Math.random() * (ephemeralLow - low));
    if (await canListen(candidate)) return candidate;
  }
  return ephemeralPort();
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

/** A port from the kernel's ephemeral range (listen on port 0, then close). */
function ephemeralPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
