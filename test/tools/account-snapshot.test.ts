import { describe, expect, it } from "vitest";
import { generateDemoPortfolio } from "../../db/demo/generate.ts";
import { customers } from "../../db/schema.ts";
import { DEFAULT_POLICY } from "../../policies/index.ts";
import type { Caller } from "../../policies/types.ts";
import { loadAccountSnapshots } from "../../tools/read/account-snapshot.ts";
import type { AccountSnapshot } from "../../tools/read/account-snapshot-types.ts";
import { ALL_TOOLS } from "../../tools/registry.ts";
import { type ToolResult, ToolRunner } from "../../tools/runner.ts";
import { useTestDatabase } from "../support/db.ts";
import { makeContact, makeCustomer, makeInvoice, makePayment } from "../support/fixtures.ts";

const database = useTestDatabase();
const NOW = new Date("2026-03-10T15:00:00Z");
const AGENT: Caller = { kind: "agent", id: "supervisor", role: "agent" };
const runner = () =>
  new ToolRunner({ db: database.current.db, policy: DEFAULT_POLICY, tools: ALL_TOOLS, clock: () => NOW });

function ok<O>(result: ToolResult): O {
  if (result.status !== "ok" && result.status !== "executed") throw new Error(JSON.stringify(result));
  return result.output as O;
}

const snapshot = async (customerId: string, asOf?: string) =>
  ok<AccountSnapshot>(
    await runner().call("account_snapshot", { customerId, ...(asOf ? { asOf } : {}) }, { caller: AGENT }),
  );

// Each identification pass is its own action (the same key would replay the first pass).
let pass = 0;
const identify = async () =>
  ok(
    await runner().call(
      "identify_payments",
      {},
      { caller: AGENT, idempotencyKey: `test:identify:${++pass}` },
    ),
  );

describe("account_snapshot", () => {
  // Runs first, on the empty ledger the demo generator needs.
  it("holds up on a whole demo portfolio: open invoices owe money, paid ones have a pay date, candidates are unidentified", async () => {
    const db = database.current.db;
    await generateDemoPortfolio(db, { customers: 40, seed: 3, asOf: "2026-03-10" });
    await identify();
    const all = await db.select({ id: customers.id }).from(customers);
    let candidates = 0;
    for (const { id } of all) {
      const s = await snapshot(id, "2026-03-10");
      expect(s.customer.id).toBe(id);
      expect(s.openInvoices.every((i) => i.balanceMinor > 0 && i.balanceMinor <= i.amountMinor)).toBe(true);
      expect(s.paidInvoices.every((i) => /^\d{4}-\d{2}-\d{2}$/.test(i.paidOn))).toBe(true);
      expect(s.unappliedPayments.every((p) => p.customerId === id && p.unappliedMinor > 0)).toBe(true);
      expect(s.candidatePayments.every((p) => p.customerId === null && p.unappliedMinor > 0)).toBe(true);
      const live = s.disputes
        .filter((d) => d.status === "open" || d.status === "investigating")
        .map((d) => d.invoiceId);
      expect(s.openInvoices.filter((i) => i.disputed).every((i) => live.includes(i.id))).toBe(true);
      const dueDates = s.openInvoices.map((i) => i.dueDate);
      expect(dueDates).toEqual([...dueDates].sort());
      candidates += s.candidatePayments.length;
    }
    // The demo leaves unidentified payments citing invoice numbers: identification places some.
    expect(candidates).toBeGreaterThan(0);

    // A worker reads a batch of accounts at once: the same snapshots, each account's own rows only.
    const one = new Map<string, AccountSnapshot>();
    for (const { id } of all) one.set(id, await snapshot(id, "2026-03-10"));
    const unknown = "00000000-0000-4000-8000-000000000000";
    const batch = await loadAccountSnapshots(db, [...all.map((c) => c.id), unknown], "2026-03-10", NOW);
    expect(batch.size).toBe(all.length);
    expect(batch.has(unknown)).toBe(false);
    for (const { id } of all) expect(batch.get(id), id).toEqual(one.get(id));

    // Only the parts asked for (and the customer): the same as in the whole snapshot, the rest empty.
    const rich = all.map((c) => one.get(c.id)!).find((s) => s.communications.length && s.contacts.length)!;
    const parts = ok<AccountSnapshot>(
      await runner().call(
        "account_snapshot",
        { customerId: rich.customer.id, asOf: "2026-03-10", parts: ["communications", "openInvoices"] },
        { caller: AGENT },
      ),
    );
    expect(parts.customer).toEqual(rich.customer);
    expect(parts.communications).toEqual(rich.communications);
    expect(parts.openInvoices).toEqual(rich.openInvoices);
    expect(parts.contacts).toEqual([]);
    expect(parts.recentPayments).toEqual([]);
    expect(
      await runner().call(
        "account_snapshot",
        { customerId: rich.customer.id, parts: ["communications", "invoices"] },
        { caller: AGENT },
      ),
    ).toMatchObject({ status: "invalid", issues: [{ path: "parts.1" }] });
  });

  it("shows open and paid invoices with days late, and finds unidentified payments that may be the customer's", async () => {
    const db = database.current.db;
    const customer = await makeCustomer(db, {
      name: "Brightwater Logistics Ltd",
      bankAccounts: ["DE89370400440532013000"],
    });
    await makeContact(db, customer.id);
    const open = await makeInvoice(db, customer.id, {
      externalRef: "INV-2026-000123",
      amountMinor: 50_000,
      dueDate: "2026-02-28",
      issueDate: "2026-01-29",
    });
    const paid = await makeInvoice(db, customer.id, {
      externalRef: "INV-2026-000100",
      amountMinor: 20_000,
      dueDate: "2026-01-31",
    });
    const payment = await makePayment(db, {
      customerId: customer.id,
      amountMinor: 20_000,
      receivedOn: "2026-02-05",
    });
    ok(
      await runner().call(
        "apply_payment",
        { paymentId: payment.id, applications: [{ invoiceId: paid.id, amountMinor: 20_000 }] },
        { caller: AGENT },
      ),
    );
    const byRef = await makePayment(db, {
      customerId: null,
      amountMinor: 50_000,
      remittanceText: "payment inv 2026 000123 thanks",
    });
    const byAccount = await makePayment(db, {
      customerId: null,
      amountMinor: 999,
      payerAccount: "DE89370400440532013000",
      remittanceText: "march",
    });
    const byName = await makePayment(db, {
      customerId: null,
      amountMinor: 777,
      payerName: "BRIGHTWATER LOGISTICS",
      remittanceText: "",
    });
    await makePayment(db, {
      customerId: null,
      amountMinor: 555,
      payerName: "SOMEONE ELSE GMBH",
      remittanceText: "INV-2026-999999",
    });

    // Unidentified payments reach an account once payer identification has suggested it.
    expect((await snapshot(customer.id, "2026-03-10")).candidatePayments).toEqual([]);
    await identify();
    const s = await snapshot(customer.id, "2026-03-10");
    expect(s.asOf).toBe("2026-03-10");
    expect(s.openInvoices).toMatchObject([
      { id: open.id, balanceMinor: 50_000, disputed: false, dunningLevel: 0 },
    ]);
    expect(s.paidInvoices).toMatchObject([{ id: paid.id, paidOn: "2026-02-05", daysLate: 5 }]);
    expect(s.recentPayments).toMatchObject([
      { id: payment.id, appliedTo: [{ invoiceId: paid.id, amountMinor: 20_000 }] },
    ]);
    expect(s.candidatePayments.map((p) => p.id).sort()).toEqual([byRef.id, byAccount.id, byName.id].sort());
    const how = new Map(s.candidatePayments.map((p) => [p.id, p.identification?.method]));
    expect([how.get(byRef.id), how.get(byAccount.id), how.get(byName.id)]).toEqual([
      "reference",
      "account",
      "name",
    ]);
    expect(s.contacts).toHaveLength(1);
  });
});
