// Trains the pay-date model on the ledger's own history and stores it (forecast_models), so every
// prediction made with it can be traced to its parameters. Training is deterministic: the same
// history and cut give the same version, and storing a version twice keeps the first.
import { and, desc, inArray, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "../../db/connection.ts";
import { forecastModels, invoices } from "../../db/schema.ts";
import { defineTool } from "../define.ts";
import {
  DEFAULT_PARAMS,
  fromJSON,
  type HistoryInvoice,
  type PayDateQuantileModel,
  sampleTrainingCustomers,
  trainPayDateModel,
} from "../forecasting/index.ts";
import { utcDate } from "../ledger.ts";
import { isoDate } from "../schemas.ts";

/**
 * Every invoice as payment history: paid on the day the payment that settled it was received (the
 * same reading as the account snapshot's paid invoices), disputed if it ever was.
 */
export async function loadPaymentHistory(
  db: DbOrTx,
  customerIds?: readonly string[],
): Promise<HistoryInvoice[]> {
  if (customerIds && customerIds.length === 0) return [];
  const rows = await db
    .select({
      customerId: invoices.customerId,
      invoiceId: invoices.id,
      invoiceDate: invoices.issueDate,
      dueDate: invoices.dueDate,
      amountMinor: invoices.amountMinor,
      paidDate: sql<string | null>`case when ${invoices.balanceMinor} = 0 then (
        select to_char(max(p.received_on), 'YYYY-MM-DD') from payment_applications a
        join payments p on p.id = a.payment_id where a.invoice_id = "invoices"."id") end`,
      // Qualified by hand: inside a subquery drizzle would print a bare, ambiguous "id".
      disputed: sql<boolean>`exists (select 1 from disputes d where d.invoice_id = "invoices"."id")`,
    })
    .from(invoices)
    .where(
      and(
        isNull(invoices.voidedAt),
        customerIds ? inArray(invoices.customerId, [...customerIds]) : undefined,
      ),
    );
  return rows.map((r) => ({ ...r, paidDate: r.paidDate ?? null }));
}

/**
 * The payment history to train on at `cut`: every customer's, or, when more than
 * `maxTrainingInvoices` invoices were settled before the cut, the whole history of the customers
 * sampleTrainingCustomers keeps — counted in the database first, so a large ledger is never loaded
 * whole.
 */
export async function loadTrainingHistory(
  db: DbOrTx,
  cut: string,
  maxTrainingInvoices = DEFAULT_PARAMS.maxTrainingInvoices,
): Promise<{
  history: HistoryInvoice[];
  settled: number;
  sampledCustomers: number | null;
  customers: number;
}> {
  const counts = await db.execute<{ customer_id: string; settled: number }>(sql`
    select i.customer_id, count(*)::int as settled from invoices i
    where i.voided_at is null and i.balance_minor = 0
      and (select max(p.received_on) from payment_applications a join payments p on p.id = a.payment_id
           where a.invoice_id = i.id) < ${cut}::date
    group by i.customer_id`);
  const settledByCustomer = new Map(counts.map((r) => [r.customer_id, Number(r.settled)]));
  const settled = [...settledByCustomer.values()].reduce((a, b) => a + b, 0);
  const kept = sampleTrainingCustomers(settledByCustomer, maxTrainingInvoices, DEFAULT_PARAMS.seed);
  const history = await loadPaymentHistory(db, kept ? [...kept] : undefined);
  return { history, settled, sampledCustomers: kept?.size ?? null, customers: settledByCustomer.size };
}

/** The newest stored model, ready to predict with; null before the first training. */
export async function latestPayDateModel(
  db: DbOrTx,
): Promise<{ model: PayDateQuantileModel; trainedThrough: string; createdAt: Date } | null> {
  const [row] = await db.select().from(forecastModels).orderBy(desc(forecastModels.createdAt)).limit(1);
  if (!row) return null;
  return {
    model: fromJSON(row.params as never),
    trainedThrough: row.trainedThrough,
    createdAt: row.createdAt,
  };
}

export const trainPayDateModelTool = defineTool({
  name: "train_pay_date_model",
  description:
    "Train the pay-date model (gradient-boosted quantile trees, P10/P50/P90 of days late) on every invoice settled " +
    "before the as-of date and store it; forecasts made afterwards use it and record its version.",
  effect: "write",
  input: z.object({
    asOf: isoDate.optional(),
    /** Sample whole customers down to this many settled invoices (default DEFAULT_PARAMS'). */
    maxTrainingInvoices: z.number().int().min(100).max(10_000_000).optional(),
  }),
  async propose() {
    return { kind: "portfolio_forecast" };
  },
  async run(input, tx, ctx) {
    const asOf = input.asOf ?? utcDate(ctx.now);
    const { history, settled, sampledCustomers, customers } = await loadTrainingHistory(
      tx,
      asOf,
      input.maxTrainingInvoices,
    );
    if (settled === 0)
      return { trained: false, reason: "no invoice was settled before the as-of date", asOf };
    const started = performance.now();
    const model = trainPayDateModel(history, {
      cut: asOf,
      ...(input.maxTrainingInvoices ? { maxTrainingInvoices: input.maxTrainingInvoices } : {}),
    });
    const seconds = (performance.now() - started) / 1000;
    const json = model.toJSON();
    const inserted = await tx
      .insert(forecastModels)
      .values({
        version: model.version,
        kind: "gbq1",
        trainedThrough: asOf,
        trainRows: json.trainingInvoices,
        params: json,
        metrics: {
          trainingExamples: json.trainingExamples,
          rounds: json.rounds,
          trainSeconds: Number(seconds.toFixed(2)),
          settledInvoices: settled,
          customers,
          ...(sampledCustomers !== null ? { sampledCustomers } : {}),
        },
        actionId: ctx.actionId,
      })
      .onConflictDoNothing({ target: forecastModels.version })
      .returning({ id: forecastModels.id });
    return {
      trained: true,
      asOf,
      version: model.version,
      stored: inserted.length > 0,
      trainingInvoices: json.trainingInvoices,
      trainingExamples: json.trainingExamples,
      settledInvoices: settled,
      ...(sampledCustomers !== null ? { sampledCustomers, ofCustomers: customers } : {}),
      rounds: json.rounds,
      seconds: Number(seconds.toFixed(2)),
    };
  },
});
