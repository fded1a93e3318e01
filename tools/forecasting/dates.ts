// Calendar arithmetic on "YYYY-MM-DD" strings, in UTC so no time zone or DST moves a day.
import { dateMs } from "../dates.ts";

export { addDays, dateMs, daysBetween } from "../dates.ts";
export const maxDate = (a: string, b: string): string => (a < b ? b : a);
/** 0 = Monday … 6 = Sunday. */
export const weekday = (date: string): number => (new Date(dateMs(date)).getUTCDay() + 6) % 7;
/** Days from `date` to the last day of its month (0 on the last day). */
export function daysToMonthEnd(date: string): number {
  const d = new Date(dateMs(date));
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  return last - d.getUTCDate();
}
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
export function assertDate(value: string, what: string): void {
  if (!ISO_DATE.test(value) || Number.isNaN(dateMs(value))) {
    throw new RangeError(`${what}: "${value}" is not a YYYY-MM-DD date`);
  }
}
