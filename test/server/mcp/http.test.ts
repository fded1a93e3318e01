// MCP over Streamable HTTP at /mcp on the API's own server (a real socket), with the SDK's client:
// keys required and roles respected, sessions bound to the key that opened them, many concurrent
// sessions, and sessions ended by the client.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateDemoPortfolio } from "../../../db/demo/generate.ts";
import { type Api, createApi } from "../../../server/api/index.ts";
import { createApiKey } from "../../../server/api-keys.ts";
import { PROPOSAL_TOOLS } from "../../../server/mcp/server.ts";
import { READ_TOOLS } from "../../../tools/registry.ts";
import { testArc } from "../../support/arc.ts";
import { useTestDatabase } from "../../support/db.ts";

const database = useTestDatabase();
const NOW = "2026-03-02T12:00:00.000Z";

describe("ARC over MCP (Streamable HTTP at /mcp)", { timeout: 120_000 }, () => {
  let api: Api;
  let url: URL;
  let stop: () => Promise<void>;
  const keys: Record<"collector" | "viewer" | "other", string> = { collector: "", viewer: "", other: "" };

  beforeAll(async () => {
    await generateDemoPortfolio(database.current.db, { customers: 10, seed: 4, asOf: "2026-03-02" });
    for (const [name, role] of [
      ["collector", "collector"],
      ["viewer", "viewer"],
      ["other", "collector"],
    ] as const) {
      keys[name] = (await createApiKey(database.current.db, { name: `mcp-${name}`, role }, "t")).secret;
    }
    api = createApi(testArc(database, NOW), { logger: pino({ level: "silent" }) });
    const server = serve({ fetch: api.app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
    stop = async () => {
      await api.mcp.closeAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    };
  });
  afterAll(async () => stop?.());

  async function connect(key: string) {
    const transport = new StreamableHTTPClientTransport(url, {
      requestInit: { headers: { Authorization: `Bearer ${key}` } },
    });
    const client = new Client({ name: "http-test", version: "1.0.0" });
    await client.connect(transport);
    return { client, transport };
  }

  it("refuses requests without a key or with a wrong one, as JSON-RPC errors with 401", async () => {
    const initialize = {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } },
    };
    const post = (headers: Record<string, string>) =>
      fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          ...headers,
        },
        body: JSON.stringify(initialize),
      });
    const none = await post({});
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/Bearer/);
    expect(await none.json()).toMatchObject({
      error: { message: expect.stringMatching(/API key is required/) },
    });
    const wrong = await post({ authorization: "Bearer arc_000000000000_nope" });
    expect(wrong.status).toBe(401);
    await expect(connect("arc_000000000000_nope")).rejects.toThrow();
  });

  it("gives a collector read tools and proposals, a viewer read tools only", async () => {
    const collector = await connect(keys.collector);
    expect((await collector.client.listTools()).tools.map((t) => t.name).sort()).toEqual(
      [...READ_TOOLS.map((t) => t.name), ...PROPOSAL_TOOLS].sort(),
    );
    const viewer = await connect(keys.viewer);
    expect((await viewer.client.listTools()).tools.map((t) => t.name).sort()).toEqual(
      READ_TOOLS.map((t) => t.name).sort(),
    );
    const read = await viewer.client.callTool({ name: "portfolio_summary", arguments: {} });
    expect(read.isError).toBeFalsy();
    await collector.client.close();
    await viewer.client.close();
  });

  it("binds a session to its key: another key gets 403 and an unknown session 404", async () => {
    const { client, transport } = await connect(keys.collector);
    const sessionId = transport.sessionId!;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const list = (key: string, session: string) =>
      fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          authorization: `Bearer ${key}`,
          "mcp-session-id": session,
          "mcp-protocol-version": "2025-06-18",
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/list" }),
      });
    expect((await list(keys.other, sessionId)).status).toBe(403);
    expect((await list(keys.collector, "11111111-1111-4111-8111-111111111111")).status).toBe(404);
    expect((await list(keys.collector, sessionId)).status).toBe(200);
    await transport.terminateSession();
    expect((await list(keys.collector, sessionId)).status).toBe(404);
    await client.close();
  });

  it("serves many concurrent sessions, each its own", async () => {
    const before = api.mcp.count();
    const clients = await Promise.all(Array.from({ length: 20 }, () => connect(keys.collector)));
    expect(api.mcp.count()).toBe(before + 20);
    const results = await Promise.all(
      clients.map(({ client }, i) =>
        client.callTool({ name: "search_customers", arguments: { limit: 1 + (i % 5) } }),
      ),
    );
    results.forEach((result, i) => {
      expect(result.isError).toBeFalsy();
      expect((result.structuredContent as { data: { customers: unknown[] } }).data.customers).toHaveLength(
        1 + (i % 5),
      );
    });
    await Promise.all(clients.map(({ transport }) => transport.terminateSession()));
    await Promise.all(clients.map(({ client }) => client.close()));
    expect(api.mcp.count()).toBe(before);
  });
});
