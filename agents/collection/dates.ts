// UTC calendar-date arithmetic on "YYYY-MM-DD" strings. The collection agent reasons in whole days
// from the snapshot's asOf; local-time windows are the policy's business, not the ladder's.

const DAY_MS = 86_400_000;

function dateMs(date: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(date);
  if (!match) throw new RangeError(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
}

/** Whole days from `from` to `to` (negative when `to` is earlier). Timestamps count by their UTC date. */
export function daysBetween(from: string, to: string): number {
  return Math.round((dateMs(to) - dateMs(from)) / DAY_MS);
}

/** The date `days` after `date`. */
export function addDays(date: string, days: number): string {
  return new Date(dateMs(date) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The UTC calendar date of an ISO timestamp or date. */
export function utcDateOf(isoOrDate: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(isoOrDate)) return isoOrDate;
  const ms = Date.parse(isoOrDate);
  if (Number.isNaN(ms)) throw new RangeError(`not a timestamp: ${JSON.stringify(isoOrDate)}`);
  return new Date(ms).toISOString().slice(0, 10);
}

/** Plain code-unit comparison, for sorting ids and dates the same way in every locale. */
export { compareText } from "../../tools/cash-matching/index.ts";
