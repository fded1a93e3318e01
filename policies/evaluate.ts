// evaluate(): run every rule, keep every reason, and let the strictest verdict win
// (deny > needs_approval > allow). The engine fails closed: a rule that throws or returns something
// that is not a list of reasons becomes a denial from "engine.rule_error" naming the rule.
import type { PolicyDocument } from "./document.ts";
import { RULES } from "./rules/index.ts";
import type { Rule } from "./rules/rule.ts";
import type { EvaluateOptions, Facts, ProposedAction, Reason, Verdict, VerdictKind } from "./types.ts";

export const RULE_ERROR_ID = "engine.rule_error";

const RANK: Record<VerdictKind, number> = { allow: 0, needs_approval: 1, deny: 2 };

/** The strictest of the verdicts (allow when there are none). */
export function strictest(verdicts: Iterable<VerdictKind>): VerdictKind {
  let worst: VerdictKind = "allow";
  for (const verdict of verdicts) if (RANK[verdict] > RANK[worst]) worst = verdict;
  return worst;
}

/** Denials first, then by rule id, then by message: the same input always gives the same list. */
export function compareReasons(a: Reason, b: Reason): number {
  return (
    RANK[b.verdict] - RANK[a.verdict] ||
    compareText(a.ruleId, b.ruleId) ||
    compareText(a.message, b.message) ||
    compareText(a.citation ?? "", b.citation ?? "")
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Judges a proposed action against the facts under a policy, with every rule in RULES. */
export function evaluate(
  action: ProposedAction,
  facts: Facts,
  policy: PolicyDocument,
  options: EvaluateOptions = {},
): Verdict {
  return evaluateWithRules(RULES, action, facts, policy, options);
}

/** evaluate() with an explicit rule list (tests, and tools that judge with a subset). */
export function evaluateWithRules(
  rules: readonly Rule[],
  action: ProposedAction,
  facts: Facts,
  policy: PolicyDocument,
  options: EvaluateOptions = {},
): Verdict {
  const reasons: Reason[] = [];
  for (const rule of rules) reasons.push(...runRule(rule, action, facts, policy));

  const waived = new Set(options.approvedRuleIds ?? []);
  const kept = reasons.filter(
    (reason) => !(reason.verdict === "needs_approval" && waived.has(reason.ruleId)),
  );
  kept.sort(compareReasons);
  return {
    verdict: strictest(kept.map((reason) => reason.verdict)),
    reasons: kept,
    policyVersion: policy.version,
  };
}

function runRule(rule: Rule, action: ProposedAction, facts: Facts, policy: PolicyDocument): Reason[] {
  let out: unknown;
  try {
    out = rule.check(action, facts, policy);
  } catch (error) {
    return [ruleError(rule, `threw ${describeError(error)}`)];
  }
  if (!Array.isArray(out)) return [ruleError(rule, "returned something other than a list of reasons")];
  const reasons: Reason[] = [];
  for (const item of out) {
    if (!isReason(item)) return [ruleError(rule, `returned a malformed reason: ${safeJson(item)}`)];
    // A reason speaks for its own rule only, so an approval of one rule cannot waive another's.
    if (item.ruleId !== rule.id)
      return [ruleError(rule, `returned a reason under another rule's id (${item.ruleId})`)];
    reasons.push({ ...item });
  }
  return reasons;
}

function isReason(value: unknown): value is Reason {
  if (typeof value !== "object" || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.ruleId === "string" &&
    r.ruleId !== "" &&
    (r.verdict === "deny" || r.verdict === "needs_approval") &&
    typeof r.message === "string" &&
    (r.citation === undefined || typeof r.citation === "string")
  );
}

function ruleError(rule: Rule, what: string): Reason {
  return {
    ruleId: RULE_ERROR_ID,
    verdict: "deny",
    message: `rule ${rule.id} ${what}; the action is refused because it could not be fully checked`,
  };
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return safeJson(error);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export interface RuleDescription {
  id: string;
  description: string;
  citation?: string;
}

/** Every rule's id, one-line description and citation, for `arc policy rules`, docs and the API. */
export function describeRules(rules: readonly Rule[] = RULES): RuleDescription[] {
  return rules.map((rule) =>
    rule.citation === undefined
      ? { id: rule.id, description: rule.description }
      : { id: rule.id, description: rule.description, citation: rule.citation },
  );
}
