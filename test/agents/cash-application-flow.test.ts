// Cash application end to end on a real database: a bank file is imported (and re-imported), payers
// are identified, a nightly run applies what it is sure of and queues the rest for review; a
// collector's approval applies it, the write-off that waited for it follows, and the payer's bank
// account identifies the next payment from it.
import { eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { rulesBrain } from "../../agents/rules-brain.ts";
import { actions, customers, disputes, invoices, payments, writeOffs } from "../../db/schema.ts";
import type { Caller } from "../../policies/types.ts";
import { decideAction } from "../../server/approvals.ts";
import { runAccounts } from "../../server/run.ts";
import { testArc, testRunner } from "../support/arc.ts";
import { useTestDatabase } from "../support/db.ts";
import { ledgerCounts, makeContact, makeCustomer, makeInvoice } from "../support/fixtures.ts";

const database = useTestDatabase();
const AS_OF = "2026-03-10";
const NOW = `${AS_OF}T06:00:00.000Z`;
const ADMIN: Caller = { kind: "cli", id: "ops", role: "admin" };
const DANA: Caller = { kind: "api", id: "dana", role: "collector" };

const runner = () => testRunner(database, NOW);
const arc = () => testArc(database, NOW);

const MAPPING = {
  date: "Date",
  amount: "Amount",
  currency: "Currency",
  counterparty: "Payer",
  counterpartyAccount: "IBAN",
  remittance: "Details",
  options: { account: "DE89370400440532013000", dateFormat: "YYYY-MM-DD" },
};

function bankCsv(rows: string[][]): string {
  return [
    "Date,Amount,Currency,Payer,IBAN,Details",
    ...rows.map((r) => r.map((c) => `"${c}"`).join(",")),
  ].join("\n");
}

async function importCsv(name: string, content: string) {
  return runner().call<{ imported: number; duplicates: number; paymentIds: string[]; skipped: unknown[] }>(
    "import_bank_file",
    { file: { name, content }, format: "csv", csvMapping: MAPPING },
    { caller: ADMIN },
  );
}

async function account(name: string, iban: string[], refs: [string, number][]) {
  const db = database.current.db;
  const customer = await makeCustomer(db, { name, bankAccounts: iban, currency: "EUR" });
  await makeContact(db, customer.id);
  const list = [];
  for (const [externalRef, amountMinor] of refs) {
    list.push(
      await makeInvoice(db, customer.id, {
        externalRef,
        amountMinor,
        currency: "EUR",
        issueDate: "2026-01-05",
        dueDate: "2026-02-04",
      }),
    );
  }
  return { customer, invoices: list };
}

describe("cash application, from bank file to ledger", () => {
  it("imports, identifies, applies the sure matches, queues the weak one, and learns from the review", async () => {
    const db = database.current.db;
    const acme = await account(
      "Acme Manufacturing GmbH",
      ["DE44500105175407324931"],
      [
        ["INV-2026-000101", 119_000],
        ["INV-2026-000102", 45_000],
      ],
    );
    const globex = await account(
      "Globex Trading Ltd",
      [],
      [
        ["INV-2026-000201", 250_000],
        ["INV-2026-000202", 250_000],
      ],
    );
    const file = bankCsv([
      // Acme, its known IBAN, the invoice cited exactly, 0.40 short (within tolerance → write-off).
      ["2026-03-06", "1189.60", "EUR", "ACME MANUFACTURING", "DE44500105175407324931", "INV-2026-000101"],
      // Globex from an IBAN nobody has seen, no invoice cited, an amount two invoices share: for review.
      ["2026-03-07", "2500.00", "EUR", "GLOBEX TRADING LTD", "GB29NWBK60161331926819", "March payment"],
      // Money out: not a receipt.
      ["2026-03-07", "-80.00", "EUR", "Office rent", "DE02120300000000202051", "Rent March"],
    ]);
    const first = await importCsv("march.csv", file);
    expect(first).toMatchObject({ status: "executed", output: { imported: 2, duplicates: 0 } });
    if (first.status !== "executed") throw new Error("import failed");
    expect(first.output.skipped).toEqual([expect.objectContaining({ reason: "debit", amountMinor: -8_000 })]);

    // The same statement again, plus an overlapping one: nothing is imported twice.
    const paymentCount = async () => (await db.select().from(payments)).length;
    const before = await paymentCount();
    const again = await importCsv(
      "march-again.csv",
      `${file}\n"2026-03-08","450.00","EUR","ACME MANUFACTURING","DE44500105175407324931","INV-2026-000102"`,
    );
    expect(again).toMatchObject({ status: "executed", output: { imported: 1, duplicates: 2 } });
    expect(await paymentCount()).toBe(before + 1);

    const result = await runAccounts(arc(), {
      asOf: AS_OF,
      concurrency: 1,
      dryRun: false,
      brain: rulesBrain,
    });
    const [acmeResult, globexResult] = [acme, globex].map((a) =>
      result.accounts.find((r) => r.customerId === a.customer.id),
    );
    expect(acmeResult!.status).toBe("done");
    const acmeInvoices = await db.select().from(invoices).where(eq(invoices.customerId, acme.customer.id));
    expect(acmeInvoices.map((i) => [i.externalRef, i.balanceMinor, i.writtenOffMinor]).sort()).toEqual([
      ["INV-2026-000101", 0, 40],
      ["INV-2026-000102", 0, 0],
    ]);
    const [writeOff] = await db.select().from(writeOffs).where(eq(writeOffs.customerId, acme.customer.id));
    expect(writeOff).toMatchObject({ reason: "short_pay", amountMinor: 40 });

    // Globex's payment waits for a collector, with the rule, the rationale and the other candidate.
    expect(globexResult!.status).toBe("paused");
    const [pending] = await db
      .select()
      .from(actions)
      .where(eq(actions.customerId, globex.customer.id))
      .then((rows) => rows.filter((a) => a.tool === "apply_payment"));
    expect(pending).toMatchObject({ status: "pending", verdict: "needs_approval" });
    expect(pending!.reasons).toEqual(
      expect.arrayContaining([expect.objectContaining({ ruleId: "cash.auto_apply_threshold" })]),
    );
    expect(pending!.rationale).toMatch(/^payer: /);
    expect(pending!.alternatives).toEqual([
      expect.objectContaining({
        applications: [expect.objectContaining({ invoice: expect.stringMatching(/INV-2026-00020[12]/) })],
      }),
    ]);
    const globexPayment = (
      await db.select().from(payments).where(eq(payments.payerName, "GLOBEX TRADING LTD"))
    )[0]!;
    expect(globexPayment.customerId).toBeNull();
    expect(globexPayment.suggestedCustomerId).toBe(globex.customer.id);

    // The collector picks the other invoice (an edit) and the paused thread resumes.
    const other = (
      pending!.alternatives as { applications: { invoiceId: string; amountMinor: number }[] }[]
    )[0]!;
    const decided = await decideAction(
      arc(),
      rulesBrain,
      pending!.id,
      {
        decision: "edit",
        editedInput: {
          ...(pending!.input as object),
          applications: other.applications.map(({ invoiceId, amountMinor }) => ({ invoiceId, amountMinor })),
        },
        note: "remittance advice says 202",
      },
      DANA,
    );
    expect(decided).toMatchObject({
      result: { status: "executed" },
      resumedThread: true,
      stillPaused: false,
    });
    const [applied] = await db.select().from(payments).where(eq(payments.id, globexPayment.id));
    expect(applied).toMatchObject({ customerId: globex.customer.id, unappliedMinor: 0 });

    // Learning: the next payment from that IBAN, with no useful text, is identified by account.
    const later = await importCsv(
      "april.csv",
      bankCsv([["2026-03-09", "2500.00", "EUR", "G T LTD", "GB29NWBK60161331926819", "transfer"]]),
    );
    if (later.status !== "executed") throw new Error("import failed");
    const identified = await runner().call<{ byMethod: Record<string, number> }>(
      "identify_payments",
      { paymentIds: later.output.paymentIds },
      { caller: ADMIN },
    );
    expect(identified).toMatchObject({ status: "executed", output: { byMethod: { account: 1 } } });
    const [next] = await db.select().from(payments).where(inArray(payments.id, later.output.paymentIds));
    expect(next!.suggestedCustomerId).toBe(globex.customer.id);
  });

  it("opens a short_payment dispute for a deduction beyond tolerance once the payment is applied", async () => {
    const db = database.current.db;
    const acme = await account(
      "Initech Systems Inc",
      ["US64SVBKUS6S3300958879"],
      [["INV-2026-000301", 100_000]],
    );
    const imported = await importCsv(
      "initech.csv",
      bankCsv([["2026-03-06", "880.00", "EUR", "INITECH", "US64SVBKUS6S3300958879", "INV-2026-000301"]]),
    );
    expect(imported).toMatchObject({ status: "executed", output: { imported: 1 } });
    await runAccounts(arc(), { asOf: AS_OF, concurrency: 1, dryRun: false, brain: rulesBrain });
    const [invoice] = await db.select().from(invoices).where(eq(invoices.customerId, acme.customer.id));
    expect(invoice).toMatchObject({ paidMinor: 88_000, balanceMinor: 12_000 });
    const [dispute] = await db.select().from(disputes).where(eq(disputes.invoiceId, invoice!.id));
    expect(dispute).toMatchObject({ category: "short_payment", amountMinor: 12_000, status: "open" });
  });

  it("resolves an 'already paid' dispute once the run applies the payment that settles the invoice", async () => {
    const db = database.current.db;
    const umbrella = await account(
      "Umbrella Logistics AG",
      ["CH9300762011623852957"],
      [["INV-2026-000601", 60_000]],
    );
    const invoice = umbrella.invoices[0]!;
    await db.insert(disputes).values({
      customerId: umbrella.customer.id,
      invoiceId: invoice.id,
      category: "already_paid",
      description: "We already paid this invoice by bank transfer on the 6th.",
      currency: "EUR",
      amountMinor: 60_000,
      openedBy: "customer",
      openedAt: new Date("2026-03-08T09:00:00.000Z"),
    });
    const imported = await importCsv(
      "umbrella.csv",
      bankCsv([
        ["2026-03-06", "600.00", "EUR", "UMBRELLA LOGISTICS", "CH9300762011623852957", "INV-2026-000601"],
      ]),
    );
    expect(imported).toMatchObject({ status: "executed", output: { imported: 1 } });
    const run = await runAccounts(arc(), {
      asOf: AS_OF,
      customers: [umbrella.customer.externalRef],
      concurrency: 1,
      dryRun: false,
      brain: rulesBrain,
    });
    expect(run.accounts[0]!.status).toBe("done");
    const [settled] = await db.select().from(invoices).where(eq(invoices.id, invoice.id));
    expect(settled).toMatchObject({ balanceMinor: 0, paidMinor: 60_000 });
    const [dispute] = await db.select().from(disputes).where(eq(disputes.invoiceId, invoice.id));
    expect(dispute).toMatchObject({
      status: "resolved",
      resolution: expect.stringMatching(/^Already paid: INV-2026-000601 is settled/),
    });
    const taken = await db.select().from(actions).where(eq(actions.customerId, umbrella.customer.id));
    expect(
      taken
        .map((a) => `${a.tool} ${a.status}`)
        .filter((t) => !t.startsWith("record_forecast"))
        .sort(),
    ).toEqual(["apply_payment executed", "resolve_dispute executed"]);
    // Cash application applied it; the dispute specialist, reading the account afresh, only resolved.
    expect(taken.find((a) => a.tool === "apply_payment")!.idempotencyKey).toMatch(/:cash:/);
  });

  it("a write-off that waited for a reviewed application is proposed once the collector approves it", async () => {
    const db = database.current.db;
    const hooli = await account("Hooli Holdings BV", ["NL91ABNA0417164300"], [["INV-2026-000501", 80_000]]);
    // Automation is off for this account: every agent action waits for a person.
    await db.update(customers).set({ automationEnabled: false }).where(eq(customers.id, hooli.customer.id));
    const imported = await importCsv(
      "hooli.csv",
      bankCsv([
        ["2026-03-06", "799.50", "EUR", "HOOLI HOLDINGS B.V.", "NL91ABNA0417164300", "INV-2026-000501"],
      ]),
    );
    expect(imported).toMatchObject({ status: "executed", output: { imported: 1 } });
    const run = await runAccounts(arc(), {
      asOf: AS_OF,
      customers: [hooli.customer.externalRef],
      concurrency: 1,
      dryRun: false,
      brain: rulesBrain,
    });
    const outcome = run.accounts[0]!;
    expect(outcome.status).toBe("paused");
    expect(outcome.outcomes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          tool: "write_off",
          status: "skipped",
          error: expect.stringMatching(/waits for cash:/),
        }),
      ]),
    );
    const pendingOf = async (tool: string) =>
      (await db.select().from(actions).where(eq(actions.customerId, hooli.customer.id))).find(
        (a) => a.tool === tool && a.status === "pending",
      );
    const apply = await pendingOf("apply_payment");
    expect(await pendingOf("write_off")).toBeUndefined();
    // Approving the application applies it and proposes the write-off that waited for it.
    const first = await decideAction(arc(), rulesBrain, apply!.id, { decision: "approve" }, DANA);
    expect(first).toMatchObject({ result: { status: "executed" }, resumedThread: true, stillPaused: true });
    const writeOff = await pendingOf("write_off");
    expect(writeOff).toMatchObject({
      input: expect.objectContaining({ amountMinor: 50, reason: "short_pay" }),
    });
    const second = await decideAction(arc(), rulesBrain, writeOff!.id, { decision: "approve" }, DANA);
    expect(second).toMatchObject({ result: { status: "executed" }, stillPaused: false });
    const [invoice] = await db.select().from(invoices).where(eq(invoices.customerId, hooli.customer.id));
    expect(invoice).toMatchObject({ paidMinor: 79_950, writtenOffMinor: 50, balanceMinor: 0 });
  });

  it("refuses a malformed bank file with the line and reason, and imports nothing", async () => {
    const db = database.current.db;
    const counts = { ...(await ledgerCounts(db)), payments: (await db.select().from(payments)).length };
    const bad = await importCsv(
      "bad.csv",
      bankCsv([
        ["2026-03-06", "100.00", "EUR", "A", "DE44500105175407324931", "ok"],
        ["2026-03-06", "12,3x", "EUR", "B", "DE44500105175407324931", "broken"],
      ]),
    );
    expect(bad).toMatchObject({
      status: "invalid",
      issues: [{ path: "file", message: expect.stringMatching(/bad\.csv: .*3.*12,3x/) }],
    });
    expect({ ...(await ledgerCounts(db)), payments: (await db.select().from(payments)).length }).toEqual(
      counts,
    );
  });

  it("lets no MCP client or viewer import a bank file", async () => {
    const content = bankCsv([
      ["2026-03-09", "321.00", "EUR", "Roles Test", "DE44500105175407324931", "roles"],
    ]);
    const call = (caller: Caller) =>
      runner().call(
        "import_bank_file",
        { file: { name: "x.csv", content }, format: "csv", csvMapping: MAPPING },
        { caller },
      );
    expect(await call({ kind: "mcp", id: "desktop", role: "collector" })).toMatchObject({
      status: "blocked",
      reasons: [expect.objectContaining({ ruleId: "caller.role" })],
    });
    expect(await call({ kind: "api", id: "vic", role: "viewer" })).toMatchObject({ status: "blocked" });
    expect(await call(DANA)).toMatchObject({ status: "executed", output: { imported: 1 } });
  });
});
