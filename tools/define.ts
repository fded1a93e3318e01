// How a capability is declared. Every effect ARC has is a tool: the HTTP API, MCP and the agents
// are callers of the same registry, and the runner (runner.ts) is the only thing that executes a
// write tool — validate → facts → policy → execute in one transaction with its audit entry.
import type { z } from "zod";
import type { DbOrTx, Tx } from "../db/connection.ts";
import type { PolicyDocument } from "../policies/index.ts";
import type { ActionKind, Caller, OutreachDetails, ProposedAction } from "../policies/types.ts";
import type { SnapshotPart } from "./read/account-snapshot-types.ts";

export interface ToolContext {
  caller: Caller;
  /** The instant the call is judged and executed at (injectable for as-of runs and tests). */
  now: Date;
  policy: PolicyDocument;
  runId?: string;
  /** The caller's explanation and ranked alternatives, stored on the action row. */
  rationale?: string;
  alternatives?: unknown;
  /** Set for write tools: the actions row this execution belongs to. */
  actionId?: string;
}

/** What a write call would do, in the policy engine's terms; the runner adds tool and caller. */
export interface Proposal {
  kind: ActionKind;
  /** The account acted on; absent only for ledger-wide actions (a ledger import). */
  customerId?: string;
  /** The contact an outreach goes to; the runner loads its consents as facts. */
  contactId?: string;
  invoiceIds?: string[];
  amountMinor?: number;
  currency?: string;
  outreach?: OutreachDetails;
  paymentPlan?: ProposedAction["paymentPlan"];
  discountPercent?: number;
  /** How sure the proposer is (0..1): a cash-application match's confidence. */
  confidence?: number;
}

interface ToolBase<I extends z.ZodType> {
  name: string;
  /** One or two sentences an agent or a person reads to decide whether to call it. */
  description: string;
  input: I;
}

export interface ReadTool<I extends z.ZodType = z.ZodType, O = unknown> extends ToolBase<I> {
  effect: "read";
  run(input: z.output<I>, db: DbOrTx, ctx: ToolContext): Promise<O>;
}

export interface WriteTool<I extends z.ZodType = z.ZodType, O = unknown> extends ToolBase<I> {
  effect: "write";
  /**
   * Describes the call for the policy engine. Runs inside the transaction, before any write; throw
   * ToolInputError for input that is wrong against the ledger.
   */
  propose(input: z.output<I>, tx: Tx, ctx: ToolContext): Promise<Proposal>;
  /** Performs the effect inside the runner's transaction. Its result must be JSON-serialisable. */
  run(input: z.output<I>, tx: Tx, ctx: ToolContext & { actionId: string }): Promise<O>;
  /**
   * A collector's decision executes a proposal made earlier: a tool whose input names a moment that
   * may have passed while it waited (send_message's send time) moves it to the first one still
   * possible. Called before `propose`; returns the input unchanged when nothing went stale.
   */
  refresh?(input: z.output<I>, tx: Tx, ctx: ToolContext): Promise<z.output<I>>;
  /**
   * The parts of the account's snapshot an executed call may change, so an agent deciding next
   * reads only those again ([]: none). Absent: any part — the whole snapshot is read again.
   */
  changes?: readonly SnapshotPart[];
}

export type Tool = ReadTool | WriteTool;

export function defineTool<I extends z.ZodType, O>(tool: ReadTool<I, O>): ReadTool<I, O>;
export function defineTool<I extends z.ZodType, O>(tool: WriteTool<I, O>): WriteTool<I, O>;
export function defineTool(tool: Tool): Tool {
  if (!/^[a-z][a-z0-9_]*$/.test(tool.name)) throw new Error(`tool name "${tool.name}" must be snake_case`);
  return tool;
}
