// The 13-week cash-in forecast per currency with P10/P50/P90 per week, from each open invoice's
// latest pay-date prediction (not-yet-due invoices included), and how earlier stored forecasts
// compared with the cash that actually arrived.
import { and, asc, eq, gte, lte, sql } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "../../db/connection.ts";
import { cashForecasts, paymentApplications, payments } from "../../db/schema.ts";
import {
  addDays,
  cashForecast,
  type ForecastComparison,
  isoWeekLabel,
  type OpenInvoiceForecast,
  summarizeForecastAccuracy,
} from "../ar-metrics/index.ts";
import { defineTool } from "../define.ts";
import { utcDate } from "../ledger.ts";
import { isoDate } from "../schemas.ts";
import { loadForecastInputs } from "./forecast-inputs.ts";

export const cashForecastTool = defineTool({
  name: "cash_forecast",
  description:
    "13-week cash-in forecast per currency (P10/P50/P90 per ISO week, and what falls later) from the latest pay-date " +
    "prediction of every open invoice, with the forecasts stored by earlier runs compared against the cash received.",
  effect: "read",
  input: z.object({ asOf: isoDate.optional(), history: z.number().int().min(0).max(52).default(8) }),
  async run(input, db, ctx) {
    const asOf = input.asOf ?? utcDate(ctx.now);
    const open = await loadForecastInputs(db, asOf);
    const predicted: OpenInvoiceForecast[] = open
      .filter((i) => i.payDay !== null)
      .map((i) => ({
        invoiceId: i.invoiceId,
        currency: i.currency,
        balanceMinor: i.balanceMinor,
        ...i.payDay!,
      }));
    const forecast = cashForecast(predicted, asOf);
    const unpredicted = open.filter((i) => i.payDay === null);
    return {
      asOf,
      forecast,
      /** Open invoices no prediction covers yet (the next run predicts them). */
      unpredicted: { invoices: unpredicted.length, byCurrency: sumBy(unpredicted) },
      ...(await withAccuracy(await forecastHistory(db, asOf, input.history), asOf)),
    };
  },
});

function sumBy(rows: { currency: string; balanceMinor: number }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[r.currency] = (out[r.currency] ?? 0) + r.balanceMinor;
  return out;
}

/**
 * Stored forecasts' weeks that have ended by asOf, each with the cash applied from payments
 * received in that week: forecast vs actual, per week, for the last `weeks` weeks.
 */
async function forecastHistory(db: DbOrTx, asOf: string, weeks: number) {
  if (weeks === 0) return [];
  const since = addDays(asOf, -7 * weeks);
  const rows = await db
    .select()
    .from(cashForecasts)
    .where(and(gte(cashForecasts.weekStart, since), lte(cashForecasts.weekEnd, addDays(asOf, -1))))
    .orderBy(asc(cashForecasts.weekStart), asc(cashForecasts.currency), asc(cashForecasts.asOf));
  if (rows.length === 0) return [];
  // One query for the cash of every day the stored weeks cover, summed per week in memory.
  const daily = await db
    .select({
      currency: payments.currency,
      day: payments.receivedOn,
      minor: sql<string>`sum(${paymentApplications.amountMinor})`,
    })
    .from(paymentApplications)
    .innerJoin(payments, eq(payments.id, paymentApplications.paymentId))
    .where(and(gte(payments.receivedOn, rows[0]!.weekStart), lte(payments.receivedOn, addDays(asOf, -1))))
    .groupBy(payments.currency, payments.receivedOn);
  const out = [];
  for (const row of rows) {
    const actualMinor = daily
      .filter((d) => d.currency === row.currency && d.day >= row.weekStart && d.day <= row.weekEnd!)
      .reduce((sum, d) => sum + Number(d.minor), 0);
    out.push({
      forecastAsOf: row.asOf,
      modelVersion: row.modelVersion,
      currency: row.currency,
      weekStart: row.weekStart,
      weekEnd: row.weekEnd,
      horizonWeek: row.weekIndex,
      p10Minor: row.p10Minor,
      p50Minor: row.p50Minor,
      p90Minor: row.p90Minor,
      actualMinor,
      errorMinor: actualMinor - row.p50Minor,
      withinP10P90: actualMinor >= row.p10Minor && actualMinor <= row.p90Minor,
    });
  }
  return out;
}

type HistoryRow = Awaited<ReturnType<typeof forecastHistory>>[number];

/** The history rows, and their accuracy per currency and horizon week (MAE, bias, WAPE, P10–P90 coverage). */
function withAccuracy(history: HistoryRow[], asOf: string) {
  const byForecast = new Map<string, ForecastComparison>();
  for (const row of history) {
    const comparison = byForecast.get(row.forecastAsOf) ?? {
      asOf: row.forecastAsOf,
      observedThrough: addDays(asOf, -1),
      currencies: [],
    };
    byForecast.set(row.forecastAsOf, comparison);
    let currency = comparison.currencies.find((c) => c.currency === row.currency);
    if (!currency) {
      currency = { currency: row.currency, weeks: [] };
      comparison.currencies.push(currency);
    }
    currency.weeks.push({
      index: row.horizonWeek,
      label: isoWeekLabel(row.weekStart),
      start: row.weekStart,
      end: row.weekEnd!,
      p10Minor: row.p10Minor,
      p50Minor: row.p50Minor,
      p90Minor: row.p90Minor,
      actualMinor: row.actualMinor,
      errorMinor: row.errorMinor,
      absErrorMinor: Math.abs(row.errorMinor),
      errorPct: row.p50Minor === 0 ? null : (row.errorMinor / row.p50Minor) * 100,
      withinBand: row.withinP10P90,
    });
  }
  return { history, accuracy: summarizeForecastAccuracy([...byForecast.values()]) };
}
