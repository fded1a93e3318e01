// Calendar arithmetic on "YYYY-MM-DD" strings, in UTC day numbers so no time zone or DST moves a day.
// No clock: every function is given the dates it works on.
const DAY_MS = 86_400_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Days since 1970-01-01 (UTC) of a YYYY-MM-DD date. */
export function dayNumber(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

export function fromDayNumber(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function assertDate(value: string, what: string): void {
  if (!ISO_DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new RangeError(`${what}: "${value}" is not a YYYY-MM-DD date`);
  }
  // Date.parse accepts 2025-02-30 as March 2nd; a ledger date must round-trip.
  if (fromDayNumber(dayNumber(value)) !== value) {
    throw new RangeError(`${what}: "${value}" is not a calendar date`);
  }
}

import { addDays, daysBetween } from "../dates.ts";

export { addDays, compareText, daysBetween } from "../dates.ts";

/** 0 = Monday … 6 = Sunday (ISO 8601). */
export function isoWeekday(date: string): number {
  return (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7;
}

/** ISO 8601 week label of a date, e.g. "2025-W01" for 2024-12-30 (the week with the year's first Thursday). */
export function isoWeekLabel(date: string): string {
  const thursday = addDays(date, 3 - isoWeekday(date));
  const year = Number(thursday.slice(0, 4));
  const week = Math.floor(daysBetween(`${year}-01-01`, thursday) / 7) + 1;
  return `${year}-W${String(week).padStart(2, "0")}`;
}

/** The first day of the month `monthsBack` months before the month of `date` (0 = its own month). */
export function monthStart(date: string, monthsBack = 0): string {
  const d = new Date(`${date}T00:00:00Z`);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - monthsBack, 1)).toISOString().slice(0, 10);
}
