// `arc tools` and `arc approvals`: the tool runner from a shell, for operators and developers. The
// shell user acts as an admin caller of kind "cli"; every call still goes through policy and audit.
import { userInfo } from "node:os";
import type { Command } from "commander";
import type { Caller } from "../../policies/types.ts";
import type { Decision, ToolResult } from "../../tools/runner.ts";
import { decideAction } from "../approvals.ts";
import { openArc } from "../context.ts";

export const CLI_CALLER: Caller = { kind: "cli", id: safeUser(), role: "admin" };

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "operator";
  }
}

/** The output of a read call, or an Error that says why there is none. */
export function expectOk<O>(result: ToolResult): O {
  if (result.status === "ok" || result.status === "executed") return result.output as O;
  if (result.status === "invalid") {
    throw new Error(`invalid input: ${result.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
  }
  throw new Error(`tool call ended ${result.status}: ${JSON.stringify(result)}`);
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}

export function registerToolCommands(program: Command): void {
  const tools = program
    .command("tools")
    .description("List the tools and call one through the policy-checked runner");
  tools
    .command("list")
    .description("List every tool with its effect (read or write) and description")
    .action(async () => {
      const { ALL_TOOLS } = await import("../../tools/registry.ts");
      for (const tool of ALL_TOOLS)
        console.log(`${tool.name.padEnd(24)} ${tool.effect.padEnd(6)} ${tool.description}`);
    });
  tools
    .command("call")
    .description("Call a tool with a JSON input; prints the runner's structured result")
    .argument("<name>", "tool name, e.g. account_overview")
    .argument("[input]", "the input as JSON", "{}")
    .option("--key <idempotencyKey>", "idempotency key (default: derived from tool, caller and input)")
    .option("--role <role>", "act with a lesser role: collector or viewer", "admin")
    .action(async (name: string, input: string, options: { key?: string; role: string }) => {
      if (!["admin", "collector", "viewer"].includes(options.role))
        throw new Error(`--role must be admin, collector or viewer`);
      const arc = await openArc();
      try {
        const caller = { ...CLI_CALLER, role: options.role as Caller["role"] };
        const result = await arc.runner.call(name, parseJson(input, "input"), {
          caller,
          ...(options.key ? { idempotencyKey: options.key } : {}),
        });
        console.log(JSON.stringify(result, null, 2));
        if (result.status === "invalid" || result.status === "failed") process.exitCode = 1;
      } finally {
        await arc.close();
      }
    });

  const approvals = program
    .command("approvals")
    .description("The approval queue: list pending actions and decide on them");
  approvals
    .command("list")
    .description("List pending actions waiting for approval, oldest first")
    .option("--limit <n>", "how many", "50")
    .action(async (options: { limit: string }) => {
      const arc = await openArc();
      try {
        const result = await arc.runner.call(
          "pending_approvals",
          { limit: Number(options.limit) },
          { caller: CLI_CALLER },
        );
        const { approvals: rows } = expectOk<{
          approvals: {
            id: string;
            tool: string;
            customerName: string | null;
            reasons: { ruleId: string }[];
          }[];
        }>(result);
        if (rows.length === 0) console.log("No actions are waiting for approval.");
        for (const row of rows) {
          console.log(
            `${row.id}  ${row.tool.padEnd(22)} ${row.customerName ?? "-"}  [${row.reasons.map((r) => r.ruleId).join(", ")}]`,
          );
        }
      } finally {
        await arc.close();
      }
    });
  approvals
    .command("decide")
    .description("Approve, edit or reject a pending action; approve and edit execute it through policy")
    .argument("<actionId>", "the pending action's id")
    .argument("<decision>", "approve | edit | reject")
    .option("--note <text>", "the reason (required to reject)")
    .option("--input <json>", "the edited input (required to edit)")
    .action(async (actionId: string, decisionName: string, options: { note?: string; input?: string }) => {
      let decision: Decision;
      if (decisionName === "approve")
        decision = { decision: "approve", ...(options.note ? { note: options.note } : {}) };
      else if (decisionName === "reject") decision = { decision: "reject", note: options.note ?? "" };
      else if (decisionName === "edit") {
        if (!options.input) throw new Error("edit needs --input with the edited input as JSON");
        decision = {
          decision: "edit",
          editedInput: parseJson(options.input, "--input"),
          ...(options.note ? { note: options.note } : {}),
        };
      } else throw new Error(`decision must be approve, edit or reject, not "${decisionName}"`);
      const arc = await openArc();
      try {
        const { result, resumedThread, stillPaused } = await decideAction(
          arc,
          arc.brain,
          actionId,
          decision,
          {
            ...CLI_CALLER,
            role: "collector",
          },
        );
        console.log(JSON.stringify(result, null, 2));
        if (resumedThread)
          console.error(
            stillPaused
              ? "The agent's thread resumed and waits on more approvals."
              : "The agent's thread resumed and finished the account.",
          );
        if (result.status === "invalid" || result.status === "failed") process.exitCode = 1;
      } finally {
        await arc.close();
      }
    });
}
