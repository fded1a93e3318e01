// Aging: open balance by how far past due, per currency. The one definition of the buckets, used by
// the account overview, the portfolio summary and (later) reports.
import { and, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/connection.ts";
import { invoices } from "../db/schema.ts";

export const AGING_BUCKETS = ["current", "1-30", "31-60", "61-90", "91+"] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number];

/** The bucket of an invoice this many days past its due date (≤ 0: not yet due). The SQL below uses the same edges. */
export function agingBucketOf(daysPastDue: number): AgingBucket {
  if (daysPastDue <= 0) return "current";
  if (daysPastDue <= 30) return "1-30";
  if (daysPastDue <= 60) return "31-60";
  if (daysPastDue <= 90) return "61-90";
  return "91+";
}

export interface AgingRow {
  currency: string;
  buckets: Record<AgingBucket, number>;
  totalMinor: number;
  openInvoices: number;
}

/** Open balance per currency and bucket as of a date (YYYY-MM-DD), for one customer or all. */
export async function agingByCurrency(db: DbOrTx, asOf: string, customerId?: string): Promise<AgingRow[]> {
  const daysLate = sql`(${asOf}::date - ${invoices.dueDate})`;
  const bucket = (condition: ReturnType<typeof sql>) =>
    sql<string>`coalesce(sum(${invoices.balanceMinor}) filter (where ${condition}), 0)`;
  const rows = await db
    .select({
      currency: invoices.currency,
      current: bucket(sql`${daysLate} <= 0`),
      d30: bucket(sql`${daysLate} between 1 and 30`),
      d60: bucket(sql`${daysLate} between 31 and 60`),
      d90: bucket(sql`${daysLate} between 61 and 90`),
      d91: bucket(sql`${daysLate} > 90`),
      total: sql<string>`sum(${invoices.balanceMinor})`,
      count: sql<number>`count(*)::int`,
    })
    .from(invoices)
    .where(
      and(
        sql`${invoices.balanceMinor} > 0`,
        sql`${invoices.voidedAt} is null`,
        customerId ? eq(invoices.customerId, customerId) : undefined,
      ),
    )
    .groupBy(invoices.currency)
    .orderBy(invoices.currency);
  return rows.map((r) => ({
    currency: r.currency,
    buckets: {
      current: Number(r.current),
      "1-30": Number(r.d30),
      "31-60": Number(r.d60),
      "61-90": Number(r.d90),
      "91+": Number(r.d91),
    },
    totalMinor: Number(r.total),
    openInvoices: r.count,
  }));
}
