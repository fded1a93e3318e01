// A brain decides; it never acts. Each specialist asks the brain for the tool calls it should make
// on one account, given that account's snapshot and the policy document. Two brains share this
// interface: the deterministic rules brain (the default, the test oracle and the fallback) and the
// LLM brain (llm-brain.ts), which starts from the rules brain's plan and adds language and
// judgment. Whatever a brain proposes, the tool runner and its policy have the last word.
import type { PolicyDocument } from "../policies/index.ts";
import type { Reason, VerdictKind } from "../policies/types.ts";
import type { AccountSnapshot, PlannedCall } from "../tools/read/account-snapshot-types.ts";
import type { PayDateModel } from "./forecasting/model.ts";
import type { ClassifiedReply } from "./inbound/classify.ts";
import type { InboundReply } from "./inbound/reply-types.ts";
import type { ModelUsage } from "./llm/usage.ts";

export type SpecialistName = "cash_application" | "dispute" | "collection" | "forecasting";

export const SPECIALISTS: readonly SpecialistName[] = [
  "cash_application",
  "dispute",
  "collection",
  "forecasting",
];

export interface SpecialistDecision {
  calls: PlannedCall[];
  /** What the specialist concluded, for the run report and the collector (one line each). */
  notes: string[];
}

/** How the policy would judge a planned call right now (the runner's preview: nothing is written). */
export type PreviewVerdict =
  | { status: "invalid"; issues: string[] }
  | { status: "judged"; verdict: VerdictKind; reasons: Reason[] };

/** What a run gives every decision besides the account. */
export interface BrainContext {
  /** The trained pay-date model, when there is one (the rules model without it). */
  payDateModel?: PayDateModel;
  /** Judge a call as the runner would, scheduled as the run would send it. */
  preview?: (call: PlannedCall) => Promise<PreviewVerdict>;
  /** Where model calls, tokens, cost and fallbacks are counted for the run. */
  usage?: ModelUsage;
}

export interface Brain {
  readonly name: string;
  decide(
    specialist: SpecialistName,
    snapshot: AccountSnapshot,
    policy: PolicyDocument,
    context?: BrainContext,
  ): SpecialistDecision | Promise<SpecialistDecision>;
  /** What a customer's reply says (category, confidence, stated facts); never throws for a model failure. */
  classifyReply(reply: InboundReply, usage?: ModelUsage): Promise<ClassifiedReply>;
  /** A fresh per-run counter of model calls, tokens and fallbacks (brains that call a model). */
  createUsage?(): ModelUsage;
}
