// The audit trail: entries (through the audit_trail read tool) and the hash chain's verification.
import { verifyAudit } from "../../db/audit.ts";
import { auditTrail } from "../../tools/read/audit-trail.ts";
import { type ApiDeps, readTool } from "./deps.ts";
import { defineRoute, type RouteSpec } from "./route.ts";

export function auditRoutes(deps: ApiDeps): RouteSpec[] {
  return [
    defineRoute({
      method: "get",
      path: "/api/audit",
      operationId: "listAuditEntries",
      summary: "Audit log entries, newest first",
      description:
        "Filter by action, entity, event or actor; page backwards with `beforeSeq` (the previous page's `nextBeforeSeq`).",
      tag: "audit",
      permission: "read",
      tool: auditTrail.name,
      query: auditTrail.input,
      responses: { 200: { description: "Entries with their hashes" } },
      example: { query: { event: "action.executed", limit: "20" } },
      handle: async (c, { query, caller }) => c.json(await readTool(deps, auditTrail.name, query, caller)),
    }),
    defineRoute({
      method: "get",
      path: "/api/audit/verify",
      operationId: "verifyAuditLog",
      summary: "Verify the audit log's hash chain",
      description:
        "Walks the whole chain: `ok` false names each edited, deleted or reordered entry. Keep `headHash` outside " +
        "the database to detect removal of the newest entries.",
      tag: "audit",
      permission: "read",
      responses: { 200: { description: "The verification (also when it finds tampering: see `ok`)" } },
      handle: async (c) => c.json(await verifyAudit(deps.arc.database.db)),
    }),
  ];
}
