// MCP read-tool latency over Streamable HTTP: the API server (with /mcp) on a real socket over a demo
// ledger, and `clients` concurrent MCP sessions (the SDK's own client), each calling a read tool
// `callsPerClient` times back to back. Reports p50 / p90 / p99 per call and calls per second.
// Benchmarks measure and print; they never assert.

import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { asc } from "drizzle-orm";
import pino from "pino";
import { rulesBrain } from "../agents/rules-brain.ts";
import { type Database, openDatabase } from "../db/connection.ts";
import { generateDemoPortfolio } from "../db/demo/generate.ts";
import { customers } from "../db/schema.ts";
import { DEFAULT_POLICY } from "../policies/index.ts";
import { createApi } from "../server/api/index.ts";
import { createApiKey } from "../server/api-keys.ts";
import type { Arc } from "../server/context.ts";
import { ALL_TOOLS } from "../tools/registry.ts";
import { ToolRunner } from "../tools/runner.ts";

export interface McpBenchOptions {
  customers: number;
  clients: number;
  callsPerClient: number;
  seed: number;
  /** A PostgreSQL server to bench on (a scratch database is made); default the embedded database. */
  databaseUrl?: string;
}

export interface McpBenchResult {
  database: string;
  tool: string;
  clients: number;
  calls: number;
  errors: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  callsPerSecond: number;
}

/** The q-quantile of sorted values, nearest rank. */
function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

export async function benchMcpOn(
  label: string,
  database: Database,
  options: McpBenchOptions,
): Promise<McpBenchResult[]> {
  const asOf = new Date().toISOString().slice(0, 10);
  await generateDemoPortfolio(database.db, { customers: options.customers, seed: options.seed, asOf });
  const runner = new ToolRunner({ db: database.db, policy: DEFAULT_POLICY, tools: ALL_TOOLS });
  const arc: Arc = { database, policy: DEFAULT_POLICY, runner, brain: rulesBrain, close: async () => {} };
  const { secret } = await createApiKey(database.db, { name: "mcp-bench", role: "collector" }, "bench");
  const ids = (
    await database.db.select({ id: customers.id }).from(customers).orderBy(asc(customers.externalRef))
  ).map((c) => c.id);
  const api = createApi(arc, { logger: pino({ level: "silent" }) });
  const server = serve({ fetch: api.app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
  try {
    const clients = await Promise.all(
      Array.from({ length: options.clients }, async () => {
        const transport = new StreamableHTTPClientTransport(url, {
          requestInit: { headers: { Authorization: `Bearer ${secret}` } },
        });
        const client = new Client({ name: "arc-bench", version: "1.0.0" });
        await client.connect(transport);
        return { client, transport };
      }),
    );
    const results: McpBenchResult[] = [];
    const workloads: { tool: string; args: (i: number) => Record<string, unknown> }[] = [
      { tool: "account_overview", args: (i) => ({ customerId: ids[i % ids.length]! }) },
      { tool: "search_customers", args: (i) => ({ query: String.fromCharCode(97 + (i % 26)), limit: 20 }) },
    ];
    for (const workload of workloads) {
      const latencies: number[] = [];
      let errors = 0;
      const started = performance.now();
      await Promise.all(
        clients.map(async ({ client }, c) => {
          for (let k = 0; k < options.callsPerClient; k++) {
            const t0 = performance.now();
            const result = await client.callTool({
              name: workload.tool,
              arguments: workload.args(c * options.callsPerClient + k),
            });
            latencies.push(performance.now() - t0);
            if (result.isError) errors++;
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      results.push({
        database: label,
        tool: workload.tool,
        clients: options.clients,
        calls: latencies.length,
        errors,
        p50Ms: percentile(latencies, 0.5),
        p90Ms: percentile(latencies, 0.9),
        p99Ms: percentile(latencies, 0.99),
        callsPerSecond: latencies.length / seconds,
      });
    }
    for (const { transport, client } of clients) {
      await transport.terminateSession();
      await client.close();
    }
    return results;
  } finally {
    await api.mcp.closeAll();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    });
  }
}

/** On a fresh embedded database in a temporary folder. */
export async function benchMcp(options: McpBenchOptions): Promise<McpBenchResult[]> {
  const dataDir = mkdtempSync(join(tmpdir(), "arc-mcp-bench-"));
  try {
    const database = await openDatabase({ dataDir });
    try {
      return await benchMcpOn("embedded", database, options);
    } finally {
      await database.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function describeMcpBench(r: McpBenchResult): { database: string; metric: string; value: string } {
  return {
    database: r.database,
    metric: `MCP ${r.tool} over Streamable HTTP, ${r.clients} concurrent sessions, ${r.calls} calls${r.errors ? ` (${r.errors} errors)` : ""}`,
    value: `p50 ${r.p50Ms.toFixed(1)} ms, p90 ${r.p90Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, ${Math.round(r.callsPerSecond)} calls/s`,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const options = {
    customers: arg("customers", 2000),
    clients: arg("clients", 20),
    callsPerClient: arg("calls", 50),
    seed: arg("seed", 7),
  };
  console.log(
    `$ npx tsx evals/mcp-bench.ts --customers ${options.customers} --clients ${options.clients} --calls ${options.callsPerClient} --seed ${options.seed}`,
  );
  for (const r of await benchMcp(options)) {
    const line = describeMcpBench(r);
    console.log(`${line.database}  ${line.metric}: ${line.value}`);
  }
}
