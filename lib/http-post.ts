/**
 * A POST from one of our services to another on a request's path (the router to a subgraph, orders to the
 * catalogue), read whole. Node's http client over kept-alive connections rather than fetch: fetch's WHATWG
 * streams and objects cost more CPU than such a call itself.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** An HTTP answer: its status and its whole body as text. */
export interface HttpAnswer {
  status: number;
  text: string;
}

/**
 * Connections kept open between requests. An idle one is closed after a minute, before the services' own
 * keep-alive timeout (620 s, above the load balancer's), so a request never goes out on a socket being closed.
 */
const KEEP_ALIVE = { keepAlive: true, timeout: 60_000 };
const httpAgent = new HttpAgent(KEEP_ALIVE);
const httpsAgent = new HttpsAgent(KEEP_ALIVE);

/** POSTs `body` to `target` and reads the whole answer; rejects on a network error or after `timeoutMs`. */
export function postText(
  target: URL,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<HttpAnswer> {
  const secure = target.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const sent = (secure ? httpsRequest : httpRequest)(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        agent: secure ? httpsAgent : httpAgent,
        signal: AbortSignal.timeout(timeoutMs),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    sent.on('error', reject);
    sent.end(body);
  });
}
