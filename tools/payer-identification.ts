// Payer identification against the whole ledger: every customer, open invoice and learned payer is
// a candidate for every unidentified payment, so the engine's directory holds the ledger (on 100k
// customers ≈ 170 MiB). It is read a page at a time, the pages sharing one string per repeated
// value, and collected as soon as the payments are identified: V8 sized its heap from the directory
// while it was alive, and the night's garbage would otherwise pile onto that size.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { DbOrTx } from "../db/connection.ts";
import type { PolicyDocument } from "../policies/index.ts";
import {
  loadMatchCustomers,
  loadMatchInvoices,
  loadPayerMappings,
  matchSettingsFrom,
} from "./cash-application.ts";
import {
  createDirectory,
  createInterner,
  type Interner,
  identifyPayer,
  type MatchCustomer,
  type MatchInvoice,
  type MatchPayment,
  type PayerIdentification,
  type PayerMapping,
} from "./cash-matching/index.ts";

/**
 * Customers per page (with their open invoices and learned payers): each page's raw result is
 * garbage once read. On the 100k ledger 2,500 kept the process's peak lowest (531–558 MiB against
 * 599–607 with 10,000 and 679 with 40,000, measured when the pages went to a worker thread) and
 * read as fast.
 */
export const IDENTIFICATION_PAGE = 2_500;

interface LedgerPage {
  customers: MatchCustomer[];
  invoices: MatchInvoice[];
  mappings: PayerMapping[];
}

/** The engine over a ledger already read: each payment's most likely payer. */
function identifyInLedger(
  pages: readonly LedgerPage[],
  payments: readonly MatchPayment[],
  policy: PolicyDocument,
): [string, PayerIdentification][] {
  const directory = createDirectory({
    customers: pages.flatMap((p) => p.customers),
    openInvoices: pages.flatMap((p) => p.invoices),
    mappings: pages.flatMap((p) => p.mappings),
  });
  const settings = matchSettingsFrom(policy);
  return payments.map((payment) => [payment.id, identifyPayer(payment, directory, settings)]);
}

/** One page of the ledger: customers after `after` in id order, their open invoices and learned payers. */
async function readPage(db: DbOrTx, after: string | null, pageSize: number): Promise<LedgerPage> {
  const customers = await loadMatchCustomers(db, { after, limit: pageSize });
  if (customers.length === 0) return { customers, invoices: [], mappings: [] };
  const range = { after, through: customers[customers.length - 1]!.id };
  return {
    customers,
    invoices: await loadMatchInvoices(db, range),
    mappings: await loadPayerMappings(db, range),
  };
}

/**
 * Points a page's repeated values at one string each (customer ids, currencies, dates), in place: a
 * page read holds a fresh copy of every value, and the whole ledger's pages kept together repeat
 * each of them thousands of times.
 */
function shareStrings(page: LedgerPage, strings: Interner): void {
  for (const customer of page.customers) customer.id = strings(customer.id);
  for (const invoice of page.invoices) {
    invoice.customerId = strings(invoice.customerId);
    invoice.currency = strings(invoice.currency);
    invoice.issueDate = strings(invoice.issueDate);
    invoice.dueDate = strings(invoice.dueDate);
  }
  for (const mapping of page.mappings) mapping.customerId = strings(mapping.customerId);
}

/**
 * Each payment's most likely payer across the whole ledger, read through `db` (the caller's
 * transaction) a page at a time. `pageSize` is for tests.
 */
export async function identifyPayersInLedger(
  db: DbOrTx,
  payments: readonly MatchPayment[],
  policy: PolicyDocument,
  options: { pageSize?: number } = {},
): Promise<Map<string, PayerIdentification>> {
  const pageSize = options.pageSize ?? IDENTIFICATION_PAGE;
  if (payments.length === 0) return new Map();
  const strings = createInterner();
  const pages: LedgerPage[] = [];
  for (let after: string | null = null; ; ) {
    const page = await readPage(db, after, pageSize);
    shareStrings(page, strings);
    pages.push(page);
    if (page.customers.length < pageSize) break;
    after = page.customers[page.customers.length - 1]!.id;
  }
  const identified = identifyInLedger(pages, payments, policy);
  const manyPages = pages.length > 1;
  pages.length = 0;
  // The directory is garbage now. Collected at once, it goes before a night's garbage piles onto
  // the heap size V8 chose while the directory was alive (1.5× it, bin/arc.js).
  if (manyPages) collectGarbage();
  return new Map(identified);
}

/** A full collection, now: V8's gc(), exposed for a moment to a fresh context only. */
function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  try {
    (runInNewContext("gc") as () => void)();
  } finally {
    setFlagsFromString("--no-expose-gc");
  }
}
