// Prometheus metrics: request latency by route and status, the approval queue's depth, the
// progress of every run still working, and the outbox by delivery state. The gauges are read from the database at scrape time, so
// they are true whichever process changed the queue or runs the run.
import { and, eq, gt, inArray, isNull, or, sql } from "drizzle-orm";
import { collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { actions, communications, runs } from "../../db/schema.ts";
import type { Arc } from "../context.ts";
import { listRuns } from "../run-report.ts";

export interface ApiMetrics {
  registry: Registry;
  observeRequest(labels: { method: string; route: string; status: number }, seconds: number): void;
}

/** Runs reported at most, newest first: a gauge per run, and there are few at once. */
const RUNS_REPORTED = 20;

export function createMetrics(arc: Arc, options: { processMetrics?: boolean } = {}): ApiMetrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: "arc_" });
  const latency = new Histogram({
    name: "arc_http_request_duration_seconds",
    help: "HTTP request latency (to the response's headers), by method, route template and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: "arc_approvals_pending",
    help: "Actions waiting for a collector's decision (pending and not expired)",
    registers: [registry],
    async collect() {
      const now = new Date();
      const [row] = await arc.database.db
        .select({ count: sql<number>`count(*)::int` })
        .from(actions)
        .where(and(eq(actions.status, "pending"), or(isNull(actions.expiresAt), gt(actions.expiresAt, now))));
      this.set(Number(row?.count ?? 0));
    },
  });
  new Gauge({
    name: "arc_run_accounts",
    help: "Accounts of each run still working: state total or finished",
    labelNames: ["run_id", "as_of", "state"] as const,
    registers: [registry],
    async collect() {
      const running = await listRuns(arc, { limit: RUNS_REPORTED, status: "running" });
      // Finished runs drop out of the series rather than freezing at their last value.
      this.reset();
      for (const run of running) {
        const labels = { run_id: run.runId, as_of: run.asOf };
        this.set({ ...labels, state: "total" }, run.accounts.total);
        this.set({ ...labels, state: "finished" }, run.accounts.finished);
      }
    },
  });
  new Gauge({
    name: "arc_runs_running",
    help: "Runs still working (the newest 20 are reported in arc_run_accounts)",
    registers: [registry],
    async collect() {
      const [row] = await arc.database.db
        .select({ count: sql<number>`count(*)::int` })
        .from(runs)
        .where(eq(runs.status, "running"));
      this.set(Number(row?.count ?? 0));
    },
  });
  new Gauge({
    name: "arc_outbox_messages",
    help: "Outbound email and SMS in the outbox by delivery state (queued, held, sending, unconfirmed); failed in the last 24 hours",
    labelNames: ["channel", "status"] as const,
    registers: [registry],
    async collect() {
      const rows = await arc.database.db
        .select({
          channel: communications.channel,
          status: communications.status,
          count: sql<number>`count(*)::int`,
        })
        .from(communications)
        .where(
          and(
            eq(communications.direction, "outbound"),
            inArray(communications.channel, ["email", "sms"]),
            or(
              inArray(communications.status, ["queued", "held", "sending", "unconfirmed"]),
              and(
                eq(communications.status, "failed"),
                sql`${communications.occurredAt} > now() - interval '24 hours'`,
              ),
            ),
          ),
        )
        .groupBy(communications.channel, communications.status);
      this.reset();
      for (const channel of ["email", "sms"]) {
        for (const status of ["queued", "held", "sending", "unconfirmed", "failed"]) {
          const row = rows.find((r) => r.channel === channel && r.status === status);
          this.set({ channel, status }, Number(row?.count ?? 0));
        }
      }
    },
  });
  return {
    registry,
    observeRequest: ({ method, route, status }, seconds) =>
      latency.observe({ method, route, status: String(status) }, seconds),
  };
}
