// The one place ARC talks to a language model: ChatOpenAI (any OpenAI-compatible endpoint) asked for
// structured output validated by a zod schema. Instructions go in the system message; everything the
// account or the customer supplied goes in the user message as labelled JSON data, with "<" escaped
// so no text can close its label and pose as instructions. Transient failures (429, 5xx, timeouts,
// dropped connections) are retried with exponential backoff and jitter, honouring Retry-After; the
// concurrency cap counts requests in flight across every caller of this client (a backoff wait does
// not hold a slot).
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import type { ChatOpenAI } from "@langchain/openai";
import type { z } from "zod";
import type { ModelConfig } from "./config.ts";
import type { ModelUsage } from "./usage.ts";

/** The model could not give a usable answer (after retries); callers fall back to the rules brain. */
export class ModelError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly attempts: number,
  ) {
    super(message);
    this.name = "ModelError";
  }
}

export interface StructuredRequest<T> {
  /** Names the call in usage and logs: "draft", "choose", "classify_reply". */
  task: string;
  /** The instructions. Never contains customer text. */
  instructions: string;
  /** The data the instructions refer to, by label; serialised as JSON. */
  data: Record<string, unknown>;
  schema: z.ZodType<T>;
  /** The output's name as the model sees it (the function name under function calling). */
  outputName: string;
  usage?: ModelUsage;
}

const MAX_RETRY_AFTER_MS = 30_000;

export class ModelClient {
  readonly model: string;
  // Loaded on the first request: the OpenAI client library is a large import that the rules brain,
  // and every `arc` command not asking a model, never needs.
  private chat: Promise<ChatOpenAI> | undefined;

  constructor(
    private readonly config: ModelConfig,
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    this.model = config.model;
    this.slots = new Slots(config.concurrency);
  }

  private chatModel(): Promise<ChatOpenAI> {
    const config = this.config;
    this.chat ??= import("@langchain/openai").then(
      ({ ChatOpenAI }) =>
        new ChatOpenAI({
          model: config.model,
          // Local endpoints accept any key; the client library insists on one.
          apiKey: config.apiKey ?? "not-needed",
          ...(config.baseUrl ? { configuration: { baseURL: config.baseUrl } } : {}),
          timeout: config.timeoutMs,
          maxRetries: 0,
          temperature: 0,
        }),
    );
    return this.chat;
  }

  private readonly slots: Slots;

  async structured<T>(request: StructuredRequest<T>): Promise<T> {
    const runnable = (await this.chatModel()).withStructuredOutput(request.schema, {
      name: request.outputName,
      method: this.config.structuredOutput,
      includeRaw: true,
    });
    const messages = [new SystemMessage(request.instructions), new HumanMessage(labelledData(request.data))];
    let attempt = 0;
    for (;;) {
      attempt++;
      try {
        const answer = (await this.slots.run(() => runnable.invoke(messages))) as {
          raw: RawAnswer;
          parsed: T | null;
          parsingError?: unknown;
        };
        const tokens = {
          input: answer.raw.usage_metadata?.input_tokens ?? 0,
          output: answer.raw.usage_metadata?.output_tokens ?? 0,
        };
        // On a parse failure ChatOpenAI hands back null; re-read the raw answer for a message that names the field.
        const parsed = request.schema.safeParse(answer.parsed ?? rawOutput(answer.raw));
        if (!parsed.success) {
          request.usage?.recordCall(request.task, tokens, attempt - 1);
          const issue = parsed.error.issues[0];
          throw new ModelError(
            `the model's answer does not fit ${request.outputName}: ${issue ? `${issue.path.join(".") || "(root)"}: ${issue.message}` : "no output"}`,
            false,
            attempt,
          );
        }
        request.usage?.recordCall(request.task, tokens, attempt - 1);
        return parsed.data;
      } catch (error) {
        if (error instanceof ModelError) throw error;
        const failure = classify(error);
        if (!failure.retryable || attempt > this.config.maxRetries) {
          request.usage?.recordFailure(request.task, attempt - 1);
          throw new ModelError(
            `${failure.message}${attempt > 1 ? ` (after ${attempt} attempts)` : ""}`,
            failure.retryable,
            attempt,
          );
        }
        const backoff = this.config.retryBaseMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
        await this.sleep(Math.min(failure.retryAfterMs ?? backoff, MAX_RETRY_AFTER_MS));
      }
    }
  }
}

/** The user message: each piece of data under its label, JSON-encoded, "<" escaped. */
export function labelledData(data: Record<string, unknown>): string {
  return Object.entries(data)
    .map(
      ([label, value]) =>
        `<${label}>\n${JSON.stringify(value, null, 1).replace(/</g, "\\u003c")}\n</${label}>`,
    )
    .join("\n\n");
}

interface Failure {
  message: string;
  retryable: boolean;
  retryAfterMs?: number;
}

function classify(error: unknown): Failure {
  const e = error as {
    status?: number;
    name?: string;
    message?: string;
    code?: string;
    error?: { code?: string };
    headers?: Headers | Record<string, string>;
  };
  const message = e?.message ?? String(error);
  const status = typeof e?.status === "number" ? e.status : undefined;
  if (status !== undefined) {
    const quota = e.code === "insufficient_quota" || e.error?.code === "insufficient_quota";
    const retryable = !quota && (status === 429 || status === 408 || status >= 500);
    const retryAfter = headerValue(e.headers, "retry-after");
    const seconds = retryAfter === undefined ? Number.NaN : Number(retryAfter);
    return {
      message: `model endpoint answered ${status}: ${message}`,
      retryable,
      ...(Number.isFinite(seconds) && seconds >= 0 ? { retryAfterMs: seconds * 1000 } : {}),
    };
  }
  const name = e?.name ?? "";
  if (/timeout/i.test(name) || /timed? ?out/i.test(message)) {
    return { message: `model request timed out: ${message}`, retryable: true };
  }
  if (/connection|ECONNREFUSED|ECONNRESET|fetch failed|socket/i.test(`${name} ${message}`)) {
    return { message: `could not reach the model endpoint: ${message}`, retryable: true };
  }
  // Anything else (a bug, an unparsable reply) is not going to get better by asking again.
  return { message: `model call failed: ${message}`, retryable: false };
}

function headerValue(
  headers: Headers | Record<string, string> | undefined,
  name: string,
): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string>;
  return record[name] ?? record[name.toLowerCase()];
}

/** At most `limit` tasks at once; the rest wait in arrival order. */
class Slots {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

interface RawAnswer {
  usage_metadata?: { input_tokens?: number; output_tokens?: number };
  tool_calls?: { args?: unknown }[];
  content?: unknown;
}

/** The structured answer as the model sent it: the forced tool call's arguments, or JSON content. */
function rawOutput(raw: RawAnswer): unknown {
  if (raw.tool_calls?.[0]?.args !== undefined) return raw.tool_calls[0].args;
  if (typeof raw.content !== "string") return null;
  try {
    return JSON.parse(raw.content);
  } catch {
    return null;
  }
}
