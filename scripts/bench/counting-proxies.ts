/**
 * Proxies that count what passes: subgraph requests between a router and a subgraph (HTTP), and SQL
 * statements between a subgraph and Postgres (the frontend messages of the wire protocol). They sit only on
 * the probe lane of the bench (a second router and subgraphs on the same databases), so the lane whose
 * speed is measured has no extra hop.
 */
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTcpProxy } from '../support/tcp-proxy.ts';

export interface Counter {
  /** Requests (HTTP) or statements (SQL) so far. */
  count: number;
}

export interface CountingProxy {
  url: string;
  counter: Counter;
  reset(): void;
  close(): Promise<void>;
}

function newCounter(): Counter {
  return { count: 0 };
}

/** An HTTP proxy to `target` (origin and path kept), counting requests. */
export async function countingHttpProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const counter = newCounter();
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      counter.count++;
      const forward = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: incoming.method,
          path: incoming.url,
          headers: { ...incoming.headers, host: upstream.host },
          agent,
        },
        (response) => {
          outgoing.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(outgoing);
        },
      );
      forward.on('error', () => {
        if (!outgoing.headersSent) outgoing.writeHead(502);
        outgoing.end();
      });
      forward.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    counter,
    reset: () => {
      counter.count = 0;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        agent.destroy();
      }),
  };
}

/** Startup-phase requests that are answered by a single byte and followed by another untyped message. */
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/** Counts the statements in what a Postgres client sends: each simple Query ('Q') and each Execute ('E'). */
function statementCounter(counter: Counter): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  let startup = true;
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    // Walk complete messages: the startup phase has untyped ones (length first), then type + length.
    for (;;) {
      if (startup) {
        if (pending.length < 8) break;
        const length = pending.readInt32BE(0);
        if (pending.length < length) break;
        const code = pending.readInt32BE(4);
        startup = code === SSL_REQUEST || code === GSSENC_REQUEST;
        pending = pending.subarray(length);
      } else {
        if (pending.length < 5) break;
        const length = pending.readInt32BE(1);
        if (pending.length < length + 1) break;
        const type = String.fromCharCode(pending[0] as number);
        if (type === 'Q' || type === 'E') counter.count++;
        pending = pending.subarray(length + 1);
      }
    }
  };
}

/** A TCP proxy to Postgres at `host:port` counting the statements clients run. Its url is `host:port`. */
export async function countingPostgresProxy(host: string, port: number): Promise<CountingProxy> {
  const counter = newCounter();
  const proxy = await startTcpProxy(host, port, { watchClient: () => statementCounter(counter) });
  return {
    url: `${proxy.host}:${proxy.port}`,
    counter,
    reset: () => {
      counter.count = 0;
    },
    close: () => proxy.close(),
  };
}
