/**
 * Reads an event's payload against what its type's version promises, so a consumer never acts on half an
 * event: every problem is collected and thrown at once as a MalformedEventError, which fails the delivery
 * (a poison event ends in the dead letters after its attempts).
 */
import { isCalendarDay } from '../calendar-day.ts';
import { MalformedEventError, type EventEnvelope } from './event.ts';

export class PayloadReader {
  readonly #value: Record<string, unknown>;
  readonly #path: string;
  readonly #problems: string[];

  constructor(value: unknown, path: string, problems: string[]) {
    this.#path = path;
    this.#problems = problems;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      this.#value = value as Record<string, unknown>;
    } else {
      this.#value = {};
      problems.push(`${path} must be an object`);
    }
  }

  /** A whole number of at least `min` (a row id: 1). */
  int(key: string, min: number): number {
    const value = this.#value[key];
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min) return value;
    this.#problems.push(`${this.#path}.${key} must be an integer of at least ${min}`);
    return min;
  }

  /** A row id, or null. */
  optionalId(key: string): number | null {
    return this.#value[key] === null || this.#value[key] === undefined ? null : this.int(key, 1);
  }

  /** A non-empty string. */
  string(key: string): string {
    const value = this.#value[key];
    if (typeof value === 'string' && value.length > 0) return value;
    this.#problems.push(`${this.#path}.${key} must be a non-empty string`);
    return '';
  }

  /** A calendar day as `YYYY-MM-DD`. */
  day(key: string): string {
    const value = this.#value[key];
    if (typeof value === 'string' && isCalendarDay(value)) return value;
    this.#problems.push(`${this.#path}.${key} must be a day as YYYY-MM-DD`);
    return '';
  }

  /** A calendar day as `YYYY-MM-DD`, or null. */
  optionalDay(key: string): string | null {
    return this.#value[key] === null || this.#value[key] === undefined ? null : this.day(key);
  }

  boolean(key: string): boolean {
    const value = this.#value[key];
    if (typeof value === 'boolean') return value;
    this.#problems.push(`${this.#path}.${key} must be true or false`);
    return false;
  }

  /** One of `allowed`. */
  oneOf<const T extends string>(key: string, allowed: readonly T[]): T {
    const value = this.#value[key];
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    this.#problems.push(`${this.#path}.${key} must be one of ${allowed.join(', ')}`);
    return allowed[0] as T;
  }

  /**
   * A list that may be empty or absent (a field added to a version after events without it were written),
   * each item read by `read`.
   */
  optionalList<T>(key: string, read: (item: PayloadReader) => T): T[] {
    return this.#value[key] === undefined ? [] : this.#items(key, read, 0);
  }

  /** A non-empty list, each item read by `read`. */
  list<T>(key: string, read: (item: PayloadReader) => T): T[] {
    return this.#items(key, read, 1);
  }

  #items<T>(key: string, read: (item: PayloadReader) => T, minLength: number): T[] {
    const value = this.#value[key];
    if (!Array.isArray(value) || value.length < minLength) {
      this.#problems.push(`${this.#path}.${key} must be a ${minLength > 0 ? 'non-empty ' : ''}list`);
      return [];
    }
    return value.map((item, index) =>
      read(new PayloadReader(item, `${this.#path}.${key}[${index}]`, this.#problems)),
    );
  }
}

/** The payload of `event`, which must be of `version`; throws MalformedEventError naming every problem. */
export function readPayload<T>(
  event: EventEnvelope,
  version: number,
  read: (payload: PayloadReader) => T,
): T {
  if (event.version !== version) {
    throw new MalformedEventError([
      `${event.type} version ${event.version} is not known (expected ${version})`,
    ]);
  }
  const problems: string[] = [];
  const payload = read(new PayloadReader(event.payload, 'payload', problems));
  if (problems.length > 0) throw new MalformedEventError(problems);
  return payload;
}
