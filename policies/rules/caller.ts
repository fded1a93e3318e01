// Who may propose what. A caller's role bounds even the proposal: viewers write nothing, MCP clients
// only propose (every write they ask for waits for a collector, whatever the rest of the policy would
// let a collector do) and never import bank files, and only administrators or the operator's own
// tooling import ledgers.
import { defineRule } from "./rule.ts";

export const callerRole = defineRule({
  id: "caller.role",
  description:
    "Viewers may not write; every MCP write waits for a collector's approval and MCP clients never import bank files; only admins or the CLI/system import ledgers.",
  check(action, _facts, _policy, say) {
    const { caller } = action;
    if (caller.role === "viewer") {
      return [
        say.deny(`${caller.kind} caller "${caller.id}" has the viewer role, which may not change anything`),
      ];
    }
    const reasons = [];
    if (
      action.kind === "ledger_import" &&
      caller.role !== "admin" &&
      caller.kind !== "cli" &&
      caller.kind !== "system"
    ) {
      reasons.push(
        say.deny(
          `ledger imports are for admins or the CLI/system; ${caller.kind} caller "${caller.id}" has role ${caller.role}`,
        ),
      );
    }
    if (action.kind === "bank_import" && caller.kind === "mcp") {
      reasons.push(
        say.deny(`bank files are imported by people and the CLI, not by MCP client "${caller.id}"`),
      );
    }
    if (caller.kind === "mcp" && action.kind !== "bank_import") {
      reasons.push(
        say.needsApproval(
          `MCP client "${caller.id}" only proposes: a collector must approve this ${action.kind.replace(/_/g, " ")} before it happens`,
        ),
      );
    }
    return reasons;
  },
});
