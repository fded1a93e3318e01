import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Tx } from "../../db/connection.ts";
import { paymentApplications, payments } from "../../db/schema.ts";
import { defineTool } from "../define.ts";
import { ToolInputError } from "../errors.ts";
import { requireCustomerInvoices, requireInvoice, requirePayment, sumMinor } from "../ledger.ts";
import { id, minorUnits } from "../schemas.ts";

export const applyPayment = defineTool({
  name: "apply_payment",
  description:
    "Apply (part of) a received payment to one or more open invoices of one customer. An unidentified payment becomes " +
    "that customer's. The ledger refuses to apply more than the payment's unapplied amount or an invoice's balance.",
  effect: "write",
  // The payment (assigned to the customer, applied) and, by the ledger triggers, the invoices it pays.
  changes: ["openInvoices", "paidInvoices", "unappliedPayments", "candidatePayments", "recentPayments"],
  input: z.object({
    paymentId: id("paymentId"),
    applications: z
      .array(z.object({ invoiceId: id("invoiceId"), amountMinor: minorUnits }))
      .min(1, { message: "apply to at least one invoice" })
      .max(500),
    method: z
      .enum(["reference", "amount", "subset", "oldest_first", "manual", "suggested"])
      .default("manual"),
    confidence: z.number().min(0).max(1).default(1),
  }),
  async propose(input, tx) {
    const payment = await requirePayment(tx, input.paymentId);
    const invoiceIds = input.applications.map((a) => a.invoiceId);
    if (new Set(invoiceIds).size !== invoiceIds.length) {
      throw new ToolInputError("applications", "an invoice appears twice; combine its amounts");
    }
    const customerId = await payingCustomer(tx, payment.customerId, invoiceIds[0]!);
    const invoices = await requireCustomerInvoices(tx, customerId, invoiceIds, "applications");
    invoices.forEach((invoice, index) => {
      if (invoice.currency !== payment.currency) {
        throw new ToolInputError(
          `applications.${index}.invoiceId`,
          `invoice ${invoice.externalRef} is in ${invoice.currency}, the payment in ${payment.currency}`,
        );
      }
      const amount = input.applications[index]!.amountMinor;
      if (amount > invoice.balanceMinor) {
        throw new ToolInputError(
          `applications.${index}.amountMinor`,
          `${amount} exceeds invoice ${invoice.externalRef}'s open balance ${invoice.balanceMinor}`,
        );
      }
    });
    const total = sumMinor(input.applications.map((a) => a.amountMinor));
    if (total > payment.unappliedMinor) {
      throw new ToolInputError(
        "applications",
        `applying ${total} exceeds the payment's unapplied ${payment.unappliedMinor}`,
      );
    }
    return {
      kind: "payment_application",
      customerId,
      invoiceIds,
      amountMinor: total,
      currency: payment.currency,
      confidence: input.confidence,
    };
  },
  async run(input, tx, ctx) {
    const payment = await requirePayment(tx, input.paymentId);
    const customerId = await payingCustomer(tx, payment.customerId, input.applications[0]!.invoiceId);
    if (!payment.customerId) await tx.update(payments).set({ customerId }).where(eq(payments.id, payment.id));
    const rows = await tx
      .insert(paymentApplications)
      .values(
        input.applications.map((a) => ({
          paymentId: payment.id,
          invoiceId: a.invoiceId,
          currency: payment.currency,
          amountMinor: a.amountMinor,
          method: input.method,
          confidence: input.confidence,
          appliedBy: `${ctx.caller.kind}:${ctx.caller.id}`,
          actionId: ctx.actionId,
        })),
      )
      .returning({ id: paymentApplications.id });
    return {
      paymentId: payment.id,
      customerId,
      applicationIds: rows.map((r) => r.id),
      appliedMinor: sumMinor(input.applications.map((a) => a.amountMinor)),
      currency: payment.currency,
    };
  },
});

/** The payment's customer, or for an unidentified payment the customer of the first invoice. */
async function payingCustomer(
  tx: Tx,
  paymentCustomerId: string | null,
  firstInvoiceId: string,
): Promise<string> {
  return (
    paymentCustomerId ?? (await requireInvoice(tx, firstInvoiceId, "applications.0.invoiceId")).customerId
  );
}
