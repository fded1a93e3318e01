// Stores the 13-week cash-in forecast as of a date (per currency and week, P10/P50/P90 and the
// mean) so that later runs can compare it with the cash that arrived (cash_forecast's history).
// Recording the same date again replaces that date's forecast: the latest run's view wins.
import { sql } from "drizzle-orm";
import { z } from "zod";
import { cashForecasts } from "../../db/schema.ts";
import { cashForecast, type OpenInvoiceForecast } from "../ar-metrics/index.ts";
import { defineTool } from "../define.ts";
import { utcDate } from "../ledger.ts";
import { loadForecastInputs } from "../read/forecast-inputs.ts";
import { isoDate } from "../schemas.ts";

export const recordCashForecast = defineTool({
  name: "record_cash_forecast",
  description:
    "Compute and store the 13-week cash-in forecast (P10/P50/P90 per currency and week) from the open invoices' latest " +
    "pay-date predictions, so forecast-vs-actual can be tracked week by week.",
  effect: "write",
  input: z.object({ asOf: isoDate.optional() }),
  async propose() {
    return { kind: "portfolio_forecast" };
  },
  async run(input, tx, ctx) {
    const asOf = input.asOf ?? utcDate(ctx.now);
    const open = (await loadForecastInputs(tx, asOf)).filter((i) => i.payDay !== null);
    const versions = [...new Set(open.map((i) => i.modelVersion ?? "unknown"))].sort();
    const modelVersion = versions.length === 1 ? versions[0]! : versions.length === 0 ? "none" : "mixed";
    const forecast = cashForecast(
      open.map(
        (i): OpenInvoiceForecast => ({
          invoiceId: i.invoiceId,
          currency: i.currency,
          balanceMinor: i.balanceMinor,
          ...i.payDay!,
        }),
      ),
      asOf,
    );
    const rows = forecast.currencies.flatMap((c) => [
      ...c.weeks.map((w) => ({
        asOf,
        modelVersion,
        currency: c.currency,
        weekIndex: w.index,
        weekStart: w.start,
        weekEnd: w.end,
        p10Minor: w.p10Minor,
        p50Minor: w.p50Minor,
        p90Minor: w.p90Minor,
        meanMinor: Math.round(w.meanMinor),
      })),
      {
        asOf,
        modelVersion,
        currency: c.currency,
        weekIndex: 13,
        weekStart: c.later.start,
        weekEnd: null,
        p10Minor: c.later.p10Minor,
        p50Minor: c.later.p50Minor,
        p90Minor: c.later.p90Minor,
        meanMinor: Math.round(c.later.meanMinor),
      },
    ]);
    await tx.delete(cashForecasts).where(sql`${cashForecasts.asOf} = ${asOf}`);
    if (rows.length > 0) await tx.insert(cashForecasts).values(rows);
    return {
      asOf,
      modelVersion,
      invoices: open.length,
      currencies: forecast.currencies.map((c) => ({
        currency: c.currency,
        openMinor: c.openMinor,
        expectedPaidMinor: c.expectedPaidMinor,
        next13WeeksP50Minor: c.weeks.reduce((sum, w) => sum + w.p50Minor, 0),
      })),
    };
  },
});
