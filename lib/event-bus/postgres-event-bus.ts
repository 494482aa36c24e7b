/**
 * The embedded event bus: queues in a Postgres database, through pg-boss.
 *
 * Why pg-boss rather than our own `FOR UPDATE SKIP LOCKED` table: it already has every piece of the
 * contract, tested and maintained: a queue per subscription claimed with SKIP LOCKED (competing
 * consumers), `publish`/`subscribe` fan-out to every queue subscribed to an event name, retries with
 * exponential backoff, a dead-letter queue per queue, heartbeats that hand a crashed consumer's event to
 * another one, LISTEN/NOTIFY wake-ups (a new event is delivered at once, not at the next poll), and
 * operator tooling (dashboard, redrive). Our own would be as long as this file times five. Its limits,
 * which the port accepts: backoffs are whole seconds, and an idle consumer polls no faster than every
 * 500 ms, which only matters for redeliveries (new events come through NOTIFY). It needs Node >= 22.12;
 * this project runs Node 24.
 *
 * Mapping: a topic is a pg-boss event name, a subscription a queue subscribed to it, its dead letters the
 * queue `<subscription>.dead-letter`. Each event is also published under `<topic>/<type>`, to which a
 * temporary subscription that wants only some types is subscribed instead of the topic (what a filter does
 * on Pub/Sub). A job's id is the event's id, so an event published twice (an outbox relay that crashed
 * before marking it) lands once per queue; consumers stay idempotent all the same, because Pub/Sub does
 * not do this.
 */
import { PgBoss, type Job, type JobResult, type QueueOptions } from 'pg-boss';
import type { Logger } from '../logger.ts';
import { validateEvent, type EventEnvelope } from './event.ts';
import {
  assertBusName,
  deadLetterName,
  eventTypeFilter,
  isTemporarySubscription,
  TEMPORARY_SUBSCRIPTION,
  temporarySubscriptionName,
  resolveRedelivery,
  resolveSubscribeOptions,
  trackSubscription,
  type EventBus,
  type EventHandler,
  type OutgoingEvent,
  type RedeliveryOptions,
  type SubscribeOptions,
  type Subscription,
  type TemporarySubscriptionOptions,
} from './event-bus.ts';

/** The code of pg-boss's error for a queue that does not exist. */
const QUEUE_NOT_FOUND = 'PGBOSS_QUEUE_NOT_FOUND';

/** The schema of the bus's tables unless told otherwise. */
export const DEFAULT_BUS_SCHEMA = 'event_bus';

export interface PostgresEventBusOptions extends RedeliveryOptions {
  /** The database that holds the queues; it may be shared with other data, the bus keeps to `schema`. */
  url: string;
  /** The schema of the bus's tables, created on start. Default `event_bus`. */
  schema?: string;
  logger: Logger;
  /** Connections in the bus's pool (plus one held for LISTEN). Default 5. */
  poolMax?: number;
  /**
   * How often an idle consumer looks for due redeliveries and missed notifications. Default 0.5, the
   * smallest pg-boss allows; new events wake consumers at once through LISTEN/NOTIFY.
   */
  pollIntervalSeconds?: number;
  /**
   * How long an event claimed by a consumer that stopped sending heartbeats (a killed process) stays
   * with it before any consumer of the subscription takes it back, without spending one of its delivery
   * attempts: the counterpart of Pub/Sub's ack deadline. Default 5.
   */
  claimTimeoutSeconds?: number;
  /** How long `close()` waits for handlers in flight; their events then come back to a consumer after the claim timeout. Default 20. */
  drainTimeoutSeconds?: number;
}

/**
 * pg-boss's own heartbeat expiry, which its supervisor applies once a minute and which spends a delivery
 * attempt, only backs up our reclaim (below): it must be at least 10 s, and is set well beyond the claim
 * timeout so that our reclaim always comes first.
 */
function bossHeartbeatSeconds(claimTimeoutSeconds: number): number {
  return Math.max(10, claimTimeoutSeconds * 3);
}

/** How often a temporary subscription's queue is touched to show that its process is alive. */
const TEMPORARY_HEARTBEAT_MS = 5 * 60_000;

export class PostgresEventBus implements EventBus {
  readonly #boss: PgBoss;
  readonly #logger: Logger;
  readonly #redelivery: Required<RedeliveryOptions>;
  readonly #pollIntervalSeconds: number;
  readonly #subscriptions = new Set<Subscription>();
  readonly #schema: string;
  readonly #claimTimeoutSeconds: number;
  readonly #drainTimeoutSeconds: number;

  private constructor(
    boss: PgBoss,
    logger: Logger,
    redelivery: Required<RedeliveryOptions>,
    settings: {
      pollIntervalSeconds: number;
      schema: string;
      claimTimeoutSeconds: number;
      drainTimeoutSeconds: number;
    },
  ) {
    this.#boss = boss;
    this.#logger = logger;
    this.#redelivery = redelivery;
    this.#pollIntervalSeconds = settings.pollIntervalSeconds;
    this.#schema = settings.schema;
    this.#claimTimeoutSeconds = settings.claimTimeoutSeconds;
    this.#drainTimeoutSeconds = settings.drainTimeoutSeconds;
  }

  /** Connects and creates (or migrates) the bus's schema. */
  static async start(options: PostgresEventBusOptions): Promise<PostgresEventBus> {
    const {
      url,
      schema = DEFAULT_BUS_SCHEMA,
      logger,
      poolMax = 5,
      pollIntervalSeconds = 0.5,
      claimTimeoutSeconds = 5,
      drainTimeoutSeconds = 20,
    } = options;
    if (!Number.isInteger(claimTimeoutSeconds) || claimTimeoutSeconds < 2) {
      throw new Error(
        `claimTimeoutSeconds must be a whole number of seconds >= 2, got ${claimTimeoutSeconds}`,
      );
    }
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) {
      // It is written into the reclaim's SQL, so only a plain identifier is accepted.
      throw new Error(`schema must be a plain lower-case identifier, got "${schema}"`);
    }
    const redelivery = resolveRedelivery(options);
    const log = logger.child({ component: 'postgres-event-bus' });
    const boss = new PgBoss({
      connectionString: url,
      schema,
      max: poolMax,
      application_name: 'event-bus',
      useListenNotify: true,
      // No cron jobs here; supervision stays on, since it expires the events of crashed consumers.
      schedule: false,
    });
    // pg-boss emits an `error` for every failed poll while the database is down: without a listener,
    // Node would throw it out of the emitter and end the process.
    boss.on('error', (error) => log.error({ err: error }, 'event bus error'));
    boss.on('warning', (warning) => log.warn({ data: warning.data }, warning.message));
    await boss.start();
    return new PostgresEventBus(boss, log, redelivery, {
      pollIntervalSeconds,
      schema,
      claimTimeoutSeconds,
      drainTimeoutSeconds,
    });
  }

  async publish(topic: string, event: EventEnvelope): Promise<void> {
    const [outcome] = await this.publishAll([{ topic, event }]);
    if (outcome?.status === 'rejected') throw outcome.reason;
  }

  /**
   * One look-up of the subscriptions of every topic and type route in the batch, then one insert per
   * queue of all its events (pg-boss's `insert`, which skips an id the queue already holds, as `send`
   * does): a relay's batch of ten events to one subscription is two statements instead of twenty.
   */
  async publishAll(events: readonly OutgoingEvent[]): Promise<PromiseSettledResult<void>[]> {
    const failures = events.map((): unknown[] => []);
    const valid: { index: number; topic: string; event: EventEnvelope }[] = [];
    events.forEach(({ topic, event }, index) => {
      try {
        assertBusName('topic', topic);
        valid.push({ index, topic, event: validateEvent(event) });
      } catch (error) {
        failures[index]?.push(error);
      }
    });
    if (valid.length > 0) await this.#queueAll(valid, failures);
    return events.map(({ topic }, index): PromiseSettledResult<void> => {
      const errors = failures[index] ?? [];
      if (errors.length === 0) return { status: 'fulfilled', value: undefined };
      const reason =
        errors.length === 1
          ? errors[0]
          : new AggregateError(errors, `publish to ${topic} failed for ${errors.length} subscription(s)`);
      return { status: 'rejected', reason };
    });
  }

  /** Inserts each event into every queue subscribed to it; what fails is added to `failures`, by place. */
  async #queueAll(
    events: { index: number; topic: string; event: EventEnvelope }[],
    failures: unknown[][],
  ): Promise<void> {
    let queuesOf: Map<string, string[]>;
    try {
      queuesOf = await this.#subscribedQueues(
        events.flatMap(({ topic, event }) => [topic, typeRoute(topic, event.type)]),
      );
    } catch (error) {
      // The bus's database is unreachable: nothing of the batch was published.
      for (const { index } of events) failures[index]?.push(error);
      return;
    }
    // Each queue's events, each once (a queue subscribed to a topic and to one of its routes, or an event
    // twice in the batch), with the places in the batch that each one answers for.
    const queued = new Map<string, Map<string, QueuedEvent>>();
    for (const { index, topic, event } of events) {
      const names = [...(queuesOf.get(topic) ?? []), ...(queuesOf.get(typeRoute(topic, event.type)) ?? [])];
      for (const name of names) {
        const jobs = queued.get(name) ?? new Map<string, QueuedEvent>();
        queued.set(name, jobs);
        const job = jobs.get(event.id) ?? { event, indexes: new Set<number>() };
        jobs.set(event.id, job);
        job.indexes.add(index);
      }
    }
    await Promise.all(
      [...queued].map(async ([name, jobs]) => {
        try {
          await this.#boss.insert(
            name,
            [...jobs.values()].map(({ event }) => ({ id: event.id, data: event })),
          );
        } catch (error) {
          // A queue deleted since the look-up (a temporary subscription closing) is skipped, as pg-boss's
          // publish() does.
          if ((error as { code?: unknown }).code === QUEUE_NOT_FOUND) return;
          for (const { indexes } of jobs.values()) for (const index of indexes) failures[index]?.push(error);
        }
      }),
    );
  }

  /** The queues subscribed to each of these pg-boss event names (topics and type routes), in one statement. */
  async #subscribedQueues(eventNames: string[]): Promise<Map<string, string[]>> {
    const { rows } = await this.#boss
      .getDb()
      .executeSql(`SELECT event, name FROM ${this.#schema}.subscription WHERE event = ANY($1)`, [
        [...new Set(eventNames)],
      ]);
    const queuesOf = new Map<string, string[]>();
    for (const { event, name } of rows as { event: string; name: string }[]) {
      queuesOf.set(event, [...(queuesOf.get(event) ?? []), name]);
    }
    return queuesOf;
  }

  async ensureSubscription(
    topic: string,
    subscription: string,
    options: SubscribeOptions = {},
  ): Promise<void> {
    assertBusName('topic', topic);
    assertBusName('subscription', subscription);
    const { maxAttempts } = resolveSubscribeOptions(options);
    const deadLetter = deadLetterName(subscription);
    await this.#boss.createQueue(deadLetter);
    const { retryDelaySeconds, maxRetryDelaySeconds } = this.#redelivery;
    const queueOptions: QueueOptions & { deadLetter: string; notify: boolean } = {
      deadLetter,
      notify: true,
      retryLimit: maxAttempts - 1,
      heartbeatSeconds: bossHeartbeatSeconds(this.#claimTimeoutSeconds),
      // pg-boss's backoff starts at one second at least, so no delay means no backoff at all.
      ...(retryDelaySeconds === 0
        ? { retryDelay: 0, retryBackoff: false }
        : { retryDelay: retryDelaySeconds, retryBackoff: true, retryDelayMax: maxRetryDelaySeconds }),
    };
    // createQueue leaves an existing queue as it is; the update applies this call's settings to it.
    await this.#boss.createQueue(subscription, queueOptions);
    await this.#boss.updateQueue(subscription, { retryDelayMax: null, ...queueOptions });
    await this.#boss.subscribe(topic, subscription);
  }

  async subscribe(
    topic: string,
    subscription: string,
    handler: EventHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    await this.ensureSubscription(topic, subscription, options);
    const { concurrency } = resolveSubscribeOptions(options);
    const log = this.#logger.child({ topic, subscription });
    // Takes back what a killed predecessor held before this consumer starts, then keeps doing it for any
    // consumer of the subscription that dies while this one lives.
    await this.#reclaim(subscription, log);
    const reclaimer = setInterval(
      () => void this.#reclaim(subscription, log),
      Math.max(1000, (this.#claimTimeoutSeconds * 1000) / 2),
    );
    reclaimer.unref();
    const workerId = await this.#boss.work<object>(
      subscription,
      {
        batchSize: concurrency,
        // Three heartbeats per claim timeout, so one slow heartbeat does not lose a live consumer its events.
        heartbeatRefreshSeconds: this.#claimTimeoutSeconds / 3,
        // Each event of a batch is settled on its own: one failure does not redeliver the others.
        perJobResults: true,
        // A full batch means a backlog: fetch again at once instead of waiting for the next poll.
        burstWhenBatchFull: true,
        pollingIntervalSeconds: this.#pollIntervalSeconds,
        notifyPollingIntervalSeconds: this.#pollIntervalSeconds,
      },
      (jobs) => Promise.all(jobs.map((job) => deliver(job, handler, log))),
    );

    return trackSubscription(this.#subscriptions, async () => {
      clearInterval(reclaimer);
      // Bounded: what is still running when the time is up stays claimed, and comes back to a consumer
      // once its heartbeats have stopped for the claim timeout.
      await withinSeconds(
        this.#drainTimeoutSeconds,
        this.#boss.offWork(subscription, { id: workerId, wait: true }),
        () =>
          log.warn(
            { drainTimeoutSeconds: this.#drainTimeoutSeconds },
            'handlers still running at the end of the drain',
          ),
      );
    });
  }

  /**
   * Puts the subscription's events whose consumer has sent no heartbeat for the claim timeout back in the
   * queue, in their place (ordered by creation), as pg-boss's own restore does: with no start time, so
   * the next claim does not count as a delivery attempt. A killed process's events thus come back within
   * seconds instead of after pg-boss's heartbeat expiry and supervision pass (about a minute), which
   * would also spend an attempt. A consumer that is alive but stalled for the whole claim timeout loses
   * its events too; they are then handled twice, which idempotent consumers absorb.
   */
  async #reclaim(subscription: string, log: Logger): Promise<void> {
    try {
      const { rows } = await this.#boss
        .getDb()
        .executeSql(`SELECT table_name FROM ${this.#schema}.queue WHERE name = $1`, [subscription]);
      const table = (rows[0] as { table_name?: string } | undefined)?.table_name;
      if (table === undefined || !/^[a-z_][a-z0-9_]*$/.test(table)) return;
      const result = await this.#boss.getDb().executeSql(
        `UPDATE ${this.#schema}.${table}
         SET state = 'created', started_on = NULL, heartbeat_on = NULL
         WHERE name = $1 AND state = 'active'
           AND heartbeat_on < ${this.#schema}.job_now() - $2 * interval '1 second'
         RETURNING id`,
        [subscription, this.#claimTimeoutSeconds],
      );
      if (result.rows.length > 0) {
        log.warn(
          { events: result.rows.length, claimTimeoutSeconds: this.#claimTimeoutSeconds },
          'events of a consumer that stopped (no heartbeat) taken back',
        );
      }
    } catch (error) {
      log.warn({ err: error }, "reclaim of stopped consumers' events failed; retried shortly");
    }
  }

  /**
   * A queue of its own, subscribed to the topic. Its `updatedOn` is touched every few minutes while the
   * process lives; each new temporary subscription first deletes those untouched for a day (their
   * processes died), which is what Pub/Sub's expiration policy does by itself.
   */
  async subscribeTemporary(
    topic: string,
    prefix: string,
    handler: EventHandler,
    options: TemporarySubscriptionOptions = {},
  ): Promise<Subscription> {
    assertBusName('topic', topic);
    // Checked as Pub/Sub would check its filter, so that a subscription that works on one bus works on both.
    eventTypeFilter(options.eventTypes);
    const routes = options.eventTypes
      ? [...new Set(options.eventTypes)].map((type) => typeRoute(topic, type))
      : [topic];
    const name = temporarySubscriptionName(prefix);
    await this.#deleteExpiredTemporarySubscriptions();
    // notify: a new event wakes the worker at once instead of at its next poll.
    const queueOptions: QueueOptions & { notify: boolean } = {
      notify: true,
      retentionSeconds: TEMPORARY_SUBSCRIPTION.retentionSeconds,
      deleteAfterSeconds: 60,
      retryLimit: 2,
      retryDelay: 0,
    };
    await this.#boss.createQueue(name, queueOptions);
    for (const route of routes) await this.#boss.subscribe(route, name);
    const log = this.#logger.child({ topic, subscription: name });
    const workerId = await this.#boss.work<object>(
      name,
      {
        batchSize: 10,
        perJobResults: true,
        burstWhenBatchFull: true,
        pollingIntervalSeconds: this.#pollIntervalSeconds,
        notifyPollingIntervalSeconds: this.#pollIntervalSeconds,
      },
      (jobs) => Promise.all(jobs.map((job) => deliver(job, handler, log))),
    );
    const heartbeat = setInterval(() => {
      this.#boss
        .updateQueue(name, queueOptions)
        .catch((error: unknown) => log.warn({ err: error }, 'temporary subscription heartbeat failed'));
    }, TEMPORARY_HEARTBEAT_MS);
    heartbeat.unref();
    return trackSubscription(this.#subscriptions, async () => {
      clearInterval(heartbeat);
      await this.#boss.offWork(name, { id: workerId, wait: true });
      // Its subscription row goes with it (a cascade), so the topic stops filling it.
      await this.#boss.deleteQueue(name);
    });
  }

  async #deleteExpiredTemporarySubscriptions(): Promise<void> {
    const cutoff = Date.now() - TEMPORARY_SUBSCRIPTION.ttlSeconds * 1000;
    for (const queue of await this.#boss.getQueues(undefined, { limit: 100_000 })) {
      if (isTemporarySubscription(queue.name) && new Date(queue.updatedOn).getTime() < cutoff) {
        this.#logger.info({ subscription: queue.name }, 'expired temporary subscription deleted');
        await this.#boss.deleteQueue(queue.name);
      }
    }
  }

  async deadLetters(subscription: string): Promise<EventEnvelope[]> {
    assertBusName('subscription', subscription);
    const deadLetter = deadLetterName(subscription);
    if ((await this.#boss.getQueue(deadLetter)) === null) return [];
    const jobs = await this.#boss.findJobs<unknown>(deadLetter, { queued: true });
    return jobs.flatMap((job) => {
      try {
        return [validateEvent(job.data)];
      } catch (error) {
        this.#logger.warn({ err: error, subscription, jobId: job.id }, 'malformed dead letter skipped');
        return [];
      }
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.#subscriptions].map((subscription) => subscription.close()));
    await this.#boss.stop({ graceful: true, timeout: this.#drainTimeoutSeconds * 1000 });
  }
}

/** An event bound for one queue, and the places in a `publishAll` batch that it answers for. */
interface QueuedEvent {
  event: EventEnvelope;
  indexes: Set<number>;
}

/**
 * The pg-boss event name under which events of one type of a topic are also published: a subscription
 * that wants only some types is subscribed to their routes instead of the topic. (`/` is in no topic name.)
 */
function typeRoute(topic: string, eventType: string): string {
  return `${topic}/${eventType}`;
}

/** Waits for `work` at most `seconds`; `onTimeout` is told when it is left running. */
async function withinSeconds(seconds: number, work: Promise<unknown>, onTimeout: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), seconds * 1000);
  });
  try {
    if ((await Promise.race([work.then(() => 'done' as const), timeout])) === 'timeout') onTimeout();
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the handler for one job and reports the outcome; a throw fails only this job. */
async function deliver(job: Job<object>, handler: EventHandler, log: Logger): Promise<JobResult> {
  const attempt = job.retryCount + 1;
  try {
    await handler(validateEvent(job.data), { attempt });
    return { id: job.id, status: 'completed' };
  } catch (error) {
    log.warn({ err: error, jobId: job.id, attempt }, 'event handler failed');
    return { id: job.id, status: 'failed', output: { message: (error as Error).message } };
  }
}
