// Runs: start one (it works in the background, in this process), follow its progress as
// server-sent events, read its report. A run of another process (`arc run`, another server) is
// followed from its rows.
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import { utcDate } from "../../tools/ledger.ts";
import { isoDate } from "../../tools/schemas.ts";
import { listRuns, runProgress, storedRunReport } from "../run-report.ts";
import { type ApiDeps, uuidParams } from "./deps.ts";
import { ApiError, notFound } from "./errors.ts";
import { defineRoute, type RouteSpec } from "./route.ts";
import type { RunEvent } from "./run-tracker.ts";

const startBody = z.strictObject({
  /** The run's date; default today (UTC). */
  asOf: isoDate.optional(),
  /** Only these customers (external refs or ids); default every customer. */
  customers: z.array(z.string().trim().min(1)).min(1).max(10_000).optional(),
  /** Accounts worked at once. */
  concurrency: z.number().int().min(1).max(16).default(4),
});

const RUN_STATUSES = ["running", "completed", "failed", "cancelled"] as const;

export function runRoutes(deps: ApiDeps): RouteSpec[] {
  const params = uuidParams("runId");
  const requireRun = async (runId: string) => {
    const progress = await runProgress(deps.arc, runId);
    if (!progress) throw notFound(`no run ${runId}`);
    return progress;
  };
  return [
    defineRoute({
      method: "get",
      path: "/api/runs",
      operationId: "listRuns",
      summary: "Recent runs with their progress",
      tag: "runs",
      permission: "read",
      query: z.object({
        status: z.enum(RUN_STATUSES).optional(),
        limit: z.number().int().min(1).max(200).default(20),
      }),
      responses: { 200: { description: "Runs, newest first" } },
      handle: async (c, { query }) => c.json({ runs: await listRuns(deps.arc, query) }),
    }),
    defineRoute({
      method: "post",
      path: "/api/runs",
      operationId: "startRun",
      summary: "Start a run",
      description:
        "Works every account (or the ones named) through the agents as of a date, in the background. A run for " +
        "the same date that was interrupted is resumed rather than started anew. Follow it at " +
        "/api/runs/{runId}/events; the report is at /api/runs/{runId}/report when it completes.",
      tag: "runs",
      permission: "run",
      body: startBody,
      bodyOptional: true,
      responses: { 202: { description: "The run has started: its id, and where to follow it" } },
      errors: [409, 422],
      example: { body: { asOf: "2026-03-02", concurrency: 4 } },
      handle: async (c, { body }) => {
        const run = await deps.runs.start({
          asOf: body.asOf ?? utcDate(new Date()),
          concurrency: body.concurrency,
          ...(body.customers ? { customers: body.customers } : {}),
        });
        return c.json(
          {
            run,
            links: {
              self: `/api/runs/${run.runId}`,
              events: `/api/runs/${run.runId}/events`,
              report: `/api/runs/${run.runId}/report`,
            },
          },
          202,
        );
      },
    }),
    defineRoute({
      method: "get",
      path: "/api/runs/:runId",
      operationId: "getRun",
      summary: "A run's status and progress",
      tag: "runs",
      permission: "read",
      params,
      responses: { 200: { description: "Status and account counts" } },
      handle: async (c, { params }) => {
        const progress = await requireRun(params.runId);
        const tracked = deps.runs.get(params.runId);
        return c.json({ ...progress, ...(tracked?.error ? { error: tracked.error } : {}) });
      },
    }),
    defineRoute({
      method: "get",
      path: "/api/runs/:runId/report",
      operationId: "getRunReport",
      summary: "A completed run's report",
      tag: "runs",
      permission: "read",
      params,
      responses: {
        200: { description: "What the run did: actions by tool, approvals queued, cash applied…" },
      },
      errors: [409],
      handle: async (c, { params }) => {
        const progress = await requireRun(params.runId);
        const report = await storedRunReport(deps.arc, params.runId);
        if (!report) {
          throw new ApiError(
            409,
            "run_not_finished",
            `run ${params.runId} is ${progress.status}; it has no report yet`,
            {
              status: progress.status,
            },
          );
        }
        return c.json(report);
      },
    }),
    defineRoute({
      method: "get",
      path: "/api/runs/:runId/events",
      operationId: "followRun",
      summary: "A run's progress as server-sent events",
      description:
        "`progress` events ({runId, done, total}) as accounts finish, then one `completed` ({runId, report}) or " +
        "`failed` ({runId, error}), and the stream ends. A finished run answers with its final state at once.",
      tag: "runs",
      permission: "read",
      params,
      responses: { 200: { description: "An event stream", contentType: "text/event-stream" } },
      handle: async (c, { params }) => {
        const progress = await requireRun(params.runId);
        const runId = params.runId;
        return streamSSE(c, async (stream) => {
          let sequence = 0;
          const send = (event: RunEvent) => {
            const { type, ...data } = event;
            return stream.writeSSE({ event: type, data: JSON.stringify(data), id: String(++sequence) });
          };
          const tracked = deps.runs.get(runId);
          if (tracked) {
            // Subscribe before reading the state, so no event falls between the two.
            const queue: RunEvent[] = [];
            let wake: (() => void) | undefined;
            const unsubscribe = deps.runs.subscribe(runId, (event) => {
              queue.push(event);
              wake?.();
            });
            stream.onAbort(() => wake?.());
            try {
              await send({ type: "progress", runId, done: tracked.done, total: tracked.total });
              if (tracked.status !== "running") {
                await sendFinal(tracked.status === "failed" ? (tracked.error ?? "failed") : undefined);
                return;
              }
              while (!stream.aborted) {
                const event = queue.shift();
                if (!event) {
                  await new Promise<void>((resolve) => {
                    wake = resolve;
                  });
                  continue;
                }
                await send(event);
                if (event.type !== "progress") return;
              }
            } finally {
              unsubscribe();
            }
            return;
          }
          // Another process's run (or one from before this server started): follow its rows.
          let last = "";
          let current = progress;
          while (!stream.aborted) {
            const key = `${current.accounts.finished}/${current.accounts.total}`;
            if (key !== last) {
              last = key;
              await send({
                type: "progress",
                runId,
                done: current.accounts.finished,
                total: current.accounts.total,
              });
            }
            if (current.status !== "running") {
              await sendFinal(current.status === "completed" ? undefined : `run ${current.status}`);
              return;
            }
            await stream.sleep(deps.runPollMs);
            current = (await runProgress(deps.arc, runId)) ?? current;
          }

          async function sendFinal(error: string | undefined) {
            if (error !== undefined) {
              await send({ type: "failed", runId, error });
              return;
            }
            const report = await storedRunReport(deps.arc, runId);
            if (report) await send({ type: "completed", runId, report });
            else await send({ type: "failed", runId, error: "the run finished without a report" });
          }
        });
      },
    }),
  ];
}
