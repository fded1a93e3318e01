// The approval queue: list it, and approve / edit-and-approve / reject. A decision goes through
// server/approvals.ts, exactly as `arc approvals decide`: an agent's proposal resumes the paused
// account thread, anything else is decided by ToolRunner.decide. Two decisions on one action: the
// second is a 409 naming who decided and when.
import { z } from "zod";
import type { Caller } from "../../policies/types.ts";
import { pendingApprovals } from "../../tools/read/pending-approvals.ts";
import type { Decision } from "../../tools/runner.ts";
import { decideAction } from "../approvals.ts";
import { type ApiDeps, readTool, uuidParams } from "./deps.ts";
import { ApiError, invalidInput, writeOutcomeError } from "./errors.ts";
import { type ApiContext, defineRoute, type RouteSpec } from "./route.ts";

const note = z.string().trim().min(1, { message: "must not be empty" }).max(2000);

const approveBody = z.strictObject({ note: note.optional() });
const editBody = z.strictObject({
  /** The action's tool input as it should execute, complete (validated by the tool, judged by every rule). */
  input: z.record(z.string(), z.unknown()),
  note: note.optional(),
});
const rejectBody = z.strictObject({
  note: z
    .string({ message: "a rejection needs the collector's reason" })
    .trim()
    .min(1, { message: "a rejection needs the collector's reason" })
    .max(2000),
});

const decisionResponse = z.object({
  result: z.object({ status: z.string(), actionId: z.string() }).catchall(z.unknown()),
  resumedThread: z.boolean(),
  stillPaused: z.boolean(),
});

const DECISION_ERRORS = [409, 422];

export function approvalRoutes(deps: ApiDeps): RouteSpec[] {
  const decide = async (c: ApiContext, actionId: string, decision: Decision, caller: Caller) => {
    const outcome = await decideAction(deps.arc, deps.brain, actionId, decision, caller);
    const result = outcome.result;
    if (result.status === "invalid" && decision.decision === "edit") {
      // The tool's issues are paths within the edited input.
      throw invalidInput(
        result.issues.map((issue) => ({
          ...issue,
          path: issue.path === "note" ? "note" : `input.${issue.path}`,
        })),
        "body",
      );
    }
    const failure = writeOutcomeError(result, "body");
    if (failure) throw failure;
    if (
      result.status !== "executed" &&
      result.status !== "rejected" &&
      result.status !== "pending_approval"
    ) {
      throw new ApiError(500, "internal", `the decision ended ${result.status}`);
    }
    return c.json(outcome, 200);
  };
  const params = uuidParams("actionId");
  return [
    defineRoute({
      method: "get",
      path: "/api/approvals",
      operationId: "listApprovals",
      summary: "The approval queue",
      description:
        "Pending actions with their input, the proposer's rationale and alternatives and every policy reason. " +
        "Filter by customer, tool, rule or run; `order=priority` puts approvals expiring within 24 hours first, " +
        "then the riskiest accounts, then the oldest.",
      tag: "approvals",
      permission: "read",
      tool: pendingApprovals.name,
      query: pendingApprovals.input,
      responses: { 200: { description: "Pending approvals and how many there are in all" } },
      example: { query: { order: "priority", limit: "20" } },
      handle: async (c, { query, caller }) =>
        c.json(await readTool(deps, pendingApprovals.name, query, caller)),
    }),
    defineRoute({
      method: "post",
      path: "/api/approvals/:actionId/approve",
      operationId: "approveAction",
      summary: "Approve a pending action",
      description:
        "Executes the action through the runner, judged again by every rule (only the approval requirements " +
        "it was queued for are waived). An agent's proposal resumes its account's paused work.",
      tag: "approvals",
      permission: "decide",
      params,
      body: approveBody,
      bodyOptional: true,
      responses: { 200: { description: "The decision and what it led to", schema: decisionResponse } },
      errors: DECISION_ERRORS,
      example: { body: { note: "checked the remittance" } },
      handle: (c, { params, body, caller }) =>
        decide(
          c,
          params.actionId,
          { decision: "approve", ...(body.note ? { note: body.note } : {}) },
          caller,
        ),
    }),
    defineRoute({
      method: "post",
      path: "/api/approvals/:actionId/edit",
      operationId: "editAndApproveAction",
      summary: "Edit a pending action and approve the edit",
      description:
        "`input` replaces the action's tool input (the whole input, e.g. a message with a new body). The edit " +
        "is validated by the tool and judged by every rule; an edit that needs an approval the proposal did not " +
        "is refused (409).",
      tag: "approvals",
      permission: "decide",
      params,
      body: editBody,
      responses: { 200: { description: "The decision and what it led to", schema: decisionResponse } },
      errors: DECISION_ERRORS,
      handle: (c, { params, body, caller }) =>
        decide(
          c,
          params.actionId,
          { decision: "edit", editedInput: body.input, ...(body.note ? { note: body.note } : {}) },
          caller,
        ),
    }),
    defineRoute({
      method: "post",
      path: "/api/approvals/:actionId/reject",
      operationId: "rejectAction",
      summary: "Reject a pending action, with the reason",
      tag: "approvals",
      permission: "decide",
      params,
      body: rejectBody,
      responses: { 200: { description: "The rejection", schema: decisionResponse } },
      errors: DECISION_ERRORS,
      example: { body: { note: "customer already paid by cheque" } },
      handle: (c, { params, body, caller }) =>
        decide(c, params.actionId, { decision: "reject", note: body.note }, caller),
    }),
  ];
}
