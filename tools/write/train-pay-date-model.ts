// Trains the pay-date model on the ledger's own history and stores it (forecast_models), so every
// prediction made with it can be traced to its parameters. Training is deterministic: the same
// history and cut give the same version, and storing a version twice keeps the first.
import { desc, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "../../db/connection.ts";
import { forecastModels, invoices } from "../../db/schema.ts";
import { defineTool } from "../define.ts";
import {
  fromJSON,
  type HistoryInvoice,
  type PayDateQuantileModel,
  trainPayDateModel,
} from "../forecasting/index.ts";
import { utcDate } from "../ledger.ts";
import { isoDate } from "../schemas.ts";

/**
 * Every invoice as payment history: paid on the day the payment that settled it was received (the
 * same reading as the account snapshot's paid invoices), disputed if it ever was.
 */
export async function loadPaymentHistory(db: DbOrTx): Promise<HistoryInvoice[]> {
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
    .where(isNull(invoices.voidedAt));
  return rows.map((r) => ({ ...r, paidDate: r.paidDate ?? null }));
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
  input: z.object({ asOf: isoDate.optional() }),
  async propose() {
    return { kind: "portfolio_forecast" };
  },
  async run(input, tx, ctx) {
    const asOf = input.asOf ?? utcDate(ctx.now);
    const history = await loadPaymentHistory(tx);
    const settled = history.filter((h) => h.paidDate !== null && h.paidDate < asOf).length;
    if (settled === 0)
      return { trained: false, reason: "no invoice was settled before the as-of date", asOf };
    const started = performance.now();
    const model = trainPayDateModel(history, { cut: asOf });
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
      rounds: json.rounds,
      seconds: Number(seconds.toFixed(2)),
    };
  },
});
