import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import type { Tx } from "../../db/connection.ts";
import { type Dispute, disputes } from "../../db/schema.ts";
import { defineTool } from "../define.ts";
import { ToolInputError } from "../errors.ts";
import { requireInvoice } from "../ledger.ts";
import { disputeCategory, id, minorUnits, nonEmptyText } from "../schemas.ts";

const LIVE = ["open", "investigating"];

export const openDispute = defineTool({
  name: "open_dispute",
  description:
    "Open a dispute on an invoice with the customer's description. A disputed invoice is held out of dunning until " +
    "the dispute is resolved. If the invoice already has a live dispute, that dispute is returned instead.",
  effect: "write",
  // The dispute, and its invoice now disputed.
  changes: ["disputes", "openInvoices"],
  input: z.object({
    invoiceId: id("invoiceId"),
    category: disputeCategory.default("other"),
    description: nonEmptyText(10_000),
    amountMinor: minorUnits.optional(),
    owner: z.string().trim().min(1).max(200).optional(),
    slaDays: z.number().int().min(1).max(180).default(14),
  }),
  async propose(input, tx) {
    const invoice = await requireInvoice(tx, input.invoiceId);
    if (input.amountMinor !== undefined && input.amountMinor > invoice.amountMinor) {
      throw new ToolInputError(
        "amountMinor",
        `disputed ${input.amountMinor} exceeds the invoice amount ${invoice.amountMinor}`,
      );
    }
    return {
      kind: "dispute_open",
      customerId: invoice.customerId,
      invoiceIds: [invoice.id],
      amountMinor: disputedAmount(input.amountMinor, invoice),
      currency: invoice.currency,
    };
  },
  async run(input, tx, ctx) {
    const invoice = await requireInvoice(tx, input.invoiceId);
    const [live] = await tx
      .select({ id: disputes.id })
      .from(disputes)
      .where(and(eq(disputes.invoiceId, invoice.id), inArray(disputes.status, LIVE)));
    if (live) return { disputeId: live.id, joined: true };
    const [row] = await tx
      .insert(disputes)
      .values({
        customerId: invoice.customerId,
        invoiceId: invoice.id,
        category: input.category,
        description: input.description,
        currency: invoice.currency,
        amountMinor: disputedAmount(input.amountMinor, invoice),
        owner: input.owner ?? null,
        openedBy: `${ctx.caller.kind}:${ctx.caller.id}`,
        openedAt: ctx.now,
        slaDueAt: new Date(ctx.now.getTime() + input.slaDays * 86_400_000),
      })
      .returning({ id: disputes.id });
    return { disputeId: row!.id, joined: false };
  },
});

export const resolveDispute = defineTool({
  name: "resolve_dispute",
  description:
    "Close a live dispute as resolved (the customer was right, or it was settled), rejected (the invoice stands) or " +
    "expired (past its SLA with no word from the customer). The invoice returns to the collection cadence for whatever " +
    "balance remains.",
  effect: "write",
  // The dispute, and its invoice no longer disputed.
  changes: ["disputes", "openInvoices"],
  input: z.object({
    disputeId: id("disputeId"),
    outcome: z.enum(["resolved", "rejected", "expired"]),
    resolution: nonEmptyText(5000),
  }),
  async propose(input, tx) {
    const dispute = await requireLiveDispute(tx, input.disputeId);
    return { kind: "dispute_resolve", customerId: dispute.customerId, invoiceIds: [dispute.invoiceId] };
  },
  async run(input, tx, ctx) {
    await requireLiveDispute(tx, input.disputeId);
    await tx
      .update(disputes)
      .set({ status: input.outcome, resolution: input.resolution, resolvedAt: ctx.now, updatedAt: ctx.now })
      .where(eq(disputes.id, input.disputeId));
    return { disputeId: input.disputeId, status: input.outcome };
  },
});

async function requireLiveDispute(tx: Tx, disputeId: string): Promise<Dispute> {
  const [dispute] = await tx.select().from(disputes).where(eq(disputes.id, disputeId));
  if (!dispute) throw new ToolInputError("disputeId", `no dispute ${disputeId}`);
  if (!LIVE.includes(dispute.status))
    throw new ToolInputError("disputeId", `dispute ${disputeId} is already ${dispute.status}`);
  return dispute;
}

/** What is in dispute: as stated, else the open balance, else (a paid invoice) the whole amount. */
function disputedAmount(
  stated: number | undefined,
  invoice: { balanceMinor: number; amountMinor: number },
): number {
  return stated ?? (invoice.balanceMinor > 0 ? invoice.balanceMinor : invoice.amountMinor);
}
