// Choosing the brain and the model from the environment: defaults, and every bad value named.
import { describe, expect, it } from "vitest";
import { brainConfigFromEnv } from "../../agents/llm/config.ts";
import { brainFromEnv } from "../../server/brain.ts";

describe("brain configuration", () => {
  it("is the rules brain when no model is configured", () => {
    expect(brainConfigFromEnv({})).toEqual({ brain: "rules", model: null });
    expect(brainFromEnv({}).name).toBe("rules");
    expect(
      brainConfigFromEnv({ ARC_MODEL: "gpt-4o-mini", ARC_BRAIN: "rules", OPENAI_API_KEY: "k" }).brain,
    ).toBe("rules");
  });

  it("is the LLM brain when a model is set, with defaults and the known price", () => {
    const config = brainConfigFromEnv({ ARC_MODEL: "gpt-4o-mini", OPENAI_API_KEY: "sk-1" });
    expect(config).toEqual({
      brain: "llm",
      model: {
        model: "gpt-4o-mini",
        baseUrl: null,
        apiKey: "sk-1",
        timeoutMs: 30_000,
        maxRetries: 3,
        retryBaseMs: 500,
        concurrency: 4,
        structuredOutput: "functionCalling",
        price: { inputPerMillion: 0.15, outputPerMillion: 0.6 },
      },
    });
    expect(brainFromEnv({ ARC_MODEL: "gpt-4o-mini", OPENAI_API_KEY: "sk-1" }).name).toBe("llm:gpt-4o-mini");
  });

  it("a local endpoint needs no key; an unknown model has no price unless one is given", () => {
    const local = brainConfigFromEnv({
      ARC_MODEL: "llama3.1:8b",
      OPENAI_BASE_URL: "http://127.0.0.1:11434/v1",
    });
    expect(local.model).toMatchObject({ apiKey: null, baseUrl: "http://127.0.0.1:11434/v1", price: null });
    const priced = brainConfigFromEnv({
      ARC_MODEL: "llama3.1:8b",
      OPENAI_BASE_URL: "http://127.0.0.1:11434/v1",
      ARC_MODEL_PRICE: "0,0",
      ARC_LLM_CONCURRENCY: "1",
      ARC_LLM_STRUCTURED_OUTPUT: "json_schema",
    });
    expect(priced.model).toMatchObject({
      price: { inputPerMillion: 0, outputPerMillion: 0 },
      concurrency: 1,
      structuredOutput: "jsonSchema",
    });
  });

  it.each([
    [{ ARC_BRAIN: "gpt" }, 'ARC_BRAIN: expected "rules" or "llm", got "gpt"'],
    [{ ARC_BRAIN: "llm" }, "ARC_MODEL: the LLM brain needs a model name"],
    [{ ARC_MODEL: "gpt-4o" }, "OPENAI_API_KEY: not set"],
    [
      { ARC_MODEL: "m", OPENAI_BASE_URL: "localhost:11434" },
      'OPENAI_BASE_URL: expected an http(s) URL, got "localhost:11434"',
    ],
    [
      { ARC_MODEL: "m", OPENAI_API_KEY: "k", ARC_LLM_TIMEOUT_MS: "fast" },
      'ARC_LLM_TIMEOUT_MS: expected a whole number from 100 to 600000, got "fast"',
    ],
    [
      { ARC_MODEL: "m", OPENAI_API_KEY: "k", ARC_LLM_CONCURRENCY: "0" },
      "ARC_LLM_CONCURRENCY: expected a whole number from 1 to 256",
    ],
    [
      { ARC_MODEL: "m", OPENAI_API_KEY: "k", ARC_MODEL_PRICE: "cheap" },
      'ARC_MODEL_PRICE: expected "input,output"',
    ],
    [
      { ARC_MODEL: "m", OPENAI_API_KEY: "k", ARC_LLM_STRUCTURED_OUTPUT: "xml" },
      "ARC_LLM_STRUCTURED_OUTPUT: expected",
    ],
  ])("refuses %j naming the variable", (env, message) => {
    expect(() => brainConfigFromEnv(env)).toThrow(message);
  });
});
