// The account queue: one pg-boss job per (run, account) in ARC's own database, so any number of
// worker processes, on any number of machines sharing that Postgres, work a run together.
//
// Delivery is at least once: a worker killed with jobs in hand leaves them "active" until they
// expire (ARC_JOB_EXPIRE_SECONDS), then pg-boss hands them out again. That is safe because working
// an account twice has no second effect — every tool call carries an idempotency key made of the
// as-of date, account and call (server/run.ts) — and a worker skips an account whose item is finished.
import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import PgBoss from "pg-boss";
import type { Arc } from "./context.ts";

export const ACCOUNT_QUEUE = "arc-accounts";

export interface QueueSettings {
  /** A job a worker took this long ago without finishing is presumed lost (its worker died) and retried. */
  expireInSeconds: number;
  /** How often some process looks for expired jobs (pg-boss maintenance; one process does it per interval). */
  maintenanceIntervalSeconds: number;
  /** How often an idle worker asks for jobs. */
  pollIntervalMs: number;
}

export const DEFAULT_QUEUE_SETTINGS: QueueSettings = {
  expireInSeconds: 600,
  maintenanceIntervalSeconds: 30,
  pollIntervalMs: 500,
};

/** ARC_JOB_EXPIRE_SECONDS, ARC_JOB_MAINTENANCE_SECONDS, ARC_WORKER_POLL_MS; a bad value is refused naming it. */
export function queueSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): QueueSettings {
  const read = (name: string, fallback: number, min: number, max: number) => {
    const text = env[name];
    if (text === undefined || text === "") return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max)
      throw new Error(`${name} must be a whole number from ${min} to ${max}, not "${text}"`);
    return value;
  };
  return {
    expireInSeconds: read("ARC_JOB_EXPIRE_SECONDS", DEFAULT_QUEUE_SETTINGS.expireInSeconds, 1, 86_400),
    maintenanceIntervalSeconds: read(
      "ARC_JOB_MAINTENANCE_SECONDS",
      DEFAULT_QUEUE_SETTINGS.maintenanceIntervalSeconds,
      1,
      3_600,
    ),
    pollIntervalMs: read("ARC_WORKER_POLL_MS", DEFAULT_QUEUE_SETTINGS.pollIntervalMs, 500, 60_000),
  };
}

export interface AccountJob {
  id: string;
  data: { runId: string; customerId: string };
}

export interface RunQueue {
  readonly settings: QueueSettings;
  /** Queues the accounts (in the order given: first is worked first); already-queued ones are left alone. */
  enqueue(runId: string, customerIds: readonly string[]): Promise<void>;
  fetch(max: number): Promise<AccountJob[]>;
  complete(ids: readonly string[]): Promise<void>;
  /** Gives jobs taken but not started back to the queue at once (a shutdown). */
  release(ids: readonly string[]): Promise<void>;
  stop(): Promise<void>;
}

/**
 * One job id per (run, account): queueing an account again (a run resumed by a new owner) is a no-op
 * while its job exists; a job that failed for good is put back instead.
 */
export function accountJobId(runId: string, customerId: string): string {
  const hex = createHash("sha256").update(`arc-account-job:${runId}:${customerId}`).digest("hex");
  // Shaped as a version-5-style UUID (pg-boss ids are uuid).
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((Number.parseInt(hex[16]!, 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * pg-boss fetches the highest priority first, but its own index serves only (name, start_after): each
 * fetch sorted every queued job, ≈ 60–75 ms per fetch with 100k accounts queued — more database time
 * than the accounts themselves. With this index the fetch reads the first few entries in order.
 */
const FETCH_ORDER_INDEX = "arc_job_fetch_order";

async function ensureFetchOrderIndex(arc: Arc): Promise<void> {
  const db = arc.database.db;
  const [found] = await db.execute<{ exists: boolean }>(
    sql`select to_regclass(${`pgboss.${FETCH_ORDER_INDEX}`}) is not null as exists`,
  );
  if (found?.exists) return;
  // Processes starting together: the lock (on the embedded database, its exclusive transaction)
  // lets one create it.
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('arc.queue.fetch_index'))`);
    await tx.execute(
      sql.raw(
        `create index if not exists ${FETCH_ORDER_INDEX} on pgboss.job (name, priority desc, created_on, id) where state < 'active'`,
      ),
    );
  });
}

/** Rows per insert: one statement per few thousand jobs keeps a 100k-account run's enqueue to seconds. */
const ENQUEUE_BATCH = 5_000;

export async function openRunQueue(
  arc: Arc,
  settings: QueueSettings = queueSettingsFromEnv(),
): Promise<RunQueue> {
  const boss = new PgBoss({
    connectionString: arc.database.url,
    // The embedded database serves one backend; a real server gets a small pool of its own.
    max: arc.database.embedded ? 1 : 2,
    application_name: "arc-queue",
    schedule: false,
    supervise: true,
    maintenanceIntervalSeconds: settings.maintenanceIntervalSeconds,
  });
  // pg-boss reports maintenance and connection errors as events; an unhandled 'error' would crash
  // the process, and the next poll retries anyway.
  boss.on("error", () => {});
  await boss.start();
  await boss.createQueue(ACCOUNT_QUEUE, {
    name: ACCOUNT_QUEUE,
    // A lost job (its worker died) comes back; only a worker crashing on the same account again and
    // again exhausts this (an account that throws is recorded "failed" and its job completes).
    retryLimit: 20,
    retryDelay: 0,
    expireInSeconds: settings.expireInSeconds,
  });
  await ensureFetchOrderIndex(arc);
  return {
    settings,
    async enqueue(runId, customerIds) {
      for (let start = 0; start < customerIds.length; start += ENQUEUE_BATCH) {
        const slice = customerIds.slice(start, start + ENQUEUE_BATCH);
        await boss.insert(
          slice.map((customerId, index) => ({
            id: accountJobId(runId, customerId),
            name: ACCOUNT_QUEUE,
            data: { runId, customerId },
            // Earlier in the list (riskier) is fetched first.
            priority: customerIds.length - (start + index),
            expireInSeconds: settings.expireInSeconds,
          })),
        );
        // A job that exhausted its retries (its workers kept dying) gets another chance with a new owner.
        await boss.retry(
          ACCOUNT_QUEUE,
          slice.map((customerId) => accountJobId(runId, customerId)),
        );
      }
    },
    async fetch(max) {
      const jobs = await boss.fetch<AccountJob["data"]>(ACCOUNT_QUEUE, {
        batchSize: max,
        includeMetadata: true,
      });
      // pg-boss picks the highest priorities, but UPDATE … RETURNING hands them back in any order.
      return (jobs ?? [])
        .sort((a, b) => b.priority - a.priority)
        .map((job) => ({ id: job.id, data: job.data }));
    },
    async complete(ids) {
      if (ids.length > 0) await boss.complete(ACCOUNT_QUEUE, [...ids]);
    },
    async release(ids) {
      if (ids.length > 0) await boss.fail(ACCOUNT_QUEUE, [...ids]);
    },
    async stop() {
      await boss.stop({ graceful: false, close: true, wait: true });
    },
  };
}
