/**
 * Network doubles for end-to-end tests: a port with nothing listening, a server that never answers, a recording proxy that shows what the router really sends a subgraph, and a TCP proxy that
 * cuts a connection to a server and restores it.
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../../scripts/support/ports.ts';

/** A GraphQL URL on a port with nothing listening: connecting is refused at once. */
export async function closedPortUrl(path = '/graphql'): Promise<string> {
  return `http://127.0.0.1:${await freePort()}${path}`;
}

export interface TestHttpServer {
  url: string;
  close(): Promise<void>;
}

async function listen(server: Server, path: string): Promise<TestHttpServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A server that accepts every request and never answers it (a hung subgraph). */
export function startHangingServer(): Promise<TestHttpServer & { requests: () => number }> {
  let requests = 0;
  const server = createServer((req) => {
    requests += 1;
    req.resume(); // read the body, then hold the response forever
  });
  return listen(server, '/graphql').then((running) => ({ ...running, requests: () => requests }));
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A transparent HTTP proxy in front of `target` (a URL) that records every request it forwards, each as
 * soon as it arrives; `hold` (if given) delays forwarding a request until the promise it returns resolves, so that a test can see which
 * requests arrive while one is outstanding.
 */
export async function startRecordingProxy(
  target: string,
  hold?: (request: RecordedRequest) => Promise<void> | undefined,
): Promise<TestHttpServer & { recorded: RecordedRequest[] }> {
  const upstream = new URL(target);
  const recorded: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const recordedRequest: RecordedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body: body.toString('utf8'),
      };
      recorded.push(recordedRequest);
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => {
        res.statusCode = 502;
        res.end();
      });
      void Promise.resolve(hold?.(recordedRequest)).then(() => forward.end(body));
    });
  });
  const running = await listen(server, upstream.pathname);
  return { ...running, recorded };
}

// The TCP proxy serves the chaos suite too (scripts/chaos), so it lives in scripts/support.
export { startTcpProxy, type TcpProxy } from '../../scripts/support/tcp-proxy.ts';
