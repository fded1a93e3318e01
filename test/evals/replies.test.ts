// The inbound-reply eval: its metrics on hand-computed examples, the held-out set's shape, and a
// short end-to-end run of both brains, the LLM brain through the real client against a local server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPLY_CATEGORIES, type ReplyCategory } from "../../agents/inbound/reply-types.ts";
import {
  categoryScores,
  confusionMatrix,
  HELD_OUT_FILE,
  LABELLED_FILE,
  loadReplies,
  macroF1,
  type Prediction,
  type ReplyEvalReport,
  renderReplyEval,
  runReplyEval,
  STAND_IN_NOTE,
  sameFields,
  scoreSet,
} from "../../evals/replies.ts";
import { localModelConfig, type ScriptedModel, startScriptedModel } from "../support/scripted-model.ts";

const pair = (gold: ReplyCategory, got: ReplyCategory) => ({ gold, got });

// 7 replies; hardship is never predicted, dispute is predicted once wrongly.
const PAIRS = [
  pair("promise_to_pay", "promise_to_pay"),
  pair("promise_to_pay", "promise_to_pay"),
  pair("promise_to_pay", "other"),
  pair("dispute", "dispute"),
  pair("hardship", "other"),
  pair("other", "other"),
  pair("other", "dispute"),
];

describe("reply eval metrics", () => {
  it("precision, recall and F1 per category, by hand", () => {
    const s = categoryScores(PAIRS);
    // promise: 2 right of 2 predicted, of 3 gold.
    expect(s.promise_to_pay).toMatchObject({ support: 3, predicted: 2, precision: 1 });
    expect(s.promise_to_pay.recall).toBeCloseTo(2 / 3, 10);
    expect(s.promise_to_pay.f1).toBeCloseTo(0.8, 10);
    // dispute: 1 right of 2 predicted, of 1 gold.
    expect(s.dispute).toMatchObject({ support: 1, predicted: 2, precision: 0.5, recall: 1 });
    expect(s.dispute.f1).toBeCloseTo(2 / 3, 10);
    // hardship: never predicted: precision 0 by convention, F1 0.
    expect(s.hardship).toEqual({ support: 1, predicted: 0, precision: 0, recall: 0, f1: 0 });
    // other: 1 right of 3 predicted, of 2 gold.
    expect(s.other.precision).toBeCloseTo(1 / 3, 10);
    expect(s.other.recall).toBe(0.5);
    expect(s.other.f1).toBeCloseTo(0.4, 10);
    // A category nobody wrote nor predicted.
    expect(s.opt_out).toEqual({ support: 0, predicted: 0, precision: 0, recall: 0, f1: 0 });
  });

  it("macro-F1 averages over the categories present in the gold labels only", () => {
    expect(macroF1(categoryScores(PAIRS))).toBeCloseTo((0.8 + 2 / 3 + 0 + 0.4) / 4, 10);
    // opt_out is predicted but has no gold replies: it does not count (promise F1 = 2/3 alone).
    const s = categoryScores([pair("promise_to_pay", "promise_to_pay"), pair("promise_to_pay", "opt_out")]);
    expect(s.opt_out).toMatchObject({ support: 0, predicted: 1, f1: 0 });
    expect(macroF1(s)).toBeCloseTo(2 / 3, 10);
    expect(macroF1(categoryScores([]))).toBe(0);
  });

  it("the confusion matrix counts gold by predicted", () => {
    const m = confusionMatrix(PAIRS);
    expect(m.promise_to_pay.promise_to_pay).toBe(2);
    expect(m.promise_to_pay.other).toBe(1);
    expect(m.hardship.other).toBe(1);
    expect(m.other.dispute).toBe(1);
    expect(m.dispute.dispute).toBe(1);
    expect(m.hardship.hardship).toBe(0);
    const total = REPLY_CATEGORIES.reduce(
      (sum, g) => sum + REPLY_CATEGORIES.reduce((row, p) => row + m[g][p], 0),
      0,
    );
    expect(total).toBe(PAIRS.length);
  });

  it("a set's score: accuracy, the misclassified replies, and field agreement on the right ones", () => {
    const predictions: Prediction[] = PAIRS.map((p, i) => ({
      ...p,
      id: `t${i}`,
      text: `reply ${i}\nsecond line ${"x".repeat(100)}`,
      classifier: "rules",
      expectedFields: i === 0 ? { invoiceRefs: ["A", "B"] } : {},
      gotFields:
        i === 0 ? { invoiceRefs: ["B", "A"], evidence: ["x"] } : i === 1 ? { paidOn: "2026-01-01" } : {},
    }));
    const score = scoreSet(predictions, 10);
    expect(score).toMatchObject({ size: 7, total: 10 });
    expect(score.accuracy).toBeCloseTo(4 / 7, 10);
    expect(score.misclassified.map((m) => [m.id, m.gold, m.got])).toEqual([
      ["t2", "promise_to_pay", "other"],
      ["t4", "hardship", "other"],
      ["t6", "other", "dispute"],
    ]);
    expect(score.misclassified[0]!.text).toHaveLength(80);
    expect(score.misclassified[0]!.text).not.toContain("\n");
    // Right category: t0 (same refs in another order), t1 (an extra field), t3, t5.
    expect(score.fields_exact).toEqual({ matched: 3, of: 4 });
    expect(sameFields({ promisedDate: "2026-01-02" }, { promisedDate: "2026-01-03" })).toBe(false);
  });
});

describe("the held-out replies", () => {
  const heldOut = loadReplies(HELD_OUT_FILE);
  const labelled = loadReplies(LABELLED_FILE);

  it("parse, with unique ids, and cover every category at least five times", () => {
    expect(heldOut.length).toBeGreaterThanOrEqual(70);
    expect(new Set(heldOut.map((r) => r.id)).size).toBe(heldOut.length);
    const labelledIds = new Set(labelled.map((r) => r.id));
    expect(heldOut.filter((r) => labelledIds.has(r.id))).toEqual([]);
    for (const category of REPLY_CATEGORIES) {
      expect(heldOut.filter((r) => r.expected.category === category).length, category).toBeGreaterThanOrEqual(
        5,
      );
    }
    // Invoice numbers in the labels are the account's own, as classify.ts keeps them.
    for (const r of heldOut) {
      for (const ref of r.expected.fields.invoiceRefs ?? []) expect(r.knownInvoiceRefs, r.id).toContain(ref);
    }
  });

  it("repeat no reply of the labelled set", () => {
    const texts = new Set(labelled.map((r) => r.text.trim().toLowerCase()));
    expect(heldOut.filter((r) => texts.has(r.text.trim().toLowerCase())).map((r) => r.id)).toEqual([]);
  });
});

describe("a short run of the reply eval", () => {
  let report: ReplyEvalReport;
  beforeAll(async () => {
    report = await runReplyEval({ short: true });
  });

  it("scores both brains on both sets, headline over both", () => {
    expect(report.sizes.labelled).toEqual({ used: Math.ceil(194 / 3), total: 194 });
    expect(report.sizes.held_out.used).toBe(Math.ceil(report.sizes.held_out.total / 3));
    for (const brain of [report.rules, report.llm]) {
      for (const x of [brain.macro_f1, brain.labelled.macro_f1, brain.held_out.macro_f1]) {
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThanOrEqual(1);
      }
      expect(brain.labelled.size).toBe(report.sizes.labelled.used);
      expect(brain.held_out.size).toBe(report.sizes.held_out.used);
      expect(brain.combined.size).toBe(report.sizes.labelled.used + report.sizes.held_out.used);
      expect(brain.macro_f1).toBe(brain.combined.macro_f1);
    }
  });

  it("sent every reply through the LLM brain to the local stand-in, which answered them all", () => {
    const n = report.sizes.labelled.used + report.sizes.held_out.used;
    expect(report.llm.standIn).toBe(true);
    expect(report.llm.standInRequests).toBe(n);
    expect(report.llm.usage).toMatchObject({ calls: n, failedCalls: 0, fallbacks: 0 });
    expect(report.llm.usage.answeredBy).toEqual({ "llm:stand-in-faithful": n });
    // The stand-in answers with the rules' reading, so a pipeline that carries it intact scores the same.
    expect(report.llm.combined.confusion).toEqual(report.rules.combined.confusion);
    expect(report.llm.model).toContain("no language model");
    expect(report.note).toBe(STAND_IN_NOTE);
  });

  it("renders a markdown section that says no language model answered", () => {
    const md = renderReplyEval(report);
    expect(md.startsWith("## Inbound replies\n")).toBe(true);
    expect(md).toContain(STAND_IN_NOTE);
    expect(md).toContain("| rules |");
    expect(md).toContain("(in-sample)");
  });
});

describe("the reply eval against a model that fails", () => {
  let model: ScriptedModel;
  beforeAll(async () => {
    model = await startScriptedModel();
    model.fallback(() => ({ status: 500, body: { error: { message: "model down" } } }));
  });
  afterAll(async () => {
    await model.close();
  });

  it("counts every fallback to the rules and names the model it was given", async () => {
    const report = await runReplyEval({
      short: true,
      model: localModelConfig(model.url, { model: "broken-model" }),
    });
    const n = report.sizes.labelled.used + report.sizes.held_out.used;
    expect(model.requests.length).toBe(n);
    expect(report.note).toBeNull();
    expect(report.llm).toMatchObject({ standIn: false, standInRequests: null });
    expect(report.llm.model).toContain("broken-model");
    expect(report.llm.usage).toMatchObject({ failedCalls: n, fallbacks: n });
    expect(report.llm.usage.answeredBy).toEqual({ rules: n });
    expect(report.llm.usage.fallbackSamples[0]).toContain("500");
    expect(report.llm.macro_f1).toBe(report.rules.macro_f1);
  });
});
