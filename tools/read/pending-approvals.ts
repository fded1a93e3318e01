import { and, asc, eq, gt, ilike, inArray, isNull, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "../../db/connection.ts";
import { actions, customers, invoices } from "../../db/schema.ts";
import { defineTool } from "../define.ts";
import { id, page } from "../schemas.ts";

/** In priority order, approvals expiring within this many hours come first: left alone they are lost. */
export const EXPIRING_SOON_HOURS = 24;

/**
 * What a proposal is worth, per currency: the money the action itself moves or promises (a credit
 * note, a write-off, a promise, a plan's instalments, a payment's applications), or else the open
 * balance of the invoices it concerns (a message, a legal escalation).
 */
export interface ApprovalAmount {
  of: "action" | "open_balance";
  byCurrency: Record<string, number>;
}

/** An action still waiting for a collector at `now`: pending and not expired. */
const waitingForApproval = (now: Date) =>
  and(eq(actions.status, "pending"), or(isNull(actions.expiresAt), gt(actions.expiresAt, now)));

export const pendingApprovals = defineTool({
  name: "pending_approvals",
  description:
    "The approval queue: proposed actions waiting for a collector's approve / edit / reject, each with the tool, its " +
    "input, the customer, the amount at stake, the proposer's rationale and alternatives, and every policy reason it " +
    "needs approval for. Oldest first, or by priority: expiring within 24 hours first, then the riskiest accounts, " +
    "then oldest.",
  effect: "read",
  input: z.object({
    customerId: id("customerId").optional(),
    /** Customers whose name or customer number contains this text (case-insensitive). */
    customer: z.string().trim().min(1).max(200).optional(),
    /** Only this action, while it is pending. */
    actionId: id("actionId").optional(),
    tool: z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/, { message: "must be a tool name like send_message" })
      .optional(),
    /** Only actions a given policy rule sent for approval, e.g. legal.escalation_approval. */
    ruleId: z.string().min(1).max(100).optional(),
    runId: id("runId").optional(),
    order: z.enum(["oldest", "priority"]).default("oldest"),
    ...page,
  }),
  async run(input, db, ctx) {
    const customerPattern = input.customer
      ? `%${input.customer.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
      : undefined;
    const where = and(
      waitingForApproval(ctx.now),
      input.customerId ? eq(actions.customerId, input.customerId) : undefined,
      input.actionId ? eq(actions.id, input.actionId) : undefined,
      input.tool ? eq(actions.tool, input.tool) : undefined,
      input.runId ? eq(actions.runId, input.runId) : undefined,
      input.ruleId
        ? sql`${actions.reasons} @> ${JSON.stringify([{ ruleId: input.ruleId }])}::jsonb`
        : undefined,
      customerPattern
        ? or(ilike(customers.name, customerPattern), ilike(customers.externalRef, customerPattern))
        : undefined,
    );
    const soon = new Date(ctx.now.getTime() + EXPIRING_SOON_HOURS * 3_600_000).toISOString();
    const expiringSoon = sql`(${actions.expiresAt} is not null and ${actions.expiresAt} <= ${soon}::timestamptz)`;
    const order =
      input.order === "priority"
        ? [
            sql`${expiringSoon} desc`,
            sql`case when ${expiringSoon} then ${actions.expiresAt} end asc`,
            sql`${customers.riskScore} desc nulls last`,
            asc(actions.createdAt),
            asc(actions.id),
          ]
        : [asc(actions.createdAt), asc(actions.id)];
    const [rows, [count]] = await Promise.all([
      db
        .select({
          id: actions.id,
          idempotencyKey: actions.idempotencyKey,
          tool: actions.tool,
          input: actions.input,
          reasons: actions.reasons,
          policyVersion: actions.policyVersion,
          caller: actions.caller,
          runId: actions.runId,
          rationale: actions.rationale,
          alternatives: actions.alternatives,
          createdAt: actions.createdAt,
          expiresAt: actions.expiresAt,
          customerId: actions.customerId,
          customerName: customers.name,
          customerRef: customers.externalRef,
          customerRiskScore: customers.riskScore,
        })
        .from(actions)
        .leftJoin(customers, eq(customers.id, actions.customerId))
        .where(where)
        .orderBy(...order)
        .limit(input.limit)
        .offset(input.offset),
      db
        .select({ total: sql<number>`count(*)::int` })
        .from(actions)
        .leftJoin(customers, eq(customers.id, actions.customerId))
        .where(where),
    ]);
    const amounts = await amountsOf(
      db,
      rows.map((r) => r.input),
    );
    return {
      approvals: rows.map((row, index) => ({ ...row, amount: amounts[index]! })),
      total: Number(count?.total ?? 0),
      limit: input.limit,
      offset: input.offset,
    };
  },
});

/**
 * The idempotency keys of the customers' actions waiting for approval (pending, not expired), by
 * customer: one statement for a worker's batch of accounts, where the supervisor would otherwise ask
 * `pending_approvals` (a page, a count and amounts) once per specialist per account.
 */
export async function pendingApprovalKeys(
  db: DbOrTx,
  customerIds: readonly string[],
  now: Date,
): Promise<Map<string, string[]>> {
  const keys = new Map<string, string[]>();
  if (customerIds.length === 0) return keys;
  const rows = await db
    .select({ customerId: actions.customerId, idempotencyKey: actions.idempotencyKey })
    .from(actions)
    .where(and(inArray(actions.customerId, [...customerIds]), waitingForApproval(now)))
    .orderBy(asc(actions.createdAt), asc(actions.id));
  for (const id of customerIds) keys.set(id, []);
  for (const row of rows) keys.get(row.customerId!)?.push(row.idempotencyKey);
  return keys;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const minorOf = (value: unknown): number | null =>
  typeof value === "number" && Number.isSafeInteger(value) ? value : null;

/** The invoices an action's input names, wherever the tool puts them. */
function invoiceIdsIn(input: Json): string[] {
  const ids: unknown[] = [input.invoiceId];
  if (Array.isArray(input.invoiceIds)) ids.push(...input.invoiceIds);
  if (Array.isArray(input.applications))
    ids.push(...input.applications.map((a) => isObject(a) && a.invoiceId));
  return ids.filter((v): v is string => typeof v === "string");
}

/** Each input's amount (ApprovalAmount), with one query for every invoice the inputs name. */
async function amountsOf(db: DbOrTx, inputs: unknown[]): Promise<(ApprovalAmount | null)[]> {
  const objects = inputs.map((input) => (isObject(input) ? input : {}));
  const ids = [...new Set(objects.flatMap(invoiceIdsIn))];
  const named = ids.length
    ? await db
        .select({ id: invoices.id, currency: invoices.currency, balanceMinor: invoices.balanceMinor })
        .from(invoices)
        .where(inArray(invoices.id, ids))
    : [];
  const invoiceById = new Map(named.map((i) => [i.id, i]));
  return objects.map((input) => {
    const concerned = [...new Set(invoiceIdsIn(input))].flatMap(
      (invoiceId) => invoiceById.get(invoiceId) ?? [],
    );
    const currency = typeof input.currency === "string" ? input.currency : concerned[0]?.currency;
    const moved =
      minorOf(input.amountMinor) ??
      sumOf(input.installments) ??
      // Applications are amounts of the payment's currency, which is the invoices'.
      sumOf(input.applications);
    if (moved !== null && currency) return { of: "action", byCurrency: { [currency]: moved } };
    if (concerned.length === 0) return null;
    const byCurrency: Record<string, number> = {};
    for (const invoice of concerned) {
      byCurrency[invoice.currency] = (byCurrency[invoice.currency] ?? 0) + invoice.balanceMinor;
    }
    return { of: "open_balance", byCurrency };
  });
}

/** Σ amountMinor over a list of { amountMinor } (instalments, applications); null when it is not one. */
function sumOf(list: unknown): number | null {
  if (!Array.isArray(list) || list.length === 0) return null;
  let total = 0;
  for (const item of list) {
    const minor = isObject(item) ? minorOf(item.amountMinor) : null;
    if (minor === null) return null;
    total += minor;
  }
  return total;
}
