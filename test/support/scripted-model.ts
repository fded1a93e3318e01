// A local OpenAI-compatible HTTP server for tests: the real ChatOpenAI client talks to it over a
// socket, and each test scripts what "the model" answers — structured output (as a tool call when
// the request offers tools, as JSON content otherwise), plain content, HTTP errors, slow replies.
// Every request is kept, so tests can read exactly what ARC sent (e.g. that customer text arrived as
// labelled data, never as the instructions).
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ModelConfig } from "../../agents/llm/config.ts";

export type ScriptedReply =
  /** Structured output: a tool call to the offered function, or JSON content for response_format. */
  | { json: unknown; delayMs?: number; usage?: { prompt: number; completion: number } }
  /** A plain assistant message. */
  | { content: string; delayMs?: number }
  /** An HTTP error, e.g. 429 with a Retry-After header or a 500. */
  | { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number };

export interface RecordedRequest {
  model: string;
  messages: { role: string; content: unknown }[];
  tools?: { function: { name: string; parameters: unknown } }[];
  tool_choice?: unknown;
  response_format?: unknown;
  authorization: string | undefined;
  /** The text of every message, joined, for quick assertions. */
  text: string;
}

export interface ScriptedModel {
  url: string;
  requests: RecordedRequest[];
  /** Queue replies; each request takes the next one. */
  push(...replies: ScriptedReply[]): void;
  /** Answer from this function instead of the queue when the queue is empty. */
  fallback(answer: ((request: RecordedRequest) => ScriptedReply) | null): void;
  /** Most requests in flight at once since the start or the last reset. */
  maxInFlight(): number;
  /** Forget recorded requests, queued replies, the fallback answer and the in-flight peak. */
  reset(): void;
  remaining(): number;
  close(): Promise<void>;
}

export async function startScriptedModel(): Promise<ScriptedModel> {
  const queue: ScriptedReply[] = [];
  const requests: RecordedRequest[] = [];
  let answer: ((request: RecordedRequest) => ScriptedReply) | null = null;
  let inFlight = 0;
  let peak = 0;
  let counter = 0;

  // Requests still sleeping from an earlier test (the client gave up) do not count after a reset.
  let generation = 0;
  const server: Server = createServer(async (req, res) => {
    const mine = generation;
    inFlight++;
    peak = Math.max(peak, inFlight);
    try {
      if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
        return;
      }
      const body = JSON.parse(await readBody(req)) as Omit<RecordedRequest, "authorization" | "text">;
      const recorded: RecordedRequest = {
        ...body,
        authorization: req.headers.authorization,
        text: body.messages
          .map((m) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content)))
          .join("\n"),
      };
      requests.push(recorded);
      const reply = queue.shift() ?? answer?.(recorded);
      if (!reply) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: "the scripted model has no reply queued" } }));
        return;
      }
      if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
      if (res.destroyed) return; // the client gave up (timeout)
      if ("status" in reply) {
        res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
        res.end(
          JSON.stringify(
            reply.body ?? { error: { message: `scripted ${reply.status}`, type: "server_error" } },
          ),
        );
        return;
      }
      const id = `chatcmpl-${++counter}`;
      const usage =
        "json" in reply && reply.usage
          ? reply.usage
          : { prompt: Math.ceil(recorded.text.length / 4), completion: 40 };
      let message: Record<string, unknown>;
      let finish = "stop";
      if ("json" in reply && body.tools?.length) {
        const name = body.tools[0]!.function.name;
        message = {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: `call_${counter}`,
              type: "function",
              function: { name, arguments: JSON.stringify(reply.json) },
            },
          ],
        };
        finish = "tool_calls";
      } else {
        message = {
          role: "assistant",
          content: "json" in reply ? JSON.stringify(reply.json) : reply.content,
        };
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          id,
          object: "chat.completion",
          created: Math.floor(Date.now() / 1000),
          model: body.model,
          choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
          usage: {
            prompt_tokens: usage.prompt,
            completion_tokens: usage.completion,
            total_tokens: usage.prompt + usage.completion,
          },
        }),
      );
    } finally {
      if (mine === generation) inFlight--;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    push: (...replies) => queue.push(...replies),
    fallback: (fn) => {
      answer = fn;
    },
    maxInFlight: () => peak,
    reset: () => {
      requests.length = 0;
      queue.length = 0;
      answer = null;
      generation++;
      inFlight = 0;
      peak = 0;
    },
    remaining: () => queue.length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** The LLM brain's settings for a test against this server: one attempt, short timeout, no price. */
export function localModelConfig(url: string, overrides: Partial<ModelConfig> = {}): ModelConfig {
  return {
    model: "local-llama",
    baseUrl: url,
    apiKey: null,
    timeoutMs: 2_000,
    maxRetries: 0,
    retryBaseMs: 1,
    concurrency: 2,
    structuredOutput: "functionCalling",
    price: null,
    ...overrides,
  };
}
