// Calendar-date arithmetic on "YYYY-MM-DD" strings (a timestamp counts by its UTC date), in UTC so
// no time zone or DST moves a day, and the plain order dates and ids sort by. The one copy for tools/
// and agents/; pure, so the pure engines (cash matching, forecasting, AR metrics) use it too.

const DAY_MS = 86_400_000;

/** Milliseconds of a date's UTC midnight. */
export function dateMs(date: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(date);
  if (!match) throw new RangeError(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((dateMs(to) - dateMs(from)) / DAY_MS);
}

/** The date `days` after `date`. */
export function addDays(date: string, days: number): string {
  return new Date(dateMs(date) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Plain code-unit order: the same in every locale, so sorting is deterministic everywhere. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
