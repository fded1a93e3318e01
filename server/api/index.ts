// The HTTP API: a Hono app over one ARC instance. `/api/*` is the REST API (every route needs an API
// key; what a key's role may do is declared per route), beside `/openapi.json`, `/docs` and `/healthz`
// (public) and `/metrics` (Prometheus, any key); the web inbox (server/web) is served at `/`. The app
// has no write path of its own: writes are tool calls through the runner, decisions go through
// server/approvals.ts, runs through server/run.ts.
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { Hono } from "hono";
import pino, { type Logger } from "pino";
import type { Brain } from "../../agents/brain.ts";
import type { Caller } from "../../policies/types.ts";
import { callerLabel } from "../../tools/runner.ts";
import type { Arc } from "../context.ts";
import { type McpSessions, mountMcp } from "../mcp/http.ts";
import { PACKAGE_VERSION } from "../version.ts";
import { createWeb } from "../web/index.tsx";
import { approvalRoutes } from "./approvals.ts";
import { auditRoutes } from "./audit.ts";
import { customerRoutes } from "./customers.ts";
import type { ApiDeps } from "./deps.ts";
import { renderDocs } from "./docs.ts";
import { ApiError, errorBody, toApiError } from "./errors.ts";
import { inboundRoutes } from "./inbound.ts";
import { insightRoutes } from "./insights.ts";
import { keyRoutes } from "./keys.ts";
import { type ApiMetrics, createMetrics } from "./metrics.ts";
import { buildOpenApiDocument } from "./openapi.ts";
import { paymentRoutes } from "./payments.ts";
import { policyRoutes } from "./policy.ts";
import { type ApiEnv, defineRoute, type RouteSpec, registerRoutes } from "./route.ts";
import { RunTracker } from "./run-tracker.ts";
import { runRoutes } from "./runs.ts";

export interface ApiOptions {
  /** The brain that resumes an agent's paused work after a decision, and works started runs. */
  brain?: Brain;
  /** Structured JSON logs; default pino to stdout at info. */
  logger?: Logger;
  /** Node process metrics (CPU, memory, event loop) in /metrics; off for apps built in tests. */
  processMetrics?: boolean;
  /** How often a run's event stream polls the database for another process's run. */
  runPollMs?: number;
}

export interface Api {
  app: Hono<ApiEnv>;
  routes: readonly RouteSpec[];
  document: Record<string, unknown>;
  runs: RunTracker;
  metrics: ApiMetrics;
  logger: Logger;
  /** The open MCP sessions at /mcp. */
  mcp: McpSessions;
}

/** A caller's own x-request-id is kept when it is this tame; otherwise the server makes one. */
const REQUEST_ID = /^[\w.=-]{1,128}$/;

/** A route template (/api/runs/:runId) as a regular expression over request paths. */
function routePattern(path: string): RegExp {
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:[A-Za-z0-9_]+/g, "[^/]+");
  return new RegExp(`^${escaped}$`);
}

export function createApi(arc: Arc, options: ApiOptions = {}): Api {
  const logger = options.logger ?? pino({ base: { service: "arc-api" } });
  const brain = options.brain ?? arc.brain;
  const runs = new RunTracker(arc, brain, logger);
  const metrics = createMetrics(arc, { processMetrics: options.processMetrics ?? false });
  const deps: ApiDeps = { arc, brain, runs, logger, runPollMs: options.runPollMs ?? 1000 };

  // The system routes serve the document and docs of every route, themselves included: filled in below.
  const reference: Reference = { routes: [], document: {} };
  const routes: RouteSpec[] = [
    ...systemRoutes(deps, metrics, reference),
    ...insightRoutes(deps),
    ...customerRoutes(deps),
    ...paymentRoutes(deps),
    ...inboundRoutes(deps),
    ...approvalRoutes(deps),
    ...runRoutes(deps),
    ...auditRoutes(deps),
    ...policyRoutes(deps),
    ...keyRoutes(deps),
  ];
  const document = buildOpenApiDocument(routes, PACKAGE_VERSION);
  reference.routes = routes;
  reference.document = document;

  const app = new Hono<ApiEnv>();
  app.use("*", async (c, next) => {
    const started = performance.now();
    const given = c.req.header("x-request-id");
    c.set("requestId", given && REQUEST_ID.test(given) ? given : randomUUID());
    await next();
    const requestId = c.get("requestId");
    c.res.headers.set("x-request-id", requestId);
    const route = c.get("route") ?? "(unmatched)";
    const status = c.res.status;
    const seconds = (performance.now() - started) / 1000;
    const caller = c.get("caller") as Caller | undefined;
    metrics.observeRequest({ method: c.req.method, route, status }, seconds);
    logger.info(
      {
        requestId,
        method: c.req.method,
        route,
        path: c.req.path,
        status,
        durationMs: Math.round(seconds * 10_000) / 10,
        ...(caller ? { caller: callerLabel(caller) } : {}),
      },
      "request",
    );
  });
  app.onError((error, c) => {
    const apiError = toApiError(error);
    const requestId = c.get("requestId") ?? "";
    if (apiError.status >= 500) logger.error({ requestId, err: error }, "request failed");
    if (apiError.status === 401) c.header("WWW-Authenticate", 'Bearer realm="arc"');
    return c.json(errorBody(apiError, requestId), apiError.status);
  });
  app.notFound((c) => {
    const requestId = c.get("requestId") ?? "";
    const allowed = routes
      .filter((r) => routePattern(r.path).test(c.req.path))
      .map((r) => r.method.toUpperCase());
    if (allowed.length > 0) {
      c.header("Allow", allowed.join(", "));
      const error = new ApiError(
        405,
        "method_not_allowed",
        `${c.req.method} is not allowed on ${c.req.path}; use ${allowed.join(" or ")}`,
      );
      return c.json(errorBody(error, requestId), 405);
    }
    const error = new ApiError(404, "not_found", `no route ${c.req.method} ${c.req.path}; see /docs`);
    return c.json(errorBody(error, requestId), 404);
  });
  registerRoutes(app, arc, routes);
  // MCP for AI assistants on the same server: the same keys, the same tools (server/mcp).
  const mcp = mountMcp(app, arc);
  // The collectors' web inbox: pages at / and /overview, signed in with a key (server/web).
  app.route("/", createWeb(deps));
  return { app, routes, document, runs, metrics, logger, mcp };
}

interface Reference {
  routes: readonly RouteSpec[];
  document: Record<string, unknown>;
}

function systemRoutes(deps: ApiDeps, metrics: ApiMetrics, reference: Reference): RouteSpec[] {
  return [
    defineRoute({
      method: "get",
      path: "/healthz",
      operationId: "health",
      summary: "Liveness and database reachability",
      tag: "system",
      permission: "public",
      responses: {
        200: { description: "The server is up and the database answers" },
        503: { description: "The database does not answer" },
      },
      handle: async (c) => {
        try {
          await deps.arc.database.db.execute(sql`select 1`);
          return c.json({ status: "ok", database: "ok" });
        } catch (error) {
          deps.logger.error({ err: error }, "health check: database unreachable");
          return c.json({ status: "unavailable", database: (error as Error).message }, 503);
        }
      },
    }),
    defineRoute({
      method: "get",
      path: "/openapi.json",
      operationId: "openApiDocument",
      summary: "This API's OpenAPI 3.1 document",
      tag: "system",
      permission: "public",
      responses: { 200: { description: "The document" } },
      handle: (c) => c.json(reference.document),
    }),
    defineRoute({
      method: "get",
      path: "/docs",
      operationId: "docs",
      summary: "This API's reference as a web page",
      tag: "system",
      permission: "public",
      responses: { 200: { description: "HTML", contentType: "text/html" } },
      handle: (c) => c.html(renderDocs(reference.routes, reference.document, new URL(c.req.url).origin)),
    }),
    defineRoute({
      method: "get",
      path: "/metrics",
      operationId: "metrics",
      summary: "Prometheus metrics",
      description:
        "arc_http_request_duration_seconds{method,route,status}, arc_approvals_pending, " +
        "arc_run_accounts{run_id,as_of,state} and arc_runs_running. Any key may scrape.",
      tag: "system",
      permission: "read",
      responses: { 200: { description: "Prometheus text exposition", contentType: "text/plain" } },
      handle: async (c) =>
        c.body(await metrics.registry.metrics(), 200, { "content-type": metrics.registry.contentType }),
    }),
  ];
}
