// Approvals that depend on how much is at stake.
import { balancesByCurrency, concernedInvoices, limitFor, money } from "./helpers.ts";
import { defineRule } from "./rule.ts";

export const approvalLargeBalance = defineRule({
  id: "approval.large_balance",
  description:
    "Messages about invoices whose open balance (per currency) exceeds the policy threshold need a collector's approval.",
  check(action, facts, policy, say) {
    if (action.kind !== "outreach" || !action.outreach) return [];
    const { purpose } = action.outreach;
    if (purpose === "receipt" || purpose === "cease_acknowledgement") return [];
    const reasons = [];
    for (const [currency, total] of balancesByCurrency(concernedInvoices(action, facts))) {
      const threshold = limitFor(policy.approval.largeBalanceMinor, currency);
      if (total > threshold) {
        reasons.push(
          say.needsApproval(
            `the message concerns ${money(total, currency)}, more than the ${money(threshold, currency)} a collector must approve`,
          ),
        );
      }
    }
    return reasons;
  },
});
