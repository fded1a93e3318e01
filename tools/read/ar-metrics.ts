// AR metrics as of any date: DSO (standard and countback), aging, at-risk rate and the collection
// effectiveness index, per currency, for the whole ledger or one customer. The definitions are in
// tools/ar-metrics (README there); this tool only loads the ledger's invoices and the dated events
// that changed their balances (payments by the day they were received, credit notes and write-offs by
// the day they were posted), so any past date gives the figures as they stood then.
import { and, eq, gt, sql } from "drizzle-orm";
import { z } from "zod";
import { creditNotes, invoices, paymentApplications, payments, writeOffs } from "../../db/schema.ts";
import { arMetrics, type Ledger, type LedgerEvent } from "../ar-metrics/index.ts";
import { defineTool } from "../define.ts";
import { utcDate } from "../ledger.ts";
import { id, isoDate } from "../schemas.ts";

export const arMetricsTool = defineTool({
  name: "ar_metrics",
  description:
    "DSO (standard: ending AR ÷ credit sales × days; countback by month), aging buckets, at-risk rate (share 90+ days " +
    "past due) and the collection effectiveness index, per currency, as of any date, for the ledger or one customer.",
  effect: "read",
  input: z.object({
    asOf: isoDate.optional(),
    customerId: id("customerId").optional(),
    /** The DSO-standard and CEI period ending at asOf, in days. */
    periodDays: z.number().int().min(7).max(730).default(90),
    countback: z.enum(["month", "30_days"]).default("month"),
  }),
  async run(input, db, ctx) {
    const asOf = input.asOf ?? utcDate(ctx.now);
    const ledger = await loadLedger(db, input.customerId);
    return {
      asOf,
      periodDays: input.periodDays,
      customerId: input.customerId ?? null,
      currencies: arMetrics(ledger, asOf, {
        periodDays: input.periodDays,
        countback: input.countback === "month" ? { unit: "month" } : { unit: "days", days: 30 },
      }),
    };
  },
});

type Db = Parameters<typeof arMetricsTool.run>[1];

/** Every invoice (of one customer or all) and the dated events that reduced its balance. */
export async function loadLedger(db: Db, customerId?: string): Promise<Ledger> {
  const scope = customerId ? eq(invoices.customerId, customerId) : undefined;
  const invoiceRows = await db
    .select({
      id: invoices.id,
      currency: invoices.currency,
      issueDate: invoices.issueDate,
      dueDate: invoices.dueDate,
      amountMinor: invoices.amountMinor,
      voidedOn: sql<string | null>`to_char(${invoices.voidedAt} at time zone 'UTC', 'YYYY-MM-DD')`,
    })
    .from(invoices)
    .where(scope);
  const events: LedgerEvent[] = [];
  const applied = await db
    .select({
      invoiceId: paymentApplications.invoiceId,
      date: payments.receivedOn,
      amountMinor: paymentApplications.amountMinor,
    })
    .from(paymentApplications)
    .innerJoin(payments, eq(payments.id, paymentApplications.paymentId))
    .innerJoin(invoices, eq(invoices.id, paymentApplications.invoiceId))
    .where(and(scope, gt(paymentApplications.amountMinor, 0)));
  for (const a of applied) events.push({ ...a, kind: "payment" });
  const credited = await db
    .select({
      invoiceId: creditNotes.invoiceId,
      date: sql<string>`to_char(${creditNotes.createdAt} at time zone 'UTC', 'YYYY-MM-DD')`,
      amountMinor: creditNotes.amountMinor,
    })
    .from(creditNotes)
    .innerJoin(invoices, eq(invoices.id, creditNotes.invoiceId))
    .where(scope);
  for (const c of credited) events.push({ ...c, kind: "credit" });
  const writtenOff = await db
    .select({
      invoiceId: writeOffs.invoiceId,
      date: sql<string>`to_char(${writeOffs.createdAt} at time zone 'UTC', 'YYYY-MM-DD')`,
      amountMinor: writeOffs.amountMinor,
    })
    .from(writeOffs)
    .innerJoin(invoices, eq(invoices.id, writeOffs.invoiceId))
    .where(scope);
  for (const w of writtenOff) events.push({ ...w, kind: "write_off" });
  return { invoices: invoiceRows, events };
}
