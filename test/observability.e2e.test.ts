/**
 * Observability through the real stack (`npm start`, one process, the Postgres bus): an in-process OTLP/HTTP
 * receiver collects the spans of one placeOrder and finds one trace across the router, orders, products,
 * inventory and both consumers, each span under its own service and after its cause; `/metrics` counts
 * known traffic exactly (the same trace on the Pub/Sub emulator when gcloud is here); 1,000 distinct operation names do not grow the router's series beyond the bound.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPharmacyClient } from '../sdk/index.ts';
import { freePort } from '../scripts/support/ports.ts';
import { scrapeMetrics } from '../scripts/support/prometheus.ts';
import { killAllServices } from './support/processes.ts';
import { temporaryKeysFile } from './support/services.ts';
import {
  dropWholeSupergraphDatabases,
  startWholeSupergraph,
  wholeSupergraphEnv,
} from './support/whole-supergraph.ts';
import { pubSubTestsEnabled, testPubSubEmulator } from './support/pubsub-emulator.ts';
import { waitFor } from './support/waiting.ts';
import type { PubSubEmulator } from '../scripts/support/pubsub-emulator.ts';

const STARTUP_MS = 60_000;
const prefix = `t_obs_${randomBytes(4).toString('hex')}_`;
const MAX_OPERATION_NAMES = 40;

/** A span as the test reads it from OTLP/JSON. */
interface ReceivedSpan {
  service: string;
  scope: string;
  name: string;
  /** OTLP's span kind: SPAN_KIND_CLIENT for an outgoing call. */
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  attributes: Record<string, unknown>;
}

const SPAN_KIND_CLIENT = 3;

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: {
      scope?: { name?: string };
      spans?: {
        name: string;
        kind: number;
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        attributes?: OtlpAttribute[];
      }[];
    }[];
  }[];
}

const attributesOf = (attributes: OtlpAttribute[] = []): Record<string, unknown> =>
  Object.fromEntries(
    attributes.map(({ key, value }) => [
      key,
      value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue,
    ]),
  );

/** An OTLP/HTTP receiver (JSON, what @opentelemetry/exporter-trace-otlp-http sends) of traces only. */
function startReceiver(): Promise<{
  server: Server;
  url: string;
  spans: ReceivedSpan[];
  raw: string[];
  otherPaths: Set<string>;
}> {
  const spans: ReceivedSpan[] = [];
  const raw: string[] = [];
  /** Where exports other than traces went (metrics, logs): nothing should be sent there. */
  const otherPaths = new Set<string>();
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (req.url !== '/v1/traces') {
        otherPaths.add(req.url ?? '');
        res.end();
        return;
      }
      raw.push(body);
      const exported = JSON.parse(body) as OtlpExport;
      for (const resourceSpans of exported.resourceSpans ?? []) {
        const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name']);
        for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
          for (const span of scopeSpans.spans ?? []) {
            spans.push({
              service,
              scope: scopeSpans.scope?.name ?? '',
              name: span.name,
              kind: span.kind,
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId ?? '',
              attributes: attributesOf(span.attributes),
            });
          }
        }
      }
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        spans,
        raw,
        otherPaths,
      }),
    ),
  );
}

/** A service's /metrics as `name{labels}` → value. */
const scrape = (port: number) => scrapeMetrics(`http://127.0.0.1:${port}/metrics`);

const sample = (samples: Map<string, number>, key: string): number => samples.get(key) ?? 0;

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let keysFile: string;

interface Stack {
  url: string;
  metricsPorts: { router: number; orders: number; inventory: number };
}

/** `npm start` on `bus`, sending its spans to the receiver, with /metrics on ports of its own. */
async function startStack(bus: 'postgres' | 'pubsub', busEnv: Record<string, string>): Promise<Stack> {
  const metricsPorts = { router: await freePort(), orders: await freePort(), inventory: await freePort() };
  const { url } = await startWholeSupergraph(
    {
      ...(await wholeSupergraphEnv(`${prefix}${bus}_`, keysFile)),
      ...busEnv,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      // Were OTLP metrics exported, they would come every 200 ms (the SDK exports traces only).
      OTEL_METRIC_EXPORT_INTERVAL: '200',
      OTEL_METRIC_EXPORT_TIMEOUT: '100',
      METRICS_PORT: String(metricsPorts.router),
      ORDERS_METRICS_PORT: String(metricsPorts.orders),
      INVENTORY_METRICS_PORT: String(metricsPorts.inventory),
      METRICS_MAX_OPERATION_NAMES: String(MAX_OPERATION_NAMES),
    },
    STARTUP_MS,
  );
  return { url, metricsPorts };
}

/**
 * The emulator starts with the file (it takes seconds) while the Postgres scenario runs; a failed start
 * fails the scenario that awaits it.
 */
const emulatorStarting: Promise<PubSubEmulator> | undefined = pubSubTestsEnabled()
  ? testPubSubEmulator()
  : undefined;
emulatorStarting?.catch(() => undefined);

beforeAll(async () => {
  receiver = await startReceiver();
  keysFile = await temporaryKeysFile();
});

afterAll(async () => {
  await killAllServices();
  await new Promise((resolve) => receiver?.server.close(resolve));
  await Promise.all(['postgres', 'pubsub'].map((bus) => dropWholeSupergraphDatabases(`${prefix}${bus}_`)));
  if (keysFile !== undefined) await rm(dirname(keysFile), { recursive: true, force: true });
  await (await emulatorStarting?.catch(() => undefined))?.stop();
});

/** One placeOrder through `stack`: one trace, in causal order, and the counters it moved. */
async function followOnePlaceOrder({ url, metricsPorts }: Stack): Promise<void> {
  const requestId = `obs-${randomBytes(6).toString('hex')}`;
  const customer = createPharmacyClient({ url, headers: { 'x-request-id': requestId } });
  const { login } = await customer.login({ username: 'customer', password: 'customer123' });
  customer.setToken(login.accessToken);
  const { products } = await customer.products({ filter: { search: 'aspirin' }, pageSize: 5 });
  const [aspirin] = products.items;
  if (!aspirin) throw new Error('no aspirin in the demo catalogue');

  const orders = await scrape(metricsPorts.orders);
  const inventory = await scrape(metricsPorts.inventory);
  const router = await scrape(metricsPorts.router);
  const { placeOrder } = await customer.placeOrder({
    input: { lines: [{ productId: aspirin.id, quantity: 1 }], shippingAddress: '1 Trace Street' },
  });
  await waitFor(
    'the order confirmed',
    async () => (await customer.order({ id: placeOrder.id })).order?.status === 'CONFIRMED',
    15_000,
  );

  // The trace: the router's span of this request is its root.
  const root = await waitFor(
    "the router's span of the request",
    () =>
      receiver.spans.find(
        (span) =>
          span.service === 'router' &&
          span.name === 'mutation PlaceOrder' &&
          span.attributes['pharmacy.request_id'] === requestId,
      ),
    10_000,
  );
  expect(root.parentSpanId).toBe('');
  expect(root.attributes['graphql.operation.name']).toBe('PlaceOrder');
  const spanOf = (service: string, name: string | RegExp) =>
    waitFor(`the ${service} span ${String(name)}`, () =>
      receiver.spans.find(
        (span) =>
          span.traceId === root.traceId &&
          span.service === service &&
          (typeof name === 'string' ? span.name === name : name.test(span.name)),
      ),
    );
  const ordersOperation = await spanOf('orders', /^mutation PlaceOrder__orders__/);
  const productsPricing = await spanOf('products', 'query OrderableProducts');
  const ordersRelay = await spanOf('orders', 'outbox relay order-events');
  const inventoryConsumer = await spanOf('inventory', 'process order-events');
  const inventoryRelay = await spanOf('inventory', 'outbox relay inventory-events');
  const ordersConsumer = await spanOf('orders', 'process inventory-events');
  const gatewayFetch = await spanOf('router', 'gateway.fetch');

  const trace = new Map(
    receiver.spans.filter((span) => span.traceId === root.traceId).map((span) => [span.spanId, span]),
  );
  /** Whether `ancestor` is `span` or one of its ancestors, through parent links only. */
  const descendsFrom = (span: ReceivedSpan, ancestor: ReceivedSpan): boolean => {
    for (let at: ReceivedSpan | undefined = span; at; at = trace.get(at.parentSpanId)) {
      if (at.spanId === ancestor.spanId) return true;
    }
    return false;
  };
  // Causal order: each step is a descendant of the one that caused it.
  expect(descendsFrom(gatewayFetch, root)).toBe(true);
  expect(descendsFrom(ordersOperation, gatewayFetch)).toBe(true);
  expect(descendsFrom(productsPricing, ordersOperation)).toBe(true);
  expect(descendsFrom(ordersRelay, ordersOperation)).toBe(true);
  expect(descendsFrom(inventoryConsumer, ordersRelay)).toBe(true);
  expect(descendsFrom(inventoryRelay, inventoryConsumer)).toBe(true);
  expect(descendsFrom(ordersConsumer, inventoryRelay)).toBe(true);
  // Every span of the trace has its parent in it: nothing was cut off.
  for (const span of trace.values()) {
    if (span !== root) expect(trace.has(span.parentSpanId)).toBe(true);
  }
  // Outbound HTTP is traced: the router's call to the orders subgraph, below the gateway's fetch and above
  // the orders service's operation; orders' call to products for prices, likewise.
  const routerCall = [...trace.values()].find(
    (span) => span.service === 'router' && span.name === 'POST' && descendsFrom(span, gatewayFetch),
  );
  expect(routerCall?.kind).toBe(SPAN_KIND_CLIENT);
  expect(routerCall?.attributes['http.request.method']).toBe('POST');
  expect(Number(routerCall?.attributes['http.response.status_code'])).toBe(200);
  expect(descendsFrom(ordersOperation, routerCall as ReceivedSpan)).toBe(true);
  const ordersCall = [...trace.values()].find(
    (span) => span.service === 'orders' && span.name === 'POST' && descendsFrom(span, ordersOperation),
  );
  expect(ordersCall?.kind).toBe(SPAN_KIND_CLIENT);
  expect(Number(ordersCall?.attributes['http.response.status_code'])).toBe(200);
  expect(descendsFrom(productsPricing, ordersCall as ReceivedSpan)).toBe(true);
  // Postgres statements are traced, under the service that ran them.
  expect(
    [...trace.values()].some((span) => span.service === 'inventory' && span.name.startsWith('pg.query')),
  ).toBe(true);
  // Traces only: metrics are served at /metrics, not pushed over OTLP.
  expect([...receiver.otherPaths]).toEqual([]);
  // Never a password, a token or variables.
  const everything = receiver.raw.join('\n');
  expect(everything).not.toContain('customer123');
  expect(everything).not.toContain(login.accessToken);
  expect(everything).not.toContain('1 Trace Street');

  // The counters moved by exactly this order.
  const delta = (before: Map<string, number>, after: Map<string, number>, key: string) =>
    sample(after, key) - sample(before, key);
  const [ordersAfter, inventoryAfter, routerAfter] = await Promise.all([
    scrape(metricsPorts.orders),
    scrape(metricsPorts.inventory),
    scrape(metricsPorts.router),
  ]);
  expect(delta(orders, ordersAfter, 'pharmacy_events_published_total{topic="order-events"}')).toBe(1);
  expect(
    delta(
      inventory,
      inventoryAfter,
      'pharmacy_events_consumed_total{topic="order-events",subscription="inventory.order-events",outcome="ok"}',
    ),
  ).toBe(1);
  expect(
    delta(
      orders,
      ordersAfter,
      'pharmacy_events_consumed_total{topic="inventory-events",subscription="orders.inventory-events",outcome="ok"}',
    ),
  ).toBe(1);
  expect(delta(orders, ordersAfter, 'pharmacy_order_decision_seconds_count{status="CONFIRMED"}')).toBe(1);
  expect(
    delta(router, routerAfter, 'pharmacy_router_requests_total{operation="PlaceOrder",type="mutation"}'),
  ).toBe(1);
  expect(sample(ordersAfter, 'pharmacy_outbox_backlog')).toBe(0);
  expect(ordersAfter.has('pharmacy_nodejs_eventloop_lag_p99_seconds{service="orders"}')).toBe(true);
}

describe('observability on the Postgres bus', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack('postgres', {});
  }, STARTUP_MS + 10_000);

  it('follows one placeOrder in one trace through the router, the subgraphs and the bus, and counts it', async () => {
    await followOnePlaceOrder(stack);
  }, 60_000);

  it('counts requests and errors per operation exactly', async () => {
    const post = (query: string) =>
      fetch(stack.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
    const before = await scrape(stack.metricsPorts.router);
    for (let i = 0; i < 3; i++) await post('query ObsCount { __typename }');
    for (let i = 0; i < 2; i++) await post('query ObsBroken { noSuchField }');
    const after = await scrape(stack.metricsPorts.router);
    // A fresh name (the first test used fewer than the bound): its own series.
    expect(sample(after, 'pharmacy_router_requests_total{operation="ObsCount",type="query"}')).toBe(3);
    expect(
      sample(after, 'pharmacy_router_request_duration_seconds_count{operation="ObsCount",type="query"}'),
    ).toBe(3);
    // Validation fails before the operation is resolved: its name is not trusted as a label.
    const key = 'pharmacy_router_errors_total{operation="unresolved",code="GRAPHQL_VALIDATION_FAILED"}';
    expect(sample(after, key) - sample(before, key)).toBe(2);
  });

  it('records no span in any service for a request its caller marks not sampled, and tells each service so', async () => {
    const query = 'query ObsUnsampled { products(pageSize: 1) { items { id name } } }';
    const { login } = await createPharmacyClient({ url: stack.url }).login({
      username: 'customer',
      password: 'customer123',
    });
    const post = (traceId: string, flags: '00' | '01') =>
      fetch(stack.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${login.accessToken}`,
          traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-${flags}`,
        },
        body: JSON.stringify({ query }),
      });
    const unsampled = randomBytes(16).toString('hex');
    expect((await post(unsampled, '00')).status).toBe(200);
    // The same request sampled, after it: once its products span is in, the other's would be too.
    const sampled = randomBytes(16).toString('hex');
    expect((await post(sampled, '01')).status).toBe(200);
    await waitFor('the sampled request’s products span', () =>
      receiver.spans.some(({ traceId, service }) => traceId === sampled && service === 'products'),
    );
    expect(receiver.spans.filter(({ traceId }) => traceId === unsampled)).toEqual([]);
    // Not told that the trace is not sampled, products would have started one of its own for the request.
    const ofTheQuery = receiver.spans.filter(({ name }) => name.includes('ObsUnsampled'));
    expect(ofTheQuery.length).toBeGreaterThan(0);
    expect(ofTheQuery.filter(({ traceId }) => traceId !== sampled)).toEqual([]);
  });

  it('keeps at most METRICS_MAX_OPERATION_NAMES operation names however many clients send', async () => {
    const names = Array.from({ length: 1_000 }, (_, index) => `Unknown${index}`);
    for (let start = 0; start < names.length; start += 25) {
      await Promise.all(
        names.slice(start, start + 25).map((name) =>
          fetch(stack.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: `query ${name} { __typename }` }),
          }).then((response) => response.text()),
        ),
      );
    }
    const samples = await scrape(stack.metricsPorts.router);
    const operations = new Set(
      [...samples.keys()]
        .filter((key) => key.startsWith('pharmacy_router_requests_total{'))
        .map((key) => /operation="([^"]*)"/.exec(key)?.[1]),
    );
    // The kept names, plus `other`, `anonymous` and `unresolved` at most.
    expect(operations.size).toBeLessThanOrEqual(MAX_OPERATION_NAMES + 3);
    expect(operations.has('other')).toBe(true);
    const kept = names.filter((name) => operations.has(name)).length;
    expect(sample(samples, 'pharmacy_router_requests_total{operation="other",type="query"}')).toBe(
      names.length - kept,
    );
  }, 60_000);
});

(pubSubTestsEnabled() ? describe : describe.skip)('observability on the Pub/Sub bus', () => {
  let stack: Stack;
  beforeAll(async () => {
    if (emulatorStarting === undefined) throw new Error('the Pub/Sub emulator was not started');
    const { host, projectId } = await emulatorStarting;
    stack = await startStack('pubsub', {
      EVENT_BUS: 'pubsub',
      PUBSUB_EMULATOR_HOST: host,
      PUBSUB_PROJECT_ID: projectId,
    });
  }, 2 * STARTUP_MS);

  it('follows one placeOrder in one trace, the traceparent crossing Pub/Sub', async () => {
    await followOnePlaceOrder(stack);
  }, 60_000);
});
