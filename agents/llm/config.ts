// Which brain runs and, for the LLM brain, which model and how it is called: read from the
// environment once (server/cli) and passed down, so agents never read process.env themselves.
import type { ModelPrice } from "./usage.ts";

export type BrainChoice = "rules" | "llm";

export interface ModelConfig {
  model: string;
  /** OPENAI_BASE_URL: any OpenAI-compatible endpoint (Ollama, vLLM, LM Studio); default OpenAI's. */
  baseUrl: string | null;
  apiKey: string | null;
  /** Per request. */
  timeoutMs: number;
  /** Retries after the first attempt, on 429, 5xx, timeouts and connection errors. */
  maxRetries: number;
  /** First backoff; doubled per retry with jitter; a Retry-After header wins (up to 30 s). */
  retryBaseMs: number;
  /** Requests in flight at once, across the whole process. */
  concurrency: number;
  /** How structured output is asked for: a forced tool call (widest support) or response_format. */
  structuredOutput: "functionCalling" | "jsonSchema";
  /** Null when the price is unknown: tokens are still counted, cost is reported as unknown. */
  price: ModelPrice | null;
}

export interface BrainConfig {
  brain: BrainChoice;
  model: ModelConfig | null;
}

/** Published list prices (USD per 1M tokens) of common hosted models; ARC_MODEL_PRICE overrides. */
const KNOWN_PRICES: Record<string, ModelPrice> = {
  "gpt-4o-mini": { inputPerMillion: 0.15, outputPerMillion: 0.6 },
  "gpt-4o": { inputPerMillion: 2.5, outputPerMillion: 10 },
  "gpt-4.1": { inputPerMillion: 2, outputPerMillion: 8 },
  "gpt-4.1-mini": { inputPerMillion: 0.4, outputPerMillion: 1.6 },
  "gpt-4.1-nano": { inputPerMillion: 0.1, outputPerMillion: 0.4 },
};

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = "ConfigError";
  }
}

/**
 * ARC_BRAIN=rules|llm (default: llm when ARC_MODEL is set, else rules); ARC_MODEL, OPENAI_API_KEY,
 * OPENAI_BASE_URL; ARC_LLM_TIMEOUT_MS (30000), ARC_LLM_MAX_RETRIES (3), ARC_LLM_RETRY_BASE_MS (500),
 * ARC_LLM_CONCURRENCY (4), ARC_LLM_STRUCTURED_OUTPUT (function_calling|json_schema),
 * ARC_MODEL_PRICE ("input,output" USD per million tokens).
 */
export function brainConfigFromEnv(env: Record<string, string | undefined>): BrainConfig {
  const text = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : null;
  };
  const model = text("ARC_MODEL");
  const requested = text("ARC_BRAIN");
  if (requested !== null && requested !== "rules" && requested !== "llm") {
    throw new ConfigError("ARC_BRAIN", `expected "rules" or "llm", got ${JSON.stringify(requested)}`);
  }
  const brain: BrainChoice = (requested as BrainChoice | null) ?? (model ? "llm" : "rules");
  if (brain === "rules") return { brain, model: null };
  if (!model) {
    throw new ConfigError(
      "ARC_MODEL",
      "the LLM brain needs a model name (e.g. ARC_MODEL=gpt-4o-mini, or a local model with OPENAI_BASE_URL)",
    );
  }
  const baseUrl = text("OPENAI_BASE_URL");
  if (baseUrl !== null && !/^https?:\/\/\S+$/.test(baseUrl)) {
    throw new ConfigError("OPENAI_BASE_URL", `expected an http(s) URL, got ${JSON.stringify(baseUrl)}`);
  }
  const apiKey = text("OPENAI_API_KEY");
  if (!apiKey && !baseUrl) {
    throw new ConfigError(
      "OPENAI_API_KEY",
      "not set; the OpenAI API needs a key (a local endpoint set with OPENAI_BASE_URL may not)",
    );
  }
  const integer = (name: string, fallback: number, min: number, max: number) => {
    const raw = text(name);
    if (raw === null) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(
        name,
        `expected a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`,
      );
    }
    return value;
  };
  const structured = text("ARC_LLM_STRUCTURED_OUTPUT") ?? "function_calling";
  if (structured !== "function_calling" && structured !== "json_schema") {
    throw new ConfigError(
      "ARC_LLM_STRUCTURED_OUTPUT",
      `expected "function_calling" or "json_schema", got ${JSON.stringify(structured)}`,
    );
  }
  return {
    brain,
    model: {
      model,
      baseUrl,
      apiKey,
      timeoutMs: integer("ARC_LLM_TIMEOUT_MS", 30_000, 100, 600_000),
      maxRetries: integer("ARC_LLM_MAX_RETRIES", 3, 0, 10),
      retryBaseMs: integer("ARC_LLM_RETRY_BASE_MS", 500, 0, 60_000),
      concurrency: integer("ARC_LLM_CONCURRENCY", 4, 1, 256),
      structuredOutput: structured === "json_schema" ? "jsonSchema" : "functionCalling",
      price: priceFor(model, text("ARC_MODEL_PRICE")),
    },
  };
}

function priceFor(model: string, configured: string | null): ModelPrice | null {
  if (configured !== null) {
    const parts = configured.split(",").map((p) => Number(p.trim()));
    if (parts.length !== 2 || parts.some((p) => !Number.isFinite(p) || p < 0)) {
      throw new ConfigError(
        "ARC_MODEL_PRICE",
        `expected "input,output" in US dollars per million tokens (e.g. "0.15,0.60"), got ${JSON.stringify(configured)}`,
      );
    }
    return { inputPerMillion: parts[0]!, outputPerMillion: parts[1]! };
  }
  return KNOWN_PRICES[model] ?? null;
}
