/**
 * Calendar days (`YYYY-MM-DD`, no time zone): a prescription's issue date, a lot's expiry date. Kept as
 * strings end to end, so that a day never shifts by a time zone on its way through a `Date`.
 */

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `text` is a real day written as `YYYY-MM-DD` (2026-02-30 is not). */
export function isCalendarDay(text: string): boolean {
  const match = DAY.exec(text);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === text;
}

/** The day `at` falls on in UTC. */
export function calendarDayOf(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** Today in UTC: the day against which expiry and issue dates are judged. */
export function today(): string {
  return calendarDayOf(new Date());
}

/** The day `days` after `day` (before, when negative). */
export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00.000Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return calendarDayOf(date);
}
