// Calibration: pool-adjacent-violators on known sequences, the isotonic map, the reliability table
// and the Brier score on hand-made data.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CalibrationPair,
  calibrate,
  fitIsotonic,
  poolAdjacentViolators,
  reliabilityTable,
} from "../../../tools/ar-metrics/index.ts";

describe("pool adjacent violators", () => {
  it("pools each violating pair into its mean", () => {
    // 1 | 3 2 → 2.5 2.5 | 4 3 → 3.5 3.5 | 5
    expect(poolAdjacentViolators([1, 3, 2, 4, 3, 5])).toEqual([1, 2.5, 2.5, 3.5, 3.5, 5]);
  });

  it("keeps pooling backwards while the merged block still violates", () => {
    // 3 2 → 2.5 2.5; then 1 < 2.5 → (3 + 2 + 1) ÷ 3 = 2
    expect(poolAdjacentViolators([3, 2, 1])).toEqual([2, 2, 2]);
    // 1 4 5 | 0: 5,0 → 2.5 < 4 → (4 + 5 + 0) ÷ 3 = 3 ≥ 1 → 1 3 3 3
    expect(poolAdjacentViolators([1, 4, 5, 0])).toEqual([1, 3, 3, 3]);
  });

  it("weights the means", () => {
    // (1 × 3 + 0 × 1) ÷ 4 = 0.75
    expect(poolAdjacentViolators([1, 0], [3, 1])).toEqual([0.75, 0.75]);
  });

  it("leaves a non-decreasing sequence alone", () => {
    expect(poolAdjacentViolators([0, 0.2, 0.2, 0.9])).toEqual([0, 0.2, 0.2, 0.9]);
  });
});

describe("isotonic calibration", () => {
  const pairs = (score: number, late: number, onTime: number): CalibrationPair[] => [
    ...Array.from({ length: late }, () => ({ score, outcome: true })),
    ...Array.from({ length: onTime }, () => ({ score, outcome: false as const })),
  ];
  // Late rates by score: 10 → 1/2, 20 → 0/2, 30 → 1/1, 40 → 1/3, 50 → 2/2.
  // PAV: 0.5, 0 violate → (1 + 0) ÷ 4 = 0.25; 1, 0.333 violate → (1 + 1) ÷ 4 = 0.5; then 1.
  const training = [
    ...pairs(10, 1, 1),
    ...pairs(20, 0, 2),
    ...pairs(30, 1, 0),
    ...pairs(40, 1, 2),
    ...pairs(50, 2, 0),
  ];
  const model = fitIsotonic(training);

  it("fits the pooled blocks", () => {
    expect(model.blocks).toEqual([
      { minScore: 10, maxScore: 20, value: 0.25, weight: 4 },
      { minScore: 30, maxScore: 40, value: 0.5, weight: 4 },
      { minScore: 50, maxScore: 50, value: 1, weight: 2 },
    ]);
    expect(model.count).toBe(10);
  });

  it("maps scores to probabilities: flat in a block, linear between blocks, clamped outside", () => {
    // 25: 0.25 + (25 − 20) ÷ (30 − 20) × (0.5 − 0.25) = 0.375; 45: 0.5 + 0.5 × 0.5 = 0.75
    expect([0, 10, 15, 20, 25, 30, 35, 40, 45, 50, 99].map((s) => calibrate(model, s))).toEqual([
      0.25, 0.25, 0.25, 0.25, 0.375, 0.5, 0.5, 0.5, 0.75, 1, 1,
    ]);
  });

  it("is monotone, within 0..1 and keeps the base rate, for any data", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ score: fc.integer({ min: 0, max: 100 }), outcome: fc.boolean() }), {
          minLength: 1,
          maxLength: 80,
        }),
        (data) => {
          const m = fitIsotonic(data);
          const probs = Array.from({ length: 101 }, (_, s) => calibrate(m, s));
          for (let s = 1; s < probs.length; s++) expect(probs[s]!).toBeGreaterThanOrEqual(probs[s - 1]!);
          for (const p of probs) expect(p >= 0 && p <= 1).toBe(true);
          const fitted = data.reduce((sum, d) => sum + calibrate(m, d.score), 0);
          const late = data.filter((d) => d.outcome).length;
          expect(fitted).toBeCloseTo(late, 9);
        },
      ),
    );
  });

  it("is perfectly reliable in sample: every bin's predicted mean is its observed rate", () => {
    const report = reliabilityTable(
      training.map((p) => ({ predicted: calibrate(model, p.score), outcome: p.outcome })),
    );
    for (const row of report.rows) expect(row.gap).toBeCloseTo(0, 12);
    expect(report.ece).toBeCloseTo(0, 12);
  });

  it("refuses what it cannot fit", () => {
    expect(() => fitIsotonic([])).toThrow(/no training pairs/);
    expect(() => fitIsotonic([{ score: Number.NaN, outcome: true }])).toThrow(/not a number/);
    expect(() => fitIsotonic([{ score: 1, outcome: true, weight: 0 }])).toThrow(/weight/);
  });
});

describe("reliability table", () => {
  // Perfectly calibrated: 20 forecasts at each of 5%, 15%, …, 95%, of which 1, 3, …, 19 came true.
  const calibrated = Array.from({ length: 10 }, (_, k) => {
    const p = 0.05 + 0.1 * k;
    const late = 2 * k + 1;
    return Array.from({ length: 20 }, (_, j) => ({ predicted: p, outcome: j < late }));
  }).flat();

  it("gives the identity for perfectly calibrated forecasts, by decile", () => {
    const report = reliabilityTable(calibrated);
    expect(report.rows).toHaveLength(10);
    report.rows.forEach((row, k) => {
      expect(row.bin).toBe(k);
      expect(row.count).toBe(20);
      expect(row.predictedMean).toBeCloseTo(0.05 + 0.1 * k, 12);
      expect(row.observedRate).toBeCloseTo(0.05 + 0.1 * k, 12);
      expect(row.lower).toBe(row.upper);
    });
    expect(report.ece).toBeCloseTo(0, 12);
    // Brier: a bin at p with 20p late out of 20 scores 20p(1 − p)² + 20(1 − p)p² = 20p(1 − p);
    // mean over the bins of p(1 − p) = (.0475 + .1275 + .1875 + .2275 + .2475) × 2 ÷ 10 = 0.8375 × 2 ÷ 10 = 0.1675
    expect(report.brier).toBeCloseTo(0.1675, 12);
    expect(report.baseRate).toBeCloseTo(0.5, 12);
    expect(report.brierReference).toBeCloseTo(0.25, 12);
  });

  it("gives the same table with equal-width bins on this data", () => {
    const width = reliabilityTable(calibrated, { binning: "equal-width" });
    expect(width.rows.map((r) => [r.bin, r.lower, r.upper, r.count])).toEqual(
      Array.from({ length: 10 }, (_, k) => [k, k / 10, (k + 1) / 10, 20]),
    );
  });

  it("shows overconfidence as a gap", () => {
    // Everything forecast at 90%, half came true: one bin, gap 0.5 − 0.9 = −0.4.
    // Brier: (10 × 0.1² + 10 × 0.9²) ÷ 20 = (0.1 + 8.1) ÷ 20 = 0.41
    const report = reliabilityTable(
      Array.from({ length: 20 }, (_, i) => ({ predicted: 0.9, outcome: i < 10 })),
    );
    expect(report.rows).toHaveLength(1);
    expect(report.rows[0]).toMatchObject({ count: 20, lower: 0.9, upper: 0.9 });
    expect(report.rows[0]!.gap).toBeCloseTo(-0.4, 12);
    expect(report.ece).toBeCloseTo(0.4, 12);
    expect(report.brier).toBeCloseTo(0.41, 12);
  });

  it("computes the Brier score by hand", () => {
    // (0.8 − 1)² + (0.3 − 0)² + (0.6 − 0)² = 0.04 + 0.09 + 0.36 = 0.49; ÷ 3 = 0.16333…
    const report = reliabilityTable([
      { predicted: 0.8, outcome: 1 },
      { predicted: 0.3, outcome: 0 },
      { predicted: 0.6, outcome: false },
    ]);
    expect(report.brier).toBeCloseTo(0.49 / 3, 12);
    expect(report.count).toBe(3);
  });

  it("is empty for no forecasts and refuses probabilities outside 0..1", () => {
    expect(reliabilityTable([])).toEqual({
      rows: [],
      count: 0,
      baseRate: 0,
      brier: 0,
      brierReference: 0,
      ece: 0,
    });
    expect(() => reliabilityTable([{ predicted: 1.2, outcome: true }])).toThrow(/0\.\.1/);
  });
});
