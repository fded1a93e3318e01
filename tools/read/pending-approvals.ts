import { and, asc, eq, gt, isNull, or } from "drizzle-orm";
import { z } from "zod";
import { actions, customers } from "../../db/schema.ts";
import { defineTool } from "../define.ts";
import { id, page } from "../schemas.ts";

export const pendingApprovals = defineTool({
  name: "pending_approvals",
  description:
    "The approval queue: proposed actions waiting for a collector's approve / edit / reject, oldest first, each with " +
    "the tool, its input, the customer and every policy reason it needs approval for.",
  effect: "read",
  input: z.object({ customerId: id("customerId").optional(), ...page }),
  async run(input, db, ctx) {
    const rows = await db
      .select({
        id: actions.id,
        idempotencyKey: actions.idempotencyKey,
        tool: actions.tool,
        input: actions.input,
        reasons: actions.reasons,
        policyVersion: actions.policyVersion,
        caller: actions.caller,
        runId: actions.runId,
        createdAt: actions.createdAt,
        expiresAt: actions.expiresAt,
        customerId: actions.customerId,
        customerName: customers.name,
        customerRef: customers.externalRef,
      })
      .from(actions)
      .leftJoin(customers, eq(customers.id, actions.customerId))
      .where(
        and(
          eq(actions.status, "pending"),
          or(isNull(actions.expiresAt), gt(actions.expiresAt, ctx.now)),
          input.customerId ? eq(actions.customerId, input.customerId) : undefined,
        ),
      )
      .orderBy(asc(actions.createdAt), asc(actions.id))
      .limit(input.limit)
      .offset(input.offset);
    return { approvals: rows };
  },
});
