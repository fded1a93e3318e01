// The LLM brain: the rules brain's plan, improved where language and judgment help. For the
// collection specialist it lets the model choose among the policy-allowed next actions (judgment.ts)
// and personalises the messages (drafting.ts); the other specialists — matching payments, dispute
// routing, forecasts — stay the rules brain's, which is where determinism matters most. Any model
// failure (timeout, 5xx after retries, an answer that does not fit the schema, a draft the policy
// judges worse) leaves that part of the decision to the rules brain, with a note and a count in the
// run's model usage. Whatever the model says, every call still goes through the runner's policy.
import type { PolicyDocument } from "../policies/index.ts";
import type { AccountSnapshot, PlannedCall } from "../tools/read/account-snapshot-types.ts";
import type { Brain, BrainContext, SpecialistDecision, SpecialistName } from "./brain.ts";
import { classifyWithModelOrRules } from "./inbound/classify.ts";
import type { ModelClient } from "./llm/client.ts";
import type { ModelConfig } from "./llm/config.ts";
import { draftMessage } from "./llm/drafting.ts";
import { chooseNextAction } from "./llm/judgment.ts";
import { ModelUsage } from "./llm/usage.ts";
import { rulesBrain } from "./rules-brain.ts";

const DRAFTED_CHANNELS = new Set(["email", "sms", "letter"]);

export function createLlmBrain(client: ModelClient, config: Pick<ModelConfig, "price">): Brain {
  return {
    name: `llm:${client.model}`,
    createUsage: () => new ModelUsage(client.model, config.price),
    classifyReply: (reply, usage) => classifyWithModelOrRules(client, reply, usage),
    async decide(
      specialist: SpecialistName,
      snapshot: AccountSnapshot,
      policy: PolicyDocument,
      context: BrainContext = {},
    ): Promise<SpecialistDecision> {
      const base = await rulesBrain.decide(specialist, snapshot, policy, context);
      if (specialist !== "collection") return base;
      const notes = [...base.notes];
      let calls = base.calls;
      const fallback = (task: string, error: unknown, what: string) => {
        const reason = error instanceof Error ? error.message : String(error);
        context.usage?.recordFallback({ task, customerId: snapshot.customer.id, reason });
        notes.push(`llm: ${what} fell back to the rules brain (${reason})`);
      };

      try {
        const judged = await chooseNextAction(
          client,
          calls,
          snapshot,
          policy,
          context.preview,
          context.usage,
        );
        calls = judged.calls;
        notes.push(...judged.notes.map((n) => `llm: ${n}`));
      } catch (error) {
        fallback("choose", error, "choosing the next action");
      }

      const drafted: PlannedCall[] = [];
      for (const call of calls) {
        if (
          call.tool !== "send_message" ||
          call.input.purpose !== "collection" ||
          !DRAFTED_CHANNELS.has(String(call.input.channel))
        ) {
          drafted.push(call);
          continue;
        }
        try {
          const outcome = await draftMessage(client, call, snapshot, policy, context.preview, context.usage);
          if (!outcome.drafted)
            context.usage?.recordFallback({
              task: "draft",
              customerId: snapshot.customer.id,
              reason: outcome.note,
            });
          notes.push(`llm: ${outcome.note}`);
          drafted.push(outcome.call);
        } catch (error) {
          fallback("draft", error, "drafting the message");
          drafted.push(call);
        }
      }
      return { calls: drafted, notes };
    },
  };
}
