// The forecasting specialist's rules brain: the history-median pay-date model, the risk score and the
// record_forecast decision.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  customerHistoryModel,
  decideForecast,
  MIN_HISTORY,
  type PayDateModel,
  priorDaysLate,
  RISK_WEIGHTS,
  riskScore,
  weightedMedian,
} from "../../agents/forecasting/index.ts";
import { shuffleSnapshot } from "./builders-dfc.ts";
import {
  AS_OF,
  dispute,
  history,
  invoice,
  makeSnapshot,
  overdue,
  paid,
  promise,
  type SnapshotOverrides,
} from "./snapshot-builder.ts";

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
  const score = (over: SnapshotOverrides, lateProbability = 0.2) => {
    const snapshot = makeSnapshot(over);
    return riskScore(
      snapshot,
      snapshot.openInvoices.map((i) => ({ invoiceId: i.id, lateProbability })),
    );
  };

  it("documents weights that sum to 1 and stays within 0..100", () => {
    expect(Object.values(RISK_WEIGHTS).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    expect(score({}).score).toBe(0);
    const worst = score(
      {
        customer: { creditLimitMinor: 1_000 },
        openInvoices: [overdue("INV-1", 200, { disputed: true })],
        disputes: [dispute({ status: "open" })],
        promises: [promise({ key: "P-1", status: "broken" }), promise({ key: "P-2", status: "broken" })],
      },
      1,
    );
    expect(worst.score).toBe(100);
    for (const f of worst.factors) expect(f.value).toBe(1);
  });

  it("rises with overdue age", () => {
    const scores = [0, 10, 30, 60, 90].map((days) => score({ openInvoices: [overdue("INV-1", days)] }).score);
    for (let i = 1; i < scores.length; i++) expect(scores[i]!).toBeGreaterThan(scores[i - 1]!);
  });

  it("rises with broken promises, lapsed open promises counting as broken", () => {
    const invoices = [overdue("INV-1", 10)];
    const none = score({ openInvoices: invoices }).score;
    const one = score({ openInvoices: invoices, promises: [promise({ status: "broken" })] }).score;
    const two = score({
      openInvoices: invoices,
      promises: [
        promise({ status: "broken" }),
        promise({ key: "P-2", status: "open", promisedDate: "2026-04-01" }),
      ],
    }).score;
    const kept = score({ openInvoices: invoices, promises: [promise({ status: "kept" })] }).score;
    expect(one).toBeGreaterThan(none);
    expect(two).toBeGreaterThan(one);
    expect(kept).toBe(none);
  });

  it("rises with predicted lateness, overdue share, credit use and disputes", () => {
    const base: SnapshotOverrides = {
      customer: { creditLimitMinor: 1_000_000 },
      openInvoices: [overdue("INV-1", 5), overdue("INV-2", -10)],
    };
    const b = score(base).score;
    expect(score(base, 0.9).score).toBeGreaterThan(b);
    expect(
      score({ ...base, openInvoices: [overdue("INV-1", 5), overdue("INV-2", 1)] }).score,
    ).toBeGreaterThan(b);
    expect(score({ ...base, customer: { creditLimitMinor: 200_000 } }).score).toBeGreaterThan(b);
    expect(score({ ...base, disputes: [dispute({ status: "investigating" })] }).score).toBeGreaterThan(b);
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
    expect(input.riskFactors).toHaveLength(Object.keys(RISK_WEIGHTS).length);
    expect(result.riskScore).toBeGreaterThan(0);
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
