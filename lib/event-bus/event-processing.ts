/**
 * A service's side of the event bus, run beside its HTTP server: it declares the subscriptions of the
 * saga, relays its outbox and runs its consumers, each event exactly once in effect.
 *
 * It connects in the background and keeps trying while the bus is unreachable, so a service whose bus is
 * down still starts and serves: its changes wait in the outbox and go out when the bus is back. That is
 * also why the bus is not part of `/ready`: a replica taken out of service would not bring the bus back,
 * and it would stop accepting the orders that can wait for it.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import type { EntityManager } from '../database.ts';
import type { Logger } from '../logger.ts';
import { openEventBus, type EventBusConfig } from './bus-config.ts';
import type { EventEnvelope } from './event.ts';
import type { Delivery, EventBus } from './event-bus.ts';
import { OutboxRelay } from './outbox.ts';

/** A subscription of the saga: the topic it listens to and its name (`<consumer service>.<topic>`). */
export interface SubscriptionDeclaration {
  topic: string;
  subscription: string;
}

export interface EventConsumer {
  subscription: SubscriptionDeclaration;
  /**
   * Applies one event inside `em`'s transaction, which also records the event as processed: a throw rolls
   * both back and the event comes again. Events of types it does not act on are simply returned from.
   */
  handle(em: EntityManager, event: EventEnvelope, logger: Logger): Promise<void>;
}

export interface EventProcessingOptions {
  bus: EventBusConfig;
  /** The service's database: its outbox, its processed events, its state. */
  orm: MikroORM;
  databaseUrl: string;
  /** Every subscription of the saga, declared before this service publishes anything. */
  subscriptions: readonly SubscriptionDeclaration[];
  /** Whether this service writes an outbox, so a relay runs. */
  publishes: boolean;
  consumers: readonly EventConsumer[];
  logger: Logger;
}

/** The wait after a failed connection, doubling from the first to the last. */
const CONNECT_RETRY_MS = { first: 500, max: 30_000 };

export class EventProcessing {
  readonly #options: EventProcessingOptions;
  readonly #logger: Logger;
  readonly #connecting: Promise<void>;
  #bus: EventBus | undefined;
  #relay: OutboxRelay | undefined;
  #stopping = false;
  #wake: (() => void) | undefined;

  private constructor(options: EventProcessingOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'event-processing', bus: options.bus.kind });
    this.#connecting = this.#connect();
  }

  /** Starts connecting at once; never throws (failures are logged and retried). */
  static start(options: EventProcessingOptions): EventProcessing {
    return new EventProcessing(options);
  }

  /** Resolves once connected (tests and the dev stack wait for it); rejects never. */
  whenConnected(): Promise<void> {
    return this.#connecting;
  }

  /** Stops the relay (finishing its batch), drains the consumers' handlers, closes the bus. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#connecting;
    await this.#relay?.stop();
    await this.#bus?.close();
  }

  async #connect(): Promise<void> {
    for (let failures = 0; !this.#stopping; failures++) {
      try {
        await this.#open();
        this.#logger.info({ failures }, 'event bus connected');
        return;
      } catch (error) {
        const delay = Math.min(CONNECT_RETRY_MS.first * 2 ** failures, CONNECT_RETRY_MS.max);
        this.#logger.warn({ err: error, retryInMs: delay }, 'event bus unreachable; retrying');
        await this.#bus?.close().catch(() => undefined);
        this.#bus = undefined;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }

  async #open(): Promise<void> {
    const { bus: config, subscriptions, consumers, publishes, orm, databaseUrl } = this.#options;
    const bus = await openEventBus(config, this.#options.logger);
    this.#bus = bus;
    const options = { maxAttempts: config.maxAttempts };
    for (const { topic, subscription } of subscriptions) {
      await bus.ensureSubscription(topic, subscription, options);
    }
    for (const consumer of consumers) {
      const { topic, subscription } = consumer.subscription;
      await bus.subscribe(
        topic,
        subscription,
        (event, delivery) =>
          processDelivery(
            { orm, logger: this.#options.logger, maxAttempts: config.maxAttempts },
            consumer,
            event,
            delivery,
          ),
        options,
      );
    }
    if (this.#stopping) return;
    // Last, so that a failure above never leaves a relay running on a bus being closed.
    if (publishes) this.#relay = OutboxRelay.start({ databaseUrl, bus, logger: this.#options.logger });
  }
}

/**
 * One delivery to a consumer: the effect and the processed id in one transaction, so a duplicate does
 * nothing. A throw rolls both back and is rethrown, for the bus to redeliver (or dead-letter on the last
 * attempt, which is logged as an error for operators).
 */
export async function processDelivery(
  context: { orm: MikroORM; logger: Logger; maxAttempts: number },
  consumer: EventConsumer,
  event: EventEnvelope,
  delivery: Delivery,
): Promise<void> {
  const { subscription } = consumer.subscription;
  const logger = context.logger.child({
    requestId: event.correlationId,
    eventId: event.id,
    eventType: event.type,
    subscription,
  });
  try {
    await context.orm.em.fork().transactional(async (em) => {
      if (!(await recordProcessedEvent(em, subscription, event))) {
        logger.info({ attempt: delivery.attempt }, 'duplicate event ignored');
        return;
      }
      await consumer.handle(em, event, logger);
    });
  } catch (error) {
    const last = delivery.attempt >= context.maxAttempts;
    logger[last ? 'error' : 'warn'](
      { err: error, attempt: delivery.attempt },
      last ? 'event failed its last attempt: moved to the dead letters' : 'event failed; it will come again',
    );
    throw error;
  }
}

/** Records that `subscription` handled `event`; false when it already had (a redelivery). */
export async function recordProcessedEvent(
  em: EntityManager,
  subscription: string,
  event: EventEnvelope,
): Promise<boolean> {
  // A concurrent delivery of the same event waits here on the key until this transaction ends.
  const inserted = await em.execute<{ event_id: string }[]>(
    `insert into processed_event (subscription, event_id, event_type) values (?, ?, ?)
     on conflict do nothing returning event_id`,
    [subscription, event.id, event.type],
  );
  return inserted.length === 1;
}
