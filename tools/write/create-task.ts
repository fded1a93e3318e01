import { z } from "zod";
import { tasks } from "../../db/schema.ts";
import { defineTool } from "../define.ts";
import { recordDunningLevel, requireCustomerInvoices } from "../ledger.ts";
import { id, isoDateTime, nonEmptyText, taskKind } from "../schemas.ts";

export const createTask = defineTool({
  name: "create_task",
  description:
    "Create a task for a person on a customer account: a call to make, something to review, a legal or dispute follow-up.",
  effect: "write",
  input: z.object({
    customerId: id("customerId"),
    kind: taskKind,
    title: nonEmptyText(200),
    detail: z.string().max(5000).optional(),
    owner: z.string().trim().min(1).max(200).optional(),
    dueAt: isoDateTime.optional(),
    /** The invoices the task is about; with dunningLevel, the level is recorded on them as a message's is. */
    invoiceIds: z.array(id("invoiceIds[]")).max(200).default([]),
    dunningLevel: z.number().int().min(1).max(50).optional(),
  }),
  async propose(input, tx) {
    if (input.invoiceIds.length > 0) await requireCustomerInvoices(tx, input.customerId, input.invoiceIds);
    return { kind: "task", customerId: input.customerId, invoiceIds: input.invoiceIds };
  },
  async run(input, tx, ctx) {
    const [row] = await tx
      .insert(tasks)
      .values({
        customerId: input.customerId,
        kind: input.kind,
        title: input.title,
        detail: input.detail ?? null,
        owner: input.owner ?? null,
        dueAt: input.dueAt ? new Date(input.dueAt) : null,
        actionId: ctx.actionId,
      })
      .returning({ id: tasks.id });
    if (input.dunningLevel !== undefined)
      await recordDunningLevel(tx, input.invoiceIds, input.dunningLevel, ctx.now);
    return { taskId: row!.id };
  },
});
