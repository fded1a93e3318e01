// Bookkeeping an agent or a collector does on an account: a promise kept or broken, a payment plan
// accepted, completed or defaulted, a dispute triaged. Each is one audited action.
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Tx } from "../../db/connection.ts";
import { disputes, paymentPlans, promisesToPay } from "../../db/schema.ts";
import { defineTool } from "../define.ts";
import { ToolInputError } from "../errors.ts";
import { disputeCategory, id, isoDateTime } from "../schemas.ts";

export const recordPromiseStatus = defineTool({
  name: "record_promise_status",
  description:
    "Record that an open promise to pay was kept, broken (its date passed without the money) or cancelled. A broken " +
    "promise moves the account up the dunning ladder.",
  effect: "write",
  changes: ["promises"],
  input: z.object({
    promiseId: id("promiseId"),
    status: z.enum(["kept", "broken", "cancelled"]),
    note: z.string().max(2000).optional(),
  }),
  async propose(input, tx) {
    const promise = await openPromise(tx, input.promiseId);
    return { kind: "account_update", customerId: promise.customerId, invoiceIds: promise.invoiceIds };
  },
  async run(input, tx, ctx) {
    await openPromise(tx, input.promiseId);
    const note = input.note ?? null;
    await tx
      .update(promisesToPay)
      .set({ status: input.status, resolvedAt: ctx.now, ...(note ? { note } : {}) })
      .where(eq(promisesToPay.id, input.promiseId));
    return { promiseId: input.promiseId, status: input.status };
  },
});

async function openPromise(tx: Tx, promiseId: string) {
  const [promise] = await tx.select().from(promisesToPay).where(eq(promisesToPay.id, promiseId));
  if (!promise) throw new ToolInputError("promiseId", `no promise ${promiseId}`);
  if (promise.status !== "open")
    throw new ToolInputError("promiseId", `promise ${promiseId} is already ${promise.status}`);
  return promise;
}

const PLAN_TRANSITIONS: Record<string, readonly string[]> = {
  proposed: ["active", "cancelled"],
  active: ["completed", "defaulted", "cancelled"],
};

export const recordPlanStatus = defineTool({
  name: "record_plan_status",
  description:
    "Move a payment plan along: proposed → active (the customer accepted) or cancelled; active → completed, " +
    "defaulted (an instalment was missed) or cancelled.",
  effect: "write",
  input: z.object({
    paymentPlanId: id("paymentPlanId"),
    status: z.enum(["active", "completed", "defaulted", "cancelled"]),
    note: z.string().max(2000).optional(),
  }),
  async propose(input, tx) {
    const plan = await planFor(tx, input.paymentPlanId, input.status);
    return { kind: "account_update", customerId: plan.customerId, invoiceIds: plan.invoiceIds };
  },
  async run(input, tx, ctx) {
    const plan = await planFor(tx, input.paymentPlanId, input.status);
    await tx
      .update(paymentPlans)
      .set({ status: input.status, updatedAt: ctx.now })
      .where(eq(paymentPlans.id, plan.id));
    return { paymentPlanId: plan.id, from: plan.status, status: input.status };
  },
});

async function planFor(tx: Tx, paymentPlanId: string, next: string) {
  const [plan] = await tx.select().from(paymentPlans).where(eq(paymentPlans.id, paymentPlanId));
  if (!plan) throw new ToolInputError("paymentPlanId", `no payment plan ${paymentPlanId}`);
  if (!PLAN_TRANSITIONS[plan.status]?.includes(next)) {
    throw new ToolInputError("status", `a ${plan.status} plan cannot become ${next}`);
  }
  return plan;
}

export const triageDispute = defineTool({
  name: "triage_dispute",
  description:
    "Set a live dispute's category, owner and SLA, and mark it as under investigation. The customer's description is " +
    "kept as it is.",
  effect: "write",
  // The dispute (and, conservatively, whether its invoice reads as disputed).
  changes: ["disputes", "openInvoices"],
  input: z
    .object({
      disputeId: id("disputeId"),
      category: disputeCategory.optional(),
      owner: z.string().trim().min(1).max(200).optional(),
      slaDueAt: isoDateTime.optional(),
      status: z.literal("investigating").optional(),
    })
    .refine((i) => i.category || i.owner || i.slaDueAt || i.status, {
      message: "change at least one of category, owner, slaDueAt, status",
    }),
  async propose(input, tx) {
    const dispute = await liveDispute(tx, input.disputeId);
    return { kind: "account_update", customerId: dispute.customerId, invoiceIds: [dispute.invoiceId] };
  },
  async run(input, tx, ctx) {
    const before = await liveDispute(tx, input.disputeId);
    const changes = {
      ...(input.category ? { category: input.category } : {}),
      ...(input.owner ? { owner: input.owner } : {}),
      ...(input.slaDueAt ? { slaDueAt: new Date(input.slaDueAt) } : {}),
      ...(input.status ? { status: input.status } : {}),
    };
    await tx
      .update(disputes)
      .set({ ...changes, updatedAt: ctx.now })
      .where(eq(disputes.id, before.id));
    return {
      disputeId: before.id,
      from: { category: before.category, owner: before.owner, status: before.status },
      changed: Object.keys(changes),
    };
  },
});

async function liveDispute(tx: Tx, disputeId: string) {
  const [dispute] = await tx.select().from(disputes).where(eq(disputes.id, disputeId));
  if (!dispute) throw new ToolInputError("disputeId", `no dispute ${disputeId}`);
  if (dispute.status !== "open" && dispute.status !== "investigating") {
    throw new ToolInputError("disputeId", `dispute ${disputeId} is already ${dispute.status}`);
  }
  return dispute;
}
