import { and, asc, desc, eq, gte, inArray, isNull, or, sql } from "drizzle-orm";
import { z } from "zod";
import {
  communications,
  contacts,
  customers,
  disputes,
  invoices,
  paymentPlans,
  payments,
  promisesToPay,
} from "../../db/schema.ts";
import { defineTool } from "../define.ts";
import { ToolInputError } from "../errors.ts";
import { daysBetween, openInvoiceColumns, utcDate } from "../ledger.ts";
import { id, isoDate } from "../schemas.ts";
import type {
  AccountSnapshot,
  SnapshotCommunication,
  SnapshotDispute,
  SnapshotPayment,
  SnapshotPaymentPlan,
  SnapshotPromise,
} from "./account-snapshot-types.ts";

const DAY = 86_400_000;
const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);
const minusDays = (date: string, days: number) =>
  utcDate(new Date(Date.parse(`${date}T00:00:00Z`) - days * DAY));

const paymentColumns = {
  id: payments.id,
  externalRef: payments.externalRef,
  customerId: payments.customerId,
  payerName: payments.payerName,
  payerAccount: payments.payerAccount,
  currency: payments.currency,
  amountMinor: payments.amountMinor,
  unappliedMinor: payments.unappliedMinor,
  receivedOn: payments.receivedOn,
  remittanceText: payments.remittanceText,
  chargesMinor: payments.chargesMinor,
  originalCurrency: payments.originalCurrency,
  originalAmountMinor: payments.originalAmountMinor,
  identification: payments.identification,
};

type PaymentRow = { [K in keyof typeof paymentColumns]: (typeof paymentColumns)[K]["_"]["data"] | null };

/** A payments row in the snapshot's shape. */
function snapshotPayment<R extends PaymentRow>(
  row: R,
): SnapshotPayment & Omit<R, keyof typeof paymentColumns> {
  const { originalCurrency, originalAmountMinor, ...rest } = row;
  return {
    ...(rest as unknown as SnapshotPayment & Omit<R, keyof typeof paymentColumns>),
    original:
      originalCurrency !== null && originalAmountMinor !== null
        ? { currency: originalCurrency, amountMinor: originalAmountMinor }
        : null,
  };
}

export const accountSnapshot = defineTool({
  name: "account_snapshot",
  description:
    "Everything an agent decides one account from, as of a date: the customer and its flags, contacts and consents, " +
    "open and recently paid invoices, disputes, promises, payment plans, 90 days of communications, unapplied payments " +
    "and unidentified payments that may be this customer's.",
  effect: "read",
  input: z.object({ customerId: id("customerId"), asOf: isoDate.optional() }),
  async run(input, db, ctx): Promise<AccountSnapshot> {
    const asOf = input.asOf ?? utcDate(ctx.now);
    const [customer] = await db.select().from(customers).where(eq(customers.id, input.customerId));
    if (!customer) throw new ToolInputError("customerId", `no customer ${input.customerId}`);
    const since = (days: number) => new Date(Date.parse(`${asOf}T00:00:00Z`) - days * DAY);

    // Independent reads, issued together: postgres.js pipelines them (one write, one wait) or spreads
    // them over the pool, instead of eleven round trips one after another.
    const [
      contactRows,
      openRows,
      paidRows,
      disputeRows,
      promiseRows,
      planRows,
      communicationRows,
      unappliedRows,
      candidateRows,
      recentRows,
    ] = await Promise.all([
      db
        .select()
        .from(contacts)
        .where(eq(contacts.customerId, customer.id))
        .orderBy(desc(contacts.isPrimary), asc(contacts.createdAt), asc(contacts.id)),
      db
        .select({
          ...openInvoiceColumns,
          earlyDiscountPercent: invoices.earlyDiscountPercent,
          earlyDiscountUntil: invoices.earlyDiscountUntil,
        })
        .from(invoices)
        .where(
          and(
            eq(invoices.customerId, customer.id),
            sql`${invoices.balanceMinor} > 0`,
            isNull(invoices.voidedAt),
          ),
        )
        .orderBy(asc(invoices.dueDate), asc(invoices.externalRef)),
      db
        .select({
          id: invoices.id,
          externalRef: invoices.externalRef,
          currency: invoices.currency,
          amountMinor: invoices.amountMinor,
          issueDate: invoices.issueDate,
          dueDate: invoices.dueDate,
          paidOn: sql<string>`(select max(p.received_on)::text from payment_applications a
          join payments p on p.id = a.payment_id where a.invoice_id = "invoices"."id")`,
        })
        .from(invoices)
        .where(
          and(
            eq(invoices.customerId, customer.id),
            eq(invoices.balanceMinor, 0),
            gte(invoices.dueDate, minusDays(asOf, 730)),
          ),
        )
        .orderBy(asc(invoices.dueDate), asc(invoices.externalRef)),
      db
        .select()
        .from(disputes)
        .where(
          and(
            eq(disputes.customerId, customer.id),
            or(inArray(disputes.status, ["open", "investigating"]), gte(disputes.resolvedAt, since(90))),
          ),
        )
        .orderBy(asc(disputes.openedAt), asc(disputes.id)),
      db
        .select()
        .from(promisesToPay)
        .where(
          and(
            eq(promisesToPay.customerId, customer.id),
            or(eq(promisesToPay.status, "open"), gte(promisesToPay.resolvedAt, since(180))),
          ),
        )
        .orderBy(asc(promisesToPay.promisedDate), asc(promisesToPay.id)),
      db
        .select()
        .from(paymentPlans)
        .where(
          and(
            eq(paymentPlans.customerId, customer.id),
            or(inArray(paymentPlans.status, ["proposed", "active"]), gte(paymentPlans.updatedAt, since(180))),
          ),
        )
        .orderBy(asc(paymentPlans.createdAt), asc(paymentPlans.id)),
      db
        .select()
        .from(communications)
        .where(and(eq(communications.customerId, customer.id), gte(communications.occurredAt, since(90))))
        .orderBy(desc(communications.occurredAt), desc(communications.id)),
      db
        .select(paymentColumns)
        .from(payments)
        .where(
          and(eq(payments.customerId, customer.id), sql`${payments.amountMinor} > ${payments.appliedMinor}`),
        )
        .orderBy(asc(payments.receivedOn), asc(payments.id)),
      candidatePayments(db, customer.id),
      db
        .select({
          ...paymentColumns,
          appliedTo: sql<{ invoiceId: string; amountMinor: number }[]>`coalesce((
          select jsonb_agg(jsonb_build_object('invoiceId', a.invoice_id, 'amountMinor', a.amount_minor) order by a.invoice_id)
          from payment_applications a where a.payment_id = "payments"."id"), '[]'::jsonb)`,
        })
        .from(payments)
        .where(and(eq(payments.customerId, customer.id), gte(payments.receivedOn, minusDays(asOf, 730))))
        .orderBy(asc(payments.receivedOn), asc(payments.id)),
    ]);
    return {
      asOf,
      now: ctx.now.toISOString(),
      customer: {
        id: customer.id,
        externalRef: customer.externalRef,
        name: customer.name,
        isConsumer: customer.isConsumer,
        segment: customer.segment as AccountSnapshot["customer"]["segment"],
        timezone: customer.timezone,
        country: customer.country,
        region: customer.region,
        currency: customer.currency,
        paymentTermsDays: customer.paymentTermsDays,
        creditLimitMinor: customer.creditLimitMinor,
        owner: customer.owner,
        strategic: customer.strategic,
        automationEnabled: customer.automationEnabled,
        doNotContactAt: iso(customer.doNotContactAt),
        ceaseCommunicationAt: iso(customer.ceaseCommunicationAt),
        bankruptcyFiledAt: iso(customer.bankruptcyFiledAt),
        legalHoldAt: iso(customer.legalHoldAt),
        attorneyRepresentedAt: iso(customer.attorneyRepresentedAt),
        legalEscalatedAt: iso(customer.legalEscalatedAt),
        creditHoldAt: iso(customer.creditHoldAt),
        outreachPausedUntil: customer.outreachPausedUntil,
        outreachPauseReason: customer.outreachPauseReason,
        bankAccounts: customer.bankAccounts,
      },
      contacts: contactRows.map((c) => ({
        id: c.id,
        name: c.name,
        email: c.email,
        phone: c.phone,
        role: c.role,
        isPrimary: c.isPrimary,
        preferredChannel: c.preferredChannel as AccountSnapshot["contacts"][number]["preferredChannel"],
        language: c.language,
        emailOptedOutAt: iso(c.emailOptedOutAt),
        smsConsentAt: iso(c.smsConsentAt),
        smsOptedOutAt: iso(c.smsOptedOutAt),
        callConsentAt: iso(c.callConsentAt),
        callOptedOutAt: iso(c.callOptedOutAt),
        letterOptedOutAt: iso(c.letterOptedOutAt),
      })),
      openInvoices: openRows.map(({ earlyDiscountPercent, earlyDiscountUntil, ...i }) => ({
        ...i,
        lastDunnedAt: iso(i.lastDunnedAt),
        earlyDiscount:
          earlyDiscountPercent !== null && earlyDiscountUntil !== null
            ? { percent: earlyDiscountPercent, until: earlyDiscountUntil }
            : null,
      })),
      paidInvoices: paidRows
        .filter((i) => i.paidOn)
        .map((i) => ({ ...i, paidOn: i.paidOn, daysLate: daysBetween(i.dueDate, i.paidOn) })),
      disputes: disputeRows.map(
        (d): SnapshotDispute => ({
          id: d.id,
          invoiceId: d.invoiceId,
          category: d.category as SnapshotDispute["category"],
          status: d.status as SnapshotDispute["status"],
          description: d.description,
          currency: d.currency,
          amountMinor: d.amountMinor,
          owner: d.owner,
          openedAt: d.openedAt.toISOString(),
          slaDueAt: iso(d.slaDueAt),
          resolvedAt: iso(d.resolvedAt),
        }),
      ),
      promises: promiseRows.map(
        (p): SnapshotPromise => ({
          id: p.id,
          invoiceIds: p.invoiceIds,
          currency: p.currency,
          amountMinor: p.amountMinor,
          promisedDate: p.promisedDate,
          status: p.status as SnapshotPromise["status"],
          source: p.source,
          createdAt: p.createdAt.toISOString(),
        }),
      ),
      paymentPlans: planRows.map(
        (p): SnapshotPaymentPlan => ({
          id: p.id,
          invoiceIds: p.invoiceIds,
          currency: p.currency,
          totalMinor: p.totalMinor,
          installments: p.installments as SnapshotPaymentPlan["installments"],
          status: p.status as SnapshotPaymentPlan["status"],
          createdAt: p.createdAt.toISOString(),
        }),
      ),
      communications: communicationRows.map(
        (c): SnapshotCommunication => ({
          id: c.id,
          direction: c.direction as SnapshotCommunication["direction"],
          channel: c.channel as SnapshotCommunication["channel"],
          status: c.status,
          subject: c.subject,
          body: c.body,
          occurredAt: c.occurredAt.toISOString(),
          isConversation: c.isConversation,
          invoiceIds: c.invoiceIds,
        }),
      ),
      unappliedPayments: unappliedRows.map(snapshotPayment),
      candidatePayments: candidateRows.map(snapshotPayment),
      recentPayments: recentRows.map(snapshotPayment),
    };
  },
});

/**
 * Unidentified payments cash application's payer identification (the identify_payments tool) says
 * are most likely this customer's. The specialist matches them; a payment identified by name only
 * is never applied without a person.
 */
async function candidatePayments(
  db: Parameters<typeof accountSnapshot.run>[1],
  customerId: string,
): Promise<PaymentRow[]> {
  return db
    .select(paymentColumns)
    .from(payments)
    .where(
      and(
        isNull(payments.customerId),
        eq(payments.suggestedCustomerId, customerId),
        sql`${payments.amountMinor} > ${payments.appliedMinor}`,
      ),
    )
    .orderBy(asc(payments.receivedOn), asc(payments.id));
}
