// What the inbox shows, read exactly as the API reads it: through the read tools, by the runner, as
// the signed-in key's caller. The web adds no query of its own.
import type { Caller } from "../../policies/types.ts";
import { accountOverview } from "../../tools/read/account-overview.ts";
import { auditTrail } from "../../tools/read/audit-trail.ts";
import { cashForecastTool } from "../../tools/read/cash-forecast.ts";
import { pendingApprovals } from "../../tools/read/pending-approvals.ts";
import { portfolioSummary } from "../../tools/read/portfolio-summary.ts";
import { type ApiDeps, readTool } from "../api/deps.ts";

export type QueueOutput = Awaited<ReturnType<typeof pendingApprovals.run>>;
export type Approval = QueueOutput["approvals"][number];
export type AccountOverview = Awaited<ReturnType<typeof accountOverview.run>>;
export type AuditEntries = Awaited<ReturnType<typeof auditTrail.run>>["entries"];
export type PortfolioSummary = Awaited<ReturnType<typeof portfolioSummary.run>>;
export type CashForecastOutput = Awaited<ReturnType<typeof cashForecastTool.run>>;

/** The queue shows this many at once; the count above it says how many wait in all. */
export const QUEUE_PAGE = 200;

export interface QueueFilters {
  tool?: string;
  rule?: string;
  customer?: string;
}

export function loadQueue(deps: ApiDeps, caller: Caller, filters: QueueFilters): Promise<QueueOutput> {
  return readTool<QueueOutput>(
    deps,
    pendingApprovals.name,
    {
      order: "priority",
      limit: QUEUE_PAGE,
      ...(filters.tool ? { tool: filters.tool } : {}),
      ...(filters.rule ? { ruleId: filters.rule } : {}),
      ...(filters.customer ? { customer: filters.customer } : {}),
    },
    caller,
  );
}

export type ProposalView =
  | { kind: "pending"; approval: Approval; account: AccountOverview | null }
  /** No longer waiting: decided, expired or never was; its audit entries say which and by whom. */
  | { kind: "gone"; actionId: string; entries: AuditEntries };

/** Whether this action still waits for a decision (the queue page may not reach it). */
export async function isPending(deps: ApiDeps, caller: Caller, actionId: string): Promise<boolean> {
  const { total } = await readTool<QueueOutput>(deps, pendingApprovals.name, { actionId, limit: 1 }, caller);
  return total > 0;
}

export async function loadProposal(deps: ApiDeps, caller: Caller, actionId: string): Promise<ProposalView> {
  const { approvals } = await readTool<QueueOutput>(
    deps,
    pendingApprovals.name,
    { actionId, limit: 1 },
    caller,
  );
  const approval = approvals[0];
  if (!approval) {
    const { entries } = await readTool<{ entries: AuditEntries }>(
      deps,
      auditTrail.name,
      { actionId, limit: 20 },
      caller,
    );
    return { kind: "gone", actionId, entries };
  }
  const account = approval.customerId
    ? await readTool<AccountOverview>(deps, accountOverview.name, { customerId: approval.customerId }, caller)
    : null;
  return { kind: "pending", approval, account };
}

export interface OverviewData {
  summary: PortfolioSummary;
  forecast: CashForecastOutput;
}

export async function loadOverview(deps: ApiDeps, caller: Caller): Promise<OverviewData> {
  const summary = await readTool<PortfolioSummary>(deps, portfolioSummary.name, {}, caller);
  // The overview charts today's forecast; its track record is the API's /api/forecast.
  const forecast = await readTool<CashForecastOutput>(deps, cashForecastTool.name, { history: 0 }, caller);
  return { summary, forecast };
}
