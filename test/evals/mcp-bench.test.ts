// The MCP latency bench works end to end at a tiny scale: sessions open over HTTP, every call
// answers without an error, and the counts add up. (Timing is the bench's to print, not a test's.)
import { describe, expect, it } from "vitest";
import { benchMcpOn, describeMcpBench } from "../../evals/mcp-bench.ts";
import { useTestDatabase } from "../support/db.ts";

const database = useTestDatabase();

describe("MCP bench", { timeout: 120_000 }, () => {
  it("runs every workload over concurrent sessions without errors", async () => {
    const results = await benchMcpOn("test", database.current, {
      customers: 6,
      clients: 3,
      callsPerClient: 2,
      seed: 1,
    });
    expect(results.map((r) => r.tool)).toEqual(["account_overview", "search_customers"]);
    for (const r of results) {
      expect(r).toMatchObject({ clients: 3, calls: 6, errors: 0 });
      expect(r.p50Ms).toBeLessThanOrEqual(r.p99Ms);
      expect(describeMcpBench(r).metric).toMatch(/3 concurrent sessions, 6 calls$/);
    }
  });
});
