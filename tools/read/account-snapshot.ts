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
import {
  type AccountSnapshot,
  SNAPSHOT_PARTS,
  type SnapshotCommunication,
  type SnapshotDispute,
  type SnapshotPart,
  type SnapshotPayment,
  type SnapshotPaymentPlan,
  type SnapshotPromise,
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
    "and unidentified payments that may be this customer's. `parts` reads only those (and the customer); the others come back empty.",
  effect: "read",
  input: z.object({
    customerId: id("customerId"),
    asOf: isoDate.optional(),
    parts: z.array(z.enum(SNAPSHOT_PARTS)).min(1).optional(),
  }),
  async run(input, db, ctx): Promise<AccountSnapshot> {
    const asOf = input.asOf ?? utcDate(ctx.now);
    const parts = input.parts ? new Set(input.parts) : undefined;
    const snapshot = (await loadAccountSnapshots(db, [input.customerId], asOf, ctx.now, parts)).get(
      input.customerId,
    );
    if (!snapshot) throw new ToolInputError("customerId", `no customer ${input.customerId}`);
    return snapshot;
  },
});

type ReadDb = Parameters<typeof accountSnapshot.run>[1];

/** Rows grouped by their customer, each group in the query's order. */
function byCustomer<R>(rows: readonly R[], key: (row: R) => string | null): Map<string, R[]> {
  const groups = new Map<string, R[]>();
  for (const row of rows) {
    const id = key(row);
    if (id === null) continue;
    const group = groups.get(id);
    if (group) group.push(row);
    else groups.set(id, [row]);
  }
  return groups;
}

/**
 * The account snapshots of several customers at once, as of a date: the same eleven reads as one
 * account's, each for all of them (`customer_id = any(…)`), so a worker that claimed a batch of
 * accounts reads them in eleven statements rather than eleven per account. Customers that do not
 * exist are absent from the map. `account_snapshot` is this with one customer.
 */
export async function loadAccountSnapshots(
  db: ReadDb,
  customerIds: readonly string[],
  asOf: string,
  now: Date,
  /** Only these parts (and the customer); the others come back empty. Default: all. */
  parts?: ReadonlySet<SnapshotPart>,
): Promise<Map<string, AccountSnapshot>> {
  const ids = [...new Set(customerIds)];
  const snapshots = new Map<string, AccountSnapshot>();
  if (ids.length === 0) return snapshots;
  const since = (days: number) => new Date(Date.parse(`${asOf}T00:00:00Z`) - days * DAY);
  const unread = Promise.resolve([]);
  const read = <Q>(part: SnapshotPart, query: () => Q): Q | Promise<never[]> =>
    !parts || parts.has(part) ? query() : unread;

  // Independent reads, issued together: postgres.js pipelines them (one write, one wait) or spreads
  // them over the pool, instead of eleven round trips one after another.
  const [
    customerRows,
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
    db.select().from(customers).where(inArray(customers.id, ids)),
    read("contacts", () =>
      db
        .select()
        .from(contacts)
        .where(inArray(contacts.customerId, ids))
        .orderBy(desc(contacts.isPrimary), asc(contacts.createdAt), asc(contacts.id)),
    ),
    read("openInvoices", () =>
      db
        .select({
          ...openInvoiceColumns,
          customerId: invoices.customerId,
          earlyDiscountPercent: invoices.earlyDiscountPercent,
          earlyDiscountUntil: invoices.earlyDiscountUntil,
        })
        .from(invoices)
        .where(
          and(
            inArray(invoices.customerId, ids),
            sql`${invoices.balanceMinor} > 0`,
            isNull(invoices.voidedAt),
          ),
        )
        .orderBy(asc(invoices.dueDate), asc(invoices.externalRef)),
    ),
    read("paidInvoices", () =>
      db
        .select({
          id: invoices.id,
          customerId: invoices.customerId,
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
            inArray(invoices.customerId, ids),
            eq(invoices.balanceMinor, 0),
            gte(invoices.dueDate, minusDays(asOf, 730)),
          ),
        )
        .orderBy(asc(invoices.dueDate), asc(invoices.externalRef)),
    ),
    read("disputes", () =>
      db
        .select()
        .from(disputes)
        .where(
          and(
            inArray(disputes.customerId, ids),
            or(inArray(disputes.status, ["open", "investigating"]), gte(disputes.resolvedAt, since(90))),
          ),
        )
        .orderBy(asc(disputes.openedAt), asc(disputes.id)),
    ),
    read("promises", () =>
      db
        .select()
        .from(promisesToPay)
        .where(
          and(
            inArray(promisesToPay.customerId, ids),
            or(eq(promisesToPay.status, "open"), gte(promisesToPay.resolvedAt, since(180))),
          ),
        )
        .orderBy(asc(promisesToPay.promisedDate), asc(promisesToPay.id)),
    ),
    read("paymentPlans", () =>
      db
        .select()
        .from(paymentPlans)
        .where(
          and(
            inArray(paymentPlans.customerId, ids),
            or(inArray(paymentPlans.status, ["proposed", "active"]), gte(paymentPlans.updatedAt, since(180))),
          ),
        )
        .orderBy(asc(paymentPlans.createdAt), asc(paymentPlans.id)),
    ),
    read("communications", () =>
      db
        .select()
        .from(communications)
        .where(and(inArray(communications.customerId, ids), gte(communications.occurredAt, since(90))))
        .orderBy(desc(communications.occurredAt), desc(communications.id)),
    ),
    read("unappliedPayments", () =>
      db
        .select(paymentColumns)
        .from(payments)
        .where(
          and(inArray(payments.customerId, ids), sql`${payments.amountMinor} > ${payments.appliedMinor}`),
        )
        .orderBy(asc(payments.receivedOn), asc(payments.id)),
    ),
    read("candidatePayments", () => candidatePayments(db, ids)),
    read("recentPayments", () =>
      db
        .select({
          ...paymentColumns,
          appliedTo: sql<{ invoiceId: string; amountMinor: number }[]>`coalesce((
            select jsonb_agg(jsonb_build_object('invoiceId', a.invoice_id, 'amountMinor', a.amount_minor) order by a.invoice_id)
            from payment_applications a where a.payment_id = "payments"."id"), '[]'::jsonb)`,
        })
        .from(payments)
        .where(and(inArray(payments.customerId, ids), gte(payments.receivedOn, minusDays(asOf, 730))))
        .orderBy(asc(payments.receivedOn), asc(payments.id)),
    ),
  ]);
  const contactsOf = byCustomer(contactRows, (r) => r.customerId);
  const openOf = byCustomer(openRows, (r) => r.customerId);
  const paidOf = byCustomer(paidRows, (r) => r.customerId);
  const disputesOf = byCustomer(disputeRows, (r) => r.customerId);
  const promisesOf = byCustomer(promiseRows, (r) => r.customerId);
  const plansOf = byCustomer(planRows, (r) => r.customerId);
  const communicationsOf = byCustomer(communicationRows, (r) => r.customerId);
  const unappliedOf = byCustomer(unappliedRows, (r) => r.customerId);
  const candidatesOf = byCustomer(candidateRows, (r) => r.suggestedCustomerId);
  const recentOf = byCustomer(recentRows, (r) => r.customerId);
  for (const customer of customerRows) {
    const id = customer.id;
    snapshots.set(id, {
      asOf,
      now: now.toISOString(),
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
      contacts: (contactsOf.get(id) ?? []).map((c) => ({
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
      openInvoices: (openOf.get(id) ?? []).map(
        ({ earlyDiscountPercent, earlyDiscountUntil, customerId: _, ...i }) => ({
          ...i,
          lastDunnedAt: iso(i.lastDunnedAt),
          earlyDiscount:
            earlyDiscountPercent !== null && earlyDiscountUntil !== null
              ? { percent: earlyDiscountPercent, until: earlyDiscountUntil }
              : null,
        }),
      ),
      paidInvoices: (paidOf.get(id) ?? [])
        .filter((i) => i.paidOn)
        .map(({ customerId: _, ...i }) => ({
          ...i,
          paidOn: i.paidOn,
          daysLate: daysBetween(i.dueDate, i.paidOn),
        })),
      disputes: (disputesOf.get(id) ?? []).map(
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
      promises: (promisesOf.get(id) ?? []).map(
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
      paymentPlans: (plansOf.get(id) ?? []).map(
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
      communications: (communicationsOf.get(id) ?? []).map(
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
      unappliedPayments: (unappliedOf.get(id) ?? []).map(snapshotPayment),
      candidatePayments: (candidatesOf.get(id) ?? []).map(({ suggestedCustomerId: _, ...p }) =>
        snapshotPayment(p),
      ),
      recentPayments: (recentOf.get(id) ?? []).map(snapshotPayment),
    });
  }
  return snapshots;
}

/**
 * Unidentified payments cash application's payer identification (the identify_payments tool) says
 * are most likely this customer's. The specialist matches them; a payment identified by name only
 * is never applied without a person.
 */
async function candidatePayments(db: ReadDb, customerIds: readonly string[]) {
  return db
    .select({ ...paymentColumns, suggestedCustomerId: payments.suggestedCustomerId })
    .from(payments)
    .where(
      and(
        isNull(payments.customerId),
        inArray(payments.suggestedCustomerId, [...customerIds]),
        sql`${payments.amountMinor} > ${payments.appliedMinor}`,
      ),
    )
    .orderBy(asc(payments.receivedOn), asc(payments.id));
}
