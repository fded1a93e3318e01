// The account queue and its workers in one process: settings from the environment, job ids, a run
// completed by its owner and a second worker together (each account once), checkpoints kept only for
// paused accounts, and a worker finishing a run whose owner is gone.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { rulesBrain } from "../../agents/rules-brain.ts";
import { generateDemoPortfolio } from "../../db/demo/generate.ts";
import { runAccounts } from "../../server/run.ts";
import { accountJobId, openRunQueue, queueSettingsFromEnv } from "../../server/run-queue.ts";
import { AccountWorker, workQueue } from "../../server/run-worker.ts";
import { testArc } from "../support/arc.ts";
import { useTestDatabase } from "../support/db.ts";

const database = useTestDatabase();
const arc = () => testArc(database, "2026-03-10T06:00:00.000Z");
const rows = <T extends Record<string, unknown>>(query: ReturnType<typeof sql>) =>
  database.current.db.execute<T>(query);

describe("queue settings", () => {
  it("default, read the environment, and refuse a bad value naming the variable", () => {
    expect(queueSettingsFromEnv({})).toEqual({
      expireInSeconds: 600,
      maintenanceIntervalSeconds: 30,
      pollIntervalMs: 500,
    });
    expect(
      queueSettingsFromEnv({
        ARC_JOB_EXPIRE_SECONDS: "90",
        ARC_JOB_MAINTENANCE_SECONDS: "5",
        ARC_WORKER_POLL_MS: "1000",
      }),
    ).toEqual({ expireInSeconds: 90, maintenanceIntervalSeconds: 5, pollIntervalMs: 1000 });
    expect(() => queueSettingsFromEnv({ ARC_JOB_EXPIRE_SECONDS: "0" })).toThrow(
      'ARC_JOB_EXPIRE_SECONDS must be a whole number from 1 to 86400, not "0"',
    );
    expect(() => queueSettingsFromEnv({ ARC_WORKER_POLL_MS: "fast" })).toThrow("ARC_WORKER_POLL_MS");
    expect(() => queueSettingsFromEnv({ ARC_JOB_MAINTENANCE_SECONDS: "1.5" })).toThrow(
      "ARC_JOB_MAINTENANCE_SECONDS",
    );
  });

  it("give each (run, account) one stable job id", () => {
    const run = "7f1c2d3e-0000-4000-8000-000000000001";
    const a = accountJobId(run, "11111111-1111-4111-8111-111111111111");
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(accountJobId(run, "11111111-1111-4111-8111-111111111111")).toBe(a);
    expect(accountJobId(run, "22222222-2222-4222-8222-222222222222")).not.toBe(a);
  });
});

describe("a queued run", { timeout: 120_000 }, () => {
  it("is completed by its owner and another worker together, each account once, checkpoints only for paused ones", async () => {
    await generateDemoPortfolio(database.current.db, { customers: 40, seed: 5, asOf: "2026-03-09" });
    const helper = new AccountWorker(arc(), rulesBrain);
    const queue = await openRunQueue(arc(), {
      expireInSeconds: 60,
      maintenanceIntervalSeconds: 30,
      pollIntervalMs: 500,
    });
    const stop = new AbortController();
    const helped: string[] = [];
    const helping = workQueue(arc(), queue, helper, {
      concurrency: 2,
      signal: stop.signal,
      onAccount: (_runId, account) => helped.push(account.customerId),
    });
    try {
      const result = await runAccounts(arc(), {
        asOf: "2026-03-10",
        concurrency: 2,
        dryRun: false,
        brain: rulesBrain,
      });
      expect(result.interrupted).toBe(false);
      expect(result.report.accounts.total).toBe(40);
      expect(result.accounts).toHaveLength(40);
      expect(helped.length).toBeGreaterThan(0);
      expect(helped.length).toBeLessThan(40);
      const items = await rows<{ status: string; worker: string; n: number }>(
        sql`select status, worker, count(*)::int as n from run_items where run_id = ${result.runId} group by 1, 2`,
      );
      // Both workers claimed accounts; every item finished.
      expect(new Set(items.map((i) => i.worker)).size).toBe(2);
      expect(items.every((i) => i.status === "done" || i.status === "paused")).toBe(true);
      expect(items.reduce((t, i) => t + i.n, 0)).toBe(40);
      // The run was finished once: one cash forecast, one completion with its report.
      const [forecasts] = await rows<{ n: number }>(
        sql`select count(*)::int as n from actions where run_id = ${result.runId} and tool = 'record_cash_forecast'`,
      );
      expect(forecasts!.n).toBe(1);
      // Only paused accounts keep a checkpointed thread.
      const paused = items.filter((i) => i.status === "paused").reduce((t, i) => t + i.n, 0);
      expect(paused).toBeGreaterThan(0);
      const [threads] = await rows<{ n: number }>(
        sql`select count(distinct thread_id)::int as n from langgraph.checkpoints`,
      );
      expect(threads!.n).toBe(paused);
      // Every job is done.
      const [open] = await rows<{ n: number }>(
        sql`select count(*)::int as n from pgboss.job where name = 'arc-accounts' and state not in ('completed')`,
      );
      expect(open!.n).toBe(0);
    } finally {
      stop.abort();
      await helping;
      await helper.close();
      await queue.stop();
    }
  });

  it("is finished by a worker when its owner stopped after queueing", async () => {
    // The owner is stopped at once (a shutdown): accounts stay queued, the run stays running.
    const stopped = new AbortController();
    stopped.abort();
    const first = await runAccounts(arc(), {
      asOf: "2026-03-11",
      concurrency: 2,
      dryRun: false,
      brain: rulesBrain,
      signal: stopped.signal,
    });
    expect(first.interrupted).toBe(true);
    const worker = new AccountWorker(arc(), rulesBrain);
    const queue = await openRunQueue(arc(), {
      expireInSeconds: 60,
      maintenanceIntervalSeconds: 30,
      pollIntervalMs: 500,
    });
    const finished: string[] = [];
    try {
      await workQueue(arc(), queue, worker, {
        concurrency: 3,
        exitWhenIdle: true,
        onRunFinished: (runId) => finished.push(runId),
      });
    } finally {
      await worker.close();
      await queue.stop();
    }
    expect(finished).toEqual([first.runId]);
    const [run] = await rows<{ status: string; report: { accounts: { total: number } } }>(
      sql`select status, report from runs where id = ${first.runId}`,
    );
    expect(run!.status).toBe("completed");
    expect(run!.report.accounts.total).toBe(40);
  });
});

describe("a run whose caller wants only the report", { timeout: 120_000 }, () => {
  it("keeps no account results in memory and reports every account from the stored results", async () => {
    const result = await runAccounts(arc(), {
      asOf: "2026-03-12",
      concurrency: 3,
      dryRun: false,
      brain: rulesBrain,
      returnAccounts: false,
    });
    expect(result.interrupted).toBe(false);
    expect(result.accounts).toEqual([]);
    expect(result.report.accounts.total).toBe(40);
    const [stored] = await rows<{ n: number }>(
      sql`select count(*)::int as n from run_items where run_id = ${result.runId} and status in ('done', 'paused')`,
    );
    expect(stored!.n).toBe(40);
  });
});

describe("the queue's fetch order", { timeout: 120_000 }, () => {
  it("hands out the riskiest accounts first, through ARC's fetch-order index, however many processes open it at once", async () => {
    const settings = { expireInSeconds: 60, maintenanceIntervalSeconds: 30, pollIntervalMs: 500 };
    // Three processes starting together (an `arc run` and two workers): each ensures the index.
    const queues = await Promise.all([1, 2, 3].map(() => openRunQueue(arc(), settings)));
    try {
      const indexes = await rows<{ indexdef: string }>(
        sql`select indexdef from pg_indexes where schemaname = 'pgboss' and indexname = 'arc_job_fetch_order'`,
      );
      expect(indexes).toHaveLength(1);
      expect(indexes[0]!.indexdef).toMatch(
        /\(name, priority DESC, created_on, id\) WHERE \(state < 'active'/,
      );
      const runId = "7f1c2d3e-0000-4000-8000-0000000000aa";
      const customerIds = Array.from(
        { length: 30 },
        (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      );
      await queues[0]!.enqueue(runId, customerIds);
      const handedOut: string[] = [];
      for (let i = 0; i < 3; i++) {
        const jobs = await queues[i]!.fetch(10);
        handedOut.push(...jobs.map((j) => j.data.customerId));
        await queues[i]!.complete(jobs.map((j) => j.id));
      }
      // In the order given (first is riskiest), across processes.
      expect(handedOut).toEqual(customerIds);
    } finally {
      for (const queue of queues) await queue.stop();
    }
  });
});
