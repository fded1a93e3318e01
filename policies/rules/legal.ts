// Legal escalation: always a person's decision, and never on time-barred debt.
import type { PolicyDocument } from "../document.ts";
import type { Facts } from "../types.ts";
import {
  addYearsMs,
  compilePattern,
  concernedInvoices,
  jurisdictionsOf,
  list,
  matchesOf,
  messageText,
  timeMs,
} from "./helpers.ts";
import { defineRule } from "./rule.ts";

export const legalEscalationApproval = defineRule({
  id: "legal.escalation_approval",
  description: "Legal escalation always needs a collector's approval.",
  check(action, _facts, _policy, say) {
    if (action.kind !== "legal_escalation") return [];
    return [say.needsApproval("legal escalation always needs a collector's approval")];
  },
});

/** Years until a debt is time-barred for this customer: the most specific jurisdiction that says. */
export function statuteOfLimitationsYears(facts: Facts, policy: PolicyDocument): number {
  let years = policy.legal.statuteOfLimitationsYears;
  if (facts.customer) {
    for (const { entry } of jurisdictionsOf(facts.customer, policy)) {
      if (entry.statuteOfLimitationsYears !== undefined) years = entry.statuteOfLimitationsYears;
    }
  }
  return years;
}

export const legalTimeBarred = defineRule({
  id: "legal.time_barred",
  description:
    "No legal escalation, and no message mentioning legal action, for an invoice whose due date is older than the statute of limitations.",
  citation: "12 CFR 1006.26(b)",
  check(action, facts, policy, say) {
    const outreach = action.kind === "outreach" ? action.outreach : undefined;
    if (action.kind !== "legal_escalation" && !outreach) return [];
    let legalWords: string[] = [];
    if (outreach) {
      const text = messageText(outreach);
      for (const phrase of policy.content.forbiddenLanguage) {
        if (phrase.category !== "legal_threat") continue;
        legalWords.push(...matchesOf(compilePattern(phrase.pattern, phrase.flags ?? "i", true), text));
      }
      legalWords = [...new Set(legalWords)];
      if (legalWords.length === 0) return [];
    }
    const years = statuteOfLimitationsYears(facts, policy);
    const nowMs = timeMs(facts.now, "facts.now");
    const now = new Date(nowMs);
    const todayMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    // Time-barred from the anniversary itself: the conservative reading.
    const barred = concernedInvoices(action, facts).filter(
      (invoice) => addYearsMs(invoice.dueDate, years, `invoice ${invoice.externalRef} dueDate`) <= todayMs,
    );
    if (barred.length === 0) return [];
    const refs = list(barred.map((invoice) => `${invoice.externalRef} (due ${invoice.dueDate})`));
    if (outreach) {
      return [
        say.deny(
          `the message mentions legal action (${list(legalWords)}) about time-barred debt: ${refs} fell due ${years} or more years ago`,
        ),
      ];
    }
    return [
      say.deny(
        `${refs} fell due ${years} or more years ago; the debt is time-barred, so no suit or threat of suit`,
      ),
    ];
  },
});
