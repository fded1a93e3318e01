// A brain decides; it never acts. Each specialist asks the brain for the tool calls it should make
// on one account, given that account's snapshot and the policy document. Two brains share this
// interface: the deterministic rules brain (the default and the test oracle) and, later, the LLM
// brain. Whatever a brain proposes, the tool runner and its policy have the last word.
import type { PolicyDocument } from "../policies/index.ts";
import type { AccountSnapshot, PlannedCall } from "../tools/read/account-snapshot-types.ts";
import type { PayDateModel } from "./forecasting/model.ts";

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

/** What a run gives every decision besides the account: the trained pay-date model, when there is one. */
export interface BrainContext {
  payDateModel?: PayDateModel;
}

export interface Brain {
  readonly name: string;
  decide(
    specialist: SpecialistName,
    snapshot: AccountSnapshot,
    policy: PolicyDocument,
    context?: BrainContext,
  ): SpecialistDecision;
}
