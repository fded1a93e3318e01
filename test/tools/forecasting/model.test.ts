// The quantile model's invariants: ordered quantiles, determinism, JSON round trip, cold start, and
// that it learns the obvious from a synthetic history.
import { describe, expect, it } from "vitest";
import { calibrate } from "../../../tools/ar-metrics/calibration.ts";
import {
  binFeatures,
  fitQuantileEnsemble,
  pinballQuantile,
  predictEnsemble,
} from "../../../tools/forecasting/gbt.ts";
import {
  buildFeatures,
  FEATURE_NAMES,
  type ForecastInvoice,
  fromJSON,
  lateProbability,
  MIN_CALIBRATION_EXAMPLES,
  type PayDateFeatures,
  predictPayDate,
  sampleTrainingCustomers,
  survival,
  trainPayDateModel,
} from "../../../tools/forecasting/index.ts";
import { calibrationExamples } from "../../../tools/forecasting/model.ts";
import { conditionalQuantiles, inverseSurvival } from "../../../tools/forecasting/predict.ts";
import { syntheticHistory } from "./synthetic.ts";

const HISTORY = syntheticHistory();
const CUT = "2024-10-01";
const OPTIONS = { cut: CUT, maxRounds: 120, patience: 30 };
const MODEL = trainPayDateModel(HISTORY, OPTIONS);

const invoice = (customerId: string, extra: Partial<ForecastInvoice> = {}): ForecastInvoice => ({
  customerId,
  invoiceDate: "2024-10-01",
  dueDate: "2024-10-31",
  amountMinor: 50_000,
  disputed: false,
  paperless: true,
  ...extra,
});

describe("trainPayDateModel", () => {
  it("predicts ordered, finite quantiles, also for odd and missing feature values", () => {
    const cases: PayDateFeatures[] = [];
    for (const row of HISTORY.slice(0, 200)) cases.push(buildFeatures(row, HISTORY, row.invoiceDate));
    const blank = Object.fromEntries(FEATURE_NAMES.map((n) => [n, null])) as PayDateFeatures;
    cases.push(blank);
    cases.push(Object.fromEntries(FEATURE_NAMES.map((n) => [n, 1e9])) as PayDateFeatures);
    cases.push(Object.fromEntries(FEATURE_NAMES.map((n) => [n, -1e9])) as PayDateFeatures);
    for (const features of cases) {
      const q = MODEL.predict(features);
      expect(Number.isFinite(q.p10) && Number.isFinite(q.p50) && Number.isFinite(q.p90)).toBe(true);
      expect(q.p10).toBeLessThanOrEqual(q.p50);
      expect(q.p50).toBeLessThanOrEqual(q.p90);
    }
  });

  it("is deterministic: the same data and options give the same JSON and predictions", () => {
    const again = trainPayDateModel(HISTORY, OPTIONS);
    expect(JSON.stringify(again)).toBe(JSON.stringify(MODEL));
    expect(again.version).toBe(MODEL.version);
    const f = buildFeatures(invoice("C001"), HISTORY, "2024-10-01");
    expect(again.predict(f)).toEqual(MODEL.predict(f));
  });

  it("names its version after the cut and a hash of parameters and data", () => {
    expect(MODEL.version).toMatch(/^gbq1@2024-10-01#[0-9a-f]{8}$/);
    const other = trainPayDateModel(HISTORY, { ...OPTIONS, maxDepth: 2 });
    expect(other.version).not.toBe(MODEL.version);
    expect(other.version.startsWith("gbq1@2024-10-01#")).toBe(true);
  });

  it("round-trips through JSON", () => {
    const text = JSON.stringify(MODEL);
    const loaded = fromJSON(text);
    expect(loaded.version).toBe(MODEL.version);
    expect(JSON.stringify(loaded)).toBe(text);
    for (const row of HISTORY.slice(0, 50)) {
      const f = buildFeatures(row, HISTORY, row.invoiceDate);
      expect(loaded.predict(f)).toEqual(MODEL.predict(f));
    }
    expect(() => fromJSON({ ...MODEL.toJSON(), format: "other" as never })).toThrow(/not a pay-date model/);
    expect(() => fromJSON({ ...MODEL.toJSON(), features: ["a"] })).toThrow(/other features/);
  });

  it("never sees pay dates on or after the cut", () => {
    // Move every post-cut payment elsewhere after the cut: the model must not change.
    const moved = HISTORY.map((h) =>
      h.paidDate !== null && h.paidDate >= CUT
        ? { ...h, paidDate: h.paidDate < "2025-01-01" ? "2025-03-01" : CUT }
        : h,
    );
    expect(JSON.stringify(trainPayDateModel(moved, OPTIONS))).toBe(JSON.stringify(MODEL));
  });

  it("gives a customer without history a finite cold-start forecast that still uses what is known", () => {
    const plain = predictPayDate(MODEL, invoice("NEW"), HISTORY, "2024-10-01");
    const disputed = predictPayDate(MODEL, invoice("NEW", { disputed: true }), HISTORY, "2024-10-01");
    const bare = predictPayDate(
      MODEL,
      { customerId: "NEW", invoiceDate: "2024-10-01", dueDate: "2024-10-31", amountMinor: 0 },
      [],
      "2024-10-01",
    );
    for (const f of [plain, disputed, bare]) {
      expect(Object.values(f.quantiles).every(Number.isFinite)).toBe(true);
      expect(Number.isFinite(f.lateProbability)).toBe(true);
    }
    expect(disputed.quantiles.p50).toBeGreaterThan(plain.quantiles.p50);
  });

  it("learns the customer's habit and the dispute effect", () => {
    const daysLate = (h: { dueDate: string; paidDate: string | null }) =>
      (Date.parse(h.paidDate!) - Date.parse(h.dueDate)) / 86_400_000;
    const customers = [...new Set(HISTORY.map((h) => h.customerId))].map((id) => {
      const rows = HISTORY.filter((h) => h.customerId === id && h.paidDate! < CUT && !h.disputed);
      return { id, mean: rows.reduce((s, h) => s + daysLate(h), 0) / rows.length };
    });
    customers.sort((a, b) => a.mean - b.mean);
    const p50 = (customerId: string, disputed = false) =>
      MODEL.predict(buildFeatures(invoice(customerId, { disputed }), HISTORY, "2024-10-01")).p50;
    const earliest = customers[0]!.id;
    const latest = customers.at(-1)!.id;
    expect(p50(latest)).toBeGreaterThan(p50(earliest) + 10);
    expect(p50(customers[5]!.id, true)).toBeGreaterThan(p50(customers[5]!.id, false) + 5);
  });
});

describe("sampling customers for training", () => {
  const counts = new Map<string, number>(Array.from({ length: 50 }, (_, k) => [`C${k}`, 1 + (k % 7)]));
  const total = [...counts.values()].reduce((a, b) => a + b, 0);

  it("keeps everyone when they fit, else whole customers up to the cap, the same ones every time", () => {
    expect(sampleTrainingCustomers(counts, total, 1)).toBeNull();
    const kept = sampleTrainingCustomers(counts, 60, 1)!;
    const used = [...kept].reduce((sum, id) => sum + counts.get(id)!, 0);
    expect(used).toBeLessThanOrEqual(60);
    expect(used).toBeGreaterThan(50);
    expect([...sampleTrainingCustomers(counts, 60, 1)!]).toEqual([...kept]);
    expect([...sampleTrainingCustomers(counts, 60, 2)!].sort()).not.toEqual([...kept].sort());
    expect(() => sampleTrainingCustomers(counts, 0, 1)).toThrow(/maxTrainingInvoices/);
  });

  it("trains on the sample and records it in the model", () => {
    const model = trainPayDateModel(HISTORY, { ...OPTIONS, maxTrainingInvoices: 200 }).toJSON();
    expect(model.trainingInvoices).toBeLessThanOrEqual(200);
    expect(model.sample).toMatchObject({ ofCustomers: 40 });
    expect(model.sample!.customers).toBeLessThan(40);
    expect(model.sample!.invoices).toBe(model.trainingInvoices);
    expect(MODEL.toJSON().sample).toBeNull();
  });
});

describe("late-probability calibration", () => {
  const BIG = syntheticHistory({ customers: 160, invoicesPerCustomer: 15, seed: 11 });
  const big = trainPayDateModel(BIG, { cut: CUT, maxRounds: 80, patience: 20 });
  const q = { p10: -2, p50: 12, p90: 33 };

  it("fits a monotone map on the validation period and applies it to every probability below certainty", () => {
    const calibration = big.toJSON().lateCalibration!;
    expect(calibration.examples).toBeGreaterThanOrEqual(MIN_CALIBRATION_EXAMPLES);
    for (let k = 1; k < calibration.blocks.length; k++) {
      expect(calibration.blocks[k]!.value).toBeGreaterThanOrEqual(calibration.blocks[k - 1]!.value);
    }
    expect(big.calibrated).toBe(true);
    expect(big.lateProbability(q, 0)).toBeCloseTo(calibrate(calibration, lateProbability(q, 0)), 4);
    expect(big.lateProbability(q, 31)).toBe(1);
    // Stored with the model; a model stored before calibration existed reads the raw probability.
    expect(fromJSON(JSON.stringify(big)).lateProbability(q, 0)).toBe(big.lateProbability(q, 0));
    const { lateCalibration: _, ...older } = big.toJSON();
    expect(fromJSON(older).calibrated).toBe(false);
    expect(fromJSON(older).lateProbability(q, 0)).toBe(lateProbability(q, 0));
    const forecast = predictPayDate(big, invoice("C001"), BIG, CUT);
    expect(forecast.rawLateProbability).toBe(lateProbability(forecast.modelQuantiles, -30));
    expect(forecast.lateProbability).toBe(big.lateProbability(forecast.modelQuantiles, -30));
  });

  it("stays raw when the validation period has too few invoices with a known outcome", () => {
    expect(MODEL.toJSON().lateCalibration ?? null).toBeNull();
    expect(MODEL.calibrated).toBe(false);
  });

  it("learns only from outcomes known at the cut, open invoices past due + 30 counting as late", () => {
    const row = (id: string, invoiceDate: string, dueDate: string, paidDate: string | null) => ({
      customerId: "C1",
      invoiceId: id,
      invoiceDate,
      dueDate,
      paidDate,
      amountMinor: 10_000,
    });
    const cut = "2024-06-01";
    const examples = calibrationExamples(
      [
        row("late-open", "2024-03-01", "2024-03-31", null), // still open at the cut, 62 days past due
        row("paid-after-cut", "2024-03-05", "2024-04-04", "2024-07-01"), // open at the cut: late
        row("paid-on-time", "2024-03-10", "2024-04-09", "2024-04-12"),
        row("paid-late", "2024-03-12", "2024-04-11", "2024-05-20"), // 39 days late, before the cut
        row("undecided", "2024-04-20", "2024-05-20", "2024-05-22"), // due + 31 after the cut: unknown
        row("before-validation", "2024-01-05", "2024-02-04", "2024-02-04"),
      ],
      cut,
      "2024-03-01",
      [-15, 0, 20, 60],
    );
    const outcomes = examples.map((e) => `${e.invoiceId}@${e.minDaysLate}:${e.late ? "late" : "ok"}`);
    expect(outcomes.sort()).toEqual(
      [
        "late-open@-30:late",
        "late-open@-15:late",
        "late-open@0:late",
        "late-open@20:late", // as of due + 60 it is past the threshold: certain, not a calibration example
        "paid-after-cut@-30:late",
        "paid-after-cut@-15:late",
        "paid-after-cut@0:late",
        "paid-after-cut@20:late",
        "paid-on-time@-30:ok",
        "paid-on-time@-15:ok",
        "paid-on-time@0:ok", // paid on 04-12: no snapshot as of due + 20
        "paid-late@-30:late",
        "paid-late@-15:late",
        "paid-late@0:late",
        "paid-late@20:late",
      ].sort(),
    );
  });
});

describe("predictPayDate", () => {
  it("gives ordered dates never before the as-of date, and certainty once 30 days are past", () => {
    for (const asOf of ["2024-10-01", "2024-10-31", "2024-11-20", "2024-12-15", "2025-03-01"]) {
      const f = predictPayDate(MODEL, invoice("C003"), HISTORY, asOf);
      expect(f.p10Date >= asOf).toBe(true);
      expect(f.p10Date <= f.p50Date && f.p50Date <= f.p90Date).toBe(true);
      expect(f.lateProbability).toBeGreaterThanOrEqual(0);
      expect(f.lateProbability).toBeLessThanOrEqual(1);
      expect(f.modelVersion).toBe(MODEL.version);
    }
    expect(predictPayDate(MODEL, invoice("C003"), HISTORY, "2024-12-15").lateProbability).toBe(1);
  });
});

describe("the distribution read from three quantiles", () => {
  const q = { p10: 0, p50: 10, p90: 20 };
  it("is linear between the quantiles with exponential tails", () => {
    expect(survival(q, 0)).toBeCloseTo(0.9, 12);
    expect(survival(q, 5)).toBeCloseTo(0.7, 12);
    expect(survival(q, 10)).toBeCloseTo(0.5, 12);
    expect(survival(q, 20)).toBeCloseTo(0.1, 12);
    expect(survival(q, 30)).toBeCloseTo(0.1 * Math.exp(-4), 12); // rate 4 / (p90 − p50)
    expect(survival(q, -10)).toBeCloseTo(1 - 0.1 * Math.exp(-4), 12);
    for (const s of [0.99, 0.9, 0.7, 0.5, 0.3, 0.1, 0.01])
      expect(survival(q, inverseSurvival(q, s))).toBeCloseTo(s, 10);
  });
  it("late probability: P(L > 30), conditioned on still being open", () => {
    expect(lateProbability(q)).toBeCloseTo(0.1 * Math.exp(-4.2), 4);
    expect(lateProbability(q, 20)).toBeCloseTo(survival(q, 30.5) / survival(q, 19.5), 4);
    expect(lateProbability(q, 31)).toBe(1);
  });
  it("conditional quantiles: unchanged when the condition is far below, shifted past it otherwise", () => {
    const far = conditionalQuantiles(q, -60);
    expect(far.p50).toBeCloseTo(10, 6);
    const overdue = conditionalQuantiles(q, 25);
    expect(overdue.p10).toBeGreaterThanOrEqual(25);
    expect(overdue.p10).toBeLessThan(overdue.p50);
    expect(overdue.p50).toBeLessThan(overdue.p90);
  });
});

describe("gradient-boosted quantile trees", () => {
  it("fit the quantiles of a noisy step and send unknowns where they belong", () => {
    const x: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 400; i++) {
      const v = i % 2 === 0 ? i / 400 : Number.NaN; // half unknown: those behave like the high side
      x.push([v]);
      y.push((Number.isNaN(v) || v > 0.5 ? 20 : 0) + (i % 10));
    }
    const data = binFeatures(x, 32);
    const all = Int32Array.from(x, (_, i) => i);
    const ensembleFor = (alpha: number) =>
      fitQuantileEnsemble(data, Float64Array.from(y), all, {
        alpha,
        rounds: 200,
        learningRate: 0.1,
        maxDepth: 2,
        minLeaf: 10,
        maxBins: 32,
        subsample: 1,
        seed: 1,
      }).ensemble;
    const p50 = ensembleFor(0.5);
    const p90 = ensembleFor(0.9);
    const predict = (e: typeof p50, v: number) => predictEnsemble(e, [v]);
    // Any value in [4, 5] is a median of 0…9 (and of 20…29 shifted by 20).
    expect(predict(p50, 0.1)).toBeGreaterThan(3.5);
    expect(predict(p50, 0.1)).toBeLessThan(5.5);
    expect(predict(p50, 0.9)).toBeGreaterThan(23.5);
    expect(predict(p50, 0.9)).toBeLessThan(25.5);
    // Unknowns (odd i: 1, 3, 5, 7, 9 + 20) learned their own side: the high one.
    expect(predict(p50, Number.NaN)).toBeGreaterThan(23.5);
    expect(predict(p50, Number.NaN)).toBeLessThan(26.5);
    expect(predict(p90, 0.1)).toBeGreaterThan(7.5);
    expect(pinballQuantile([5, 1, 3, 2, 4], 0.5)).toBe(3);
  });
});
