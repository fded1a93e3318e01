// What the cash forecast and the worklist need from the ledger: every open invoice with its latest
// pay-date prediction (as quantiles of days after asOf), its dispute / promise / plan state, and its
// account. One loader for both, in a handful of set-based queries.
import { and, eq, gt, inArray, isNull, lte, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/connection.ts";
import {
  communications,
  customers,
  invoices,
  paymentPlans,
  predictions,
  promisesToPay,
} from "../../db/schema.ts";
import { type PayDayQuantiles, payDayOf } from "../ar-metrics/index.ts";
import { invoiceIsDisputed } from "../ledger.ts";

export interface ForecastInvoice {
  invoiceId: string;
  customerId: string;
  currency: string;
  balanceMinor: number;
  dueDate: string;
  disputed: boolean;
  promisedDate: string | null;
  onActivePlan: boolean;
  /** From the latest prediction made on or before asOf; null when none was made. */
  payDay: PayDayQuantiles | null;
  lateProbability: number | null;
  modelVersion: string | null;
}

/**
 * Quantiles of the pay day in days after asOf. A prediction with only a median (the rules model)
 * gives a point forecast; the quantile model gives P10/P90 too.
 */
export async function loadForecastInputs(
  db: DbOrTx,
  asOf: string,
  customerIds?: string[],
): Promise<ForecastInvoice[]> {
  const scope = customerIds ? inArray(invoices.customerId, customerIds) : undefined;
  const open = await db
    .select({
      invoiceId: invoices.id,
      customerId: invoices.customerId,
      currency: invoices.currency,
      balanceMinor: invoices.balanceMinor,
      dueDate: invoices.dueDate,
      disputed: invoiceIsDisputed,
    })
    .from(invoices)
    .where(and(gt(invoices.balanceMinor, 0), isNull(invoices.voidedAt), scope));
  if (open.length === 0) return [];
  const latest = await db
    .selectDistinctOn([predictions.invoiceId], {
      invoiceId: predictions.invoiceId,
      p50: predictions.predictedPayDate,
      p10: predictions.p10PayDate,
      p90: predictions.p90PayDate,
      lateProbability: predictions.lateProbability,
      modelVersion: predictions.modelVersion,
    })
    .from(predictions)
    .innerJoin(invoices, eq(invoices.id, predictions.invoiceId))
    .where(and(lte(predictions.asOf, asOf), gt(invoices.balanceMinor, 0), scope))
    .orderBy(predictions.invoiceId, sql`${predictions.asOf} desc`, sql`${predictions.createdAt} desc`);
  const byInvoice = new Map(latest.map((p) => [p.invoiceId, p]));
  const promised = new Map<string, string>();
  const promises = await db
    .select({ invoiceIds: promisesToPay.invoiceIds, promisedDate: promisesToPay.promisedDate })
    .from(promisesToPay)
    .where(eq(promisesToPay.status, "open"));
  for (const p of promises)
    for (const id of p.invoiceIds) {
      const earlier = promised.get(id);
      if (!earlier || p.promisedDate < earlier) promised.set(id, p.promisedDate);
    }
  const onPlan = new Set<string>();
  const plans = await db
    .select({ invoiceIds: paymentPlans.invoiceIds })
    .from(paymentPlans)
    .where(eq(paymentPlans.status, "active"));
  for (const p of plans) for (const id of p.invoiceIds) onPlan.add(id);
  return open.map((row) => {
    const prediction = byInvoice.get(row.invoiceId);
    return {
      ...row,
      promisedDate: promised.get(row.invoiceId) ?? null,
      onActivePlan: onPlan.has(row.invoiceId),
      payDay: prediction ? payDayOf(asOf, prediction.p50, prediction.p10, prediction.p90) : null,
      lateProbability: prediction?.lateProbability ?? null,
      modelVersion: prediction?.modelVersion ?? null,
    };
  });
}

/** The accounts behind those invoices: name, segment, stored risk score and last contact before asOf. */
export async function loadForecastAccounts(db: DbOrTx, asOf: string, customerIds: string[]) {
  if (customerIds.length === 0) return [];
  const rows = await db
    .select({
      id: customers.id,
      name: customers.name,
      segment: customers.segment,
      riskScore: customers.riskScore,
      lastContact: sql<
        string | null
      >`(select to_char(max(${communications.occurredAt}) at time zone 'UTC', 'YYYY-MM-DD')
        from ${communications} where ${communications.customerId} = ${customers.id}
        and ${communications.occurredAt} < (${asOf}::date + 1))`,
    })
    .from(customers)
    .where(inArray(customers.id, customerIds));
  return rows;
}
