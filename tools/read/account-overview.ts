import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import {
  actions,
  communications,
  contacts,
  customers,
  disputes,
  invoices,
  paymentPlans,
  promisesToPay,
} from "../../db/schema.ts";
import { agingByCurrency } from "../aging.ts";
import { defineTool } from "../define.ts";
import { ToolInputError } from "../errors.ts";
import { daysBetween, openInvoiceColumns, utcDate } from "../ledger.ts";
import { id, isoDate } from "../schemas.ts";

export const accountOverview = defineTool({
  name: "account_overview",
  description:
    "Everything a collector needs on one account: flags, contacts and consents, aging buckets per currency, open " +
    "invoices with days overdue, live disputes, promises to pay, payment plans, recent communications, pending approvals.",
  effect: "read",
  input: z.object({
    customerId: id("customerId"),
    asOf: isoDate.optional(),
    communicationsLimit: z.number().int().min(1).max(200).default(20),
  }),
  async run(input, db, ctx) {
    const asOf = input.asOf ?? utcDate(ctx.now);
    const [customer] = await db.select().from(customers).where(eq(customers.id, input.customerId));
    if (!customer) throw new ToolInputError("customerId", `no customer ${input.customerId}`);
    const [contactRows, aging, openInvoices, liveDisputes, promises, plans, recent, pending] =
      await Promise.all([
        db
          .select()
          .from(contacts)
          .where(eq(contacts.customerId, customer.id))
          .orderBy(desc(contacts.isPrimary), contacts.name),
        agingByCurrency(db, asOf, customer.id),
        db
          .select(openInvoiceColumns)
          .from(invoices)
          .where(and(eq(invoices.customerId, customer.id), sql`${invoices.balanceMinor} > 0`))
          .orderBy(invoices.dueDate, invoices.externalRef),
        db
          .select()
          .from(disputes)
          .where(
            and(eq(disputes.customerId, customer.id), inArray(disputes.status, ["open", "investigating"])),
          )
          .orderBy(disputes.openedAt),
        db
          .select()
          .from(promisesToPay)
          .where(and(eq(promisesToPay.customerId, customer.id), eq(promisesToPay.status, "open")))
          .orderBy(promisesToPay.promisedDate),
        db
          .select()
          .from(paymentPlans)
          .where(
            and(
              eq(paymentPlans.customerId, customer.id),
              inArray(paymentPlans.status, ["proposed", "active"]),
            ),
          ),
        db
          .select({
            id: communications.id,
            direction: communications.direction,
            channel: communications.channel,
            status: communications.status,
            subject: communications.subject,
            occurredAt: communications.occurredAt,
            isConversation: communications.isConversation,
          })
          .from(communications)
          .where(eq(communications.customerId, customer.id))
          .orderBy(desc(communications.occurredAt))
          .limit(input.communicationsLimit),
        db
          .select({
            id: actions.id,
            tool: actions.tool,
            reasons: actions.reasons,
            createdAt: actions.createdAt,
          })
          .from(actions)
          .where(and(eq(actions.customerId, customer.id), eq(actions.status, "pending")))
          .orderBy(actions.createdAt),
      ]);
    return {
      asOf,
      customer,
      contacts: contactRows,
      aging,
      openInvoices: openInvoices.map((i) => ({
        ...i,
        daysOverdue: Math.max(0, daysBetween(i.dueDate, asOf)),
      })),
      disputes: liveDisputes,
      promisesToPay: promises.map((p) => ({ ...p, broken: p.promisedDate < asOf })),
      paymentPlans: plans,
      recentCommunications: recent,
      pendingApprovals: pending,
    };
  },
});
