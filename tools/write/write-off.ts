import { z } from "zod";
import { WRITE_OFF_REASONS, writeOffs } from "../../db/schema.ts";
import { defineTool } from "../define.ts";
import { ToolInputError } from "../errors.ts";
import { requireInvoice, requirePayment } from "../ledger.ts";
import { id, minorUnits, nonEmptyText } from "../schemas.ts";

export const writeOff = defineTool({
  name: "write_off",
  description:
    "Write off (part of) an invoice's open balance: a short payment within tolerance, bank charges, an FX difference, " +
    "an early-payment discount the customer took, a small residual balance or a bad debt. Amounts above the policy's " +
    "automatic limit need approval; above its hard limit they are refused.",
  effect: "write",
  // The write-off and, by the ledger trigger, its invoice's balance.
  changes: ["openInvoices", "paidInvoices"],
  input: z.object({
    invoiceId: id("invoiceId"),
    amountMinor: minorUnits,
    reason: z.enum(WRITE_OFF_REASONS),
    /** The payment whose shortfall this closes, when there is one. */
    paymentId: id("paymentId").optional(),
    note: nonEmptyText(2000).optional(),
  }),
  async propose(input, tx) {
    const invoice = await requireInvoice(tx, input.invoiceId);
    if (input.amountMinor > invoice.balanceMinor) {
      throw new ToolInputError(
        "amountMinor",
        `${input.amountMinor} exceeds invoice ${invoice.externalRef}'s open balance ${invoice.balanceMinor}`,
      );
    }
    if (input.paymentId) {
      const payment = await requirePayment(tx, input.paymentId);
      if (payment.customerId !== invoice.customerId) {
        throw new ToolInputError(
          "paymentId",
          `payment ${payment.externalRef} is not applied to invoice ${invoice.externalRef}'s customer`,
        );
      }
    }
    return {
      kind: "write_off",
      customerId: invoice.customerId,
      invoiceIds: [invoice.id],
      amountMinor: input.amountMinor,
      currency: invoice.currency,
    };
  },
  async run(input, tx, ctx) {
    const invoice = await requireInvoice(tx, input.invoiceId);
    const [row] = await tx
      .insert(writeOffs)
      .values({
        customerId: invoice.customerId,
        invoiceId: invoice.id,
        currency: invoice.currency,
        amountMinor: input.amountMinor,
        reason: input.reason,
        paymentId: input.paymentId ?? null,
        note: input.note ?? null,
        actionId: ctx.actionId,
        writtenOffBy: `${ctx.caller.kind}:${ctx.caller.id}`,
      })
      .returning({ id: writeOffs.id });
    return {
      writeOffId: row!.id,
      invoiceId: invoice.id,
      amountMinor: input.amountMinor,
      currency: invoice.currency,
      reason: input.reason,
    };
  },
});
