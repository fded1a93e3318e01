// Cash application: an agent applies a payment on its own only when the match is confident enough.
// A person applying (API, CLI) is the review, so their applications are not held back here.
import { defineRule } from "./rule.ts";

export const cashAutoApplyThreshold = defineRule({
  id: "cash.auto_apply_threshold",
  description:
    "An agent's payment application below the auto-apply confidence (cashApplication.autoApplyThreshold) waits for a person's review.",
  check(action, _facts, policy, say) {
    if (action.kind !== "payment_application" || action.caller.kind !== "agent") return [];
    const threshold = policy.cashApplication.autoApplyThreshold;
    const confidence = action.confidence;
    if (typeof confidence !== "number" || !(confidence >= 0 && confidence <= 1)) {
      return [say.needsApproval("the match states no confidence, so a person reviews it")];
    }
    if (confidence >= threshold) return [];
    return [
      say.needsApproval(
        `the match's confidence ${confidence} is below the auto-apply threshold ${threshold}`,
      ),
    ];
  },
});
