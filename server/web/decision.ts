// A collector's decision posted from the inbox. It goes through server/approvals.ts (decideAction),
// the same call the API's approval routes and `arc approvals decide` make, so an agent's proposal
// resumes its paused account thread; the outcomes map to the API's errors (409 already decided,
// 422 refused edit or policy denial naming the rule, 403 for a role that may not decide).
import type { Decision } from "../../tools/runner.ts";
import type { ApiDeps } from "../api/deps.ts";
import { ApiError, validationFailed, writeOutcomeError } from "../api/errors.ts";
import { ROLE_PERMISSIONS } from "../api/route.ts";
import { decideAction } from "../approvals.ts";
import { loadProposal } from "./data.ts";
import type { WebSession } from "./session.ts";

/** The API's limit on a decision's note. */
const NOTE_MAX = 2000;

export interface DecisionDone {
  status: "executed" | "rejected" | "pending_approval";
  /** What happened, in a sentence for the collector. */
  message: string;
  resumedThread: boolean;
  stillPaused: boolean;
}

/** The decision form's fields: decision, note; for edits either the message fields or `input` (JSON). */
export type DecisionFields = Record<string, string | undefined>;

export function canDecide(session: WebSession): boolean {
  return ROLE_PERMISSIONS[session.role].includes("decide");
}

export async function decideFromForm(
  deps: ApiDeps,
  session: WebSession,
  actionId: string,
  fields: DecisionFields,
): Promise<DecisionDone> {
  if (!canDecide(session)) {
    throw new ApiError(
      403,
      "forbidden",
      `role ${session.role} may not decide on approvals: approving, editing and rejecting need collector or admin`,
      { role: session.role, needs: ["collector", "admin"] },
    );
  }
  const decision = await decisionOf(deps, session, actionId, fields);
  const outcome = await decideAction(deps.arc, deps.brain, actionId, decision, session.caller);
  const { result } = outcome;
  if (result.status === "invalid") {
    const [first] = result.issues;
    const where = first && first.path !== "(input)" ? `${first.path}: ` : "";
    throw new ApiError(422, "invalid_input", `${where}${first?.message ?? "invalid input"}`, {
      issues: result.issues,
    });
  }
  const failure = writeOutcomeError(result, "body");
  if (failure) throw failure;
  if (result.status !== "executed" && result.status !== "rejected" && result.status !== "pending_approval") {
    throw new ApiError(500, "internal", `the decision ended ${result.status}`);
  }
  return {
    status: result.status,
    message: describeOutcome(decision, result.status, outcome.resumedThread, outcome.stillPaused),
    resumedThread: outcome.resumedThread,
    stillPaused: outcome.stillPaused,
  };
}

async function decisionOf(
  deps: ApiDeps,
  session: WebSession,
  actionId: string,
  fields: DecisionFields,
): Promise<Decision> {
  const note = fields.note?.trim() || undefined;
  if (note && note.length > NOTE_MAX) {
    throw validationFailed([{ location: "body", path: "note", message: `at most ${NOTE_MAX} characters` }]);
  }
  const withNote = note ? { note } : {};
  switch (fields.decision) {
    case "approve":
      return { decision: "approve", ...withNote };
    case "reject":
      // An empty reason reaches decideAction, which refuses it with the API's own words.
      return { decision: "reject", note: note ?? "" };
    case "edit":
      return {
        decision: "edit",
        editedInput: await editedInputOf(deps, session, actionId, fields),
        ...withNote,
      };
    default:
      throw validationFailed([
        { location: "body", path: "decision", message: "must be approve, edit or reject" },
      ]);
  }
}

/**
 * The whole input the edit executes: the JSON the collector wrote, or the proposed message with the
 * collector's channel, subject and body in place of the draft's.
 */
async function editedInputOf(
  deps: ApiDeps,
  session: WebSession,
  actionId: string,
  fields: DecisionFields,
): Promise<unknown> {
  if (fields.input !== undefined) {
    try {
      return JSON.parse(fields.input);
    } catch (error) {
      throw validationFailed([
        { location: "body", path: "input", message: `not valid JSON: ${(error as Error).message}` },
      ]);
    }
  }
  const view = await loadProposal(deps, session.caller, actionId);
  // Not pending any more: decideAction answers who decided it (409) before it reads the edit.
  const proposed = view.kind === "pending" ? (view.approval.input as Record<string, unknown>) : {};
  const edited: Record<string, unknown> = { ...proposed };
  if (fields.channel !== undefined) edited.channel = fields.channel;
  if (fields.body !== undefined) edited.body = fields.body;
  if (fields.subject !== undefined) {
    if (fields.subject.trim()) edited.subject = fields.subject;
    else delete edited.subject;
  }
  return edited;
}

function describeOutcome(
  decision: Decision,
  status: DecisionDone["status"],
  resumedThread: boolean,
  stillPaused: boolean,
): string {
  const done =
    status === "rejected"
      ? "Rejected."
      : status === "executed"
        ? decision.decision === "edit"
          ? "Edited, approved and executed."
          : "Approved and executed."
        : "Decision recorded; the action is still pending.";
  if (!resumedThread) return done;
  return `${done} The agent's paused work on the account resumed${stillPaused ? " and waits on another approval" : ""}.`;
}
