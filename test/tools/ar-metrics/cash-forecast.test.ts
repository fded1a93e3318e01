// The 13-week cash-in forecast: weeks, determinism, certain invoices, order of the quantiles,
// conservation of money, currencies kept apart; then forecast vs actual.
import { describe, expect, it } from "vitest";
import {
  type CashForecast,
  cashForecast,
  compareForecast,
  forecastWeeks,
  knots,
  type OpenInvoiceForecast,
  payDayFromDaysLate,
  payTimeCdf,
  payTimeQuantile,
  probabilityPaidBetween,
  summarizeForecastAccuracy,
} from "../../../tools/ar-metrics/index.ts";

// A Wednesday: week 0 is Wed 06-04 … Sun 06-08 (days 0–4), week 1 Mon 06-09 … Sun 06-15 (days 5–11).
const AS_OF = "2025-06-04";

const invoice = (
  id: string,
  balanceMinor: number,
  q: Partial<OpenInvoiceForecast> = {},
): OpenInvoiceForecast => ({
  invoiceId: id,
  currency: "USD",
  balanceMinor,
  p10: 5,
  p50: 20,
  p90: 45,
  ...q,
});

/** A deterministic portfolio of varied invoices (no randomness in the test data either). */
function portfolio(n: number, currency = "USD"): OpenInvoiceForecast[] {
  return Array.from({ length: n }, (_, i) => {
    const p10 = (i * 7) % 30;
    const p50 = p10 + ((i * 11) % 25);
    const p90 = p50 + ((i * 13) % 60);
    return {
      invoiceId: `${currency}-${i}`,
      currency,
      balanceMinor: 10_000 + ((i * 7919) % 500_000),
      p10,
      p50,
      p90,
      neverPaidProbability: (i % 10) / 50,
    };
  });
}

describe("the pay-day distribution", () => {
  // P10 10, P50 20, P90 40: lo = 10 − (20 − 10) = 0, hi = 40 + (40 − 20) = 60.
  const x = knots({ p10: 10, p50: 20, p90: 40 });
  it("passes through the quantiles, with tails as wide as the adjacent span", () => {
    expect(x).toEqual([0, 10, 20, 40, 60]);
    expect([0, 5, 10, 20, 30, 40, 60, 70].map((t) => payTimeCdf(x, t))).toEqual([
      0, 0.05, 0.1, 0.5, 0.7, 0.9, 1, 1,
    ]);
    expect(payTimeQuantile(x, 0.7)).toBeCloseTo(30, 12);
    // days 11 … 20 = P(10 < X ≤ 20) = 0.5 − 0.1
    expect(probabilityPaidBetween({ p10: 10, p50: 20, p90: 40 }, 11, 20)).toBeCloseTo(0.4, 12);
    expect(
      probabilityPaidBetween({ p10: 10, p50: 20, p90: 40, neverPaidProbability: 0.5 }, 11, 20),
    ).toBeCloseTo(0.2, 12);
  });

  it("converts days-late quantiles to days after asOf, never before asOf", () => {
    // due 06-10 = asOf + 6: −3, 5, 20 days late → 3, 11, 26
    expect(payDayFromDaysLate({ p10: -3, p50: 5, p90: 20 }, "2025-06-10", AS_OF)).toEqual({
      p10: 3,
      p50: 11,
      p90: 26,
      neverPaidProbability: 0,
    });
    // due 05-01 = asOf − 34: 10, 30, 60 days late → −24, −4, 26 → 0, 0, 26
    expect(payDayFromDaysLate({ p10: 10, p50: 30, p90: 60 }, "2025-05-01", AS_OF, 0.1)).toEqual({
      p10: 0,
      p50: 0,
      p90: 26,
      neverPaidProbability: 0.1,
    });
  });
});

describe("13-week cash forecast", () => {
  it("has ISO weeks starting with the week of asOf, then later", () => {
    const f = cashForecast([invoice("a", 100)], AS_OF, { draws: 10 });
    const weeks = f.currencies[0]!.weeks;
    expect(weeks).toHaveLength(13);
    expect(weeks[0]).toMatchObject({ index: 0, label: "2025-W23", start: "2025-06-04", end: "2025-06-08" });
    expect(weeks[1]).toMatchObject({ label: "2025-W24", start: "2025-06-09", end: "2025-06-15" });
    expect(weeks[12]).toMatchObject({ label: "2025-W35", start: "2025-08-25", end: "2025-08-31" });
    expect(f.currencies[0]!.later.start).toBe("2025-09-01");
    // Across a year end: 2025-12-31 is a Wednesday in ISO week 2026-W01.
    expect(forecastWeeks("2025-12-31")[0]!.label).toBe("2026-W01");
    expect(forecastWeeks("2025-12-28")[0]).toEqual({ index: 0, label: "2025-W52", firstDay: 0, lastDay: 0 });
  });

  it("puts a certain invoice entirely in its week", () => {
    // day 10 = Sat 06-14, week 1
    const f = cashForecast([invoice("sure", 123_456, { p10: 10, p50: 10, p90: 10 })], AS_OF);
    const c = f.currencies[0]!;
    c.weeks.forEach((week) => {
      const expected = week.index === 1 ? 123_456 : 0;
      expect([week.p10Minor, week.p50Minor, week.p90Minor, week.meanMinor]).toEqual([
        expected,
        expected,
        expected,
        expected,
      ]);
    });
    expect(c.later).toMatchObject({ p10Minor: 0, p50Minor: 0, p90Minor: 0, meanMinor: 0 });
  });

  it("pays an invoice forecast before asOf on asOf, and one beyond week 12 later", () => {
    const f = cashForecast(
      [
        invoice("past", 1_000, { p10: -9, p50: -5, p90: -1 }),
        invoice("far", 2_000, { p10: 150, p50: 200, p90: 260 }),
      ],
      AS_OF,
    );
    const c = f.currencies[0]!;
    expect(c.weeks[0]).toMatchObject({ p10Minor: 1_000, p50Minor: 1_000, p90Minor: 1_000, meanMinor: 1_000 });
    expect(c.later).toMatchObject({ p10Minor: 2_000, p50Minor: 2_000, p90Minor: 2_000, meanMinor: 2_000 });
  });

  it("counts the chance it is never paid", () => {
    // 25% never paid: the mean is 75% of the balance; a quarter of the draws bring nothing, so P10 = 0.
    const f = cashForecast(
      [invoice("maybe", 10_000, { p10: 2, p50: 2, p90: 2, neverPaidProbability: 0.25 })],
      AS_OF,
    );
    const c = f.currencies[0]!;
    expect(c.weeks[0]).toMatchObject({ p10Minor: 0, p50Minor: 10_000, p90Minor: 10_000, meanMinor: 7_500 });
    expect(c.expectedPaidMinor).toBe(7_500);
    const none = cashForecast([invoice("lost", 10_000, { neverPaidProbability: 1 })], AS_OF).currencies[0]!;
    expect(none.weeks.every((w) => w.p90Minor === 0 && w.meanMinor === 0)).toBe(true);
    expect(none.later.p90Minor).toBe(0);
  });

  it("is deterministic and independent of input order", () => {
    const invoices = portfolio(150);
    const a = cashForecast(invoices, AS_OF);
    expect(cashForecast(invoices, AS_OF)).toEqual(a);
    expect(cashForecast([...invoices].reverse(), AS_OF)).toEqual(a);
    expect(cashForecast(invoices, AS_OF, { seed: 7 })).not.toEqual(a);
  });

  it("keeps P10 ≤ P50 ≤ P90 in every week", () => {
    const c = cashForecast(portfolio(200), AS_OF).currencies[0]!;
    for (const w of [...c.weeks, c.later]) {
      expect(w.p10Minor).toBeLessThanOrEqual(w.p50Minor);
      expect(w.p50Minor).toBeLessThanOrEqual(w.p90Minor);
      expect(Number.isInteger(w.p10Minor) && Number.isInteger(w.p90Minor)).toBe(true);
    }
  });

  it("conserves money: the means of the weeks and later add up to Σ balance × P(paid)", () => {
    const invoices = portfolio(200);
    const c = cashForecast(invoices, AS_OF).currencies[0]!;
    const expected = invoices.reduce(
      (sum, i) => sum + i.balanceMinor * (1 - (i.neverPaidProbability ?? 0)),
      0,
    );
    const total = c.weeks.reduce((sum, w) => sum + w.meanMinor, 0) + c.later.meanMinor;
    expect(total).toBeCloseTo(expected, 4);
    expect(c.expectedPaidMinor).toBeCloseTo(expected, 4);
    expect(c.openMinor).toBe(invoices.reduce((sum, i) => sum + i.balanceMinor, 0));
  });

  it("simulates the same distribution it computes the mean from", () => {
    // 1,000 equal invoices, P10 3 / P50 10 / P90 24: each week's total is close to normal, its median
    // close to its exact mean (well within 5% for the weeks carrying real money).
    const same = Array.from({ length: 1_000 }, (_, i) =>
      invoice(`s${i}`, 1_000, { p10: 3, p50: 10, p90: 24 }),
    );
    const c = cashForecast(same, AS_OF).currencies[0]!;
    for (const w of c.weeks.filter((w) => w.meanMinor > 100_000)) {
      expect(Math.abs(w.p50Minor - w.meanMinor) / w.meanMinor).toBeLessThan(0.05);
      expect(w.p10Minor).toBeLessThan(w.p90Minor);
    }
    // Not the sum of the invoices' quantiles: a week's P90 is far below "every invoice in that week".
    expect(Math.max(...c.weeks.map((w) => w.p90Minor))).toBeLessThan(1_000 * 1_000 * 0.6);
  });

  it("keeps currencies apart: a currency's forecast does not change with another's invoices", () => {
    const eur = portfolio(40, "EUR");
    const alone = cashForecast(eur, AS_OF).currencies;
    const mixed = cashForecast([...portfolio(60, "USD"), ...eur], AS_OF).currencies;
    expect(mixed.map((c) => c.currency)).toEqual(["EUR", "USD"]);
    expect(mixed[0]).toEqual(alone[0]);
    expect(mixed[0]!.openMinor).toBe(eur.reduce((sum, i) => sum + i.balanceMinor, 0));
  });

  it("refuses quantiles out of order, repeated invoices and bad balances", () => {
    expect(() => cashForecast([invoice("a", 1, { p10: 9, p50: 5 })], AS_OF)).toThrow(/out of order/);
    expect(() => cashForecast([invoice("a", 1), invoice("a", 2)], AS_OF)).toThrow(/twice/);
    expect(() => cashForecast([invoice("a", 1.5)], AS_OF)).toThrow(/minor units/);
    expect(() => cashForecast([invoice("a", 1, { neverPaidProbability: 2 })], AS_OF)).toThrow(/0\.\.1/);
  });
});

describe("forecast vs actual", () => {
  // Certain invoices: 100,000 on day 0 (week 0), 50,000 on day 6 (06-10, week 1).
  const forecast: CashForecast = cashForecast(
    [invoice("w0", 100_000, { p10: 0, p50: 0, p90: 0 }), invoice("w1", 50_000, { p10: 6, p50: 6, p90: 6 })],
    AS_OF,
  );

  const first = compareForecast(
    forecast,
    [
      { currency: "USD", date: "2025-06-03", amountMinor: 5_000 }, // before asOf: not counted
      { currency: "USD", date: "2025-06-04", amountMinor: 90_000 },
      { currency: "USD", date: "2025-06-12", amountMinor: 60_000 },
      { currency: "EUR", date: "2025-06-05", amountMinor: 1_000 }, // no EUR forecast
      { currency: "USD", date: "2025-06-16", amountMinor: 7_000 }, // week 2, not yet over
    ],
    "2025-06-15",
  );
  const second = compareForecast(
    forecast,
    [
      { currency: "USD", date: "2025-06-08", amountMinor: 100_000 },
      { currency: "USD", date: "2025-06-09", amountMinor: 50_000 },
    ],
    "2025-06-22",
  );

  it("compares the weeks that have ended, week by week", () => {
    expect(first.currencies).toHaveLength(1);
    const [w0, w1, ...rest] = first.currencies[0]!.weeks;
    expect(rest).toEqual([]);
    // week 0: 90,000 − 100,000 = −10,000 (−10%); P10 = P90 = 100,000, so outside the band
    expect(w0).toMatchObject({
      actualMinor: 90_000,
      errorMinor: -10_000,
      absErrorMinor: 10_000,
      errorPct: -10,
      withinBand: false,
    });
    // week 1: 60,000 − 50,000 = +10,000 (+20%)
    expect(w1).toMatchObject({ actualMinor: 60_000, errorMinor: 10_000, errorPct: 20, withinBand: false });
  });

  it("has no percentage error when nothing was forecast", () => {
    const w2 = second.currencies[0]!.weeks[2]!;
    expect(w2).toMatchObject({
      p50Minor: 0,
      actualMinor: 0,
      errorMinor: 0,
      errorPct: null,
      withinBand: true,
    });
  });

  it("summarizes MAE, bias, WAPE and coverage per horizon week", () => {
    const [usd] = summarizeForecastAccuracy([first, second]);
    expect(usd).toMatchObject({ currency: "USD", forecasts: 2, weeks: 5 });
    // horizon 0: errors −10,000 and 0 → MAE 5,000, bias −5,000, WAPE 10,000 ÷ 190,000, 1 of 2 in band
    expect(usd!.byHorizon[0]).toEqual({
      horizon: 0,
      count: 2,
      maeMinor: 5_000,
      biasMinor: -5_000,
      wapePct: (10_000 / 190_000) * 100,
      coverage: 0.5,
    });
    // horizon 1: +10,000 and 0 → MAE 5,000, bias +5,000, WAPE 10,000 ÷ 110,000
    expect(usd!.byHorizon[1]).toMatchObject({ maeMinor: 5_000, biasMinor: 5_000, coverage: 0.5 });
    expect(usd!.byHorizon[1]!.wapePct).toBeCloseTo((10_000 / 110_000) * 100, 10);
    // horizon 2: only the second forecast saw it end: 0 vs 0
    expect(usd!.byHorizon[2]).toEqual({
      horizon: 2,
      count: 1,
      maeMinor: 0,
      biasMinor: 0,
      wapePct: null,
      coverage: 1,
    });
    // overall: 5 weeks, |errors| 10,000 + 10,000 → MAE 4,000; in band: weeks 0, 1, 2 of the second = 3 of 5
    expect(usd!.maeMinor).toBe(4_000);
    expect(usd!.coverage).toBe(0.6);
  });
});
