// The pay-date model holds up on the demo portfolio: it beats both baselines on the same split, and
// its late probability comes with a reliability table over every test invoice.
import { describe, expect, it } from "vitest";
import { demoPaymentHistory, runForecastEval } from "../../evals/forecasting.ts";

describe("forecast eval on the demo portfolio", () => {
  const result = runForecastEval({ customers: 500, seed: 7 });

  it("beats the due-date and customer-mean baselines on the same split", () => {
    expect(result.testRows).toBeGreaterThan(500);
    expect(result.model.maeDays).toBeLessThan(result.baselines.customerMean.maeDays);
    expect(result.baselines.customerMean.maeDays).toBeLessThan(result.baselines.dueDate.maeDays);
    expect(result.model.within7d).toBeGreaterThan(result.baselines.customerMean.within7d);
    expect(result.model.coverageP10P90).toBeGreaterThan(0.6);
  });

  it("tables predicted against observed late rates for every test invoice", () => {
    const { reliability } = result;
    expect(reliability.rows.reduce((n, row) => n + row.count, 0)).toBe(result.testRows);
    for (const row of reliability.rows) {
      expect(row.predictedMean).toBeGreaterThanOrEqual(0);
      expect(row.observedRate).toBeLessThanOrEqual(1);
    }
    // Higher predicted deciles see more late payers: the ordering the worklist relies on.
    const first = reliability.rows[0]!;
    const last = reliability.rows.at(-1)!;
    expect(last.observedRate).toBeGreaterThan(first.observedRate);
  });

  it("calibrates: the calibrated late probability scores better than the raw one, and beats the base rate", () => {
    expect(result.reliability.brier).toBeLessThan(result.rawReliability.brier);
    expect(result.reliability.brier).toBeLessThan(result.reliability.brierReference);
    expect(result.reliability.ece).toBeLessThan(0.05);
  });

  it("the account risk score at the cut means what it says: observed late share by decile follows it", () => {
    const { accountReliability: account } = result;
    expect(account.accounts).toBeGreaterThan(100);
    // Each account weighs 1 in total (its invoices' balance shares).
    expect(account.rows.reduce((sum, row) => sum + row.weight, 0)).toBeCloseTo(account.accounts, 6);
    expect(account.brier).toBeLessThan(account.brierReference);
    expect(account.ece).toBeLessThan(0.08);
    const first = account.rows[0]!;
    const last = account.rows.at(-1)!;
    expect(last.observedRate - first.observedRate).toBeGreaterThan(0.5);
  });

  it("reads the demo history the way the ledger would: paid when the last money arrived", () => {
    const rows = demoPaymentHistory({ customers: 50, seed: 7, asOf: "2026-03-10" });
    expect(rows.length).toBeGreaterThan(200);
    for (const r of rows) {
      if (r.paidDate !== null) expect(r.paidDate >= r.invoiceDate).toBe(true);
      expect(r.dueDate >= r.invoiceDate).toBe(true);
    }
    expect(rows.some((r) => r.paidDate === null)).toBe(true);
  });
});
