// The supervisor end to end on a real database: routing, durable approval pauses across a restart,
// approve / edit / reject, idempotent re-runs and dry runs.
import { Command, MemorySaver } from "@langchain/langgraph";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { Brain } from "../../agents/brain.ts";
import { openCheckpointer } from "../../agents/checkpointer.ts";
import { rulesBrain } from "../../agents/rules-brain.ts";
import { type ApprovalRequest, buildSupervisor, threadIdFor } from "../../agents/supervisor.ts";
import { actions, communications, type customers, invoices, paymentPlans } from "../../db/schema.ts";
import { DEFAULT_POLICY, type PolicyDocument } from "../../policies/index.ts";
import type { Caller } from "../../policies/types.ts";
import { decideAction } from "../../server/approvals.ts";
import { runAccounts } from "../../server/run.ts";
import { loadAccountSnapshots } from "../../tools/read/account-snapshot.ts";
import type { AccountSnapshot, PlannedCall } from "../../tools/read/account-snapshot-types.ts";
import { pendingApprovalKeys } from "../../tools/read/pending-approvals.ts";
import { ALL_TOOLS } from "../../tools/registry.ts";
import { ToolRunner } from "../../tools/runner.ts";
import { useTestDatabase } from "../support/db.ts";
import { ledgerCounts, makeContact, makeCustomer, makeInvoice, makePayment } from "../support/fixtures.ts";

const database = useTestDatabase();
const AS_OF = "2026-03-10";
const NOW = `${AS_OF}T06:00:00.000Z`;
const DANA: Caller = { kind: "api", id: "dana", role: "collector" };

const runner = () =>
  new ToolRunner({
    db: database.current.db,
    policy: DEFAULT_POLICY,
    tools: ALL_TOOLS,
    clock: () => new Date(NOW),
  });
const arc = () => ({
  database: database.current,
  policy: DEFAULT_POLICY,
  runner: runner(),
  close: async () => {},
});

/** A business account in New York with one invoice `daysOverdue` past due. */
async function overdueAccount(
  amountMinor: number,
  daysOverdue: number,
  values: Partial<typeof customers.$inferInsert> = {},
) {
  const db = database.current.db;
  const customer = await makeCustomer(db, { paymentTermsDays: 30, ...values });
  await makeContact(db, customer.id, { email: `ap-${customer.externalRef.toLowerCase()}@example.com` });
  const due = new Date(Date.parse(`${AS_OF}T00:00:00Z`) - daysOverdue * 86_400_000)
    .toISOString()
    .slice(0, 10);
  const issue = new Date(Date.parse(`${due}T00:00:00Z`) - 30 * 86_400_000).toISOString().slice(0, 10);
  const invoice = await makeInvoice(db, customer.id, { amountMinor, dueDate: due, issueDate: issue });
  return { customer, invoice };
}

const messagesTo = (customerId: string) =>
  database.current.db.select().from(communications).where(eq(communications.customerId, customerId));

async function invokeFor(customerId: string, runId: string, supervisor: ReturnType<typeof buildSupervisor>) {
  return supervisor.invoke(
    { customerId, asOf: AS_OF, now: NOW, runId, dryRun: false },
    { configurable: { thread_id: threadIdFor(runId, customerId) } },
  ) as Promise<
    Record<string, unknown> & {
      __interrupt__?: { value: ApprovalRequest }[];
      outcomes: { tool: string; status: string }[];
    }
  >;
}

describe("the supervisor", () => {
  it("works an overdue account: collection queues one message for 09:00 local, forecasting records predictions", async () => {
    const { customer, invoice } = await overdueAccount(45_000, 20);
    const supervisor = buildSupervisor({ runner: runner(), brain: rulesBrain });
    const state = await invokeFor(customer.id, "11111111-1111-4111-8111-111111111111", supervisor);
    expect(state.__interrupt__ ?? []).toEqual([]);
    expect((state.plan as { steps: string[] }).steps).toEqual(["collection", "forecasting"]);
    const executed = state.outcomes.filter((o) => o.status === "executed").map((o) => o.tool);
    expect(executed).toEqual(expect.arrayContaining(["send_message", "record_forecast"]));
    const [message] = await messagesTo(customer.id);
    expect(message).toMatchObject({ status: "queued", invoiceIds: [invoice.id] });
    // 09:00 in New York on 10 March 2026 (EDT) is 13:00 UTC.
    expect(message!.occurredAt.toISOString()).toBe("2026-03-10T13:00:00.000Z");
    const [after] = await database.current.db.select().from(invoices).where(eq(invoices.id, invoice.id));
    expect(after!.dunningLevel).toBeGreaterThan(0);
  });

  it("queues a run's message for the start of the policy's allowed hours when they open after 09:00", async () => {
    const { customer } = await overdueAccount(45_000, 20);
    const late = structuredClone(DEFAULT_POLICY) as PolicyDocument;
    late.contact.localTime = { ...late.contact.localTime, start: "10:30" };
    const lateRunner = new ToolRunner({
      db: database.current.db,
      policy: late,
      tools: ALL_TOOLS,
      clock: () => new Date(NOW),
    });
    const supervisor = buildSupervisor({ runner: lateRunner, brain: rulesBrain });
    const state = await invokeFor(customer.id, "11111111-1111-4111-8111-111111111112", supervisor);
    expect(state.outcomes.find((o) => o.tool === "send_message")?.status).toBe("executed");
    const [message] = await messagesTo(customer.id);
    // 10:30 in New York on 10 March 2026 (EDT) is 14:30 UTC; 09:00 would have been refused.
    expect(message!.occurredAt.toISOString()).toBe("2026-03-10T14:30:00.000Z");
  });

  it("pauses for approval durably: a restarted process sees the request and resumes it (approve, edit, reject)", async () => {
    const big = DEFAULT_POLICY.approval.largeBalanceMinor.default + 50_000;
    const accounts = await Promise.all([
      overdueAccount(big, 20),
      overdueAccount(big, 20),
      overdueAccount(big, 20),
    ]);
    const runId = "22222222-2222-4222-8222-222222222222";
    const first = await openCheckpointer(database.current.url);
    const paused = [];
    for (const { customer } of accounts) {
      const state = await invokeFor(
        customer.id,
        runId,
        buildSupervisor({ runner: runner(), brain: rulesBrain, checkpointer: first.saver }),
      );
      expect(state.__interrupt__, JSON.stringify(state.outcomes)).toHaveLength(1);
      paused.push(state.__interrupt__![0]!.value);
      expect(await messagesTo(customer.id)).toHaveLength(0);
    }
    await first.close();

    // A new process: new pool, new graph. Nothing was lost.
    const second = await openCheckpointer(database.current.url);
    const supervisor = buildSupervisor({ runner: runner(), brain: rulesBrain, checkpointer: second.saver });
    const config = (customerId: string) => ({ configurable: { thread_id: threadIdFor(runId, customerId) } });
    const requests: ApprovalRequest[] = [];
    for (const { customer } of accounts) {
      const state = await supervisor.getState(config(customer.id));
      const request = state.tasks.flatMap((t) => t.interrupts).map((i) => i.value as ApprovalRequest)[0]!;
      expect(request.actionRequests).toMatchObject([
        { name: "send_message", reasons: [{ ruleId: "approval.large_balance" }] },
      ]);
      expect(request.reviewConfigs).toEqual([
        { actionName: "send_message", allowedDecisions: ["approve", "edit", "reject"] },
      ]);
      requests.push(request);
    }
    const [approveId, editId, rejectId] = requests.map((r) => r.actionRequests[0]!.actionId);
    const edited = { ...requests[1]!.actionRequests[0]!.args, subject: "Edited by Dana" };
    await supervisor.invoke(
      new Command({ resume: { decisions: [{ actionId: approveId, type: "approve" }], by: DANA } }),
      config(accounts[0]!.customer.id),
    );
    await supervisor.invoke(
      new Command({
        resume: {
          decisions: [
            { actionId: editId, type: "edit", editedAction: { name: "send_message", args: edited } },
          ],
          by: DANA,
        },
      }),
      config(accounts[1]!.customer.id),
    );
    await supervisor.invoke(
      new Command({
        resume: {
          decisions: [{ actionId: rejectId, type: "reject", message: "customer is on the phone with sales" }],
          by: DANA,
        },
      }),
      config(accounts[2]!.customer.id),
    );
    expect(await messagesTo(accounts[0]!.customer.id)).toHaveLength(1);
    expect((await messagesTo(accounts[1]!.customer.id))[0]!.subject).toBe("Edited by Dana");
    expect(await messagesTo(accounts[2]!.customer.id)).toHaveLength(0);
    const [rejected] = await database.current.db.select().from(actions).where(eq(actions.id, rejectId!));
    expect(rejected).toMatchObject({
      status: "rejected",
      decisionNote: "customer is on the phone with sales",
      decidedBy: "api:dana",
    });
    for (const { customer } of accounts)
      expect((await supervisor.getState(config(customer.id))).next).toEqual([]);

    // The same run again does not retry the rejected proposal, nor re-send the others.
    for (const { customer } of accounts) {
      const again = await invokeFor(customer.id, runId, supervisor);
      expect(again.__interrupt__ ?? []).toEqual([]);
      const latest = again.outcomes.filter((o) => o.tool === "send_message").at(-1);
      expect(latest?.status).toMatch(/executed|rejected/);
    }
    expect(await messagesTo(accounts[2]!.customer.id)).toHaveLength(0);
    expect(await messagesTo(accounts[0]!.customer.id)).toHaveLength(1);
    await second.close();
  });
});

describe("the snapshot a specialist decides from", () => {
  /** A brain that keeps each specialist's snapshot, and a runner that keeps each snapshot read's input. */
  function observed(
    plan?: (specialist: string, snapshot: AccountSnapshot) => PlannedCall[] | undefined,
    beforeDeciding?: (specialist: string) => Promise<void>,
  ) {
    const seen = new Map<string, AccountSnapshot>();
    const brain: Brain = {
      ...rulesBrain,
      decide: async (specialist, snapshot, policy, context) => {
        seen.set(specialist, snapshot);
        await beforeDeciding?.(specialist);
        const calls = plan?.(specialist, snapshot);
        return calls ? { calls, notes: [] } : rulesBrain.decide(specialist, snapshot, policy, context);
      },
    };
    const reads: Record<string, unknown>[] = [];
    const spied = runner();
    const call = spied.call.bind(spied);
    spied.call = ((name: string, input: unknown, options: Parameters<typeof call>[2]) => {
      if (name === "account_snapshot") reads.push(input as Record<string, unknown>);
      return call(name, input, options);
    }) as typeof spied.call;
    return { seen, reads, supervisor: buildSupervisor({ runner: spied, brain }) };
  }
  const invokeCached = (customerId: string, runId: string, supervisor: ReturnType<typeof buildSupervisor>) =>
    supervisor.invoke(
      { customerId, asOf: AS_OF, now: NOW, runId, dryRun: false },
      { configurable: { thread_id: threadIdFor(runId, customerId), snapshots: {} } },
    );

  it("after a queued message, has the message and the dunning level read again, and the rest as it was", async () => {
    const { customer, invoice } = await overdueAccount(45_000, 20);
    const { seen, reads, supervisor } = observed();
    await invokeCached(customer.id, "77777777-7777-4777-8777-777777777771", supervisor);
    const before = seen.get("collection")!;
    const after = seen.get("forecasting")!;
    // Read once whole, then only the parts send_message changes.
    expect(reads).toEqual([
      { customerId: customer.id, asOf: AS_OF },
      { customerId: customer.id, asOf: AS_OF, parts: ["communications", "openInvoices"] },
    ]);
    expect(before.communications).toEqual([]);
    expect(after.communications).toMatchObject([{ status: "queued", invoiceIds: [invoice.id] }]);
    expect(after.openInvoices[0]!.dunningLevel).toBeGreaterThan(before.openInvoices[0]!.dunningLevel);
    expect(after.contacts).toBe(before.contacts);
    expect(after.paidInvoices).toBe(before.paidInvoices);
    // What a whole read would give now, part for part.
    const whole = (await loadAccountSnapshots(database.current.db, [customer.id], AS_OF, new Date(NOW))).get(
      customer.id,
    )!;
    expect(after).toEqual(whole);
  });

  it("after a payment is applied, has the payment and the invoices it paid read again, equal to a whole read", async () => {
    const db = database.current.db;
    const { customer, invoice } = await overdueAccount(45_000, 20);
    await makePayment(db, {
      customerId: customer.id,
      amountMinor: 45_000,
      receivedOn: "2026-03-09",
      remittanceText: `Payment of ${invoice.externalRef}`,
    });
    // Collection decides from the re-read snapshot: a whole read taken at that moment must equal it.
    let wholeThen: AccountSnapshot | undefined;
    const { seen, reads, supervisor } = observed(undefined, async (specialist) => {
      if (specialist === "collection")
        wholeThen = (await loadAccountSnapshots(db, [customer.id], AS_OF, new Date(NOW))).get(customer.id);
    });
    await invokeCached(customer.id, "77777777-7777-4777-8777-777777777774", supervisor);
    expect(reads[1]).toEqual({
      customerId: customer.id,
      asOf: AS_OF,
      parts: ["openInvoices", "paidInvoices", "unappliedPayments", "candidatePayments", "recentPayments"],
    });
    const decidedFrom = seen.get("collection");
    expect(decidedFrom?.unappliedPayments).toEqual([]);
    expect(decidedFrom?.openInvoices).toEqual([]);
    expect(decidedFrom).toEqual(wholeThen);
  });

  it("is read again whole after a tool that does not say what it changes", async () => {
    const { customer } = await overdueAccount(45_000, 20);
    const { seen, reads, supervisor } = observed((specialist, snapshot) =>
      specialist === "collection"
        ? [
            {
              tool: "create_task",
              input: {
                customerId: snapshot.customer.id,
                kind: "call",
                title: "Call about the overdue invoice",
              },
              key: "collection:task",
              why: "a person should call",
            },
          ]
        : undefined,
    );
    await invokeCached(customer.id, "77777777-7777-4777-8777-777777777772", supervisor);
    expect(seen.has("forecasting")).toBe(true);
    expect(reads).toEqual([
      { customerId: customer.id, asOf: AS_OF },
      { customerId: customer.id, asOf: AS_OF },
    ]);
  });

  it("is not read again when nothing executed (a dry run's verdicts)", async () => {
    const { customer } = await overdueAccount(45_000, 20);
    const { seen, reads, supervisor } = observed();
    const runId = "77777777-7777-4777-8777-777777777773";
    const state = (await supervisor.invoke(
      { customerId: customer.id, asOf: AS_OF, now: NOW, runId, dryRun: true },
      { configurable: { thread_id: threadIdFor(runId, customer.id), snapshots: {} } },
    )) as { outcomes: { tool: string; status: string }[] };
    expect(state.outcomes.find((o) => o.tool === "send_message")).toMatchObject({ status: "allow" });
    expect(seen.get("forecasting")).toBe(seen.get("collection"));
    expect(reads).toEqual([{ customerId: customer.id, asOf: AS_OF }]);
  });
});

describe("a payment-plan offer rides on the contact that carries it", () => {
  /** A consumer owing more than the large-balance threshold, at the firm level (plan offer due). */
  async function consumerAtFirmLevel() {
    const big = DEFAULT_POLICY.approval.largeBalanceMinor.default + 200_000;
    const { customer, invoice } = await overdueAccount(big, 16, { isConsumer: true });
    await database.current.db.update(invoices).set({ dunningLevel: 3 }).where(eq(invoices.id, invoice.id));
    return customer;
  }
  const plansOf = (customerId: string) =>
    database.current.db.select().from(paymentPlans).where(eq(paymentPlans.customerId, customerId));

  it("waits while its message is held for approval, is proposed once a collector approves it, and never if refused", async () => {
    const approved = await consumerAtFirmLevel();
    const refused = await consumerAtFirmLevel();
    const supervisor = buildSupervisor({
      runner: runner(),
      brain: rulesBrain,
      checkpointer: new MemorySaver(),
    });
    const runId = "33333333-3333-4333-8333-333333333333";
    const config = (customerId: string, run = runId) => ({
      configurable: { thread_id: threadIdFor(run, customerId) },
    });
    const held = [];
    for (const customer of [approved, refused]) {
      const state = await invokeFor(customer.id, runId, supervisor);
      const request = state.__interrupt__?.[0]?.value;
      expect(request?.actionRequests.map((r) => r.name)).toEqual(["send_message"]);
      expect(state.outcomes.find((o) => o.tool === "propose_payment_plan")).toMatchObject({
        status: "skipped",
        error: "waits for collection:message:L4",
      });
      expect(await plansOf(customer.id)).toEqual([]);
      held.push(request!.actionRequests[0]!.actionId);
    }

    // The next night's run while the message still waits: it is not queued twice, the offer still waits.
    const nextRunId = "44444444-4444-4444-8444-444444444444";
    const rerun = (await supervisor.invoke(
      {
        customerId: approved.id,
        asOf: "2026-03-11",
        now: "2026-03-11T06:00:00.000Z",
        runId: nextRunId,
        dryRun: false,
      },
      config(approved.id, nextRunId),
    )) as Awaited<ReturnType<typeof invokeFor>>;
    expect(rerun.__interrupt__ ?? []).toEqual([]);
    expect(
      rerun.outcomes.filter((o) => o.tool !== "record_forecast").map((o) => `${o.tool} ${o.status}`),
    ).toEqual(["send_message skipped", "propose_payment_plan skipped"]);
    expect(await plansOf(approved.id)).toEqual([]);

    await supervisor.invoke(
      new Command({ resume: { decisions: [{ actionId: held[0], type: "approve" }], by: DANA } }),
      config(approved.id),
    );
    expect((await supervisor.getState(config(approved.id))).next).toEqual([]);
    expect(await messagesTo(approved.id)).toHaveLength(1);
    const [offer] = await plansOf(approved.id);
    expect(offer).toMatchObject({
      status: "proposed",
      totalMinor: DEFAULT_POLICY.approval.largeBalanceMinor.default + 200_000,
    });

    await supervisor.invoke(
      new Command({
        resume: { decisions: [{ actionId: held[1], type: "reject", message: "not now" }], by: DANA },
      }),
      config(refused.id),
    );
    expect(await messagesTo(refused.id)).toHaveLength(0);
    expect(await plansOf(refused.id)).toEqual([]);
  });
});

describe("a worker's batch reads", () => {
  it("find the approvals still waiting (not expired, not decided), and the supervisor then asks nobody and queues nothing twice", async () => {
    const db = database.current.db;
    const big = DEFAULT_POLICY.approval.largeBalanceMinor.default + 200_000;
    const { customer } = await overdueAccount(big, 16, { isConsumer: true });
    await db.update(invoices).set({ dunningLevel: 3 }).where(eq(invoices.customerId, customer.id));
    const quiet = await overdueAccount(5_000, 3);
    const first = await invokeFor(
      customer.id,
      "55555555-5555-4555-8555-555555555555",
      buildSupervisor({ runner: runner(), brain: rulesBrain, checkpointer: new MemorySaver() }),
    );
    const heldId = first.__interrupt__?.[0]?.value.actionRequests[0]?.actionId;
    const [held] = await db.select().from(actions).where(eq(actions.id, heldId!));
    // The quiet account has an approval that expired and one already decided: neither waits.
    const stale = {
      tool: "send_message",
      input: {},
      customerId: quiet.customer.id,
      verdict: "needs_approval",
      policyVersion: "v",
      caller: DANA,
    };
    await db.insert(actions).values([
      { ...stale, idempotencyKey: "expired", status: "pending", expiresAt: new Date("2026-03-10T00:00:00Z") },
      { ...stale, idempotencyKey: "decided", status: "rejected" },
    ]);
    const now = new Date("2026-03-11T06:00:00.000Z");
    const waiting = await pendingApprovalKeys(db, [customer.id, quiet.customer.id], now);
    expect(waiting).toEqual(
      new Map([
        [customer.id, [held!.idempotencyKey]],
        [quiet.customer.id, []],
      ]),
    );

    // The next night, with the batch's reads: no pending_approvals call, the held message not queued again.
    const asked: string[] = [];
    const spied = runner();
    const call = spied.call.bind(spied);
    spied.call = ((
      name: string,
      ...rest: Parameters<typeof call> extends [string, ...infer R] ? R : never
    ) => {
      asked.push(name);
      return call(name, ...rest);
    }) as typeof spied.call;
    const nightly = buildSupervisor({ runner: spied, brain: rulesBrain, checkpointer: new MemorySaver() });
    const snapshots = await loadAccountSnapshots(db, [customer.id], "2026-03-11", now);
    const nextRunId = "66666666-6666-4666-8666-666666666666";
    const rerun = (await nightly.invoke(
      {
        customerId: customer.id,
        asOf: "2026-03-11",
        now: now.toISOString(),
        runId: nextRunId,
        dryRun: false,
      },
      {
        configurable: {
          thread_id: threadIdFor(nextRunId, customer.id),
          snapshots: { current: snapshots.get(customer.id), pendingApprovalKeys: waiting.get(customer.id) },
        },
      },
    )) as Awaited<ReturnType<typeof invokeFor>>;
    expect(rerun.outcomes.find((o) => o.tool === "send_message")).toMatchObject({
      status: "skipped",
      error: `already waiting for approval (${held!.idempotencyKey})`,
    });
    expect(asked).not.toContain("pending_approvals");
    expect(asked).not.toContain("account_snapshot");
    // Without them, the supervisor reads for itself.
    await nightly.invoke(
      {
        customerId: quiet.customer.id,
        asOf: "2026-03-11",
        now: now.toISOString(),
        runId: nextRunId,
        dryRun: false,
      },
      { configurable: { thread_id: threadIdFor(nextRunId, quiet.customer.id) } },
    );
    expect(asked).toContain("pending_approvals");
    expect(await messagesTo(customer.id)).toHaveLength(0);
  });
});

describe("a run", () => {
  it("previews without writing, then runs, and a second run for the same date sends nothing twice", async () => {
    const accounts = await Promise.all([
      overdueAccount(30_000, 16),
      overdueAccount(12_000, 40),
      overdueAccount(8_000, 2),
    ]);
    const refs = accounts.map((a) => a.customer.externalRef);
    const before = await ledgerCounts(database.current.db);
    const preview = await runAccounts(arc() as never, {
      asOf: AS_OF,
      customers: refs,
      concurrency: 2,
      dryRun: true,
      brain: rulesBrain,
    });
    expect(await ledgerCounts(database.current.db)).toEqual(before);
    expect(preview.report.accounts.total).toBe(3);
    const wouldSend = preview.accounts
      .flatMap((a) => a.outcomes)
      .filter((o) => o.tool === "send_message" && o.status === "allow");
    expect(wouldSend.length).toBeGreaterThan(0);

    const first = await runAccounts(arc() as never, {
      asOf: AS_OF,
      customers: refs,
      concurrency: 2,
      dryRun: false,
      brain: rulesBrain,
    });
    expect(first.report.accounts).toMatchObject({ total: 3, failed: 0 });
    expect(first.report.messagesQueued.email).toBe(wouldSend.length);
    const sentAfterFirst = await database.current.db.execute<{ n: number }>(
      sql`select count(*)::int as n from communications where direction = 'outbound'`,
    );
    const second = await runAccounts(arc() as never, {
      asOf: AS_OF,
      customers: refs,
      concurrency: 3,
      dryRun: false,
      brain: rulesBrain,
    });
    expect(second.runId).not.toBe(first.runId);
    const sentAfterSecond = await database.current.db.execute<{ n: number }>(
      sql`select count(*)::int as n from communications where direction = 'outbound'`,
    );
    expect(sentAfterSecond[0]!.n).toBe(sentAfterFirst[0]!.n);
    const replays = second.accounts.flatMap((a) => a.outcomes).filter((o) => o.status === "executed");
    expect(replays.every((o) => o.replayed)).toBe(true);
  });

  it("decides the same whatever the concurrency", async () => {
    const accounts = await Promise.all(
      Array.from({ length: 6 }, (_, i) => overdueAccount(5_000 + i * 1_000, 5 + i * 9)),
    );
    const refs = accounts.map((a) => a.customer.externalRef);
    const shape = (result: Awaited<ReturnType<typeof runAccounts>>) =>
      result.accounts.map(
        (a) => `${a.customerRef} ${a.outcomes.map((o) => `${o.key}=${o.status}`).join(",")}`,
      );
    const one = await runAccounts(arc() as never, {
      asOf: AS_OF,
      customers: refs,
      concurrency: 1,
      dryRun: true,
      brain: rulesBrain,
    });
    const four = await runAccounts(arc() as never, {
      asOf: AS_OF,
      customers: refs,
      concurrency: 4,
      dryRun: true,
      brain: rulesBrain,
    });
    expect(shape(four)).toEqual(shape(one));
    expect(one.accounts.flatMap((a) => a.outcomes).length).toBeGreaterThan(0);
  });

  it("a collector's decision resumes the paused account and the run item finishes", async () => {
    const big = DEFAULT_POLICY.approval.largeBalanceMinor.default + 80_000;
    const { customer } = await overdueAccount(big, 20);
    const run = await runAccounts(arc() as never, {
      asOf: AS_OF,
      customers: [customer.externalRef],
      concurrency: 1,
      dryRun: false,
      brain: rulesBrain,
    });
    expect(run.report.accounts.paused).toBe(1);
    expect(run.report.actions.queuedForApproval).toEqual({ send_message: 1 });
    const waiting = run.accounts[0]!.outcomes.find((o) => o.status === "pending_approval")!;
    const refused = await decideAction(
      arc() as never,
      rulesBrain,
      waiting.actionId!,
      { decision: "reject", note: " " },
      DANA,
    );
    expect(refused).toMatchObject({
      result: { status: "invalid", issues: [{ path: "note" }] },
      stillPaused: true,
    });
    const decided = await decideAction(
      arc() as never,
      rulesBrain,
      waiting.actionId!,
      { decision: "approve", note: "ok" },
      DANA,
    );
    expect(decided).toMatchObject({
      resumedThread: true,
      stillPaused: false,
      result: { status: "executed" },
    });
    expect(await messagesTo(customer.id)).toHaveLength(1);
    const [item] = await database.current.db.execute<{ status: string }>(
      sql`select status from run_items where run_id = ${run.runId} and customer_id = ${customer.id}`,
    );
    expect(item!.status).toBe("done");
  });

  it("selects customers by number or by id", async () => {
    const [a, b] = await Promise.all([overdueAccount(3_000, 12), overdueAccount(4_000, 12)]);
    const result = await runAccounts(arc() as never, {
      asOf: AS_OF,
      customers: [a.customer.externalRef, b.customer.id],
      concurrency: 1,
      dryRun: true,
      brain: rulesBrain,
    });
    expect(result.accounts.map((x) => x.customerId).sort()).toEqual([a.customer.id, b.customer.id].sort());
  });

  it("names customers it does not know", async () => {
    await expect(
      runAccounts(arc() as never, {
        asOf: AS_OF,
        customers: ["C-NOPE"],
        concurrency: 1,
        dryRun: true,
        brain: rulesBrain,
      }),
    ).rejects.toThrow('no customer "C-NOPE"');
  });
});

describe("run order", () => {
  it("works the riskiest accounts first", async () => {
    const db = database.current.db;
    const low = await overdueAccount(1_000, 3, { riskScore: 10 });
    const high = await overdueAccount(1_000, 3, { riskScore: 90 });
    const unscored = await overdueAccount(1_000, 3);
    const refs = [low, high, unscored].map((a) => a.customer.externalRef);
    // The report lists accounts by number; the work order is visible in run_items' start times.
    const run = await runAccounts(arc() as never, {
      asOf: AS_OF,
      customers: refs,
      concurrency: 1,
      dryRun: false,
      brain: rulesBrain,
    });
    const started = await db.execute<{ ref: string }>(
      sql`select c.external_ref as ref from run_items i join customers c on c.id = i.customer_id where i.run_id = ${run.runId} order by i.started_at`,
    );
    expect(started.map((r) => r.ref)).toEqual([
      high.customer.externalRef,
      low.customer.externalRef,
      unscored.customer.externalRef,
    ]);
  });
});
