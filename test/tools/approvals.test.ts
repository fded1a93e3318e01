// Approval decisions at the data level: pending → approved / edited / rejected / expired → executed / failed.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { formatAmount } from "../../db/money.ts";
import { actions, auditLog, communications, customers } from "../../db/schema.ts";
import { DEFAULT_POLICY } from "../../policies/index.ts";
import type { Caller } from "../../policies/types.ts";
import { ConflictError, ForbiddenError, NotFoundError } from "../../tools/errors.ts";
import { ALL_TOOLS } from "../../tools/registry.ts";
import { ToolRunner } from "../../tools/runner.ts";
import { useTestDatabase } from "../support/db.ts";
import { ledgerCounts, makeContact, makeCustomer, makeInvoice } from "../support/fixtures.ts";

const database = useTestDatabase();
const NOW = new Date("2026-03-10T15:00:00Z");
const AGENT: Caller = { kind: "agent", id: "collection", role: "agent" };
const DANA: Caller = { kind: "api", id: "dana", role: "collector" };
const LEE: Caller = { kind: "api", id: "lee", role: "collector" };

function runner(clock: () => Date = () => NOW) {
  return new ToolRunner({ db: database.current.db, policy: DEFAULT_POLICY, tools: ALL_TOOLS, clock });
}

/** A compliant collection email about a large balance: allowed by every rule but the approval threshold. */
function largeBalanceEmail(ref: string, balanceMinor: number, extra = "") {
  return [
    `Invoice ${ref} for ${formatAmount(balanceMinor, "USD")} USD is past due.${extra}`,
    `Pay at ${DEFAULT_POLICY.content.payLink.baseUrl}inv/${ref}`,
    DEFAULT_POLICY.content.optOut.email!.text,
  ].join("\n");
}

async function pendingLargeMessage() {
  const db = database.current.db;
  const customer = await makeCustomer(db);
  await makeContact(db, customer.id);
  const balance = DEFAULT_POLICY.approval.largeBalanceMinor.default + 100;
  const invoice = await makeInvoice(db, customer.id, { amountMinor: balance });
  const input = {
    customerId: customer.id,
    channel: "email",
    subject: "Past due",
    body: largeBalanceEmail(invoice.externalRef, balance),
    invoiceIds: [invoice.id],
  };
  const result = await runner().call("send_message", input, { caller: AGENT });
  if (result.status !== "pending_approval")
    throw new Error(`expected pending, got ${JSON.stringify(result)}`);
  expect(result.reasons.map((r) => r.ruleId)).toEqual(["approval.large_balance"]);
  return { customer, invoice, input, balance, actionId: result.actionId };
}

const sent = (customerId: string) =>
  database.current.db.select().from(communications).where(eq(communications.customerId, customerId));

describe("approval decisions", () => {
  it("the key an MCP client proposed with may not decide on that proposal; another person's may", async () => {
    const db = database.current.db;
    const customer = await makeCustomer(db);
    await makeContact(db, customer.id);
    const invoice = await makeInvoice(db, customer.id, { amountMinor: 48_000 });
    const assistant: Caller = { kind: "mcp", id: "dana-desktop@ak_12345", role: "collector" };
    const proposed = await runner().call(
      "send_message",
      {
        customerId: customer.id,
        channel: "email",
        subject: "Past due",
        body: largeBalanceEmail(invoice.externalRef, 48_000),
        invoiceIds: [invoice.id],
      },
      { caller: assistant },
    );
    if (proposed.status !== "pending_approval") throw new Error(JSON.stringify(proposed));
    const sameKeyOverRest: Caller = { kind: "api", id: assistant.id, role: "collector" };
    await expect(
      runner().decide(proposed.actionId, { decision: "approve" }, sameKeyOverRest),
    ).rejects.toThrow(ForbiddenError);
    expect(await sent(customer.id)).toEqual([]);
    const [still] = await db.select().from(actions).where(eq(actions.id, proposed.actionId));
    expect(still!.status).toBe("pending");
    expect(await runner().decide(proposed.actionId, { decision: "approve" }, DANA)).toMatchObject({
      status: "executed",
    });
  });

  it("a message approved after the send time its run chose goes out now, or at the next allowed local hour", async () => {
    const db = database.current.db;
    const balance = DEFAULT_POLICY.approval.largeBalanceMinor.default + 100;
    /** A large-balance message the nightly run queued for 09:00 in New York (13:00 UTC on 10 March). */
    const queued = async () => {
      const customer = await makeCustomer(db, { timezone: "America/New_York" });
      await makeContact(db, customer.id);
      const invoice = await makeInvoice(db, customer.id, { amountMinor: balance });
      const result = await runner(() => new Date("2026-03-10T06:00:00Z")).call(
        "send_message",
        {
          customerId: customer.id,
          channel: "email",
          subject: "Past due",
          body: largeBalanceEmail(invoice.externalRef, balance),
          invoiceIds: [invoice.id],
          scheduledFor: "2026-03-10T13:00:00Z",
        },
        { caller: AGENT },
      );
      if (result.status !== "pending_approval") throw new Error(JSON.stringify(result));
      return { customerId: customer.id, actionId: result.actionId };
    };
    const morning = await queued();
    const evening = await queued();

    // Approved at 10:00 in New York: sent now, not refused as "in the past".
    const atTen = await runner(() => new Date("2026-03-10T15:00:00Z")).decide(
      morning.actionId,
      { decision: "approve" },
      DANA,
    );
    expect(atTen).toMatchObject({ status: "executed" });
    expect((await sent(morning.customerId)).map((r) => r.occurredAt.toISOString())).toEqual([
      "2026-03-10T15:00:00.000Z",
    ]);
    // Approved at 22:00 in New York: outside the allowed hours, so 08:00 the next morning.
    const atTenAtNight = await runner(() => new Date("2026-03-11T03:00:00Z")).decide(
      evening.actionId,
      { decision: "approve" },
      DANA,
    );
    expect(atTenAtNight).toMatchObject({ status: "executed" });
    expect((await sent(evening.customerId)).map((r) => r.occurredAt.toISOString())).toEqual([
      "2026-03-11T12:00:00.000Z",
    ]);
    const audit = await db.select().from(auditLog).where(eq(auditLog.actionId, evening.actionId));
    expect(audit.find((a) => a.event === "action.approved")?.data).toMatchObject({
      refreshedInput: { scheduledFor: "2026-03-11T12:00:00.000Z" },
    });
  });

  it("approve executes the original action and records who decided", async () => {
    const { customer, actionId } = await pendingLargeMessage();
    const result = await runner().decide(actionId, { decision: "approve", note: "ok to send" }, DANA);
    expect(result).toMatchObject({ status: "executed", actionId });
    expect(await sent(customer.id)).toHaveLength(1);
    const [action] = await database.current.db.select().from(actions).where(eq(actions.id, actionId));
    expect(action).toMatchObject({
      status: "executed",
      decidedBy: "api:dana",
      decisionNote: "ok to send",
      editedInput: null,
    });
    const events = await database.current.db.select().from(auditLog).where(eq(auditLog.actionId, actionId));
    expect(events.map((e) => e.event)).toEqual(["action.proposed", "action.approved", "action.executed"]);
  });

  it("edit executes the edited input, re-checked by every rule", async () => {
    const { customer, input, actionId } = await pendingLargeMessage();
    const edited = { ...input, subject: "A friendly reminder" };
    const result = await runner().decide(
      actionId,
      { decision: "edit", editedInput: edited, note: "softer subject" },
      DANA,
    );
    expect(result.status).toBe("executed");
    const [message] = await sent(customer.id);
    expect(message!.subject).toBe("A friendly reminder");
    const [action] = await database.current.db.select().from(actions).where(eq(actions.id, actionId));
    expect(action!.editedInput).toMatchObject({ subject: "A friendly reminder" });
  });

  it("an edit that breaks a rule is blocked at execution and sends nothing", async () => {
    const { customer, invoice, balance, input, actionId } = await pendingLargeMessage();
    const threatening = {
      ...input,
      body: largeBalanceEmail(invoice.externalRef, balance, " Pay today or we will have you arrested."),
    };
    const result = await runner().decide(actionId, { decision: "edit", editedInput: threatening }, DANA);
    expect(result.status).toBe("blocked");
    if (result.status === "blocked")
      expect(result.reasons.map((r) => r.ruleId)).toContain("content.forbidden_language");
    expect(await sent(customer.id)).toHaveLength(0);
    const [action] = await database.current.db.select().from(actions).where(eq(actions.id, actionId));
    expect(action!.status).toBe("failed");
  });

  it("an edit with invalid input is refused naming the field and leaves the action pending", async () => {
    const { input, actionId } = await pendingLargeMessage();
    const before = await ledgerCounts(database.current.db);
    const result = await runner().decide(
      actionId,
      { decision: "edit", editedInput: { ...input, channel: "pigeon" } },
      DANA,
    );
    expect(result).toMatchObject({ status: "invalid", issues: [{ path: "channel" }] });
    expect(await ledgerCounts(database.current.db)).toEqual(before);
    const [action] = await database.current.db.select().from(actions).where(eq(actions.id, actionId));
    expect(action!.status).toBe("pending");
  });

  it("an edit may not move the action to another customer", async () => {
    const { input, actionId } = await pendingLargeMessage();
    const other = await makeCustomer(database.current.db);
    await makeContact(database.current.db, other.id);
    const result = await runner().decide(
      actionId,
      { decision: "edit", editedInput: { ...input, customerId: other.id, invoiceIds: [] } },
      DANA,
    );
    expect(result.status).toBe("invalid");
  });

  it("reject records the collector's reason and performs nothing; a reject needs a reason", async () => {
    const { customer, actionId } = await pendingLargeMessage();
    expect(await runner().decide(actionId, { decision: "reject", note: " " }, DANA)).toMatchObject({
      status: "invalid",
      issues: [{ path: "note" }],
    });
    const result = await runner().decide(
      actionId,
      { decision: "reject", note: "customer paid by phone" },
      DANA,
    );
    expect(result).toMatchObject({ status: "rejected", note: "customer paid by phone" });
    expect(await sent(customer.id)).toHaveLength(0);
    const [action] = await database.current.db.select().from(actions).where(eq(actions.id, actionId));
    expect(action).toMatchObject({
      status: "rejected",
      decisionNote: "customer paid by phone",
      decidedBy: "api:dana",
    });
  });

  it("two concurrent decisions: exactly one wins, the other gets a clear conflict", async () => {
    const { customer, actionId } = await pendingLargeMessage();
    const outcomes = await Promise.allSettled([
      runner().decide(actionId, { decision: "approve" }, DANA),
      runner().decide(actionId, { decision: "reject", note: "no" }, LEE),
    ]);
    const won = outcomes.filter((o) => o.status === "fulfilled");
    const lost = outcomes.filter((o) => o.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const reason = (lost[0] as PromiseRejectedResult).reason;
    expect(reason).toBeInstanceOf(ConflictError);
    expect(String(reason.message)).toMatch(/already (executed|rejected) by api:(dana|lee)/);
    const messages = await sent(customer.id);
    const [action] = await database.current.db.select().from(actions).where(eq(actions.id, actionId));
    expect(messages).toHaveLength(action!.status === "executed" ? 1 : 0);
  });

  it("an approval after its expiry marks the action expired and performs nothing", async () => {
    const { customer, actionId } = await pendingLargeMessage();
    const late = new Date(NOW.getTime() + (DEFAULT_POLICY.approval.expiryHours + 1) * 3_600_000);
    const result = await runner(() => late).decide(actionId, { decision: "approve" }, DANA);
    expect(result).toMatchObject({ status: "expired", actionId });
    expect(await sent(customer.id)).toHaveLength(0);
    await expect(runner().decide(actionId, { decision: "approve" }, DANA)).rejects.toThrow(/already expired/);
  });

  it("policy is the last word: an approved action is refused if the facts changed since", async () => {
    const { customer, actionId } = await pendingLargeMessage();
    await database.current.db
      .update(customers)
      .set({ ceaseCommunicationAt: NOW })
      .where(eq(customers.id, customer.id));
    const result = await runner().decide(actionId, { decision: "approve" }, DANA);
    expect(result.status).toBe("blocked");
    if (result.status === "blocked")
      expect(result.reasons.map((r) => r.ruleId)).toContain("account.cease_communication");
    expect(await sent(customer.id)).toHaveLength(0);
  });

  it("an MCP client's proposal is sent once a collector approves it, and still judged by every other rule", async () => {
    const db = database.current.db;
    const customer = await makeCustomer(db);
    await makeContact(db, customer.id);
    const invoice = await makeInvoice(db, customer.id, { amountMinor: 20_000 });
    const input = {
      customerId: customer.id,
      channel: "email",
      body: largeBalanceEmail(invoice.externalRef, 20_000),
      invoiceIds: [invoice.id],
    };
    const proposed = await runner().call("send_message", input, {
      caller: { kind: "mcp", id: "desktop", role: "collector" },
    });
    if (proposed.status !== "pending_approval") throw new Error(JSON.stringify(proposed));
    expect(proposed.reasons.map((r) => r.ruleId)).toEqual(["caller.role"]);
    expect(await runner().decide(proposed.actionId, { decision: "approve" }, DANA)).toMatchObject({
      status: "executed",
    });
    expect(await sent(customer.id)).toHaveLength(1);
  });

  it("only collectors and admins decide; agents, MCP clients and viewers cannot", async () => {
    const { actionId } = await pendingLargeMessage();
    for (const by of [
      AGENT,
      { kind: "mcp", id: "desk", role: "collector" },
      { kind: "api", id: "v", role: "viewer" },
    ] as Caller[]) {
      await expect(runner().decide(actionId, { decision: "approve" }, by)).rejects.toBeInstanceOf(
        ForbiddenError,
      );
    }
    await expect(
      runner().decide("00000000-0000-4000-8000-000000000000", { decision: "approve" }, DANA),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});
