// The inbound-reply eval (issue 11): both brains' `classifyReply` on two hand-labelled sets, scored
// per category (precision, recall, F1, support), by macro-F1 and accuracy, with a confusion matrix and
// every misclassified reply listed.
//
// - `labelled` is `data/replies.jsonl`. The rules classifier was written against it, so its score
//   there is in-sample.
// - `heldOut` is `data/replies-held-out.jsonl`, written afterwards without reading the rules: the
//   honest number. Do not tune the rules against it, or it stops being held out.
//
// The LLM brain is the real one (`createLlmBrain`, a real ChatOpenAI over HTTP). With a ModelConfig
// it measures that model. Without one it talks to a local stand-in (test/support/scripted-model.ts)
// that answers every classification request with the rules classifier's reading of the reply it
// recovers from the request: that measures the pipeline (prompt, structured output, validation,
// fallbacks), not a language model, and the report says so.
//
//   npx tsx evals/replies.ts [--short] [--json]
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Brain } from "../agents/brain.ts";
import type { ClassifiedReply } from "../agents/inbound/classify.ts";
import {
  type InboundReply,
  inboundReplySchema,
  REPLY_CATEGORIES,
  type ReplyCategory,
  type ReplyFields,
  replyCategorySchema,
} from "../agents/inbound/reply-types.ts";
import { ModelClient } from "../agents/llm/client.ts";
import type { ModelConfig } from "../agents/llm/config.ts";
import type { ModelUsage } from "../agents/llm/usage.ts";
import { createLlmBrain } from "../agents/llm-brain.ts";
import { rulesBrain } from "../agents/rules-brain.ts";
import { startStandInModel } from "./llm-stand-in.ts";

export const LABELLED_FILE = fileURLToPath(new URL("./data/replies.jsonl", import.meta.url));
export const HELD_OUT_FILE = fileURLToPath(new URL("./data/replies-held-out.jsonl", import.meta.url));

export const STAND_IN_NOTE =
  "no language model: the LLM brain's pipeline (prompt, structured output, validation, fallbacks) against a local stand-in that answers with the rules classifier's reading; set ARC_EVAL_MODEL to measure a real model";

/** One labelled reply: the reply as ARC receives it, and what a careful reader says it is. */
export interface LabelledReply extends InboundReply {
  id: string;
  expected: { category: ReplyCategory; fields: ReplyFields };
}

export interface ReplyEvalOptions {
  /** A real model; default: the scripted local model answering with the rules classifier's reading. */
  model?: ModelConfig;
  /** Every third reply of each set, to keep CI fast (the report gives the sizes). */
  short?: boolean;
}

export interface CategoryScore {
  /** tp / (tp + fp); 0 when the category was never predicted. */
  precision: number;
  /** tp / (tp + fn); 0 when the category has no gold replies. */
  recall: number;
  /** Harmonic mean of precision and recall; 0 when both are 0. */
  f1: number;
  /** Gold replies of this category. */
  support: number;
  /** Replies the brain put in this category. */
  predicted: number;
}

export interface Misclassified {
  id: string;
  /** The first 80 characters of the reply, on one line. */
  text: string;
  gold: ReplyCategory;
  got: ReplyCategory;
  /** "rules" or "llm:<model>"; with `fallback` when the model failed and the rules answered. */
  classifier: string;
  fallback?: string;
}

export interface SetScore {
  /** Replies scored (fewer than `total` in short mode). */
  size: number;
  /** Replies in the file(s). */
  total: number;
  accuracy: number;
  /** Mean per-category F1 over the categories present in the gold labels. */
  macro_f1: number;
  perCategory: Record<ReplyCategory, CategoryScore>;
  /** confusion[gold][predicted] = count. */
  confusion: Record<ReplyCategory, Record<ReplyCategory, number>>;
  misclassified: Misclassified[];
  /**
   * Of the replies put in the right category, how many also got exactly the labelled fields
   * (evidence aside, invoice numbers in any order). Only reported; the headline is the category.
   */
  fields_exact: { matched: number; of: number };
}

export interface LlmUsageReport {
  calls: number;
  failedCalls: number;
  fallbacks: number;
  /** Who answered, by classifier ("llm:<model>", "rules"), over both sets. */
  answeredBy: Record<string, number>;
  /** The first few fallback reasons. */
  fallbackSamples: string[];
}

export interface BrainReplyScore {
  brain: "rules" | "llm";
  /** Headline: macro-F1 over the labelled and held-out sets together. */
  macro_f1: number;
  accuracy: number;
  labelled: SetScore;
  held_out: SetScore;
  combined: SetScore;
}

export interface LlmReplyScore extends BrainReplyScore {
  brain: "llm";
  /** What answered: the real model's name, or the stand-in, said plainly. */
  model: string;
  /** True when no language model answered (the local stand-in did). */
  standIn: boolean;
  /** Requests the local stand-in received; null against a real model. */
  standInRequests: number | null;
  usage: LlmUsageReport;
}

export interface ReplyEvalReport {
  short: boolean;
  sizes: { labelled: { used: number; total: number }; held_out: { used: number; total: number } };
  /** The stand-in note when no language model answered, else null. */
  note: string | null;
  rules: BrainReplyScore;
  llm: LlmReplyScore;
}

// ---------------------------------------------------------------------------------------------
// Data

export function loadReplies(file: string): LabelledReply[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const rows: LabelledReply[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === "") return;
    let raw: { id?: unknown; expected?: { category?: unknown; fields?: unknown } };
    try {
      raw = JSON.parse(line);
    } catch (error) {
      throw new Error(`${file}:${index + 1}: not JSON (${(error as Error).message})`);
    }
    if (typeof raw.id !== "string") throw new Error(`${file}:${index + 1}: no id`);
    const reply = inboundReplySchema.safeParse(raw);
    if (!reply.success) throw new Error(`${file}:${index + 1}: ${reply.error.issues[0]?.message}`);
    const category = replyCategorySchema.safeParse(raw.expected?.category);
    if (!category.success) throw new Error(`${file}:${index + 1}: unknown category`);
    rows.push({
      ...reply.data,
      id: raw.id,
      expected: { category: category.data, fields: (raw.expected?.fields ?? {}) as ReplyFields },
    });
  });
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Metrics

export interface Prediction {
  id: string;
  text: string;
  gold: ReplyCategory;
  got: ReplyCategory;
  classifier: string;
  fallback?: string;
  /** The labelled fields and the brain's, when fields are compared. */
  expectedFields?: ReplyFields;
  gotFields?: ReplyFields;
}

/** The same stated facts: every field but evidence equal, invoice numbers as a set. */
export function sameFields(expected: ReplyFields, got: ReplyFields): boolean {
  const canonical = (fields: ReplyFields) => {
    const { evidence: _evidence, ...rest } = fields;
    if (rest.invoiceRefs) rest.invoiceRefs = [...rest.invoiceRefs].sort();
    return JSON.stringify(Object.fromEntries(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b))));
  };
  return canonical(expected) === canonical(got);
}

export function confusionMatrix(
  pairs: readonly { gold: ReplyCategory; got: ReplyCategory }[],
): Record<ReplyCategory, Record<ReplyCategory, number>> {
  const matrix = Object.fromEntries(
    REPLY_CATEGORIES.map((g) => [g, Object.fromEntries(REPLY_CATEGORIES.map((p) => [p, 0]))]),
  ) as Record<ReplyCategory, Record<ReplyCategory, number>>;
  for (const { gold, got } of pairs) matrix[gold][got]++;
  return matrix;
}

export function categoryScores(
  pairs: readonly { gold: ReplyCategory; got: ReplyCategory }[],
): Record<ReplyCategory, CategoryScore> {
  const scores = {} as Record<ReplyCategory, CategoryScore>;
  for (const category of REPLY_CATEGORIES) {
    let tp = 0;
    let support = 0;
    let predicted = 0;
    for (const { gold, got } of pairs) {
      if (gold === category) support++;
      if (got === category) predicted++;
      if (gold === category && got === category) tp++;
    }
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    scores[category] = { precision, recall, f1, support, predicted };
  }
  return scores;
}

/** Mean F1 over the categories that have gold replies (a category nobody wrote does not count). */
export function macroF1(scores: Record<ReplyCategory, CategoryScore>): number {
  const present = REPLY_CATEGORIES.filter((c) => scores[c].support > 0);
  if (present.length === 0) return 0;
  return present.reduce((sum, c) => sum + scores[c].f1, 0) / present.length;
}

export function scoreSet(predictions: readonly Prediction[], total = predictions.length): SetScore {
  const perCategory = categoryScores(predictions);
  const right = predictions.filter((p) => p.gold === p.got);
  const correct = right.length;
  const compared = right.filter((p) => p.expectedFields && p.gotFields);
  return {
    size: predictions.length,
    total,
    accuracy: predictions.length === 0 ? 0 : correct / predictions.length,
    macro_f1: macroF1(perCategory),
    perCategory,
    confusion: confusionMatrix(predictions),
    misclassified: predictions
      .filter((p) => p.gold !== p.got)
      .map((p) => ({
        id: p.id,
        text: oneLine(p.text).slice(0, 80),
        gold: p.gold,
        got: p.got,
        classifier: p.classifier,
        ...(p.fallback ? { fallback: p.fallback } : {}),
      })),
    fields_exact: {
      matched: compared.filter((p) => sameFields(p.expectedFields!, p.gotFields!)).length,
      of: compared.length,
    },
  };
}

const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();

// ---------------------------------------------------------------------------------------------
// Running the brains

async function classifyAll(
  brain: Brain,
  replies: readonly LabelledReply[],
  usage?: ModelUsage,
): Promise<Prediction[]> {
  // All at once: the LLM brain's client caps the requests in flight itself.
  const results = await Promise.all(
    replies.map(async (reply): Promise<ClassifiedReply> => {
      const { id: _id, expected: _expected, ...inbound } = reply;
      return brain.classifyReply(inbound, usage);
    }),
  );
  return replies.map((reply, i) => {
    const result = results[i]!;
    return {
      id: reply.id,
      text: reply.text,
      gold: reply.expected.category,
      got: result.category,
      classifier: result.classifier,
      ...(result.fallback ? { fallback: result.fallback } : {}),
      expectedFields: reply.expected.fields,
      gotFields: result.fields,
    };
  });
}

function brainScore(
  brain: "rules" | "llm",
  labelled: Prediction[],
  heldOut: Prediction[],
  totals: { labelled: number; heldOut: number },
): BrainReplyScore {
  const combined = scoreSet([...labelled, ...heldOut], totals.labelled + totals.heldOut);
  return {
    brain,
    macro_f1: combined.macro_f1,
    accuracy: combined.accuracy,
    labelled: scoreSet(labelled, totals.labelled),
    held_out: scoreSet(heldOut, totals.heldOut),
    combined,
  };
}

/** The endpoint without any credentials or query a URL might carry. */
function endpointOf(baseUrl: string): string {
  try {
    const url = new URL(baseUrl);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return "a configured endpoint";
  }
}

export async function runReplyEval(options: ReplyEvalOptions = {}): Promise<ReplyEvalReport> {
  const short = options.short ?? false;
  const allLabelled = loadReplies(LABELLED_FILE);
  const allHeldOut = loadReplies(HELD_OUT_FILE);
  const pick = (rows: LabelledReply[]) => (short ? rows.filter((_, i) => i % 3 === 0) : rows);
  const labelled = pick(allLabelled);
  const heldOut = pick(allHeldOut);
  const totals = { labelled: allLabelled.length, heldOut: allHeldOut.length };

  const rules = brainScore(
    "rules",
    await classifyAll(rulesBrain, labelled),
    await classifyAll(rulesBrain, heldOut),
    totals,
  );

  // Without a real model: the shared faithful stand-in (../llm-stand-in.ts), which answers each
  // classification with the rules classifier's reading of the words the brain sent it.
  const standIn = options.model === undefined ? await startStandInModel("faithful") : null;
  let llm: LlmReplyScore;
  try {
    const config = options.model;
    const brain = standIn ? standIn.brain : createLlmBrain(new ModelClient(config!), config!);
    const usage = brain.createUsage!();
    const labelledPredictions = await classifyAll(brain, labelled, usage);
    const heldOutPredictions = await classifyAll(brain, heldOut, usage);
    const summary = usage.summary();
    const answeredBy: Record<string, number> = {};
    for (const p of [...labelledPredictions, ...heldOutPredictions]) {
      answeredBy[p.classifier] = (answeredBy[p.classifier] ?? 0) + 1;
    }
    llm = {
      ...brainScore("llm", labelledPredictions, heldOutPredictions, totals),
      brain: "llm",
      model: standIn
        ? "no language model: a local stand-in answering with the rules classifier's reading"
        : `${config!.model}${config!.baseUrl ? ` at ${endpointOf(config!.baseUrl)}` : " (OpenAI)"}`,
      standIn: standIn !== null,
      standInRequests: standIn ? standIn.model.requests.length : null,
      usage: {
        calls: summary.calls,
        failedCalls: summary.failedCalls,
        fallbacks: summary.fallbacks,
        answeredBy,
        fallbackSamples: summary.fallbackSamples.slice(0, 5).map((f) => f.reason),
      },
    };
  } finally {
    await standIn?.close();
  }

  return {
    short,
    sizes: {
      labelled: { used: labelled.length, total: totals.labelled },
      held_out: { used: heldOut.length, total: totals.heldOut },
    },
    note: standIn ? STAND_IN_NOTE : null,
    rules,
    llm,
  };
}

// ---------------------------------------------------------------------------------------------
// Markdown

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const f3 = (x: number) => x.toFixed(3);
const cell = (text: string) => text.replace(/\|/g, "\\|");

const SHORT_NAMES: Record<ReplyCategory, string> = {
  promise_to_pay: "promise",
  dispute: "dispute",
  already_paid: "paid",
  invoice_copy_request: "copy",
  out_of_office: "ooo",
  opt_out: "opt-out",
  hardship: "hardship",
  wrong_contact: "wrong",
  other: "other",
};

function renderSet(title: string, score: SetScore): string[] {
  const lines = [
    `#### ${title}`,
    "",
    `${score.size} replies${score.size < score.total ? ` of ${score.total}` : ""}: macro-F1 ${f3(score.macro_f1)}, accuracy ${pct(score.accuracy)}; fields exactly as labelled (evidence aside) on ${score.fields_exact.matched} of the ${score.fields_exact.of} put in the right category.`,
    "",
    "| category | precision | recall | F1 | support | predicted |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const c of REPLY_CATEGORIES) {
    const s = score.perCategory[c];
    if (s.support === 0 && s.predicted === 0) continue;
    lines.push(
      `| ${c} | ${s.predicted === 0 ? "–" : f3(s.precision)} | ${s.support === 0 ? "–" : f3(s.recall)} | ${f3(s.f1)} | ${s.support} | ${s.predicted} |`,
    );
  }
  lines.push(
    "",
    "Confusion (rows: gold, columns: predicted):",
    "",
    `| gold \\ got | ${REPLY_CATEGORIES.map((c) => SHORT_NAMES[c]).join(" | ")} |`,
    `| --- | ${REPLY_CATEGORIES.map(() => "---:").join(" | ")} |`,
  );
  for (const g of REPLY_CATEGORIES) {
    lines.push(
      `| ${SHORT_NAMES[g]} | ${REPLY_CATEGORIES.map((p) => {
        const n = score.confusion[g][p];
        return n === 0 ? "·" : g === p ? `**${n}**` : String(n);
      }).join(" | ")} |`,
    );
  }
  lines.push("");
  if (score.misclassified.length === 0) {
    lines.push("No reply misclassified.", "");
  } else {
    lines.push(
      `Misclassified (${score.misclassified.length}):`,
      "",
      "| id | reply | gold | got |",
      "| --- | --- | --- | --- |",
    );
    for (const m of score.misclassified) {
      const by = m.fallback ? ` (rules, after a model failure)` : "";
      lines.push(`| ${m.id} | ${cell(m.text)} | ${m.gold} | ${m.got}${by} |`);
    }
    lines.push("");
  }
  return lines;
}

export function renderReplyEval(report: ReplyEvalReport): string {
  const { rules, llm, sizes } = report;
  const lines = [
    "## Inbound replies",
    "",
    "Both brains' `classifyReply` on `evals/data/replies.jsonl` (labelled; the rules classifier was written against it, so its score there is in-sample) and `evals/data/replies-held-out.jsonl` (held out: written without reading the rules). Headline: macro-F1 (mean per-category F1 over the categories with gold replies) over both sets together.",
    "",
    `Sizes: labelled ${sizes.labelled.used}${report.short ? ` of ${sizes.labelled.total}` : ""}, held out ${sizes.held_out.used}${report.short ? ` of ${sizes.held_out.total}` : ""}${report.short ? " (short run: every third reply)" : ""}.`,
    "",
  ];
  if (report.note) lines.push(`**LLM brain: ${report.note}.**`, "");
  lines.push(
    "| brain | macro-F1 (both sets) | labelled | held out | accuracy (both) |",
    "| --- | ---: | ---: | ---: | ---: |",
    `| rules | ${f3(rules.macro_f1)} | ${f3(rules.labelled.macro_f1)} (in-sample) | ${f3(rules.held_out.macro_f1)} | ${pct(rules.accuracy)} |`,
    `| llm | ${f3(llm.macro_f1)} | ${f3(llm.labelled.macro_f1)} | ${f3(llm.held_out.macro_f1)} | ${pct(llm.accuracy)} |`,
    "",
    `LLM brain, answered by ${llm.model}: ${llm.usage.calls} calls, ${llm.usage.failedCalls} failed, ${llm.usage.fallbacks} fell back to the rules; replies by classifier: ${Object.entries(
      llm.usage.answeredBy,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}.`,
  );
  if (llm.usage.fallbackSamples.length > 0) {
    lines.push("", "Fallback reasons (first few):", "", ...llm.usage.fallbackSamples.map((r) => `- ${r}`));
  }
  lines.push("");
  for (const brain of [rules, llm]) {
    lines.push(`### ${brain.brain === "rules" ? "Rules brain" : "LLM brain"}`, "");
    lines.push(...renderSet("Held out", brain.held_out));
    lines.push(...renderSet(`Labelled${brain.brain === "rules" ? " (in-sample)" : ""}`, brain.labelled));
  }
  return `${lines.join("\n").trimEnd()}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = Date.now();
  runReplyEval({ short: process.argv.includes("--short") }).then(
    (report) => {
      process.stdout.write(
        process.argv.includes("--json") ? `${JSON.stringify(report, null, 2)}\n` : renderReplyEval(report),
      );
      process.stderr.write(`reply eval: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
