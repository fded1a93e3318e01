// AR metrics on a small ledger worked out by hand: every expected figure has its arithmetic beside it.
import { describe, expect, it } from "vitest";
import { AGING_BUCKETS } from "../../../tools/aging.ts";
import {
  agingAsOf,
  agingBucketOf,
  arMetrics,
  balancesAsOf,
  collectionEffectivenessIndex,
  dsoCountback,
  dsoStandard,
  type Ledger,
  type LedgerInvoice,
} from "../../../tools/ar-metrics/index.ts";

const inv = (
  id: string,
  issueDate: string,
  dueDate: string,
  amountMinor: number,
  extra: Partial<LedgerInvoice> = {},
): LedgerInvoice => ({ id, currency: "USD", issueDate, dueDate, amountMinor, ...extra });

// USD, as of 2025-03-31; the default 90-day period is 2025-01-01 … 2025-03-31 (31 + 28 + 31 days), so
// beginning AR is the balance at the end of 2024-12-31.
//   A  issued 2024-12-01 due 2024-12-31  10,000  paid 10,000 on 01-15            begin 10,000  end      0
//   B  issued 2024-12-15 due 2025-01-14  20,000  paid  5,000 on 02-10            begin 20,000  end 15,000 (76 days past due: 17 + 28 + 31)
//   C  issued 2025-01-10 due 2025-02-09  30,000  credit note 30,000 on 02-20     sale          end      0
//   D  issued 2025-02-05 due 2025-03-07  40,000  unpaid                          sale          end 40,000 (24 days past due)
//   E  issued 2025-03-15 due 2025-04-14  60,000  paid 20,000 on 03-31            sale          end 40,000 (current)
//   F  issued 2024-10-01 due 2024-10-31  25,000  unpaid                          begin 25,000  end 25,000 (151 days past due)
//   G  issued 2025-03-20, voided 2025-03-25, 99,999: never a sale as of 03-31
//   H  issued 2025-04-01, after asOf: not yet a sale
const usd: Ledger = {
  invoices: [
    inv("A", "2024-12-01", "2024-12-31", 10_000),
    inv("B", "2024-12-15", "2025-01-14", 20_000),
    inv("C", "2025-01-10", "2025-02-09", 30_000),
    inv("D", "2025-02-05", "2025-03-07", 40_000),
    inv("E", "2025-03-15", "2025-04-14", 60_000),
    inv("F", "2024-10-01", "2024-10-31", 25_000),
    inv("G", "2025-03-20", "2025-04-19", 99_999, { voidedOn: "2025-03-25" }),
    inv("H", "2025-04-01", "2025-05-01", 70_000),
  ],
  events: [
    { invoiceId: "A", kind: "payment", date: "2025-01-15", amountMinor: 10_000 },
    { invoiceId: "B", kind: "payment", date: "2025-02-10", amountMinor: 5_000 },
    { invoiceId: "C", kind: "credit", date: "2025-02-20", amountMinor: 30_000 },
    { invoiceId: "E", kind: "payment", date: "2025-03-31", amountMinor: 20_000 },
  ],
};

describe("metrics as of a date", () => {
  const [m] = arMetrics(usd, "2025-03-31");

  it("uses the 90 days ending at asOf, inclusive", () => {
    expect(m).toMatchObject({ periodStart: "2025-01-01", periodDays: 90 });
  });

  it("computes beginning AR, credit sales and ending AR from the events", () => {
    // beginning = A 10,000 + B 20,000 + F 25,000 = 55,000
    // sales     = C 30,000 + D 40,000 + E 60,000 = 130,000 (G voided, H not yet issued)
    // ending    = B 15,000 + D 40,000 + E 40,000 + F 25,000 = 120,000; current = E 40,000
    // check: 55,000 + 130,000 − 120,000 = 65,000 = A 10,000 + B 5,000 + C 30,000 + E 20,000
    expect(m).toMatchObject({
      beginningArMinor: 55_000,
      creditSalesMinor: 130_000,
      endingArMinor: 120_000,
      endingCurrentArMinor: 40_000,
    });
  });

  it("DSO standard = ending AR ÷ sales × days", () => {
    // 120,000 ÷ 130,000 × 90 = 83.0769…
    expect(m!.dsoStandard.value).toBeCloseTo((120_000 / 130_000) * 90, 10);
    expect(m!.dsoStandard.value).toBeCloseTo(83.0769, 4);
  });

  it("DSO countback walks back calendar months", () => {
    // 120,000 − March's sales 60,000 (E) = 60,000 left, 31 days
    //  60,000 − February's 40,000 (D)    = 20,000 left, 31 + 28 = 59 days
    //  20,000 < January's 30,000 (C): 59 + 20,000 ÷ 30,000 × 31 = 59 + 20.6667 = 79.6667
    expect(m!.dsoCountback.value).toBeCloseTo(59 + (20_000 / 30_000) * 31, 10);
  });

  it("DSO countback in fixed 30-day blocks", () => {
    // blocks ending 03-31: [03-02, 03-31] E 60,000 → 60,000 left, 30 days;
    // [01-31, 03-01] D 40,000 → 20,000 left, 60 days; [01-01, 01-30] C 30,000 → 60 + 20/30 × 30 = 80
    const [b] = arMetrics(usd, "2025-03-31", { countback: { unit: "days", days: 30 } });
    expect(b!.dsoCountback.value).toBeCloseTo(80, 10);
  });

  it("CEI = (begin + sales − end) ÷ (begin + sales − end current) × 100", () => {
    // (55,000 + 130,000 − 120,000) ÷ (55,000 + 130,000 − 40,000) × 100 = 65,000 ÷ 145,000 × 100 = 44.8276
    expect(m!.cei.value).toBeCloseTo((65_000 / 145_000) * 100, 10);
  });

  it("ages the ending balance with tools/aging.ts's buckets and takes 91+ as at risk", () => {
    // E 40,000 current; D 24 days → 1-30; B 76 days → 61-90; F 151 days → 91+
    expect(m!.aging).toEqual({
      currency: "USD",
      buckets: { current: 40_000, "1-30": 40_000, "31-60": 0, "61-90": 15_000, "91+": 25_000 },
      totalMinor: 120_000,
      openInvoices: 4,
    });
    // 25,000 ÷ 120,000
    expect(m!.atRiskRate.value).toBeCloseTo(25_000 / 120_000, 12);
  });

  it("is as of the date: later events and invoices do not count", () => {
    // As of 2025-01-31 with a 31-day period (January): B's payment (02-10), C's credit note (02-20)
    // and D, E are still in the future. beginning (12-31) = A 10,000 + B 20,000 + F 25,000 = 55,000;
    // sales = C 30,000; ending = B 20,000 + C 30,000 + F 25,000 = 75,000 (A paid 01-15).
    // DSO = 75,000 ÷ 30,000 × 31 = 77.5; CEI = (55,000 + 30,000 − 75,000) ÷ (85,000 − C 30,000 current) = 10,000 ÷ 55,000
    const [j] = arMetrics(usd, "2025-01-31", { periodDays: 31 });
    expect(j).toMatchObject({ beginningArMinor: 55_000, creditSalesMinor: 30_000, endingArMinor: 75_000 });
    expect(j!.dsoStandard.value).toBeCloseTo(77.5, 10);
    expect(j!.cei.value).toBeCloseTo((10_000 / 55_000) * 100, 10);
  });

  it("treats a voided invoice as issued until the void, and as never issued after it", () => {
    expect(balancesAsOf(usd, "2025-03-24").get("G")).toBe(99_999);
    expect(balancesAsOf(usd, "2025-03-25").get("G")).toBe(0);
    const [before] = arMetrics(usd, "2025-03-24");
    // sales to 03-24: C 30,000 + D 40,000 + E 60,000 + G 99,999
    expect(before!.creditSalesMinor).toBe(229_999);
  });

  it("keeps currencies apart", () => {
    const mixed: Ledger = {
      invoices: [...usd.invoices, { ...inv("X", "2025-03-01", "2025-03-31", 1_000), currency: "EUR" }],
      events: usd.events,
    };
    const rows = arMetrics(mixed, "2025-03-31");
    expect(rows.map((r) => r.currency)).toEqual(["EUR", "USD"]);
    expect(rows[1]).toEqual(m);
    // EUR: begin 0, sales 1,000, end 1,000 (due today: current). DSO 1,000 ÷ 1,000 × 90 = 90;
    // countback: March's sales 1,000 cover it: 1,000 ÷ 1,000 × 31 = 31; CEI 0 ÷ 0 → undefined.
    expect(rows[0]).toMatchObject({
      beginningArMinor: 0,
      creditSalesMinor: 1_000,
      endingArMinor: 1_000,
      endingCurrentArMinor: 1_000,
      dsoStandard: { value: 90, reason: null },
      dsoCountback: { value: 31, reason: null },
      atRiskRate: { value: 0, reason: null },
    });
    expect(rows[0]!.cei.value).toBeNull();
    expect(rows[0]!.cei.reason).toMatch(/nothing was collectable/);
  });
});

describe("edge cases", () => {
  it("an empty ledger has no metrics", () => {
    expect(arMetrics({ invoices: [], events: [] }, "2025-03-31")).toEqual([]);
    expect(agingAsOf({ invoices: [], events: [] }, "2025-03-31")).toEqual([]);
  });

  it("no sales in the period: DSO standard is null with a reason, not Infinity", () => {
    // JPY 5,000 issued 2024-06-01, unpaid. Sales 2025-01-01 … 03-31: 0.
    const old: Ledger = {
      invoices: [{ ...inv("J", "2024-06-01", "2024-07-01", 5_000), currency: "JPY" }],
      events: [],
    };
    const [j] = arMetrics(old, "2025-03-31");
    expect(j!.dsoStandard).toEqual({
      value: null,
      reason: "no credit sales in the 90-day period: receivables outstanding against no sales",
    });
    // countback: March … July 2024 have no sales: 31+28+31+31+30+31+30+31+31 = 274 days; June 2024's
    // 5,000 covers the 5,000 left: + 5,000 ÷ 5,000 × 30 = 304 = the days from 2024-06-01 to 2025-03-31.
    expect(j!.dsoCountback.value).toBe(304);
    // CEI: (5,000 + 0 − 5,000) ÷ (5,000 + 0 − 0) = 0%
    expect(j!.cei.value).toBe(0);
    expect(j!.atRiskRate.value).toBe(1);
    const [short] = arMetrics(old, "2025-03-31", { maxCountbackPeriods: 3 });
    expect(short!.dsoCountback).toEqual({
      value: null,
      reason: "no credit sales in the last 3 countback periods",
    });
  });

  it("countback that never exhausts the AR says how far it looked", () => {
    // AR 100 against 10 of sales per month: after 2 months, 80 is left.
    expect(
      dsoCountback(100, [
        { days: 31, salesMinor: 10 },
        { days: 28, salesMinor: 10 },
      ]),
    ).toEqual({
      value: null,
      reason: "AR exceeds the credit sales of the last 2 countback periods (more than 59 days)",
    });
    expect(dsoCountback(0, [])).toEqual({ value: 0, reason: null });
  });

  it("everything collected: DSO 0, no at-risk rate", () => {
    const paid: Ledger = {
      invoices: [inv("P", "2025-03-01", "2025-03-31", 500)],
      events: [{ invoiceId: "P", kind: "payment", date: "2025-03-10", amountMinor: 500 }],
    };
    const [p] = arMetrics(paid, "2025-03-31");
    expect(p!.dsoStandard.value).toBe(0);
    expect(p!.dsoCountback.value).toBe(0);
    // CEI: (0 + 500 − 0) ÷ (0 + 500 − 0) = 100
    expect(p!.cei.value).toBe(100);
    expect(p!.atRiskRate).toEqual({ value: null, reason: "no open receivables" });
  });

  it("no sales and no receivables: DSO undefined", () => {
    expect(dsoStandard(0, 0, 90)).toEqual({
      value: null,
      reason: "no credit sales and no receivables in the 90-day period",
    });
    expect(collectionEffectivenessIndex(0, 0, 0, 0).value).toBeNull();
  });

  it("an overpayment leaves a zero balance, not negative AR", () => {
    const over: Ledger = {
      invoices: [inv("O", "2025-03-01", "2025-03-31", 500)],
      events: [{ invoiceId: "O", kind: "payment", date: "2025-03-10", amountMinor: 700 }],
    };
    expect(balancesAsOf(over, "2025-03-31").get("O")).toBe(0);
  });

  it("refuses what it cannot read", () => {
    const bad = (ledger: Ledger) => () => arMetrics(ledger, "2025-03-31");
    expect(
      bad({
        invoices: [],
        events: [{ invoiceId: "Z", kind: "payment", date: "2025-01-01", amountMinor: 1 }],
      }),
    ).toThrow(/unknown invoice Z/);
    expect(bad({ invoices: [inv("A", "2025-02-30", "2025-03-30", 1)], events: [] })).toThrow(
      /not a calendar date/,
    );
    expect(bad({ invoices: [inv("A", "2025-01-01", "2025-01-31", 1.5)], events: [] })).toThrow(/minor units/);
    expect(
      bad({ invoices: [{ ...inv("A", "2025-01-01", "2025-01-31", 1), currency: "XYZ" }], events: [] }),
    ).toThrow(/ISO 4217/);
    expect(
      bad({
        invoices: [inv("A", "2025-01-01", "2025-01-31", 1), inv("A", "2025-01-01", "2025-01-31", 1)],
        events: [],
      }),
    ).toThrow(/twice/);
  });
});

describe("aging buckets", () => {
  it("mirror tools/aging.ts: ≤0 current, 1–30, 31–60, 61–90, >90", () => {
    const days = [-5, 0, 1, 30, 31, 60, 61, 90, 91, 400];
    expect(days.map(agingBucketOf)).toEqual([
      "current",
      "current",
      "1-30",
      "1-30",
      "31-60",
      "31-60",
      "61-90",
      "61-90",
      "91+",
      "91+",
    ]);
    expect([...new Set(days.map(agingBucketOf))]).toEqual([...AGING_BUCKETS]);
  });
});
