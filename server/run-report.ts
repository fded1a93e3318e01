// What a run did: each account's result as recorded in run_items, the run's report built from them,
// and where any process's run stands (for `arc run`, the API's progress and /metrics).
import { and, asc, eq, sql } from "drizzle-orm";
import { combineUsage, type ModelUsageSummary } from "../agents/llm/usage.ts";
import type { CallOutcome } from "../agents/supervisor.ts";
import { customers, runItems, runs } from "../db/schema.ts";
import type { Arc } from "./context.ts";

export interface AccountResult {
  customerId: string;
  customerRef: string;
  status: "done" | "paused" | "failed";
  steps: string[];
  notes: string[];
  outcomes: CallOutcome[];
  error?: string;
  /** The model's usage on this account (a brain that calls a model). */
  model?: ModelUsageSummary;
}

/** Rows of a run's results read per query: one query for 10,000 accounts failed on the embedded database. */
const RESULTS_PAGE = 500;

/** A run's results a page at a time (a 100k-account run's results do not fit comfortably in memory at once). */
export async function* resultPages(arc: Arc, runId: string): AsyncGenerator<AccountResult[]> {
  for (let after = ""; ; ) {
    const page = await arc.database.db
      .select({
        customerId: runItems.customerId,
        status: runItems.status,
        plan: runItems.plan,
        result: runItems.result,
        error: runItems.error,
        ref: customers.externalRef,
      })
      .from(runItems)
      .innerJoin(customers, eq(customers.id, runItems.customerId))
      .where(and(eq(runItems.runId, runId), after ? sql`${runItems.customerId} > ${after}` : undefined))
      .orderBy(asc(runItems.customerId))
      .limit(RESULTS_PAGE);
    yield page.map((r) => {
      const result = (r.result ?? {}) as {
        notes?: string[];
        outcomes?: CallOutcome[];
        model?: ModelUsageSummary;
      };
      return {
        customerId: r.customerId,
        customerRef: r.ref,
        status: (r.status === "paused" || r.status === "failed"
          ? r.status
          : "done") as AccountResult["status"],
        steps: ((r.plan ?? {}) as { steps?: string[] }).steps ?? [],
        notes: result.notes ?? [],
        outcomes: result.outcomes ?? [],
        ...(r.error ? { error: r.error } : {}),
        ...(result.model ? { model: result.model } : {}),
      };
    });
    if (page.length < RESULTS_PAGE) return;
    after = page.at(-1)!.customerId;
  }
}

export async function loadResults(arc: Arc, runId: string): Promise<AccountResult[]> {
  const all: AccountResult[] = [];
  for await (const page of resultPages(arc, runId)) all.push(...page);
  return all;
}

/** A run's report from its stored results, read a page at a time; model usage summed over the accounts. */
export async function reportFromResults(
  arc: Arc,
  run: { runId: string; asOf: string; brain: string },
): Promise<RunReport> {
  const report = new ReportBuilder(run.runId, run.asOf, false);
  const usage: ModelUsageSummary[] = [];
  for await (const page of resultPages(arc, run.runId)) {
    for (const account of page) {
      report.add(account);
      if (account.model) usage.push(account.model);
    }
  }
  return report.finish({ brain: run.brain, model: combineUsage(usage) });
}

export interface RunReport {
  runId: string;
  asOf: string;
  dryRun: boolean;
  accounts: { total: number; worked: number; skipped: number; paused: number; failed: number };
  actions: {
    executed: Record<string, number>;
    queuedForApproval: Record<string, number>;
    blockedByRule: Record<string, number>;
    rejected: number;
    invalid: number;
    failed: number;
  };
  messagesQueued: Record<string, number>;
  cashApplied: Record<string, number>;
  disputes: { opened: number; triaged: number; resolved: number; creditNotes: number };
  promises: { kept: number; broken: number };
  paymentPlans: { proposed: number; defaulted: number };
  forecast: { accounts: number; predictions: number; averageRiskScore: number | null };
  /** Which brain decided ("rules", "llm:<model>"). */
  brain: string;
  /**
   * The model's calls, tokens, estimated cost and fallbacks over the run's accounts, whichever
   * process worked them (summed from run_items); null for the rules brain.
   */
  model: ModelUsageSummary | null;
}

const bump = (counts: Record<string, number>, key: string, by = 1) => {
  counts[key] = (counts[key] ?? 0) + by;
};

export function buildReport(
  runId: string,
  asOf: string,
  dryRun: boolean,
  accounts: AccountResult[],
  decidedBy: Pick<RunReport, "brain" | "model"> = { brain: "rules", model: null },
): RunReport {
  const builder = new ReportBuilder(runId, asOf, dryRun);
  for (const account of accounts) builder.add(account);
  return builder.finish(decidedBy);
}

/** A report folded one account at a time. */
export class ReportBuilder {
  private readonly report: RunReport;
  private riskSum = 0;
  private riskCount = 0;

  constructor(runId: string, asOf: string, dryRun: boolean) {
    this.report = {
      runId,
      asOf,
      dryRun,
      brain: "rules",
      model: null,
      accounts: { total: 0, worked: 0, skipped: 0, paused: 0, failed: 0 },
      actions: { executed: {}, queuedForApproval: {}, blockedByRule: {}, rejected: 0, invalid: 0, failed: 0 },
      messagesQueued: {},
      cashApplied: {},
      disputes: { opened: 0, triaged: 0, resolved: 0, creditNotes: 0 },
      promises: { kept: 0, broken: 0 },
      paymentPlans: { proposed: 0, defaulted: 0 },
      forecast: { accounts: 0, predictions: 0, averageRiskScore: null },
    };
  }

  add(account: AccountResult): void {
    this.report.accounts.total++;
    if (account.status === "failed") this.report.accounts.failed++;
    else if (account.status === "paused") this.report.accounts.paused++;
    if (account.steps.length === 0 && account.status !== "failed") this.report.accounts.skipped++;
    else if (account.status !== "failed") this.report.accounts.worked++;
    for (const o of account.outcomes) {
      const executed = o.status === "executed" || o.status === "allow";
      if (executed) bump(this.report.actions.executed, o.tool);
      if (o.status === "pending_approval" || o.status === "needs_approval")
        bump(this.report.actions.queuedForApproval, o.tool);
      if (o.status === "blocked" || o.status === "deny") {
        for (const r of o.reasons ?? [])
          if (r.verdict === "deny") bump(this.report.actions.blockedByRule, r.ruleId);
      }
      if (o.status === "rejected") this.report.actions.rejected++;
      if (o.status === "invalid") this.report.actions.invalid++;
      if (o.status === "failed") this.report.actions.failed++;
      if (!executed) continue;
      const output = (o.output ?? {}) as Record<string, unknown>;
      switch (o.tool) {
        case "send_message":
          bump(this.report.messagesQueued, String(output.channel ?? "unknown"));
          break;
        case "apply_payment":
          if (typeof output.appliedMinor === "number")
            bump(this.report.cashApplied, String(output.currency ?? "?"), output.appliedMinor);
          break;
        case "open_dispute":
          this.report.disputes.opened++;
          break;
        case "triage_dispute":
          this.report.disputes.triaged++;
          break;
        case "resolve_dispute":
          this.report.disputes.resolved++;
          break;
        case "issue_credit_note":
          this.report.disputes.creditNotes++;
          break;
        case "record_promise_status":
          if (output.status === "kept") this.report.promises.kept++;
          if (output.status === "broken") this.report.promises.broken++;
          break;
        case "propose_payment_plan":
          this.report.paymentPlans.proposed++;
          break;
        case "record_plan_status":
          if (output.status === "defaulted") this.report.paymentPlans.defaulted++;
          break;
        case "record_forecast":
          this.report.forecast.accounts++;
          if (typeof output.predictions === "number") this.report.forecast.predictions += output.predictions;
          if (typeof output.riskScore === "number") {
            this.riskSum += output.riskScore;
            this.riskCount++;
          }
          break;
      }
    }
  }

  finish(decidedBy: Pick<RunReport, "brain" | "model">): RunReport {
    this.report.brain = decidedBy.brain;
    this.report.model = decidedBy.model;
    this.report.forecast.averageRiskScore = this.riskCount
      ? Math.round((this.riskSum / this.riskCount) * 10) / 10
      : null;
    return this.report;
  }
}

export function renderReport(report: RunReport): string {
  const list = (counts: Record<string, number>) =>
    Object.keys(counts).length
      ? Object.entries(counts)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => `${k} ${v}`)
          .join(", ")
      : "none";
  const a = report.accounts;
  return [
    `# ${report.dryRun ? "Dry run" : "Run"} ${report.runId} as of ${report.asOf}`,
    "",
    `- Accounts: ${a.total} (${a.worked} worked, ${a.skipped} with nothing to do, ${a.paused} waiting for approval, ${a.failed} failed)`,
    `- ${report.dryRun ? "Would execute" : "Executed"}: ${list(report.actions.executed)}`,
    `- ${report.dryRun ? "Would queue" : "Queued"} for approval: ${list(report.actions.queuedForApproval)}`,
    `- Blocked, by rule: ${list(report.actions.blockedByRule)}`,
    `- Rejected ${report.actions.rejected}, invalid ${report.actions.invalid}, failed ${report.actions.failed}`,
    `- Messages queued: ${list(report.messagesQueued)}`,
    `- Cash applied (minor units): ${list(report.cashApplied)}`,
    `- Disputes: ${report.disputes.opened} opened, ${report.disputes.triaged} triaged, ${report.disputes.resolved} resolved, ${report.disputes.creditNotes} credit notes`,
    `- Promises: ${report.promises.kept} kept, ${report.promises.broken} broken; plans: ${report.paymentPlans.proposed} proposed, ${report.paymentPlans.defaulted} defaulted`,
    `- Forecast: ${report.forecast.accounts} accounts, ${report.forecast.predictions} predictions, average risk ${report.forecast.averageRiskScore ?? "-"}`,
    `- Brain: ${report.brain ?? "rules"}${report.model ? `; ${modelLine(report.model)}` : ""}`,
  ].join("\n");
}

function modelLine(m: ModelUsageSummary): string {
  const cost =
    m.estimatedCostUsd === null
      ? "cost unknown (set ARC_MODEL_PRICE)"
      : `≈ $${m.estimatedCostUsd.toFixed(4)}`;
  return `${m.calls} model calls (${m.failedCalls} failed, ${m.retries} retries), ${m.inputTokens} input + ${m.outputTokens} output tokens, ${cost}; ${m.fallbacks} decisions fell back to the rules brain`;
}

/** Where a run stands, from its rows: any process's run, finished or not. */
export interface RunProgress {
  runId: string;
  kind: string;
  asOf: string;
  status: string;
  startedAt: Date;
  finishedAt: Date | null;
  accounts: { total: number; finished: number; paused: number; failed: number };
}

/** A run item in one of these is finished: its account is not worked again in that run. */
export const FINISHED_ITEM_STATUSES = ["done", "paused", "failed", "skipped"];

function progressQuery(arc: Arc) {
  const finished = sql.join(
    FINISHED_ITEM_STATUSES.map((s) => sql`${s}`),
    sql`, `,
  );
  return arc.database.db
    .select({
      runId: runs.id,
      kind: runs.kind,
      asOf: runs.asOf,
      status: runs.status,
      startedAt: runs.startedAt,
      finishedAt: runs.finishedAt,
      total: sql<number>`count(${runItems.id})::int`,
      finished: sql<number>`(count(${runItems.id}) filter (where ${runItems.status} in (${finished})))::int`,
      paused: sql<number>`(count(${runItems.id}) filter (where ${runItems.status} = 'paused'))::int`,
      failed: sql<number>`(count(${runItems.id}) filter (where ${runItems.status} = 'failed'))::int`,
    })
    .from(runs)
    .leftJoin(runItems, eq(runItems.runId, runs.id))
    .groupBy(runs.id)
    .$dynamic();
}

function toProgress(
  row: Awaited<ReturnType<ReturnType<typeof progressQuery>["execute"]>>[number],
): RunProgress {
  const { total, finished, paused, failed, ...run } = row;
  return { ...run, accounts: { total, finished, paused, failed } };
}

/**
 * A run's status and whether any of its accounts is still to be worked: a probe of the (run, status)
 * index rather than a count of every item, for the workers' frequent "is it finished?".
 */
export async function runState(
  arc: Arc,
  runId: string,
): Promise<{ status: string; unfinished: boolean } | null> {
  const [row] = await arc.database.db
    .select({
      status: runs.status,
      unfinished: sql<boolean>`exists (select 1 from ${runItems} i
        where i.run_id = ${runId} and i.status in ('pending', 'running'))`,
    })
    .from(runs)
    .where(eq(runs.id, runId));
  return row ?? null;
}

export async function runProgress(arc: Arc, runId: string): Promise<RunProgress | null> {
  const [row] = await progressQuery(arc).where(eq(runs.id, runId));
  return row ? toProgress(row) : null;
}

/** The newest runs first. */
export async function listRuns(
  arc: Arc,
  options: { limit: number; status?: string },
): Promise<RunProgress[]> {
  const rows = await progressQuery(arc)
    .where(options.status ? eq(runs.status, options.status) : undefined)
    .orderBy(sql`${runs.startedAt} desc`, asc(runs.id))
    .limit(options.limit);
  return rows.map(toProgress);
}

/** A finished run's report (null while it runs, and for a run that never finished). */
export async function storedRunReport(arc: Arc, runId: string): Promise<RunReport | null> {
  const [row] = await arc.database.db.select({ report: runs.report }).from(runs).where(eq(runs.id, runId));
  return (row?.report as RunReport | null | undefined) ?? null;
}
