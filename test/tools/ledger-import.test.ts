// `arc import ledger` against a real database: presets on their fixtures, idempotent re-imports,
// updates, opening balances, and files with errors importing nothing.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Db } from "../../db/connection.ts";
import {
  applyLedgerImport,
  checkLedgerImport,
  type ImportSummary,
  type LedgerFiles,
  LedgerImportError,
  type LedgerImportPlan,
  type MappingInput,
  prepareLedgerImport,
} from "../../tools/ledger-import/index.ts";
import { useTestDatabase } from "../support/db.ts";

const fixture = (path: string) =>
  readFileSync(new URL(`../fixtures/ledger/${path}`, import.meta.url), "utf8");

const QUICKBOOKS: MappingInput = { extends: "quickbooks", options: { currency: "USD" } };
const XERO: MappingInput = { extends: "xero", options: { currency: "GBP" } };

function plan(files: LedgerFiles, mapping: MappingInput): LedgerImportPlan {
  const prepared = prepareLedgerImport(files, mapping);
  if (!prepared.ok) throw new Error(prepared.errors.map((e) => `${e.entity} ${e.message}`).join("\n"));
  return prepared.plan;
}

async function importFiles(
  db: Db,
  files: LedgerFiles,
  mapping: MappingInput,
  asOf = "2026-03-31",
): Promise<ImportSummary> {
  const p = plan(files, mapping);
  return db.transaction((tx) => applyLedgerImport(tx, p, { asOf, sourceName: "fixture" }));
}

async function refused(db: Db, files: LedgerFiles, mapping: MappingInput): Promise<LedgerImportError> {
  const p = plan(files, mapping);
  try {
    await db.transaction((tx) => applyLedgerImport(tx, p, { asOf: "2026-03-31" }));
  } catch (error) {
    expect(error).toBeInstanceOf(LedgerImportError);
    return error as LedgerImportError;
  }
  throw new Error("expected the import to be refused");
}

async function tableCounts(db: Db): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of ["customers", "contacts", "invoices", "payments", "payment_applications"]) {
    const [row] = (await db.execute(`select count(*)::int as n from ${table}`)) as unknown as { n: number }[];
    out[table] = row!.n;
  }
  return out;
}

async function balances(db: Db): Promise<Record<string, number>> {
  const rows = (await db.execute(
    "select external_ref, balance_minor from invoices order by external_ref",
  )) as unknown as { external_ref: string; balance_minor: number }[];
  return Object.fromEntries(rows.map((r) => [r.external_ref, r.balance_minor]));
}

const unchanged = (n: number) => ({ inserted: 0, updated: 0, unchanged: n });

describe("quickbooks preset", () => {
  const database = useTestDatabase();
  const files: LedgerFiles = {
    customers: fixture("quickbooks/customers.csv"),
    invoices: fixture("quickbooks/ar-aging-detail.csv"),
    payments: fixture("quickbooks/ar-aging-detail.csv"),
  };

  it("imports customers, primary contacts, invoices with their open balances, and unapplied payments", async () => {
    const db = database.current.db;
    const summary = await importFiles(db, files, QUICKBOOKS);
    expect(summary.customers).toEqual({ inserted: 12, updated: 0, unchanged: 0, missingFromFile: 0 });
    expect(summary.contacts).toEqual({ inserted: 11, updated: 0, unchanged: 0, missingFromFile: null });
    expect(summary.invoices).toEqual({
      inserted: 13,
      updated: 0,
      unchanged: 0,
      missingFromFile: 0,
      missingOpenFromFile: 0,
    });
    expect(summary.payments).toEqual({ inserted: 2, updated: 0, unchanged: 0, missingFromFile: 0 });
    // 1025, 1031, 1040, 1043 and 1058 were partly paid before the export.
    expect(summary.openingBalances).toEqual({ inserted: 5, updated: 0, removed: 0, unchanged: 0 });
    expect(summary.aheadOfFile).toEqual([]);

    const [acme] = (await db.execute(
      `select name, currency, payment_terms_days, credit_limit_minor, region, country, timezone, is_consumer
       from customers where external_ref = 'Acme Supply Co.'`,
    )) as unknown as Record<string, unknown>[];
    expect(acme).toEqual({
      name: "Acme Supply Co.",
      currency: "USD",
      payment_terms_days: 30,
      credit_limit_minor: 2_500_000,
      region: "MA",
      country: "USA",
      timezone: "UTC",
      is_consumer: false,
    });
    const [evergreen] = (await db.execute(
      `select c.payment_terms_days, k.name, k.email, k.phone, k.is_primary, k.external_ref
       from customers c join contacts k on k.customer_id = c.id where c.external_ref = 'Evergreen Landscaping'`,
    )) as unknown as Record<string, unknown>[];
    expect(evergreen).toEqual({
      payment_terms_days: 0,
      name: "Luis Ortega",
      email: null,
      phone: "(206) 555-0175",
      is_primary: true,
      external_ref: "import:primary",
    });

    const [delta] = (await db.execute(
      `select i.amount_minor, i.paid_minor, i.balance_minor, i.issue_date::text, i.due_date::text, i.currency,
              c.external_ref as customer, i.closed_at is null as open
       from invoices i join customers c on c.id = i.customer_id where i.external_ref = '1031'`,
    )) as unknown as Record<string, unknown>[];
    expect(delta).toEqual({
      amount_minor: 1_840_000,
      paid_minor: 920_000,
      balance_minor: 920_000,
      issue_date: "2026-01-05",
      due_date: "2026-03-06",
      currency: "USD",
      customer: "Delta Freight Partners",
      open: true,
    });
    const [opening] = (await db.execute(
      `select p.amount_minor, p.applied_minor, p.source, p.source_file, p.received_on::text, c.external_ref as customer,
              pa.amount_minor as applied, pa.method, i.external_ref as invoice
       from payments p join customers c on c.id = p.customer_id
       join payment_applications pa on pa.payment_id = p.id join invoices i on i.id = pa.invoice_id
       where p.external_ref = 'opening:1031'`,
    )) as unknown as Record<string, unknown>[];
    expect(opening).toEqual({
      amount_minor: 920_000,
      applied_minor: 920_000,
      source: "import",
      source_file: "fixture",
      received_on: "2026-03-31",
      customer: "Delta Freight Partners",
      applied: 920_000,
      method: "import",
      invoice: "1031",
    });
    const [unapplied] = (await db.execute(
      `select p.amount_minor, p.unapplied_minor, p.received_on::text, p.remittance_text, c.external_ref as customer
       from payments p join customers c on c.id = p.customer_id where p.external_ref = '7794'`,
    )) as unknown as Record<string, unknown>[];
    expect(unapplied).toEqual({
      amount_minor: 50_000,
      unapplied_minor: 50_000,
      received_on: "2026-03-10",
      remittance_text: "Awaiting remittance advice",
      customer: "Granite Peak Outfitters",
    });
    const [harborview] = (await db.execute(
      "select description from invoices where external_ref = '1055'",
    )) as unknown as { description: string }[];
    expect(harborview?.description).toBe("Q1 analytics retainer\nPhase 2 deliverables");

    // Every invoice's balance is the aging's open balance; together they are the report's total
    // (36,260.75) less the credit memo (-300.00) and unapplied payments (-620.00) it nets in.
    const open = await balances(db);
    expect(open).toMatchObject({
      "1031": 920_000,
      "1040": 115_000,
      "1043": 250_000,
      "1025": 45_000,
      "1058": 25_000,
    });
    expect(Object.values(open).reduce((a, b) => a + b, 0)).toBe(3_718_075);
  });

  it("re-imports the same files as a no-op", async () => {
    const db = database.current.db;
    const before = await tableCounts(db);
    const summary = await importFiles(db, files, QUICKBOOKS, "2026-04-01");
    expect(summary.customers).toEqual({ ...unchanged(12), missingFromFile: 0 });
    expect(summary.contacts).toEqual({ ...unchanged(11), missingFromFile: null });
    expect(summary.invoices).toEqual({ ...unchanged(13), missingFromFile: 0, missingOpenFromFile: 0 });
    expect(summary.payments).toEqual({ ...unchanged(2), missingFromFile: 0 });
    expect(summary.openingBalances).toEqual({ inserted: 0, updated: 0, removed: 0, unchanged: 5 });
    expect(await tableCounts(db)).toEqual(before);
    expect(before).toEqual({
      customers: 12,
      contacts: 11,
      invoices: 13,
      payments: 7,
      payment_applications: 5,
    });
    // The opening payments keep their first as-of date: nothing was rewritten.
    const [opening] = (await db.execute(
      "select received_on::text from payments where external_ref = 'opening:1031'",
    )) as unknown as { received_on: string }[];
    expect(opening?.received_on).toBe("2026-03-31");
  });

  it("applies an updated export: changed balances and amounts, a new invoice, a vanished one kept", async () => {
    const db = database.current.db;
    const aging = fixture("quickbooks/ar-aging-detail.csv")
      // Delta paid another 5,000.00.
      .replace('"18,400.00","9,200.00"', '"18,400.00","4,200.00"')
      // Cedar Ridge's invoice was corrected upwards.
      .replace(
        "Cedar Ridge Dental,,03/14/2026,17,980.00,980.00",
        "Cedar Ridge Dental,,03/14/2026,17,1080.00,1080.00",
      )
      // Keystone's invoice was fully reopened (its payment reversed).
      .replace("950.00,450.00", "950.00,950.00")
      // Juniper's invoice was paid and left the aging.
      .replace(/^.*,1022,Juniper Health Clinic.*\n/m, "")
      // A new invoice.
      .replace(
        "Total for Current",
        ',03/31/2026,Invoice,1060,Foxglove Bakery,,04/30/2026,-30,"2,000.00","2,000.00"\nTotal for Current',
      );
    const customers = fixture("quickbooks/customers.csv")
      .replace("nina@lakesidecoffee.example", "accounts@lakesidecoffee.example")
      // Evergreen's only phone number is gone from the list.
      .replace("Luis Ortega,,(206) 555-0175,", "Luis Ortega,,,");
    const summary = await importFiles(
      db,
      { customers, invoices: aging, payments: aging },
      QUICKBOOKS,
      "2026-04-01",
    );
    expect(summary.customers).toEqual({ ...unchanged(12), missingFromFile: 0 });
    expect(summary.contacts).toEqual({ inserted: 0, updated: 2, unchanged: 9, missingFromFile: null });
    expect(summary.invoices).toEqual({
      inserted: 1,
      updated: 3,
      unchanged: 9,
      missingFromFile: 1,
      missingOpenFromFile: 1,
    });
    expect(summary.openingBalances).toEqual({ inserted: 0, updated: 1, removed: 1, unchanged: 3 });

    const open = await balances(db);
    expect(open["1031"]).toBe(420_000);
    expect(open["1044"]).toBe(108_000);
    expect(open["1025"]).toBe(95_000);
    expect(open["1060"]).toBe(200_000);
    expect(open["1022"]).toBe(220_000); // not in the file any more, but never deleted
    const rows = (await db.execute(
      "select external_ref, amount_minor, received_on::text from payments where external_ref like 'opening:%' order by 1",
    )) as unknown as { external_ref: string; amount_minor: number; received_on: string }[];
    expect(rows).toEqual([
      { external_ref: "opening:1031", amount_minor: 1_420_000, received_on: "2026-04-01" },
      { external_ref: "opening:1040", amount_minor: 200_000, received_on: "2026-03-31" },
      { external_ref: "opening:1043", amount_minor: 500_000, received_on: "2026-03-31" },
      { external_ref: "opening:1058", amount_minor: 75_000, received_on: "2026-03-31" },
    ]);
    const [lakeside] = (await db.execute(
      `select k.email from contacts k join customers c on c.id = k.customer_id
       where c.external_ref = 'Lakeside Coffee Roasters'`,
    )) as unknown as { email: string }[];
    expect(lakeside?.email).toBe("accounts@lakesidecoffee.example");
    const [evergreen] = (await db.execute(
      `select k.name, k.phone from contacts k join customers c on c.id = k.customer_id
       where c.external_ref = 'Evergreen Landscaping'`,
    )) as unknown as Record<string, unknown>[];
    expect(evergreen).toEqual({ name: "Luis Ortega", phone: null });
    // Foxglove never had an email or phone: still no empty contact for it.
    const [foxglove] = (await db.execute(
      `select count(*)::int as n from contacts k join customers c on c.id = k.customer_id
       where c.external_ref = 'Foxglove Bakery'`,
    )) as unknown as { n: number }[];
    expect(foxglove?.n).toBe(0);
  });

  it("does not count a payment twice when ARC matched it before the accounting system booked it", async () => {
    const db = database.current.db;
    // ARC's cash application matches a 3,000.00 bank payment to invoice 1051 (open 4,200.00).
    await db.execute(`
      with c as (select id from customers where external_ref = 'Acme Supply Co.'),
      p as (insert into payments (external_ref, customer_id, currency, amount_minor, received_on, source)
            select 'BANK-881', id, 'USD', 300000, '2026-04-01', 'bank_file' from c returning id)
      insert into payment_applications (payment_id, invoice_id, currency, amount_minor, method, confidence, applied_by)
      select p.id, i.id, 'USD', 300000, 'reference', 0.98, 'agent:cash-application'
      from p, invoices i where i.external_ref = '1051'`);
    expect((await balances(db))["1051"]).toBe(120_000);

    // Tonight's export still shows 1051 fully open: the ledger is ahead of the file, and stays so.
    const stale = await importFiles(db, files, QUICKBOOKS, "2026-04-01");
    expect(stale.aheadOfFile).toEqual([
      {
        invoiceRef: "1051",
        line: 7,
        currency: "USD",
        fileOpenBalanceMinor: 420_000,
        ledgerBalanceMinor: 120_000,
      },
    ]);
    expect((await balances(db))["1051"]).toBe(120_000);

    // Tomorrow's export has booked the payment: no opening payment is invented for it.
    const caughtUp = fixture("quickbooks/ar-aging-detail.csv").replace(
      '"4,200.00","4,200.00"',
      '"4,200.00","1,200.00"',
    );
    const summary = await importFiles(db, { ...files, invoices: caughtUp }, QUICKBOOKS, "2026-04-02");
    expect(summary.aheadOfFile).toEqual([]);
    expect((await balances(db))["1051"]).toBe(120_000);
    const openings = (await db.execute(
      "select count(*)::int as n from payments where external_ref = 'opening:1051'",
    )) as unknown as { n: number }[];
    expect(openings[0]?.n).toBe(0);
  });

  it("refuses an amount cut below what is already paid, naming the invoice, and writes nothing", async () => {
    const db = database.current.db;
    const before = await tableCounts(db);
    const cut = fixture("quickbooks/ar-aging-detail.csv").replace(
      '"4,200.00","4,200.00"',
      '"2,000.00","1,000.00"',
    );
    const error = await refused(db, { ...files, invoices: cut }, QUICKBOOKS);
    expect(error.errors.map((e) => `${e.entity} ${e.message}`)).toEqual([
      'invoices line 7, column "Amount": invoice "1051": amount 2,000.00 is less than the 3,000.00 already paid, credited or written off',
    ]);
    expect(await tableCounts(db)).toEqual(before);
    expect((await balances(db))["1051"]).toBe(120_000);
  });

  it("refuses a file naming an unknown customer, with its line, before writing anything", async () => {
    const db = database.current.db;
    const before = await tableCounts(db);
    const aging = fixture("quickbooks/ar-aging-detail.csv")
      .replace(
        "Total for Current",
        ",03/31/2026,Invoice,1061,Zephyr Analytics,,04/30/2026,-30,500.00,500.00\nTotal for Current",
      )
      .replace('04/15/2026,-15,"4,200.00"', '04/15/2026,-15,"4,300.00"');
    const p = plan({ invoices: aging }, QUICKBOOKS);
    // The read-only check sees it too.
    expect((await checkLedgerImport(db, p)).map((e) => e.message)).toEqual([
      'line 14, column "Customer": customer "Zephyr Analytics" is neither in the customers file nor in the ledger',
    ]);
    // Inside one transaction: the refusal comes before any write, not from a rollback.
    const inside = await db.transaction(async (tx) => {
      const error = await applyLedgerImport(tx, p, { asOf: "2026-04-03" }).catch((e: unknown) => e);
      const [row] = (await tx.execute(
        "select amount_minor from invoices where external_ref = '1051'",
      )) as unknown as { amount_minor: number }[];
      return { error, amount: row?.amount_minor };
    });
    expect(inside.error).toBeInstanceOf(LedgerImportError);
    expect(inside.amount).toBe(420_000); // 1051's amount change on line 7 was not written
    expect(await tableCounts(db)).toEqual(before);
  });

  it("a file with one bad row is refused whole by prepare", async () => {
    const db = database.current.db;
    const before = await tableCounts(db);
    const aging = fixture("quickbooks/ar-aging-detail.csv").replace(
      "03/14/2026,17,980.00",
      "02/30/2026,17,980.00",
    );
    const prepared = prepareLedgerImport({ ...files, invoices: aging }, QUICKBOOKS);
    expect(prepared).toEqual({
      ok: false,
      errors: [
        {
          entity: "invoices",
          line: 19,
          column: "Due Date",
          reason: '"02/30/2026" is not a date in MM/DD/YYYY',
          message: 'line 19, column "Due Date": "02/30/2026" is not a date in MM/DD/YYYY',
        },
      ],
    });
    expect(await tableCounts(db)).toEqual(before);
  });
});

describe("xero preset", () => {
  const database = useTestDatabase();
  const files: LedgerFiles = {
    customers: fixture("xero/contacts.csv"),
    invoices: fixture("xero/invoices.csv"),
    payments: fixture("xero/payments.csv"),
  };
  const expectedBalances = {
    "INV-0095": 0,
    "INV-0096": 0,
    "INV-0097": 0,
    "INV-0098": 0,
    "INV-0099": 0,
    "INV-0101": 20_000,
    "INV-0102": 43_800,
    "INV-0103": 144_000,
    "INV-0104": 397_200,
    "INV-0105": 0,
    "INV-0106": 180_000,
    "INV-0107": 26_400,
    "INV-0108": 232_000,
    "INV-0109": 96_000,
    "INV-0110": 345_000,
    "INV-0111": 70_200,
    "INV-0112": 1_500_000,
  };

  it("imports contacts, line-item invoices and applied payments; balances equal InvoiceAmountDue", async () => {
    const db = database.current.db;
    const summary = await importFiles(db, files, XERO);
    expect(summary.customers).toMatchObject({ inserted: 10 });
    expect(summary.contacts).toMatchObject({ inserted: 9 }); // Elmfield has no email or phone
    expect(summary.invoices).toMatchObject({ inserted: 17 });
    expect(summary.payments).toMatchObject({ inserted: 11 });
    expect(summary.applications).toEqual({ inserted: 11, removed: 0, unchanged: 0 });
    // Only INV-0103 has a paid part (1,500.00) the payments file does not fully explain (1,000.00).
    expect(summary.openingBalances).toEqual({ inserted: 1, updated: 0, removed: 0, unchanged: 0 });
    expect(await balances(db)).toEqual(expectedBalances);

    const [opening] = (await db.execute(
      "select amount_minor from payments where external_ref = 'opening:INV-0103'",
    )) as unknown as { amount_minor: number }[];
    expect(opening?.amount_minor).toBe(50_000);
    const [payment] = (await db.execute(
      `select c.external_ref as customer, p.applied_minor, p.received_on::text
       from payments p join customers c on c.id = p.customer_id where p.external_ref = 'PAY-CM-1'`,
    )) as unknown as Record<string, unknown>[];
    expect(payment).toEqual({
      customer: "Castle & Moor Estates",
      applied_minor: 100_000,
      received_on: "2026-02-18",
    });
    const terms = (await db.execute(
      "select external_ref, payment_terms_days from customers order by external_ref",
    )) as unknown as { external_ref: string; payment_terms_days: number }[];
    expect(Object.fromEntries(terms.map((t) => [t.external_ref, t.payment_terms_days]))).toMatchObject({
      "Brightwater Cafés Ltd": 14,
      "Castle & Moor Estates": 30, // "20th of the following month" left at the default
      "Dunmore Engineering": 60,
    });
    const [eur] = (await db.execute(
      `select i.currency, c.currency as customer_currency, i.description from invoices i
       join customers c on c.id = i.customer_id where i.external_ref = 'INV-0110'`,
    )) as unknown as Record<string, unknown>[];
    expect(eur).toEqual({ currency: "EUR", customer_currency: "GBP", description: "JF-2026-03" });
    const closed = (await db.execute(
      "select count(*)::int as n from invoices where closed_at is not null",
    )) as unknown as { n: number }[];
    expect(closed[0]?.n).toBe(6);
  });

  it("re-imports as a no-op, and a later payment replaces the opening balance it explains", async () => {
    const db = database.current.db;
    const before = await tableCounts(db);
    const again = await importFiles(db, files, XERO);
    expect(again.customers).toEqual({ ...unchanged(10), missingFromFile: 0 });
    expect(again.contacts).toEqual({ ...unchanged(9), missingFromFile: null });
    expect(again.invoices).toEqual({ ...unchanged(17), missingFromFile: 0, missingOpenFromFile: 0 });
    expect(again.payments).toEqual({ ...unchanged(11), missingFromFile: 0 });
    expect(again.applications).toEqual({ inserted: 0, removed: 0, unchanged: 11 });
    expect(again.openingBalances).toEqual({ inserted: 0, updated: 0, removed: 0, unchanged: 1 });
    expect(await tableCounts(db)).toEqual(before);

    // The second 500.00 on INV-0103 shows up in the payments export: it replaces the opening part.
    const payments = `${files.payments}INV-0103,090,25/02/2026,500.00,PAY-CM-2\n`;
    const summary = await importFiles(db, { ...files, payments }, XERO);
    expect(summary.payments).toMatchObject({ inserted: 1, unchanged: 11 });
    expect(summary.openingBalances).toEqual({ inserted: 0, updated: 0, removed: 1, unchanged: 0 });
    expect(summary.invoices).toMatchObject({ updated: 1, unchanged: 16 });
    expect(await balances(db)).toEqual(expectedBalances);
    const after = await tableCounts(db);
    expect(after.payments).toBe(before.payments); // +1 real payment, -1 opening payment

    // A payment re-pointed at another invoice moves its application.
    const moved = payments.replace(
      "INV-0108,090,20/03/2026,2000.00,PAY-HM-1",
      "INV-0112,090,20/03/2026,2000.00,PAY-HM-1",
    );
    const invoices = files
      .invoices!.toString()
      .replaceAll(",4320.00,720.00,2000.00,2320.00,", ",4320.00,720.00,0.00,4320.00,")
      .replaceAll(",15000.00,2500.00,0.00,15000.00,", ",15000.00,2500.00,2000.00,13000.00,");
    const movedSummary = await importFiles(db, { ...files, invoices, payments: moved }, XERO);
    expect(movedSummary.applications).toEqual({ inserted: 1, removed: 1, unchanged: 11 });
    expect(movedSummary.openingBalances).toMatchObject({ inserted: 0, removed: 0 });
    const open = await balances(db);
    expect(open["INV-0108"]).toBe(432_000);
    expect(open["INV-0112"]).toBe(1_300_000);
  });
});

describe("arc preset: contacts, formats, references", () => {
  const database = useTestDatabase();
  const customers = [
    "external_ref,name,currency,is_consumer,segment,timezone,country,region,payment_terms_days,credit_limit,owner,strategic",
    'C-100,Nordlicht GmbH,EUR,false,strategic,Europe/Berlin,DE,BE,14,"50,000.00",anna,true',
    "C-200,Jane Roe,USD,true,consumer,America/Chicago,US,IL,30,,bob,false",
  ].join("\n");
  const contacts = [
    "customer_ref,external_ref,name,email,phone,role,is_primary,preferred_channel,language",
    "C-100,K-1,Lena Vogel,lena@nordlicht.example,+49 30 901820,Buchhaltung,yes,email,de",
    "C-200,K-2,Jane Roe,jane@roe.example,+1 312 555 0100,,yes,sms,en",
  ].join("\n");

  it("imports the ARC shape with contacts, a BOM, ';' and ',' decimals", async () => {
    const db = database.current.db;
    const invoices =
      "\uFEFFexternal_ref;customer_ref;currency;amount;open_balance;issue_date;due_date;description\r\n" +
      "RE-1;C-100;EUR;1.234,56;234,56;05.01.2026;19.01.2026;Wartung\r\n" +
      'RE-2;C-200;USD;"99,90";;10.02.2026;12.03.2026;"Plan\r\nmonthly"\r\n';
    const summary = await importFiles(db, { customers, contacts }, "arc");
    expect(summary.contacts).toEqual({ inserted: 2, updated: 0, unchanged: 0, missingFromFile: 0 });
    const second = await importFiles(
      db,
      { invoices },
      { extends: "arc", options: { delimiter: ";", decimalSeparator: ",", dateFormat: "DD.MM.YYYY" } },
    );
    expect(second.invoices).toMatchObject({ inserted: 2 });
    expect(second.customers.missingFromFile).toBeNull();
    expect(second.openingBalances.inserted).toBe(1);
    const rows = (await db.execute(
      `select i.external_ref, i.amount_minor, i.balance_minor, i.due_date::text, i.description, c.external_ref as customer
       from invoices i join customers c on c.id = i.customer_id order by 1`,
    )) as unknown as Record<string, unknown>[];
    expect(rows).toEqual([
      {
        external_ref: "RE-1",
        amount_minor: 123_456,
        balance_minor: 23_456,
        due_date: "2026-01-19",
        description: "Wartung",
        customer: "C-100",
      },
      {
        external_ref: "RE-2",
        amount_minor: 9_990,
        balance_minor: 9_990,
        due_date: "2026-03-12",
        description: "Plan\r\nmonthly",
        customer: "C-200",
      },
    ]);
    const [nordlicht] = (await db.execute(
      `select timezone, segment, is_consumer, strategic, payment_terms_days, credit_limit_minor, owner, region
       from customers where external_ref = 'C-100'`,
    )) as unknown as Record<string, unknown>[];
    expect(nordlicht).toEqual({
      timezone: "Europe/Berlin",
      segment: "strategic",
      is_consumer: false,
      strategic: true,
      payment_terms_days: 14,
      credit_limit_minor: 5_000_000,
      owner: "anna",
      region: "BE",
    });
    const [lena] = (await db.execute(
      "select name, role, is_primary, preferred_channel, language from contacts where external_ref = 'K-1'",
    )) as unknown as Record<string, unknown>[];
    expect(lena).toEqual({
      name: "Lena Vogel",
      role: "Buchhaltung",
      is_primary: true,
      preferred_channel: "email",
      language: "de",
    });
  });

  it("keeps stored values a file does not state, and clears those it states as empty", async () => {
    const db = database.current.db;
    // A thinner customer list: no segment/timezone/terms columns, and an empty owner.
    const thin = "external_ref,name,currency,owner\nC-100,Nordlicht GmbH,EUR,\n";
    const summary = await importFiles(db, { customers: thin }, "arc");
    expect(summary.customers).toEqual({ inserted: 0, updated: 1, unchanged: 0, missingFromFile: 1 });
    const [row] = (await db.execute(
      "select timezone, segment, payment_terms_days, owner from customers where external_ref = 'C-100'",
    )) as unknown as Record<string, unknown>[];
    expect(row).toEqual({
      timezone: "Europe/Berlin",
      segment: "strategic",
      payment_terms_days: 14,
      owner: null,
    });
  });

  it("reports references to unknown customers and invoices with their lines and columns", async () => {
    const db = database.current.db;
    const before = await tableCounts(db);
    const error = await refused(
      db,
      {
        contacts: "customer_ref,external_ref,name\nC-100,K-3,Max\nC-999,K-4,Nobody\n",
        invoices:
          "external_ref,customer_ref,currency,amount,issue_date,due_date\nRE-3,C-100,EUR,10.00,2026-03-01,2026-03-31\nRE-4,C-404,EUR,10.00,2026-03-01,2026-03-31\n",
        payments:
          "external_ref,customer_ref,currency,amount,received_on,invoice_ref\nP-1,C-100,EUR,10.00,2026-03-05,RE-3\nP-2,C-100,EUR,5.00,2026-03-05,RE-404\nP-3,C-100,USD,5.00,2026-03-05,RE-1\nP-4,C-405,EUR,5.00,2026-03-05,\n",
      },
      "arc",
    );
    expect(error.errors.map((e) => `${e.entity} ${e.message}`)).toEqual([
      'contacts line 3, column "customer_ref": customer "C-999" is neither in the customers file nor in the ledger',
      'invoices line 3, column "customer_ref": customer "C-404" is neither in the customers file nor in the ledger',
      'payments line 3, column "invoice_ref": invoice "RE-404" is neither in the invoices file nor in the ledger',
      'payments line 4, column "currency": payment in USD cannot pay invoice "RE-1" in EUR',
      'payments line 5, column "customer_ref": customer "C-405" is neither in the customers file nor in the ledger',
    ]);
    expect(error.message).toMatch(/^ledger import refused, nothing written: contacts line 3/);
    expect(await tableCounts(db)).toEqual(before);
  });

  it("refuses to overwrite a payment another source recorded, or to over-apply an invoice", async () => {
    const db = database.current.db;
    await db.execute(`insert into payments (external_ref, currency, amount_minor, received_on, source)
      values ('BANK-1', 'EUR', 1000, '2026-03-01', 'bank_file')`);
    const error = await refused(
      db,
      {
        payments:
          "external_ref,currency,amount,received_on,invoice_ref\nBANK-1,EUR,10.00,2026-03-01,\nP-9,EUR,300.00,2026-03-02,RE-1\n",
      },
      "arc",
    );
    expect(error.errors.map((e) => e.message)).toEqual([
      'line 2, column "external_ref": payment "BANK-1" is already in the ledger from source "bank_file"; an import does not overwrite it',
      'line 3, column "invoice_ref": invoice "RE-1" would be settled 1,300.00, more than its amount 1,234.56',
    ]);
  });
});

describe("throughput", () => {
  const database = useTestDatabase();

  it("imports thousands of invoices in batches and re-imports them unchanged", async () => {
    const db = database.current.db;
    const customerCount = 500;
    const invoiceCount = 5000;
    const customerLines = ["external_ref,name,currency,email"];
    for (let c = 0; c < customerCount; c++) customerLines.push(`C${c},Customer ${c},USD,ap${c}@example.com`);
    const invoiceLines = ["external_ref,customer_ref,currency,amount,open_balance,issue_date,due_date"];
    for (let i = 0; i < invoiceCount; i++) {
      const amount = 10_000 + i;
      const open = i % 3 === 0 ? amount : i % 3 === 1 ? Math.floor(amount / 2) : 0;
      invoiceLines.push(
        `INV${i},C${i % customerCount},USD,${(amount / 100).toFixed(2)},${(open / 100).toFixed(2)},2026-01-01,2026-01-31`,
      );
    }
    const files = { customers: customerLines.join("\n"), invoices: invoiceLines.join("\n") };
    const started = performance.now();
    const first = await importFiles(db, files, "arc");
    const firstMs = performance.now() - started;
    expect(first.invoices.inserted).toBe(invoiceCount);
    expect(first.openingBalances.inserted).toBe(Math.floor((invoiceCount * 2) / 3));
    const againStarted = performance.now();
    const again = await importFiles(db, files, "arc");
    const againMs = performance.now() - againStarted;
    expect(again.invoices).toMatchObject({ inserted: 0, updated: 0, unchanged: invoiceCount });
    expect(again.openingBalances.unchanged).toBe(Math.floor((invoiceCount * 2) / 3));
    const [sum] = (await db.execute(
      "select sum(balance_minor)::bigint as total from invoices",
    )) as unknown as {
      total: number;
    }[];
    let expected = 0;
    for (let i = 0; i < invoiceCount; i++) {
      const amount = 10_000 + i;
      expected += i % 3 === 0 ? amount : i % 3 === 1 ? Math.floor(amount / 2) : 0;
    }
    expect(sum?.total).toBe(expected);
    console.log(
      `ledger import on ${database.current.kind}: ${invoiceCount} invoices + ${customerCount} customers in ${Math.round(firstMs)} ms, re-import ${Math.round(againMs)} ms`,
    );
  }, 120_000);
});
