import { and, desc, eq, inArray, lte, sql } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "../../db/connection.ts";
import {
  actions,
  communications,
  contacts,
  customers,
  disputes,
  invoices,
  paymentPlans,
  predictions,
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
    "Everything a collector needs on one account: flags and any outreach pause, contacts and consents, aging buckets per currency, open " +
    "invoices with days overdue and their latest pay-date prediction, live disputes, promises to pay, payment plans, " +
    "recent communications, pending approvals, and the account's risk score with the factors it was computed from.",
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
    const [contactRows, aging, openInvoices, liveDisputes, promises, plans, recent, pending, forecasts] =
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
            /** The start of the message, enough to recall what was said. */
            bodyPreview: sql<string>`left(${communications.body}, ${BODY_PREVIEW_CHARS})`,
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
        // The risk score's factors are kept only in the record_forecast call that set it.
        db
          .select({ input: actions.input, executedAt: actions.executedAt })
          .from(actions)
          .where(
            and(
              eq(actions.customerId, customer.id),
              eq(actions.tool, "record_forecast"),
              eq(actions.status, "executed"),
            ),
          )
          // The last one executed set customers.risk_score; calls judged as of one instant tie on it.
          .orderBy(desc(actions.executedAt), desc(actions.createdAt))
          .limit(1),
      ]);
    const latestPrediction = await latestPredictions(
      db,
      customer.id,
      openInvoices.map((i) => i.id),
      asOf,
    );
    const recorded = forecasts[0]?.input as { riskFactors?: RiskFactor[]; modelVersion?: string } | undefined;
    return {
      asOf,
      customer,
      /** The agents' outreach pause (pause_outreach), and whether it still holds on asOf. */
      outreachPause:
        customer.outreachPausedUntil === null
          ? null
          : {
              until: customer.outreachPausedUntil,
              reason: customer.outreachPauseReason,
              inForce: asOf < customer.outreachPausedUntil,
            },
      contacts: contactRows,
      aging,
      openInvoices: openInvoices.map((i) => ({
        ...i,
        daysOverdue: Math.max(0, daysBetween(i.dueDate, asOf)),
        prediction: latestPrediction.get(i.id) ?? null,
      })),
      disputes: liveDisputes,
      promisesToPay: promises.map((p) => ({ ...p, broken: p.promisedDate < asOf })),
      paymentPlans: plans,
      recentCommunications: recent,
      pendingApprovals: pending,
      risk: {
        /** P(the open balance is paid more than 30 days late), in percent; null before any forecast. */
        score: customer.riskScore,
        scoredAt: customer.riskScoredAt,
        modelVersion: recorded?.modelVersion ?? null,
        /** Per invoice: its share of the balance (weight) × its late probability (value) adds up to the score. */
        factors: recorded?.riskFactors ?? [],
      },
    };
  },
});

/** How much of each recent message the overview shows. */
const BODY_PREVIEW_CHARS = 280;

interface RiskFactor {
  name: string;
  weight: number;
  value: number;
}

/** The newest pay-date prediction of each of these invoices made by asOf. */
async function latestPredictions(db: DbOrTx, customerId: string, invoiceIds: string[], asOf: string) {
  const rows =
    invoiceIds.length === 0
      ? []
      : await db
          .selectDistinctOn([predictions.invoiceId], {
            invoiceId: predictions.invoiceId,
            asOf: predictions.asOf,
            predictedPayDate: predictions.predictedPayDate,
            p10PayDate: predictions.p10PayDate,
            p90PayDate: predictions.p90PayDate,
            lateProbability: predictions.lateProbability,
            modelVersion: predictions.modelVersion,
          })
          .from(predictions)
          .where(
            and(
              eq(predictions.customerId, customerId),
              inArray(predictions.invoiceId, invoiceIds),
              lte(predictions.asOf, asOf),
            ),
          )
          .orderBy(predictions.invoiceId, desc(predictions.asOf), desc(predictions.createdAt));
  return new Map(rows.map(({ invoiceId, ...prediction }) => [invoiceId, prediction]));
}
