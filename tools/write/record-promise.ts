import { z } from "zod";
import { promisesToPay } from "../../db/schema.ts";
import { defineTool } from "../define.ts";
import { ToolInputError } from "../errors.ts";
import { requireCustomerInvoices, sumMinor, utcDate } from "../ledger.ts";
import { currencyCode, id, isoDate, minorUnits } from "../schemas.ts";

export const recordPromiseToPay = defineTool({
  name: "record_promise_to_pay",
  description:
    "Record a customer's promise to pay an amount by a date for the given invoices. An open promise pauses dunning " +
    "until the promised date; one not kept by then is detected as broken.",
  effect: "write",
  input: z.object({
    customerId: id("customerId"),
    invoiceIds: z.array(id("invoiceIds[]")).min(1, { message: "name at least one invoice" }).max(200),
    amountMinor: minorUnits,
    currency: currencyCode,
    promisedDate: isoDate,
    source: z.enum(["customer", "collector", "agent"]),
    note: z.string().max(2000).optional(),
  }),
  async propose(input, tx, ctx) {
    const invoices = await requireCustomerInvoices(tx, input.customerId, input.invoiceIds);
    if (invoices[0]!.currency !== input.currency) {
      throw new ToolInputError(
        "currency",
        `the invoices are in ${invoices[0]!.currency}, not ${input.currency}`,
      );
    }
    const balance = sumMinor(invoices.map((i) => i.balanceMinor));
    if (input.amountMinor > balance) {
      throw new ToolInputError(
        "amountMinor",
        `promised ${input.amountMinor} exceeds the invoices' open balance ${balance}`,
      );
    }
    if (input.promisedDate < utcDate(ctx.now)) {
      throw new ToolInputError("promisedDate", `${input.promisedDate} is in the past`);
    }
    return {
      kind: "promise_to_pay",
      customerId: input.customerId,
      invoiceIds: input.invoiceIds,
      amountMinor: input.amountMinor,
      currency: input.currency,
    };
  },
  async run(input, tx, ctx) {
    const [row] = await tx
      .insert(promisesToPay)
      .values({
        customerId: input.customerId,
        invoiceIds: input.invoiceIds,
        currency: input.currency,
        amountMinor: input.amountMinor,
        promisedDate: input.promisedDate,
        source: input.source,
        note: input.note ?? null,
        actionId: ctx.actionId,
      })
      .returning({ id: promisesToPay.id });
    return { promiseId: row!.id, promisedDate: input.promisedDate };
  },
});
