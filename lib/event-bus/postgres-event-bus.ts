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
 * queue `<subscription>.dead-letter`. A job's id is the event's id, so an event published twice (an outbox
 * relay that crashed before marking it) lands once per queue; consumers stay idempotent all the same,
 * because Pub/Sub does not do this.
 */
import { PgBoss, type Job, type JobResult, type QueueOptions } from 'pg-boss';
import type { Logger } from '../logger.ts';
import { validateEvent, type EventEnvelope } from './event.ts';
import {
  assertBusName,
  deadLetterName,
  isTemporarySubscription,
  TEMPORARY_SUBSCRIPTION,
  temporarySubscriptionName,
  resolveRedelivery,
  resolveSubscribeOptions,
  trackSubscription,
  type EventBus,
  type EventHandler,
  type RedeliveryOptions,
  type SubscribeOptions,
  type Subscription,
} from './event-bus.ts';

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
}

/**
 * A consumer that stops sending heartbeats (a crashed process) loses its events to another consumer after
 * this many seconds plus one supervision pass (60 s): the counterpart of Pub/Sub's ack deadline.
 */
const HEARTBEAT_SECONDS = 30;

/** How often a temporary subscription's queue is touched to show that its process is alive. */
const TEMPORARY_HEARTBEAT_MS = 5 * 60_000;

export class PostgresEventBus implements EventBus {
  readonly #boss: PgBoss;
  readonly #logger: Logger;
  readonly #redelivery: Required<RedeliveryOptions>;
  readonly #pollIntervalSeconds: number;
  readonly #subscriptions = new Set<Subscription>();

  private constructor(
    boss: PgBoss,
    logger: Logger,
    redelivery: Required<RedeliveryOptions>,
    pollIntervalSeconds: number,
  ) {
    this.#boss = boss;
    this.#logger = logger;
    this.#redelivery = redelivery;
    this.#pollIntervalSeconds = pollIntervalSeconds;
  }

  /** Connects and creates (or migrates) the bus's schema. */
  static async start(options: PostgresEventBusOptions): Promise<PostgresEventBus> {
    const { url, schema = 'event_bus', logger, poolMax = 5, pollIntervalSeconds = 0.5 } = options;
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
    return new PostgresEventBus(boss, log, redelivery, pollIntervalSeconds);
  }

  async publish(topic: string, event: EventEnvelope): Promise<void> {
    assertBusName('topic', topic);
    await this.#boss.publish(topic, validateEvent(event), { id: event.id });
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
      heartbeatSeconds: HEARTBEAT_SECONDS,
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
    const workerId = await this.#boss.work<object>(
      subscription,
      {
        batchSize: concurrency,
        // Each event of a batch is settled on its own: one failure does not redeliver the others.
        perJobResults: true,
        // A full batch means a backlog: fetch again at once instead of waiting for the next poll.
        burstWhenBatchFull: true,
        pollingIntervalSeconds: this.#pollIntervalSeconds,
        notifyPollingIntervalSeconds: this.#pollIntervalSeconds,
      },
      (jobs) => Promise.all(jobs.map((job) => deliver(job, handler, log))),
    );

    return trackSubscription(this.#subscriptions, () =>
      this.#boss.offWork(subscription, { id: workerId, wait: true }),
    );
  }

  /**
   * A queue of its own, subscribed to the topic. Its `updatedOn` is touched every few minutes while the
   * process lives; each new temporary subscription first deletes those untouched for a day (their
   * processes died), which is what Pub/Sub's expiration policy does by itself.
   */
  async subscribeTemporary(topic: string, prefix: string, handler: EventHandler): Promise<Subscription> {
    assertBusName('topic', topic);
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
    await this.#boss.subscribe(topic, name);
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
    await this.#boss.stop({ graceful: true });
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
