// The rules brain: deterministic, no network. Each specialist is a pure function of the account
// snapshot and the policy document, so the same ledger and date always give the same calls — the
// default brain and the oracle the LLM brain is tested against.
import type { Brain, SpecialistDecision, SpecialistName } from "./brain.ts";
import { decideCashApplication } from "./cash-application/index.ts";
import { decideCollection } from "./collection/index.ts";
import { decideDisputes } from "./dispute/index.ts";
import { decideForecast } from "./forecasting/index.ts";
import { classifyWithRules } from "./inbound/classify.ts";

export const rulesBrain: Brain = {
  name: "rules",
  classifyReply: async (reply) => classifyWithRules(reply),
  decide(specialist: SpecialistName, snapshot, policy, context): SpecialistDecision {
    switch (specialist) {
      case "cash_application": {
        const decision = decideCashApplication(snapshot, policy);
        return { calls: decision.calls, notes: decision.notes };
      }
      case "dispute": {
        const decision = decideDisputes(snapshot, policy);
        const calls = decision.calls.map((call) =>
          decision.dependsOn[call.key] ? { ...call, dependsOn: decision.dependsOn[call.key] } : call,
        );
        return { calls, notes: decision.notes };
      }
      case "collection": {
        const decision = decideCollection(snapshot, policy, { payDateModel: context?.payDateModel });
        return { calls: decision.calls, notes: decision.notes };
      }
      case "forecasting": {
        const decision = decideForecast(snapshot, context?.payDateModel);
        return { calls: decision.calls, notes: decision.notes };
      }
    }
  },
};
