/**
 * A service's side of the event bus, run beside its HTTP server: it declares the subscriptions of the
 * saga, relays its outbox and runs its consumers, each event exactly once in effect.
 *
 * It connects in the background and keeps trying while the bus is unreachable, so a service whose bus is
 * down still starts and serves: its changes wait in the outbox and go out when the bus is back. That is
 * also why the bus is not part of `/ready`: a replica taken out of service would not bring the bus back,
 * and it would stop accepting the orders that can wait for it.
 */
import { setTimeout } from 'node:timers/promises';
import type { MikroORM } from '@mikro-orm/postgresql';
import { isDatabaseUnreachable, type EntityManager } from '../database.ts';
import type { Logger } from '../logger.ts';
import type { EventMetrics } from '../metrics.ts';
import { contextFromTraceparent, SpanKind, type ServiceTracer } from '../telemetry.ts';
import type { EventBusConfig } from './bus-config.ts';
import { BusConnection } from './bus-connection.ts';
import type { EventEnvelope } from './event.ts';
import type { Delivery } from './event-bus.ts';
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
  handle(em: EntityManager, event: EventEnvelope, logger: Logger, metrics?: EventMetrics): Promise<void>;
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
  /** The service's spans (the relay's publishes, each consumer's handling). */
  tracer: ServiceTracer;
  metrics: EventMetrics;
}

/** What one delivery is handled with; tests leave out the spans and the metrics. */
export interface DeliveryContext {
  orm: MikroORM;
  logger: Logger;
  maxAttempts: number;
  tracer?: ServiceTracer;
  metrics?: EventMetrics;
}

export class EventProcessing {
  readonly #connection: BusConnection;

  private constructor(options: EventProcessingOptions) {
    const {
      bus: config,
      subscriptions,
      consumers,
      publishes,
      orm,
      databaseUrl,
      logger,
      tracer,
      metrics,
    } = options;
    this.#connection = BusConnection.open(config, logger, async (bus) => {
      const subscribeOptions = { maxAttempts: config.maxAttempts };
      for (const { topic, subscription } of subscriptions) {
        await bus.ensureSubscription(topic, subscription, subscribeOptions);
      }
      for (const consumer of consumers) {
        const { topic, subscription } = consumer.subscription;
        await bus.subscribe(
          topic,
          subscription,
          (event, delivery) =>
            processDelivery(
              { orm, logger, tracer, metrics, maxAttempts: config.maxAttempts },
              consumer,
              event,
              delivery,
            ),
          subscribeOptions,
        );
      }
      // Last, so that a failure above never leaves a relay running on a bus being closed.
      if (!publishes) return undefined;
      const relay = OutboxRelay.start({ databaseUrl, bus, logger, tracer, metrics });
      return () => relay.stop();
    });
  }

  /** Starts connecting at once; never throws (failures are logged and retried). */
  static start(options: EventProcessingOptions): EventProcessing {
    return new EventProcessing(options);
  }

  /** Resolves once connected (tests and the dev stack wait for it); rejects never. */
  whenConnected(): Promise<void> {
    return this.#connection.whenConnected();
  }

  /** Stops the relay (finishing its batch), drains the consumers' handlers, closes the bus. */
  stop(): Promise<void> {
    return this.#connection.close();
  }
}

/**
 * One delivery to a consumer: the effect and the processed id in one transaction, so a duplicate does
 * nothing. A throw rolls both back and is rethrown, for the bus to redeliver (or dead-letter on the last
 * attempt, which is logged as an error for operators).
 */
export async function processDelivery(
  context: DeliveryContext,
  consumer: EventConsumer,
  event: EventEnvelope,
  delivery: Delivery,
): Promise<void> {
  const { subscription, topic } = consumer.subscription;
  const labels = { topic, subscription };
  const metrics = context.metrics;
  if (delivery.attempt > 1) metrics?.redelivered.inc(labels);
  const stopTimer = metrics?.handlingSeconds.startTimer(labels);
  let outcome: 'ok' | 'duplicate' | 'failed' = 'failed';
  const handle = async () => {
    outcome = (await handleDelivery(context, consumer, event, delivery)) ? 'ok' : 'duplicate';
  };
  try {
    if (!context.tracer) return await handle();
    // A child of the relay's publish: the events this handling writes continue the same trace.
    await context.tracer.inSpan(
      `process ${topic}`,
      {
        kind: SpanKind.CONSUMER,
        parent: contextFromTraceparent(event.traceparent),
        attributes: {
          'messaging.operation.type': 'process',
          'messaging.destination.name': topic,
          'messaging.consumer.group.name': subscription,
          'messaging.message.id': event.id,
          'messaging.message.delivery_attempt': delivery.attempt,
          'pharmacy.event.type': event.type,
        },
      },
      handle,
    );
  } finally {
    stopTimer?.();
    metrics?.consumed.inc({ ...labels, outcome });
    if (outcome === 'failed' && delivery.attempt >= context.maxAttempts) metrics?.deadLettered.inc(labels);
  }
}

/**
 * Pauses before applying an event again, in place, when the database could not be reached (a pool whose
 * connections are all busy, a restart, a failover). Short outages then cost the event neither a delivery
 * attempt nor the bus's redelivery backoff (up to a minute), and it keeps its place: under load an event
 * that went back to the bus was decided after events that came later. A failure past these goes back to
 * the bus as any other. The transaction records the event as processed, so a commit whose answer was lost
 * is a duplicate on the next try, not a second effect.
 */
const DATABASE_RETRY_PAUSES_MS = [200, 1_000, 3_000];

/** Applies the event; false when it was a duplicate. */
async function handleDelivery(
  context: DeliveryContext,
  consumer: EventConsumer,
  event: EventEnvelope,
  delivery: Delivery,
): Promise<boolean> {
  const { subscription } = consumer.subscription;
  const logger = context.logger.child({
    requestId: event.correlationId,
    eventId: event.id,
    eventType: event.type,
    subscription,
    // With when it happened, every line of the handling tells how long the event took to get here.
    occurredAt: event.occurredAt,
    attempt: delivery.attempt,
  });
  const apply = () =>
    context.orm.em.fork().transactional(async (em) => {
      if (!(await recordProcessedEvent(em, subscription, event))) {
        logger.info('duplicate event ignored');
        return false;
      }
      await consumer.handle(em, event, logger, context.metrics);
      return true;
    });
  try {
    for (let retry = 0; ; retry++) {
      try {
        return await apply();
      } catch (error) {
        const pause = isDatabaseUnreachable(error) ? DATABASE_RETRY_PAUSES_MS[retry] : undefined;
        if (pause === undefined) throw error;
        logger.warn({ err: error, retry: retry + 1 }, 'database unreachable: retrying the event in place');
        await setTimeout(pause);
      }
    }
  } catch (error) {
    const last = delivery.attempt >= context.maxAttempts;
    logger[last ? 'error' : 'warn'](
      { err: error },
      last ? 'event failed its last attempt: moved to the dead letters' : 'event failed; it will come again',
    );
    throw error;
  }
}

/** Records that `subscription` handled `event`; false when it already had (a redelivery). */
async function recordProcessedEvent(
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
