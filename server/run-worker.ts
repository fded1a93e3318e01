// Working queued accounts: `arc worker`, and the process that started a run (`arc run`, the API, the
// nightly schedule) alongside it. Each job is one account of one run: its item is claimed, the
// supervisor works it as of the run's instant, the result is recorded on the item, and the job is
// completed. Whichever worker finishes a run's last account finishes the run (cash forecast, report).
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Brain } from "../agents/brain.ts";
import { type Checkpointer, openCheckpointer, PausedOnlySaver } from "../agents/checkpointer.ts";
import {
  type AccountState,
  AGENT_CALLER,
  buildSupervisor,
  planAccount,
  type SnapshotCache,
  threadIdFor,
} from "../agents/supervisor.ts";
import { customers, runItems, runs, runWorkers } from "../db/schema.ts";
import { loadAccountSnapshots } from "../tools/read/account-snapshot.ts";
import type { AccountSnapshot } from "../tools/read/account-snapshot-types.ts";
import { pendingApprovalKeys } from "../tools/read/pending-approvals.ts";
import type { ToolRunner } from "../tools/runner.ts";
import type { Arc } from "./context.ts";
import { payDateModelFor } from "./pay-date-model.ts";
import { ACCOUNT_QUEUE, type AccountJob, type RunQueue } from "./run-queue.ts";
import {
  type AccountResult,
  type RunProgress,
  reportFromResults,
  runProgress,
  runState,
} from "./run-report.ts";

/** A run judges everything as of this hour (UTC) on its as-of date. */
export const RUN_HOUR_UTC = "06:00:00";

export const runInstant = (asOf: string) => `${asOf}T${RUN_HOUR_UTC}.000Z`;

/** A worker writes a heartbeat this often… */
export const WORKER_HEARTBEAT_MS = 10_000;
/** …and one silent this long is presumed dead: the accounts it held go back to the queue. */
export const WORKER_TIMEOUT_MS = 30_000;

type Supervisor = ReturnType<typeof buildSupervisor>;

/** A process on this machine that no longer exists is not alive (a killed `arc run` or `arc worker`). */
export function processMayBeAlive(id: string): boolean {
  const [host, pidText] = id.split(":");
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** An account this worker claimed: its item is "running" under this worker's id. */
export interface Claim {
  runId: string;
  customerId: string;
  externalRef: string;
  /** An earlier attempt was cut off part way (a worker died): its thread, if any, is stale. */
  cutOff: boolean;
}

/** One account's batch reads. */
export interface Prefetched {
  snapshot: AccountSnapshot;
  pendingApprovalKeys: readonly string[];
}

interface RunContext {
  runId: string;
  asOf: string;
  now: string;
  supervisor: Supervisor;
}

/** One per process: its identity and heartbeat, the checkpointer and, per run, the supervisor built for it. */
export class AccountWorker {
  readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private checkpointer: Promise<Checkpointer> | undefined;
  private saver: PausedOnlySaver | undefined;
  private readonly contexts = new Map<string, Promise<RunContext | null>>();
  /** What was read for a batch of claims at once, by "runId:customerId"; `work` takes its own. */
  private readonly prefetched = new Map<string, Prefetched>();
  /** Worked accounts whose items are not yet recorded (`recordWorked`). */
  private readonly unrecorded: {
    runId: string;
    customerId: string;
    status: string;
    plan: unknown;
    result: unknown;
    error: string | null;
    startedAt: string;
    finishedAt: string;
  }[] = [];
  private heartbeat: NodeJS.Timeout | undefined;
  private registered: Promise<void> | undefined;

  constructor(
    private readonly arc: Arc,
    private readonly brain: Brain,
  ) {}

  /** Announces this worker (before it claims anything) and keeps its heartbeat going. */
  private register(): Promise<void> {
    if (!this.registered) {
      const db = this.arc.database.db;
      this.registered = db
        .insert(runWorkers)
        .values({ id: this.id })
        .onConflictDoUpdate({ target: runWorkers.id, set: { heartbeatAt: sql`now()` } })
        .then(() => {
          this.heartbeat = setInterval(() => {
            void db
              .update(runWorkers)
              .set({ heartbeatAt: sql`now()` })
              .where(eq(runWorkers.id, this.id))
              .catch(() => {}); // a missed beat only shortens how long its claims hold
          }, WORKER_HEARTBEAT_MS);
          this.heartbeat.unref();
        });
      this.registered.catch(() => {
        this.registered = undefined;
      });
    }
    return this.registered;
  }

  /**
   * Claims the jobs' accounts in one statement, right after they are fetched, so no job sits taken but
   * unclaimed (a dead worker's claims are how its jobs are recovered). Skipped: runs no longer
   * running, accounts not in their run, and items already finished (a job delivered again).
   */
  async claim(jobs: readonly AccountJob[]): Promise<Map<string, Claim>> {
    const claims = new Map<string, Claim>();
    const live: AccountJob[] = [];
    for (const job of jobs) if (await this.contextFor(job.data.runId)) live.push(job);
    if (live.length === 0) return claims;
    await this.register();
    const runIds = `{${live.map((j) => j.data.runId).join(",")}}`;
    const customerIds = `{${live.map((j) => j.data.customerId).join(",")}}`;
    // The previous status tells whether an earlier attempt was cut off part way ("running").
    const rows = await this.arc.database.db.execute<{
      runId: string;
      customerId: string;
      previous: string;
      ref: string;
    }>(sql`
      with wanted as (
        select unnest(${runIds}::uuid[]) as run_id, unnest(${customerIds}::uuid[]) as customer_id
      ), previous as (
        select i.id, i.status
        from ${runItems} i join wanted w on w.run_id = i.run_id and w.customer_id = i.customer_id
        where i.status in ('pending', 'running')
        for update of i
      )
      update ${runItems} set status = 'running', started_at = now(), worker = ${this.id}
      from previous, ${customers}
      where ${runItems.id} = previous.id and ${customers.id} = ${runItems.customerId}
      returning ${runItems.runId} as "runId", ${runItems.customerId} as "customerId",
        previous.status as previous, ${customers.externalRef} as ref`);
    const byKey = new Map(rows.map((r) => [`${r.runId}:${r.customerId}`, r]));
    for (const job of live) {
      const row = byKey.get(`${job.data.runId}:${job.data.customerId}`);
      if (row)
        claims.set(job.id, {
          runId: row.runId,
          customerId: row.customerId,
          externalRef: row.ref,
          cutOff: row.previous === "running",
        });
    }
    return claims;
  }

  /**
   * Reads the claimed accounts' snapshots and waiting approvals together — twelve statements for the
   * batch instead of eleven per account and two per specialist. An account read here is worked
   * moments later; anything that changes it meanwhile (a collector's decision) is judged again by the
   * policy engine when the agents act. A failed read only means each account reads its own.
   */
  async prefetch(claims: readonly Claim[]): Promise<void> {
    const byRun = new Map<string, string[]>();
    for (const claim of claims) {
      const ids = byRun.get(claim.runId);
      if (ids) ids.push(claim.customerId);
      else byRun.set(claim.runId, [claim.customerId]);
    }
    for (const [runId, customerIds] of byRun) {
      const context = await this.contextFor(runId);
      if (!context) continue;
      try {
        const now = new Date(context.now);
        const [snapshots, waiting] = await Promise.all([
          loadAccountSnapshots(this.arc.runner.db, customerIds, context.asOf, now),
          pendingApprovalKeys(this.arc.runner.db, customerIds, now),
        ]);
        for (const [customerId, snapshot] of snapshots)
          this.prefetched.set(`${runId}:${customerId}`, {
            snapshot,
            pendingApprovalKeys: waiting.get(customerId) ?? [],
          });
      } catch {
        // Read one by one instead.
      }
    }
  }

  /** Works one claimed account; its result goes on the item with the next `recordWorked`. */
  async work(claim: Claim): Promise<AccountResult> {
    const { runId, customerId } = claim;
    const context = await this.contextFor(runId);
    const startedAt = new Date();
    if (!context) throw new Error(`run ${runId} has no context (claim it first)`);
    const saver = await this.saverReady();
    const usage = this.brain.createUsage?.();
    const key = `${runId}:${customerId}`;
    const prefetched = this.prefetched.get(key);
    this.prefetched.delete(key);
    const account = await invokeAccount(
      this.arc.runner,
      context.supervisor,
      saver,
      { runId, asOf: context.asOf, now: context.now, dryRun: false, staleThread: claim.cutOff },
      { id: customerId, externalRef: claim.externalRef },
      usage,
      prefetched,
    );
    const model = usage?.summary();
    if (model && (model.calls > 0 || model.fallbacks > 0)) account.model = model;
    this.unrecorded.push({
      runId,
      customerId,
      status: account.status,
      plan: { steps: account.steps },
      result: {
        notes: account.notes,
        outcomes: account.outcomes,
        customerRef: account.customerRef,
        ...(account.model ? { model: account.model } : {}),
      },
      error: account.error ?? null,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
    });
    return account;
  }

  /**
   * Records the accounts worked since the last call on their items, in one statement. Until then an
   * item stays "running" under this worker's claim: a worker that dies first has those accounts worked
   * again (their calls replay by idempotency key). Call it before completing their jobs, so that no
   * completed job leaves its item unfinished.
   */
  async recordWorked(): Promise<void> {
    if (this.unrecorded.length === 0) return;
    const items = this.unrecorded.splice(0);
    try {
      await this.arc.database.db.execute(sql`
        update ${runItems} set status = w.status, plan = w.plan, result = w.result, error = w.error,
          started_at = w."startedAt", finished_at = w."finishedAt"
        from jsonb_to_recordset(${JSON.stringify(items)}::jsonb) as w(
          "runId" uuid, "customerId" uuid, status text, plan jsonb, result jsonb, error text,
          "startedAt" timestamptz, "finishedAt" timestamptz)
        where ${runItems.runId} = w."runId" and ${runItems.customerId} = w."customerId"`);
    } catch (error) {
      this.unrecorded.unshift(...items); // tried again with the next ones
      throw error;
    }
  }

  /** Gives claimed accounts that were not started back (their items "pending" again). */
  async unclaim(claims: readonly Claim[]): Promise<void> {
    for (const claim of claims) this.prefetched.delete(`${claim.runId}:${claim.customerId}`);
    for (const claim of claims)
      await this.arc.database.db
        .update(runItems)
        .set({ status: "pending", worker: null })
        .where(
          and(
            eq(runItems.runId, claim.runId),
            eq(runItems.customerId, claim.customerId),
            eq(runItems.worker, this.id),
            eq(runItems.status, "running"),
          ),
        );
  }

  /** Forgets a finished run's supervisor. */
  forget(runId: string): void {
    this.contexts.delete(runId);
  }

  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.registered) {
      // Stopped, not crashed: its (finished) claims need no waiting for.
      await this.arc.database.db
        .delete(runWorkers)
        .where(eq(runWorkers.id, this.id))
        .catch(() => {});
      this.registered = undefined;
    }
    const checkpointer = this.checkpointer;
    this.checkpointer = undefined;
    if (checkpointer) await (await checkpointer).close();
  }

  private async saverReady(): Promise<PausedOnlySaver> {
    if (!this.checkpointer) {
      const database = this.arc.database;
      this.checkpointer = openCheckpointer(database.url, database.embedded ? 1 : 2);
      this.checkpointer.catch(() => {
        this.checkpointer = undefined;
      });
    }
    const { saver } = await this.checkpointer;
    if (!this.saver) this.saver = new PausedOnlySaver(saver);
    return this.saver;
  }

  private contextFor(runId: string): Promise<RunContext | null> {
    let context = this.contexts.get(runId);
    if (!context) {
      context = this.loadContext(runId);
      this.contexts.set(runId, context);
      context.catch(() => this.contexts.delete(runId));
    }
    return context;
  }

  private async loadContext(runId: string): Promise<RunContext | null> {
    const [run] = await this.arc.database.db
      .select({ asOf: runs.asOf, status: runs.status })
      .from(runs)
      .where(eq(runs.id, runId));
    if (run?.status !== "running") return null;
    // The run's owner trained (if due) before queueing; workers forecast with the stored model.
    const payDateModel = await payDateModelFor(this.arc);
    const saver = await this.saverReady();
    const supervisor = buildSupervisor({
      runner: this.arc.runner,
      brain: this.brain,
      checkpointer: saver,
      ...(payDateModel ? { payDateModel } : {}),
    });
    return { runId, asOf: run.asOf, now: runInstant(run.asOf), supervisor };
  }
}

/** One account through the supervisor (no bookkeeping): its steps, notes and the tool calls' outcomes. */
export async function invokeAccount(
  runner: ToolRunner,
  supervisor: Supervisor,
  saver: PausedOnlySaver | undefined,
  run: { runId: string; asOf: string; now: string; dryRun: boolean; staleThread?: boolean },
  customer: { id: string; externalRef: string },
  usage?: ReturnType<NonNullable<Brain["createUsage"]>>,
  /** The account's snapshot and waiting approvals, already read (a worker's batch); read here otherwise. */
  prefetched?: Prefetched,
): Promise<AccountResult> {
  const threadId = threadIdFor(run.runId, customer.id);
  try {
    const snapshots: SnapshotCache = prefetched
      ? { current: prefetched.snapshot, pendingApprovalKeys: [...prefetched.pendingApprovalKeys] }
      : {};
    const account = { customerId: customer.id, asOf: run.asOf, now: run.now };
    // An account with nothing to do ends at the route node: say so without starting a thread.
    const plan = await planAccount(runner, account, snapshots);
    if (plan.steps.length === 0 && !run.staleThread) {
      return {
        customerId: customer.id,
        customerRef: customer.externalRef,
        status: "done",
        steps: [],
        notes: plan.reasons.map((r) => `route: ${r}`),
        outcomes: [],
      };
    }
    // A thread left by an attempt that was cut off is stale: the pass starts afresh (its calls replay).
    if (saver && run.staleThread) await saver.deleteThread(threadId);
    saver?.startFresh(threadId);
    const state = (await supervisor.invoke(
      { customerId: customer.id, asOf: run.asOf, now: run.now, runId: run.runId, dryRun: run.dryRun },
      // Checkpoints only when the graph stops: a pass that finishes needs none, one that pauses one.
      {
        configurable: {
          thread_id: threadId,
          // The plan's snapshot, read a moment ago: the route node reuses it instead of reading again.
          snapshots,
          ...(usage ? { usage } : {}),
        },
        durability: "exit",
      },
    )) as AccountState & { __interrupt__?: unknown[] };
    const paused = (state.__interrupt__?.length ?? 0) > 0;
    // Only a paused thread is kept (it resumes when a collector decides); a finished one is history.
    if (saver) {
      if (paused) await saver.persist(threadId);
      else saver.forget(threadId);
    }
    return {
      customerId: customer.id,
      customerRef: customer.externalRef,
      status: paused ? "paused" : "done",
      steps: state.plan?.steps ?? [],
      notes: state.notes,
      outcomes: state.outcomes,
    };
  } catch (error) {
    saver?.forget(threadId);
    return {
      customerId: customer.id,
      customerRef: customer.externalRef,
      status: "failed",
      steps: [],
      notes: [],
      outcomes: [],
      error: (error as Error).message,
    };
  }
}

export interface WorkQueueOptions {
  /** Accounts worked at once in this process. */
  concurrency: number;
  /** Aborting stops taking jobs; the accounts in hand finish and the rest go back to the queue. */
  signal?: AbortSignal;
  /** Return once this run is finished (completed by any worker); without it, work until aborted. */
  untilRunFinished?: string;
  /**
   * Return the accounts this process worked for `untilRunFinished` (default true); false keeps none
   * in memory — half a 100k-account run's results would be held to the end for nothing.
   */
  collectResults?: boolean;
  onProgress?: (progress: RunProgress) => void;
  /** Each account this process worked. */
  onAccount?: (runId: string, account: AccountResult) => void;
  /** A run this process finished (its last account was worked here, or found finished while idle). */
  onRunFinished?: (runId: string) => void;
  /** Without `untilRunFinished`: return once nothing is queued and no run is left unfinished. */
  exitWhenIdle?: boolean;
}

/** How often a run's owner counts its progress for display (a count of every item)… */
const PROGRESS_REPORT_MS = 2_000;
/** …unless the run is this small, when counting after every batch costs next to nothing. */
const COUNT_EVERY_BATCH_UP_TO = 2_000;

/**
 * Works jobs until the run named is finished, or until aborted. Returns the accounts this process
 * worked for that run.
 *
 * `concurrency` slots take claimed accounts from one line, and the line is topped up (fetch, claim,
 * batch reads) while the slots work, as soon as fewer accounts wait in it than there are slots: no
 * slot waits for the slowest account of a batch, or for the next batch's reads. Finished jobs are
 * completed in pg-boss a batch at a time.
 */
export async function workQueue(
  arc: Arc,
  queue: RunQueue,
  worker: AccountWorker,
  options: WorkQueueOptions,
): Promise<AccountResult[]> {
  const mine: AccountResult[] = [];
  const slots = Math.max(1, options.concurrency);
  const batch = slots * 2;
  const runId = options.untilRunFinished;
  // Whether the run is finished is an index probe, asked before every fetch; the progress shown counts
  // every item, so on a run of more than COUNT_EVERY_BATCH_UP_TO accounts it is counted every 2 s.
  let progressReportedAt = 0;
  let runSize = 0;
  const report = async (id: string) => {
    if (!options.onProgress) return;
    progressReportedAt = Date.now();
    const progress = await runProgress(arc, id);
    if (!progress) return;
    runSize = progress.accounts.total;
    options.onProgress(progress);
  };
  /** False once the named run is no longer running: the caller's work is over. */
  let runGoesOn = true;
  const checkRun = async (id: string): Promise<"working" | "finished" | "over"> => {
    const state = await runState(arc, id);
    if (!state) return "over";
    if (
      runSize <= COUNT_EVERY_BATCH_UP_TO ||
      state.status !== "running" ||
      !state.unfinished ||
      Date.now() - progressReportedAt >= PROGRESS_REPORT_MS
    )
      await report(id);
    if (state.status !== "running") return "over";
    return state.unfinished ? "working" : "finished";
  };

  // Claimed accounts not yet started, in fetch order, and the jobs finished but not yet completed.
  const line: [jobId: string, claim: Claim][] = [];
  let done: string[] = [];
  const touched = new Set<string>();
  const complete = async () => {
    // The finished jobs are taken before the items are recorded: each was worked before recordWorked
    // starts, so its item is among those recorded, and no job is completed with its item unrecorded
    // (a worker killed then would leave an item "running" with no job to bring it back).
    const ids = done;
    done = [];
    try {
      await worker.recordWorked();
      if (ids.length > 0) await queue.complete(ids);
    } catch (error) {
      done.unshift(...ids);
      throw error;
    }
  };
  /** Fetches, claims and reads the next batch onto the line; 0 when nothing was fetched. */
  const refill = async (): Promise<number> => {
    await complete();
    if (runId) {
      const run = await checkRun(runId);
      if (run === "over") runGoesOn = false;
      if (run !== "working") return 0;
    }
    const jobs = await queue.fetch(batch);
    if (jobs.length === 0) return 0;
    const claims = await worker.claim(jobs);
    await worker.prefetch([...claims.values()]);
    // Jobs with nothing to do (finished items, runs no longer running) are done at once.
    for (const job of jobs) if (!claims.has(job.id)) done.push(job.id);
    line.push(...claims);
    return jobs.length;
  };

  for (;;) {
    if (options.signal?.aborted || !runGoesOn) break;
    let fetched = 0;
    let refilling: Promise<number> | undefined;
    let failure: { error: unknown } | undefined;
    const topUp = () => {
      const next: Promise<number> = refill().then(
        (n) => {
          fetched += n;
          return n;
        },
        (error) => {
          failure ??= { error };
          return 0;
        },
      );
      refilling = next;
      void next.then(() => {
        if (refilling === next) refilling = undefined;
      });
    };
    const slot = async () => {
      for (;;) {
        if (options.signal?.aborted || failure) return;
        if (line.length < slots && !refilling) topUp();
        const entry = line.shift();
        if (!entry) {
          if (!refilling) return;
          if ((await refilling) === 0 && line.length === 0) return;
          continue;
        }
        const [jobId, claim] = entry;
        const account = await worker.work(claim);
        done.push(jobId);
        touched.add(claim.runId);
        if (claim.runId === runId && options.collectResults !== false) mine.push(account);
        options.onAccount?.(claim.runId, account);
      }
    };
    await Promise.all(Array.from({ length: slots }, slot));
    // A top-up still under way (the slots were told to stop) lands on the line, to be given back.
    await refilling;
    await complete();
    // Jobs taken but not started (a shutdown, a failed fetch) go straight back for another worker,
    // their items unclaimed.
    if (line.length > 0) {
      const released = line.splice(0);
      await worker.unclaim(released.map(([, claim]) => claim));
      await queue.release(released.map(([jobId]) => jobId));
    }
    if (failure) throw failure.error;
    for (const id of touched) {
      if (id !== runId && (await finishRun(arc, id))) {
        worker.forget(id);
        options.onRunFinished?.(id);
      }
    }
    touched.clear();
    if (options.signal?.aborted || !runGoesOn) break;
    if (runId) {
      const run = await checkRun(runId);
      if (run === "over") break;
      if (run === "finished") {
        await finishRun(arc, runId);
        continue;
      }
    }
    if (fetched > 0) continue;
    // Nothing queued, but the run may wait on accounts a dead worker took.
    const recovered = await recoverLostJobs(arc, queue);
    if (!runId) {
      const open = await finishIdleRuns(arc, options.onRunFinished);
      if (options.exitWhenIdle && open === 0 && recovered === 0) break;
    }
    await sleep(queue.settings.pollIntervalMs, options.signal);
  }
  return mine;
}

/** A job this long active without its account claimed was taken by a worker that died before claiming it. */
const UNCLAIMED_JOB_MS = 30_000;

/**
 * Jobs held by dead workers go back to the queue. A SIGKILLed worker leaves its jobs "active" until
 * pg-boss expires them (ARC_JOB_EXPIRE_SECONDS, minutes); looking at who claimed each account gets
 * them back within seconds: the claimant is gone (not registered, silent for WORKER_TIMEOUT_MS, or a
 * process of this machine that no longer exists), or nobody claimed the account long after the job
 * was taken. A job whose account is already finished is completed. Reads pg-boss's job table (v10).
 */
export async function recoverLostJobs(arc: Arc, queue: RunQueue): Promise<number> {
  const rows = await arc.database.db.execute<{
    id: string;
    activeMs: number;
    status: string | null;
    worker: string | null;
    silentMs: number | null;
  }>(sql`
    select j.id::text as id,
      (extract(epoch from (now() - j.started_on)) * 1000)::float8 as "activeMs",
      i.status, i.worker,
      (extract(epoch from (now() - w.heartbeat_at)) * 1000)::float8 as "silentMs"
    from pgboss.job j
    left join ${runItems} i
      on i.run_id = (j.data->>'runId')::uuid and i.customer_id = (j.data->>'customerId')::uuid
    left join ${runWorkers} w on w.id = i.worker
    where j.name = ${ACCOUNT_QUEUE} and j.state = 'active' and j.started_on < now() - interval '1 second'`);
  const finished: string[] = [];
  const lost: string[] = [];
  for (const row of rows) {
    if (row.status === null || !["pending", "running"].includes(row.status)) finished.push(row.id);
    else if (row.status === "pending") {
      if (Number(row.activeMs) > UNCLAIMED_JOB_MS) lost.push(row.id);
    } else if (
      !row.worker ||
      row.silentMs === null ||
      Number(row.silentMs) > WORKER_TIMEOUT_MS ||
      !processMayBeAlive(row.worker)
    )
      lost.push(row.id);
  }
  await queue.complete(finished);
  await queue.release(lost);
  return lost.length;
}

/**
 * A worker with nothing to do finishes any running run whose accounts are all finished (its owner
 * died). Returns how many runs are still unfinished.
 */
async function finishIdleRuns(arc: Arc, onRunFinished?: (runId: string) => void): Promise<number> {
  const open = await arc.database.db.select({ id: runs.id }).from(runs).where(eq(runs.status, "running"));
  if (open.length === 0) return 0;
  const unfinished = await arc.database.db
    .selectDistinct({ runId: runItems.runId })
    .from(runItems)
    .where(
      and(
        inArray(
          runItems.runId,
          open.map((r) => r.id),
        ),
        inArray(runItems.status, ["pending", "running"]),
      ),
    );
  const busy = new Set(unfinished.map((u) => u.runId));
  for (const { id } of open) if (!busy.has(id) && (await finishRun(arc, id))) onRunFinished?.(id);
  return busy.size;
}

/**
 * Once every account of a run is finished (by whichever workers): the portfolio's cash forecast and
 * the report, and the run is completed. Any worker may get here for the same run at the same moment;
 * the forecast is one idempotent call and only the first completion is recorded.
 */
export async function finishRun(arc: Arc, runId: string): Promise<boolean> {
  const [run] = await arc.database.db
    .select({ asOf: runs.asOf, status: runs.status, options: runs.options })
    .from(runs)
    .where(eq(runs.id, runId));
  if (run?.status !== "running") return false;
  const state = await runState(arc, runId);
  if (!state || state.unfinished) return false;
  const now = runInstant(run.asOf);
  await recordCashForecast(arc, runId, now, run.asOf);
  const brain = (run.options as { brain?: string }).brain ?? "rules";
  const report = await reportFromResults(arc, { runId, asOf: run.asOf, brain });
  const completed = await arc.database.db
    .update(runs)
    .set({ status: "completed", finishedAt: new Date(), report: report as never, owner: null })
    .where(and(eq(runs.id, runId), eq(runs.status, "running")))
    .returning({ id: runs.id });
  return completed.length > 0;
}

/** After every account has its predictions: the portfolio's 13-week cash forecast, stored once per run. */
export async function recordCashForecast(arc: Arc, runId: string, now: string, asOf: string): Promise<void> {
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

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
