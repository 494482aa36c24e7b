/**
 * The event bus on Google Cloud Pub/Sub, or on its emulator (`gcloud beta emulators pubsub start`).
 *
 * A topic is a Pub/Sub topic, a subscription a Pub/Sub subscription of it (fan-out between
 * subscriptions, competing consumers within one), and its dead letters a topic and subscription named
 * `<subscription>.dead-letter`. Everything is created when missing.
 *
 * Attempts: the subscription has a dead-letter policy, which makes Pub/Sub count `deliveryAttempt` and
 * move a message to the dead-letter topic after `maxDeliveryAttempts`. Pub/Sub refuses fewer than 5, so a
 * smaller `maxAttempts` is enforced here: the consumer that sees the last attempt fail publishes the
 * message to the dead-letter topic itself, then acknowledges it.
 *
 * Backoff and flow control: on GCP, the subscription's retry policy and the flow control the client sends
 * (a consumer is handed about as many messages as it handles at a time). The emulator gets both wrong:
 * - its retry policy loses messages: one ack of a message whose lease had lapsed while it waited for its
 *   backoff stops that subscription's redelivery timer for good (`MessageBacklog.nackMessage` meets the
 *   acked message gone, and the exception ends the scheduled task), so every later failed or lapsed
 *   message that was delivered before never comes again; under load hundreds of events were lost so;
 * - it ignores flow control and pushes a subscription's whole backlog down one consumer's streams. A
 *   client that pauses its streams when its handlers are busy leaves the messages pushed meanwhile
 *   unleased: a fifth of a 1,000-event burst came back only after the ack deadline, as a second attempt.
 * - it never notices that a consumer died (SIGKILLed, or its connection cut): the dead stream's thread goes
 *   on taking messages, each lost until its lease lapses, until the stream's deadline (30 min from the
 *   client); after a few faults most deliveries went to dead streams.
 * So on the emulator subscriptions have no retry policy, a consumer holds a failed message for its
 * backoff before it nacks it (the wait ends when the consumer closes), it reads and leases everything
 * pushed to it (up to EMULATOR_HELD_MESSAGES) while running `concurrency` handlers at a time, and its
 * streams last EMULATOR_STREAM_SECONDS. The emulator implements the dead-letter policy and
 * `deliveryAttempt`.
 *
 * On GCP, dead-lettering also needs the Pub/Sub service agent
 * (`service-<project-number>@gcp-sa-pubsub.iam.gserviceaccount.com`) to hold `roles/pubsub.publisher` on
 * the dead-letter topic and `roles/pubsub.subscriber` on the subscription; the emulator checks nothing.
 */
import {
  Duration,
  PubSub,
  SubscriptionCloseBehaviors,
  v1,
  type CallOptions,
  type Message,
  type SubscriptionMetadata,
  type Topic,
} from '@google-cloud/pubsub';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.ts';
import { parseEvent, validateEvent, type EventEnvelope } from './event.ts';
import {
  assertBusName,
  deadLetterName,
  eventTypeFilter,
  TEMPORARY_SUBSCRIPTION,
  temporarySubscriptionName,
  resolveRedelivery,
  resolveSubscribeOptions,
  trackSubscription,
  publishEach,
  type EventBus,
  type EventHandler,
  type OutgoingEvent,
  type RedeliveryOptions,
  type SubscribeOptions,
  type Subscription,
  type TemporarySubscriptionOptions,
} from './event-bus.ts';

export interface PubSubEventBusOptions extends RedeliveryOptions {
  projectId: string;
  /** `host:port` of the emulator (what `PUBSUB_EMULATOR_HOST` holds); unset on GCP. */
  emulatorHost?: string;
  logger: Logger;
  /**
   * How long a call to Pub/Sub (a publish, creating a topic) retries before it fails, so that an outage
   * fails a publish within this time instead of the client's default 60 s to 10 min. Default 10 000.
   */
  callTimeoutMs?: number;
  /** How long `close()` waits for handlers in flight before it nacks their messages. Default 20. */
  drainTimeoutSeconds?: number;
  /**
   * The ack deadline of the subscriptions and of every lease extension: a killed consumer's messages are
   * redelivered this long after its last extension. Pub/Sub counts that redelivery as an attempt. Default 10
   * (Pub/Sub's least).
   */
  ackDeadlineSeconds?: number;
}

/** How many messages a consumer on the emulator reads and keeps leased while its handlers are busy. */
const EMULATOR_HELD_MESSAGES = 5_000;

/** Runs at most `size` tasks at a time, the others in arrival order. */
class HandlerSlots {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(size: number) {
    this.#free = size;
  }
  async run(task: () => Promise<void>): Promise<void> {
    if (this.#free > 0) this.#free -= 1;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      await task();
    } finally {
      const next = this.#waiting.shift();
      if (next === undefined) this.#free += 1;
      else next();
    }
  }
}

/**
 * How long a streaming pull lasts on the emulator before the client opens the next one: how long a dead
 * consumer's stream goes on taking messages there (see the top of this file). With 30 s, the chaos run's
 * last orders were decided 16 s after the last restart; a killed consumer's messages now come back at most
 * this plus one ack deadline after the kill.
 */
export const EMULATOR_STREAM_SECONDS = 10;

/** Gives each streaming pull on the emulator a deadline of EMULATOR_STREAM_SECONDS. */
function shortenStreamingPulls(call: {
  methodDefinition: { path: string };
  callOptions: { deadline?: Date | number };
}): typeof call {
  if (call.methodDefinition.path !== '/google.pubsub.v1.Subscriber/StreamingPull') return call;
  const deadline = Date.now() + EMULATOR_STREAM_SECONDS * 1000;
  return { ...call, callOptions: { ...call.callOptions, deadline } };
}

/** Pub/Sub's bounds for a dead-letter policy's `maxDeliveryAttempts`. */
const SERVER_MIN_ATTEMPTS = 5;
/** gRPC status codes that mean "the thing exists or does not". */
const ALREADY_EXISTS = 6;
const NOT_FOUND = 5;
/** The most dead letters `deadLetters` returns, as the Postgres bus. */
const DEAD_LETTER_LIMIT = 1000;

export class PubSubEventBus implements EventBus {
  readonly #pubsub: PubSub;
  readonly #projectId: string;
  readonly #logger: Logger;
  readonly #redelivery: Required<RedeliveryOptions>;
  readonly #callOptions: CallOptions;
  readonly #drainTimeoutSeconds: number;
  readonly #ackDeadlineSeconds: number;
  /**
   * On the emulator, whose retry policy loses messages and which ignores flow control, consumers wait out
   * the backoff and limit their handlers themselves (see the top of this file).
   */
  readonly #onEmulator: boolean;
  /** Topics known to exist, so a publish costs one call. */
  readonly #topics = new Map<string, Promise<Topic>>();
  readonly #subscriptions = new Set<Subscription>();

  constructor(options: PubSubEventBusOptions) {
    const {
      projectId,
      emulatorHost,
      logger,
      callTimeoutMs = 10_000,
      drainTimeoutSeconds = 20,
      ackDeadlineSeconds = 10,
    } = options;
    this.#ackDeadlineSeconds = ackDeadlineSeconds;
    this.#onEmulator = emulatorHost !== undefined;
    this.#redelivery = resolveRedelivery(options);
    this.#projectId = projectId;
    this.#logger = logger.child({ component: 'pubsub-event-bus' });
    this.#drainTimeoutSeconds = drainTimeoutSeconds;
    this.#pubsub = new PubSub({
      projectId,
      // Naming the universe stops the client from asking the GCE metadata server for it, which on a
      // machine outside GCP costs a failed lookup and a warning on stderr for every client.
      ...(emulatorHost === undefined
        ? {}
        : {
            apiEndpoint: emulatorHost,
            emulatorMode: true,
            universeDomain: 'googleapis.com',
            'grpc.callInvocationTransformer': shortenStreamingPulls,
          }),
    });
    this.#callOptions = {
      retry: {
        backoffSettings: {
          initialRetryDelayMillis: 100,
          retryDelayMultiplier: 2,
          maxRetryDelayMillis: 2_000,
          initialRpcTimeoutMillis: callTimeoutMs,
          rpcTimeoutMultiplier: 1,
          maxRpcTimeoutMillis: callTimeoutMs,
          totalTimeoutMillis: callTimeoutMs,
        },
      },
    };
  }

  async publish(topic: string, event: EventEnvelope): Promise<void> {
    assertBusName('topic', topic);
    const data = Buffer.from(JSON.stringify(validateEvent(event)));
    await (await this.#topic(topic)).publishMessage({ data, attributes: eventAttributes(event) });
  }

  /** The client batches what is published together into one request per topic (its batching settings). */
  publishAll(events: readonly OutgoingEvent[]): Promise<PromiseSettledResult<void>[]> {
    return publishEach(this, events);
  }

  async ensureSubscription(
    topicName: string,
    subscriptionName: string,
    options: SubscribeOptions = {},
  ): Promise<void> {
    assertBusName('topic', topicName);
    assertBusName('subscription', subscriptionName);
    const { maxAttempts } = resolveSubscribeOptions(options);
    const deadLetterTopic = await this.#topic(deadLetterName(subscriptionName));
    await this.#ensureSubscription(deadLetterTopic, deadLetterName(subscriptionName), {});
    const { retryDelaySeconds, maxRetryDelaySeconds } = this.#redelivery;
    await this.#ensureSubscription(await this.#topic(topicName), subscriptionName, {
      ackDeadlineSeconds: this.#ackDeadlineSeconds,
      deadLetterPolicy: {
        deadLetterTopic: deadLetterTopic.name,
        maxDeliveryAttempts: Math.max(maxAttempts, SERVER_MIN_ATTEMPTS),
      },
      // Without a retry policy Pub/Sub redelivers at once; null clears one an earlier setting left.
      retryPolicy:
        retryDelaySeconds === 0 || this.#onEmulator
          ? null
          : {
              minimumBackoff: { seconds: retryDelaySeconds },
              maximumBackoff: { seconds: maxRetryDelaySeconds },
            },
    });
  }

  async subscribe(
    topicName: string,
    subscriptionName: string,
    handler: EventHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    await this.ensureSubscription(topicName, subscriptionName, options);
    const { maxAttempts, concurrency } = resolveSubscribeOptions(options);
    const deadLetterTopic = await this.#topic(deadLetterName(subscriptionName));
    const log = this.#logger.child({ topic: topicName, subscription: subscriptionName });
    const subscription = this.#pubsub.subscription(subscriptionName, {
      // Sent to the server too, so that on GCP competing consumers share a backlog. The emulator ignores
      // it, so there the consumer takes in whatever comes and HandlerSlots limits the handlers.
      flowControl: this.#onEmulator
        ? { maxMessages: EMULATOR_HELD_MESSAGES, allowExcessMessages: true }
        : { maxMessages: concurrency, allowExcessMessages: false },
      // The client otherwise extends leases by its p99 processing time (10 s to 10 min): a fixed deadline
      // bounds how long a killed consumer's messages wait, whatever the handlers took before.
      minAckDeadline: Duration.from({ seconds: this.#ackDeadlineSeconds }),
      maxAckDeadline: Duration.from({ seconds: this.#ackDeadlineSeconds }),
      closeOptions: {
        behavior: SubscriptionCloseBehaviors.WaitForProcessing,
        timeout: Duration.from({ seconds: this.#drainTimeoutSeconds }),
      },
    });
    const localDeadLetter = maxAttempts < SERVER_MIN_ATTEMPTS ? deadLetterTopic : undefined;
    const closing = new AbortController();
    const handlerSlots = this.#onEmulator ? new HandlerSlots(concurrency) : undefined;
    subscription.on('message', (message: Message) => {
      const deliver = async () => {
        // A message still waiting for a handler when the consumer closes goes back at once.
        if (closing.signal.aborted) message.nack();
        else
          await this.#deliver(message, handler, {
            maxAttempts,
            localDeadLetter,
            log,
            closing: closing.signal,
          });
      };
      void (handlerSlots === undefined ? deliver() : handlerSlots.run(deliver));
    });
    // The client reopens the stream after transient errors by itself; what reaches here is worth a log.
    subscription.on('error', (error: Error) => log.error({ err: error }, 'subscription error'));

    return trackSubscription(this.#subscriptions, async () => {
      closing.abort();
      await subscription.close();
      subscription.removeAllListeners();
    });
  }

  /**
   * A Pub/Sub subscription with an expiration policy (Pub/Sub deletes it after a day without a
   * consumer) and the shortest retention Pub/Sub allows; deleted on close.
   */
  async subscribeTemporary(
    topicName: string,
    prefix: string,
    handler: EventHandler,
    options: TemporarySubscriptionOptions = {},
  ): Promise<Subscription> {
    assertBusName('topic', topicName);
    const filter = eventTypeFilter(options.eventTypes);
    const name = temporarySubscriptionName(prefix);
    const topic = await this.#topic(topicName);
    const [subscription] = await topic.createSubscription(name, {
      ...(filter === undefined ? {} : { filter }),
      expirationPolicy: { ttl: { seconds: TEMPORARY_SUBSCRIPTION.ttlSeconds } },
      messageRetentionDuration: { seconds: TEMPORARY_SUBSCRIPTION.retentionSeconds },
      gaxOpts: this.#callOptions,
    });
    const log = this.#logger.child({ topic: topicName, subscription: name });
    subscription.setOptions({
      closeOptions: {
        behavior: SubscriptionCloseBehaviors.WaitForProcessing,
        timeout: Duration.from({ seconds: 10 }),
      },
    });
    // Pub/Sub counts attempts only on subscriptions with a dead-letter policy, which a temporary one has
    // not: its only consumer counts them.
    const attempts = new Map<string, number>();
    const wanted = options.eventTypes && new Set(options.eventTypes);
    subscription.on('message', (message: Message) => {
      // Pub/Sub applies the filter itself; the emulator accepts it but delivers every message.
      if (wanted && !wanted.has(message.attributes.eventType ?? '')) {
        message.ack();
        return;
      }
      const attempt = (attempts.get(message.id) ?? 0) + 1;
      attempts.set(message.id, attempt);
      Promise.resolve()
        .then(() => handler(parseEvent(message.data), { attempt }))
        .then(
          () => {
            attempts.delete(message.id);
            message.ack();
          },
          (error: unknown) => {
            log.warn({ err: error, messageId: message.id, attempt }, 'event handler failed');
            message.nack();
          },
        );
    });
    subscription.on('error', (error: Error) => log.error({ err: error }, 'subscription error'));
    return trackSubscription(this.#subscriptions, async () => {
      await subscription.close();
      subscription.removeAllListeners();
      await subscription.delete(this.#callOptions).catch((error: unknown) => {
        log.warn({ err: error }, 'temporary subscription not deleted; Pub/Sub expires it');
      });
    });
  }

  /**
   * Peeks at the dead-letter subscription: pulls what it holds, then hands every message back at once
   * (ack deadline 0), so they stay there. Pub/Sub may answer a pull with fewer messages than it holds,
   * so on GCP this is a sample; the emulator returns them all.
   */
  async deadLetters(subscriptionName: string): Promise<EventEnvelope[]> {
    assertBusName('subscription', subscriptionName);
    // The library builds its own clients from this config with the same cast (pubsub.js getClient_).
    const config = (await this.#pubsub.getClientConfig()) as ConstructorParameters<
      typeof v1.SubscriberClient
    >[0];
    const client = new v1.SubscriberClient(config);
    const subscription = client.subscriptionPath(this.#projectId, deadLetterName(subscriptionName));
    const received: { ackId: string; publishedAt: number; data: Uint8Array }[] = [];
    try {
      for (;;) {
        const [response] = await client.pull(
          // returnImmediately is deprecated for consumers, but a peek must not wait for new messages.
          { subscription, maxMessages: DEAD_LETTER_LIMIT - received.length, returnImmediately: true },
          this.#callOptions,
        );
        const batch = response.receivedMessages ?? [];
        for (const { ackId, message } of batch) {
          if (!ackId || !message?.data) continue;
          const publishedAt = Number(message.publishTime?.seconds ?? 0) * 1000;
          received.push({ ackId, publishedAt, data: message.data as Uint8Array });
        }
        if (batch.length === 0 || received.length >= DEAD_LETTER_LIMIT) break;
      }
    } catch (error) {
      if ((error as { code?: number }).code !== NOT_FOUND) throw error;
    } finally {
      if (received.length > 0) {
        await client.modifyAckDeadline({
          subscription,
          ackIds: received.map(({ ackId }) => ackId),
          ackDeadlineSeconds: 0,
        });
      }
      await client.close();
    }
    return received
      .sort((a, b) => a.publishedAt - b.publishedAt)
      .flatMap(({ data }) => {
        try {
          return [parseEvent(data)];
        } catch (error) {
          this.#logger.warn({ err: error, subscription: subscriptionName }, 'malformed dead letter skipped');
          return [];
        }
      });
  }

  async close(): Promise<void> {
    await Promise.all([...this.#subscriptions].map((subscription) => subscription.close()));
    await this.#pubsub.close();
  }

  async #deliver(
    message: Message,
    handler: EventHandler,
    context: { maxAttempts: number; localDeadLetter: Topic | undefined; log: Logger; closing: AbortSignal },
  ): Promise<void> {
    const { maxAttempts, localDeadLetter, log, closing } = context;
    // Pub/Sub counts attempts because the subscription has a dead-letter policy; never 0 then.
    const attempt = Math.max(message.deliveryAttempt, 1);
    try {
      await handler(parseEvent(message.data), { attempt });
      message.ack();
      return;
    } catch (error) {
      log.warn({ err: error, messageId: message.id, attempt }, 'event handler failed');
    }
    if (localDeadLetter !== undefined && attempt >= maxAttempts) {
      try {
        await localDeadLetter.publishMessage({
          data: message.data,
          attributes: { ...message.attributes, deliveryAttempts: String(attempt) },
        });
        message.ack();
        return;
      } catch (error) {
        log.error(
          { err: error, messageId: message.id },
          'could not dead-letter the event; it will come again',
        );
      }
    }
    if (this.#onEmulator) {
      await sleep(this.#backoffMs(attempt), undefined, { signal: closing }).catch(() => undefined);
    }
    message.nack();
  }

  /** The wait before the next attempt, as Pub/Sub's retry policy: doubling from the first delay to the last. */
  #backoffMs(attempt: number): number {
    const { retryDelaySeconds, maxRetryDelaySeconds } = this.#redelivery;
    return Math.min(retryDelaySeconds * 2 ** (attempt - 1), maxRetryDelaySeconds) * 1000;
  }

  /** The topic, created when missing (once per process). */
  #topic(name: string): Promise<Topic> {
    let topic = this.#topics.get(name);
    if (topic === undefined) {
      topic = this.#pubsub
        .topic(name)
        .get({ autoCreate: true, ...this.#callOptions })
        .catch((error: unknown) => {
          // Another process created it between our lookup and our create.
          if ((error as { code?: number }).code !== ALREADY_EXISTS) throw error;
        })
        .then(() => this.#pubsub.topic(name, { gaxOpts: this.#callOptions }));
      topic.catch(() => this.#topics.delete(name));
      this.#topics.set(name, topic);
    }
    return topic;
  }

  /** Creates the subscription, or brings an existing one to `settings` (they may have changed since). */
  async #ensureSubscription(topic: Topic, name: string, settings: SubscriptionMetadata): Promise<void> {
    const subscription = topic.subscription(name);
    try {
      await subscription.getMetadata(this.#callOptions);
    } catch (error) {
      if ((error as { code?: number }).code !== NOT_FOUND) throw error;
      try {
        await topic.createSubscription(name, { ...settings, gaxOpts: this.#callOptions });
        return;
      } catch (createError) {
        // Another process created it between our lookup and our create: update it like an old one.
        if ((createError as { code?: number }).code !== ALREADY_EXISTS) throw createError;
      }
    }
    if (Object.keys(settings).length > 0) await subscription.setMetadata(settings, this.#callOptions);
  }
}

/** Lets operators and filters see what a message is without decoding it. */
function eventAttributes(event: EventEnvelope): Record<string, string> {
  return {
    eventId: event.id,
    eventType: event.type,
    correlationId: event.correlationId,
    ...(event.traceparent === undefined ? {} : { traceparent: event.traceparent }),
  };
}
