// The backtest's split rules and metric definitions on a tiny hand-made history.
import { describe, expect, it } from "vitest";
import { backtest, defaultCut, type HistoryInvoice, splitAtCut } from "../../../tools/forecasting/index.ts";
import { syntheticHistory } from "./synthetic.ts";

const row = (
  id: string,
  customerId: string,
  invoiceDate: string,
  dueDate: string,
  paidDate: string | null,
): HistoryInvoice => ({ invoiceId: id, customerId, invoiceDate, dueDate, paidDate, amountMinor: 10_000 });

const CUT = "2024-03-01";
const ROWS = [
  // train: settled before the cut. A: 5 and 4 days late (mean 4.5), B: 5 days early.
  row("A1", "A", "2024-01-01", "2024-01-31", "2024-02-05"),
  row("A2", "A", "2024-01-10", "2024-02-09", "2024-02-13"),
  row("B1", "B", "2024-01-05", "2024-02-04", "2024-01-30"),
  // neither: issued before the cut and paid after it; open
  row("A3", "A", "2024-02-10", "2024-03-11", "2024-03-20"),
  row("B2", "B", "2024-02-20", "2024-03-21", null),
  // test: issued on/after the cut and settled: 10 days late, 10 early, 2 late (C is new)
  row("A4", "A", "2024-03-01", "2024-03-31", "2024-04-10"),
  row("B3", "B", "2024-03-05", "2024-04-04", "2024-03-25"),
  row("C1", "C", "2024-03-10", "2024-04-09", "2024-04-11"),
  // neither: issued after the cut, still open
  row("A5", "A", "2024-03-15", "2024-04-14", null),
];

describe("backtest", () => {
  it("trains on what was settled before the cut and tests on what was issued on/after it and settled", () => {
    const { train, test } = splitAtCut(ROWS, CUT);
    expect(train.map((r) => r.invoiceId)).toEqual(["A1", "A2", "B1"]);
    expect(test.map((r) => r.invoiceId)).toEqual(["A4", "B3", "C1"]);
  });

  it("measures the model and both baselines as defined", () => {
    // subsample 1: with three training rows and no split possible, each quantile is the training
    // rows' own (−5, 4, 5 days late) — so the model's numbers are hand-computable too.
    const result = backtest(ROWS, { cut: CUT, train: { subsample: 1 } });
    expect(result).toMatchObject({ cut: CUT, trainRows: 3, testRows: 3 });
    // Due date: errors 10, 10, 2.
    expect(result.baselines.dueDate.maeDays).toBeCloseTo(22 / 3, 10);
    expect(result.baselines.dueDate.within7d).toBeCloseTo(1 / 3, 10);
    // Customer mean: A 4.5 → due + 5 (error 5), B −5 (error 5), C unknown → due date (error 2).
    expect(result.baselines.customerMean.maeDays).toBeCloseTo(4, 10);
    expect(result.baselines.customerMean.within7d).toBe(1);
    // Model P50 = 4 days late: errors 6, 14, 2; [P10, P90] = [due − 5, due + 5] holds only C1.
    expect(result.predictions.map((p) => p.p50Date)).toEqual(["2024-04-04", "2024-04-08", "2024-04-13"]);
    expect(result.model.maeDays).toBeCloseTo(22 / 3, 10);
    expect(result.model.within7d).toBeCloseTo(2 / 3, 10);
    expect(result.model.coverageP10P90).toBeCloseTo(1 / 3, 10);
    expect(result.modelVersion).toMatch(/^gbq1@2024-03-01#/);
  });

  it("defaults the cut to the invoice date at the 70th percentile", () => {
    const rows = Array.from({ length: 10 }, (_, i) =>
      row(`r${i}`, "A", `2024-01-${String(10 + i)}`, "2024-02-28", null),
    );
    expect(defaultCut(rows)).toBe("2024-01-16"); // index ⌊9 × 0.7⌋ = 6
    const history = syntheticHistory({ customers: 20, invoicesPerCustomer: 10 });
    expect(backtest(history, { train: { maxRounds: 20 } }).cut).toBe(defaultCut(history));
  });

  it("refuses a cut with nothing to train on or nothing to test", () => {
    expect(() => backtest(ROWS, { cut: "2023-01-01" })).toThrow(/no invoice was settled before/);
    expect(() => backtest(ROWS, { cut: "2025-01-01" })).toThrow(/no settled invoice was issued on or after/);
  });
});
