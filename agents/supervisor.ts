// The supervisor: one LangGraph thread per (run, account).
//
//   START → route ─┬─► decide_<specialist> → act_<specialist> ─┬─► [approve_<specialist>] ─► decide_<next> …
//                  └─► END (nothing to do)                      └─► END
//
// route reads the account snapshot and plans the specialists (router.ts). decide_* asks the brain
// for tool calls and checkpoints them; act_* makes them through the tool runner, with idempotency
// keys derived from the as-of date, account and call, so re-running a node or a whole run for the
// same date has no second effect. Calls the policy holds for approval go to approve_*, the only node
// that pauses: one interrupt per round in langchain's HITL shape, decisions keyed by action id, so a
// collector may decide some of them elsewhere (REST) and the resumed node (LangGraph re-runs it from
// its first line) still applies each decision to the right action.

import type { RunnableConfig } from "@langchain/core/runnables";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { Annotation, Command, END, interrupt, START, StateGraph } from "@langchain/langgraph";
import type { PolicyDocument } from "../policies/index.ts";
import type { Caller, Reason } from "../policies/types.ts";
import { ConflictError } from "../tools/errors.ts";
import type { AccountSnapshot, PlannedCall, SnapshotPart } from "../tools/read/account-snapshot-types.ts";
import type { Decision, ToolResult, ToolRunner } from "../tools/runner.ts";
import { nextLocalTime } from "../tools/schedule.ts";
import { type Brain, type BrainContext, SPECIALISTS, type SpecialistName } from "./brain.ts";
import type { PayDateModel } from "./forecasting/model.ts";
import type { ModelUsage } from "./llm/usage.ts";
import { type RoutePlan, routeAccount } from "./router.ts";

export const AGENT_CALLER: Caller = { kind: "agent", id: "supervisor", role: "agent" };

/**
 * Messages queued by a run go out at this local time in the debtor's zone (the next one to come), or
 * at the start of the policy's allowed hours when that is later.
 */
export const SEND_AT_LOCAL_TIME = "09:00";

export interface CallOutcome {
  specialist: SpecialistName;
  key: string;
  tool: string;
  why: string;
  /** The runner's status, or for a dry run the verdict it would get. */
  /** The runner's status; for a dry run the verdict it would get; "skipped" when not attempted. */
  status: ToolResult["status"] | "allow" | "deny" | "needs_approval" | "skipped";
  actionId?: string;
  reasons?: Pick<Reason, "ruleId" | "verdict" | "message">[];
  output?: unknown;
  error?: string;
  replayed?: boolean;
  decidedBy?: string;
}

/** What a paused act node asks a collector: langchain's HITL request shape plus ARC's action ids. */
export interface ApprovalRequest {
  actionRequests: {
    actionId: string;
    name: string;
    args: Record<string, unknown>;
    description: string;
    reasons: Reason[];
  }[];
  reviewConfigs: { actionName: string; allowedDecisions: ("approve" | "edit" | "reject")[] }[];
}

export type ReviewDecision =
  | { actionId: string; type: "approve"; message?: string }
  | {
      actionId: string;
      type: "edit";
      editedAction: { name: string; args: Record<string, unknown> };
      message?: string;
    }
  | { actionId: string; type: "reject"; message: string };

/** The value a paused thread is resumed with. */
export interface ApprovalResume {
  decisions: ReviewDecision[];
  by: Caller;
}

const AccountState = Annotation.Root({
  customerId: Annotation<string>,
  asOf: Annotation<string>,
  /** The run's instant (ISO): every judgement in the thread is made as of it. */
  now: Annotation<string>,
  runId: Annotation<string>,
  dryRun: Annotation<boolean>,
  plan: Annotation<RoutePlan | null>({ reducer: (_, next) => next, default: () => null }),
  planned: Annotation<Partial<Record<SpecialistName, PlannedCall[]>>>({
    reducer: (current, next) => ({ ...current, ...next }),
    default: () => ({}),
  }),
  notes: Annotation<string[]>({ reducer: (current, next) => current.concat(next), default: () => [] }),
  outcomes: Annotation<CallOutcome[]>({
    reducer: (current, next) => current.concat(next),
    default: () => [],
  }),
  /** Calls the current specialist left waiting for a collector. */
  awaiting: Annotation<AwaitingApproval[]>({ reducer: (_, next) => next, default: () => [] }),
});

interface AwaitingApproval {
  call: PlannedCall;
  actionId: string;
  reasons: Reason[];
}

export type AccountState = typeof AccountState.State;
export type AccountInput = Pick<AccountState, "customerId" | "asOf" | "now" | "runId" | "dryRun">;

export interface SupervisorOptions {
  runner: ToolRunner;
  brain: Brain;
  checkpointer?: BaseCheckpointSaver;
  caller?: Caller;
  /** The trained pay-date model the forecasting specialist predicts with (the rules model without it). */
  payDateModel?: PayDateModel;
  /**
   * Counts the run's model calls, tokens and fallbacks (a brain that calls a model); an invocation's
   * `configurable.usage` takes its place for that invocation.
   */
  usage?: ModelUsage;
}

/**
 * One invocation's latest account snapshot (`configurable.snapshots`): route and the specialists'
 * decide nodes read the account once, and again only after a node's executed calls changed
 * something — only the parts those tools say they change (`WriteTool.changes`). Never
 * checkpointed; a resumed thread without it reads afresh at every node.
 */
export interface SnapshotCache {
  current?: AccountSnapshot;
  /** Parts of `current` executed calls have changed since it was read. */
  stale?: Set<SnapshotPart>;
  /**
   * Idempotency keys of the account's actions waiting for approval, when read with the snapshot (a
   * worker's batch, `pendingApprovalKeys`); the act nodes add those they queue. Without it, each act
   * node asks `pending_approvals`.
   */
  pendingApprovalKeys?: string[];
}

/** The account as the agents see it, from the invocation's cache when nothing changed since. */
async function readSnapshot(
  runner: ToolRunner,
  caller: Caller,
  account: Pick<AccountState, "customerId" | "asOf" | "now">,
  cache?: SnapshotCache,
): Promise<AccountSnapshot> {
  const stale = cache?.current && cache.stale?.size ? [...cache.stale] : undefined;
  if (cache?.current && !stale) return cache.current;
  const result = await runner.call<AccountSnapshot>(
    "account_snapshot",
    { customerId: account.customerId, asOf: account.asOf, ...(stale ? { parts: stale } : {}) },
    { caller, now: new Date(account.now) },
  );
  if (result.status !== "ok") throw new Error(`account_snapshot failed: ${JSON.stringify(result)}`);
  let snapshot = result.output;
  if (stale && cache?.current) {
    // The parts read again, over the rest of the snapshot the invocation already had.
    snapshot = { ...cache.current, now: snapshot.now, customer: snapshot.customer, ...pick(snapshot, stale) };
  }
  if (cache) {
    cache.current = snapshot;
    cache.stale = undefined;
  }
  return snapshot;
}

function pick(snapshot: AccountSnapshot, parts: readonly SnapshotPart[]): Partial<AccountSnapshot> {
  return Object.fromEntries(parts.map((part) => [part, snapshot[part]]));
}

/**
 * The route node's plan, outside the graph: a run asks this first and starts a thread only for an
 * account that needs a specialist (most nights, many need nothing). The snapshot stays in `cache`
 * for the thread's route node to reuse.
 */
export async function planAccount(
  runner: ToolRunner,
  account: Pick<AccountState, "customerId" | "asOf" | "now">,
  cache: SnapshotCache,
  caller: Caller = AGENT_CALLER,
): Promise<RoutePlan> {
  return routeAccount(await readSnapshot(runner, caller, account, cache), runner.policy);
}

export const threadIdFor = (runId: string, customerId: string) => `run:${runId}:account:${customerId}`;
export const idempotencyKeyFor = (asOf: string, customerId: string, callKey: string) =>
  `asof:${asOf}:account:${customerId}:${callKey}`;

export function buildSupervisor(options: SupervisorOptions) {
  const { runner, brain } = options;
  const caller = options.caller ?? AGENT_CALLER;

  const snapshotOf = (state: AccountState, config?: RunnableConfig) =>
    readSnapshot(runner, caller, state, config?.configurable?.snapshots as SnapshotCache | undefined);

  /**
   * After a node's calls executed, the parts of the snapshot their tools change are read again when
   * next asked for; all of it, for a tool that does not say. Nothing else changes the ledger: a
   * proposal waiting for approval, a refusal, a failure (rolled back) or a dry run's verdict.
   */
  function ledgerChanged(config: RunnableConfig | undefined, outcomes: CallOutcome[]): void {
    const cache = config?.configurable?.snapshots as SnapshotCache | undefined;
    if (!cache?.current) return;
    for (const outcome of outcomes) {
      if (outcome.status !== "executed") continue;
      const tool = runner.get(outcome.tool);
      const changes = tool.effect === "write" ? tool.changes : [];
      if (!changes) {
        cache.current = undefined;
        cache.stale = undefined;
        return;
      }
      cache.stale ??= new Set();
      for (const part of changes) cache.stale.add(part);
    }
  }

  const nextAfter = (state: AccountState, specialist: SpecialistName | null): string => {
    const steps = state.plan?.steps ?? [];
    const next = specialist === null ? steps[0] : steps[steps.indexOf(specialist) + 1];
    return next ? `decide_${next}` : END;
  };

  async function route(state: AccountState, config?: RunnableConfig) {
    const plan = routeAccount(await snapshotOf(state, config), runner.policy);
    const update = { plan, notes: plan.reasons.map((r) => `route: ${r}`) };
    return new Command({ update, goto: nextAfter({ ...state, plan }, null) });
  }

  const decide = (specialist: SpecialistName) => async (state: AccountState, config?: RunnableConfig) => {
    const snapshot = await snapshotOf(state, config);
    const now = new Date(state.now);
    // One account's model usage when the caller counts per account (a queued run), else the supervisor's.
    const usage = (config?.configurable?.usage as ModelUsage | undefined) ?? options.usage;
    const context: BrainContext = {
      ...(options.payDateModel ? { payDateModel: options.payDateModel } : {}),
      ...(usage ? { usage } : {}),
      preview: async (call) => {
        const scheduled = schedule(call, snapshot, now, runner.policy);
        const preview = await runner.preview(scheduled.tool, scheduled.input, { caller, now });
        return preview.status === "invalid"
          ? { status: "invalid", issues: preview.issues.map((i) => `${i.path}: ${i.message}`) }
          : { status: "judged", verdict: preview.verdict.verdict, reasons: preview.verdict.reasons };
      },
    };
    // The decision is checkpointed with the node, so a model is asked once per account and run:
    // a resumed thread replays the stored plan instead of asking again.
    const decision = await brain.decide(specialist, snapshot, runner.policy, context);
    const calls = decision.calls.map((call) => schedule(call, snapshot, now, runner.policy));
    return new Command({
      update: { planned: { [specialist]: calls }, notes: decision.notes.map((n) => `${specialist}: ${n}`) },
      goto: `act_${specialist}`,
    });
  };

  const act = (specialist: SpecialistName) => async (state: AccountState, config?: RunnableConfig) => {
    const now = new Date(state.now);
    const outcomes: CallOutcome[] = [];
    const pending: { call: PlannedCall; result: Extract<ToolResult, { status: "pending_approval" }> }[] = [];
    const cache = config?.configurable?.snapshots as SnapshotCache | undefined;
    const waiting = state.dryRun ? new Map<string, string>() : await waitingApprovals(state, cache);
    const executedKeys = new Set<string>();
    for (const call of state.planned[specialist] ?? []) {
      const base = { specialist, key: call.key, tool: call.tool, why: call.why };
      const unmet = (call.dependsOn ?? []).filter((key) => !executedKeys.has(key));
      if (unmet.length > 0 && !state.dryRun) {
        outcomes.push({ ...base, status: "skipped", error: `waits for ${unmet.join(", ")}` });
        continue;
      }
      const earlier = waiting.get(call.key);
      const key = idempotencyKeyFor(state.asOf, state.customerId, call.key);
      if (earlier && earlier !== key) {
        // The same proposal from an earlier run still waits for a collector: do not queue it twice.
        outcomes.push({ ...base, status: "skipped", error: `already waiting for approval (${earlier})` });
        continue;
      }
      if (state.dryRun) {
        const preview = await runner.preview(call.tool, call.input, { caller, now });
        outcomes.push(
          preview.status === "invalid"
            ? {
                ...base,
                status: "invalid",
                error: preview.issues.map((i) => `${i.path}: ${i.message}`).join("; "),
              }
            : { ...base, status: preview.verdict.verdict, reasons: preview.verdict.reasons },
        );
        continue;
      }
      const result = await runner.call(call.tool, call.input, {
        caller,
        now,
        runId: state.runId,
        idempotencyKey: key,
        rationale: call.why,
        ...(call.alternatives ? { alternatives: call.alternatives } : {}),
      });
      if (result.status === "executed") executedKeys.add(call.key);
      if (result.status === "pending_approval") pending.push({ call, result });
      else outcomes.push(outcomeOf(base, result));
    }
    for (const { call, result } of pending) {
      outcomes.push(outcomeOf({ specialist, key: call.key, tool: call.tool, why: call.why }, result));
      cache?.pendingApprovalKeys?.push(idempotencyKeyFor(state.asOf, state.customerId, call.key));
    }
    ledgerChanged(config, outcomes);
    const awaiting = pending.map(({ call, result }) => ({
      call,
      actionId: result.actionId,
      reasons: result.reasons,
    }));
    return new Command({
      update: { outcomes, awaiting },
      goto: awaiting.length > 0 ? `approve_${specialist}` : nextAfter(state, specialist),
    });
  };

  // The only node that pauses. It re-runs from its first line on each resume; every round of
  // still-undecided approvals is one interrupt, each resume value is consumed in order, and its
  // decisions apply only to the actions they name (some may have been decided elsewhere). Calls
  // that waited for an approved one (a write-off after the payment it closes) run once it executed;
  // on a re-run every call replays by its idempotency key, so the sequence is the same.
  const approve = (specialist: SpecialistName) => async (state: AccountState, config?: RunnableConfig) => {
    const now = new Date(state.now);
    const outcomes: CallOutcome[] = [];
    const mine = state.outcomes.filter((o) => o.specialist === specialist);
    const executedKeys = new Set(mine.filter((o) => o.status === "executed").map((o) => o.key));
    const attempted = new Set(mine.filter((o) => o.status !== "skipped").map((o) => o.key));
    let undecided = state.awaiting;
    for (;;) {
      while (undecided.length > 0) {
        const resume = interrupt<ApprovalRequest, ApprovalResume>(approvalRequest(specialist, undecided));
        const decided = new Set<string>();
        for (const decision of resume?.decisions ?? []) {
          const item = undecided.find((p) => p.actionId === decision.actionId);
          if (!item) continue;
          const result = await applyDecision(runner, item.call, decision, resume.by, {
            caller,
            now,
            key: idempotencyKeyFor(state.asOf, state.customerId, item.call.key),
          });
          if (result.status === "executed") executedKeys.add(item.call.key);
          outcomes.push({
            ...outcomeOf(
              { specialist, key: item.call.key, tool: item.call.tool, why: item.call.why },
              result,
            ),
            decidedBy: `${resume.by.kind}:${resume.by.id}`,
          });
          decided.add(decision.actionId);
        }
        undecided = undecided.filter((p) => !decided.has(p.actionId));
      }
      const ready = (state.planned[specialist] ?? []).filter(
        (call) =>
          (call.dependsOn?.length ?? 0) > 0 &&
          !attempted.has(call.key) &&
          call.dependsOn!.every((key) => executedKeys.has(key)),
      );
      if (ready.length === 0) break;
      for (const call of ready) {
        attempted.add(call.key);
        const result = await runner.call(call.tool, call.input, {
          caller,
          now,
          runId: state.runId,
          idempotencyKey: idempotencyKeyFor(state.asOf, state.customerId, call.key),
          rationale: call.why,
          ...(call.alternatives ? { alternatives: call.alternatives } : {}),
        });
        if (result.status === "executed") executedKeys.add(call.key);
        if (result.status === "pending_approval") {
          undecided = [...undecided, { call, actionId: result.actionId, reasons: result.reasons }];
        } else {
          outcomes.push(outcomeOf({ specialist, key: call.key, tool: call.tool, why: call.why }, result));
        }
      }
    }
    ledgerChanged(config, outcomes);
    return new Command({ update: { outcomes, awaiting: [] }, goto: nextAfter(state, specialist) });
  };

  /** Pending approvals on this account, by call key (the part of the idempotency key after the account). */
  async function waitingApprovals(state: AccountState, cache?: SnapshotCache): Promise<Map<string, string>> {
    const byCallKey = new Map<string, string>();
    let keys = cache?.pendingApprovalKeys;
    if (!keys) {
      const result = await runner.call<{ approvals: { idempotencyKey: string }[] }>(
        "pending_approvals",
        { customerId: state.customerId, limit: 500 },
        { caller, now: new Date(state.now) },
      );
      if (result.status !== "ok") return byCallKey;
      keys = result.output.approvals.map((a) => a.idempotencyKey);
    }
    const marker = `:account:${state.customerId}:`;
    for (const idempotencyKey of keys) {
      const at = idempotencyKey.indexOf(marker);
      if (at >= 0) byCallKey.set(idempotencyKey.slice(at + marker.length), idempotencyKey);
    }
    return byCallKey;
  }

  let graph = new StateGraph(AccountState).addNode("route", route, {
    ends: [...SPECIALISTS.map((s) => `decide_${s}`), END],
  });
  for (const specialist of SPECIALISTS) {
    graph = graph
      .addNode(`decide_${specialist}`, decide(specialist), { ends: [`act_${specialist}`] })
      .addNode(`act_${specialist}`, act(specialist), {
        ends: [`approve_${specialist}`, ...SPECIALISTS.map((s) => `decide_${s}`), END],
      })
      .addNode(`approve_${specialist}`, approve(specialist), {
        ends: [...SPECIALISTS.map((s) => `decide_${s}`), END],
      }) as never;
  }
  return graph
    .addEdge(START, "route" as never)
    .compile(options.checkpointer ? { checkpointer: options.checkpointer } : {});
}

export type Supervisor = ReturnType<typeof buildSupervisor>;

/**
 * Messages planned by a run are scheduled for the next SEND_AT_LOCAL_TIME in the customer's zone,
 * so a nightly run queues them for the morning instead of being refused by the local-time rule.
 */
/**
 * When a message a run queues at `now` goes out: the next SEND_AT_LOCAL_TIME in the debtor's zone, or
 * the policy's start of allowed hours when that is later (zero-padded HH:MM compares as text).
 * Throws RangeError on an unknown zone.
 */
export function runSendTime(now: Date, timeZone: string, policy: PolicyDocument): Date {
  const start = policy.contact.localTime.start;
  return nextLocalTime(now, timeZone, start > SEND_AT_LOCAL_TIME ? start : SEND_AT_LOCAL_TIME);
}

function schedule(
  call: PlannedCall,
  snapshot: AccountSnapshot,
  now: Date,
  policy: PolicyDocument,
): PlannedCall {
  if (call.tool !== "send_message" || call.input.scheduledFor || call.input.channel === "letter") return call;
  let sendAt: Date;
  try {
    sendAt = runSendTime(now, snapshot.customer.timezone, policy);
  } catch {
    return call; // an invalid zone: the policy refuses the message and says why
  }
  return { ...call, input: { ...call.input, scheduledFor: sendAt.toISOString() } };
}

function approvalRequest(specialist: SpecialistName, pending: AwaitingApproval[]): ApprovalRequest {
  return {
    actionRequests: pending.map(({ call, actionId, reasons }) => ({
      actionId,
      name: call.tool,
      args: call.input,
      description: call.why,
      reasons,
      specialist,
      key: call.key,
    })),
    reviewConfigs: [...new Set(pending.map((p) => p.call.tool))].map((actionName) => ({
      actionName,
      allowedDecisions: ["approve", "edit", "reject"],
    })),
  };
}

async function applyDecision(
  runner: ToolRunner,
  call: PlannedCall,
  decision: ReviewDecision,
  by: Caller,
  replay: { caller: Caller; now: Date; key: string },
): Promise<ToolResult> {
  const mapped: Decision =
    decision.type === "approve"
      ? { decision: "approve", ...(decision.message ? { note: decision.message } : {}) }
      : decision.type === "edit"
        ? {
            decision: "edit",
            editedInput: decision.editedAction.args,
            ...(decision.message ? { note: decision.message } : {}),
          }
        : { decision: "reject", note: decision.message };
  try {
    return await runner.decide(decision.actionId, mapped, by);
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    // Decided elsewhere in the meantime: report what happened to it.
    return runner.call(call.tool, call.input, {
      caller: replay.caller,
      now: replay.now,
      idempotencyKey: replay.key,
    });
  }
}

function outcomeOf(base: Omit<CallOutcome, "status">, result: ToolResult): CallOutcome {
  switch (result.status) {
    case "executed":
      return {
        ...base,
        status: "executed",
        actionId: result.actionId,
        output: result.output,
        replayed: result.replayed,
      };
    case "blocked":
    case "pending_approval":
      return {
        ...base,
        status: result.status,
        actionId: result.actionId,
        reasons: result.reasons,
        replayed: result.replayed,
      };
    case "rejected":
    case "expired":
      return { ...base, status: result.status, actionId: result.actionId, replayed: result.replayed };
    case "failed":
      return {
        ...base,
        status: "failed",
        actionId: result.actionId,
        error: result.error,
        replayed: result.replayed,
      };
    case "invalid":
      return {
        ...base,
        status: "invalid",
        error: result.issues.map((i) => `${i.path}: ${i.message}`).join("; "),
      };
    default:
      return { ...base, status: result.status };
  }
}
