import { and, asc, eq, gt, isNull, or, sql } from "drizzle-orm";
import { z } from "zod";
import { actions, customers } from "../../db/schema.ts";
import { defineTool } from "../define.ts";
import { id, page } from "../schemas.ts";

/** In priority order, approvals expiring within this many hours come first: left alone they are lost. */
export const EXPIRING_SOON_HOURS = 24;

export const pendingApprovals = defineTool({
  name: "pending_approvals",
  description:
    "The approval queue: proposed actions waiting for a collector's approve / edit / reject, each with the tool, its " +
    "input, the customer, the proposer's rationale and alternatives, and every policy reason it needs approval for. " +
    "Oldest first, or by priority: expiring within 24 hours first, then the riskiest accounts, then oldest.",
  effect: "read",
  input: z.object({
    customerId: id("customerId").optional(),
    tool: z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/, { message: "must be a tool name like send_message" })
      .optional(),
    /** Only actions a given policy rule sent for approval, e.g. legal.escalation_approval. */
    ruleId: z.string().min(1).max(100).optional(),
    runId: id("runId").optional(),
    order: z.enum(["oldest", "priority"]).default("oldest"),
    ...page,
  }),
  async run(input, db, ctx) {
    const where = and(
      eq(actions.status, "pending"),
      or(isNull(actions.expiresAt), gt(actions.expiresAt, ctx.now)),
      input.customerId ? eq(actions.customerId, input.customerId) : undefined,
      input.tool ? eq(actions.tool, input.tool) : undefined,
      input.runId ? eq(actions.runId, input.runId) : undefined,
      input.ruleId
        ? sql`${actions.reasons} @> ${JSON.stringify([{ ruleId: input.ruleId }])}::jsonb`
        : undefined,
    );
    const soon = new Date(ctx.now.getTime() + EXPIRING_SOON_HOURS * 3_600_000).toISOString();
    const expiringSoon = sql`(${actions.expiresAt} is not null and ${actions.expiresAt} <= ${soon}::timestamptz)`;
    const order =
      input.order === "priority"
        ? [
            sql`${expiringSoon} desc`,
            sql`case when ${expiringSoon} then ${actions.expiresAt} end asc`,
            sql`${customers.riskScore} desc nulls last`,
            asc(actions.createdAt),
            asc(actions.id),
          ]
        : [asc(actions.createdAt), asc(actions.id)];
    const [rows, [count]] = await Promise.all([
      db
        .select({
          id: actions.id,
          idempotencyKey: actions.idempotencyKey,
          tool: actions.tool,
          input: actions.input,
          reasons: actions.reasons,
          policyVersion: actions.policyVersion,
          caller: actions.caller,
          runId: actions.runId,
          rationale: actions.rationale,
          alternatives: actions.alternatives,
          createdAt: actions.createdAt,
          expiresAt: actions.expiresAt,
          customerId: actions.customerId,
          customerName: customers.name,
          customerRef: customers.externalRef,
          customerRiskScore: customers.riskScore,
        })
        .from(actions)
        .leftJoin(customers, eq(customers.id, actions.customerId))
        .where(where)
        .orderBy(...order)
        .limit(input.limit)
        .offset(input.offset),
      db.select({ total: sql<number>`count(*)::int` }).from(actions).where(where),
    ]);
    return { approvals: rows, total: Number(count?.total ?? 0), limit: input.limit, offset: input.offset };
  },
});
