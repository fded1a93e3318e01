// The ARC wiring tests use, on this file's test database: a runner with a fixed clock, and the Arc
// object server code (runAccounts, decideAction) takes.
import { rulesBrain } from "../../agents/rules-brain.ts";
import { DEFAULT_POLICY } from "../../policies/index.ts";
import type { Arc } from "../../server/context.ts";
import { ALL_TOOLS } from "../../tools/registry.ts";
import { ToolRunner } from "../../tools/runner.ts";
import type { useTestDatabase } from "./db.ts";

type Handle = ReturnType<typeof useTestDatabase>;

export function testRunner(database: Handle, now?: string): ToolRunner {
  return new ToolRunner({
    db: database.current.db,
    policy: DEFAULT_POLICY,
    tools: ALL_TOOLS,
    ...(now ? { clock: () => new Date(now) } : {}),
  });
}

export function testArc(database: Handle, now?: string): Arc {
  return {
    database: database.current,
    policy: DEFAULT_POLICY,
    policySource: { kind: "default" },
    runner: testRunner(database, now),
    brain: rulesBrain,
    close: async () => {},
  };
}
