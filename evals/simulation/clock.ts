// Simulation days and instants: day 0 is the start date (UTC), each day starts at 00:00 UTC, and the
// nightly run (ARC) or dunning batch (ERP) happens at RUN_HOUR_UTC.
import { addDays, daysBetween } from "../../tools/dates.ts";
import { RUN_HOUR_UTC } from "./assumptions.ts";
import { DAY_MS } from "./customer.ts";

export class SimClock {
  private readonly startMs: number;

  constructor(readonly startDate: string) {
    this.startMs = Date.parse(`${startDate}T00:00:00.000Z`);
  }

  dayStartMs(day: number): number {
    return this.startMs + day * DAY_MS;
  }

  runAt(day: number): number {
    return this.dayStartMs(day) + RUN_HOUR_UTC * 3_600_000;
  }

  date(day: number): string {
    return addDays(this.startDate, day);
  }

  dayOfDate(date: string): number {
    return daysBetween(this.startDate, date);
  }

  dayOfMs(ms: number): number {
    return Math.floor((ms - this.startMs) / DAY_MS);
  }
}

/** A queue of timed events, earliest first (ties in insertion order). */
export class EventQueue<T> {
  private readonly items: { at: number; seq: number; item: T }[] = [];
  private seq = 0;

  push(at: number, item: T): void {
    const entry = { at, seq: this.seq++, item };
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const other = this.items[mid]!;
      if (other.at < at || (other.at === at && other.seq < entry.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.items.splice(lo, 0, entry);
  }

  /** The earliest event before `until`, removed from the queue; undefined when there is none. */
  popBefore(until: number): { at: number; item: T } | undefined {
    const first = this.items[0];
    if (!first || first.at >= until) return undefined;
    this.items.shift();
    return first;
  }
}
