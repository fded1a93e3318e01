import { z } from "zod";
import { paymentPlans } from "../../db/schema.ts";
import { defineTool } from "../define.ts";
import { ToolInputError } from "../errors.ts";
import { daysBetween, requireCustomerInvoices, sumMinor, utcDate } from "../ledger.ts";
import { id, isoDate, minorUnits } from "../schemas.ts";

export const proposePaymentPlan = defineTool({
  name: "propose_payment_plan",
  description:
    "Offer a customer a payment plan: instalments with dates and amounts that together cover the given invoices' open " +
    "balance. Plans beyond the policy's instalment or duration limits need approval or are refused.",
  effect: "write",
  // The proposed plan.
  changes: ["paymentPlans"],
  input: z.object({
    customerId: id("customerId"),
    invoiceIds: z.array(id("invoiceIds[]")).min(1, { message: "name at least one invoice" }).max(200),
    installments: z
      .array(z.object({ dueDate: isoDate, amountMinor: minorUnits }))
      .min(2, { message: "a plan has at least two instalments" })
      .max(120),
  }),
  async propose(input, tx, ctx) {
    const invoices = await requireCustomerInvoices(tx, input.customerId, input.invoiceIds);
    const balance = sumMinor(invoices.map((i) => i.balanceMinor));
    const total = sumMinor(input.installments.map((i) => i.amountMinor));
    if (total !== balance) {
      throw new ToolInputError(
        "installments",
        `instalments sum to ${total} but the invoices' open balance is ${balance}`,
      );
    }
    const dates = input.installments.map((i) => i.dueDate);
    dates.forEach((date, index) => {
      if (index > 0 && date <= dates[index - 1]!) {
        throw new ToolInputError(
          `installments.${index}.dueDate`,
          "instalment dates must be strictly increasing",
        );
      }
    });
    if (dates[0]! < utcDate(ctx.now))
      throw new ToolInputError("installments.0.dueDate", `${dates[0]} is in the past`);
    return {
      kind: "payment_plan",
      customerId: input.customerId,
      invoiceIds: input.invoiceIds,
      amountMinor: total,
      currency: invoices[0]!.currency,
      paymentPlan: {
        installmentCount: input.installments.length,
        durationDays: daysBetween(utcDate(ctx.now), dates.at(-1)!),
      },
    };
  },
  async run(input, tx, ctx) {
    const invoices = await requireCustomerInvoices(tx, input.customerId, input.invoiceIds);
    const [row] = await tx
      .insert(paymentPlans)
      .values({
        customerId: input.customerId,
        invoiceIds: input.invoiceIds,
        currency: invoices[0]!.currency,
        totalMinor: sumMinor(input.installments.map((i) => i.amountMinor)),
        installments: input.installments,
        status: "proposed",
        actionId: ctx.actionId,
      })
      .returning({ id: paymentPlans.id });
    return { paymentPlanId: row!.id, status: "proposed" as const };
  },
});
