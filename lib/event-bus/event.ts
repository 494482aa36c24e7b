/**
 * The envelope every event travels in, whatever the bus. Consumers deduplicate on `id` (delivery is
 * at-least-once), branch on `type` and `version`, and log `correlationId` so one request can be followed
 * from the mutation that caused it through every service that reacted.
 */
import { randomUUID } from 'node:crypto';

export interface EventEnvelope<TPayload = unknown> {
  /** Unique per event (a UUID); the key of idempotent consumers. */
  id: string;
  /** What happened, as `<domain>.<fact>` in lower case, e.g. `order.placed`, `inventory.low-stock`. */
  type: string;
  /** The payload's schema version for this type; a consumer refuses versions it does not know. */
  version: number;
  /** When it happened, as an ISO 8601 string with a time zone. */
  occurredAt: string;
  /** The id of the request that caused the event (the `x-request-id` of the mutation). */
  correlationId: string;
  /** Plain JSON: a `Date` or a `Map` would not survive the trip through the bus unchanged. */
  payload: TPayload;
  /**
   * The W3C trace context of whoever sent it last (the request that wrote it to the outbox, then the
   * relay's publish), so its consumers continue that trace; absent while tracing is off.
   */
  traceparent?: string;
}

/** Input that is not an event envelope; the message names every problem found. */
export class MalformedEventError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`malformed event: ${problems.join('; ')}`);
    this.name = 'MalformedEventError';
    this.problems = problems;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EVENT_TYPE = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
/** Generous for a request id (logger.ts accepts 128 characters) yet bounded, since it is logged. */
const MAX_CORRELATION_ID_LENGTH = 256;

export function createEvent<TPayload>(
  type: string,
  payload: TPayload,
  correlationId: string,
  version = 1,
): EventEnvelope<TPayload> {
  const event: EventEnvelope<TPayload> = {
    id: randomUUID(),
    type,
    version,
    occurredAt: new Date().toISOString(),
    correlationId,
    payload,
  };
  const problems = envelopeProblems(event);
  if (problems.length > 0) throw new MalformedEventError(problems);
  return event;
}

/** Throws unless `type` is an event type as events carry it (lower case, dot-separated: "order.placed"). */
export function assertEventType(type: string): void {
  if (!EVENT_TYPE.test(type)) {
    throw new Error(`invalid event type "${type}": use lower case, dot-separated words, like "order.placed"`);
  }
}

/** Parses an event from JSON text or bytes (a Pub/Sub message's data); throws MalformedEventError. */
export function parseEvent(json: string | Uint8Array): EventEnvelope {
  let value: unknown;
  try {
    value = JSON.parse(typeof json === 'string' ? json : new TextDecoder().decode(json));
  } catch (error) {
    throw new MalformedEventError([`not JSON (${(error as Error).message})`]);
  }
  return validateEvent(value);
}

/** Checks a value already decoded from JSON (a queue row's jsonb column); throws MalformedEventError. */
export function validateEvent(value: unknown): EventEnvelope {
  const problems = envelopeProblems(value);
  if (problems.length > 0) throw new MalformedEventError(problems);
  return value as EventEnvelope;
}

function envelopeProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [`expected an object, got ${Array.isArray(value) ? 'an array' : typeof value}`];
  }
  const event = value as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof event.id !== 'string' || !UUID.test(event.id)) problems.push('id must be a UUID');
  if (typeof event.type !== 'string' || !EVENT_TYPE.test(event.type)) {
    problems.push('type must look like "order.placed" (lower case, dot-separated)');
  }
  if (typeof event.version !== 'number' || !Number.isInteger(event.version) || event.version < 1) {
    problems.push('version must be a positive integer');
  }
  if (
    typeof event.occurredAt !== 'string' ||
    !ISO_TIMESTAMP.test(event.occurredAt) ||
    Number.isNaN(Date.parse(event.occurredAt))
  ) {
    problems.push('occurredAt must be an ISO 8601 timestamp with a time zone');
  }
  if (
    typeof event.correlationId !== 'string' ||
    event.correlationId.length === 0 ||
    event.correlationId.length > MAX_CORRELATION_ID_LENGTH
  ) {
    problems.push(
      `correlationId must be a non-empty string of at most ${MAX_CORRELATION_ID_LENGTH} characters`,
    );
  }
  if (!('payload' in event) || event.payload === undefined) problems.push('payload is missing');
  if (
    event.traceparent !== undefined &&
    (typeof event.traceparent !== 'string' || !TRACEPARENT.test(event.traceparent))
  ) {
    problems.push('traceparent must be a W3C traceparent ("00-<32 hex>-<16 hex>-<2 hex>")');
  }
  return problems;
}
