// The runner is the one write path: every outcome it can have, on a real database.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { formatAmount } from "../../db/money.ts";
import { actions, auditLog, communications, customers, invoices, tasks } from "../../db/schema.ts";
import { DEFAULT_POLICY } from "../../policies/index.ts";
import type { Caller } from "../../policies/types.ts";
import { defineTool } from "../../tools/define.ts";
import { ALL_TOOLS } from "../../tools/registry.ts";
import { ToolRunner } from "../../tools/runner.ts";
import { useTestDatabase } from "../support/db.ts";
import { ledgerCounts, makeContact, makeCustomer, makeInvoice } from "../support/fixtures.ts";

const database = useTestDatabase();
// 15:00 UTC is 10:00 in New York: inside the 08:00–21:00 contact window.
const NOW = new Date("2026-03-10T15:00:00Z");
const AGENT: Caller = { kind: "agent", id: "collection", role: "agent" };
const COLLECTOR: Caller = { kind: "api", id: "dana", role: "collector" };

function runner(extraTools: Parameters<typeof defineTool>[0][] = []) {
  return new ToolRunner({
    db: database.current.db,
    policy: DEFAULT_POLICY,
    tools: [...ALL_TOOLS, ...(extraTools as never[])],
    clock: () => NOW,
  });
}

function collectionEmail(refs: string[], balanceMinor: number, currency = "USD") {
  return [
    `Invoices ${refs.join(", ")} totalling ${formatAmount(balanceMinor, currency)} ${currency} are past due.`,
    `Pay at ${DEFAULT_POLICY.content.payLink.baseUrl}inv/${refs[0]}`,
    DEFAULT_POLICY.content.optOut.email!.text,
  ].join("\n");
}

/** A lawful collection email about one invoice of 125,000 minor units. */
function reminderEmail(customerId: string, invoice: { id: string; externalRef: string }) {
  return {
    customerId,
    channel: "email",
    body: collectionEmail([invoice.externalRef], 125_000),
    invoiceIds: [invoice.id],
  };
}

async function account(values: Partial<typeof customers.$inferInsert> = {}, amountMinor = 125_000) {
  const db = database.current.db;
  const customer = await makeCustomer(db, values);
  const contact = await makeContact(db, customer.id);
  const invoice = await makeInvoice(db, customer.id, { amountMinor });
  return { customer, contact, invoice };
}

describe("the tool runner", () => {
  it("rejects bad input naming the field, and writes nothing", async () => {
    const { customer } = await account();
    const before = await ledgerCounts(database.current.db);
    const result = await runner().call(
      "record_promise_to_pay",
      {
        customerId: customer.id,
        invoiceIds: [],
        amountMinor: 12.5,
        currency: "usd",
        promisedDate: "next week",
        source: "customer",
      },
      { caller: AGENT },
    );
    expect(result.status).toBe("invalid");
    const paths = result.status === "invalid" ? result.issues.map((i) => i.path) : [];
    expect(paths).toEqual(expect.arrayContaining(["invoiceIds", "amountMinor", "currency", "promisedDate"]));
    expect(await ledgerCounts(database.current.db)).toEqual(before);
  });

  it("rejects input that is wrong against the ledger, naming the field, and writes nothing", async () => {
    const { customer } = await account();
    const other = await account();
    const before = await ledgerCounts(database.current.db);
    const result = await runner().call(
      "send_message",
      { customerId: customer.id, channel: "email", body: "x", invoiceIds: [other.invoice.id] },
      { caller: AGENT, now: NOW },
    );
    expect(result).toMatchObject({ status: "invalid", issues: [{ path: "invoiceIds.0" }] });
    expect(await ledgerCounts(database.current.db)).toEqual(before);
  });

  it("executes an allowed action in one transaction with its action row and audit entry", async () => {
    const { customer, invoice, contact } = await account();
    const result = await runner().call(
      "send_message",
      {
        customerId: customer.id,
        channel: "email",
        subject: "Past due",
        body: collectionEmail([invoice.externalRef], 125_000),
        invoiceIds: [invoice.id],
      },
      { caller: AGENT },
    );
    expect(result).toMatchObject({
      status: "executed",
      replayed: false,
      output: { status: "queued", contactId: contact.id },
    });
    if (result.status !== "executed") return;
    const [action] = await database.current.db.select().from(actions).where(eq(actions.id, result.actionId));
    expect(action).toMatchObject({
      status: "executed",
      verdict: "allow",
      policyVersion: DEFAULT_POLICY.version,
      tool: "send_message",
    });
    const queued = await database.current.db
      .select()
      .from(communications)
      .where(eq(communications.actionId, result.actionId));
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ status: "queued", direction: "outbound", channel: "email" });
    const audit = await database.current.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.actionId, result.actionId));
    expect(audit.map((a) => a.event)).toEqual(["action.executed"]);
  });

  it("blocks a denied action: records it with the rule that denied it and changes nothing else", async () => {
    const { customer, invoice } = await account({ bankruptcyFiledAt: new Date("2026-02-01T00:00:00Z") });
    const before = await ledgerCounts(database.current.db);
    const result = await runner().call(
      "send_message",
      {
        customerId: customer.id,
        channel: "email",
        body: collectionEmail([invoice.externalRef], 125_000),
        invoiceIds: [invoice.id],
      },
      { caller: AGENT },
    );
    expect(result.status).toBe("blocked");
    if (result.status !== "blocked") return;
    expect(result.reasons.map((r) => r.ruleId)).toContain("account.bankruptcy");
    expect(result.reasons.find((r) => r.ruleId === "account.bankruptcy")?.citation).toMatch(/362/);
    const after = await ledgerCounts(database.current.db);
    expect(after.communications).toBe(before.communications);
    expect(after.actions).toBe(before.actions! + 1);
    expect(after.audit_log).toBe(before.audit_log! + 1);
    const [action] = await database.current.db.select().from(actions).where(eq(actions.id, result.actionId));
    expect(action).toMatchObject({ status: "blocked", verdict: "deny" });
  });

  it("queues an action that needs approval without performing it", async () => {
    const { customer, invoice } = await account();
    const result = await runner().call(
      "escalate_to_legal",
      { customerId: customer.id, invoiceIds: [invoice.id], reason: "90 days past due, no response" },
      { caller: AGENT },
    );
    expect(result.status).toBe("pending_approval");
    if (result.status !== "pending_approval") return;
    expect(result.reasons.map((r) => r.ruleId)).toContain("legal.escalation_approval");
    const [row] = await database.current.db.select().from(customers).where(eq(customers.id, customer.id));
    expect(row!.legalEscalatedAt).toBeNull();
    const [action] = await database.current.db.select().from(actions).where(eq(actions.id, result.actionId));
    expect(action!.expiresAt!.getTime()).toBe(
      NOW.getTime() + DEFAULT_POLICY.approval.expiryHours * 3_600_000,
    );
  });

  it("runs the same idempotency key once and returns the first result", async () => {
    const { customer } = await account();
    const input = { customerId: customer.id, kind: "call", title: "Call about March invoices" };
    const first = await runner().call("create_task", input, { caller: AGENT, idempotencyKey: "run:1:task" });
    const second = await runner().call(
      "create_task",
      { ...input, title: "A different title" },
      { caller: AGENT, idempotencyKey: "run:1:task" },
    );
    expect(first).toMatchObject({ status: "executed", replayed: false });
    expect(second).toMatchObject({ status: "executed", replayed: true });
    if (first.status !== "executed" || second.status !== "executed") return;
    expect(second.output).toEqual(first.output);
    expect(second.actionId).toBe(first.actionId);
    const rows = await database.current.db.select().from(tasks).where(eq(tasks.customerId, customer.id));
    expect(rows).toHaveLength(1);
  });

  it("replays a call that could not be proposed again: resolving a resolved dispute under its first key", async () => {
    const { invoice } = await account();
    const opened = await runner().call(
      "open_dispute",
      { invoiceId: invoice.id, category: "pricing", description: "Price is wrong" },
      { caller: COLLECTOR },
    );
    const disputeId = opened.status === "executed" ? (opened.output as { disputeId: string }).disputeId : "";
    const resolve = { disputeId, outcome: "rejected", resolution: "Price matches the contract" };
    const first = await runner().call("resolve_dispute", resolve, {
      caller: COLLECTOR,
      idempotencyKey: "resolve:1",
    });
    expect(first).toMatchObject({ status: "executed", replayed: false });
    // The dispute is resolved now, so the tool refuses to propose it again; the key's first outcome stands.
    const again = await runner().call("resolve_dispute", resolve, {
      caller: COLLECTOR,
      idempotencyKey: "resolve:1",
    });
    expect(again).toMatchObject({ status: "executed", replayed: true });
    if (first.status === "executed" && again.status === "executed")
      expect(again.actionId).toBe(first.actionId);
    // Under another key it is a new call, and invalid.
    const other = await runner().call("resolve_dispute", resolve, {
      caller: COLLECTOR,
      idempotencyKey: "resolve:2",
    });
    expect(other).toMatchObject({ status: "invalid", issues: [{ path: "disputeId" }] });
  });

  it("derives a key from the content when none is given, so a retried call has one effect", async () => {
    const { customer } = await account();
    const input = { customerId: customer.id, kind: "review", title: "Review credit limit" };
    await runner().call("create_task", input, { caller: COLLECTOR });
    const again = await runner().call("create_task", input, { caller: COLLECTOR });
    expect(again).toMatchObject({ status: "executed", replayed: true });
    expect(
      await database.current.db.select().from(tasks).where(eq(tasks.customerId, customer.id)),
    ).toHaveLength(1);
  });

  it("gives concurrent calls with one key a single effect", async () => {
    const { customer } = await account();
    const input = { customerId: customer.id, kind: "call", title: "Concurrent" };
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        runner().call("create_task", input, { caller: AGENT, idempotencyKey: "race:1" }),
      ),
    );
    expect(results.every((r) => r.status === "executed")).toBe(true);
    expect(new Set(results.map((r) => (r.status === "executed" ? r.actionId : "")))).toHaveProperty(
      "size",
      1,
    );
    expect(results.filter((r) => r.status === "executed" && !r.replayed)).toHaveLength(1);
    expect(
      await database.current.db.select().from(tasks).where(eq(tasks.customerId, customer.id)),
    ).toHaveLength(1);
  });

  it("rolls back every row of a tool that fails midway, records the failure, and lets the same key retry", async () => {
    const { customer } = await account();
    let failNext = true;
    const flaky = defineTool({
      name: "flaky_task",
      description: "creates a task, then fails while the flag is set",
      effect: "write",
      input: z.object({ customerId: z.string() }),
      async propose(input) {
        return { kind: "task", customerId: input.customerId };
      },
      async run(input, tx, ctx) {
        await tx
          .insert(tasks)
          .values({ customerId: input.customerId, kind: "other", title: "half", actionId: ctx.actionId });
        if (failNext) throw new Error("disk on fire");
        return { ok: true };
      },
    });
    const r = runner([flaky as never]);
    const before = await ledgerCounts(database.current.db);
    const failed = await r.call(
      "flaky_task",
      { customerId: customer.id },
      { caller: AGENT, idempotencyKey: "flaky:1" },
    );
    expect(failed).toMatchObject({ status: "failed", error: "disk on fire" });
    const after = await ledgerCounts(database.current.db);
    expect(after.tasks).toBe(before.tasks);
    expect(after.actions).toBe(before.actions! + 1);
    failNext = false;
    const retried = await r.call(
      "flaky_task",
      { customerId: customer.id },
      { caller: AGENT, idempotencyKey: "flaky:1" },
    );
    expect(retried).toMatchObject({ status: "executed", replayed: false });
    expect((await ledgerCounts(database.current.db)).tasks).toBe(before.tasks! + 1);
  });

  it("lets the database refuse an over-application and leaves no partial rows", async () => {
    const db = database.current.db;
    const { customer, invoice } = await account({}, 100_000);
    const { makePayment } = await import("../support/fixtures.ts");
    const payment = await makePayment(db, { customerId: customer.id, amountMinor: 100_000 });
    const second = await makePayment(db, { customerId: customer.id, amountMinor: 100_000 });
    // Two payments each try to settle the whole invoice, concurrently: one wins, the other is refused.
    const results = await Promise.all(
      [payment, second].map((p) =>
        runner().call(
          "apply_payment",
          { paymentId: p.id, applications: [{ invoiceId: invoice.id, amountMinor: 100_000 }] },
          { caller: AGENT },
        ),
      ),
    );
    expect(results.filter((r) => r.status === "executed")).toHaveLength(1);
    const loser = results.find((r) => r.status !== "executed")!;
    expect(["invalid", "failed"]).toContain(loser.status);
    const [after] = await db.select().from(invoices).where(eq(invoices.id, invoice.id));
    expect(after).toMatchObject({ paidMinor: 100_000, balanceMinor: 0 });
  });

  it("refuses a viewer's write with the caller.role rule", async () => {
    const { customer } = await account();
    const result = await runner().call(
      "create_task",
      { customerId: customer.id, kind: "call", title: "x" },
      { caller: { kind: "api", id: "ro", role: "viewer" } },
    );
    expect(result.status).toBe("blocked");
    if (result.status === "blocked") expect(result.reasons.map((r) => r.ruleId)).toContain("caller.role");
  });

  it("lets an MCP client propose an outreach but never send it", async () => {
    const { customer, invoice } = await account();
    const result = await runner().call(
      "send_message",
      {
        customerId: customer.id,
        channel: "email",
        body: collectionEmail([invoice.externalRef], 125_000),
        invoiceIds: [invoice.id],
      },
      { caller: { kind: "mcp", id: "claude-desktop", role: "collector" } },
    );
    expect(result.status).toBe("pending_approval");
    expect(
      await database.current.db
        .select()
        .from(communications)
        .where(eq(communications.customerId, customer.id)),
    ).toHaveLength(0);
  });
});

describe("facts the runner loads", () => {
  it("sees a live dispute, so a reminder about a disputed invoice is refused; a resolved one is not", async () => {
    const { customer, invoice } = await account();
    const r = runner();
    const opened = await r.call(
      "open_dispute",
      { invoiceId: invoice.id, category: "pricing", description: "Price is wrong" },
      { caller: COLLECTOR },
    );
    expect(opened.status).toBe("executed");
    const message = reminderEmail(customer.id, invoice);
    const refused = await r.call("send_message", message, { caller: AGENT, idempotencyKey: "disputed:1" });
    expect(refused.status).toBe("blocked");
    if (refused.status === "blocked")
      expect(refused.reasons.map((x) => x.ruleId)).toContain("invoice.disputed");
    const disputeId = opened.status === "executed" ? (opened.output as { disputeId: string }).disputeId : "";
    await r.call(
      "resolve_dispute",
      { disputeId, outcome: "rejected", resolution: "Price matches the contract" },
      { caller: COLLECTOR },
    );
    expect(
      await r.call("send_message", message, { caller: AGENT, idempotencyKey: "disputed:2" }),
    ).toMatchObject({ status: "executed" });
  });

  it("counts earlier messages, so the minimum gap between emails holds", async () => {
    const { customer, invoice } = await account();
    const message = reminderEmail(customer.id, invoice);
    expect(
      await runner().call("send_message", message, { caller: AGENT, idempotencyKey: "gap:1" }),
    ).toMatchObject({ status: "executed" });
    const again = await runner().call("send_message", message, { caller: AGENT, idempotencyKey: "gap:2" });
    expect(again.status).toBe("blocked");
    if (again.status === "blocked") expect(again.reasons.map((x) => x.ruleId)).toContain("contact.min_gap");
    const tomorrow = new Date(NOW.getTime() + 25 * 3_600_000);
    expect(
      await runner().call("send_message", message, { caller: AGENT, idempotencyKey: "gap:3", now: tomorrow }),
    ).toMatchObject({ status: "executed" });
  });

  it("judges messages racing for one account one after the other: the lock makes each see those before it", async () => {
    const { customer, invoice } = await account();
    const message = reminderEmail(customer.id, invoice);
    const results = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        runner().call("send_message", message, { caller: AGENT, idempotencyKey: `race-gap:${n}` }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual(["blocked", "blocked", "blocked", "executed"]);
    for (const r of results)
      if (r.status === "blocked") expect(r.reasons.map((x) => x.ruleId)).toContain("contact.min_gap");
    const sent = await database.current.db
      .select()
      .from(communications)
      .where(eq(communications.customerId, customer.id));
    expect(sent).toHaveLength(1);
  });
});

describe("scheduled messages", () => {
  it("are judged as of when they go out: a message queued at night for 09:00 local passes the local-time rule", async () => {
    const { customer, invoice } = await account();
    const night = new Date("2026-03-10T02:00:00Z"); // 22:00 the evening before, in New York
    const message = reminderEmail(customer.id, invoice);
    const now = await runner().call("send_message", message, {
      caller: AGENT,
      idempotencyKey: "sched:1",
      now: night,
    });
    expect(now.status).toBe("blocked");
    if (now.status === "blocked") expect(now.reasons.map((r) => r.ruleId)).toContain("contact.local_time");
    const scheduled = await runner().call(
      "send_message",
      { ...message, scheduledFor: "2026-03-10T13:00:00Z" },
      { caller: AGENT, idempotencyKey: "sched:2", now: night },
    );
    expect(scheduled).toMatchObject({
      status: "executed",
      output: { scheduledFor: "2026-03-10T13:00:00.000Z" },
    });
    const [queued] = await database.current.db
      .select()
      .from(communications)
      .where(eq(communications.customerId, customer.id));
    expect(queued!.occurredAt.toISOString()).toBe("2026-03-10T13:00:00.000Z");
    expect(
      await runner().call(
        "send_message",
        { ...message, scheduledFor: "2026-03-01T13:00:00Z" },
        { caller: AGENT, idempotencyKey: "sched:3", now: night },
      ),
    ).toMatchObject({
      status: "invalid",
      issues: [{ path: "scheduledFor" }],
    });
  });
});

describe("preview", () => {
  it("judges a write exactly as call would, and writes nothing", async () => {
    const { customer, invoice } = await account({ bankruptcyFiledAt: new Date("2026-02-01T00:00:00Z") });
    const before = await ledgerCounts(database.current.db);
    const message = reminderEmail(customer.id, invoice);
    const previewed = await runner().preview("send_message", message, { caller: AGENT });
    expect(previewed.status).toBe("judged");
    if (previewed.status === "judged") {
      expect(previewed.verdict.verdict).toBe("deny");
      expect(previewed.verdict.reasons.map((r) => r.ruleId)).toContain("account.bankruptcy");
    }
    expect(
      await runner().preview(
        "create_task",
        { customerId: customer.id, kind: "call", title: "t" },
        { caller: AGENT },
      ),
    ).toMatchObject({
      status: "judged",
      verdict: { verdict: "allow" },
    });
    expect(await runner().preview("create_task", { customerId: "nope" }, { caller: AGENT })).toMatchObject({
      status: "invalid",
    });
    expect(await ledgerCounts(database.current.db)).toEqual(before);
  });
});
