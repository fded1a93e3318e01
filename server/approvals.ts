// A collector's decision on a pending action. When the action was proposed by an agent in a run,
// the decision resumes that account's paused LangGraph thread, so the specialist records the outcome
// and the account's remaining work carries on; otherwise it is decided through the runner directly.
import { Command } from "@langchain/langgraph";
import { and, eq } from "drizzle-orm";
import type { Brain } from "../agents/brain.ts";
import { openCheckpointer } from "../agents/checkpointer.ts";
import {
  type ApprovalRequest,
  type ApprovalResume,
  buildSupervisor,
  type ReviewDecision,
  threadIdFor,
} from "../agents/supervisor.ts";
import { actions, runItems } from "../db/schema.ts";
import type { Caller } from "../policies/types.ts";
import { NotFoundError } from "../tools/errors.ts";
import type { Decision, ToolResult } from "../tools/runner.ts";
import type { Arc } from "./context.ts";
import { payDateModelFor } from "./pay-date-model.ts";

export interface DecisionOutcome {
  result: ToolResult;
  /** True when the decision resumed a paused agent thread. */
  resumedThread: boolean;
  /** The thread is still waiting on other decisions. */
  stillPaused: boolean;
}

export async function decideAction(
  arc: Arc,
  brain: Brain,
  actionId: string,
  decision: Decision,
  by: Caller,
): Promise<DecisionOutcome> {
  const db = arc.database.db;
  const [action] = await db.select().from(actions).where(eq(actions.id, actionId));
  if (!action) throw new NotFoundError(`no action ${actionId}`);
  const paused =
    action.runId &&
    action.customerId &&
    action.status === "pending" &&
    (action.caller as Caller).kind === "agent";
  if (!paused)
    return {
      result: await arc.runner.decide(actionId, decision, by),
      resumedThread: false,
      stillPaused: false,
    };

  const checkpointer = await openCheckpointer(arc.database.url, arc.database.embedded ? 1 : 4);
  try {
    // Resuming forecasts with the newest stored model, as the run did (never trains).
    const payDateModel = await payDateModelFor(arc);
    const supervisor = buildSupervisor({
      runner: arc.runner,
      brain,
      checkpointer: checkpointer.saver,
      ...(payDateModel ? { payDateModel } : {}),
    });
    const config = { configurable: { thread_id: threadIdFor(action.runId!, action.customerId!) } };
    const state = await supervisor.getState(config);
    const waiting = state.tasks
      .flatMap((t) => t.interrupts)
      .some((i) => (i.value as ApprovalRequest).actionRequests?.some((r) => r.actionId === actionId));
    if (!waiting)
      return {
        result: await arc.runner.decide(actionId, decision, by),
        resumedThread: false,
        stillPaused: false,
      };
    // Validate before resuming, so a bad edit or a reject without a reason is answered, not swallowed.
    if (decision.decision === "reject" && !decision.note?.trim()) {
      return {
        result: {
          status: "invalid",
          issues: [{ path: "note", message: "a rejection needs the collector's reason" }],
        },
        resumedThread: false,
        stillPaused: true,
      };
    }
    if (decision.decision === "edit") {
      const parsed = arc.runner.get(action.tool).input.safeParse(decision.editedInput);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        return {
          result: {
            status: "invalid",
            issues: [{ path: issue.path.join(".") || "(input)", message: issue.message }],
          },
          resumedThread: false,
          stillPaused: true,
        };
      }
    }
    const review: ReviewDecision =
      decision.decision === "approve"
        ? { actionId, type: "approve", ...(decision.note ? { message: decision.note } : {}) }
        : decision.decision === "edit"
          ? {
              actionId,
              type: "edit",
              editedAction: { name: action.tool, args: decision.editedInput as Record<string, unknown> },
              ...(decision.note ? { message: decision.note } : {}),
            }
          : { actionId, type: "reject", message: decision.note };
    const resume: ApprovalResume = { decisions: [review], by };
    const after = (await supervisor.invoke(new Command({ resume }), config)) as {
      __interrupt__?: unknown[];
      outcomes?: unknown[];
      notes?: string[];
    };
    const stillPaused = (after.__interrupt__?.length ?? 0) > 0;
    if (!stillPaused) {
      await db
        .update(runItems)
        .set({
          status: "done",
          result: { notes: after.notes ?? [], outcomes: after.outcomes ?? [] } as never,
          finishedAt: new Date(),
        })
        .where(and(eq(runItems.runId, action.runId!), eq(runItems.customerId, action.customerId!)));
      await checkpointer.saver.deleteThread(config.configurable.thread_id);
    }
    const [decided] = await db.select().from(actions).where(eq(actions.id, actionId));
    const result: ToolResult =
      decided!.status === "executed"
        ? { status: "executed", actionId, output: decided!.result, replayed: false }
        : decided!.status === "rejected"
          ? { status: "rejected", actionId, note: decided!.decisionNote, replayed: false }
          : decided!.status === "failed"
            ? { status: "failed", actionId, error: decided!.error ?? "failed", replayed: false }
            : {
                status: "pending_approval",
                actionId,
                reasons: [],
                policyVersion: decided!.policyVersion,
                replayed: false,
              };
    return { result, resumedThread: true, stillPaused };
  } finally {
    await checkpointer.close();
  }
}
