// UTC calendar-date arithmetic on "YYYY-MM-DD" strings. The collection agent reasons in whole days
// from the snapshot's asOf; local-time windows are the policy's business, not the ladder's.

export { addDays, compareText, daysBetween } from "../../tools/dates.ts";

/** The UTC calendar date of an ISO timestamp or date. */
export function utcDateOf(isoOrDate: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(isoOrDate)) return isoOrDate;
  const ms = Date.parse(isoOrDate);
  if (Number.isNaN(ms)) throw new RangeError(`not a timestamp: ${JSON.stringify(isoOrDate)}`);
  return new Date(ms).toISOString().slice(0, 10);
}
