// The forecasting specialist's rules brain: the history-median pay-date model, the risk score and the
// record_forecast decision.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  customerHistoryModel,
  decideForecast,
  MAX_RISK_FACTORS,
  MIN_HISTORY,
  type PayDateModel,
  priorDaysLate,
  riskScore,
  weightedMedian,
} from "../../agents/forecasting/index.ts";
import type { SnapshotOpenInvoice } from "../../tools/read/account-snapshot-types.ts";
import { shuffleSnapshot } from "./builders-dfc.ts";
import { AS_OF, history, invoice, makeSnapshot, overdue, paid, promise } from "./snapshot-builder.ts";

const predict = customerHistoryModel.predict;
/** An invoice issued 30 days before it is due, `dueIn` days after AS_OF (negative: overdue). */
const due = (dueIn: number, ref = "INV-9001") => overdue(ref, -dueIn);

describe("customerHistoryModel", () => {
  it("predicts the due date plus the customer's median days late", () => {
    const result = predict(due(20), history([4, 12, 8, 10, 6]), AS_OF);
    expect(result.features.predictedDaysLate).toBe(8);
    expect(result.predictedPayDate).toBe("2026-05-13"); // due 2026-05-05 + 8
    expect(result.features.usedPrior).toBe(0);
  });

  it("weights recent behaviour more: a customer who started paying late is predicted late", () => {
    const oldHabit = history([2, 2, 2, 2, 30, 30, 30, 30]); // oldest first
    const newHabit = history([30, 30, 30, 30, 2, 2, 2, 2]);
    expect(predict(due(20), oldHabit, AS_OF).features.predictedDaysLate).toBe(30);
    expect(predict(due(20), newHabit, AS_OF).features.predictedDaysLate).toBe(2);
  });

  it("uses the terms-based prior for customers with fewer than three settled invoices", () => {
    for (const h of [[], history([60]), history([60, 60])]) {
      const result = predict(due(20), h, AS_OF);
      expect(result.features.usedPrior).toBe(1);
      expect(result.features.predictedDaysLate).toBe(priorDaysLate(30));
    }
    expect(predict(due(20), history([60, 60, 60]), AS_OF).features.usedPrior).toBe(0);
    expect(MIN_HISTORY).toBe(3);
    expect(priorDaysLate(0)).toBeGreaterThan(priorDaysLate(15)); // nobody pays "on receipt"
    expect(priorDaysLate(90)).toBeGreaterThan(priorDaysLate(30));
  });

  it("never predicts a date before asOf for an invoice still unpaid", () => {
    const result = predict(due(-40), history([3, 5, 4]), AS_OF);
    expect(result.predictedPayDate).toBe(AS_OF);
    fc.assert(
      fc.property(
        fc.integer({ min: -400, max: 400 }),
        fc.array(fc.integer({ min: -30, max: 200 }), { maxLength: 15 }),
        (dueIn, lates) => {
          const p = predict(due(dueIn), history(lates), AS_OF);
          expect(p.predictedPayDate >= AS_OF).toBe(true);
          expect(p.predictedPayDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });

  it("keeps lateProbability within (0, 1], Laplace-smoothed, and certain once 30 days overdue", () => {
    expect(predict(due(10), history([40, 45, 5, 3]), AS_OF).lateProbability).toBe(0.5); // (2+1)/(4+2)
    expect(predict(due(10), [], AS_OF).lateProbability).toBe(0.5); // (0+1)/(0+2)
    expect(predict(due(10), history([1, 2, 3, 4, 5, 6, 7, 8]), AS_OF).lateProbability).toBe(0.1); // 1/10
    expect(predict(due(-31), history([1, 2, 3]), AS_OF).lateProbability).toBe(1);
    fc.assert(
      fc.property(
        fc.integer({ min: -60, max: 60 }),
        fc.array(fc.integer({ min: -30, max: 200 }), { maxLength: 15 }),
        (dueIn, lates) => {
          const p = predict(due(dueIn), history(lates), AS_OF).lateProbability;
          expect(p).toBeGreaterThan(0);
          expect(p).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 300, seed: 11 },
    );
  });

  it("grows more pessimistic the longer an invoice stays unpaid", () => {
    const h = history([2, 5, 10, 20, 40, 3, 4]);
    const ps = [-5, 0, 5, 15, 25, 35].map(
      (daysOverdue) => predict(due(-daysOverdue), h, AS_OF).lateProbability,
    );
    for (let i = 1; i < ps.length; i++) expect(ps[i]!).toBeGreaterThanOrEqual(ps[i - 1]!);
    expect(ps[ps.length - 1]).toBe(1);
  });

  it("computes the weighted median", () => {
    expect(weightedMedian([{ value: 5, weight: 1 }])).toBe(5);
    expect(
      weightedMedian([
        { value: 1, weight: 1 },
        { value: 9, weight: 3 },
      ]),
    ).toBe(9);
    expect(
      weightedMedian([
        { value: 1, weight: 1 },
        { value: 9, weight: 1 },
      ]),
    ).toBe(1);
    expect(() => weightedMedian([])).toThrow(RangeError);
  });
});

describe("riskScore", () => {
  const scored = (invoices: SnapshotOpenInvoice[], late: Record<string, number>) =>
    riskScore(
      makeSnapshot({ openInvoices: invoices }),
      invoices.map((i) => ({ invoiceId: i.id, lateProbability: late[i.externalRef]! })),
    );

  it("is the balance-weighted mean of the invoices' late probabilities, in percent", () => {
    const risk = scored(
      [overdue("INV-1", 10, { balanceMinor: 100_000 }), overdue("INV-2", -5, { balanceMinor: 300_000 })],
      { "INV-1": 0.8, "INV-2": 0.2 },
    );
    // 0.25 × 0.8 + 0.75 × 0.2 = 0.35
    expect(risk.score).toBe(35);
    expect(risk.currency).toBe("USD");
    // The factors are the mean's terms, largest contribution first, and add up to the score.
    expect(risk.factors).toEqual([
      { name: "INV-1", weight: 0.25, value: 0.8 },
      { name: "INV-2", weight: 0.75, value: 0.2 },
    ]);
    expect(risk.factors.reduce((sum, f) => sum + f.weight * f.value, 0) * 100).toBeCloseTo(risk.score, 6);
  });

  it("is 0 with nothing open and ignores invoices without a prediction or balance", () => {
    expect(riskScore(makeSnapshot({}), [])).toEqual({ score: 0, currency: null, factors: [] });
    const snapshot = makeSnapshot({
      openInvoices: [overdue("INV-1", 40), overdue("INV-2", 5), overdue("INV-3", 5, { balanceMinor: 0 })],
    });
    const [one, , three] = snapshot.openInvoices;
    const risk = riskScore(snapshot, [
      { invoiceId: one!.id, lateProbability: 1 },
      { invoiceId: three!.id, lateProbability: 0.5 },
    ]);
    expect(risk.score).toBe(100);
    expect(risk.factors.map((f) => f.name)).toEqual(["INV-1"]);
  });

  it("weighs balances only within the account's own currency, when it has invoices in it", () => {
    const risk = scored(
      [
        overdue("INV-1", 3, { balanceMinor: 50_000 }),
        overdue("INV-2", 3, { currency: "EUR", balanceMinor: 1 }),
      ],
      { "INV-1": 0.1, "INV-2": 0.9 },
    );
    expect(risk.currency).toBe("USD");
    expect(risk.score).toBe(10);
    const foreignOnly = scored(
      [
        overdue("INV-3", 3, { currency: "EUR" }),
        overdue("INV-4", 3, { currency: "EUR" }),
        overdue("INV-5", 3, { currency: "GBP" }),
      ],
      { "INV-3": 0.2, "INV-4": 0.4, "INV-5": 1 },
    );
    expect(foreignOnly.currency).toBe("EUR");
    expect(foreignOnly.score).toBe(30);
  });

  it(`lists at most ${MAX_RISK_FACTORS} invoices and sums the rest in one line`, () => {
    const invoices = Array.from({ length: MAX_RISK_FACTORS + 5 }, (_, k) =>
      overdue(`INV-${100 + k}`, k, { balanceMinor: 10_000 }),
    );
    const late = Object.fromEntries(invoices.map((i, k) => [i.externalRef, k / 100]));
    const risk = scored(invoices, late);
    expect(risk.factors).toHaveLength(MAX_RISK_FACTORS + 1);
    expect(risk.factors.at(-1)!.name).toBe("5 other invoices");
    expect(risk.factors[0]!.name).toBe(`INV-${100 + MAX_RISK_FACTORS + 4}`);
    expect(risk.factors.reduce((sum, f) => sum + f.weight, 0)).toBeCloseTo(1, 2);
    expect(risk.factors.reduce((sum, f) => sum + f.weight * f.value, 0) * 100).toBeCloseTo(risk.score, 1);
  });

  it("lies between the lowest and highest invoice probability (property)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            balance: fc.integer({ min: 1, max: 10_000_000 }),
            p: fc.double({ min: 0, max: 1, noNaN: true }),
          }),
          {
            minLength: 1,
            maxLength: 30,
          },
        ),
        (rows) => {
          const invoices = rows.map((r, k) => overdue(`INV-${k}`, 1, { balanceMinor: r.balance }));
          const late = Object.fromEntries(rows.map((r, k) => [`INV-${k}`, r.p]));
          const { score } = scored(invoices, late);
          const ps = rows.map((r) => r.p * 100);
          expect(score).toBeGreaterThanOrEqual(Math.floor(Math.min(...ps) * 10) / 10 - 0.1);
          expect(score).toBeLessThanOrEqual(Math.ceil(Math.max(...ps) * 10) / 10 + 0.1);
        },
      ),
    );
  });
});

describe("decideForecast", () => {
  const snapshot = makeSnapshot({
    openInvoices: [overdue("INV-1", 12), invoice({ externalRef: "INV-2", dueDate: "2026-05-10" })],
    paidInvoices: history([5, 9, 7, 40]),
    promises: [promise({ status: "broken" })],
  });

  it("plans one record_forecast call with a prediction per open invoice", () => {
    const result = decideForecast(snapshot);
    expect(result.calls).toHaveLength(1);
    const call = result.calls[0]!;
    expect(call.tool).toBe("record_forecast");
    expect(call.key).toBe(`forecast:${AS_OF}`);
    expect(call.input).toMatchObject({
      customerId: snapshot.customer.id,
      asOf: AS_OF,
      modelVersion: "history-median-v1",
      riskScore: result.riskScore,
    });
    const input = call.input as {
      predictions: { invoiceId: string; predictedPayDate: string }[];
      riskFactors: unknown[];
    };
    expect(input.predictions.map((p) => p.invoiceId)).toEqual(snapshot.openInvoices.map((i) => i.id));
    // days late 5, 9, 7, 40 (oldest first) weigh 0.61, 0.72, 0.85, 1: half the weight is reached at 9
    expect(input.predictions[1]!.predictedPayDate).toBe("2026-05-19");
    // One factor per open invoice, adding up to the score.
    expect(input.riskFactors).toHaveLength(2);
    expect(result.riskScore).toBeGreaterThan(0);
    expect(
      (input.riskFactors as { weight: number; value: number }[]).reduce((s, f) => s + f.weight * f.value, 0) *
        100,
    ).toBeCloseTo(result.riskScore, 0);
    expect(result.predictions).toEqual(input.predictions);
  });

  it("plans nothing without open invoices", () => {
    const result = decideForecast(makeSnapshot({ paidInvoices: history([1, 2, 3]) }));
    expect(result.calls).toEqual([]);
    expect(result.predictions).toEqual([]);
  });

  it("holds any model to the contract: no past dates, probabilities clamped, finite features", () => {
    const sloppy: PayDateModel = {
      version: "sloppy-v0",
      predict: () => ({
        predictedPayDate: "2020-01-01",
        lateProbability: 3,
        features: { ok: 1, bad: Number.NaN },
      }),
    };
    const result = decideForecast(snapshot, sloppy);
    for (const p of result.predictions) {
      expect(p.predictedPayDate).toBe(AS_OF);
      expect(p.lateProbability).toBe(1);
      expect(p.features).toEqual({ ok: 1 });
    }
    expect(result.calls[0]!.input).toMatchObject({ modelVersion: "sloppy-v0" });
  });

  it("gives identical decisions for shuffled inputs", () => {
    const rich = makeSnapshot({
      openInvoices: [overdue("INV-1", 12), overdue("INV-2", 40), overdue("INV-3", -5), overdue("INV-4", 12)],
      paidInvoices: [
        ...history([5, 9, 7, 40, 2, 11]),
        paid({ externalRef: "PAID-X", dueDate: "2026-01-01", daysLate: 9 }),
      ],
      promises: [promise({ status: "broken" }), promise({ key: "P-2", status: "kept" })],
    });
    const expected = decideForecast(rich);
    for (let seed = 1; seed <= 20; seed++)
      expect(decideForecast(shuffleSnapshot(rich, seed))).toEqual(expected);
  });
});
