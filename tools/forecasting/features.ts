// The features of one invoice as of a date, computed only from what was known on that date:
// - the customer's settled invoices are those paid strictly before asOf (their pay dates are known);
// - the customer's open invoices are those issued strictly before asOf and not paid before it (that
//   they are still open is known; when they will be paid is not, and it is never looked at);
// - the invoice itself is never part of its own history.
// So a history that runs past asOf (a whole ledger, a whole CSV) can be passed as is: buildFeatures
// reads no date after asOf, which is what makes training rows and backtests leak-free.
//
// A feature that cannot be computed (no history yet, an optional input not given) is null, "unknown";
// the model learns where unknowns go, which is how a new customer gets a cold-start prediction.
import { daysBetween, daysToMonthEnd, weekday } from "./dates.ts";
import type { FeatureContext, ForecastInvoice, HistoryInvoice } from "./types.ts";

/** The most recent settled invoices the window statistics (median, spread, shares) look at. */
export const HISTORY_WINDOW = 12;
/** The recency-weighted mean weighs each older settled invoice this much of the next newer one. */
export const RECENCY_DECAY = 0.8;
/** The trend is the least-squares slope over at most this many newest settled invoices… */
export const TREND_WINDOW = 8;
/** …and needs at least this many. */
export const TREND_MIN = 3;
/** A due date this many days or fewer before the end of its month counts as month-end. */
export const MONTH_END_DAYS = 2;

export const FEATURE_NAMES = [
  // the customer's settled history
  "historyCount",
  "daysLateWeightedMean",
  "daysLateMedian",
  "daysLateIqr",
  "daysLateStd",
  "daysLateTrend",
  "daysLateLast",
  "daysLateMeanUndisputed",
  "lateShare",
  "disputedShare",
  "daysSinceLastPaid",
  // the customer's open invoices at asOf
  "openCount",
  "openMaxOverdue",
  // the invoice
  "logAmount",
  "logAmountRatio",
  "termsDays",
  "disputed",
  "paperless",
  "dueMonthEnd",
  "dueWeekday",
  "ageDays",
  "daysOverdue",
  // optional account facts
  "promisesKept",
  "promisesBroken",
  "outreachCount",
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

/** Every feature, null when unknown. */
export type PayDateFeatures = Record<FeatureName, number | null>;

/** Days late of a settled invoice: pay date − due date (negative when paid early). */
export const daysLate = (invoice: { dueDate: string; paidDate: string | null }): number =>
  daysBetween(invoice.dueDate, invoice.paidDate!);

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Settled before asOf, oldest first (by pay date, then invoice date, then id: a total order). */
export function settledBefore(
  invoice: ForecastInvoice,
  history: readonly HistoryInvoice[],
  asOf: string,
): HistoryInvoice[] {
  return history
    .filter(
      (h) =>
        h.customerId === invoice.customerId &&
        !isSelf(invoice, h) &&
        h.paidDate !== null &&
        h.paidDate < asOf,
    )
    .sort(
      (a, b) =>
        byText(a.paidDate!, b.paidDate!) ||
        byText(a.invoiceDate, b.invoiceDate) ||
        byText(a.invoiceId ?? "", b.invoiceId ?? ""),
    );
}

function isSelf(invoice: ForecastInvoice, h: HistoryInvoice): boolean {
  if ((h as unknown) === (invoice as unknown)) return true;
  return invoice.invoiceId !== undefined && h.invoiceId === invoice.invoiceId;
}

/** The features of `invoice` as of `asOf` from the customer's `history` (other customers' rows are ignored). */
export function buildFeatures(
  invoice: ForecastInvoice,
  history: readonly HistoryInvoice[],
  asOf: string,
  context: FeatureContext = {},
): PayDateFeatures {
  const settled = settledBefore(invoice, history, asOf);
  const open = history.filter(
    (h) =>
      h.customerId === invoice.customerId &&
      !isSelf(invoice, h) &&
      h.invoiceDate < asOf &&
      (h.paidDate === null || h.paidDate >= asOf),
  );
  const window = settled.slice(-HISTORY_WINDOW);
  const lates = window.map(daysLate);
  const n = settled.length;

  // Recency-weighted mean over all settled invoices: weight RECENCY_DECAY^k, k = 0 for the newest.
  let weightedMean: number | null = null;
  if (n > 0) {
    let sum = 0;
    let weights = 0;
    for (let k = 0; k < n; k++) {
      const w = RECENCY_DECAY ** k;
      sum += w * daysLate(settled[n - 1 - k]!);
      weights += w;
    }
    weightedMean = sum / weights;
  }
  const undisputed = window.filter((h) => h.disputed !== true).map(daysLate);
  const knowsDisputes = window.some((h) => h.disputed !== undefined);
  const amounts = window.filter((h) => h.amountMinor > 0).map((h) => h.amountMinor);
  const usualAmount = amounts.length > 0 ? quantile(amounts, 0.5) : null;
  const last = settled[n - 1];
  const overdue = daysBetween(invoice.dueDate, asOf);

  return {
    historyCount: n,
    daysLateWeightedMean: weightedMean,
    daysLateMedian: lates.length > 0 ? quantile(lates, 0.5) : null,
    daysLateIqr: lates.length > 0 ? quantile(lates, 0.75) - quantile(lates, 0.25) : null,
    daysLateStd: lates.length > 0 ? std(lates) : null,
    daysLateTrend: trend(settled.slice(-TREND_WINDOW).map(daysLate)),
    daysLateLast: last ? daysLate(last) : null,
    daysLateMeanUndisputed: undisputed.length > 0 ? mean(undisputed) : null,
    lateShare: lates.length > 0 ? lates.filter((d) => d > 0).length / lates.length : null,
    disputedShare: knowsDisputes ? window.filter((h) => h.disputed === true).length / window.length : null,
    daysSinceLastPaid: last ? daysBetween(last.paidDate!, asOf) : null,
    openCount: open.length,
    openMaxOverdue: open.reduce((max, h) => Math.max(max, daysBetween(h.dueDate, asOf)), 0),
    logAmount: invoice.amountMinor > 0 ? Math.log(invoice.amountMinor) : null,
    logAmountRatio:
      invoice.amountMinor > 0 && usualAmount !== null ? Math.log(invoice.amountMinor / usualAmount) : null,
    termsDays: daysBetween(invoice.invoiceDate, invoice.dueDate),
    disputed: invoice.disputed === undefined ? null : invoice.disputed ? 1 : 0,
    paperless: invoice.paperless === undefined ? null : invoice.paperless ? 1 : 0,
    dueMonthEnd: daysToMonthEnd(invoice.dueDate) <= MONTH_END_DAYS ? 1 : 0,
    dueWeekday: weekday(invoice.dueDate),
    ageDays: Math.max(0, daysBetween(invoice.invoiceDate, asOf)),
    daysOverdue: Math.max(0, overdue),
    promisesKept: context.promisesKept ?? null,
    promisesBroken: context.promisesBroken ?? null,
    outreachCount: context.outreachCount ?? null,
  };
}

/** The features as a vector in FEATURE_NAMES order, unknown = NaN (what the trees take). */
export function featureVector(features: PayDateFeatures): number[] {
  return FEATURE_NAMES.map((name) => {
    const value = features[name];
    return value === null || value === undefined || !Number.isFinite(value) ? Number.NaN : value;
  });
}

export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Population standard deviation. */
export function std(values: readonly number[]): number {
  const m = mean(values);
  let sum = 0;
  for (const v of values) sum += (v - m) ** 2;
  return Math.sqrt(sum / values.length);
}

/** The q-quantile with linear interpolation between order statistics (R's type 7, numpy's default). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

/**
 * Least-squares slope of days late against the invoice's position (0 = oldest … m−1 = newest), in days
 * per invoice: positive when the customer pays later and later. Null with fewer than TREND_MIN points.
 */
export function trend(values: readonly number[]): number | null {
  const m = values.length;
  if (m < TREND_MIN) return null;
  const xMean = (m - 1) / 2;
  const yMean = mean(values);
  let num = 0;
  let den = 0;
  for (let i = 0; i < m; i++) {
    num += (i - xMean) * (values[i]! - yMean);
    den += (i - xMean) ** 2;
  }
  return num / den;
}
