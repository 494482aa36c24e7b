/** The custom scalars every subgraph shares. */
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { isCalendarDay } from './calendar-day.ts';

/**
 * The `Decimal` scalar carries amounts as strings. It checks only that a string (or a JSON number, which
 * some clients send) arrived; the domain parses it with `parseMoney` so the error names the input field.
 */
export const DecimalScalar = new GraphQLScalarType<string, string>({
  name: 'Decimal',
  description: 'An exact decimal amount as a string, e.g. "9.99". Never a float.',
  serialize(value) {
    if (typeof value !== 'string') throw new GraphQLError('Decimal values are served as strings');
    return value;
  },
  parseValue(value) {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    throw new GraphQLError(`Decimal must be a string such as "9.99", got ${JSON.stringify(value)}`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  },
  parseLiteral(node) {
    if (node.kind === Kind.STRING || node.kind === Kind.INT || node.kind === Kind.FLOAT) return node.value;
    throw new GraphQLError('Decimal must be a string such as "9.99"', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  },
});

/** `DateTime`: an ISO-8601 instant in UTC. Read-only in this API, so parsing accepts ISO strings only. */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An ISO-8601 instant, e.g. "2026-01-31T12:00:00.000Z".',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime cannot represent an invalid date');
    return date.toISOString();
  },
  parseValue(value) {
    const date = typeof value === 'string' ? new Date(value) : new Date(NaN);
    if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime must be an ISO-8601 string');
    return date;
  },
  parseLiteral(node) {
    if (node.kind !== Kind.STRING) throw new GraphQLError('DateTime must be an ISO-8601 string');
    const date = new Date(node.value);
    if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime must be an ISO-8601 string');
    return date;
  },
});

/** `Date`: a calendar day, `YYYY-MM-DD`, carried as a string so that it never shifts by a time zone. */
export const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  description: 'A calendar day, "YYYY-MM-DD", e.g. "2027-03-31".',
  serialize(value) {
    if (typeof value !== 'string' || !isCalendarDay(value))
      throw new GraphQLError('Date values are served as YYYY-MM-DD strings');
    return value;
  },
  parseValue(value) {
    if (typeof value === 'string' && isCalendarDay(value)) return value;
    throw new GraphQLError(`Date must be a day as "YYYY-MM-DD", got ${JSON.stringify(value)}`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  },
  parseLiteral(node) {
    if (node.kind === Kind.STRING && isCalendarDay(node.value)) return node.value;
    throw new GraphQLError('Date must be a day as "YYYY-MM-DD"', { extensions: { code: 'BAD_USER_INPUT' } });
  },
});
