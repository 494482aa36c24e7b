/**
 * The load driver process (forked by driver.ts): HTTP load with autocannon (or evenly paced, at a rate),
 * sequential requests for low-concurrency latency, raw Postgres commits, and WebSocket subscribers speaking graphql-transport-ws.
 */
import { Agent, request } from 'node:http';
import autocannon from 'autocannon';
import pg from 'pg';
import WebSocket from 'ws';
import { signRouterRequest } from '../../lib/router-proof.ts';
import {
  latencyStats,
  type AlertsJob,
  type AlertsResult,
  type CommitJob,
  type CommitResult,
  type DriverJob,
  type DriverMessage,
  type HttpLoadJob,
  type HttpLoadResult,
  type HttpRequestSpec,
  type ResponseCheck,
  type SequentialJob,
  type SubscribeJob,
  type SubscribeResult,
} from './driver.ts';

function checker(check: ResponseCheck): (body: string) => boolean {
  return check.kind === 'equals' ? (body) => body === check.body : (body) => !body.includes('"errors"');
}

/** The headers of a request: the spec's, and the router's proof for a direct subgraph call. */
function headersFor(job: Pick<HttpLoadJob, 'signAs'>, spec: HttpRequestSpec): Record<string, string> {
  const headers = { 'content-type': 'application/json', ...spec.headers };
  return job.signAs
    ? { ...headers, ...signRouterRequest(job.signAs.secret, spec.body, job.signAs.viewer) }
    : headers;
}

async function httpLoad(job: HttpLoadJob): Promise<HttpLoadResult> {
  if (job.ratePerSecond !== undefined) return pacedLoad(job, job.ratePerSecond);
  const ok = checker(job.check);
  let next = 0;
  let wrong = 0;
  let sample: string | undefined;
  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.durationS,
    // autocannon stops at its first sample tick after the duration: with its default tick of a second, a
    // run of 0.5 s took 1 s and one of 2.5 s took 3 s. Only the total and the latencies are read, not the
    // per-tick samples.
    sampleInt: 100,
    method: 'POST',
    requests: [
      {
        setupRequest: (raw) => {
          const spec = job.requests[next++ % job.requests.length] as HttpRequestSpec;
          return { ...raw, method: 'POST', body: spec.body, headers: headersFor(job, spec) };
        },
        onResponse: (status, body) => {
          if (status >= 200 && status < 300 && ok(body)) return;
          if (status >= 200 && status < 300) wrong++;
          sample ??= `${status} ${body.slice(0, 500)}`;
        },
      },
    ],
  });
  const failed = result.non2xx + result.errors + result.timeouts;
  return {
    requests: result.requests.total,
    durationS: result.duration,
    rps: result.requests.total / result.duration,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.average,
    },
    failed,
    wrong,
    ...(sample === undefined ? {} : { sample }),
  };
}

const sequentialAgent = new Agent({ keepAlive: true, maxSockets: 1 });

function post(
  url: URL,
  body: string,
  headers: Record<string, string>,
  agent: Agent = sequentialAgent,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** The answers of a run of requests: each one's latency, whether it failed or was wrong, the first bad one. */
function answerTally(check: ResponseCheck) {
  const ok = checker(check);
  const samples: number[] = [];
  let failed = 0;
  let wrong = 0;
  let sample: string | undefined;
  return {
    record(response: { status: number; body: string }, latencyMs: number): void {
      samples.push(latencyMs);
      const success = response.status >= 200 && response.status < 300;
      const right = success && ok(response.body);
      if (!success) failed++;
      else if (!right) wrong++;
      if (!right) sample ??= `${response.status} ${response.body.slice(0, 500)}`;
    },
    result(requests: number, durationS: number): HttpLoadResult {
      return {
        requests,
        durationS,
        rps: requests / durationS,
        latencyMs: latencyStats(samples),
        failed,
        wrong,
        ...(sample === undefined ? {} : { sample }),
      };
    },
  };
}

/** POSTs, answering a failed connection as status 0 with its message, for the tally. */
function postAnswer(url: URL, body: string, headers: Record<string, string>, agent?: Agent) {
  return post(url, body, headers, agent).catch((error: Error) => ({
    status: 0,
    body: error.message,
  }));
}

/**
 * Requests at evenly spaced times, whether or not the earlier ones were answered (an open loop), over at
 * most `connections` kept-alive connections. Not autocannon's rate: that is a budget per connection per
 * second, spent at the start of each second, so 45 a second was a burst of 45 and then 0.8 s of nothing.
 * Each latency runs from the time the request was due, so a request that waited for a free connection
 * counts its wait.
 */
async function pacedLoad(job: HttpLoadJob, ratePerSecond: number): Promise<HttpLoadResult> {
  const tally = answerTally(job.check);
  const url = new URL(job.url);
  const agent = new Agent({ keepAlive: true, maxSockets: job.connections });
  const count = Math.max(1, Math.round(job.durationS * ratePerSecond));
  const started = performance.now();
  const answered: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / ratePerSecond;
    const early = due - performance.now();
    if (early > 0) await new Promise((resolve) => setTimeout(resolve, early));
    const spec = job.requests[i % job.requests.length] as HttpRequestSpec;
    answered.push(
      postAnswer(url, spec.body, headersFor(job, spec), agent).then((response) =>
        tally.record(response, performance.now() - due),
      ),
    );
  }
  await Promise.all(answered);
  agent.destroy();
  return tally.result(count, (performance.now() - started) / 1000);
}

async function sequential(job: SequentialJob): Promise<HttpLoadResult> {
  const tally = answerTally(job.check);
  const url = new URL(job.url);
  const started = performance.now();
  for (let i = 0; i < job.count; i++) {
    const spec = job.requests[i % job.requests.length] as HttpRequestSpec;
    const headers = headersFor(job, spec);
    const sent = performance.now();
    tally.record(await postAnswer(url, spec.body, headers), performance.now() - sent);
  }
  return tally.result(job.count, (performance.now() - started) / 1000);
}

async function commits(job: CommitJob): Promise<CommitResult> {
  const samples: number[] = [];
  const deadline = performance.now() + job.durationS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: job.connections }, async (_, worker) => {
      const client = new pg.Client({ connectionString: job.databaseUrl });
      await client.connect();
      try {
        for (let i = 0; performance.now() < deadline; i++) {
          const sent = performance.now();
          const product = 1 + ((worker * 7919 + i * 31) % 9000);
          await client.query('begin');
          const { rows } = await client.query<{ id: number }>(
            `insert into raw_order (user_id, status, total_minor, currency, shipping_address, created_at, updated_at)
             values ($1, 'PENDING', 1998, 'USD', '1 Bench Street', now(), now()) returning id`,
            [1 + worker],
          );
          const orderId = rows[0]?.id;
          for (const productId of [product, product + 1]) {
            await client.query(
              `insert into raw_order_line (order_id, product_id, sku, product_name, quantity, unit_price_minor, line_total_minor)
               values ($1, $2, 'BENCH-RAW', 'Raw line', 1, 999, 999)`,
              [orderId, productId],
            );
          }
          await client.query('commit');
          samples.push(performance.now() - sent);
        }
      } finally {
        await client.end();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { transactions: samples.length, rate: samples.length / seconds, latencyMs: latencyStats(samples) };
}

interface Subscriber {
  socket: WebSocket;
  query: string;
  /** Called with each `next` payload. */
  onNext?: (payload: unknown) => void;
  errors: string[];
}

const subscribers = new Set<Subscriber>();

/** Opens one client: socket, connection_init with the token, and subscribe once acknowledged. */
function openSubscriber(url: string, token: string, query: string): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws');
    const subscriber: Subscriber = { socket, query, errors: [] };
    const fail = (reason: string) => {
      socket.terminate();
      reject(new Error(reason));
    };
    const timer = setTimeout(() => fail('no connection_ack within 30 s'), 30_000);
    socket.on('open', () =>
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
    );
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; payload?: unknown };
      if (message.type === 'connection_ack') {
        clearTimeout(timer);
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
        subscribers.add(subscriber);
        resolve(subscriber);
      } else if (message.type === 'next') subscriber.onNext?.(message.payload);
      else if (message.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
      else if (message.type === 'error')
        subscriber.errors.push(JSON.stringify(message.payload).slice(0, 300));
    });
    socket.on('close', (code, reason) => {
      subscribers.delete(subscriber);
      clearTimeout(timer);
      fail(`closed ${code} ${String(reason)}`);
    });
    socket.on('error', (error) => fail(error.message));
  });
}

async function subscribe(job: SubscribeJob): Promise<SubscribeResult> {
  const connectMs: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(job.parallel, job.count) }, async () => {
      while (next < job.count) {
        const group = job.groups[next++ % job.groups.length] as SubscribeJob['groups'][number];
        const opened = performance.now();
        try {
          await openSubscriber(job.url, group.token, group.query);
          connectMs.push(performance.now() - opened);
        } catch (error) {
          failed++;
          firstError ??= (error as Error).message;
        }
      }
    }),
  );
  return {
    subscribed: connectMs.length,
    failed,
    connectMs: latencyStats(connectMs),
    totalMs: performance.now() - started,
    ...(firstError === undefined ? {} : { firstError }),
  };
}

async function adjust(job: AlertsJob, adjustment: number): Promise<void> {
  const body = JSON.stringify({
    query:
      'mutation Bench($id: ID!, $by: Int!) { adjustInventory(productId: $id, adjustment: $by, reason: "bench") { available } }',
    variables: { id: String(job.productId), by: adjustment },
  });
  const response = await post(new URL(job.routerUrl), body, {
    'content-type': 'application/json',
    authorization: `Bearer ${job.staffToken}`,
  });
  if (response.status !== 200 || response.body.includes('"errors"')) {
    throw new Error(`adjustInventory answered ${response.status} ${response.body.slice(0, 300)}`);
  }
}

async function alerts(job: AlertsJob): Promise<AlertsResult> {
  const delays: number[] = [];
  const payloads: Record<string, unknown> = {};
  let wrong = 0;
  let sample: string | undefined;
  const clients = [...subscribers];
  for (let event = 0; event < job.events; event++) {
    let received = 0;
    let allReceived: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (allReceived = resolve));
    const sent = performance.now();
    for (const client of clients) {
      client.onNext = (payload) => {
        delays.push(performance.now() - sent);
        const result = payload as { data?: Record<string, unknown> | null; errors?: unknown[] };
        if (!result.data || result.errors) {
          wrong++;
          sample ??= JSON.stringify(payload).slice(0, 500);
        } else payloads[client.query] ??= result.data;
        client.onNext = undefined;
        if (++received === clients.length) allReceived();
      };
    }
    await adjust(job, -job.drop);
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, job.timeoutMs))]);
    await adjust(job, job.drop);
  }
  for (const client of clients) {
    wrong += client.errors.length;
    if (client.errors.length > 0) sample ??= client.errors[0];
  }
  return {
    events: job.events,
    expectedDeliveries: job.events * clients.length,
    deliveries: delays.length,
    delayMs: latencyStats(delays),
    wrong,
    payloads,
    ...(sample === undefined ? {} : { sample }),
  };
}

async function closeSubscribers(): Promise<{ closed: number }> {
  const open = [...subscribers];
  await Promise.all(
    open.map(
      (client) =>
        new Promise<void>((resolve) => {
          client.socket.once('close', () => resolve());
          client.socket.close(1000);
          setTimeout(() => {
            client.socket.terminate();
            resolve();
          }, 5_000).unref();
        }),
    ),
  );
  subscribers.clear();
  return { closed: open.length };
}

function run(job: DriverJob): Promise<unknown> {
  switch (job.kind) {
    case 'http':
      return httpLoad(job);
    case 'sequential':
      return sequential(job);
    case 'commits':
      return commits(job);
    case 'subscribe':
      return subscribe(job);
    case 'alerts':
      return alerts(job);
    case 'close-subscribers':
      return closeSubscribers();
  }
}

process.on('message', (message: { id: number; job: DriverJob }) => {
  run(message.job).then(
    (result) => process.send?.({ id: message.id, result } satisfies DriverMessage),
    (error: unknown) =>
      process.send?.({ id: message.id, error: (error as Error).message } satisfies DriverMessage),
  );
});
process.once('SIGTERM', () => void closeSubscribers().then(() => process.exit(0)));
