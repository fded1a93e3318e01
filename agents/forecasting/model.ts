// The seam between the forecasting specialist and a pay-date model, and the rules model behind it.
// A PayDateModel predicts, for one open invoice, the date it will be paid and the probability it is
// paid more than 30 days late, from the customer's settled invoices. Issue 5's backtested model
// (quantiles, more features, training) implements the same interface; `version` is stored with every
// prediction so forecasts can be compared with what happened, model by model.
import { addDays, compareText, daysBetween } from "../../tools/dates.ts";
import type {
  AccountSnapshot,
  SnapshotOpenInvoice,
  SnapshotPaidInvoice,
} from "../../tools/read/account-snapshot-types.ts";

export interface PayDatePrediction {
  /** YYYY-MM-DD, never before asOf: the median. */
  predictedPayDate: string;
  /** The 10th and 90th percentile dates, from a quantile model. */
  p10PayDate?: string;
  p90PayDate?: string;
  /** P(paid more than LATE_THRESHOLD_DAYS days after the due date), 0..1. */
  lateProbability: number;
  /** What the prediction was made from: finite numbers only (stored with the prediction). */
  features: Record<string, number>;
}

export interface PayDateModel {
  readonly version: string;
  predict(
    invoice: SnapshotOpenInvoice,
    history: readonly SnapshotPaidInvoice[],
    asOf: string,
    /** The whole account, for models that use more than the invoices (promises, outreach). */
    snapshot?: AccountSnapshot,
  ): PayDatePrediction;
}

/** The most recent settled invoices the model looks at. */
export const HISTORY_WINDOW = 12;
/** Each older invoice weighs this much of the next newer one (half-weight after about four). */
export const RECENCY_DECAY = 0.85;
/** Fewer settled invoices than this and the terms-based prior is used instead of the history. */
export const MIN_HISTORY = 3;
/** "Late" for lateProbability: paid more than this many days after the due date. */
export const LATE_THRESHOLD_DAYS = 30;

/**
 * Days late to expect with no usable history, by the invoice's own terms (due − issue date). House
 * prior after the days-beyond-terms surveys: business payers run one to two weeks past terms, more for
 * longer terms and for due-on-receipt invoices (nobody pays those on receipt).
 */
export const PRIOR_DAYS_LATE: readonly { maxTermsDays: number; daysLate: number }[] = [
  { maxTermsDays: 0, daysLate: 10 },
  { maxTermsDays: 15, daysLate: 7 },
  { maxTermsDays: 30, daysLate: 8 },
  { maxTermsDays: 45, daysLate: 10 },
  { maxTermsDays: 60, daysLate: 12 },
  { maxTermsDays: Number.POSITIVE_INFINITY, daysLate: 14 },
];

export { addDays, compareText, daysBetween };

export function priorDaysLate(termsDays: number): number {
  return PRIOR_DAYS_LATE.find((row) => termsDays <= row.maxTermsDays)!.daysLate;
}

/** The newest HISTORY_WINDOW settled invoices, newest first (paid date, due date, id: a total order). */
export function recentHistory(history: readonly SnapshotPaidInvoice[]): SnapshotPaidInvoice[] {
  return [...history]
    .sort(
      (a, b) =>
        compareText(b.paidOn, a.paidOn) || compareText(b.dueDate, a.dueDate) || compareText(a.id, b.id),
    )
    .slice(0, HISTORY_WINDOW);
}

/** The weighted median (the lower one on an exact half): the smallest value with half the weight at or below it. */
export function weightedMedian(items: readonly { value: number; weight: number }[]): number {
  if (items.length === 0) throw new RangeError("weighted median of nothing");
  const sorted = [...items].sort((a, b) => a.value - b.value || b.weight - a.weight);
  const total = sorted.reduce((sum, i) => sum + i.weight, 0);
  let cumulative = 0;
  for (const item of sorted) {
    cumulative += item.weight;
    if (cumulative >= total / 2 - 1e-12) return item.value;
  }
  return sorted[sorted.length - 1]!.value;
}

/**
 * history-median-v1:
 * - predicted days late = the recency-weighted median of the customer's days late over its newest
 *   HISTORY_WINDOW settled invoices (weights RECENCY_DECAY^k, k = 0 for the newest); with fewer than
 *   MIN_HISTORY, the terms-based prior (PRIOR_DAYS_LATE).
 * - predicted pay date = max(due date + predicted days late, asOf): an unpaid invoice is not paid in
 *   the past.
 * - lateProbability = (late + 1) / (n + 2) (Laplace), where n counts the window's settled invoices
 *   that were still unpaid as far past due as this one is today (all of them when it is not overdue),
 *   and late those among them paid more than LATE_THRESHOLD_DAYS late. Once the invoice is already
 *   more than LATE_THRESHOLD_DAYS overdue it is certain: 1.
 */
export const customerHistoryModel: PayDateModel = {
  version: "history-median-v1",
  predict(invoice, history, asOf) {
    const window = recentHistory(history);
    const termsDays = Math.max(0, daysBetween(invoice.issueDate, invoice.dueDate));
    const prior = priorDaysLate(termsDays);
    const usedPrior = window.length < MIN_HISTORY;
    const median = usedPrior
      ? prior
      : weightedMedian(window.map((h, k) => ({ value: h.daysLate, weight: RECENCY_DECAY ** k })));
    const predictedDaysLate = Math.round(median);
    const due = addDays(invoice.dueDate, predictedDaysLate);
    const predictedPayDate = compareText(due, asOf) < 0 ? asOf : due;

    const overdueDays = daysBetween(invoice.dueDate, asOf);
    const pool = overdueDays > 0 ? window.filter((h) => h.daysLate >= overdueDays) : window;
    const late = pool.filter((h) => h.daysLate > LATE_THRESHOLD_DAYS).length;
    const lateProbability = overdueDays > LATE_THRESHOLD_DAYS ? 1 : (late + 1) / (pool.length + 2);

    const sameCurrency = window.filter((h) => h.currency === invoice.currency && h.amountMinor > 0);
    const usualAmount = sameCurrency.length
      ? weightedMedian(sameCurrency.map((h) => ({ value: h.amountMinor, weight: 1 })))
      : 0;
    const allLate = window.filter((h) => h.daysLate > LATE_THRESHOLD_DAYS).length;
    return {
      predictedPayDate,
      lateProbability: Math.round(lateProbability * 10_000) / 10_000,
      features: {
        historyCount: window.length,
        usedPrior: usedPrior ? 1 : 0,
        priorDaysLate: prior,
        medianDaysLate: median,
        predictedDaysLate,
        termsDays,
        daysOverdue: Math.max(0, overdueDays),
        lateShare: window.length ? Math.round((allLate / window.length) * 10_000) / 10_000 : 0,
        conditionedOn: pool.length,
        amountVsUsual: usualAmount > 0 ? Math.round((invoice.amountMinor / usualAmount) * 1000) / 1000 : 1,
      },
    };
  },
};
