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
  /** The types of event the field announces: the bus delivers the router no others of the topic. */
  eventTypes: readonly string[];
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

/** What a feed reports: a span per delivery, the delay from the event to its subscribers, its executions. */
export interface FeedObserver {
  tracer: ServiceTracer;
  fanOutDelay(seconds: number): void;
  /** An event was resolved `count` times: once per group of subscribers that wanted it. */
  executed(count: number): void;
}

/** Event ids remembered to drop a redelivered event (at-least-once bus), far more than arrive in minutes. */
const REMEMBERED_EVENTS = 10_000;

/**
 * Subscribers of a group with the same arguments and response key: one verdict of the filters and one
 * message for all of them.
 */
interface Audience {
  args: Record<string, unknown>;
  responseKey: string;
  subscribers: Set<EventSubscriber>;
}

/** Subscribers that get the same answer to an event (one execution), by audience. */
type AnswerGroup = Map<string, Audience>;

/** Where a subscriber is filed, to take it out again. */
interface Placement {
  groupKey: string;
  group: AnswerGroup;
  audienceKey: string;
  audience: Audience;
}

export class EventFeed<TEvent> {
  readonly #events: SubscribedEvents<TEvent>;
  readonly #execute: EventQueryExecutor;
  readonly #logger: Logger;
  /**
   * Subscribers filed by group and audience when they subscribe, so that an event costs a pass over the
   * groups rather than working out each subscriber's group again (at 10,000 subscribers, that was the largest
   * part of the router's own work per event).
   */
  readonly #groups = new Map<string, AnswerGroup>();
  readonly #placements = new Map<EventSubscriber, Placement>();
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
    const { topic, subscriptionPrefix, eventTypes } = this.#events;
    const tracer = this.#observer?.tracer;
    const subscription = await bus.subscribeTemporary(
      topic,
      subscriptionPrefix,
      (event) =>
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
      { eventTypes },
    );
    return () => subscription.close();
  }

  add(subscriber: EventSubscriber): void {
    if (this.#placements.has(subscriber)) return;
    const { viewer, query } = subscriber;
    const identity = query.sameForRole ? viewer.role : `${viewer.role}:${viewer.userId}`;
    const groupKey = `${identity}\n${query.text}\n${JSON.stringify(query.variables)}`;
    const audienceKey = `${query.responseKey}\n${JSON.stringify(query.args)}`;
    let group = this.#groups.get(groupKey);
    if (!group) {
      group = new Map();
      this.#groups.set(groupKey, group);
    }
    let audience = group.get(audienceKey);
    if (!audience) {
      audience = { args: query.args, responseKey: query.responseKey, subscribers: new Set() };
      group.set(audienceKey, audience);
    }
    audience.subscribers.add(subscriber);
    this.#placements.set(subscriber, { groupKey, group, audienceKey, audience });
  }

  remove(subscriber: EventSubscriber): void {
    const placement = this.#placements.get(subscriber);
    if (!placement) return;
    this.#placements.delete(subscriber);
    const { groupKey, group, audienceKey, audience } = placement;
    audience.subscribers.delete(subscriber);
    if (audience.subscribers.size > 0) return;
    group.delete(audienceKey);
    if (group.size === 0) this.#groups.delete(groupKey);
  }

  get subscriberCount(): number {
    return this.#placements.size;
  }

  /** Resolves an event for every subscriber that wants it; events the field does not announce are ignored. */
  async publish(envelope: EventEnvelope): Promise<void> {
    const event = this.#events.read(envelope);
    if (event === undefined || this.#seen.has(envelope.id)) return;
    this.#remember(envelope.id);
    const log = this.#logger.child({ requestId: envelope.correlationId, eventId: envelope.id });
    let wanted = 0;
    await Promise.all(
      [...this.#groups.values()].map(async (group) => {
        const audiences = [...group.values()].filter((audience) => this.#events.wants(audience.args, event));
        const first = audiences[0]?.subscribers.values().next().value;
        if (!first) return;
        wanted += 1;
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
        for (const { args, responseKey, subscribers } of audiences) {
          if (!this.#events.wantsResolved(args, filterData)) continue;
          let message = messages.get(responseKey);
          if (!message) {
            message = new NextMessage(forClient(result, responseKey));
            messages.set(responseKey, message);
          }
          for (const subscriber of subscribers) subscriber.deliver(message);
        }
      }),
    );
    if (wanted > 0) {
      this.#observer?.fanOutDelay(Math.max(0, Date.now() - Date.parse(envelope.occurredAt)) / 1000);
      this.#observer?.executed(wanted);
    }
    log.debug({ groups: wanted }, 'event delivered');
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
