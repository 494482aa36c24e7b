/**
 * The router's live feed of one event-driven subscription field: its own temporary subscription to the
 * field's topic (so every router replica sees every event), and the subscribers connected to this
 * replica. Each event is resolved once per group of subscribers that would get the same answer (the same
 * event query and variables, the same role, or the same viewer when the selection reaches data that
 * depends on who asks), not once per subscriber, and serialised once per group (and response key), then
 * handed to each of them as the same bytes (event-stream.ts).
 */
import type { FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import type { EventEnvelope } from '../../lib/event-bus/event.ts';
import type { EventBus } from '../../lib/event-bus/event-bus.ts';
import type { Logger } from '../../lib/logger.ts';
import { contextFromTraceparent, SpanKind, type ServiceTracer } from '../../lib/telemetry.ts';
import type { VerifiedViewer } from '../token-verifier.ts';
import { EVENT_KEY, FILTER_KEY, type EventQuery } from './event-query.ts';
import { NextMessage } from './event-stream.ts';

/** Which events of a topic a subscription field announces, and which of its subscribers want each. */
export interface SubscribedEvents<TEvent> {
  /** The bus topic the events come on. */
  topic: string;
  /** Names this router's temporary subscription: `<prefix>.tmp-<uuid>`. */
  subscriptionPrefix: string;
  /** The event, read from what the bus delivered; undefined for events this field does not announce. */
  read(event: EventEnvelope): TEvent | undefined;
  /** Whether a subscriber with these arguments wants the event, decided before it is resolved. */
  wants(args: Record<string, unknown>, event: TEvent): boolean;
  /** Whether the subscriber wants the event once resolved, given what its query selected under FILTER_KEY. */
  wantsResolved(args: Record<string, unknown>, filterData: unknown): boolean;
}

export interface EventSubscriber {
  viewer: VerifiedViewer;
  query: EventQuery;
  /** Hands a result to the client (it may drop a slow client instead). */
  deliver(message: NextMessage): void;
}

/** Runs an event query through the gateway for `viewer`, as a query from that viewer would run. */
export type EventQueryExecutor = (
  query: EventQuery,
  eventId: string,
  viewer: VerifiedViewer,
  requestId: string,
) => Promise<FormattedExecutionResult>;

/** What a feed reports: a span per delivery, and the delay from the event to its subscribers. */
export interface FeedObserver {
  tracer: ServiceTracer;
  fanOutDelay(seconds: number): void;
}

/** Event ids remembered to drop a redelivered event (at-least-once bus), far more than arrive in minutes. */
const REMEMBERED_EVENTS = 10_000;

export class EventFeed<TEvent> {
  readonly #events: SubscribedEvents<TEvent>;
  readonly #execute: EventQueryExecutor;
  readonly #logger: Logger;
  readonly #subscribers = new Set<EventSubscriber>();
  readonly #seen = new Set<string>();
  readonly #observer: FeedObserver | undefined;

  constructor(
    events: SubscribedEvents<TEvent>,
    execute: EventQueryExecutor,
    logger: Logger,
    observer?: FeedObserver,
  ) {
    this.#observer = observer;
    this.#events = events;
    this.#execute = execute;
    this.#logger = logger.child({ component: events.subscriptionPrefix });
  }

  /** Subscribes this feed on `bus` (on every fresh connection); returns how to unsubscribe. */
  async listen(bus: EventBus): Promise<() => Promise<void>> {
    const { topic, subscriptionPrefix } = this.#events;
    const tracer = this.#observer?.tracer;
    const subscription = await bus.subscribeTemporary(topic, subscriptionPrefix, (event) =>
      tracer
        ? // The delivery continues the trace of the change that caused the event.
          tracer.inSpan(
            `deliver ${topic}`,
            {
              kind: SpanKind.CONSUMER,
              parent: contextFromTraceparent(event.traceparent),
              attributes: {
                'messaging.operation.type': 'process',
                'messaging.destination.name': topic,
                'messaging.message.id': event.id,
                'pharmacy.event.type': event.type,
              },
            },
            () => this.publish(event),
          )
        : this.publish(event),
    );
    return () => subscription.close();
  }

  add(subscriber: EventSubscriber): void {
    this.#subscribers.add(subscriber);
  }

  remove(subscriber: EventSubscriber): void {
    this.#subscribers.delete(subscriber);
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  /** Resolves an event for every subscriber that wants it; events the field does not announce are ignored. */
  async publish(envelope: EventEnvelope): Promise<void> {
    const event = this.#events.read(envelope);
    if (event === undefined || this.#seen.has(envelope.id)) return;
    this.#remember(envelope.id);
    const groups = new Map<string, EventSubscriber[]>();
    for (const subscriber of this.#subscribers) {
      const { viewer, query } = subscriber;
      if (!this.#events.wants(query.args, event)) continue;
      const identity = query.sameForRole ? viewer.role : `${viewer.role}:${viewer.userId}`;
      const key = `${identity}\n${query.text}\n${JSON.stringify(query.variables)}`;
      const group = groups.get(key);
      if (group) group.push(subscriber);
      else groups.set(key, [subscriber]);
    }
    const log = this.#logger.child({ requestId: envelope.correlationId, eventId: envelope.id });
    await Promise.all(
      [...groups.values()].map(async (members) => {
        const [first] = members;
        if (!first) return;
        const result = await this.#execute(
          first.query,
          envelope.id,
          first.viewer,
          envelope.correlationId,
        ).catch((error: unknown): FormattedExecutionResult => {
          log.error({ err: error }, 'event query failed');
          return {
            errors: [
              { message: 'the event could not be resolved', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
            ],
          };
        });
        const filterData = result.data?.[FILTER_KEY];
        // The event query's text leaves out the subscription field's alias: one message per alias.
        const messages = new Map<string, NextMessage>();
        for (const subscriber of members) {
          if (!this.#events.wantsResolved(subscriber.query.args, filterData)) continue;
          const { responseKey } = subscriber.query;
          let message = messages.get(responseKey);
          if (!message) {
            message = new NextMessage(forClient(result, responseKey));
            messages.set(responseKey, message);
          }
          subscriber.deliver(message);
        }
      }),
    );
    if (groups.size > 0) {
      this.#observer?.fanOutDelay(Math.max(0, Date.now() - Date.parse(envelope.occurredAt)) / 1000);
    }
    log.debug({ groups: groups.size }, 'event delivered');
  }

  #remember(id: string): void {
    this.#seen.add(id);
    if (this.#seen.size > REMEMBERED_EVENTS) {
      const oldest = this.#seen.values().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
  }
}

/** The event under the key the client asked for, errors' paths rewritten to match. */
function forClient(result: FormattedExecutionResult, responseKey: string): FormattedExecutionResult {
  const errors = result.errors
    ?.filter((error) => error.path?.[0] !== FILTER_KEY)
    .map((error): GraphQLFormattedError =>
      error.path?.[0] === EVENT_KEY ? { ...error, path: [responseKey, ...error.path.slice(1)] } : error,
    );
  return {
    data: result.data === undefined ? undefined : { [responseKey]: result.data?.[EVENT_KEY] ?? null },
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}
