// Which brain decides, from the environment (agents/llm/config.ts reads the variables): the rules
// brain unless a model is configured. One LLM brain per ARC instance, so its concurrency cap holds
// across every run, approval resume and inbound reply the process handles.
import type { Brain } from "../agents/brain.ts";
import { ModelClient } from "../agents/llm/client.ts";
import { brainConfigFromEnv } from "../agents/llm/config.ts";
import { createLlmBrain } from "../agents/llm-brain.ts";
import { rulesBrain } from "../agents/rules-brain.ts";

export function brainFromEnv(env: Record<string, string | undefined> = process.env): Brain {
  const config = brainConfigFromEnv(env);
  if (config.brain === "rules" || !config.model) return rulesBrain;
  return createLlmBrain(new ModelClient(config.model), config.model);
}
