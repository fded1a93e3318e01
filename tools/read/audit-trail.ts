// The audit trail as a reader sees it: entries newest first, filtered by what they concern, paged by
// sequence number (stable while new entries are appended, unlike an offset).
import { and, desc, eq, lt } from "drizzle-orm";
import { z } from "zod";
import { auditLog } from "../../db/schema.ts";
import { defineTool } from "../define.ts";
import { id } from "../schemas.ts";

export const auditTrail = defineTool({
  name: "audit_trail",
  description:
    "Entries of the hash-chained audit log, newest first: who did what to which entity, with each entry's hash. " +
    "Filter by action, entity, event or actor; page backwards with beforeSeq.",
  effect: "read",
  input: z.object({
    actionId: id("actionId").optional(),
    entityType: z.string().min(1).max(50).optional(),
    entityId: z.string().min(1).max(200).optional(),
    event: z.string().min(1).max(100).optional(),
    actor: z.string().min(1).max(200).optional(),
    /** Only entries older than this sequence number: the previous page's nextBeforeSeq. */
    beforeSeq: z.number().int().min(1).optional(),
    limit: z.number().int().min(1).max(500).default(50),
  }),
  async run(input, db) {
    const entries = await db
      .select()
      .from(auditLog)
      .where(
        and(
          input.actionId ? eq(auditLog.actionId, input.actionId) : undefined,
          input.entityType ? eq(auditLog.entityType, input.entityType) : undefined,
          input.entityId ? eq(auditLog.entityId, input.entityId) : undefined,
          input.event ? eq(auditLog.event, input.event) : undefined,
          input.actor ? eq(auditLog.actor, input.actor) : undefined,
          input.beforeSeq ? lt(auditLog.seq, input.beforeSeq) : undefined,
        ),
      )
      .orderBy(desc(auditLog.seq))
      .limit(input.limit);
    const last = entries.at(-1);
    return {
      entries,
      nextBeforeSeq: entries.length === input.limit && last && last.seq > 1 ? last.seq : null,
    };
  },
});
