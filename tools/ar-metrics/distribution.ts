// One invoice's predicted pay day as a full distribution, from the three quantiles a pay-date model
// gives (P10 / P50 / P90, in days after asOf) and an optional probability that it is never paid.
//
// The distribution of the pay time X (continuous days after the start of asOf) is piecewise linear in
// its CDF through the knots (lo, 0), (P10, 0.1), (P50, 0.5), (P90, 0.9), (hi, 1): uniform density
// between adjacent quantiles. The tails are uniform too, each as wide as the adjacent inner span
// (TAIL_SPAN): lo = max(0, P10 − (P50 − P10)), hi = P90 + (P90 − P50). For a normal distribution that
// puts the 0th and 100th percentiles at ±2.56σ, where about 99% of its mass lies; for the right-skewed
// pay times models produce, the right tail is automatically the longer one. The tails are bounded (no
// invoice is forecast to be paid a year after its P90), which is the assumption to revisit if the
// model's P90 is much too early (forecast-vs-actual coverage below 80% tells).
//
// Pay *day* = ceil(X): day d collects X in (d − 1, d], so P(day ≤ P50) = 0.5 exactly for a whole-day
// P50, and a certain invoice (P10 = P50 = P90 = d) is paid on day d. Quantiles before asOf are moved to
// asOf (day 0): an open invoice is not paid in the past.
import { dayNumber, daysBetween } from "./dates.ts";

export interface PayDayQuantiles {
  /** Days after asOf (0 = asOf itself) by which 10% / 50% / 90% of the paid-probability is paid. */
  p10: number;
  p50: number;
  p90: number;
  /**
   * Probability the invoice is never paid (written off, lost in a dispute); 0 when omitted. The
   * quantiles describe the pay day *given* that it is paid.
   */
  neverPaidProbability?: number;
}

/** Each tail of the distribution is this many times as wide as the adjacent inner span (see above). */
export const TAIL_SPAN = 1;

const KNOT_PROBABILITIES = [0, 0.1, 0.5, 0.9, 1] as const;

export function assertQuantiles(q: PayDayQuantiles, what: string): void {
  for (const key of ["p10", "p50", "p90"] as const) {
    if (!Number.isFinite(q[key])) throw new RangeError(`${what}: ${key} ${q[key]} is not a number`);
  }
  if (!(q.p10 <= q.p50 && q.p50 <= q.p90)) {
    throw new RangeError(`${what}: quantiles out of order (p10 ${q.p10}, p50 ${q.p50}, p90 ${q.p90})`);
  }
  const never = q.neverPaidProbability ?? 0;
  if (!(never >= 0 && never <= 1)) {
    throw new RangeError(`${what}: neverPaidProbability ${never} is not in 0..1`);
  }
}

/** The x values of the five CDF knots (non-decreasing, ≥ 0). */
export function knots(q: PayDayQuantiles): readonly [number, number, number, number, number] {
  const p10 = Math.max(0, q.p10);
  const p50 = Math.max(0, q.p50);
  const p90 = Math.max(0, q.p90);
  return [Math.max(0, p10 - TAIL_SPAN * (p50 - p10)), p10, p50, p90, p90 + TAIL_SPAN * (p90 - p50)];
}

/** The pay time at probability u in [0, 1) (the inverse CDF), given it is paid. */
export function payTimeQuantile(x: readonly number[], u: number): number {
  for (let j = 0; j < 4; j++) {
    const u0 = KNOT_PROBABILITIES[j]!;
    const u1 = KNOT_PROBABILITIES[j + 1]!;
    if (u < u1 || j === 3) return x[j]! + ((u - u0) / (u1 - u0)) * (x[j + 1]! - x[j]!);
  }
  return x[4]!;
}

/** P(X ≤ t) given it is paid: right-continuous, a step where knots coincide (a point mass). */
export function payTimeCdf(x: readonly number[], t: number): number {
  if (t < x[0]!) return 0;
  if (t >= x[4]!) return 1;
  let j = 0;
  while (j < 3 && x[j + 1]! <= t) j++;
  const u0 = KNOT_PROBABILITIES[j]!;
  const u1 = KNOT_PROBABILITIES[j + 1]!;
  return u0 + ((u1 - u0) * (t - x[j]!)) / (x[j + 1]! - x[j]!);
}

/** P(paid on or before day `day` after asOf), never-paid included: (1 − never) × P(X ≤ day). */
export function probabilityPaidBy(q: PayDayQuantiles, day: number): number {
  return (1 - (q.neverPaidProbability ?? 0)) * payTimeCdf(knots(q), day);
}

/** P(paid on a day in [firstDay, lastDay]) (whole days after asOf), never-paid included. */
export function probabilityPaidBetween(q: PayDayQuantiles, firstDay: number, lastDay: number): number {
  const x = knots(q);
  return (1 - (q.neverPaidProbability ?? 0)) * (payTimeCdf(x, lastDay) - payTimeCdf(x, firstDay - 1));
}

/**
 * Pay-day quantiles relative to asOf from quantiles of days late (pay date − due date), the form the
 * pay-date model in tools/forecasting gives: due date − asOf + days late, each at least 0.
 */
export function payDayFromDaysLate(
  daysLate: { p10: number; p50: number; p90: number },
  dueDate: string,
  asOf: string,
  neverPaidProbability = 0,
): PayDayQuantiles {
  const offset = dayNumber(dueDate) - dayNumber(asOf);
  return {
    p10: Math.max(0, offset + daysLate.p10),
    p50: Math.max(0, offset + daysLate.p50),
    p90: Math.max(0, offset + daysLate.p90),
    neverPaidProbability,
  };
}

/**
 * Pay-day quantiles (days after asOf) from predicted pay dates: the median and, when the model gave
 * them, the P10 / P90 dates (else the median). Dates before asOf count as asOf; the order is kept.
 */
export function payDayOf(
  asOf: string,
  p50: string,
  p10?: string | null,
  p90?: string | null,
): PayDayQuantiles {
  const after = (date: string) => Math.max(0, daysBetween(asOf, date));
  const mid = after(p50);
  return {
    p10: Math.min(p10 ? after(p10) : mid, mid),
    p50: mid,
    p90: Math.max(p90 ? after(p90) : mid, mid),
  };
}
