// The runner: the one way anything changes the ledger.
//
//   validate input (zod)            → invalid: issues naming the fields, nothing written
//   propose + load facts (in tx)    → the action in the policy engine's terms
//   evaluate policy                 → deny: blocked action recorded, structured refusal returned
//                                   → needs approval: pending action recorded, its id returned
//                                   → allow: executed in the same transaction, with the audit entry
//
// Every write call carries an idempotency key (given, or derived from tool + caller + input); the
// unique key on actions makes a second call with the same key return the first outcome without a
// second effect, even when both race. Failed executions are recorded and may be retried with the
// same key. Approval decisions (decide) execute through the same path.
import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import type { z } from "zod";
import { appendAudit, canonicalJson } from "../db/audit.ts";
import type { Db, Tx } from "../db/connection.ts";
import { type Action, actions } from "../db/schema.ts";
import { evaluate, type PolicyDocument } from "../policies/index.ts";
import type { Caller, Reason, Verdict } from "../policies/types.ts";
import type { Tool, ToolContext, WriteTool } from "./define.ts";
import {
  ConflictError,
  ForbiddenError,
  type InputIssue,
  NotFoundError,
  ToolInputError,
  unstorableTextIssues,
} from "./errors.ts";
import { loadFacts } from "./facts.ts";

export type ToolResult<O = unknown> =
  | { status: "ok"; output: O }
  | { status: "executed"; actionId: string; output: O; replayed: boolean }
  | { status: "blocked"; actionId: string; reasons: Reason[]; policyVersion: string; replayed: boolean }
  | {
      status: "pending_approval";
      actionId: string;
      reasons: Reason[];
      policyVersion: string;
      replayed: boolean;
    }
  | { status: "rejected"; actionId: string; note: string | null; replayed: boolean }
  | { status: "expired"; actionId: string; replayed: boolean }
  | { status: "invalid"; issues: InputIssue[] }
  | { status: "failed"; actionId: string; error: string; replayed: boolean };

export interface CallOptions {
  caller: Caller;
  idempotencyKey?: string;
  runId?: string;
  /** Judge and execute as of this instant (as-of runs, tests); defaults to the runner's clock. */
  now?: Date;
  /** Why the caller proposes this, in a collector's words; stored on the action. */
  rationale?: string;
  /** Options the caller ranked below this one (JSON), shown beside it for review. */
  alternatives?: unknown;
}

export type Decision =
  | { decision: "approve"; note?: string }
  | { decision: "edit"; editedInput: unknown; note?: string }
  | { decision: "reject"; note: string };

export interface RunnerOptions {
  db: Db;
  policy: PolicyDocument;
  tools: readonly Tool[];
  clock?: () => Date;
}

const DECIDER_ROLES = new Set(["admin", "collector"]);

export class ToolRunner {
  readonly db: Db;
  readonly policy: PolicyDocument;
  private readonly tools = new Map<string, Tool>();
  private readonly clock: () => Date;

  constructor(options: RunnerOptions) {
    this.db = options.db;
    this.policy = options.policy;
    this.clock = options.clock ?? (() => new Date());
    for (const tool of options.tools) {
      if (this.tools.has(tool.name)) throw new Error(`tool "${tool.name}" is registered twice`);
      this.tools.set(tool.name, tool);
    }
  }

  list(): Tool[] {
    return [...this.tools.values()];
  }

  /** The instant calls are judged at unless they name one: what "expires in 3 hours" is measured from. */
  now(): Date {
    return this.clock();
  }

  /** The same runner (database, tools, clock) judging by another policy document: a new version's runner. */
  withPolicy(policy: PolicyDocument): ToolRunner {
    return new ToolRunner({ db: this.db, policy, tools: this.list(), clock: this.clock });
  }

  get(name: string): Tool {
    const tool = this.tools.get(name);
    if (!tool)
      throw new NotFoundError(`no tool "${name}"; known tools: ${[...this.tools.keys()].join(", ")}`);
    return tool;
  }

  async call<O = unknown>(name: string, rawInput: unknown, options: CallOptions): Promise<ToolResult<O>> {
    const tool = this.get(name);
    const parsed = tool.input.safeParse(rawInput);
    if (!parsed.success) return { status: "invalid", issues: zodIssues(parsed.error) };
    const unstorable = unstorableTextIssues(parsed.data);
    if (unstorable.length > 0) return { status: "invalid", issues: unstorable };
    const ctx: ToolContext = {
      caller: options.caller,
      now: options.now ?? this.clock(),
      policy: this.policy,
      ...(options.runId ? { runId: options.runId } : {}),
      ...(options.rationale !== undefined ? { rationale: options.rationale } : {}),
      ...(options.alternatives !== undefined ? { alternatives: options.alternatives } : {}),
    };
    if (tool.effect === "read") {
      try {
        return { status: "ok", output: (await tool.run(parsed.data, this.db, ctx)) as O };
      } catch (error) {
        if (error instanceof ToolInputError) return { status: "invalid", issues: error.issues };
        throw error;
      }
    }
    const key = options.idempotencyKey ?? deriveIdempotencyKey(name, options.caller, parsed.data);
    return this.callWrite(tool, parsed.data, key, ctx) as Promise<ToolResult<O>>;
  }

  private async callWrite(
    tool: WriteTool,
    input: unknown,
    key: string,
    ctx: ToolContext,
  ): Promise<ToolResult> {
    try {
      return await this.db.transaction(async (tx) => {
        // The key is claimed by the action's insert, after the verdict, not looked up first: an
        // earlier call with the same key is rare (a replay), and finding it costs a statement per call.
        const proposal = await tool.propose(input, tx, ctx);
        const facts = await loadFacts(tx, proposal, judgedAt(proposal, ctx.now), ctx.policy);
        const verdict = evaluate({ ...proposal, tool: tool.name, caller: ctx.caller }, facts, this.policy);
        const status =
          verdict.verdict === "deny"
            ? "blocked"
            : verdict.verdict === "needs_approval"
              ? "pending"
              : "approved";
        const row = {
          idempotencyKey: key,
          tool: tool.name,
          input: input as object,
          customerId: proposal.customerId ?? null,
          status,
          verdict: verdict.verdict,
          reasons: verdict.reasons,
          policyVersion: verdict.policyVersion,
          caller: ctx.caller,
          runId: ctx.runId ?? null,
          rationale: ctx.rationale ?? null,
          alternatives: ctx.alternatives ?? null,
          error: null,
          expiresAt:
            status === "pending"
              ? new Date(ctx.now.getTime() + this.policy.approval.expiryHours * 3_600_000)
              : null,
          updatedAt: new Date(),
        } as const;
        // A concurrent call with the same key makes this insert wait for it, then do nothing.
        const [inserted] = await tx
          .insert(actions)
          .values(row)
          .onConflictDoNothing({ target: actions.idempotencyKey })
          .returning({ id: actions.id });
        let actionId = inserted?.id;
        if (!actionId) {
          const [existing] = await tx
            .select()
            .from(actions)
            .where(eq(actions.idempotencyKey, key))
            .for("update");
          // The first call's outcome is ours; a failed one is tried again under the same key.
          if (existing && existing.status !== "failed") return replay(existing);
          if (!existing) throw new Error(`action ${key} was neither inserted nor found`);
          actionId = (
            await tx.update(actions).set(row).where(eq(actions.id, existing.id)).returning({ id: actions.id })
          )[0]!.id;
        }
        const audit = { actor: callerLabel(ctx.caller), entityType: "action", entityId: actionId, actionId };
        if (verdict.verdict !== "allow") {
          const blocked = verdict.verdict === "deny";
          await appendAudit(tx, {
            ...audit,
            event: blocked ? "action.blocked" : "action.proposed",
            data: { tool: tool.name, reasons: verdict.reasons },
          });
          const outcome = {
            actionId,
            reasons: verdict.reasons,
            policyVersion: verdict.policyVersion,
            replayed: false,
          };
          return blocked ? { status: "blocked", ...outcome } : { status: "pending_approval", ...outcome };
        }
        const output = await tool.run(input, tx, { ...ctx, actionId });
        await this.markExecuted(tx, actionId, output, ctx);
        return { status: "executed", actionId, output, replayed: false };
      });
    } catch (error) {
      // A call that cannot be proposed again (say, the payment it applied is applied now) may still be
      // the replay of one that was: the first outcome stands.
      const [earlier] = await this.db
        .select()
        .from(actions)
        .where(eq(actions.idempotencyKey, key))
        .catch((): Action[] => []); // unreadable: judged as a first call below

      if (earlier && earlier.status !== "failed") return replay(earlier);
      if (error instanceof ToolInputError) return { status: "invalid", issues: error.issues };
      return this.recordFailure(tool.name, input, key, ctx, error);
    }
  }

  /**
   * What a write call would do, without doing it: validation, proposal, facts and the policy verdict,
   * inside a transaction that is always rolled back. The dry run's answer to "what would happen".
   */
  async preview(
    name: string,
    rawInput: unknown,
    options: CallOptions,
  ): Promise<{ status: "invalid"; issues: InputIssue[] } | { status: "judged"; verdict: Verdict }> {
    const tool = this.get(name);
    if (tool.effect !== "write") throw new Error(`preview is for write tools; ${name} only reads`);
    const parsed = tool.input.safeParse(rawInput);
    if (!parsed.success) return { status: "invalid", issues: zodIssues(parsed.error) };
    const unstorable = unstorableTextIssues(parsed.data);
    if (unstorable.length > 0) return { status: "invalid", issues: unstorable };
    const ctx: ToolContext = {
      caller: options.caller,
      now: options.now ?? this.clock(),
      policy: this.policy,
    };
    let verdict: Verdict | undefined;
    try {
      await this.db.transaction(async (tx) => {
        const proposal = await tool.propose(parsed.data, tx, ctx);
        const facts = await loadFacts(tx, proposal, judgedAt(proposal, ctx.now), ctx.policy);
        verdict = evaluate({ ...proposal, tool: tool.name, caller: ctx.caller }, facts, this.policy);
        tx.rollback();
      });
    } catch (error) {
      if (error instanceof ToolInputError) return { status: "invalid", issues: error.issues };
      if (!verdict) throw error;
    }
    return { status: "judged", verdict: verdict! };
  }

  /**
   * A collector's decision on a pending action. An expired action is marked expired and answered
   * with status "expired". Approve and edit execute through the runner: the
   * (edited) input is validated and re-judged by every rule, with only the approval requirements
   * of the original proposal waived. Exactly one of two concurrent decisions wins; the other gets a
   * ConflictError.
   */
  async decide(actionId: string, decision: Decision, by: Caller): Promise<ToolResult> {
    if (!DECIDER_ROLES.has(by.role) || by.kind === "mcp" || by.kind === "agent") {
      throw new ForbiddenError(`${callerLabel(by)} (role ${by.role}) may not decide on approvals`);
    }
    if (decision.decision === "reject" && !decision.note?.trim()) {
      return {
        status: "invalid",
        issues: [{ path: "note", message: "a rejection needs the collector's reason" }],
      };
    }
    const unstorable = [
      ...unstorableTextIssues(decision.note ?? "").map((issue) => ({ ...issue, path: "note" })),
      ...(decision.decision === "edit" ? unstorableTextIssues(decision.editedInput) : []),
    ];
    if (unstorable.length > 0) return { status: "invalid", issues: unstorable };
    const now = this.clock();
    let toolName = "";
    let executedInput: unknown;
    try {
      return await this.db.transaction(async (tx) => {
        const [action] = await tx.select().from(actions).where(eq(actions.id, actionId)).for("update");
        if (!action) throw new NotFoundError(`no action ${actionId}`);
        if (action.status !== "pending") {
          const who = action.decidedBy ? ` by ${action.decidedBy}` : "";
          const when = action.decidedAt ? ` at ${action.decidedAt.toISOString()}` : "";
          throw new ConflictError(`action ${actionId} is already ${action.status}${who}${when}`);
        }
        // Four eyes on an assistant: whoever holds the key an MCP client proposed with could
        // otherwise approve its proposals over REST and make "MCP proposes, a person decides" moot.
        const proposer = action.caller as Caller;
        if (proposer.kind === "mcp" && proposer.id === by.id) {
          throw new ForbiddenError(
            `${callerLabel(by)} proposed action ${actionId} over MCP and may not decide on it; an assistant's proposals are decided with another key`,
          );
        }
        toolName = action.tool;
        const decided = {
          decidedBy: callerLabel(by),
          decidedAt: now,
          decisionNote: decision.note ?? null,
          updatedAt: now,
        };
        const audit = { actor: callerLabel(by), entityType: "action", entityId: actionId, actionId };
        if (action.expiresAt && action.expiresAt <= now) {
          await tx.update(actions).set({ status: "expired", updatedAt: now }).where(eq(actions.id, actionId));
          await appendAudit(tx, { ...audit, actor: "system", event: "action.expired", data: {} });
          return { status: "expired", actionId, replayed: false };
        }
        if (decision.decision === "reject") {
          await tx
            .update(actions)
            .set({ ...decided, status: "rejected" })
            .where(eq(actions.id, actionId));
          await appendAudit(tx, { ...audit, event: "action.rejected", data: { note: decision.note } });
          return { status: "rejected", actionId, note: decision.note, replayed: false };
        }
        const tool = this.get(action.tool);
        if (tool.effect !== "write") throw new Error(`action ${actionId} names read tool ${tool.name}`);
        let input: unknown = action.input;
        if (decision.decision === "edit") {
          const parsed = tool.input.safeParse(decision.editedInput);
          if (!parsed.success)
            throw new ToolInputError(zodIssues(parsed.error)[0]!.path, zodIssues(parsed.error)[0]!.message);
          input = parsed.data;
        }
        const caller = action.caller as Caller;
        const ctx: ToolContext = {
          caller,
          now,
          policy: this.policy,
          ...(action.runId ? { runId: action.runId } : {}),
        };
        const proposed = input;
        if (tool.refresh) input = await tool.refresh(input, tx, ctx);
        const refreshedInput = JSON.stringify(input) === JSON.stringify(proposed) ? null : (input as object);
        executedInput = input;
        const proposal = await tool.propose(input, tx, ctx);
        if ((proposal.customerId ?? null) !== action.customerId) {
          throw new ToolInputError("customerId", "an edit may not move the action to another customer");
        }
        const approvedRuleIds = (action.reasons as Reason[])
          .filter((r) => r.verdict === "needs_approval")
          .map((r) => r.ruleId);
        const facts = await loadFacts(tx, proposal, judgedAt(proposal, ctx.now), ctx.policy);
        const verdict = evaluate({ ...proposal, tool: tool.name, caller }, facts, this.policy, {
          approvedRuleIds,
        });
        const event = decision.decision === "edit" ? "action.edited" : "action.approved";
        const editedInput = decision.decision === "edit" ? (input as object) : null;
        if (verdict.verdict === "needs_approval") {
          throw new ConflictError(
            `the edit needs approval under rules the proposal did not (${verdict.reasons.map((r) => r.ruleId).join(", ")}); reject it and propose anew`,
          );
        }
        await appendAudit(tx, {
          ...audit,
          event,
          data: { note: decision.note ?? null, editedInput, ...(refreshedInput ? { refreshedInput } : {}) },
        });
        if (verdict.verdict === "deny") {
          const error = `blocked by policy at execution: ${verdict.reasons.map((r) => `${r.ruleId}: ${r.message}`).join("; ")}`;
          await tx
            .update(actions)
            .set({ ...decided, status: "failed", editedInput, reasons: verdict.reasons, error })
            .where(eq(actions.id, actionId));
          await appendAudit(tx, { ...audit, event: "action.failed", data: { reasons: verdict.reasons } });
          return {
            status: "blocked",
            actionId,
            reasons: verdict.reasons,
            policyVersion: verdict.policyVersion,
            replayed: false,
          };
        }
        await tx
          .update(actions)
          .set({ ...decided, status: decision.decision === "edit" ? "edited" : "approved", editedInput })
          .where(eq(actions.id, actionId));
        const output = await tool.run(input, tx, { ...ctx, actionId });
        await this.markExecuted(tx, actionId, output, { ...ctx, caller: by });
        return { status: "executed", actionId, output, replayed: false };
      });
    } catch (error) {
      if (error instanceof ToolInputError) return { status: "invalid", issues: error.issues };
      if (error instanceof ConflictError || error instanceof NotFoundError || error instanceof ForbiddenError)
        throw error;
      // The decision stands even though execution failed: record both, outside the rolled-back tx.
      await this.db.transaction(async (tx) => {
        const message = errorMessage(error);
        await tx
          .update(actions)
          .set({
            status: "failed",
            error: message,
            decidedBy: callerLabel(by),
            decidedAt: now,
            decisionNote: decision.note ?? null,
            updatedAt: now,
            ...(decision.decision === "edit" ? { editedInput: executedInput as object } : {}),
          })
          .where(eq(actions.id, actionId));
        await appendAudit(tx, {
          actor: callerLabel(by),
          event: "action.failed",
          entityType: "action",
          entityId: actionId,
          actionId,
          data: { tool: toolName, error: message },
        });
      });
      return { status: "failed", actionId, error: errorMessage(error), replayed: false };
    }
  }

  private async markExecuted(tx: Tx, actionId: string, output: unknown, ctx: ToolContext): Promise<void> {
    const result = JSON.parse(JSON.stringify(output ?? null));
    await appendAudit(
      tx,
      {
        actor: callerLabel(ctx.caller),
        event: "action.executed",
        entityType: "action",
        entityId: actionId,
        actionId,
        data: { result },
      },
      {
        alongside: tx
          .update(actions)
          .set({ status: "executed", result, executedAt: ctx.now, updatedAt: new Date() })
          .where(eq(actions.id, actionId)),
      },
    );
  }

  private async recordFailure(
    tool: string,
    input: unknown,
    key: string,
    ctx: ToolContext,
    error: unknown,
  ): Promise<ToolResult> {
    const message = errorMessage(error);
    const actionId = await this.db.transaction(async (tx) => {
      const values = {
        idempotencyKey: key,
        tool,
        input: input as object,
        status: "failed" as const,
        verdict: "allow",
        policyVersion: this.policy.version,
        caller: ctx.caller,
        runId: ctx.runId ?? null,
        error: message,
        updatedAt: new Date(),
      };
      const [row] = await tx
        .insert(actions)
        .values(values)
        .onConflictDoUpdate({
          target: actions.idempotencyKey,
          set: { error: message, status: "failed", updatedAt: new Date() },
        })
        .returning({ id: actions.id });
      await appendAudit(tx, {
        actor: callerLabel(ctx.caller),
        event: "action.failed",
        entityType: "action",
        entityId: row!.id,
        actionId: row!.id,
        data: { tool, error: message },
      });
      return row!.id;
    });
    return { status: "failed", actionId, error: message, replayed: false };
  }
}

function replay(action: Action): ToolResult {
  const reasons = action.reasons as Reason[];
  switch (action.status) {
    case "executed":
      return { status: "executed", actionId: action.id, output: action.result, replayed: true };
    case "rejected":
      return { status: "rejected", actionId: action.id, note: action.decisionNote, replayed: true };
    case "expired":
      return { status: "expired", actionId: action.id, replayed: true };
    case "blocked":
      return {
        status: "blocked",
        actionId: action.id,
        reasons,
        policyVersion: action.policyVersion,
        replayed: true,
      };
    case "pending":
    case "approved":
    case "edited":
      return {
        status: "pending_approval",
        actionId: action.id,
        reasons,
        policyVersion: action.policyVersion,
        replayed: true,
      };
    default:
      return { status: "failed", actionId: action.id, error: action.error ?? "failed", replayed: true };
  }
}

/** A scheduled message is judged as of when it goes out; everything else as of now. */
function judgedAt(proposal: { outreach?: { scheduledFor?: string } }, now: Date): Date {
  const scheduled = proposal.outreach?.scheduledFor;
  return scheduled && Date.parse(scheduled) > now.getTime() ? new Date(scheduled) : now;
}

export function deriveIdempotencyKey(tool: string, caller: Caller, input: unknown): string {
  const digest = createHash("sha256")
    .update(canonicalJson({ tool, caller: `${caller.kind}:${caller.id}`, input }))
    .digest("hex");
  return `auto:${tool}:${digest.slice(0, 32)}`;
}

export function callerLabel(caller: Caller): string {
  return `${caller.kind}:${caller.id}`;
}

function zodIssues(error: z.ZodError): InputIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.length ? issue.path.join(".") : "(input)",
    message: issue.message,
  }));
}

function errorMessage(error: unknown): string {
  const e = error as { message?: string; cause?: { message?: string } };
  return e?.cause?.message ? `${e.message}: ${e.cause.message}` : (e?.message ?? String(error));
}
