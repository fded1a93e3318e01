import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { invoices, paymentApplications, payments } from "../../db/schema.ts";
import { defineTool } from "../define.ts";
import { ToolInputError } from "../errors.ts";
import { id, page } from "../schemas.ts";

export const paymentHistory = defineTool({
  name: "payment_history",
  description:
    "A customer's payments, newest first, with the invoices each was applied to, plus how late the customer pays: " +
    "average and median days late over paid invoices.",
  effect: "read",
  input: z.object({ customerId: id("customerId"), ...page }),
  async run(input, db) {
    const rows = await db
      .select({
        id: payments.id,
        externalRef: payments.externalRef,
        receivedOn: payments.receivedOn,
        currency: payments.currency,
        amountMinor: payments.amountMinor,
        unappliedMinor: payments.unappliedMinor,
        payerName: payments.payerName,
        remittanceText: payments.remittanceText,
        applications: sql<{ invoiceRef: string; amountMinor: number; method: string }[]>`coalesce((
          select jsonb_agg(jsonb_build_object('invoiceRef', i.external_ref, 'amountMinor', a.amount_minor, 'method', a.method)
                           order by i.external_ref)
          from payment_applications a join invoices i on i.id = a.invoice_id
          where a.payment_id = "payments"."id"), '[]'::jsonb)`,
      })
      .from(payments)
      .where(eq(payments.customerId, input.customerId))
      .orderBy(desc(payments.receivedOn), desc(payments.id))
      .limit(input.limit)
      .offset(input.offset);
    // Days late of each fully paid invoice: the date of the payment that closed it, minus the due date.
    const [lateness] = await db.execute<{
      paid: number;
      avg: number | null;
      median: number | null;
      on_time: number;
    }>(sql`
      select count(*)::int as paid,
             avg(days_late)::float8 as avg,
             percentile_cont(0.5) within group (order by days_late)::float8 as median,
             count(*) filter (where days_late <= 0)::int as on_time
      from (select max(p.received_on) - i.due_date as days_late
            from ${invoices} i
            join ${paymentApplications} a on a.invoice_id = i.id
            join ${payments} p on p.id = a.payment_id
            where i.customer_id = ${input.customerId} and i.balance_minor = 0
            group by i.id, i.due_date) t`);
    if (rows.length === 0 && input.offset === 0 && !(await customerExists(db, input.customerId))) {
      throw new ToolInputError("customerId", `no customer ${input.customerId}`);
    }
    return {
      payments: rows,
      behaviour: {
        paidInvoices: Number(lateness?.paid ?? 0),
        onTimeShare: lateness?.paid ? Number(lateness.on_time) / Number(lateness.paid) : null,
        averageDaysLate: lateness?.avg ?? null,
        medianDaysLate: lateness?.median ?? null,
      },
    };
  },
});

export const unappliedPayments = defineTool({
  name: "unapplied_payments",
  description:
    "Payments with money not yet applied to invoices, oldest first: for one customer, or across the ledger including " +
    "payments whose payer is not yet identified. Shows payer, remittance text and the unapplied amount.",
  effect: "read",
  input: z.object({
    customerId: id("customerId").optional(),
    unidentifiedOnly: z.boolean().default(false),
    ...page,
  }),
  async run(input, db) {
    const rows = await db
      .select({
        id: payments.id,
        externalRef: payments.externalRef,
        customerId: payments.customerId,
        payerName: payments.payerName,
        payerAccount: payments.payerAccount,
        receivedOn: payments.receivedOn,
        currency: payments.currency,
        amountMinor: payments.amountMinor,
        unappliedMinor: payments.unappliedMinor,
        remittanceText: payments.remittanceText,
        source: payments.source,
      })
      .from(payments)
      .where(
        and(
          sql`${payments.amountMinor} > ${payments.appliedMinor}`,
          input.customerId ? eq(payments.customerId, input.customerId) : undefined,
          input.unidentifiedOnly ? isNull(payments.customerId) : undefined,
        ),
      )
      .orderBy(payments.receivedOn, payments.id)
      .limit(input.limit)
      .offset(input.offset);
    return { payments: rows };
  },
});

async function customerExists(
  db: Parameters<typeof paymentHistory.run>[1],
  customerId: string,
): Promise<boolean> {
  const rows = await db.execute<{ n: number }>(sql`select 1 as n from customers where id = ${customerId}`);
  return rows.length > 0;
}
