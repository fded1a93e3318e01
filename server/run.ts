// A run: every selected account through the supervisor, bookkept in runs / run_items so a run
// killed part way resumes where it stopped. The process that starts a run owns it (one owner per
// as-of date), does the portfolio-wide steps, queues one job per account (run-queue.ts) and works
// them with any `arc worker`s sharing the database (run-worker.ts). All ledger effects happen in the
// graph through the tool runner; these files only schedule accounts and record their progress.
//
// Determinism: a run judges everything as of RUN_HOUR_UTC on its as-of date, and tool calls carry
// idempotency keys made of the as-of date, account and call, so the same ledger and date give the
// same actions whatever the concurrency, and a second run for the same date sends nothing twice.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { and, asc, eq, inArray, notInArray, or, sql } from "drizzle-orm";
import type { Brain } from "../agents/brain.ts";
import { combineUsage } from "../agents/llm/usage.ts";
import { AGENT_CALLER, buildSupervisor } from "../agents/supervisor.ts";
import { customers, runItems, runs } from "../db/schema.ts";
import { ConflictError, ToolInputError } from "../tools/errors.ts";
import type { Arc } from "./context.ts";
import { payDateModelFor } from "./pay-date-model.ts";
import { openRunQueue } from "./run-queue.ts";
import {
  type AccountResult,
  buildReport,
  FINISHED_ITEM_STATUSES,
  loadResults,
  type RunReport,
  reportFromResults,
  runProgress,
  storedRunReport,
} from "./run-report.ts";
import { AccountWorker, invokeAccount, processMayBeAlive, RUN_HOUR_UTC, workQueue } from "./run-worker.ts";

export { RUN_HOUR_UTC };

/** A running run's owner writes a heartbeat this often… */
export const RUN_HEARTBEAT_MS = 15_000;
/** …and is presumed dead (its run may be resumed by another process) after this much silence. */
export const RUN_OWNER_TIMEOUT_MS = 60_000;

export interface RunOptions {
  asOf: string;
  /** Customer external refs or ids; default every customer. */
  customers?: string[];
  /** Accounts worked at once in this process (workers elsewhere add their own). */
  concurrency: number;
  dryRun: boolean;
  brain: Brain;
  onProgress?: (done: number, total: number) => void;
  /**
   * Aborting stops this process taking more accounts; those in hand finish, the rest stay queued,
   * and the run stays "running" (workers may finish it; the next start for its date resumes it).
   */
  signal?: AbortSignal;
  /**
   * Return every account's result (default true); false leaves `accounts` empty and holds no
   * results in memory while the run works — a very large run whose caller needs only the report (the
   * results stay in run_items; an interrupted run's report then covers every account finished so far).
   */
  returnAccounts?: boolean;
  /** Once the run has its id (a new run, or the unfinished one it resumes), before any account is worked. */
  onStart?: (run: { runId: string; resumed: boolean; total: number }) => void;
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
  if (options.dryRun) return dryRun(arc, options, await selectCustomers(arc, options.customers), now);
  // Named customers are checked before the run exists; every customer is chosen inside the database
  // (a 100k-account list held through payer identification was a fifth of the owner's peak).
  const named = options.customers?.length ? await selectCustomers(arc, options.customers) : undefined;
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  let heartbeat: NodeJS.Timeout | undefined;
  let ownedRunId: string | undefined;
  try {
    const { runId, resumed, total } = await startOrResume(arc, options, named, owner);
    ownedRunId = runId;
    heartbeat = setInterval(() => {
      void arc.database.db
        .update(runs)
        .set({ heartbeatAt: sql`now()` })
        .where(and(eq(runs.id, runId), eq(runs.owner, owner)))
        .catch(() => {}); // a missed beat only shortens how long the claim holds
    }, RUN_HEARTBEAT_MS);
    heartbeat.unref();
    options.onStart?.({ runId, resumed, total });
    // Portfolio-wide steps, once, before any account is queued (workers never train or identify).
    await identifyPayers(arc, runId, now);
    await payDateModelFor(arc, { asOf: options.asOf, runId, now });
    // The accounts go to the queue; this process works them too, with whichever `arc worker`s share
    // the database, until every account of the run is finished.
    const queue = await openRunQueue(arc);
    const worker = new AccountWorker(arc, options.brain);
    let local: AccountResult[];
    try {
      await queue.enqueue(runId, await unfinishedAccounts(arc, runId));
      local = await workQueue(arc, queue, worker, {
        concurrency: options.concurrency,
        ...(options.signal ? { signal: options.signal } : {}),
        untilRunFinished: runId,
        collectResults: options.returnAccounts !== false,
        onProgress: (progress) => options.onProgress?.(progress.accounts.finished, progress.accounts.total),
      });
    } finally {
      await worker.close();
      await queue.stop();
    }
    const progress = await runProgress(arc, runId);
    if (progress?.status === "running") {
      // Interrupted: the report of what this process worked, or, when it kept no results, of every
      // account the run has finished so far.
      const report =
        options.returnAccounts === false
          ? await reportFromResults(arc, { runId, asOf: options.asOf, brain: options.brain.name })
          : buildReport(runId, options.asOf, false, local, {
              brain: options.brain.name,
              model: combineUsage(local.flatMap((a) => (a.model ? [a.model] : []))),
            });
      return {
        runId,
        asOf: options.asOf,
        dryRun: false,
        resumed,
        interrupted: true,
        accounts: local,
        report,
      };
    }
    const report =
      (await storedRunReport(arc, runId)) ??
      (await reportFromResults(arc, { runId, asOf: options.asOf, brain: options.brain.name }));
    const all = options.returnAccounts === false ? [] : await loadResults(arc, runId);
    all.sort((a, b) => a.customerRef.localeCompare(b.customerRef));
    return { runId, asOf: options.asOf, dryRun: false, resumed, interrupted: false, accounts: all, report };
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
  }
}

/** A dry run: every account in this process, previews only; nothing is queued, written or trained. */
async function dryRun(
  arc: Arc,
  options: RunOptions,
  selected: SelectedCustomer[],
  now: string,
): Promise<RunResult> {
  const payDateModel = await payDateModelFor(arc);
  const usage = options.brain.createUsage?.();
  const supervisor = buildSupervisor({
    runner: arc.runner,
    brain: options.brain,
    ...(usage ? { usage } : {}),
    ...(payDateModel ? { payDateModel } : {}),
  });
  const accounts: AccountResult[] = [];
  let done = 0;
  options.onProgress?.(done, selected.length);
  const queue = [...selected];
  const worker = async () => {
    for (let next = queue.shift(); next; next = options.signal?.aborted ? undefined : queue.shift()) {
      accounts.push(
        await invokeAccount(
          arc.runner,
          supervisor,
          undefined,
          { runId: "dry-run", asOf: options.asOf, now, dryRun: true },
          next,
        ),
      );
      options.onProgress?.(++done, selected.length);
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(options.concurrency, selected.length)) }, worker),
  );
  accounts.sort((a, b) => a.customerRef.localeCompare(b.customerRef));
  const report = buildReport("dry-run", options.asOf, true, accounts, {
    brain: options.brain.name,
    model: usage?.summary() ?? null,
  });
  return {
    runId: "dry-run",
    asOf: options.asOf,
    dryRun: true,
    resumed: false,
    interrupted: queue.length > 0,
    accounts,
    report,
  };
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

interface SelectedCustomer {
  id: string;
  externalRef: string;
}

/**
 * The order accounts are worked in: riskiest first (the forecasting specialist's score from earlier
 * runs), so a run that is cut short has still worked the accounts that matter most; then by number,
 * for a stable order.
 */
const workOrder = [sql`${customers.riskScore} desc nulls last`, asc(customers.externalRef)];

async function selectCustomers(arc: Arc, refs: string[] | undefined): Promise<SelectedCustomer[]> {
  const db = arc.database.db;
  const columns = { id: customers.id, externalRef: customers.externalRef };
  if (!refs?.length)
    return db
      .select(columns)
      .from(customers)
      .orderBy(...workOrder);
  const ids = refs.filter((r) => /^[0-9a-f-]{36}$/i.test(r));
  const rows = await db
    .select(columns)
    .from(customers)
    .where(
      ids.length
        ? or(inArray(customers.externalRef, refs), inArray(customers.id, ids))
        : inArray(customers.externalRef, refs),
    )
    .orderBy(...workOrder);
  const found = new Set(rows.flatMap((r) => [r.id, r.externalRef]));
  const missing = refs.filter((r) => !found.has(r));
  if (missing.length)
    throw new ToolInputError("customers", `no customer ${missing.map((m) => `"${m}"`).join(", ")}`);
  return rows;
}

/**
 * One owner per as-of date: the run for the date is created, or resumed when its owner stopped or
 * stopped answering (no heartbeat for RUN_OWNER_TIMEOUT_MS — a crash); a run another process is
 * still working is refused, naming it. The advisory lock serialises two starts at the same moment.
 */
async function startOrResume(
  arc: Arc,
  options: RunOptions,
  named: SelectedCustomer[] | undefined,
  owner: string,
): Promise<{ runId: string; resumed: boolean; total: number }> {
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
      processMayBeAlive(open.owner)
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
            options: {
              customers: options.customers ?? null,
              concurrency: options.concurrency,
              brain: options.brain.name,
            },
          })
          .returning({ id: runs.id })
      )[0]!.id;
    await tx.update(runs).set({ owner, heartbeatAt: sql`now()` }).where(eq(runs.id, runId));
    if (!open && named) {
      // One array parameter, not two per row: a large list would pass Postgres's 65,535 limit.
      const ids = `{${named.map((c) => c.id).join(",")}}`;
      await tx.execute(sql`
        insert into ${runItems} (run_id, customer_id)
        select ${runId}, unnest(${ids}::uuid[])
        on conflict do nothing`);
    } else if (!open) {
      await tx.execute(sql`
        insert into ${runItems} (run_id, customer_id)
        select ${runId}, ${customers.id} from ${customers}
        on conflict do nothing`);
    }
    const [items] = await tx
      .select({ total: sql<number>`count(*)::int` })
      .from(runItems)
      .where(eq(runItems.runId, runId));
    return { runId, resumed: Boolean(open), total: items!.total };
  });
}

/**
 * The run's accounts not yet finished, in work order: what its owner queues once the portfolio-wide
 * steps are done (a resumed run's finished accounts are not queued again).
 */
async function unfinishedAccounts(arc: Arc, runId: string): Promise<string[]> {
  const rows = await arc.database.db
    .select({ customerId: runItems.customerId })
    .from(runItems)
    .innerJoin(customers, eq(customers.id, runItems.customerId))
    .where(and(eq(runItems.runId, runId), notInArray(runItems.status, FINISHED_ITEM_STATUSES)))
    .orderBy(...workOrder);
  return rows.map((row) => row.customerId);
}
