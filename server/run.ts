// A run: every selected account through the supervisor, with bounded concurrency, bookkept in
// runs / run_items so a run killed part way resumes where it stopped. All ledger effects happen in
// the graph through the tool runner; this file only schedules accounts and records their progress.
//
// Determinism: a run judges everything as of RUN_HOUR_UTC on its as-of date, and tool calls carry
// idempotency keys made of the as-of date, account and call, so the same ledger and date give the
// same actions whatever the concurrency, and a second run for the same date sends nothing twice.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { and, asc, eq, inArray, or, sql } from "drizzle-orm";
import type { Brain } from "../agents/brain.ts";
import { openCheckpointer } from "../agents/checkpointer.ts";
import type { ModelUsageSummary } from "../agents/llm/usage.ts";
import {
  type AccountState,
  AGENT_CALLER,
  buildSupervisor,
  type CallOutcome,
  threadIdFor,
} from "../agents/supervisor.ts";
import { customers, runItems, runs } from "../db/schema.ts";
import { ConflictError, ToolInputError } from "../tools/errors.ts";
import type { Arc } from "./context.ts";
import { payDateModelFor } from "./pay-date-model.ts";

export const RUN_HOUR_UTC = "06:00:00";

/** A running run's owner writes a heartbeat this often… */
export const RUN_HEARTBEAT_MS = 15_000;
/** …and is presumed dead (its run may be resumed by another process) after this much silence. */
export const RUN_OWNER_TIMEOUT_MS = 60_000;

export interface RunOptions {
  asOf: string;
  /** Customer external refs or ids; default every customer. */
  customers?: string[];
  concurrency: number;
  dryRun: boolean;
  brain: Brain;
  onProgress?: (done: number, total: number) => void;
  /**
   * Aborting stops the run from taking more accounts; those in hand finish, and the run stays
   * "running" so the next run for its date resumes it (a server shutting down).
   */
  signal?: AbortSignal;
  /** Once the run has its id (a new run, or the unfinished one it resumes), before any account is worked. */
  onStart?: (run: { runId: string; resumed: boolean; total: number }) => void;
}

export interface AccountResult {
  customerId: string;
  customerRef: string;
  status: "done" | "paused" | "failed";
  steps: string[];
  notes: string[];
  outcomes: CallOutcome[];
  error?: string;
}

export interface RunResult {
  runId: string;
  asOf: string;
  dryRun: boolean;
  resumed: boolean;
  /** Stopped by `signal` before every account was worked; the run's row is still "running". */
  interrupted: boolean;
  accounts: AccountResult[];
  report: RunReport;
}

export async function runAccounts(arc: Arc, options: RunOptions): Promise<RunResult> {
  const now = `${options.asOf}T${RUN_HOUR_UTC}.000Z`;
  const selected = await selectCustomers(arc, options.customers);
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  let heartbeat: NodeJS.Timeout | undefined;
  let ownedRunId: string | undefined;
  let checkpointer: Awaited<ReturnType<typeof openCheckpointer>> | undefined;
  try {
    const { runId, resumed, todo } = options.dryRun
      ? { runId: "dry-run", resumed: false, todo: selected }
      : await startOrResume(arc, options, selected, owner);
    if (!options.dryRun) {
      ownedRunId = runId;
      heartbeat = setInterval(() => {
        void arc.database.db
          .update(runs)
          .set({ heartbeatAt: sql`now()` })
          .where(and(eq(runs.id, runId), eq(runs.owner, owner)))
          .catch(() => {}); // a missed beat only shortens how long the claim holds
      }, RUN_HEARTBEAT_MS);
      heartbeat.unref();
    }
    // After the claim: a start that is refused touches nothing, not even the checkpoint tables.
    if (!options.dryRun)
      checkpointer = await openCheckpointer(arc.database.url, arc.database.embedded ? 1 : 4);
    options.onStart?.({ runId, resumed, total: selected.length });
    if (!options.dryRun) await identifyPayers(arc, runId, now);
    // A dry run forecasts with the stored model and never trains one.
    const payDateModel = await payDateModelFor(
      arc,
      options.dryRun ? undefined : { asOf: options.asOf, runId, now },
    );
    const usage = options.brain.createUsage?.();
    const supervisor = buildSupervisor({
      runner: arc.runner,
      brain: options.brain,
      ...(usage ? { usage } : {}),
      ...(checkpointer ? { checkpointer: checkpointer.saver } : {}),
      ...(payDateModel ? { payDateModel } : {}),
    });
    const accounts: AccountResult[] = [];
    let done = selected.length - todo.length;
    options.onProgress?.(done, selected.length);
    const queue = [...todo];
    const worker = async () => {
      for (let next = queue.shift(); next; next = options.signal?.aborted ? undefined : queue.shift()) {
        const account = await workAccount(
          arc,
          supervisor,
          checkpointer?.saver,
          { runId, asOf: options.asOf, now, dryRun: options.dryRun },
          next,
        );
        accounts.push(account);
        options.onProgress?.(++done, selected.length);
      }
    };
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(options.concurrency, todo.length)) }, worker),
    );
    const interrupted = queue.length > 0;
    if (interrupted) {
      const report = buildReport(runId, options.asOf, options.dryRun, accounts, {
        brain: options.brain.name,
        model: usage?.summary() ?? null,
      });
      return { runId, asOf: options.asOf, dryRun: options.dryRun, resumed, interrupted, accounts, report };
    }
    if (!options.dryRun) await recordCashForecast(arc, runId, now, options.asOf);
    const all = options.dryRun ? accounts : await loadResults(arc, runId);
    all.sort((a, b) => a.customerRef.localeCompare(b.customerRef));
    const report = buildReport(runId, options.asOf, options.dryRun, all, {
      brain: options.brain.name,
      model: usage?.summary() ?? null,
    });
    if (!options.dryRun) {
      await arc.database.db
        .update(runs)
        .set({ status: "completed", finishedAt: new Date(), report: report as never, owner: null })
        .where(eq(runs.id, runId));
    }
    return {
      runId,
      asOf: options.asOf,
      dryRun: options.dryRun,
      resumed,
      interrupted: false,
      accounts: all,
      report,
    };
  } finally {
    if (heartbeat) clearInterval(heartbeat);
    // Stopped (a shutdown, an error) rather than crashed: the next start may resume at once.
    if (ownedRunId) {
      await arc.database.db
        .update(runs)
        .set({ owner: null })
        .where(and(eq(runs.id, ownedRunId), eq(runs.owner, owner)))
        .catch(() => {});
    }
    await checkpointer?.close();
  }
}

/**
 * Before any account is worked: suggest whose each unidentified payment is, portfolio-wide (a name
 * tie or a shared bank account needs every customer in view), so each account's cash-application
 * specialist finds the payments that are probably its own. Once per run; a resumed run replays it.
 */
async function identifyPayers(arc: Arc, runId: string, now: string): Promise<void> {
  const result = await arc.runner.call(
    "identify_payments",
    {},
    {
      caller: AGENT_CALLER,
      now: new Date(now),
      runId,
      idempotencyKey: `run:${runId}:identify_payments`,
    },
  );
  if (result.status !== "executed") {
    throw new Error(`payer identification did not run: ${JSON.stringify(result)}`);
  }
}

/** After every account has its predictions: the portfolio's 13-week cash forecast, stored once per run. */
async function recordCashForecast(arc: Arc, runId: string, now: string, asOf: string): Promise<void> {
  const result = await arc.runner.call(
    "record_cash_forecast",
    { asOf },
    {
      caller: AGENT_CALLER,
      now: new Date(now),
      runId,
      idempotencyKey: `run:${runId}:record_cash_forecast`,
    },
  );
  if (result.status !== "executed") {
    throw new Error(`the cash forecast was not recorded: ${JSON.stringify(result)}`);
  }
}

interface SelectedCustomer {
  id: string;
  externalRef: string;
}

async function selectCustomers(arc: Arc, refs: string[] | undefined): Promise<SelectedCustomer[]> {
  const db = arc.database.db;
  const columns = { id: customers.id, externalRef: customers.externalRef };
  // Riskiest accounts first (the forecasting specialist's score from earlier runs), so a run that
  // is cut short has still worked the accounts that matter most; then by number, for a stable order.
  const order = [sql`${customers.riskScore} desc nulls last`, asc(customers.externalRef)];
  if (!refs?.length)
    return db
      .select(columns)
      .from(customers)
      .orderBy(...order);
  const ids = refs.filter((r) => /^[0-9a-f-]{36}$/i.test(r));
  const rows = await db
    .select(columns)
    .from(customers)
    .where(
      ids.length
        ? or(inArray(customers.externalRef, refs), inArray(customers.id, ids))
        : inArray(customers.externalRef, refs),
    )
    .orderBy(...order);
  const found = new Set(rows.flatMap((r) => [r.id, r.externalRef]));
  const missing = refs.filter((r) => !found.has(r));
  if (missing.length)
    throw new ToolInputError("customers", `no customer ${missing.map((m) => `"${m}"`).join(", ")}`);
  return rows;
}

/** The unfinished run for this date if there is one (a killed run resumes), else a new run. */
/** A process on this machine that no longer exists is not an owner (a killed `arc run`, restarted at once). */
function ownerMayBeAlive(owner: string): boolean {
  const [host, pidText] = owner.split(":");
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * One owner per as-of date: the run for the date is created, or resumed when its owner stopped or
 * stopped answering (no heartbeat for RUN_OWNER_TIMEOUT_MS — a crash); a run another process is
 * still working is refused, naming it. The advisory lock serialises two starts at the same moment.
 */
async function startOrResume(arc: Arc, options: RunOptions, selected: SelectedCustomer[], owner: string) {
  const db = arc.database.db;
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('arc.run'), hashtext(${options.asOf}))`);
    const [open] = await tx
      .select({
        id: runs.id,
        owner: runs.owner,
        startedAt: runs.startedAt,
        silentMs: sql<number | null>`(extract(epoch from (now() - ${runs.heartbeatAt})) * 1000)::float8`,
      })
      .from(runs)
      .where(and(eq(runs.asOf, options.asOf), eq(runs.kind, "nightly"), eq(runs.status, "running")))
      .orderBy(asc(runs.startedAt))
      .limit(1);
    if (
      open?.owner &&
      open.silentMs !== null &&
      Number(open.silentMs) < RUN_OWNER_TIMEOUT_MS &&
      ownerMayBeAlive(open.owner)
    ) {
      throw new ConflictError(
        `run ${open.id} for ${options.asOf} is being worked by ${open.owner} (last heard from ${Math.round(Number(open.silentMs) / 1000)} s ago); ` +
          `let it finish, or stop it — a run whose worker goes silent for ${RUN_OWNER_TIMEOUT_MS / 1000} s is taken over by the next start`,
      );
    }
    const runId =
      open?.id ??
      (
        await tx
          .insert(runs)
          .values({
            kind: "nightly",
            asOf: options.asOf,
            status: "running",
            options: { customers: options.customers ?? null, concurrency: options.concurrency },
          })
          .returning({ id: runs.id })
      )[0]!.id;
    await tx.update(runs).set({ owner, heartbeatAt: sql`now()` }).where(eq(runs.id, runId));
    if (!open && selected.length > 0) {
      await tx
        .insert(runItems)
        .values(selected.map((c) => ({ runId, customerId: c.id })))
        .onConflictDoNothing();
    }
    const finished = await tx
      .select({ customerId: runItems.customerId })
      .from(runItems)
      .where(
        and(eq(runItems.runId, runId), inArray(runItems.status, ["done", "paused", "failed", "skipped"])),
      );
    const finishedIds = new Set(finished.map((f) => f.customerId));
    const items = await tx
      .select({ customerId: runItems.customerId })
      .from(runItems)
      .where(eq(runItems.runId, runId));
    const inRun = new Set(items.map((i) => i.customerId));
    const todo = selected.filter((c) => inRun.has(c.id) && !finishedIds.has(c.id));
    return { runId, resumed: Boolean(open), todo };
  });
}

async function workAccount(
  arc: Arc,
  supervisor: ReturnType<typeof buildSupervisor>,
  saver: Parameters<typeof buildSupervisor>[0]["checkpointer"],
  run: { runId: string; asOf: string; now: string; dryRun: boolean },
  customer: SelectedCustomer,
): Promise<AccountResult> {
  const db = arc.database.db;
  const threadId = threadIdFor(run.runId, customer.id);
  const where = and(eq(runItems.runId, run.runId), eq(runItems.customerId, customer.id));
  if (!run.dryRun) await db.update(runItems).set({ status: "running", startedAt: new Date() }).where(where);
  // A thread left by a killed process is stale: the pass starts afresh (its tool calls replay).
  if (saver) await saver.deleteThread(threadId);
  let account: AccountResult;
  try {
    const state = (await supervisor.invoke(
      { customerId: customer.id, asOf: run.asOf, now: run.now, runId: run.runId, dryRun: run.dryRun },
      { configurable: { thread_id: threadId } },
    )) as AccountState & { __interrupt__?: unknown[] };
    const paused = (state.__interrupt__?.length ?? 0) > 0;
    account = {
      customerId: customer.id,
      customerRef: customer.externalRef,
      status: paused ? "paused" : "done",
      steps: state.plan?.steps ?? [],
      notes: state.notes,
      outcomes: state.outcomes,
    };
    // A finished thread's checkpoints are only history: prune them (they grow without bound).
    if (!paused && saver) await saver.deleteThread(threadId);
  } catch (error) {
    account = {
      customerId: customer.id,
      customerRef: customer.externalRef,
      status: "failed",
      steps: [],
      notes: [],
      outcomes: [],
      error: (error as Error).message,
    };
  }
  if (!run.dryRun) {
    await db
      .update(runItems)
      .set({
        status: account.status,
        plan: { steps: account.steps } as never,
        result: {
          notes: account.notes,
          outcomes: account.outcomes,
          customerRef: account.customerRef,
        } as never,
        error: account.error ?? null,
        finishedAt: new Date(),
      })
      .where(where);
  }
  return account;
}

/** Rows of a run's results read per query: one query for 10,000 accounts failed on the embedded database. */
const RESULTS_PAGE = 500;

async function loadResults(arc: Arc, runId: string): Promise<AccountResult[]> {
  const rows: {
    customerId: string;
    status: string;
    plan: unknown;
    result: unknown;
    error: string | null;
    ref: string;
  }[] = [];
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
    rows.push(...page);
    if (page.length < RESULTS_PAGE) break;
    after = page.at(-1)!.customerId;
  }
  return rows.map((r) => {
    const result = (r.result ?? {}) as { notes?: string[]; outcomes?: CallOutcome[] };
    return {
      customerId: r.customerId,
      customerRef: r.ref,
      status: (r.status === "paused" || r.status === "failed" ? r.status : "done") as AccountResult["status"],
      steps: ((r.plan ?? {}) as { steps?: string[] }).steps ?? [],
      notes: result.notes ?? [],
      outcomes: result.outcomes ?? [],
      ...(r.error ? { error: r.error } : {}),
    };
  });
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
   * The model's calls, tokens, estimated cost and fallbacks in this process (a resumed run counts
   * only what it asked after resuming); null for the rules brain.
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
  const report: RunReport = {
    runId,
    asOf,
    dryRun,
    brain: decidedBy.brain,
    model: decidedBy.model,
    accounts: { total: accounts.length, worked: 0, skipped: 0, paused: 0, failed: 0 },
    actions: { executed: {}, queuedForApproval: {}, blockedByRule: {}, rejected: 0, invalid: 0, failed: 0 },
    messagesQueued: {},
    cashApplied: {},
    disputes: { opened: 0, triaged: 0, resolved: 0, creditNotes: 0 },
    promises: { kept: 0, broken: 0 },
    paymentPlans: { proposed: 0, defaulted: 0 },
    forecast: { accounts: 0, predictions: 0, averageRiskScore: null },
  };
  const risks: number[] = [];
  for (const account of accounts) {
    if (account.status === "failed") report.accounts.failed++;
    else if (account.status === "paused") report.accounts.paused++;
    if (account.steps.length === 0 && account.status !== "failed") report.accounts.skipped++;
    else if (account.status !== "failed") report.accounts.worked++;
    for (const o of account.outcomes) {
      const executed = o.status === "executed" || o.status === "allow";
      if (executed) bump(report.actions.executed, o.tool);
      if (o.status === "pending_approval" || o.status === "needs_approval")
        bump(report.actions.queuedForApproval, o.tool);
      if (o.status === "blocked" || o.status === "deny") {
        for (const r of o.reasons ?? [])
          if (r.verdict === "deny") bump(report.actions.blockedByRule, r.ruleId);
      }
      if (o.status === "rejected") report.actions.rejected++;
      if (o.status === "invalid") report.actions.invalid++;
      if (o.status === "failed") report.actions.failed++;
      if (!executed) continue;
      const output = (o.output ?? {}) as Record<string, unknown>;
      switch (o.tool) {
        case "send_message":
          bump(report.messagesQueued, String(output.channel ?? "unknown"));
          break;
        case "apply_payment":
          if (typeof output.appliedMinor === "number")
            bump(report.cashApplied, String(output.currency ?? "?"), output.appliedMinor);
          break;
        case "open_dispute":
          report.disputes.opened++;
          break;
        case "triage_dispute":
          report.disputes.triaged++;
          break;
        case "resolve_dispute":
          report.disputes.resolved++;
          break;
        case "issue_credit_note":
          report.disputes.creditNotes++;
          break;
        case "record_promise_status":
          if (output.status === "kept") report.promises.kept++;
          if (output.status === "broken") report.promises.broken++;
          break;
        case "propose_payment_plan":
          report.paymentPlans.proposed++;
          break;
        case "record_plan_status":
          if (output.status === "defaulted") report.paymentPlans.defaulted++;
          break;
        case "record_forecast":
          report.forecast.accounts++;
          if (typeof output.predictions === "number") report.forecast.predictions += output.predictions;
          if (typeof output.riskScore === "number") risks.push(output.riskScore);
          break;
      }
    }
  }
  report.forecast.averageRiskScore = risks.length
    ? Math.round((risks.reduce((a, b) => a + b, 0) / risks.length) * 10) / 10
    : null;
  return report;
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

const FINISHED_ITEM_STATUSES = ["done", "paused", "failed", "skipped"];

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
