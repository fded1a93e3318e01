// Runs started through the API, worked in this process in the background. The tracker knows their
// progress the moment it changes (for server-sent events and /metrics) and how they ended; runs of
// other processes are followed from their rows instead (runs.ts).
import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import type { Brain } from "../../agents/brain.ts";
import type { Arc } from "../context.ts";
import { runAccounts } from "../run.ts";
import type { RunReport } from "../run-report.ts";
import { ApiError } from "./errors.ts";

export type RunEvent =
  | { type: "progress"; runId: string; done: number; total: number }
  | { type: "completed"; runId: string; report: RunReport }
  | { type: "failed"; runId: string; error: string };

export interface TrackedRun {
  runId: string;
  asOf: string;
  resumed: boolean;
  status: "running" | "completed" | "failed";
  done: number;
  total: number;
  error?: string;
}

export interface StartRunRequest {
  asOf: string;
  customers?: string[];
  concurrency: number;
}

export class RunTracker {
  private readonly runs = new Map<string, TrackedRun>();
  private readonly events = new EventEmitter();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly starting = new Set<string>();
  /** Aborted on shutdown: runs stop taking accounts and finish the ones in hand. */
  private readonly shutdown = new AbortController();

  constructor(
    private readonly arc: Arc,
    private readonly brain: Brain,
    private readonly logger: Logger,
  ) {
    // Each SSE client listens; many may follow one run.
    this.events.setMaxListeners(0);
  }

  get(runId: string): TrackedRun | undefined {
    return this.runs.get(runId);
  }

  /** Runs of this process still working. */
  active(): TrackedRun[] {
    return [...this.runs.values()].filter((run) => run.status === "running");
  }

  /**
   * Starts a run and answers once it has its id (and the number of accounts), leaving it to work in
   * the background. One run per date at a time in this process: a second is a conflict naming the first.
   */
  async start(request: StartRunRequest): Promise<TrackedRun> {
    if (this.shutdown.signal.aborted) {
      throw new ApiError(
        503,
        "shutting_down",
        "the server is shutting down; start the run on another server or later",
      );
    }
    const going = this.active().find((run) => run.asOf === request.asOf);
    if (going) {
      throw new ApiError(409, "run_in_progress", `run ${going.runId} for ${request.asOf} is still working`, {
        runId: going.runId,
      });
    }
    // A run has no id until its row exists; until then its date is held here, so two requests at once
    // do not both start one.
    if (this.starting.has(request.asOf)) {
      throw new ApiError(409, "run_in_progress", `a run for ${request.asOf} is starting`);
    }
    this.starting.add(request.asOf);
    let tracked: TrackedRun | undefined;
    let started!: (run: TrackedRun) => void;
    const whenStarted = new Promise<TrackedRun>((resolve) => {
      started = resolve;
    });
    const work = runAccounts(this.arc, {
      asOf: request.asOf,
      concurrency: request.concurrency,
      dryRun: false,
      brain: this.brain,
      signal: this.shutdown.signal,
      ...(request.customers ? { customers: request.customers } : {}),
      onStart: ({ runId, resumed, total }) => {
        tracked = { runId, asOf: request.asOf, resumed, status: "running", done: 0, total };
        this.runs.set(runId, tracked);
        this.starting.delete(request.asOf);
        started(tracked);
      },
      onProgress: (done, total) => {
        if (!tracked) return;
        tracked.done = done;
        tracked.total = total;
        this.emit({ type: "progress", runId: tracked.runId, done, total });
      },
    }).then(
      (result) => {
        if (!tracked) return;
        if (result.interrupted) {
          tracked.status = "failed";
          tracked.error = `interrupted by a shutdown after ${tracked.done} of ${tracked.total} accounts; the next run for ${request.asOf} resumes it`;
          this.logger.warn(
            { runId: tracked.runId, done: tracked.done, total: tracked.total },
            "run interrupted",
          );
          this.emit({ type: "failed", runId: tracked.runId, error: tracked.error });
          return;
        }
        tracked.status = "completed";
        this.logger.info({ runId: tracked.runId, accounts: result.report.accounts }, "run completed");
        this.emit({ type: "completed", runId: tracked.runId, report: result.report });
      },
      (error: unknown) => {
        this.starting.delete(request.asOf);
        if (!tracked) throw error;
        // The run's row stays "running": the next run for its date resumes it where it stopped.
        tracked.status = "failed";
        tracked.error = error instanceof Error ? error.message : String(error);
        this.logger.error({ runId: tracked.runId, err: error }, "run failed");
        this.emit({ type: "failed", runId: tracked.runId, error: tracked.error });
      },
    );
    const settled = work.catch(() => {});
    this.pending.add(settled);
    void settled.finally(() => this.pending.delete(settled));
    // Whichever comes first: the run has its id, or it failed before it had one (an unknown customer).
    return Promise.race([whenStarted, work.then(() => whenStarted)]);
  }

  /** Calls `listener` with every event of this run until the returned function unsubscribes it. */
  subscribe(runId: string, listener: (event: RunEvent) => void): () => void {
    const channel = `run:${runId}`;
    this.events.on(channel, listener);
    return () => this.events.off(channel, listener);
  }

  /**
   * For a graceful shutdown: no run takes another account; the accounts in hand finish (their
   * threads checkpointed, their run items recorded) and every run's row stays "running", so the
   * next start for its date resumes where it stopped. No new run starts after this.
   */
  async drain(): Promise<void> {
    this.shutdown.abort();
    await this.settled();
  }

  /** Resolves when every run started so far has finished (tests wait on it before closing the database). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private emit(event: RunEvent): void {
    this.events.emit(`run:${event.runId}`, event);
  }
}
