// The API in-process for tests: one app per test file over the file's database (Hono's app.request,
// no sockets), a key per role, and logs captured as parsed JSON lines.
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll } from "vitest";
import type { Role } from "../../../db/schema.ts";
import type { Caller } from "../../../policies/types.ts";
import { type Api, createApi } from "../../../server/api/index.ts";
import { createApiKey } from "../../../server/api-keys.ts";
import type { Arc } from "../../../server/context.ts";
import { testArc } from "../../support/arc.ts";
import { useTestDatabase } from "../../support/db.ts";

/** The runner's clock in API tests: approvals expire and tools judge relative to it. */
export const NOW = "2026-03-02T12:00:00.000Z";

export const ROLES_UNDER_TEST = ["admin", "collector", "viewer"] as const satisfies readonly Role[];

/** A person using the API as `role`, for arranging approvals through the runner. */
export const apiPerson = (role: Role): Caller => ({ kind: "api", id: `tester-${role}`, role });

export interface RequestOptions {
  /** Which key to send; "none" sends no Authorization header. */
  as?: Role | "none";
  /** A JSON body (serialised), or a string sent as-is with `contentType`. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /** Send exactly this Authorization header. */
  authorization?: string;
}

export function useApi() {
  const database = useTestDatabase();
  let arc: Arc | undefined;
  let api: Api | undefined;
  const keys = {} as Record<Role, string>;
  const logLines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    arc = testArc(database, NOW);
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split("\n").filter(Boolean)) logLines.push(JSON.parse(line));
        done();
      },
    });
    api = createApi(arc, { logger: pino({ level: "info" }, sink), runPollMs: 50 });
    for (const role of ROLES_UNDER_TEST) {
      keys[role] = (
        await createApiKey(database.current.db, { name: `test-${role}`, role }, "test:setup")
      ).secret;
    }
  });
  // Registered after the database's own afterAll, so it runs first: runs finish before it closes.
  afterAll(async () => {
    await api?.runs.settled();
  });

  async function request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { ...options.headers };
    const as = options.as ?? "admin";
    if (options.authorization !== undefined) headers.authorization = options.authorization;
    else if (as !== "none") headers.authorization = `Bearer ${keys[as]}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
      headers["content-type"] = options.contentType ?? "application/json";
    }
    return api!.app.request(path, { method, headers, ...(body !== undefined ? { body } : {}) });
  }

  return {
    database,
    keys,
    logLines,
    get arc() {
      return arc!;
    },
    get api() {
      return api!;
    },
    request,
    /** The JSON of a response that must have `status`. */
    async json<T = Record<string, unknown>>(response: Response, status: number): Promise<T> {
      const text = await response.text();
      if (response.status !== status) {
        throw new Error(`expected ${status}, got ${response.status}: ${text}`);
      }
      return JSON.parse(text) as T;
    },
  };
}

export interface ApiErrorJson {
  code: string;
  message: string;
  details?: Record<string, unknown>;
  requestId: string;
}

/** The `error` of an error response's body. */
export async function errorOf(response: Response): Promise<ApiErrorJson> {
  return ((await response.json()) as { error: ApiErrorJson }).error;
}

/** Reads a server-sent event stream to its end: each event's name and parsed data. */
export async function readEvents(
  response: Response,
): Promise<{ event: string; data: Record<string, unknown> }[]> {
  const text = await response.text();
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const lines = block.split("\n");
      const event =
        lines
          .find((l) => l.startsWith("event:"))
          ?.slice(6)
          .trim() ?? "message";
      const data = lines
        .filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).trim())
        .join("\n");
      return { event, data: JSON.parse(data) as Record<string, unknown> };
    });
}
