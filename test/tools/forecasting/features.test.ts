// Features as of a date, on a hand-computed customer history.
import { describe, expect, it } from "vitest";
import { quantile, trend } from "../../../tools/forecasting/features.ts";
import {
  buildFeatures,
  FEATURE_NAMES,
  type ForecastInvoice,
  featureVector,
  type HistoryInvoice,
} from "../../../tools/forecasting/index.ts";

const settled = (
  id: string,
  invoiceDate: string,
  dueDate: string,
  paidDate: string | null,
  amountMinor: number,
  extra: Partial<HistoryInvoice> = {},
): HistoryInvoice => ({
  customerId: "A",
  invoiceId: id,
  invoiceDate,
  dueDate,
  paidDate,
  amountMinor,
  ...extra,
});

// Customer A as of 2024-04-01. Settled, oldest first by pay date: 10, 0 and −5 days late.
const H1 = settled("h1", "2024-01-01", "2024-01-31", "2024-02-10", 10_000, {
  disputed: false,
  paperless: true,
});
const H2 = settled("h2", "2024-02-01", "2024-03-02", "2024-03-02", 20_000, {
  disputed: true,
  paperless: true,
});
const H3 = settled("h3", "2024-03-01", "2024-03-31", "2024-03-26", 40_000, {
  disputed: false,
  paperless: true,
});
// Open on 2024-04-01: paid after it (h4, not yet due), never paid (h5, 16 days overdue).
const H4 = settled("h4", "2024-03-15", "2024-04-14", "2024-04-20", 30_000);
const H5 = settled("h5", "2024-02-15", "2024-03-16", null, 30_000);
// Issued after the as-of date: not history at all.
const H6 = settled("h6", "2024-04-10", "2024-05-10", "2024-04-15", 99_000);
const OTHER: HistoryInvoice = { ...H1, customerId: "B", invoiceId: "b1", paidDate: "2024-01-05" };

const INVOICE: ForecastInvoice = {
  customerId: "A",
  invoiceId: "new",
  invoiceDate: "2024-04-01",
  dueDate: "2024-04-30",
  amountMinor: 20_000,
  disputed: true,
  paperless: false,
};
const ASOF = "2024-04-01";
const HISTORY = [H3, OTHER, H1, H5, H2, H6, H4];

describe("buildFeatures", () => {
  it("computes every feature of a hand-worked example", () => {
    const f = buildFeatures(INVOICE, HISTORY, ASOF, { promisesKept: 2, promisesBroken: 1, outreachCount: 3 });
    expect(f.historyCount).toBe(3);
    // Weights 1 (h3, newest), 0.8 (h2), 0.64 (h1): (−5 + 0 + 6.4) / 2.44.
    expect(f.daysLateWeightedMean).toBeCloseTo(1.4 / 2.44, 10);
    expect(f.daysLateMedian).toBe(0);
    expect(f.daysLateIqr).toBeCloseTo(7.5, 10); // q75 = 5, q25 = −2.5
    expect(f.daysLateStd).toBeCloseTo(Math.sqrt(116.6666666667 / 3), 6);
    expect(f.daysLateTrend).toBeCloseTo(-7.5, 10); // slope of 10, 0, −5
    expect(f.daysLateLast).toBe(-5);
    expect(f.daysLateMeanUndisputed).toBe(2.5); // h1 and h3
    expect(f.lateShare).toBeCloseTo(1 / 3, 10);
    expect(f.disputedShare).toBeCloseTo(1 / 3, 10);
    expect(f.daysSinceLastPaid).toBe(6); // h3 paid 2024-03-26
    expect(f.openCount).toBe(2); // h4 and h5
    expect(f.openMaxOverdue).toBe(16); // h5, due 2024-03-16
    expect(f.logAmount).toBeCloseTo(Math.log(20_000), 10);
    expect(f.logAmountRatio).toBeCloseTo(0, 10); // the usual (median) amount is 20 000
    expect(f.termsDays).toBe(29);
    expect(f.disputed).toBe(1);
    expect(f.paperless).toBe(0);
    expect(f.dueMonthEnd).toBe(1); // 30 April
    expect(f.dueWeekday).toBe(1); // a Tuesday (0 = Monday)
    expect(f.ageDays).toBe(0);
    expect(f.daysOverdue).toBe(0);
    expect(f).toMatchObject({ promisesKept: 2, promisesBroken: 1, outreachCount: 3 });
    expect(Object.keys(f).sort()).toEqual([...FEATURE_NAMES].sort());
  });

  it("weighs recent invoices more: the same days late in the other order give another weighted mean", () => {
    const reversed = [
      settled("r1", "2024-01-01", "2024-01-31", "2024-01-26", 10_000), // −5, the oldest
      settled("r2", "2024-01-30", "2024-02-29", "2024-02-29", 20_000), // 0
      settled("r3", "2024-02-19", "2024-03-20", "2024-03-30", 40_000), // 10, the newest
    ];
    const f = buildFeatures(INVOICE, reversed, ASOF);
    // Newest first: 10 (weight 1), 0 (0.8), −5 (0.64).
    expect(f.daysLateWeightedMean).toBeCloseTo((10 - 3.2) / 2.44, 10);
    expect(f.daysLateTrend).toBeCloseTo(7.5, 10);
    expect(f.daysLateMedian).toBe(0); // the median does not care about order
  });

  it("ignores everything after the as-of date: no leakage", () => {
    const base = buildFeatures(INVOICE, HISTORY, ASOF);
    // Change what happened after 2024-04-01: other pay dates for the open invoices, more invoices, and
    // the invoice itself with its (future) pay date.
    const future = [
      ...HISTORY.map((h) => (h.invoiceId === "h4" ? { ...h, paidDate: "2024-06-30" } : h)),
      { ...H5, paidDate: "2024-04-02" },
      settled("h7", "2024-04-02", "2024-05-02", "2024-04-03", 1),
      { ...INVOICE, paidDate: "2024-04-05" },
    ].filter((h) => h !== H5);
    expect(buildFeatures(INVOICE, future, ASOF)).toEqual(base);
  });

  it("an invoice paid on the as-of date is still open then (strictly before)", () => {
    const paidToday = HISTORY.map((h) => (h === H5 ? { ...H5, paidDate: ASOF } : h));
    expect(buildFeatures(INVOICE, paidToday, ASOF)).toEqual(buildFeatures(INVOICE, HISTORY, ASOF));
    const nextDay = buildFeatures(INVOICE, paidToday, "2024-04-02");
    expect(nextDay.historyCount).toBe(4);
    expect(nextDay.daysLateLast).toBe(16);
  });

  it("a customer without history: counts are 0, history features unknown (null → NaN in the vector)", () => {
    const f = buildFeatures({ ...INVOICE, customerId: "NEW" }, HISTORY, ASOF);
    expect(f.historyCount).toBe(0);
    expect(f.openCount).toBe(0);
    for (const name of [
      "daysLateWeightedMean",
      "daysLateMedian",
      "daysLateTrend",
      "logAmountRatio",
    ] as const) {
      expect(f[name]).toBeNull();
    }
    expect(f.promisesKept).toBeNull();
    const x = featureVector(f);
    expect(x).toHaveLength(FEATURE_NAMES.length);
    expect(Number.isNaN(x[FEATURE_NAMES.indexOf("daysLateMedian")]!)).toBe(true);
    expect(x[FEATURE_NAMES.indexOf("termsDays")]).toBe(29);
  });

  it("counts days overdue and age for an invoice already past due", () => {
    const f = buildFeatures(INVOICE, HISTORY, "2024-05-12");
    expect(f.daysOverdue).toBe(12);
    expect(f.ageDays).toBe(41);
  });

  it("trend and quantile helpers", () => {
    expect(trend([1, 2])).toBeNull();
    expect(trend([0, 5, 10])).toBe(5);
    expect(trend([3, 3, 3, 3])).toBe(0);
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
  });
});
