// The collector worklist: value per effort minute, exclusions, ranking and explanations.
import { describe, expect, it } from "vitest";
import {
  buildWorklist,
  rankAcrossCurrencies,
  type WorklistAccount,
  type WorklistInvoice,
} from "../../../tools/ar-metrics/index.ts";

const AS_OF = "2025-06-30";

// $12,400.00 due 2025-05-16: 45 days past due (15 days of May + 30 of June), bucket 31–60.
// Pay day P10 10 / P50 50 / P90 90 days after asOf: knots 0, 10, 50, 90, 130, so
// P(paid within 30 days) = 0.1 + 0.4 × (30 − 10) ÷ (50 − 10) = 0.3 and unpaid at the horizon = 0.7.
const overdue = (id: string, extra: Partial<WorklistInvoice> = {}): WorklistInvoice => ({
  invoiceId: id,
  currency: "USD",
  balanceMinor: 1_240_000,
  dueDate: "2025-05-16",
  payDay: { p10: 10, p50: 50, p90: 90 },
  ...extra,
});

const account = (id: string, extra: Partial<WorklistAccount> = {}): WorklistAccount => ({
  accountId: id,
  name: `Customer ${id}`,
  segment: "slow",
  lateProbability: 0.62,
  lastContactDate: "2025-06-01",
  invoices: [overdue(`${id}-1`)],
  ...extra,
});

const lines = (accounts: WorklistAccount[]) => buildWorklist(accounts, AS_OF)[0]!.lines;

describe("scoring", () => {
  // uplift = 0.25 (31–60 days) × 0.8 (slow) × 1 (call) = 0.2; contacted 29 days ago: no damping.
  // brought forward = 1,240,000 × 0.7 × 0.2 = 173,600 ($1,736.00); ÷ 10 call minutes = 17,360 a minute.
  const [line] = lines([account("A", { name: "Acme Ltd" })]);

  it("scores the expected cash brought forward per effort minute", () => {
    expect(line).toMatchObject({
      rank: 1,
      nextAction: "call",
      effortMinutes: 10,
      openMinor: 1_240_000,
      overdueMinor: 1_240_000,
      oldestDaysPastDue: 45,
      actionableMinor: 1_240_000,
      broughtForwardMinor: 173_600,
    });
    expect(line!.unpaidAtHorizon).toBeCloseTo(0.7, 12);
    expect(line!.valuePerMinuteMinor).toBeCloseTo(17_360, 8);
    expect(line!.agingMinor).toEqual({ current: 0, "1-30": 0, "31-60": 1_240_000, "61-90": 0, "91+": 0 });
  });

  it("explains itself with the figures it used", () => {
    expect(line!.explanation).toBe(
      "Acme Ltd: $12,400.00 overdue, oldest 45 days, 62% likely >30 days late; " +
        "70% of the $12,400.00 we can act on expected unpaid in 30 days if we wait: " +
        "calling now brings forward ≈ $1,736.00 in expectation for 10 minutes (≈ $173.60 a minute).",
    );
  });

  it("uses the late probability when an invoice has no pay-day distribution", () => {
    // 1,240,000 × 0.62 × 0.2 = 153,760
    const [l] = lines([account("A", { invoices: [overdue("A-1", { payDay: undefined })] })]);
    expect(l!.broughtForwardMinor).toBe(153_760);
  });

  it("halves the effect of contacting an account contacted in the last week", () => {
    const [l] = lines([account("A", { lastContactDate: "2025-06-27" })]);
    expect(l!.broughtForwardMinor).toBe(86_800);
    expect(l!.explanation).toContain("contacted 3 days ago, so the effect is halved");
  });

  it("emails while the debt is young and calls once it is over 30 days past due", () => {
    // 10 days past due, bucket 1–30: uplift 0.3 × 0.8 × 0.4 (email) = 0.096; 1,240,000 × 0.7 × 0.096 = 83,328
    const [young] = lines([account("Y", { invoices: [overdue("Y-1", { dueDate: "2025-06-20" })] })]);
    expect(young).toMatchObject({ nextAction: "email", effortMinutes: 3, broughtForwardMinor: 83_328 });
    const [named] = lines([account("N", { nextAction: "letter" })]);
    expect(named).toMatchObject({ nextAction: "letter", effortMinutes: 5 });
  });
});

describe("exclusions", () => {
  it("ranks an account with a live promise not yet due below an equal one without", () => {
    const promised = account("A", { invoices: [overdue("A-1", { promisedDate: "2025-07-10" })] });
    const plain = account("B");
    const [first, second] = lines([promised, plain]);
    expect(first!.accountId).toBe("B");
    expect(second).toMatchObject({
      accountId: "A",
      broughtForwardMinor: 0,
      excluded: { disputedMinor: 0, promisedMinor: 1_240_000, planMinor: 0 },
    });
    expect(second!.explanation).toContain("nothing to gain by acting now");
    expect(second!.explanation).toContain("not counted: $12,400.00 promised for 2025-07-10");
  });

  it("counts the invoices of a promise whose date has passed (a broken promise)", () => {
    const broken = account("A", { invoices: [overdue("A-1", { promisedDate: "2025-06-20" })] });
    const [l] = lines([broken]);
    expect(l!.broughtForwardMinor).toBe(173_600);
  });

  it("leaves disputed amounts and payment plans out", () => {
    const a = account("A", {
      invoices: [
        overdue("A-1"),
        overdue("A-2", { balanceMinor: 500_000, disputed: true }),
        overdue("A-3", { balanceMinor: 300_000, onActivePlan: true }),
      ],
    });
    const [l] = lines([a]);
    expect(l).toMatchObject({
      openMinor: 2_040_000,
      overdueMinor: 2_040_000,
      actionableMinor: 1_240_000,
      broughtForwardMinor: 173_600,
      excluded: { disputedMinor: 500_000, promisedMinor: 0, planMinor: 300_000 },
    });
    expect(l!.explanation).toContain("not counted: $5,000.00 disputed, $3,000.00 on a payment plan");
  });
});

describe("ranking", () => {
  it("puts the larger expected recovery per minute first", () => {
    const call = account("call");
    // The same debt by email: 173,600 × 0.4 = 69,440 brought forward, ÷ 3 minutes = 23,146.67 a minute
    // beats the call's 17,360 a minute though it brings forward less.
    const email = account("email", { nextAction: "email" });
    // Twice the debt by call: 347,200 ÷ 10 = 34,720 a minute, first of all.
    const big = account("big", { invoices: [overdue("big-1", { balanceMinor: 2_480_000 })] });
    const ranked = lines([call, email, big]);
    expect(ranked.map((l) => [l.rank, l.accountId])).toEqual([
      [1, "big"],
      [2, "email"],
      [3, "call"],
    ]);
    expect(ranked[1]!.broughtForwardMinor).toBe(69_440);
    expect(ranked[1]!.valuePerMinuteMinor).toBeCloseTo(69_440 / 3, 8);
  });

  it("breaks ties deterministically, whatever the input order", () => {
    // Equal value: the riskier first, then the account id.
    const accounts = [account("C"), account("A"), account("B", { lateProbability: 0.9 }), account("D")];
    const order = lines(accounts).map((l) => l.accountId);
    expect(order).toEqual(["B", "A", "C", "D"]);
    expect(lines([...accounts].reverse()).map((l) => l.accountId)).toEqual(order);
  });

  it("keeps currencies in separate lists, and merges them only with rates", () => {
    const both = account("A", {
      invoices: [overdue("A-1"), overdue("A-2", { currency: "EUR", balanceMinor: 100_000 })],
    });
    const other = account("B", { invoices: [overdue("B-1", { currency: "EUR", balanceMinor: 2_000_000 })] });
    const lists = buildWorklist([both, other], AS_OF);
    expect(lists.map((l) => [l.currency, l.lines.map((x) => x.accountId)])).toEqual([
      ["EUR", ["B", "A"]],
      ["USD", ["A"]],
    ]);
    // EUR A: 100,000 × 0.7 × 0.2 = 14,000 brought forward; EUR B: 280,000
    expect(lists[0]!.lines.map((l) => l.broughtForwardMinor)).toEqual([280_000, 14_000]);
    expect(lists[0]!.lines[1]!.explanation).toContain("€1,000.00 overdue");
    // 1 EUR cent = 1.1 USD cents: B 28,000 × 1.1 = 30,800 > A (USD) 17,360 > A (EUR) 1,400 × 1.1
    const merged = rankAcrossCurrencies(lists, { EUR: 1.1, USD: 1 });
    expect(merged.map((l) => [l.rank, l.accountId, l.currency])).toEqual([
      [1, "B", "EUR"],
      [2, "A", "USD"],
      [3, "A", "EUR"],
    ]);
    expect(() => rankAcrossCurrencies(lists, { USD: 1 })).toThrow(/no rate for EUR/);
  });

  it("refuses a probability outside 0..1 and repeated accounts", () => {
    expect(() => buildWorklist([account("A", { lateProbability: 1.5 })], AS_OF)).toThrow(/0\.\.1/);
    expect(() => buildWorklist([account("A"), account("A")], AS_OF)).toThrow(/twice/);
  });
});
