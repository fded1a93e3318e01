import { z } from "zod";
import { creditNotes } from "../../db/schema.ts";
import { defineTool } from "../define.ts";
import { ToolInputError } from "../errors.ts";
import { requireInvoice } from "../ledger.ts";
import { id, minorUnits, nonEmptyText } from "../schemas.ts";

export const issueCreditNote = defineTool({
  name: "issue_credit_note",
  description:
    "Issue a credit note against an invoice, reducing its balance (pricing error, damaged goods, duplicate billing). " +
    "Amounts above the policy's automatic limit need approval; above its hard limit they are refused.",
  effect: "write",
  input: z.object({
    invoiceId: id("invoiceId"),
    amountMinor: minorUnits,
    reason: nonEmptyText(2000),
  }),
  async propose(input, tx) {
    const invoice = await requireInvoice(tx, input.invoiceId);
    if (input.amountMinor > invoice.balanceMinor) {
      throw new ToolInputError(
        "amountMinor",
        `${input.amountMinor} exceeds invoice ${invoice.externalRef}'s open balance ${invoice.balanceMinor}`,
      );
    }
    return {
      kind: "credit_note",
      customerId: invoice.customerId,
      invoiceIds: [invoice.id],
      amountMinor: input.amountMinor,
      currency: invoice.currency,
    };
  },
  async run(input, tx, ctx) {
    const invoice = await requireInvoice(tx, input.invoiceId);
    const [row] = await tx
      .insert(creditNotes)
      .values({
        // The action id makes the document number unique and traceable to its approval.
        externalRef: `CN-${invoice.externalRef}-${ctx.actionId.slice(0, 8).toUpperCase()}`,
        customerId: invoice.customerId,
        invoiceId: invoice.id,
        currency: invoice.currency,
        amountMinor: input.amountMinor,
        reason: input.reason,
        actionId: ctx.actionId,
        issuedBy: `${ctx.caller.kind}:${ctx.caller.id}`,
      })
      .returning({ id: creditNotes.id, externalRef: creditNotes.externalRef });
    return { creditNoteId: row!.id, externalRef: row!.externalRef, amountMinor: input.amountMinor };
  },
});
