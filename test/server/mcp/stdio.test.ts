// `arc mcp` as a desktop assistant starts it: a child process speaking MCP on stdio, driven by the
// SDK's StdioClientTransport, against this file's database. Without a valid key it refuses to start.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { describe, expect, it } from "vitest";
import { generateDemoPortfolio } from "../../../db/demo/generate.ts";
import { createApiKey, revokeApiKey } from "../../../server/api-keys.ts";
import { PROPOSAL_TOOLS } from "../../../server/mcp/server.ts";
import { READ_TOOLS } from "../../../tools/registry.ts";
import { useTestDatabase } from "../../support/db.ts";

const database = useTestDatabase();
const ARC = join(import.meta.dirname, "../../../bin/arc.js");
const run = promisify(execFile);

function env(extra: Record<string, string>): Record<string, string> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
  return { ...base, DATABASE_URL: database.current.url, ...extra };
}

describe("arc mcp (stdio)", { timeout: 120_000 }, () => {
  it("serves the tools to an SDK client over stdio and answers a read", async () => {
    await generateDemoPortfolio(database.current.db, { customers: 8, seed: 2, asOf: "2026-03-02" });
    const { secret } = await createApiKey(database.current.db, { name: "desktop", role: "collector" }, "t");
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [ARC, "mcp"],
      env: env({ ARC_API_KEY: secret }),
      stderr: "pipe",
    });
    const client = new Client({ name: "desktop-test", version: "1.0.0" });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(
        [...READ_TOOLS.map((t) => t.name), ...PROPOSAL_TOOLS].sort(),
      );
      const result = await client.callTool({ name: "search_customers", arguments: { limit: 3 } });
      expect(result.isError).toBeFalsy();
      expect(
        (result.structuredContent as { status: string; data: { customers: unknown[] } }).data.customers,
      ).toHaveLength(3);
      const bad = await client.callTool({ name: "search_customers", arguments: { limit: "three" } });
      expect(bad.isError).toBe(true);
      expect(JSON.stringify(bad.content)).toMatch(/limit/);
    } finally {
      await client.close();
    }
  });

  it("refuses to start without a key, or with a revoked one, saying why", async () => {
    const missing = await run(process.execPath, [ARC, "mcp"], { env: env({ ARC_API_KEY: "" }) }).catch(
      (e) => e,
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/set ARC_API_KEY/);
    const { key, secret } = await createApiKey(database.current.db, { name: "old", role: "viewer" }, "t");
    await revokeApiKey(database.current.db, key.id, "t");
    const revoked = await run(process.execPath, [ARC, "mcp"], { env: env({ ARC_API_KEY: secret }) }).catch(
      (e) => e,
    );
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toMatch(/the API key is revoked/);
  });
});
