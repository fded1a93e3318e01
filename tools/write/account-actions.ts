// Account-level escalations: legal referral and credit hold.
import { eq } from "drizzle-orm";
import { z } from "zod";
import { customers, tasks } from "../../db/schema.ts";
import { defineTool } from "../define.ts";
import { requireCustomerInvoices } from "../ledger.ts";
import { id, nonEmptyText } from "../schemas.ts";

export const escalateToLegal = defineTool({
  name: "escalate_to_legal",
  description:
    "Refer a customer's invoices to legal collection. Always needs a collector's approval; refused for disputed, " +
    "time-barred or bankrupt accounts.",
  effect: "write",
  input: z.object({
    customerId: id("customerId"),
    invoiceIds: z.array(id("invoiceIds[]")).min(1, { message: "name at least one invoice" }).max(500),
    reason: nonEmptyText(5000),
  }),
  async propose(input, tx) {
    const invoices = await requireCustomerInvoices(tx, input.customerId, input.invoiceIds);
    return {
      kind: "legal_escalation",
      customerId: input.customerId,
      invoiceIds: input.invoiceIds,
      amountMinor: invoices.reduce((total, i) => total + i.balanceMinor, 0),
      currency: invoices[0]!.currency,
    };
  },
  async run(input, tx, ctx) {
    await tx
      .update(customers)
      .set({ legalEscalatedAt: ctx.now, updatedAt: ctx.now })
      .where(eq(customers.id, input.customerId));
    const [task] = await tx
      .insert(tasks)
      .values({
        customerId: input.customerId,
        kind: "legal",
        title: `Legal referral: ${input.invoiceIds.length} invoice(s)`,
        detail: input.reason,
        actionId: ctx.actionId,
      })
      .returning({ id: tasks.id });
    return { customerId: input.customerId, legalTaskId: task!.id, escalatedAt: ctx.now.toISOString() };
  },
});

export const placeCreditHold = defineTool({
  name: "place_credit_hold",
  description: "Put a customer on credit hold so no new orders ship on credit until the hold is lifted.",
  effect: "write",
  input: z.object({ customerId: id("customerId"), reason: nonEmptyText(2000) }),
  async propose(input) {
    return { kind: "credit_hold", customerId: input.customerId };
  },
  async run(input, tx, ctx) {
    const [before] = await tx
      .select({ heldAt: customers.creditHoldAt })
      .from(customers)
      .where(eq(customers.id, input.customerId));
    if (before?.heldAt)
      return { customerId: input.customerId, creditHoldAt: before.heldAt.toISOString(), alreadyHeld: true };
    await tx
      .update(customers)
      .set({ creditHoldAt: ctx.now, updatedAt: ctx.now })
      .where(eq(customers.id, input.customerId));
    return { customerId: input.customerId, creditHoldAt: ctx.now.toISOString(), alreadyHeld: false };
  },
});
