// The hand-written bank files (test/fixtures/bank-files) as labelled cash-application cases: each
// file is parsed exactly as `arc import bank` parses it, its booked receipts become unidentified
// payments, and they are matched against a small ledger written for that file (the customers who
// appear in the fixtures, the invoices they cite), with the application a careful person would make
// as the truth. The demo dataset (dataset.ts) gives volume; these give real file layouts: remittance
// split across camt Ustrd/Strd, MT940 ?-subfields, BAI2 88 continuations, CSV memo columns.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ReceiptCase, ReceiptTruth } from "../../db/demo/model.ts";
import { parseBankFile, parseCsvBankMapping } from "../../tools/bank-files/index.ts";
import {
  createDirectory,
  DEFAULT_MATCH_SETTINGS,
  type MatchCustomer,
  type MatchInvoice,
  type MatchPayment,
  type MatchSettings,
  matchPayments,
  type PaymentMatch,
} from "../../tools/cash-matching/index.ts";

export const FIXTURE_DIR = join(import.meta.dirname, "../../test/fixtures/bank-files");

/** Everyone who pays in the fixtures, with the accounts the ledger already knows for some. */
const CUSTOMERS: { ref: string; name: string; bankAccounts?: string[] }[] = [
  { ref: "C-ACME", name: "ACME Manufacturing GmbH", bankAccounts: ["DE44500105175407324931"] },
  { ref: "C-BLUEBIRD", name: "Bluebird Retail SARL" },
  { ref: "C-INITECH", name: "Initech Inc." },
  { ref: "C-SAKURA", name: "Sakura Trading KK" },
  { ref: "C-UMBRELLA", name: "Umbrella Corporation" },
  { ref: "C-HOOLI", name: "Hooli Services Ltd" },
  { ref: "C-GLOBEX", name: "Globex Corporation" },
  { ref: "C-NORTHWIND", name: "Northwind Traders AG" },
  { ref: "C-CONTOSO", name: "Contoso Ltd" },
  { ref: "C-FABRIKAM", name: "Fabrikam Logistics BV" },
  { ref: "C-WAYNE", name: "Wayne Enterprises" },
  { ref: "C-STARK", name: "Stark Industries" },
];

type Inv = [customer: string, number: string, currency: string, amountMinor: number];
/** What a careful person applies each booked receipt to, in file order. */
interface Expected {
  case: ReceiptCase;
  customer: string;
  apply: [number: string, amountMinor: number][];
  adjustments?: [number: string, kind: ReceiptTruth["adjustments"][number]["kind"], amountMinor: number][];
  partial?: boolean;
}

interface FixtureCase {
  file: string;
  csvMapping?: string;
  invoices: Inv[];
  receipts: Expected[];
}

const ACME_EUR: Inv[] = [
  ["C-ACME", "INV-2025-000123", "EUR", 60_000],
  ["C-ACME", "INV-2025-000124", "EUR", 59_000],
];
const ACME_BOTH: Expected = {
  case: "several",
  customer: "C-ACME",
  apply: [
    ["INV-2025-000123", 60_000],
    ["INV-2025-000124", 59_000],
  ],
};

export const FIXTURE_CASES: FixtureCase[] = [
  {
    file: "camt053-multi-currency.xml",
    invoices: [
      ...ACME_EUR,
      ["C-BLUEBIRD", "INV-2025-000130", "EUR", 238_000],
      // USD 1,100.00 converted and charged 15.00 on the way: the invoice was EUR 1,010.50.
      ["C-INITECH", "INV-2025-000150", "EUR", 101_050],
      ["C-SAKURA", "INV-2025-000160", "JPY", 330_000],
    ],
    receipts: [
      ACME_BOTH,
      { case: "clean", customer: "C-BLUEBIRD", apply: [["INV-2025-000130", 238_000]] },
      {
        case: "bank_charges",
        customer: "C-INITECH",
        apply: [["INV-2025-000150", 99_550]],
        adjustments: [["INV-2025-000150", "bank_charges", 1_500]],
      },
      { case: "clean", customer: "C-SAKURA", apply: [["INV-2025-000160", 330_000]] },
    ],
  },
  {
    file: "camt054-batch.xml",
    invoices: [
      ["C-NORTHWIND", "INV-2025-000201", "EUR", 120_000],
      ["C-CONTOSO", "INV-2025-000202", "EUR", 100_000],
      ["C-CONTOSO", "INV-2025-000203", "EUR", 50_000],
      ["C-FABRIKAM", "INV-2025-000204", "EUR", 75_000],
    ],
    receipts: [
      { case: "clean", customer: "C-NORTHWIND", apply: [["INV-2025-000201", 120_000]] },
      {
        case: "several",
        customer: "C-CONTOSO",
        apply: [
          ["INV-2025-000202", 100_000],
          ["INV-2025-000203", 50_000],
        ],
      },
      { case: "clean", customer: "C-FABRIKAM", apply: [["INV-2025-000204", 75_000]] },
    ],
  },
  {
    file: "mt940-eur.sta",
    invoices: [
      ...ACME_EUR,
      ["C-HOOLI", "INV-2025-000170", "EUR", 80_000],
      ["C-BLUEBIRD", "INV-2025-000130", "EUR", 238_000],
    ],
    receipts: [
      ACME_BOTH,
      // Two instalments of one invoice, both declared partial ("Teilzahlung").
      { case: "split", customer: "C-HOOLI", apply: [["INV-2025-000170", 25_000]], partial: true },
      { case: "split", customer: "C-HOOLI", apply: [["INV-2025-000170", 25_000]], partial: true },
      // No counterparty fields: the payer is named only inside the remittance text.
      { case: "clean", customer: "C-BLUEBIRD", apply: [["INV-2025-000130", 238_000]] },
    ],
  },
  {
    file: "mt940-usd.sta",
    invoices: [
      ["C-INITECH", "INV-2025-000150", "USD", 100_000],
      ["C-INITECH", "INV-2025-000151", "USD", 50_000],
    ],
    receipts: [
      {
        case: "several",
        customer: "C-INITECH",
        apply: [
          ["INV-2025-000150", 100_000],
          ["INV-2025-000151", 50_000],
        ],
      },
    ],
  },
  {
    file: "mt940-overlap-a.sta",
    invoices: [
      ["C-WAYNE", "INV-2025-000401", "EUR", 10_000],
      ["C-STARK", "INV-2025-000402", "EUR", 20_000],
    ],
    receipts: [
      { case: "clean", customer: "C-WAYNE", apply: [["INV-2025-000401", 10_000]] },
      { case: "clean", customer: "C-STARK", apply: [["INV-2025-000402", 20_000]] },
    ],
  },
  {
    file: "bai2-lockbox.bai",
    invoices: [
      ["C-ACME", "INV-2025-000123", "USD", 125_000],
      ["C-ACME", "INV-2025-000124", "USD", 125_000],
      ["C-GLOBEX", "INV-2025-000140", "USD", 119_000],
      ["C-HOOLI", "INV-2025-000170", "USD", 33_050],
      ["C-SAKURA", "INV-2025-000160", "JPY", 330_000],
    ],
    receipts: [
      {
        case: "several",
        customer: "C-ACME",
        apply: [
          ["INV-2025-000123", 125_000],
          ["INV-2025-000124", 125_000],
        ],
      },
      { case: "clean", customer: "C-GLOBEX", apply: [["INV-2025-000140", 119_000]] },
      { case: "clean", customer: "C-HOOLI", apply: [["INV-2025-000170", 33_050]] },
      { case: "clean", customer: "C-SAKURA", apply: [["INV-2025-000160", 330_000]] },
    ],
  },
  {
    file: "bank-export.csv",
    csvMapping: "bank-export.mapping.yaml",
    invoices: [
      ...ACME_EUR,
      ["C-UMBRELLA", "INV-2025-000210", "EUR", 500_000],
      ["C-INITECH", "INV-2025-000150", "USD", 110_000],
    ],
    receipts: [
      ACME_BOTH,
      { case: "short", customer: "C-UMBRELLA", apply: [["INV-2025-000210", 250_000]], partial: true },
      { case: "clean", customer: "C-INITECH", apply: [["INV-2025-000150", 110_000]] },
    ],
  },
];

export interface FixtureDataset {
  payments: MatchPayment[];
  truth: Map<string, ReceiptTruth>;
  matches: PaymentMatch[];
  /** Per file: receipts found and whether their count matched the expectations. */
  files: { file: string; receipts: number; expected: number }[];
}

/** Parses every fixture, matches its receipts against its ledger, and labels them. */
export function runFixtureCases(settings: MatchSettings = DEFAULT_MATCH_SETTINGS): FixtureDataset {
  const payments: MatchPayment[] = [];
  const truth = new Map<string, ReceiptTruth>();
  const matches: PaymentMatch[] = [];
  const files: FixtureDataset["files"] = [];
  const customers: MatchCustomer[] = CUSTOMERS.map((c) => ({
    id: c.ref,
    externalRef: c.ref,
    name: c.name,
    bankAccounts: c.bankAccounts ?? [],
  }));
  for (const fixture of FIXTURE_CASES) {
    const content = new Uint8Array(readFileSync(join(FIXTURE_DIR, fixture.file)));
    const parsed = parseBankFile(content, {
      fileName: fixture.file,
      ...(fixture.csvMapping
        ? { csv: parseCsvBankMapping(readFileSync(join(FIXTURE_DIR, fixture.csvMapping), "utf8")) }
        : {}),
    });
    const receipts = parsed.statements.flatMap((s) =>
      s.transactions.filter((t) => t.amountMinor > 0 && t.booked && !t.isReturn),
    );
    files.push({ file: fixture.file, receipts: receipts.length, expected: fixture.receipts.length });
    const invoiceId = (number: string, currency: string) => `${fixture.file}:${number}:${currency}`;
    const openInvoices: MatchInvoice[] = fixture.invoices.map(
      ([customerId, number, currency, amountMinor]) => ({
        id: invoiceId(number, currency),
        customerId,
        externalRef: number,
        currency,
        amountMinor,
        balanceMinor: amountMinor,
        issueDate: "2025-02-01",
        dueDate: "2025-03-03",
        disputed: false,
        earlyDiscount: null,
      }),
    );
    const filePayments = receipts.map(
      (t, i): MatchPayment => ({
        id: `${fixture.file}#${i + 1}`,
        externalRef: `bank:${t.fingerprint}`,
        customerId: null,
        payerName: t.counterparty,
        payerAccount: t.counterpartyAccount,
        currency: t.currency,
        amountMinor: t.amountMinor,
        unappliedMinor: t.amountMinor,
        receivedOn: t.date,
        remittanceText: t.remittance,
        chargesMinor: t.chargesMinor,
        original: t.original,
      }),
    );
    filePayments.forEach((payment, i) => {
      const expected = fixture.receipts[i];
      if (!expected) return;
      const currency = payment.currency;
      truth.set(payment.id, {
        paymentId: payment.id,
        case: expected.case,
        customerId: expected.customer,
        applications: expected.apply.map(([number, amountMinor]) => ({
          invoiceId: invoiceId(number, currency),
          amountMinor,
        })),
        adjustments: (expected.adjustments ?? []).map(([number, kind, amountMinor]) => ({
          invoiceId: invoiceId(number, currency),
          kind,
          amountMinor,
        })),
        deductions: [],
        partial: expected.partial ?? false,
        leftUnappliedMinor: 0,
        chargesMinor: payment.chargesMinor,
        original: payment.original,
      });
    });
    payments.push(...filePayments);
    const directory = createDirectory({ customers, openInvoices, mappings: [] });
    matches.push(...matchPayments(filePayments, directory, settings));
  }
  return { payments, truth, matches, files };
}
