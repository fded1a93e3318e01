import { sql } from "drizzle-orm";
import { z } from "zod";
import { actions, customers, disputes, payments } from "../../db/schema.ts";
import { agingByCurrency } from "../aging.ts";
import { defineTool } from "../define.ts";
import { utcDate } from "../ledger.ts";
import { isoDate } from "../schemas.ts";

export const portfolioSummary = defineTool({
  name: "portfolio_summary",
  description:
    "The whole ledger at a glance: customers (consumer, strategic, flagged), open balance by aging bucket and currency, " +
    "live disputes, unapplied cash (identified and unidentified) and the size of the approval queue.",
  effect: "read",
  input: z.object({ asOf: isoDate.optional() }),
  async run(input, db, ctx) {
    const asOf = input.asOf ?? utcDate(ctx.now);
    const [counts] = await db
      .select({
        customers: sql<number>`count(*)::int`,
        consumer: sql<number>`count(*) filter (where ${customers.isConsumer})::int`,
        strategic: sql<number>`count(*) filter (where ${customers.strategic})::int`,
        doNotContact: sql<number>`count(*) filter (where ${customers.doNotContactAt} is not null)::int`,
        ceaseCommunication: sql<number>`count(*) filter (where ${customers.ceaseCommunicationAt} is not null)::int`,
        bankruptcy: sql<number>`count(*) filter (where ${customers.bankruptcyFiledAt} is not null)::int`,
        legalHold: sql<number>`count(*) filter (where ${customers.legalHoldAt} is not null)::int`,
      })
      .from(customers);
    const disputeRows = await db
      .select({
        currency: disputes.currency,
        count: sql<number>`count(*)::int`,
        amountMinor: sql<string>`sum(${disputes.amountMinor})`,
      })
      .from(disputes)
      .where(sql`${disputes.status} in ('open', 'investigating')`)
      .groupBy(disputes.currency)
      .orderBy(disputes.currency);
    const unappliedRows = await db
      .select({
        currency: payments.currency,
        count: sql<number>`count(*)::int`,
        identifiedMinor: sql<string>`coalesce(sum(${payments.unappliedMinor}) filter (where ${payments.customerId} is not null), 0)`,
        unidentifiedMinor: sql<string>`coalesce(sum(${payments.unappliedMinor}) filter (where ${payments.customerId} is null), 0)`,
      })
      .from(payments)
      .where(sql`${payments.amountMinor} > ${payments.appliedMinor}`)
      .groupBy(payments.currency)
      .orderBy(payments.currency);
    const [queue] = await db
      .select({ pending: sql<number>`count(*)::int` })
      .from(actions)
      .where(sql`${actions.status} = 'pending'`);
    return {
      asOf,
      customers: counts!,
      aging: await agingByCurrency(db, asOf),
      disputes: disputeRows.map((d) => ({ ...d, amountMinor: Number(d.amountMinor) })),
      unapplied: unappliedRows.map((u) => ({
        currency: u.currency,
        payments: u.count,
        identifiedMinor: Number(u.identifiedMinor),
        unidentifiedMinor: Number(u.unidentifiedMinor),
      })),
      pendingApprovals: queue!.pending,
    };
  },
});
