// From the model's quantiles of days late to pay dates and a late probability for one open invoice.
//
// The three quantiles are read as a whole distribution of days late L (see `survival`). An invoice
// still open on asOf is paid on asOf or later, that is L ≥ m with m = asOf − due date (negative before
// the due date), so everything reported is conditioned on that: the dates are the quantiles of L given
// L ≥ m (then rounded, and never before asOf), and the late probability is P(L > 30 | L ≥ m). Before
// the due date the condition barely matters; for an invoice past its predicted P90 it moves the dates
// out instead of stacking them all on asOf.
import { addDays, daysBetween, maxDate } from "./dates.ts";
import { buildFeatures, type PayDateFeatures } from "./features.ts";
import type { PayDateQuantileModel } from "./model.ts";
import type { FeatureContext, ForecastInvoice, HistoryInvoice, QuantilePrediction } from "./types.ts";

/** "Late" for lateProbability: paid more than this many days after the due date. */
export const LATE_THRESHOLD_DAYS = 30;

export interface PayDateForecast {
  /** YYYY-MM-DD, never before asOf; p10Date ≤ p50Date ≤ p90Date. */
  p10Date: string;
  p50Date: string;
  p90Date: string;
  /**
   * P(paid more than LATE_THRESHOLD_DAYS days after the due date | not paid before asOf), 0..1,
   * calibrated by the model when it has a calibration (model.ts).
   */
  lateProbability: number;
  /** The same read straight off the quantiles, before calibration. */
  rawLateProbability: number;
  /** Quantiles of days late given the invoice is still open on asOf (what the dates are made of). */
  quantiles: QuantilePrediction;
  /** The model's own quantiles, before that condition. */
  modelQuantiles: QuantilePrediction;
  features: PayDateFeatures;
  modelVersion: string;
}

/** The predicted pay dates of `invoice`, open on `asOf`, from its customer's `history`. */
export function predictPayDate(
  model: PayDateQuantileModel,
  invoice: ForecastInvoice,
  history: readonly HistoryInvoice[],
  asOf: string,
  context?: FeatureContext,
): PayDateForecast {
  const features = buildFeatures(invoice, history, asOf, context);
  return forecastFromQuantiles(model.predict(features), invoice.dueDate, asOf, features, model);
}

/** Dates and late probability from model quantiles, for an invoice due `dueDate` and open on `asOf`. */
export function forecastFromQuantiles(
  modelQuantiles: QuantilePrediction,
  dueDate: string,
  asOf: string,
  features: PayDateFeatures,
  model: Pick<PayDateQuantileModel, "version" | "lateProbability">,
): PayDateForecast {
  const minDaysLate = daysBetween(dueDate, asOf);
  const quantiles = conditionalQuantiles(modelQuantiles, minDaysLate);
  const date = (days: number) => maxDate(addDays(dueDate, Math.round(days)), asOf);
  return {
    p10Date: date(quantiles.p10),
    p50Date: date(quantiles.p50),
    p90Date: date(quantiles.p90),
    lateProbability: model.lateProbability(modelQuantiles, minDaysLate),
    rawLateProbability: lateProbability(modelQuantiles, minDaysLate),
    quantiles,
    modelQuantiles,
    features,
    modelVersion: model.version,
  };
}

/**
 * P(days late > threshold | days late ≥ minDaysLate): S(threshold + ½) / S(minDaysLate − ½), days
 * being whole; 1 once minDaysLate is past the threshold. Rounded to 4 decimals.
 */
export function lateProbability(
  q: QuantilePrediction,
  minDaysLate = Number.NEGATIVE_INFINITY,
  threshold = LATE_THRESHOLD_DAYS,
): number {
  if (minDaysLate > threshold) return 1;
  const alive = survival(q, minDaysLate - 0.5);
  const p = alive > 0 ? survival(q, threshold + 0.5) / alive : 1;
  return Math.round(Math.min(1, Math.max(0, p)) * 10_000) / 10_000;
}

/** The P10 / P50 / P90 of days late given days late ≥ minDaysLate (whole days: evaluated at − ½). */
export function conditionalQuantiles(q: QuantilePrediction, minDaysLate: number): QuantilePrediction {
  const alive = survival(q, minDaysLate - 0.5);
  if (!(alive > 0)) return { p10: minDaysLate, p50: minDaysLate, p90: minDaysLate };
  const at = (alpha: number) => Math.max(minDaysLate, inverseSurvival(q, (1 - alpha) * alive));
  return { p10: at(0.1), p50: at(0.5), p90: at(0.9) };
}

// Tail rates: 10 % of the mass decays exponentially beyond p10 and beyond p90, at the rate that makes
// the density there match the neighbouring linear piece (0.4 / width = 0.1 · rate), the width being at
// least a day (a point mass would make the rate infinite).
const rates = (q: QuantilePrediction) => ({
  low: 4 / Math.max(1, q.p50 - q.p10),
  high: 4 / Math.max(1, q.p90 - q.p50),
});

/**
 * P(days late > x) under the distribution the quantiles describe: the CDF is linear between
 * (p10, 0.1), (p50, 0.5) and (p90, 0.9), with exponential tails below p10 and above p90.
 */
export function survival(q: QuantilePrediction, x: number): number {
  const { low, high } = rates(q);
  if (x <= q.p10) return 1 - 0.1 * Math.exp(-(q.p10 - x) * low);
  // Inside the linear pieces their widths are positive (x lies strictly above the lower knot).
  if (x <= q.p50) return 0.9 - (0.4 * (x - q.p10)) / (q.p50 - q.p10);
  if (x <= q.p90) return 0.5 - (0.4 * (x - q.p50)) / (q.p90 - q.p50);
  return 0.1 * Math.exp(-(x - q.p90) * high);
}

/** The x with survival(q, x) = s, for 0 < s < 1. */
export function inverseSurvival(q: QuantilePrediction, s: number): number {
  const { low, high } = rates(q);
  if (s >= 0.9) return q.p10 - Math.log(0.1 / (1 - s)) / low;
  if (s >= 0.5) return q.p10 + ((0.9 - s) / 0.4) * (q.p50 - q.p10);
  if (s >= 0.1) return q.p50 + ((0.5 - s) / 0.4) * (q.p90 - q.p50);
  return q.p90 + Math.log(0.1 / s) / high;
}
