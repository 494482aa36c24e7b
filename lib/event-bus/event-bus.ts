/**
 * The event bus port: publish to a topic, consume through named subscriptions. Two adapters implement it
 * with the same semantics, checked by one contract suite (event-bus.contract.test.ts):
 *
 * - at-least-once: an event is acknowledged only after its handler resolves, so a crash or a throw means
 *   it comes again (consumers deduplicate on `event.id`);
 * - a handler that throws gets the event again after a backoff, until `maxAttempts`; then the event moves
 *   to the subscription's dead letters (see `deadLetters`) and is not redelivered;
 * - fan-out: every subscription of a topic receives every event published after the subscription was
 *   created, while the consumers of one subscription compete (each event goes to one of them);
 * - `close()` stops taking events and waits for the handlers in flight.
 *
 * Order is not guaranteed, by either adapter (the Postgres bus serves the oldest first, up to a
 * consumer's concurrency at a time; docs/saga-and-event-bus.md says what that gives the saga).
 */
import { randomUUID } from 'node:crypto';
import { assertEventType, type EventEnvelope } from './event.ts';

export interface Delivery {
  /** 1 on the first delivery, counting redeliveries after a throw, a timeout or a consumer crash. */
  attempt: number;
}

export type EventHandler = (event: EventEnvelope, delivery: Delivery) => Promise<void>;

export interface SubscribeOptions {
  /** Deliveries before the event is dead-lettered. Default 5; at most 100 (Pub/Sub's limit). */
  maxAttempts?: number;
  /** Handlers this consumer runs at once. Default 10. */
  concurrency?: number;
}

export interface Subscription {
  /** Stops this consumer and waits for its handlers in flight; the subscription itself stays. */
  close(): Promise<void>;
}

/** `publishAll` for a bus that has no batch of its own: one `publish` per event, all at once. */
export function publishEach(
  bus: Pick<EventBus, 'publish'>,
  events: readonly OutgoingEvent[],
): Promise<PromiseSettledResult<void>[]> {
  return Promise.allSettled(events.map(({ topic, event }) => bus.publish(topic, event)));
}

/**
 * A consumer's handle, registered in `open` (what the bus closes on `close()`): `close` runs `stop` once,
 * however often it is called, then drops the handle.
 */
export function trackSubscription(open: Set<Subscription>, stop: () => Promise<void>): Subscription {
  let closing: Promise<void> | undefined;
  const handle: Subscription = {
    close: () =>
      (closing ??= stop().then(() => {
        open.delete(handle);
      })),
  };
  open.add(handle);
  return handle;
}

/** An event and the topic it is published to, for `publishAll`. */
export interface OutgoingEvent {
  topic: string;
  event: EventEnvelope;
}

export interface EventBus {
  /** Resolves once the bus has durably accepted the event. */
  publish(topic: string, event: EventEnvelope): Promise<void>;
  /**
   * Publishes several events at once, each with `publish`'s guarantee, in as few round trips as the bus
   * allows (the outbox relay's batches). Resolves with each event's outcome, in order, and never rejects:
   * one event refused does not hold back the others.
   */
  publishAll(events: readonly OutgoingEvent[]): Promise<PromiseSettledResult<void>[]>;
  /**
   * Creates the topic, the subscription and its dead-letter place when missing, without consuming: a
   * subscription receives only what is published after it exists, so a publisher declares its consumers'
   * subscriptions before its first publish.
   */
  ensureSubscription(topic: string, subscription: string, options?: SubscribeOptions): Promise<void>;
  /** Ensures the subscription (as `ensureSubscription`), then consumes. */
  subscribe(
    topic: string,
    subscription: string,
    handler: EventHandler,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  /**
   * A subscription of this process alone, for a live view that every replica needs in full (a router's
   * stream of low-stock alerts): named `<prefix>.tmp-<uuid>`, it receives what is published while it
   * exists, keeps an undelivered event for 10 minutes at most, has no dead letters, and is deleted by
   * `close()`. One whose process died without closing it is removed by the bus a day later.
   */
  subscribeTemporary(
    topic: string,
    prefix: string,
    handler: EventHandler,
    options?: TemporarySubscriptionOptions,
  ): Promise<Subscription>;
  /** The events that exhausted their attempts on `subscription`, oldest first (up to 1000): what operators see. */
  deadLetters(subscription: string): Promise<EventEnvelope[]>;
  /** Closes every subscription of this bus (draining their handlers), then the connections. */
  close(): Promise<void>;
}

export interface TemporarySubscriptionOptions {
  /**
   * Only events of these types reach the subscription: the bus leaves the others out (a Pub/Sub filter, a
   * route per type on the Postgres bus), so a replica that needs one type of a busy topic is not handed,
   * and its bus not made to store, every other event. All types when left out.
   */
  eventTypes?: readonly string[];
}

/**
 * At most this many types in a temporary subscription's filter, and the Pub/Sub filter they make at most
 * this long (Pub/Sub's own limit).
 */
const MAX_FILTERED_TYPES = 8;
const MAX_FILTER_LENGTH = 256;

/**
 * The Pub/Sub filter that lets only `eventTypes` through (on the `eventType` attribute every publish
 * sets), or undefined for all types; throws when a type is malformed or the filter too long.
 */
export function eventTypeFilter(eventTypes: readonly string[] | undefined): string | undefined {
  if (eventTypes === undefined) return undefined;
  if (eventTypes.length === 0 || eventTypes.length > MAX_FILTERED_TYPES) {
    throw new Error(`eventTypes must list 1 to ${MAX_FILTERED_TYPES} event types, got ${eventTypes.length}`);
  }
  for (const type of eventTypes) assertEventType(type);
  const filter = [...new Set(eventTypes)].map((type) => `attributes.eventType = "${type}"`).join(' OR ');
  if (filter.length > MAX_FILTER_LENGTH) {
    throw new Error(
      `eventTypes make a filter of ${filter.length} characters, more than ${MAX_FILTER_LENGTH}`,
    );
  }
  return filter;
}

/** How long an unclaimed temporary subscription lives, and how long it keeps an undelivered event. */
export const TEMPORARY_SUBSCRIPTION = { ttlSeconds: 86_400, retentionSeconds: 600 } as const;

/** The name of a new temporary subscription, and the test that recognises one. */
export function temporarySubscriptionName(prefix: string): string {
  const name = `${prefix}.tmp-${randomUUID()}`;
  assertBusName('subscription', name);
  return name;
}

export function isTemporarySubscription(name: string): boolean {
  return /\.tmp-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(name);
}

/** How a failed event is redelivered; both adapters take these. */
export interface RedeliveryOptions {
  /**
   * Seconds before the first redelivery of an event whose handler threw; later ones wait exponentially
   * longer, up to `maxRetryDelaySeconds`. 0 redelivers at once (tests). Default 1.
   */
  retryDelaySeconds?: number;
  /** The longest wait between two deliveries. Default 60. */
  maxRetryDelaySeconds?: number;
}

const DEFAULT_REDELIVERY: Required<RedeliveryOptions> = {
  retryDelaySeconds: 1,
  maxRetryDelaySeconds: 60,
};

/** Pub/Sub bounds both backoffs to 600 s; the Postgres bus keeps the same range so the two agree. */
const MAX_RETRY_DELAY_SECONDS = 600;

export function resolveRedelivery(options: RedeliveryOptions): Required<RedeliveryOptions> {
  const resolved = { ...DEFAULT_REDELIVERY, ...options };
  const { retryDelaySeconds, maxRetryDelaySeconds } = resolved;
  if (
    !Number.isInteger(retryDelaySeconds) ||
    !Number.isInteger(maxRetryDelaySeconds) ||
    retryDelaySeconds < 0 ||
    maxRetryDelaySeconds < retryDelaySeconds ||
    maxRetryDelaySeconds > MAX_RETRY_DELAY_SECONDS
  ) {
    throw new Error(
      `retry delays must be whole seconds with 0 <= retryDelaySeconds <= maxRetryDelaySeconds <= ${MAX_RETRY_DELAY_SECONDS}, ` +
        `got ${retryDelaySeconds} and ${maxRetryDelaySeconds}`,
    );
  }
  return resolved;
}

const DEFAULT_MAX_ATTEMPTS = 5;
const MAX_ATTEMPTS_LIMIT = 100;
const DEFAULT_CONCURRENCY = 10;

export function resolveSubscribeOptions(options: SubscribeOptions): Required<SubscribeOptions> {
  const { maxAttempts = DEFAULT_MAX_ATTEMPTS, concurrency = DEFAULT_CONCURRENCY } = options;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS_LIMIT) {
    throw new Error(`maxAttempts must be an integer from 1 to ${MAX_ATTEMPTS_LIMIT}, got ${maxAttempts}`);
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`concurrency must be a positive integer, got ${concurrency}`);
  }
  return { maxAttempts, concurrency };
}

/**
 * Names that both Pub/Sub (letters, digits, `-._~%+`, starting with a letter, 3 to 255 characters) and
 * pg-boss (word characters, `.-/`) accept, so a name that works on one bus works on the other. The
 * dead-letter suffix must still fit.
 */
const BUS_NAME = /^[A-Za-z][\w.-]{2,200}$/;

export function assertBusName(kind: 'topic' | 'subscription', name: string): void {
  if (!BUS_NAME.test(name) || name.toLowerCase().startsWith('goog')) {
    throw new Error(
      `invalid ${kind} name "${name}": use 3 to 201 letters, digits, "-", "_" or ".", starting with a letter (not "goog")`,
    );
  }
}

/** Where the events a subscription gave up on go: a pg-boss queue, or a Pub/Sub topic and subscription. */
export function deadLetterName(subscription: string): string {
  return `${subscription}.dead-letter`;
}
