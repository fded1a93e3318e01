// What the ledger says as a whole: the portfolio summary, AR metrics, the 13-week cash forecast and
// the collectors' worklist, each one read tool.
import { arMetricsTool } from "../../tools/read/ar-metrics.ts";
import { cashForecastTool } from "../../tools/read/cash-forecast.ts";
import { portfolioSummary } from "../../tools/read/portfolio-summary.ts";
import { worklist } from "../../tools/read/worklist.ts";
import { type ApiDeps, readTool } from "./deps.ts";
import { defineRoute, type RouteSpec } from "./route.ts";

export function insightRoutes(deps: ApiDeps): RouteSpec[] {
  return [
    defineRoute({
      method: "get",
      path: "/api/summary",
      operationId: "getPortfolioSummary",
      summary: "The portfolio at a glance",
      description:
        "Customers and their flags, open balance by aging bucket and currency, live disputes, unapplied cash and " +
        "the size of the approval queue.",
      tag: "insights",
      permission: "read",
      tool: portfolioSummary.name,
      query: portfolioSummary.input,
      responses: { 200: { description: "The summary" } },
      handle: async (c, { query, caller }) =>
        c.json(await readTool(deps, portfolioSummary.name, query, caller)),
    }),
    defineRoute({
      method: "get",
      path: "/api/ar-metrics",
      operationId: "getArMetrics",
      summary: "DSO, CEI, aging and at-risk rate as of a date",
      tag: "insights",
      permission: "read",
      tool: arMetricsTool.name,
      query: arMetricsTool.input,
      responses: { 200: { description: "Metrics per currency" } },
      example: { query: { periodDays: "90", countback: "month" } },
      handle: async (c, { query, caller }) => c.json(await readTool(deps, arMetricsTool.name, query, caller)),
    }),
    defineRoute({
      method: "get",
      path: "/api/forecast",
      operationId: "getCashForecast",
      summary: "The 13-week cash-in forecast",
      description:
        "P10/P50/P90 per currency and ISO week from every open invoice's latest pay-date prediction, with earlier " +
        "forecasts compared against the cash that arrived.",
      tag: "insights",
      permission: "read",
      tool: cashForecastTool.name,
      query: cashForecastTool.input,
      responses: { 200: { description: "The forecast and its track record" } },
      handle: async (c, { query, caller }) =>
        c.json(await readTool(deps, cashForecastTool.name, query, caller)),
    }),
    defineRoute({
      method: "get",
      path: "/api/worklist",
      operationId: "getWorklist",
      summary: "Accounts ranked by cash brought forward per collector minute",
      tag: "insights",
      permission: "read",
      tool: worklist.name,
      query: worklist.input,
      responses: { 200: { description: "The worklist, each line explained" } },
      example: { query: { currency: "USD", limit: "25" } },
      handle: async (c, { query, caller }) => c.json(await readTool(deps, worklist.name, query, caller)),
    }),
  ];
}
