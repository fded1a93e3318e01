// MCP over Streamable HTTP at /mcp, on the API's Hono app. Every request carries an API key
// (Authorization: Bearer …), like the REST API; a session is bound to the key that opened it, so
// another key cannot ride on it. One McpServer and one transport per session (stateful): the SDK's
// servers hold a single transport, and sessions let the client resume a stream. Idle sessions are
// closed after SESSION_IDLE_MS, and at most MAX_SESSIONS are open at once.
import { randomUUID } from "node:crypto";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import type { Context, Hono } from "hono";
import type { ApiKey } from "../../db/schema.ts";
import type { Caller } from "../../policies/types.ts";
import { authenticateApiKey } from "../api-keys.ts";
import type { Arc } from "../context.ts";
import { createMcpServer } from "./server.ts";

export const MCP_PATH = "/mcp";
export const SESSION_IDLE_MS = 30 * 60_000;
export const MAX_SESSIONS = 1_000;

/** The runner's caller for an assistant using a key: kind "mcp" (propose-only by policy), the key's role. */
export function mcpCaller(key: Pick<ApiKey, "name" | "prefix" | "role">): Caller {
  return { kind: "mcp", id: `${key.name}@${key.prefix}`, role: key.role };
}

interface Session {
  transport: WebStandardStreamableHTTPServerTransport;
  close: () => Promise<void>;
  keyId: string;
  lastSeen: number;
}

export interface McpSessions {
  /** Open sessions now (for /metrics and tests). */
  count(): number;
  /** Closes every session (server shutdown). */
  closeAll(): Promise<void>;
}

/** JSON-RPC error bodies, as MCP clients expect them, with the HTTP status that fits. */
function rpcError(c: Context, status: 400 | 401 | 403 | 404 | 503, message: string, code = -32000) {
  return c.json({ jsonrpc: "2.0", error: { code, message }, id: null }, status, {
    ...(status === 401 ? { "WWW-Authenticate": 'Bearer realm="arc"' } : {}),
  });
}

// biome-ignore lint/suspicious/noExplicitAny: mounts on the API's app whatever its Env type
export function mountMcp(app: Hono<any>, arc: Arc, now: () => number = Date.now): McpSessions {
  const sessions = new Map<string, Session>();

  const sweep = async () => {
    const cutoff = now() - SESSION_IDLE_MS;
    for (const [id, session] of sessions) {
      if (session.lastSeen < cutoff) {
        sessions.delete(id);
        await session.close();
      }
    }
  };

  app.all(MCP_PATH, async (c) => {
    c.set("route", MCP_PATH);
    const header = c.req.header("authorization") ?? "";
    const presented = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!presented) return rpcError(c, 401, "an API key is required: Authorization: Bearer <key>");
    const check = await authenticateApiKey(arc.database.db, presented);
    if (!check.ok) return rpcError(c, 401, `the API key is ${check.reason}`);
    await sweep();

    const sessionId = c.req.header("mcp-session-id");
    if (sessionId) {
      const session = sessions.get(sessionId);
      if (!session)
        return rpcError(c, 404, `no MCP session ${sessionId} (closed or expired): initialize a new one`);
      if (session.keyId !== check.key.id) {
        return rpcError(c, 403, "this MCP session was opened with another API key");
      }
      session.lastSeen = now();
      const response = await session.transport.handleRequest(c.req.raw);
      if (c.req.method === "DELETE") sessions.delete(sessionId);
      return response;
    }

    if (c.req.method !== "POST")
      return rpcError(c, 400, "no mcp-session-id header: initialize with a POST first");
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return rpcError(c, 400, "the body is not valid JSON", -32700);
    }
    const messages = Array.isArray(body) ? body : [body];
    if (!messages.some((m) => isInitializeRequest(m))) {
      return rpcError(c, 400, "no mcp-session-id header: the first request of a session must be initialize");
    }
    if (sessions.size >= MAX_SESSIONS) {
      return rpcError(c, 503, `too many open MCP sessions (${MAX_SESSIONS}); close one or retry later`);
    }

    const server = createMcpServer({ runner: () => arc.runner, caller: mcpCaller(check.key) });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, {
          transport,
          keyId: check.key.id,
          lastSeen: now(),
          close: async () => {
            await transport.close();
            await server.close();
          },
        });
      },
      onsessionclosed: (id) => {
        sessions.delete(id);
      },
    });
    await server.connect(transport);
    return transport.handleRequest(c.req.raw, { parsedBody: body });
  });

  return {
    count: () => sessions.size,
    async closeAll() {
      const all = [...sessions.values()];
      sessions.clear();
      for (const session of all) await session.close();
    },
  };
}
