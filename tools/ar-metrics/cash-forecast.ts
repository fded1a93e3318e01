// The 13-week cash-in forecast: per currency, per ISO week (the week of asOf and the 12 after it, plus
// "later"), the P10 / P50 / P90 of the total cash the open invoices bring in that week, and its mean.
//
// Method (monte-carlo-v1). A week's total is a sum of many uncertain invoices, and quantiles do not
// add: the sum of the invoices' P90s is far above the P90 of their sum. So the forecast simulates:
// `draws` times (default 2,000), every invoice independently is either never paid (probability
// neverPaidProbability) or paid on a day drawn from its piecewise-linear pay-day distribution
// (distribution.ts); its whole balance lands in that day's week. The weekly P10 / P50 / P90 are
// quantiles of the simulated weekly totals (nearest rank, so every figure is a total that occurred in
// a draw: whole minor units). The mean is computed exactly from the distributions, not simulated, so
// the means of the 13 weeks + later add up to Σ balance × (1 − neverPaidProbability).
//
// Assumptions:
// - Independence between invoices. Invoices of one customer are in truth correlated (a customer in
//   trouble pays none of them): the bands are too narrow for portfolios dominated by a few customers.
//   Group such invoices into one row per customer and pay date if that matters.
// - Each invoice is paid in full in one payment (partial payments are not modelled).
// - Only invoices open at asOf: cash from invoices issued later is not in the forecast.
// - Deterministic: each invoice's draws come from its own pseudo-random stream seeded by (seed,
//   invoice id), so the forecast does not depend on the order of the input, and adding one invoice
//   does not move the draws of the others.
// - Weekly P10s (or P90s) are per week; they do not add up to the P10 of the 13 weeks together.
import { assertCurrency } from "../../db/money.ts";
import { addDays, assertDate, compareText, isoWeekday, isoWeekLabel } from "./dates.ts";
import { assertQuantiles, knots, type PayDayQuantiles, payTimeCdf, payTimeQuantile } from "./distribution.ts";

export const FORECAST_WEEKS = 13;
export const DEFAULT_DRAWS = 2_000;
export const DEFAULT_SEED = 20_250_101;
export const CASH_FORECAST_METHOD = "monte-carlo-v1";

export interface OpenInvoiceForecast extends PayDayQuantiles {
  invoiceId: string;
  currency: string;
  /** Open balance at asOf, minor units. */
  balanceMinor: number;
}

export interface ForecastWeek {
  /** 0 = the week of asOf … 12. */
  index: number;
  /** ISO week, e.g. "2025-W23". */
  label: string;
  /** First day counted: asOf for week 0 (cash before asOf is history), else the Monday. */
  start: string;
  /** The Sunday. */
  end: string;
  p10Minor: number;
  p50Minor: number;
  p90Minor: number;
  /** Expected cash in the week (an expectation: may have a fraction of a minor unit). */
  meanMinor: number;
}

export interface ForecastLater {
  /** The first day after week 12. */
  start: string;
  p10Minor: number;
  p50Minor: number;
  p90Minor: number;
  meanMinor: number;
}

export interface CurrencyCashForecast {
  currency: string;
  openInvoices: number;
  /** Σ balance of the open invoices. */
  openMinor: number;
  /** Σ balance × (1 − neverPaidProbability): what the weeks' and later's means add up to. */
  expectedPaidMinor: number;
  weeks: ForecastWeek[];
  later: ForecastLater;
}

export interface CashForecast {
  method: typeof CASH_FORECAST_METHOD;
  asOf: string;
  draws: number;
  seed: number;
  currencies: CurrencyCashForecast[];
}

export interface CashForecastOptions {
  /** Monte Carlo draws (default 2,000). More draws, steadier P10 / P90. */
  draws?: number;
  /** Seed of the pseudo-random streams (default DEFAULT_SEED). */
  seed?: number;
}

/** 32-bit FNV-1a of a string: seeds an invoice's stream. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a small, fast 32-bit generator; plenty for 2,000 draws per invoice. Uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The days after asOf (inclusive) each of the 13 weeks covers; day ≥ lastDay + 1 is "later". */
export function forecastWeeks(
  asOf: string,
): { index: number; label: string; firstDay: number; lastDay: number }[] {
  const offset = isoWeekday(asOf);
  return Array.from({ length: FORECAST_WEEKS }, (_, index) => {
    const firstDay = Math.max(0, 7 * index - offset);
    return { index, label: isoWeekLabel(addDays(asOf, firstDay)), firstDay, lastDay: 7 * index - offset + 6 };
  });
}

/** Nearest-rank quantile of sorted values: the smallest value with at least p of them at or below it. */
function nearestRank(sorted: Float64Array, p: number): number {
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1]!;
}

export function cashForecast(
  invoices: readonly OpenInvoiceForecast[],
  asOf: string,
  options: CashForecastOptions = {},
): CashForecast {
  assertDate(asOf, "asOf");
  const draws = options.draws ?? DEFAULT_DRAWS;
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(draws) || draws < 1) throw new RangeError(`draws ${draws} < 1`);
  const ids = new Set<string>();
  for (const invoice of invoices) {
    if (ids.has(invoice.invoiceId)) throw new RangeError(`invoice ${invoice.invoiceId} appears twice`);
    ids.add(invoice.invoiceId);
    assertCurrency(invoice.currency);
    if (!Number.isSafeInteger(invoice.balanceMinor) || invoice.balanceMinor < 0) {
      throw new RangeError(
        `invoice ${invoice.invoiceId}: balance ${invoice.balanceMinor} is not minor units`,
      );
    }
    assertQuantiles(invoice, `invoice ${invoice.invoiceId}`);
  }

  const weeks = forecastWeeks(asOf);
  const offset = isoWeekday(asOf);
  const slots = FORECAST_WEEKS + 1; // the 13 weeks, then later
  const laterStart = weeks[FORECAST_WEEKS - 1]!.lastDay + 1;
  const currencies = [...new Set(invoices.map((i) => i.currency))].sort(compareText);

  return {
    method: CASH_FORECAST_METHOD,
    asOf,
    draws,
    seed,
    currencies: currencies.map((currency) => {
      // In id order, so even the floating-point sums of the means do not depend on the input order.
      const own = invoices
        .filter((i) => i.currency === currency && i.balanceMinor > 0)
        .sort((a, b) => compareText(a.invoiceId, b.invoiceId));
      // totals[draw * slots + slot]: float64 sums of integers stay exact below 2^53.
      const totals = new Float64Array(draws * slots);
      const means = new Float64Array(slots);
      let openMinor = 0;
      let expectedPaidMinor = 0;
      for (const invoice of own) {
        const x = knots(invoice);
        const never = invoice.neverPaidProbability ?? 0;
        const balance = invoice.balanceMinor;
        openMinor += balance;
        expectedPaidMinor += balance * (1 - never);
        for (const week of weeks) {
          const p = payTimeCdf(x, week.lastDay) - payTimeCdf(x, week.firstDay - 1);
          means[week.index]! += balance * (1 - never) * p;
        }
        means[FORECAST_WEEKS]! += balance * (1 - never) * (1 - payTimeCdf(x, laterStart - 1));

        const random = mulberry32(hash32(`${seed}:${invoice.invoiceId}`));
        for (let draw = 0; draw < draws; draw++) {
          const paid = random() >= never;
          const u = random(); // drawn either way, so the stream does not depend on the outcome
          if (!paid) continue;
          const day = Math.max(0, Math.ceil(payTimeQuantile(x, u)));
          const slot = Math.min(FORECAST_WEEKS, Math.floor((day + offset) / 7));
          totals[draw * slots + slot]! += balance;
        }
      }

      const quantiles = (slot: number) => {
        const column = new Float64Array(draws);
        for (let draw = 0; draw < draws; draw++) column[draw] = totals[draw * slots + slot]!;
        column.sort();
        return {
          p10Minor: nearestRank(column, 0.1),
          p50Minor: nearestRank(column, 0.5),
          p90Minor: nearestRank(column, 0.9),
          meanMinor: means[slot]!,
        };
      };
      return {
        currency,
        openInvoices: own.length,
        openMinor,
        expectedPaidMinor,
        weeks: weeks.map((week) => ({
          index: week.index,
          label: week.label,
          start: addDays(asOf, week.firstDay),
          end: addDays(asOf, week.lastDay),
          ...quantiles(week.index),
        })),
        later: { start: addDays(asOf, laterStart), ...quantiles(FORECAST_WEEKS) },
      };
    }),
  };
}

// ---------------------------------------------------------------------------------------------------
// Forecast vs actual

export interface CashReceipt {
  currency: string;
  /** YYYY-MM-DD the cash arrived. */
  date: string;
  amountMinor: number;
}

export interface WeekComparison {
  index: number;
  label: string;
  start: string;
  end: string;
  p10Minor: number;
  p50Minor: number;
  p90Minor: number;
  actualMinor: number;
  /** actual − P50. */
  errorMinor: number;
  absErrorMinor: number;
  /** (actual − P50) ÷ P50 × 100; null when P50 is 0. */
  errorPct: number | null;
  /** P10 ≤ actual ≤ P90. */
  withinBand: boolean;
}

export interface ForecastComparison {
  asOf: string;
  observedThrough: string;
  currencies: { currency: string; weeks: WeekComparison[] }[];
}

/**
 * Compares a stored forecast with the receipts that actually came in, week by week, for the weeks
 * that had ended by `observedThrough` (a week still under way is not compared). Receipts are matched
 * on currency and date; only receipts in [asOf, observedThrough] count. To judge the pay-date model,
 * pass only receipts applied to invoices that were open at asOf; all receipts judge the forecast as a
 * treasury figure (and include cash from invoices issued later, which it does not forecast).
 */
export function compareForecast(
  forecast: CashForecast,
  receipts: readonly CashReceipt[],
  observedThrough: string,
): ForecastComparison {
  assertDate(observedThrough, "observedThrough");
  for (const r of receipts) {
    if (!Number.isSafeInteger(r.amountMinor))
      throw new RangeError(`receipt ${r.date}: ${r.amountMinor} is not minor units`);
  }
  return {
    asOf: forecast.asOf,
    observedThrough,
    currencies: forecast.currencies.map((c) => ({
      currency: c.currency,
      weeks: c.weeks
        .filter((week) => week.end <= observedThrough)
        .map((week) => {
          const actualMinor = receipts
            .filter((r) => r.currency === c.currency && r.date >= week.start && r.date <= week.end)
            .reduce((sum, r) => sum + r.amountMinor, 0);
          const errorMinor = actualMinor - week.p50Minor;
          return {
            index: week.index,
            label: week.label,
            start: week.start,
            end: week.end,
            p10Minor: week.p10Minor,
            p50Minor: week.p50Minor,
            p90Minor: week.p90Minor,
            actualMinor,
            errorMinor,
            absErrorMinor: Math.abs(errorMinor),
            errorPct: week.p50Minor > 0 ? (errorMinor / week.p50Minor) * 100 : null,
            withinBand: actualMinor >= week.p10Minor && actualMinor <= week.p90Minor,
          };
        }),
    })),
  };
}

export interface HorizonAccuracy {
  /** Weeks ahead: 0 = the week of asOf. */
  horizon: number;
  count: number;
  /** Mean |actual − P50|, minor units. */
  maeMinor: number;
  /** Mean (actual − P50): > 0 the forecast runs low. */
  biasMinor: number;
  /** Σ |actual − P50| ÷ Σ actual × 100 (weighted absolute percentage error); null when nothing came in. */
  wapePct: number | null;
  /** Share of weeks with P10 ≤ actual ≤ P90; about 0.8 when the bands are honest. */
  coverage: number;
}

export interface CurrencyAccuracy {
  currency: string;
  forecasts: number;
  weeks: number;
  coverage: number;
  maeMinor: number;
  byHorizon: HorizonAccuracy[];
}

/** Accuracy over many compared forecasts, per currency and per horizon week (only horizons observed). */
export function summarizeForecastAccuracy(comparisons: readonly ForecastComparison[]): CurrencyAccuracy[] {
  const byCurrency = new Map<string, { forecasts: number; rows: WeekComparison[] }>();
  for (const comparison of comparisons) {
    for (const c of comparison.currencies) {
      if (c.weeks.length === 0) continue;
      const entry = byCurrency.get(c.currency) ?? { forecasts: 0, rows: [] };
      entry.forecasts += 1;
      entry.rows.push(...c.weeks);
      byCurrency.set(c.currency, entry);
    }
  }
  const summarize = (rows: readonly WeekComparison[]) => {
    const absSum = rows.reduce((sum, r) => sum + r.absErrorMinor, 0);
    const actualSum = rows.reduce((sum, r) => sum + r.actualMinor, 0);
    return {
      count: rows.length,
      maeMinor: absSum / rows.length,
      biasMinor: rows.reduce((sum, r) => sum + r.errorMinor, 0) / rows.length,
      wapePct: actualSum > 0 ? (absSum / actualSum) * 100 : null,
      coverage: rows.filter((r) => r.withinBand).length / rows.length,
    };
  };
  return [...byCurrency]
    .sort(([a], [b]) => compareText(a, b))
    .map(([currency, { forecasts, rows }]) => {
      const horizons = [...new Set(rows.map((r) => r.index))].sort((a, b) => a - b);
      const all = summarize(rows);
      return {
        currency,
        forecasts,
        weeks: rows.length,
        coverage: all.coverage,
        maeMinor: all.maeMinor,
        byHorizon: horizons.map((horizon) => ({
          horizon,
          ...summarize(rows.filter((r) => r.index === horizon)),
        })),
      };
    });
}
