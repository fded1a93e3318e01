// Mapping documents and CSV parsing of ledger exports: no database needed.
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  loadMapping,
  MappingError,
  type NormalizedContact,
  type NormalizedCustomer,
  type NormalizedInvoice,
  type NormalizedPayment,
  PRESET_NAMES,
  PRESETS,
  parseDate,
  parseLedgerFile,
  parseLedgerStream,
  parseMappingDocument,
  parsePaymentTerms,
  prepareLedgerImport,
  resolveMapping,
} from "../../tools/ledger-import/index.ts";

const fixture = (path: string) =>
  readFileSync(new URL(`../fixtures/ledger/${path}`, import.meta.url), "utf8");
const messages = (errors: { message: string }[]) => errors.map((e) => e.message);

function mappingIssues(run: () => unknown): { path: string; message: string }[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MappingError);
    return (error as MappingError).issues;
  }
  throw new Error("expected a MappingError");
}

describe("mapping documents", () => {
  it("resolve every built-in preset", () => {
    expect(PRESET_NAMES).toEqual(["arc", "quickbooks", "xero"]);
    for (const name of PRESET_NAMES) {
      const mapping = loadMapping(name);
      expect(mapping.name).toBe(name);
      expect(mapping.invoices?.columns.externalRef?.length).toBeGreaterThan(0);
    }
    expect(loadMapping("quickbooks").invoices?.options.dateFormat).toBe("MM/DD/YYYY");
    expect(loadMapping("xero").invoices?.lineItems).toBe(true);
    expect(loadMapping("quickbooks").payments?.options.amountSign).toBe("negative");
  });

  it("extend a preset from YAML, overriding options and dropping a column with null", () => {
    const mapping = parseMappingDocument(`
extends: xero
options:
  dateFormat: MM/DD/YYYY
  currency: USD
invoices:
  columns:
    description: null
    amount: [Total, InvoiceTotal]
  options:
    decimalSeparator: ","
`);
    expect(mapping.name).toBe("xero");
    expect(mapping.invoices?.options).toMatchObject({
      dateFormat: "MM/DD/YYYY",
      currency: "USD",
      decimalSeparator: ",",
    });
    expect(mapping.customers?.options.decimalSeparator).toBe(".");
    expect(mapping.invoices?.columns.description).toBeUndefined();
    expect(mapping.invoices?.columns.amount).toEqual(["Total", "InvoiceTotal"]);
    expect(mapping.invoices?.columns.externalRef).toEqual(PRESETS.xero.invoices?.columns?.externalRef);
    expect(mapping.invoices?.lineItems).toBe(true);
  });

  it("accept JSON documents too", () => {
    const mapping = parseMappingDocument(
      JSON.stringify({
        name: "erp",
        payments: { columns: { externalRef: "Ref", amount: "Amt", receivedOn: "Date" } },
        options: { currency: "EUR", dateFormat: "DD.MM.YYYY" },
      }),
    );
    expect(mapping.name).toBe("erp");
    expect(mapping.payments?.columns).toEqual({
      externalRef: ["Ref"],
      amount: ["Amt"],
      receivedOn: ["Date"],
    });
    expect(mapping.invoices).toBeUndefined();
  });

  it("report errors naming the offending field", () => {
    expect(
      mappingIssues(() => parseMappingDocument("invoices:\n  columns:\n    amout: Amount\n")).find(
        (i) => i.path === "invoices.columns.amout",
      )?.message,
    ).toMatch(/^unknown field \(did you mean "amount"\?\)/);
    expect(mappingIssues(() => resolveMapping({ options: { dateFormat: "YYYY/MM/DD" } }))).toEqual([
      {
        path: "options.dateFormat",
        message: "must be one of YYYY-MM-DD, MM/DD/YYYY, DD/MM/YYYY, DD.MM.YYYY",
      },
    ]);
    expect(mappingIssues(() => resolveMapping({ extends: "arc", options: { currency: "XYZ" } }))).toEqual([
      { path: "options.currency", message: "must be an ISO 4217 currency code such as USD or EUR" },
    ]);
    expect(mappingIssues(() => resolveMapping({ extends: "sage" }))).toEqual([
      { path: "extends", message: 'unknown preset "sage" (known: arc, quickbooks, xero)' },
    ]);
    const missing = mappingIssues(() => resolveMapping({ invoices: { columns: { externalRef: "No" } } }));
    expect(missing.map((i) => i.path)).toEqual([
      "invoices.columns.customerRef",
      "invoices.columns.amount",
      "invoices.columns.issueDate",
      "invoices.columns.dueDate",
    ]);
    expect(missing[0]?.message).toBe("required: name the source column");
    expect(
      mappingIssues(() => resolveMapping({ extends: "arc", invoices: { columns: { amount: 12 } } })),
    ).toEqual([
      { path: "invoices.columns.amount", message: "expected a column name or a list of column names" },
    ]);
    expect(mappingIssues(() => resolveMapping({ extends: "arc", customers: { lineItems: true } }))).toEqual([
      { path: "customers.lineItems", message: "unknown field" },
    ]);
    expect(
      mappingIssues(() => resolveMapping({ extends: "arc", invoices: { columns: { paidAmount: "paid" } } })),
    ).toEqual([
      { path: "invoices.columns.paidAmount", message: "map either openBalance or paidAmount, not both" },
    ]);
    expect(mappingIssues(() => parseMappingDocument("options: [unclosed"))[0]?.path).toBe("(document)");
    expect(mappingIssues(() => loadMapping("netsuite"))[0]?.message).toBe(
      'unknown preset "netsuite" (known: arc, quickbooks, xero)',
    );
  });

  it("refuse a file for an entity the mapping does not cover", () => {
    const issues = mappingIssues(() => prepareLedgerImport({ contacts: "a,b\n1,2\n" }, "quickbooks"));
    expect(issues).toEqual([
      {
        path: "contacts",
        message: 'mapping "quickbooks" has no contacts section, so a contacts file cannot be read',
      },
    ]);
  });
});

describe("cell parsers", () => {
  it("read dates only when they are real calendar dates in the declared format", () => {
    expect(parseDate("2026-03-01", "YYYY-MM-DD")).toBe("2026-03-01");
    expect(parseDate("3/1/2026", "MM/DD/YYYY")).toBe("2026-03-01");
    expect(parseDate("3/1/2026", "DD/MM/YYYY")).toBe("2026-01-03");
    expect(parseDate("29.02.2028", "DD.MM.YYYY")).toBe("2028-02-29");
    expect(parseDate("29.02.2026", "DD.MM.YYYY")).toBeUndefined();
    expect(parseDate("31/04/2026", "DD/MM/YYYY")).toBeUndefined();
    expect(parseDate("13/01/2026", "MM/DD/YYYY")).toBeUndefined();
    expect(parseDate("2026-03-01T00:00:00", "YYYY-MM-DD")).toBe("2026-03-01");
    expect(parseDate("2026-03-01", "DD/MM/YYYY")).toBeUndefined();
  });

  it("read payment terms as days", () => {
    expect(parsePaymentTerms("Net 30")).toBe(30);
    expect(parsePaymentTerms("net45")).toBe(45);
    expect(parsePaymentTerms("2% 10, Net 30")).toBe(30);
    expect(parsePaymentTerms("Due on receipt")).toBe(0);
    expect(parsePaymentTerms("14")).toBe(14);
    expect(parsePaymentTerms("20", "OFFOLLOWINGMONTH")).toBeUndefined();
    expect(parsePaymentTerms("20", "DAYSAFTERBILLDATE")).toBe(20);
    expect(parsePaymentTerms("End of month")).toBe("invalid");
  });
});

describe("parseLedgerFile", () => {
  it("reports every kind of row error with its physical line, column and reason", () => {
    const result = parseLedgerFile("invoices", fixture("bad-invoices.csv"), "arc");
    expect(messages(result.errors)).toEqual([
      'line 3, column "amount": "12.345" has more decimals than USD allows (2)',
      // INV-3 on lines 4-6 has a description spanning three lines; it is valid and must not shift the
      // numbers of the rows after it.
      'line 7, column "issue_date": "2026-02-31" is not a date in YYYY-MM-DD',
      'line 8, column "due_date": due date 2026-03-01 is before the invoice date 2026-03-10',
      'line 9, column "external_ref": required value is empty',
      'line 10, column "external_ref": duplicate invoice "INV-1" (first on line 2)',
      'line 11, column "currency": "XYZ" is not an ISO 4217 currency code',
      'line 12, column "open_balance": open balance 150.00 is more than the invoice amount 100.00',
      'line 13, column "amount": "-5.00" must be more than zero',
      'line 14, column "amount": "abc" is not an amount',
      "line 15: has 6 fields but the header has 8",
      'line 16, column "amount": "1200.5" has more decimals than JPY allows (0)',
    ]);
    expect(result.errors[0]).toMatchObject({ entity: "invoices", line: 3, column: "amount" });
    expect(result.rows.map((r) => [r.externalRef, r.line])).toEqual([
      ["INV-1", 2],
      ["INV-3", 4],
      ["INV-12", 17],
    ]);
    expect(result.rows[1]?.description).toBe("a description\nspanning three\nlines");
    const prepared = prepareLedgerImport({ invoices: fixture("bad-invoices.csv") }, "arc");
    expect(prepared.ok).toBe(false);
  });

  it("counts lines right with CRLF endings, CRLF inside quotes, blank lines and a lone CR", () => {
    const csv = [
      "external_ref,customer_ref,currency,amount,issue_date,due_date,description",
      'A-1,C-1,USD,10.00,2026-01-01,2026-01-31,"two\r\nlines"',
      "",
      "A-2,C-1,USD,10.00,2026-01-01,2026-01-31,ok",
      'A-3,C-1,USD,10.00,2026-01-01,2026-01-31,"three\r\nmore\r\nlines"',
      "A-4,C-1,USD,10.00,2026-13-01,2026-01-31,bad month",
    ].join("\r\n");
    const result = parseLedgerFile("invoices", csv, "arc");
    expect(result.rows.map((r) => [r.externalRef, r.line])).toEqual([
      ["A-1", 2],
      ["A-2", 5],
      ["A-3", 6],
    ]);
    expect(messages(result.errors)).toEqual([
      'line 9, column "issue_date": "2026-13-01" is not a date in YYYY-MM-DD',
    ]);
  });

  it("names a missing required column on the header line", () => {
    const csv = "external_ref,customer_ref,currency,amount,issue_date\nA-1,C-1,USD,1.00,2026-01-01\n";
    const result = parseLedgerFile("invoices", csv, "arc");
    expect(messages(result.errors)).toEqual(['line 1: missing required column "due_date"']);
    expect(result.rows).toEqual([]);
    const noCurrency = parseLedgerFile(
      "invoices",
      "external_ref,customer_ref,amount,issue_date,due_date\nA-1,C-1,1.00,2026-01-01,2026-01-31\n",
      "arc",
    );
    expect(messages(noCurrency.errors)).toEqual([
      'line 1: missing required column "currency" (or set options.currency)',
    ]);
    const withDefault = parseLedgerFile(
      "invoices",
      "external_ref,customer_ref,amount,issue_date,due_date\nA-1,C-1,1.00,2026-01-01,2026-01-31\n",
      { extends: "arc", options: { currency: "CHF" } },
    );
    expect(withDefault.errors).toEqual([]);
    expect(withDefault.rows[0]).toMatchObject({ currency: "CHF", amountMinor: 100 });
  });

  it("reports a CSV syntax error with its line and stops reading the file", () => {
    const csv = 'external_ref,name,currency\nC-1,Acme,USD\nC-2,"Bad"quote,USD\nC-3,Fine,USD\n';
    const result = parseLedgerFile("customers", csv, "arc");
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.line).toBe(3);
    expect(result.errors[0]?.message).toMatch(/^line 3: not valid CSV: Invalid Closing Quote/);
  });

  it("reads a BOM, ';' delimiters, ',' decimals and DD.MM.YYYY dates", () => {
    const mapping = {
      extends: "arc",
      options: { delimiter: ";", decimalSeparator: ",", dateFormat: "DD.MM.YYYY" },
    } as const;
    const csv =
      "\uFEFFexternal_ref;customer_ref;currency;amount;open_balance;issue_date;due_date\r\n" +
      "RE-2026-001;K-100;EUR;1.234,56;234,56;05.01.2026;04.02.2026\r\n" +
      'RE-2026-002;K-100;EUR;"99,9";;31.01.2026;02.03.2026\r\n';
    const result = parseLedgerFile("invoices", csv, mapping);
    expect(result.errors).toEqual([]);
    expect(result.rows).toEqual([
      {
        line: 2,
        externalRef: "RE-2026-001",
        customerRef: "K-100",
        currency: "EUR",
        amountMinor: 123456,
        openBalanceMinor: 23456,
        issueDate: "2026-01-05",
        dueDate: "2026-02-04",
      },
      {
        line: 3,
        externalRef: "RE-2026-002",
        customerRef: "K-100",
        currency: "EUR",
        amountMinor: 9990,
        issueDate: "2026-01-31",
        dueDate: "2026-03-02",
      },
    ]);
    // The same file with the delimiter sniffed, and as bytes.
    const sniffed = parseLedgerFile("invoices", new TextEncoder().encode(csv), {
      ...mapping,
      options: { ...mapping.options, delimiter: "auto" },
    });
    expect(sniffed.rows).toEqual(result.rows);
    // A BOM in front of a quoted first header cell is what breaks CSV readers; it is stripped by
    // default, and kept (so the file is refused) when the mapping says bom: false.
    const quoted = csv.replace("external_ref;", '"external_ref";');
    expect(parseLedgerFile("invoices", quoted, mapping).rows).toEqual(result.rows);
    const kept = parseLedgerFile("invoices", quoted, {
      ...mapping,
      options: { ...mapping.options, bom: false },
    });
    expect(messages(kept.errors)).toEqual([
      'line 1: not valid CSV: Invalid Opening Quote: a quote is found on field 0, value is "\uFEFF" (utf8 bom)',
    ]);
  });

  it("decodes windows-1252 bytes when the mapping says so", () => {
    const bytes = Uint8Array.from([
      ...Buffer.from("external_ref,name,currency\nK-1,M", "latin1"),
      0xfc, // ü in windows-1252
      ...Buffer.from("ller GmbH,EUR\n", "latin1"),
    ]);
    const result = parseLedgerFile("customers", bytes, {
      extends: "arc",
      options: { encoding: "windows-1252" },
    });
    expect(result.rows[0]?.name).toBe("Müller GmbH");
  });

  it("checks customer fields: time zones, segments, terms, flags, emails, credit limits", () => {
    const csv = [
      "external_ref,name,currency,timezone,segment,payment_terms_days,is_consumer,email,credit_limit",
      'C-1,Acme,USD,America/New_York,strategic,Net 30,no,ap@acme.example,"1,000.00"',
      "C-2,Beta,USD,Mars/Olympus,,30,,,",
      "C-3,Gamma,USD,,vip,,,,",
      "C-4,Delta,USD,,,End of month,maybe,,",
      "C-5,Epsilon,usd,,,,,not-an-email,-5.00",
      "C-1,Acme again,USD,,,,,,",
    ].join("\n");
    const result = parseLedgerFile("customers", csv, "arc");
    expect(messages(result.errors)).toEqual([
      'line 3, column "timezone": "Mars/Olympus" is not an IANA time zone (e.g. "America/New_York")',
      'line 4, column "segment": "vip" is not a segment (prompt, slow, problem, strategic, consumer, new)',
      'line 5, column "is_consumer": "maybe" is not yes/no (true/false, 1/0)',
      'line 5, column "payment_terms_days": "End of month" is not a payment term in days (e.g. "Net 30")',
      'line 6, column "credit_limit": "-5.00" must not be negative',
      'line 6, column "email": "not-an-email" is not an email address',
      'line 7, column "external_ref": duplicate customer "C-1" (first on line 2)',
    ]);
    const acme = result.rows[0] as NormalizedCustomer;
    expect(acme).toMatchObject({
      externalRef: "C-1",
      timezone: "America/New_York",
      segment: "strategic",
      paymentTermsDays: 30,
      isConsumer: false,
      creditLimitMinor: 100000,
      primaryContact: { name: "Acme", email: "ap@acme.example", phone: null },
    });
  });

  it("checks contacts and payments", () => {
    const contacts = parseLedgerFile(
      "contacts",
      [
        "customer_ref,external_ref,name,email,phone,role,is_primary,preferred_channel,language",
        "C-1,P-1,Ann Lee,ann@acme.example,+1 617 555 0100,AP clerk,yes,sms,en-US",
        "C-1,,Bob Stone,BOB@acme.example,,,,,",
        "C-1,,,,,,,,",
        "C-2,P-9,Cy,cy@x.example,,,,fax,english",
      ].join("\n"),
      "arc",
    );
    expect(messages(contacts.errors)).toEqual([
      'line 4, column "name": a contact needs a name or an email address',
      'line 5, column "preferred_channel": "fax" is not a channel (email, sms, call, letter)',
      'line 5, column "language": "english" is not a language tag (e.g. "en", "fr-CA")',
    ]);
    expect(contacts.rows as NormalizedContact[]).toEqual([
      {
        line: 2,
        customerRef: "C-1",
        externalRef: "P-1",
        name: "Ann Lee",
        email: "ann@acme.example",
        phone: "+1 617 555 0100",
        role: "AP clerk",
        isPrimary: true,
        preferredChannel: "sms",
        language: "en-US",
      },
      // No id column value: keyed by the (lower-cased) email so a re-import finds it again.
      {
        line: 3,
        customerRef: "C-1",
        externalRef: "email:bob@acme.example",
        name: "Bob Stone",
        email: "BOB@acme.example",
        phone: null,
        role: null,
      },
    ]);

    const payments = parseLedgerFile(
      "payments",
      [
        "external_ref,customer_ref,currency,amount,received_on,invoice_ref,applied_amount",
        "P-1,C-1,USD,100.00,2026-03-01,INV-1,60.00",
        "P-2,,USD,50.00,2026-03-02,INV-2,",
        "opening:INV-3,C-1,USD,10.00,2026-03-02,,",
        "P-4,C-1,USD,10.00,2026-03-02,INV-4,12.00",
        "P-5,C-1,USD,10.00,2026-03-02,,5.00",
        "P-6,C-1,USD,0,2026-03-02,,",
      ].join("\n"),
      "arc",
    );
    expect(messages(payments.errors)).toEqual([
      'line 4, column "external_ref": "opening:INV-3": references starting "opening:" are reserved for opening balances',
      'line 5, column "applied_amount": applied 12.00 is more than the payment 10.00',
      'line 6, column "applied_amount": an applied amount needs the invoice it was applied to',
      'line 7, column "amount": "0" must be more than zero',
    ]);
    expect(payments.rows as NormalizedPayment[]).toEqual([
      {
        line: 2,
        externalRef: "P-1",
        customerRef: "C-1",
        currency: "USD",
        amountMinor: 10000,
        receivedOn: "2026-03-01",
        invoiceRef: "INV-1",
        appliedMinor: 6000,
      },
      {
        line: 3,
        externalRef: "P-2",
        currency: "USD",
        amountMinor: 5000,
        receivedOn: "2026-03-02",
        invoiceRef: "INV-2",
        appliedMinor: 5000,
      },
    ]);
  });
});

describe("presets on their fixtures", () => {
  it("quickbooks: finds the header under the report title, keeps only invoices, reads unapplied payments", () => {
    const mapping = { extends: "quickbooks", options: { currency: "USD" } } as const;
    const invoices = parseLedgerFile("invoices", fixture("quickbooks/ar-aging-detail.csv"), mapping);
    expect(invoices.errors).toEqual([]);
    expect(invoices.headerLine).toBe(5);
    expect(invoices.rows).toHaveLength(13);
    const byRef = new Map((invoices.rows as NormalizedInvoice[]).map((r) => [r.externalRef, r]));
    expect(byRef.get("1031")).toEqual({
      line: 16,
      externalRef: "1031",
      customerRef: "Delta Freight Partners",
      currency: "USD",
      amountMinor: 1_840_000,
      openBalanceMinor: 920_000,
      issueDate: "2026-01-05",
      dueDate: "2026-03-06",
      description: "Freight audit Q4",
    });
    expect(byRef.get("1055")).toMatchObject({
      line: 9,
      description: "Q1 analytics retainer\nPhase 2 deliverables",
    });
    expect(byRef.get("1056")?.line).toBe(11);
    expect(byRef.has("1057")).toBe(false); // a credit memo
    expect(invoices.columns).toMatchObject({
      externalRef: "Num",
      dueDate: "Due Date",
      openBalance: "Open Balance",
    });

    const payments = parseLedgerFile("payments", fixture("quickbooks/ar-aging-detail.csv"), mapping);
    expect(payments.errors).toEqual([]);
    expect(payments.rows).toEqual([
      {
        line: 21,
        externalRef: "7794",
        customerRef: "Granite Peak Outfitters",
        currency: "USD",
        amountMinor: 50_000,
        receivedOn: "2026-03-10",
        remittanceText: "Awaiting remittance advice",
      },
      {
        line: 29,
        externalRef: "7712",
        customerRef: "Keystone Legal Services",
        currency: "USD",
        amountMinor: 12_000,
        receivedOn: "2026-01-02",
        remittanceText: "Overpayment on account",
      },
    ]);

    const customers = parseLedgerFile("customers", fixture("quickbooks/customers.csv"), mapping);
    expect(customers.errors).toEqual([]);
    expect(customers.rows).toHaveLength(12);
    const harborview = (customers.rows as NormalizedCustomer[]).find(
      (c) => c.name === "Harborview Hotel Group",
    );
    expect(harborview).toMatchObject({
      line: 13,
      paymentTermsDays: 30,
      creditLimitMinor: 10_000_000,
      region: "FL",
      primaryContact: { name: "Anna Kowalski", email: "ap@harborview.example", phone: "(305) 555-0188" },
    });
    const foxglove = (customers.rows as NormalizedCustomer[]).find((c) => c.name === "Foxglove Bakery");
    expect(foxglove?.primaryContact).toEqual({ name: "Foxglove Bakery", email: null, phone: null });
  });

  it("quickbooks: with no header in reach, says which columns it looked for", () => {
    const result = parseLedgerFile("invoices", "A/R Aging Detail\nnothing here\n", {
      extends: "quickbooks",
      options: { currency: "USD" },
    });
    expect(messages(result.errors)).toEqual([
      'line 1: no header line naming the required columns ("Num", "Customer", "Amount", "Date", "Due Date") in the first 50 lines',
    ]);
  });

  it("xero: merges the lines of each invoice and keys contacts by name", () => {
    const mapping = { extends: "xero", options: { currency: "GBP" } } as const;
    const invoices = parseLedgerFile("invoices", fixture("xero/invoices.csv"), mapping);
    expect(invoices.errors).toEqual([]);
    expect(invoices.rows).toHaveLength(17);
    const byRef = new Map((invoices.rows as NormalizedInvoice[]).map((r) => [r.externalRef, r]));
    expect(byRef.get("INV-0104")).toEqual({
      line: 11,
      externalRef: "INV-0104",
      customerRef: "Dunmore Engineering",
      currency: "GBP",
      amountMinor: 697_200,
      openBalanceMinor: 397_200,
      issueDate: "2026-02-02",
      dueDate: "2026-04-03",
      description: "DE-4471",
    });
    expect(byRef.get("INV-0110")).toMatchObject({ currency: "EUR", amountMinor: 345_000 });
    expect(byRef.get("INV-0107")?.line).toBe(17); // after INV-0106's two-line item description
    const contacts = parseLedgerFile("customers", fixture("xero/contacts.csv"), mapping);
    expect(contacts.errors).toEqual([]);
    const castle = (contacts.rows as NormalizedCustomer[]).find(
      (c) => c.externalRef === "Castle & Moor Estates",
    );
    expect(castle?.paymentTermsDays).toBeUndefined(); // "20th of the following month" is not a day count
    expect((contacts.rows as NormalizedCustomer[]).map((c) => c.externalRef)).toContain(
      "Brightwater Cafés Ltd",
    );
    const payments = parseLedgerFile("payments", fixture("xero/payments.csv"), mapping);
    expect(payments.errors).toEqual([]);
    expect(payments.rows[3]).toEqual({
      line: 5,
      externalRef: "PAY-ISC-0A",
      currency: "GBP",
      amountMinor: 70_000,
      receivedOn: "2026-01-10",
      invoiceRef: "INV-0098",
      appliedMinor: 70_000,
    });
  });

  it("xero: lines of one invoice that disagree are an error on the later line", () => {
    const text = fixture("xero/invoices.csv");
    const lines = text.split("\n");
    // INV-0104's second line (file line 12) claims a different total.
    lines[11] = lines[11]!.replace(",6972.00,", ",6973.00,");
    const result = parseLedgerFile("invoices", lines.join("\n"), {
      extends: "xero",
      options: { currency: "GBP" },
    });
    expect(messages(result.errors)).toEqual([
      'line 12, column "Total": invoice "INV-0104" has 6,973.00 here but 6,972.00 on line 11 (lines of one invoice must agree)',
    ]);
  });
});

describe("parseLedgerStream", () => {
  it("gives the same rows, errors and lines as the whole-text parser, whatever the chunking", async () => {
    const text = `\uFEFF${fixture("bad-invoices.csv").replaceAll("\n", "\r\n")}`;
    const whole = parseLedgerFile("invoices", text, "arc");
    const bytes = Buffer.from(text, "utf8");
    for (const size of [1, 7, 64, bytes.length]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      const streamed = await parseLedgerStream("invoices", Readable.from(chunks), "arc");
      expect(streamed.rows).toEqual(whole.rows);
      expect(streamed.errors).toEqual(whole.errors);
    }
    expect(whole.errors[0]?.line).toBe(3);
    expect(whole.errors.at(-1)?.line).toBe(16);
  });
});
