// Read tools: what a collector, an MCP client or an agent sees.
import { describe, expect, it } from "vitest";
import { communications } from "../../db/schema.ts";
import { DEFAULT_POLICY } from "../../policies/index.ts";
import type { Caller } from "../../policies/types.ts";
import { ALL_TOOLS } from "../../tools/registry.ts";
import { type ToolResult, ToolRunner } from "../../tools/runner.ts";
import { useTestDatabase } from "../support/db.ts";
import { makeContact, makeCustomer, makeInvoice, makePayment } from "../support/fixtures.ts";

const database = useTestDatabase();
const NOW = new Date("2026-03-10T15:00:00Z");
const VIEWER: Caller = { kind: "api", id: "auditor", role: "viewer" };
const runner = () =>
  new ToolRunner({ db: database.current.db, policy: DEFAULT_POLICY, tools: ALL_TOOLS, clock: () => NOW });

function ok<O>(result: ToolResult): O {
  if (result.status !== "ok") throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result.output as O;
}

describe("account_overview", () => {
  it("puts each open invoice in its aging bucket per currency, with the bucket edges exact", async () => {
    const db = database.current.db;
    const customer = await makeCustomer(db, { name: "Aging Test Co" });
    await makeContact(db, customer.id);
    const due = (dueDate: string, amountMinor: number, currency = "USD") =>
      makeInvoice(db, customer.id, { dueDate, issueDate: "2025-06-01", amountMinor, currency });
    await due("2026-03-10", 1); // due today: current
    await due("2026-03-09", 10); // 1 day late
    await due("2026-02-08", 100); // 30 days late: still 1-30
    await due("2026-02-07", 1_000); // 31 days: 31-60
    await due("2026-01-09", 10_000); // 60 days: 31-60
    await due("2025-12-10", 100_000); // 90 days: 61-90
    await due("2025-12-09", 1_000_000); // 91 days: 91+
    await due("2026-01-01", 7_000, "EUR"); // 68 days, another currency
    const paid = await due("2025-11-01", 555);
    const payment = await makePayment(db, { customerId: customer.id, amountMinor: 555 });
    await runner().call(
      "apply_payment",
      { paymentId: payment.id, applications: [{ invoiceId: paid.id, amountMinor: 555 }] },
      { caller: { kind: "api", id: "x", role: "collector" } },
    );

    const out = ok<{
      aging: {
        currency: string;
        buckets: Record<string, number>;
        totalMinor: number;
        openInvoices: number;
      }[];
      openInvoices: { daysOverdue: number }[];
    }>(await runner().call("account_overview", { customerId: customer.id }, { caller: VIEWER }));
    expect(out.aging).toEqual([
      {
        currency: "EUR",
        buckets: { current: 0, "1-30": 0, "31-60": 0, "61-90": 7_000, "91+": 0 },
        totalMinor: 7_000,
        openInvoices: 1,
      },
      {
        currency: "USD",
        buckets: { current: 1, "1-30": 110, "31-60": 11_000, "61-90": 100_000, "91+": 1_000_000 },
        totalMinor: 1_111_111,
        openInvoices: 7,
      },
    ]);
    expect(out.openInvoices.map((i) => i.daysOverdue)).toEqual([91, 90, 68, 60, 31, 30, 1, 0]);
  });

  it("names a customer that does not exist", async () => {
    expect(
      await runner().call(
        "account_overview",
        { customerId: "00000000-0000-4000-8000-000000000001" },
        { caller: VIEWER },
      ),
    ).toMatchObject({
      status: "invalid",
      issues: [{ path: "customerId" }],
    });
  });
});

describe("search_customers", () => {
  it("finds by name or number, never sums across currencies, and filters overdue accounts", async () => {
    const db = database.current.db;
    const both = await makeCustomer(db, { name: "Zebra Two-Currency GmbH", externalRef: "C-ZEBRA" });
    await makeInvoice(db, both.id, { amountMinor: 100, dueDate: "2026-02-01", issueDate: "2026-01-01" });
    await makeInvoice(db, both.id, {
      amountMinor: 200,
      currency: "EUR",
      dueDate: "2026-04-01",
      issueDate: "2026-03-01",
    });
    const current = await makeCustomer(db, { name: "Zebra Current Ltd" });
    await makeInvoice(db, current.id, { amountMinor: 300, dueDate: "2026-04-01", issueDate: "2026-03-01" });

    const byName = ok<{
      customers: { name: string; balances: Record<string, { openMinor: number; overdueMinor: number }> }[];
    }>(await runner().call("search_customers", { query: "zebra" }, { caller: VIEWER }));
    expect(byName.customers.map((c) => c.name)).toEqual(["Zebra Current Ltd", "Zebra Two-Currency GmbH"]);
    expect(byName.customers[1]!.balances).toEqual({
      USD: { openMinor: 100, overdueMinor: 100 },
      EUR: { openMinor: 200, overdueMinor: 0 },
    });
    const overdue = ok<{ customers: { name: string }[] }>(
      await runner().call("search_customers", { query: "zebra", overdueOnly: true }, { caller: VIEWER }),
    );
    expect(overdue.customers.map((c) => c.name)).toEqual(["Zebra Two-Currency GmbH"]);
    const byRef = ok<{ customers: { name: string }[] }>(
      await runner().call("search_customers", { query: "c-zeb" }, { caller: VIEWER }),
    );
    expect(byRef.customers.map((c) => c.name)).toEqual(["Zebra Two-Currency GmbH"]);
    const wildcard = ok<{ customers: unknown[] }>(
      await runner().call("search_customers", { query: "%" }, { caller: VIEWER }),
    );
    expect(wildcard.customers).toEqual([]);
  });
});

describe("payment_history and unapplied_payments", () => {
  it("reports payments with their applications and how late the customer pays", async () => {
    const db = database.current.db;
    const customer = await makeCustomer(db);
    const early = await makeInvoice(db, customer.id, { amountMinor: 1_000, dueDate: "2026-01-31" });
    const late = await makeInvoice(db, customer.id, { amountMinor: 2_000, dueDate: "2026-01-31" });
    const collector: Caller = { kind: "api", id: "x", role: "collector" };
    const p1 = await makePayment(db, {
      customerId: customer.id,
      amountMinor: 1_000,
      receivedOn: "2026-01-29",
    });
    const p2 = await makePayment(db, {
      customerId: customer.id,
      amountMinor: 3_000,
      receivedOn: "2026-02-20",
      remittanceText: "late one",
    });
    await runner().call(
      "apply_payment",
      { paymentId: p1.id, applications: [{ invoiceId: early.id, amountMinor: 1_000 }] },
      { caller: collector },
    );
    await runner().call(
      "apply_payment",
      { paymentId: p2.id, applications: [{ invoiceId: late.id, amountMinor: 2_000 }] },
      { caller: collector },
    );

    const history = ok<{
      payments: { externalRef: string; unappliedMinor: number; applications: { invoiceRef: string }[] }[];
      behaviour: Record<string, number | null>;
    }>(await runner().call("payment_history", { customerId: customer.id }, { caller: VIEWER }));
    expect(history.payments.map((p) => p.externalRef)).toEqual([p2.externalRef, p1.externalRef]);
    expect(history.payments[0]).toMatchObject({
      unappliedMinor: 1_000,
      applications: [{ invoiceRef: late.externalRef, amountMinor: 2_000 }],
    });
    expect(history.behaviour).toEqual({
      paidInvoices: 2,
      onTimeShare: 0.5,
      averageDaysLate: 9,
      medianDaysLate: 9,
    });

    const unapplied = ok<{ payments: { id: string; unappliedMinor: number }[] }>(
      await runner().call("unapplied_payments", { customerId: customer.id }, { caller: VIEWER }),
    );
    expect(unapplied.payments).toMatchObject([{ id: p2.id, unappliedMinor: 1_000 }]);
    const stranger = await makePayment(db, {
      customerId: null,
      amountMinor: 4_200,
      payerName: "UNKNOWN LTD",
    });
    const unidentified = ok<{ payments: { id: string }[] }>(
      await runner().call("unapplied_payments", { unidentifiedOnly: true }, { caller: VIEWER }),
    );
    expect(unidentified.payments.map((p) => p.id)).toContain(stranger.id);
    expect(unidentified.payments.map((p) => p.id)).not.toContain(p2.id);
  });
});

describe("pending_approvals", () => {
  it("lists live pending actions with their reasons and leaves out expired ones", async () => {
    const db = database.current.db;
    const customer = await makeCustomer(db, { name: "Queue Test" });
    const invoice = await makeInvoice(db, customer.id);
    const agent: Caller = { kind: "agent", id: "collection", role: "agent" };
    const pending = await runner().call(
      "escalate_to_legal",
      { customerId: customer.id, invoiceIds: [invoice.id], reason: "r" },
      { caller: agent },
    );
    expect(pending.status).toBe("pending_approval");
    const queue = ok<{
      approvals: { id: string; tool: string; customerName: string; reasons: { ruleId: string }[] }[];
    }>(await runner().call("pending_approvals", { customerId: customer.id }, { caller: VIEWER }));
    expect(queue.approvals).toMatchObject([
      {
        tool: "escalate_to_legal",
        customerName: "Queue Test",
        reasons: [{ ruleId: "legal.escalation_approval" }],
      },
    ]);
    const later = new Date(NOW.getTime() + (DEFAULT_POLICY.approval.expiryHours + 1) * 3_600_000);
    const expired = await runner().call(
      "pending_approvals",
      { customerId: customer.id },
      { caller: VIEWER, now: later },
    );
    expect(ok<{ approvals: unknown[] }>(expired).approvals).toEqual([]);
  });
});

describe("pending_approvals: finding one and what it is worth", () => {
  it("filters by customer name or number and by action; each approval says the amount at stake", async () => {
    const db = database.current.db;
    const agent: Caller = { kind: "agent", id: "collection", role: "agent" };
    const customer = await makeCustomer(db, { name: "Quartz_Filter 100% GmbH", externalRef: "C-QTZ-1" });
    const invoice = await makeInvoice(db, customer.id, { amountMinor: 125_000, currency: "EUR" });
    const escalation = await runner().call(
      "escalate_to_legal",
      { customerId: customer.id, invoiceIds: [invoice.id], reason: "r" },
      { caller: agent },
    );
    const credit = await runner().call(
      "issue_credit_note",
      { invoiceId: invoice.id, amountMinor: 60_000, reason: "damaged goods" },
      { caller: agent },
    );
    if (escalation.status !== "pending_approval" || credit.status !== "pending_approval")
      throw new Error(`expected two pending approvals: ${JSON.stringify([escalation, credit])}`);

    const byName = ok<{ approvals: { id: string; amount: unknown }[]; total: number }>(
      await runner().call("pending_approvals", { customer: "quartz_filter 100%" }, { caller: VIEWER }),
    );
    expect(byName.total).toBe(2);
    expect(byName.approvals).toEqual([
      expect.objectContaining({
        id: escalation.actionId,
        amount: { of: "open_balance", byCurrency: { EUR: 125_000 } },
      }),
      expect.objectContaining({ id: credit.actionId, amount: { of: "action", byCurrency: { EUR: 60_000 } } }),
    ]);
    // LIKE's wildcards in the search are text, not patterns.
    const wildcard = ok<{ total: number }>(
      await runner().call("pending_approvals", { customer: "quartz%gmbh" }, { caller: VIEWER }),
    );
    expect(wildcard.total).toBe(0);
    const byRef = ok<{ approvals: { id: string }[] }>(
      await runner().call(
        "pending_approvals",
        { customer: "c-qtz", tool: "issue_credit_note" },
        { caller: VIEWER },
      ),
    );
    expect(byRef.approvals.map((a) => a.id)).toEqual([credit.actionId]);
    const one = ok<{ approvals: { id: string }[]; total: number }>(
      await runner().call("pending_approvals", { actionId: escalation.actionId }, { caller: VIEWER }),
    );
    expect(one).toMatchObject({ total: 1, approvals: [{ id: escalation.actionId }] });
  });
});

describe("account_overview: forecasts, risk and previous messages", () => {
  it("shows each open invoice's latest prediction as of the date, the risk score with its factors, message previews", async () => {
    const db = database.current.db;
    const agent: Caller = { kind: "agent", id: "forecasting", role: "agent" };
    const customer = await makeCustomer(db, { name: "Forecast Overview Co" });
    const invoice = await makeInvoice(db, customer.id, { amountMinor: 80_000, dueDate: "2026-03-01" });
    const record = (asOf: string, predictedPayDate: string, riskScore: number) =>
      runner().call(
        "record_forecast",
        {
          customerId: customer.id,
          asOf,
          modelVersion: "test-model-1",
          riskScore,
          riskFactors: [{ name: invoice.externalRef, weight: 1, value: riskScore / 100 }],
          predictions: [
            {
              invoiceId: invoice.id,
              predictedPayDate,
              p10PayDate: "2026-03-20",
              p90PayDate: "2026-05-01",
              lateProbability: riskScore / 100,
            },
          ],
        },
        { caller: agent },
      );
    expect((await record("2026-03-01", "2026-04-01", 30)).status).toBe("executed");
    expect((await record("2026-03-08", "2026-04-10", 42.5)).status).toBe("executed");
    await db.insert(communications).values({
      customerId: customer.id,
      direction: "inbound",
      channel: "email",
      status: "received",
      subject: "Re: invoice",
      body: `We will pay next week. ${"x".repeat(400)}`,
      occurredAt: new Date("2026-03-09T10:00:00Z"),
    });

    type Overview = {
      openInvoices: { id: string; prediction: { predictedPayDate: string; asOf: string } | null }[];
      risk: { score: number | null; modelVersion: string | null; factors: unknown[] };
      recentCommunications: { bodyPreview: string }[];
    };
    const now = ok<Overview>(
      await runner().call("account_overview", { customerId: customer.id }, { caller: VIEWER }),
    );
    expect(now.openInvoices[0]!.prediction).toMatchObject({
      asOf: "2026-03-08",
      predictedPayDate: "2026-04-10",
      p10PayDate: "2026-03-20",
      p90PayDate: "2026-05-01",
      lateProbability: 0.425,
      modelVersion: "test-model-1",
    });
    expect(now.risk).toMatchObject({
      score: 42.5,
      modelVersion: "test-model-1",
      factors: [{ name: invoice.externalRef, weight: 1, value: 0.425 }],
    });
    expect(now.recentCommunications[0]!.bodyPreview).toHaveLength(280);
    expect(now.recentCommunications[0]!.bodyPreview.startsWith("We will pay next week.")).toBe(true);

    const earlier = ok<Overview>(
      await runner().call(
        "account_overview",
        { customerId: customer.id, asOf: "2026-03-05" },
        { caller: VIEWER },
      ),
    );
    expect(earlier.openInvoices[0]!.prediction).toMatchObject({
      asOf: "2026-03-01",
      predictedPayDate: "2026-04-01",
    });
  });
});
