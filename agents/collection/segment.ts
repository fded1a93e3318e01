// Which cadence an account gets, derived from the customer's own payment history rather than the
// stored label (which lags behaviour). Pure and deterministic: the same snapshot gives the same
// segment and the same explanation.
import type { DunningSegment } from "../../policies/document.ts";
import type { AccountSnapshot, SnapshotPaidInvoice } from "../../tools/read/account-snapshot-types.ts";
import { compareText, daysBetween } from "./dates.ts";

export type CollectionSegment = DunningSegment;

/** Fewer settled invoices than this is too little history to judge behaviour. */
export const MIN_HISTORY = 3;
/** A payment at most this many days after the due date counts as on time (bank transfer latency). */
export const ON_TIME_TOLERANCE_DAYS = 2;
/** Prompt: median lateness at most this … */
export const PROMPT_MAX_MEDIAN_DAYS_LATE = 2;
/** … three quarters paid within this many days of the due date … */
export const PROMPT_MAX_P75_DAYS_LATE = 7;
/** … and at least this share on time. */
export const PROMPT_MIN_ON_TIME_SHARE = 0.8;
/** Problem: a median lateness beyond this. */
export const PROBLEM_MEDIAN_DAYS_LATE = 30;
/** Problem: three quarters of payments not in by this many days late. */
export const PROBLEM_P75_DAYS_LATE = 45;
/** Problem: at least this many broken promises in the snapshot (the last 180 days). */
export const PROBLEM_BROKEN_PROMISES = 1;
/** Problem: an open undisputed invoice overdue by more than this many days. */
export const PROBLEM_OVERDUE_DAYS = 60;
/** Trend: the last this-many payments … */
export const RECENT_PAYMENTS = 5;
/** … compared with at least this many earlier ones … */
export const MIN_EARLIER_PAYMENTS = 3;
/** … are "much later" when their median is this many days above the earlier median … */
export const WORSENING_DAYS = 15;
/** … and itself at least this late. */
export const WORSENING_MIN_RECENT_MEDIAN = 15;

export interface SegmentStats {
  paidCount: number;
  medianDaysLate: number | null;
  p75DaysLate: number | null;
  /** Share of settled invoices paid within ON_TIME_TOLERANCE_DAYS of the due date (0..1). */
  onTimeShare: number | null;
  /** Median lateness of the last RECENT_PAYMENTS payments, and of those before (null without enough). */
  recentMedianDaysLate: number | null;
  earlierMedianDaysLate: number | null;
  brokenPromises: number;
  /** Open undisputed invoices with a balance, overdue by more than PROBLEM_OVERDUE_DAYS. */
  openOverdueOver60: number;
}

export interface SegmentAssessment {
  segment: CollectionSegment;
  why: string;
  stats: SegmentStats;
}

export function deriveSegment(snapshot: AccountSnapshot): SegmentAssessment {
  const stats = segmentStats(snapshot);
  const { customer } = snapshot;
  if (customer.isConsumer) return { segment: "consumer", why: "consumer account", stats };
  if (customer.strategic) return { segment: "strategic", why: "flagged strategic", stats };

  const problems: string[] = [];
  if (stats.brokenPromises >= PROBLEM_BROKEN_PROMISES)
    problems.push(`${stats.brokenPromises} broken promise(s) to pay`);
  if (stats.openOverdueOver60 > 0)
    problems.push(
      `${stats.openOverdueOver60} open invoice(s) more than ${PROBLEM_OVERDUE_DAYS} days overdue`,
    );
  if (stats.paidCount >= MIN_HISTORY) {
    if (stats.medianDaysLate! > PROBLEM_MEDIAN_DAYS_LATE)
      problems.push(`pays a median ${fmt(stats.medianDaysLate!)} days late`);
    else if (stats.p75DaysLate! > PROBLEM_P75_DAYS_LATE)
      problems.push(`a quarter of payments arrive more than ${fmt(stats.p75DaysLate!)} days late`);
  }
  const { recentMedianDaysLate: recent, earlierMedianDaysLate: earlier } = stats;
  if (
    recent !== null &&
    earlier !== null &&
    recent - earlier >= WORSENING_DAYS &&
    recent >= WORSENING_MIN_RECENT_MEDIAN
  ) {
    problems.push(
      `the last ${RECENT_PAYMENTS} payments came a median ${fmt(recent)} days late against ${fmt(earlier)} before`,
    );
  }
  if (problems.length > 0) return { segment: "problem", why: problems.join("; "), stats };

  if (stats.paidCount < MIN_HISTORY) {
    return {
      segment: "slow",
      why: `too little history (${stats.paidCount} settled invoice(s)); the standard cadence`,
      stats,
    };
  }
  const median = stats.medianDaysLate!;
  const p75 = stats.p75DaysLate!;
  const onTime = stats.onTimeShare!;
  const summary = `median ${fmt(median)} days late, 75th percentile ${fmt(p75)}, ${Math.round(onTime * 100)}% on time over ${stats.paidCount} invoices`;
  if (
    median <= PROMPT_MAX_MEDIAN_DAYS_LATE &&
    p75 <= PROMPT_MAX_P75_DAYS_LATE &&
    onTime >= PROMPT_MIN_ON_TIME_SHARE
  ) {
    return { segment: "prompt", why: summary, stats };
  }
  return { segment: "slow", why: summary, stats };
}

export function segmentStats(snapshot: AccountSnapshot): SegmentStats {
  const paid = [...snapshot.paidInvoices].sort(byPaidOn);
  const lateness = paid.map((p) => p.daysLate);
  const recent =
    paid.length >= RECENT_PAYMENTS + MIN_EARLIER_PAYMENTS ? lateness.slice(-RECENT_PAYMENTS) : [];
  const earlier = recent.length > 0 ? lateness.slice(0, -RECENT_PAYMENTS) : [];
  return {
    paidCount: paid.length,
    medianDaysLate: quantile(lateness, 0.5),
    p75DaysLate: quantile(lateness, 0.75),
    onTimeShare:
      lateness.length === 0
        ? null
        : lateness.filter((d) => d <= ON_TIME_TOLERANCE_DAYS).length / lateness.length,
    recentMedianDaysLate: quantile(recent, 0.5),
    earlierMedianDaysLate: quantile(earlier, 0.5),
    brokenPromises: snapshot.promises.filter((p) => p.status === "broken").length,
    openOverdueOver60: snapshot.openInvoices.filter(
      (i) =>
        !i.disputed && i.balanceMinor > 0 && daysBetween(i.dueDate, snapshot.asOf) > PROBLEM_OVERDUE_DAYS,
    ).length,
  };
}

function byPaidOn(a: SnapshotPaidInvoice, b: SnapshotPaidInvoice): number {
  return compareText(a.paidOn, b.paidOn) || compareText(a.dueDate, b.dueDate) || compareText(a.id, b.id);
}

/** Linear-interpolated quantile (the median of an even count is the mean of the middle two). */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

function fmt(days: number): string {
  return Number.isInteger(days) ? String(days) : days.toFixed(1);
}
