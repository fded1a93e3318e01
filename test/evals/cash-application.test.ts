// The cash-application eval on a demo portfolio: the targets the engine is held to (auto-applied
// precision ≥ 99.5% with an auto-match rate ≥ 90%), every adversarial case, and the benchmark's
// shape (its timings are measured by `npx tsx evals/cash-application/bench.ts`, never asserted).
import { describe, expect, it } from "vitest";
import { benchCashMatching } from "../../evals/cash-application/bench.ts";
import { buildDemoDataset } from "../../evals/cash-application/dataset.ts";
import { runCashApplicationEval } from "../../evals/cash-application/run.ts";

describe("cash application eval", () => {
  const result = runCashApplicationEval({ customers: 2000, seed: 1 });

  it("meets the targets on the demo portfolio", () => {
    expect(result.withTruth).toBeGreaterThan(100);
    expect(result.precision.payment).toBeGreaterThanOrEqual(0.995);
    expect(result.precision.invoice).toBeGreaterThanOrEqual(0.995);
    expect(result.autoMatchRate).toBeGreaterThanOrEqual(0.9);
    expect(result.recall.payment).toBeGreaterThanOrEqual(0.9 * 0.995);
    expect(result.review.precision.payment).toBeGreaterThan(0.9);
  });

  it("labels every shape of receipt and never auto-applies the ones nobody can place", () => {
    for (const shape of [
      "typo",
      "confusable",
      "no_reference",
      "several",
      "short",
      "clean",
      "bank_charges",
      "write_off",
    ]) {
      expect(result.byCase[shape]?.payments ?? 0, shape).toBeGreaterThan(0);
    }
    expect(result.byCase["unknown_payer"]?.autoApplied ?? 0).toBe(0);
    expect(result.byCase["name_only"]?.autoApplied ?? 0).toBe(0);
  });

  it("reads every hand-written bank file's receipts and applies them as a person would", () => {
    for (const f of result.fixtures.files) expect(f.receipts, f.file).toBe(f.expected);
    expect(result.fixtures.payments).toBeGreaterThanOrEqual(20);
    expect(result.fixtures.precision.payment).toBe(1);
    expect(result.fixtures.errors).toEqual([]);
    expect(result.fixtures.autoMatchRate).toBeGreaterThanOrEqual(0.9);
  });

  it("passes every adversarial case", () => {
    expect(result.adversarial.filter((a) => !a.passed)).toEqual([]);
    expect(result.adversarial.length).toBeGreaterThanOrEqual(8);
  });

  it("builds its dataset from what the ledger would hold, with truth for every receipt", () => {
    const data = buildDemoDataset({ customers: 300, seed: 1 });
    expect(data.payments.length).toBeGreaterThan(10);
    expect(data.payments.every((p) => data.truth.has(p.id))).toBe(true);
    const open = new Map(data.openInvoices.map((i) => [i.id, i]));
    for (const t of data.truth.values()) {
      for (const a of t.applications) {
        const invoice = open.get(a.invoiceId);
        expect(invoice?.customerId).toBe(t.customerId);
        expect(a.amountMinor).toBeLessThanOrEqual(invoice!.balanceMinor);
      }
    }
    expect(data.mappings.some((m) => m.kind === "name")).toBe(true);
  });

  it("benchmarks identification and matching and reports time and memory", () => {
    const bench = benchCashMatching({ payments: 200, invoices: 2_000, seed: 1 });
    expect(bench).toMatchObject({ payments: 200, invoices: 2_000 });
    expect(bench.totalMs).toBeGreaterThanOrEqual(bench.matchMs);
    expect(bench.heapUsedMB).toBeGreaterThan(0);
    expect(bench.autoApplied).toBeGreaterThan(0);
  });
});
