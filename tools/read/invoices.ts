// Invoices as a collector or an integrator looks them up: a filtered list, and one invoice with
// everything that changed its balance (payments applied, credit notes, write-offs), its disputes,
// the promises that cover it and its latest pay-date prediction.
import { and, asc, desc, eq, gte, lte, sql } from "drizzle-orm";
import { z } from "zod";
import {
  creditNotes,
  customers,
  disputes,
  invoices,
  paymentApplications,
  payments,
  predictions,
  promisesToPay,
  writeOffs,
} from "../../db/schema.ts";
import { defineTool } from "../define.ts";
import { ToolInputError } from "../errors.ts";
import { daysBetween, invoiceIsDisputed, utcDate } from "../ledger.ts";
import { currencyCode, id, isoDate, page } from "../schemas.ts";

export const INVOICE_STATUSES = ["open", "overdue", "disputed", "paid", "all"] as const;

const invoiceColumns = {
  id: invoices.id,
  externalRef: invoices.externalRef,
  customerId: invoices.customerId,
  customerName: customers.name,
  customerRef: customers.externalRef,
  currency: invoices.currency,
  amountMinor: invoices.amountMinor,
  paidMinor: invoices.paidMinor,
  creditedMinor: invoices.creditedMinor,
  writtenOffMinor: invoices.writtenOffMinor,
  balanceMinor: invoices.balanceMinor,
  issueDate: invoices.issueDate,
  dueDate: invoices.dueDate,
  closedAt: invoices.closedAt,
  dunningLevel: invoices.dunningLevel,
  lastDunnedAt: invoices.lastDunnedAt,
  disputed: invoiceIsDisputed,
};

export const listInvoices = defineTool({
  name: "list_invoices",
  description:
    "Invoices, for one customer or the whole ledger, by status: open (balance left), overdue (open and past due), " +
    "disputed (under a live dispute), paid (closed) or all; oldest due date first, with days overdue.",
  effect: "read",
  input: z.object({
    customerId: id("customerId").optional(),
    status: z.enum(INVOICE_STATUSES).default("open"),
    currency: currencyCode.optional(),
    dueFrom: isoDate.optional(),
    dueTo: isoDate.optional(),
    asOf: isoDate.optional(),
    ...page,
  }),
  async run(input, db, ctx) {
    const asOf = input.asOf ?? utcDate(ctx.now);
    const byStatus = {
      open: sql`${invoices.balanceMinor} > 0`,
      overdue: sql`${invoices.balanceMinor} > 0 and ${invoices.dueDate} < ${asOf}::date`,
      disputed: invoiceIsDisputed,
      paid: sql`${invoices.balanceMinor} = 0`,
      all: undefined,
    }[input.status];
    const rows = await db
      .select(invoiceColumns)
      .from(invoices)
      .innerJoin(customers, eq(customers.id, invoices.customerId))
      .where(
        and(
          byStatus,
          input.customerId ? eq(invoices.customerId, input.customerId) : undefined,
          input.currency ? eq(invoices.currency, input.currency) : undefined,
          input.dueFrom ? gte(invoices.dueDate, input.dueFrom) : undefined,
          input.dueTo ? lte(invoices.dueDate, input.dueTo) : undefined,
        ),
      )
      .orderBy(asc(invoices.dueDate), asc(invoices.externalRef))
      .limit(input.limit)
      .offset(input.offset);
    return {
      asOf,
      invoices: rows.map((row) => ({ ...row, daysOverdue: daysOverdue(row, asOf) })),
      limit: input.limit,
      offset: input.offset,
    };
  },
});

export const invoiceDetail = defineTool({
  name: "invoice_detail",
  description:
    "One invoice in full: amounts and balance, the payments applied to it (how and how sure), credit notes, " +
    "write-offs, disputes, promises to pay that cover it and its latest pay-date prediction.",
  effect: "read",
  input: z.object({ invoiceId: id("invoiceId"), asOf: isoDate.optional() }),
  async run(input, db, ctx) {
    const asOf = input.asOf ?? utcDate(ctx.now);
    const [invoice] = await db
      .select({ ...invoiceColumns, description: invoices.description })
      .from(invoices)
      .innerJoin(customers, eq(customers.id, invoices.customerId))
      .where(eq(invoices.id, input.invoiceId));
    if (!invoice) throw new ToolInputError("invoiceId", `no invoice ${input.invoiceId}`);
    const [applications, credits, writtenOff, disputeRows, promises, [prediction]] = await Promise.all([
      db
        .select({
          paymentId: payments.id,
          paymentRef: payments.externalRef,
          receivedOn: payments.receivedOn,
          currency: paymentApplications.currency,
          amountMinor: paymentApplications.amountMinor,
          method: paymentApplications.method,
          confidence: paymentApplications.confidence,
          appliedBy: paymentApplications.appliedBy,
          appliedAt: paymentApplications.createdAt,
        })
        .from(paymentApplications)
        .innerJoin(payments, eq(payments.id, paymentApplications.paymentId))
        .where(eq(paymentApplications.invoiceId, invoice.id))
        .orderBy(asc(paymentApplications.createdAt)),
      db
        .select()
        .from(creditNotes)
        .where(eq(creditNotes.invoiceId, invoice.id))
        .orderBy(asc(creditNotes.createdAt)),
      db
        .select()
        .from(writeOffs)
        .where(eq(writeOffs.invoiceId, invoice.id))
        .orderBy(asc(writeOffs.createdAt)),
      db.select().from(disputes).where(eq(disputes.invoiceId, invoice.id)).orderBy(asc(disputes.openedAt)),
      db
        .select()
        .from(promisesToPay)
        .where(sql`${invoice.id}::uuid = any(${promisesToPay.invoiceIds})`)
        .orderBy(asc(promisesToPay.promisedDate)),
      db
        .select({
          asOf: predictions.asOf,
          predictedPayDate: predictions.predictedPayDate,
          p10PayDate: predictions.p10PayDate,
          p90PayDate: predictions.p90PayDate,
          lateProbability: predictions.lateProbability,
          modelVersion: predictions.modelVersion,
        })
        .from(predictions)
        .where(eq(predictions.invoiceId, invoice.id))
        .orderBy(desc(predictions.asOf), desc(predictions.createdAt))
        .limit(1),
    ]);
    return {
      asOf,
      invoice: { ...invoice, daysOverdue: daysOverdue(invoice, asOf) },
      applications,
      creditNotes: credits,
      writeOffs: writtenOff,
      disputes: disputeRows,
      promisesToPay: promises,
      prediction: prediction ?? null,
    };
  },
});

function daysOverdue(invoice: { balanceMinor: number; dueDate: string }, asOf: string): number {
  return invoice.balanceMinor > 0 ? Math.max(0, daysBetween(invoice.dueDate, asOf)) : 0;
}
