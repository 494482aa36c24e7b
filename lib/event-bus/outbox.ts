/**
 * The transactional outbox: a service that changes state and announces it writes the event into its own
 * database in the same transaction (`enqueueEvent`), and a relay publishes what was committed
 * (`OutboxRelay`). So an event exists if and only if its change was committed: a rollback takes the
 * event with it, a crash after the commit leaves it for the relay, and a bus outage only delays it.
 *
 * Delivery is at-least-once: a relay that dies after publishing but before marking the row publishes it
 * again, which consumers absorb by deduplicating on the event id.
 *
 * The table comes from the `CreateOutbox` migration (outbox.migration.ts).
 */
import pg from 'pg';
import type { EntityManager } from '../database.ts';
import type { Logger } from '../logger.ts';
import type { EventMetrics } from '../metrics.ts';
import { contextFromTraceparent, currentTraceparent, SpanKind, type ServiceTracer } from '../telemetry.ts';
import { validateEvent, type EventEnvelope } from './event.ts';
import { assertBusName, type EventBus, type OutgoingEvent } from './event-bus.ts';

/** NOTIFY channel that wakes the relays of this database when a transaction with events commits. */
const CHANNEL = 'outbox_event';

/**
 * Writes `event` for `topic` in the caller's transaction: call it inside the `em.transactional(...)` that
 * makes the change the event announces. The relays are notified when that transaction commits.
 */
export async function enqueueEvent(em: EntityManager, topic: string, event: EventEnvelope): Promise<void> {
  if (!em.isInTransaction()) {
    throw new Error(
      'enqueueEvent must run inside em.transactional(...), in the transaction of the change it announces',
    );
  }
  // Refused here, while the caller can still roll back, rather than by the relay forever after.
  assertBusName('topic', topic);
  validateEvent(event);
  // The writing request's trace goes with the event, for the relay and the consumers to continue.
  const traceparent = currentTraceparent();
  const stored = traceparent === undefined ? event : { ...event, traceparent };
  await em.execute(
    `with inserted as (
       insert into outbox_event (topic, event_id, event) values (?, ?, ?::jsonb) returning id
     )
     select pg_notify('${CHANNEL}', id::text) from inserted`,
    [topic, event.id, JSON.stringify(stored)],
  );
}

export interface OutboxRelayOptions {
  /** The database whose `outbox_event` table this relay publishes. */
  databaseUrl: string;
  bus: EventBus;
  logger: Logger;
  /** The service's spans: each publish continues the trace of the request that wrote the event. */
  tracer?: ServiceTracer;
  metrics?: EventMetrics;
  /** Rows claimed and published per transaction. Default 100. */
  batchSize?: number;
  /**
   * How often an idle relay looks for rows when no notification came (a lost LISTEN connection).
   * Default 500.
   */
  pollIntervalMs?: number;
  /** The wait after a failed batch (bus or database down), doubling up to `maxRetryDelayMs`. Default 200. */
  retryDelayMs?: number;
  /** Default 10 000. */
  maxRetryDelayMs?: number;
  /** Published rows are kept this long for inspection, then deleted. Default 168 (a week). */
  retainPublishedHours?: number;
}

interface OutboxRow {
  id: string;
  topic: string;
  event: unknown;
}

/** How long a relay whose LISTEN failed polls before it tries LISTEN again. */
const LISTEN_RETRY_MS = 5_000;

/** How often a relay deletes old published rows. */
const PRUNE_INTERVAL_MS = 3_600_000;

/**
 * Publishes the outbox in id order: claims a batch of unpublished rows (`FOR UPDATE SKIP LOCKED`, so
 * several replicas share the work without publishing a row twice), publishes them and marks them in the
 * same transaction. It wakes on NOTIFY from `enqueueEvent`, backs off while the bus or the database is
 * down, and resumes by itself.
 */
export class OutboxRelay {
  readonly #bus: EventBus;
  readonly #logger: Logger;
  readonly #tracer: ServiceTracer | undefined;
  readonly #metrics: EventMetrics | undefined;
  readonly #databaseUrl: string;
  readonly #pool: pg.Pool;
  readonly #batchSize: number;
  readonly #pollIntervalMs: number;
  readonly #retryDelayMs: number;
  readonly #maxRetryDelayMs: number;
  readonly #retainPublishedHours: number;
  readonly #running: Promise<void>;
  #stopping = false;
  #stopped: Promise<void> | undefined;
  #listener: pg.Client | undefined;
  /** When to try LISTEN again after it failed; the relay polls meanwhile. */
  #listenRetryAt = 0;
  /** A commit notified since the last claim: the next idle wait returns at once. */
  #notified = false;
  /** Ends the current wait, if any. */
  #wake: ((reason: 'stop' | 'notification') => void) | undefined;
  #lastPrune = 0;

  private constructor(options: OutboxRelayOptions) {
    const {
      databaseUrl,
      bus,
      logger,
      tracer,
      metrics,
      batchSize = 100,
      pollIntervalMs = 500,
      retryDelayMs = 200,
      maxRetryDelayMs = 10_000,
      retainPublishedHours = 168,
    } = options;
    this.#bus = bus;
    this.#tracer = tracer;
    this.#metrics = metrics;
    this.#logger = logger.child({ component: 'outbox-relay' });
    this.#databaseUrl = databaseUrl;
    this.#pool = new pg.Pool({ connectionString: databaseUrl, max: 2, connectionTimeoutMillis: 5_000 });
    // An idle connection that the server drops emits here; unhandled, it would end the process.
    this.#pool.on('error', (error) => this.#logger.warn({ err: error }, 'outbox connection lost'));
    this.#batchSize = batchSize;
    this.#pollIntervalMs = pollIntervalMs;
    this.#retryDelayMs = retryDelayMs;
    this.#maxRetryDelayMs = maxRetryDelayMs;
    this.#retainPublishedHours = retainPublishedHours;
    this.#running = this.#run();
  }

  /** Starts relaying at once; failures are logged and retried, never thrown. */
  static start(options: OutboxRelayOptions): OutboxRelay {
    return new OutboxRelay(options);
  }

  /** Finishes the batch in hand (it is published and marked, or left for the next relay), then stops. */
  stop(): Promise<void> {
    this.#stopped ??= this.#shutDown();
    return this.#stopped;
  }

  async #shutDown(): Promise<void> {
    this.#stopping = true;
    this.#wake?.('stop');
    await this.#running;
    await this.#listener?.end().catch(() => undefined);
    await this.#pool.end();
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopping) {
      let claimed: number;
      try {
        await this.#listen();
        // Cleared before the claim: a commit that lands while this batch runs sets it again.
        this.#notified = false;
        claimed = await this.#publishBatch();
        if (claimed < this.#batchSize) await this.#pruneWhenDue();
        if (failures > 0) this.#logger.info({ failures }, 'outbox relay resumed');
        failures = 0;
      } catch (error) {
        failures += 1;
        const delay = Math.min(this.#retryDelayMs * 2 ** (failures - 1), this.#maxRetryDelayMs);
        this.#logger.warn({ err: error, failures, retryInMs: delay }, 'outbox relay failed; retrying');
        // New events must not cut the backoff short, or an outage would be hammered at every commit.
        await this.#wait(delay, false);
        continue;
      }
      if (claimed < this.#batchSize) await this.#wait(this.#pollIntervalMs, true);
    }
  }

  /** One transaction: claim, publish, mark. Throws after committing what it could when a publish failed. */
  async #publishBatch(): Promise<number> {
    const client = await this.#pool.connect();
    // pg-pool listens for errors only on idle clients: a connection that dies while this one is held
    // between statements (waiting on the bus) would otherwise emit an unhandled 'error' and end the
    // process. The next statement fails with it all the same, and the client is discarded below.
    const onError = (error: Error) => this.#logger.warn({ err: error }, 'outbox connection lost mid-batch');
    client.on('error', onError);
    let outcome: { claimed: number; errors: unknown[] };
    try {
      await client.query('begin');
      outcome = await this.#publishClaimed(client);
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      client.removeListener('error', onError);
      client.release(true);
      throw error;
    }
    client.removeListener('error', onError);
    client.release();
    const { claimed, errors } = outcome;
    if (errors.length > 0) {
      throw new Error(`${errors.length} of ${claimed} outbox events could not be published`, {
        cause: errors[0],
      });
    }
    return claimed;
  }

  async #publishClaimed(client: pg.PoolClient): Promise<{ claimed: number; errors: unknown[] }> {
    const { rows } = await client.query<OutboxRow>(
      `select id, topic, event from outbox_event
        where published_at is null
        order by id
        limit $1
        for update skip locked`,
      [this.#batchSize],
    );
    const results = await this.#publishRows(rows);
    const published: string[] = [];
    const failed: { id: string; error: unknown }[] = [];
    rows.forEach((row, index) => {
      const result = results[index];
      if (result?.status === 'fulfilled') published.push(row.id);
      else failed.push({ id: row.id, error: result?.reason });
    });
    if (published.length > 0) {
      await client.query('update outbox_event set published_at = now() where id = any($1::bigint[])', [
        published,
      ]);
    }
    if (failed.length > 0) {
      // Left unpublished for the next round; the counts and the last error are for operators.
      await client.query(
        `update outbox_event o
            set publish_attempts = o.publish_attempts + 1, last_error = f.error
           from unnest($1::bigint[], $2::text[]) as f(id, error)
          where o.id = f.id`,
        [
          failed.map(({ id }) => id),
          failed.map(({ error }) => (error instanceof Error ? error.message : String(error))),
        ],
      );
    }
    return { claimed: rows.length, errors: failed.map(({ error }) => error) };
  }

  /** Publishes the claimed rows in one `publishAll`; a row whose event is malformed fails alone. */
  async #publishRows(rows: OutboxRow[]): Promise<PromiseSettledResult<void>[]> {
    const outcomes: PromiseSettledResult<void>[] = [];
    const events: OutgoingEvent[] = [];
    const positions: number[] = [];
    rows.forEach((row, index) => {
      try {
        events.push({ topic: row.topic, event: validateEvent(row.event) });
        positions.push(index);
      } catch (error) {
        outcomes[index] = { status: 'rejected', reason: error };
      }
    });
    const published = this.#tracer
      ? await this.#publishTraced(this.#tracer, events)
      : await this.#bus.publishAll(events);
    published.forEach((outcome, at) => {
      const { topic } = events[at] as OutgoingEvent;
      if (outcome.status === 'fulfilled') this.#metrics?.published.inc({ topic });
      else this.#metrics?.publishFailures.inc({ topic });
      outcomes[positions[at] as number] = outcome;
    });
    return outcomes;
  }

  /**
   * Each event in a span of its writer's trace, which it then carries on to its consumers: the spans are
   * opened first, the batch is published once, and each span ends with its event's outcome.
   */
  async #publishTraced(
    tracer: ServiceTracer,
    events: OutgoingEvent[],
  ): Promise<PromiseSettledResult<void>[]> {
    const batch = Promise.withResolvers<PromiseSettledResult<void>[]>();
    const traced: OutgoingEvent[] = [];
    const spans = events.map(({ topic, event }, index) =>
      tracer.inSpan(
        // Not a messaging name (`publish <topic>`): the Postgres bus (pg-boss) makes `send <queue>` spans below.
        `outbox relay ${topic}`,
        {
          kind: SpanKind.PRODUCER,
          parent: contextFromTraceparent(event.traceparent),
          attributes: {
            'messaging.operation.type': 'send',
            'messaging.destination.name': topic,
            'messaging.message.id': event.id,
            'pharmacy.event.type': event.type,
          },
        },
        // Runs at once, up to its await: every event is in `traced` before the batch is published.
        async () => {
          const traceparent = currentTraceparent() ?? event.traceparent;
          traced[index] = { topic, event: traceparent === undefined ? event : { ...event, traceparent } };
          const outcome = (await batch.promise)[index];
          if (outcome?.status === 'rejected') throw outcome.reason;
        },
      ),
    );
    this.#bus.publishAll(traced).then(batch.resolve, batch.reject);
    return Promise.allSettled(spans);
  }

  /**
   * Keeps a LISTEN connection. Without one (the database is down, or a pooler that cannot LISTEN stands
   * in front of it) the relay still works, at the poll interval, and tries again later.
   */
  async #listen(): Promise<void> {
    if (this.#listener !== undefined || Date.now() < this.#listenRetryAt) return;
    const listener = new pg.Client({ connectionString: this.#databaseUrl, connectionTimeoutMillis: 5_000 });
    const drop = (error?: Error) => {
      if (this.#listener !== listener) return;
      this.#listener = undefined;
      if (!this.#stopping) this.#logger.warn({ err: error }, 'outbox LISTEN connection lost');
      void listener.end().catch(() => undefined);
    };
    listener.on('error', drop);
    listener.on('end', () => drop());
    listener.on('notification', () => this.#onNotification());
    this.#listener = listener;
    try {
      await listener.connect();
      await listener.query(`listen ${CHANNEL}`);
    } catch (error) {
      this.#listenRetryAt = Date.now() + LISTEN_RETRY_MS;
      drop(error as Error);
    }
  }

  #onNotification(): void {
    this.#notified = true;
    this.#wake?.('notification');
  }

  /** Waits `ms`, less when stopped, and less when a notification comes if `wakeOnNotification`. */
  #wait(ms: number, wakeOnNotification: boolean): Promise<void> {
    if (this.#stopping || (wakeOnNotification && this.#notified)) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.#wake = (reason) => {
        if (reason === 'stop' || wakeOnNotification) finish();
      };
    });
  }

  async #pruneWhenDue(): Promise<void> {
    if (Date.now() - this.#lastPrune < PRUNE_INTERVAL_MS) return;
    const { rowCount } = await this.#pool.query(
      `delete from outbox_event where published_at < now() - make_interval(hours => $1)`,
      [this.#retainPublishedHours],
    );
    this.#lastPrune = Date.now();
    if (rowCount) this.#logger.info({ deleted: rowCount }, 'old published outbox events deleted');
  }
}
