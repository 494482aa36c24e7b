/**
 * The load driver's jobs and results, and the orchestrator's handle on it: the driver is a child process of
 * its own (load-driver.ts), so the load it generates is never measured as the router's or a subgraph's.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Viewer } from '../../lib/viewer.ts';

export interface HttpRequestSpec {
  body: string;
  headers: Record<string, string>;
}

/** What a response must be to count as right: no GraphQL errors, or exactly this body. */
export type ResponseCheck = { kind: 'no-errors' } | { kind: 'equals'; body: string };

export interface HttpLoadJob {
  kind: 'http';
  url: string;
  connections: number;
  durationS: number;
  /** Sent in turn, one per request. */
  requests: readonly HttpRequestSpec[];
  /** Sign each request as the router signs subgraph requests (a direct call to a subgraph). */
  signAs?: { secret: string; viewer: Viewer | null };
  check: ResponseCheck;
  /**
   * A steady rate (requests per second, all connections together, evenly spaced, sent whether or not the
   * earlier ones were answered) instead of as fast as answered.
   */
  ratePerSecond?: number;
}

/** One request at a time: latency at the lowest concurrency, with sub-millisecond resolution. */
export interface SequentialJob extends Omit<HttpLoadJob, 'kind' | 'connections' | 'durationS'> {
  kind: 'sequential';
  count: number;
}

export interface LatencyStats {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface HttpLoadResult {
  requests: number;
  durationS: number;
  rps: number;
  latencyMs: LatencyStats;
  /** Non-2xx answers, socket errors and timeouts. */
  failed: number;
  /** 2xx answers that failed the check. */
  wrong: number;
  /** The first wrong or failed body, cut short. */
  sample?: string;
}

/** pgbench-style: an order and two lines inserted in one transaction, by `connections` clients. */
export interface CommitJob {
  kind: 'commits';
  databaseUrl: string;
  connections: number;
  durationS: number;
}

export interface CommitResult {
  transactions: number;
  rate: number;
  latencyMs: LatencyStats;
}

export interface SubscriberGroup {
  token: string;
  query: string;
}

/** Opens `count` WebSocket clients (graphql-transport-ws), each subscribed with a group in turn. */
export interface SubscribeJob {
  kind: 'subscribe';
  url: string;
  count: number;
  groups: SubscriberGroup[];
  /** Handshakes in flight at once. */
  parallel: number;
}

export interface SubscribeResult {
  subscribed: number;
  failed: number;
  /** From opening the socket to sending `subscribe` after the ack, per client. */
  connectMs: LatencyStats;
  totalMs: number;
  firstError?: string;
}

/**
 * Moves the alert product below its reorder level `events` times (adjustInventory through the router) and
 * waits each time for every open client to receive the alert.
 */
export interface AlertsJob {
  kind: 'alerts';
  routerUrl: string;
  staffToken: string;
  productId: number;
  /** Units removed to fall below the reorder level (and put back before the next event). */
  drop: number;
  events: number;
  timeoutMs: number;
}

export interface AlertsResult {
  events: number;
  expectedDeliveries: number;
  deliveries: number;
  /** From sending adjustInventory to a client's receipt of the alert. */
  delayMs: LatencyStats;
  /** Alerts without data or with errors, and error messages on the subscriptions. */
  wrong: number;
  sample?: string;
  /** One delivered alert per subscription query, to check against what was asked. */
  payloads: Record<string, unknown>;
}

export interface CloseSubscribersJob {
  kind: 'close-subscribers';
}

export type DriverJob =
  HttpLoadJob | SequentialJob | CommitJob | SubscribeJob | AlertsJob | CloseSubscribersJob;

export type DriverResult<TJob extends DriverJob> = TJob extends HttpLoadJob | SequentialJob
  ? HttpLoadResult
  : TJob extends CommitJob
    ? CommitResult
    : TJob extends SubscribeJob
      ? SubscribeResult
      : TJob extends AlertsJob
        ? AlertsResult
        : { closed: number };

export interface DriverMessage {
  id: number;
  result?: unknown;
  error?: string;
}

/** p50/p90/p99/max/mean of samples (ms). */
export function latencyStats(samples: number[]): LatencyStats {
  if (samples.length === 0) return { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
  return {
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: sorted[sorted.length - 1] as number,
    mean: samples.reduce((sum, each) => sum + each, 0) / samples.length,
  };
}

export class LoadDriver {
  readonly child: ChildProcess;
  /** The driver's process, for its CPU. */
  readonly pid: number;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  constructor() {
    this.child = fork(fileURLToPath(new URL('./load-driver.ts', import.meta.url)), [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    if (this.child.pid === undefined) throw new Error('the load driver could not be started');
    this.pid = this.child.pid;
    this.child.on('message', (message: DriverMessage) => {
      const waiting = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error !== undefined) waiting?.reject(new Error(`load driver: ${message.error}`));
      else waiting?.resolve(message.result);
    });
    this.child.once('exit', (code) => {
      for (const waiting of this.#pending.values()) waiting.reject(new Error(`load driver exited (${code})`));
      this.#pending.clear();
    });
  }

  run<TJob extends DriverJob>(job: TJob): Promise<DriverResult<TJob>> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, job });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}
