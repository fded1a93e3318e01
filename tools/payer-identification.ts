// Payer identification against the whole ledger: every customer, open invoice and learned payer is
// a candidate for every unidentified payment, so the engine's directory holds the ledger (on 100k
// customers ≈ 200 MiB). A ledger that fits in one page is identified here. A larger one is read a
// page at a time and handed to a worker thread that builds the directory and answers: its heap is
// released when it ends, and the process's own heap never holds the ledger — V8 sizes its next
// collection from what survived the last one, so a directory held here once lets a long run's
// garbage pile up to several times its size.
import { Worker } from "node:worker_threads";
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
  type Interner,
  identifyPayer,
  type MatchCustomer,
  type MatchInvoice,
  type MatchPayment,
  type PayerIdentification,
  type PayerMapping,
} from "./cash-matching/index.ts";

/**
 * Customers per page (with their open invoices and learned payers). Each page is garbage in this
 * thread once sent; on the 100k ledger 2,500 kept the process's peak lowest (531–558 MiB against
 * 599–607 with 10,000 and 679 with 40,000) and read as fast.
 */
export const IDENTIFICATION_PAGE = 2_500;

export interface LedgerPage {
  customers: MatchCustomer[];
  invoices: MatchInvoice[];
  mappings: PayerMapping[];
}

/** Main thread → identification thread. */
export type ToIdentificationThread =
  | ({ kind: "page" } & LedgerPage)
  | { kind: "identify"; payments: MatchPayment[]; policy: PolicyDocument };

/** Identification thread → main thread. */
export type FromIdentificationThread =
  | { kind: "identified"; results: [string, PayerIdentification][] }
  | { kind: "failed"; message: string };

/** The engine over a ledger already read: each payment's most likely payer. */
export function identifyInLedger(
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
 * page read or received holds a fresh copy of every value, and the whole ledger's pages kept
 * together repeat each of them thousands of times.
 */
export function shareStrings(page: LedgerPage, strings: Interner): void {
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
 * transaction: the thread never touches the database). `pageSize` is for tests.
 */
export async function identifyPayersInLedger(
  db: DbOrTx,
  payments: readonly MatchPayment[],
  policy: PolicyDocument,
  options: { pageSize?: number } = {},
): Promise<Map<string, PayerIdentification>> {
  const pageSize = options.pageSize ?? IDENTIFICATION_PAGE;
  if (payments.length === 0) return new Map();
  let thread: IdentificationThread | undefined;
  try {
    let after: string | null = null;
    for (;;) {
      const page = await readPage(db, after, pageSize);
      const last = page.customers.length < pageSize;
      if (!thread && last) return new Map(identifyInLedger([page], payments, policy));
      thread ??= new IdentificationThread();
      thread.send({ kind: "page", ...page });
      if (last) break;
      after = page.customers[page.customers.length - 1]!.id;
    }
    return new Map(await thread.identify(payments, policy));
  } finally {
    await thread?.stop();
  }
}

/** The worker thread and its one answer. */
class IdentificationThread {
  private readonly worker = new Worker(new URL("./payer-identification-thread.mjs", import.meta.url));
  private readonly answer: Promise<[string, PayerIdentification][]>;

  constructor() {
    this.answer = new Promise((resolve, reject) => {
      const failed = (why: string) =>
        reject(new Error(`payer identification's worker thread failed: ${why}`));
      this.worker.on("message", (message: FromIdentificationThread) => {
        if (message.kind === "identified") resolve(message.results);
        else failed(message.message);
      });
      this.worker.on("error", (error) => failed(error.message));
      this.worker.on("exit", (code) => failed(`it exited (code ${code}) before answering`));
    });
    // Read only by identify(); a thread that fails before then must not be an unhandled rejection.
    this.answer.catch(() => {});
  }

  send(message: ToIdentificationThread): void {
    this.worker.postMessage(message);
  }

  identify(payments: readonly MatchPayment[], policy: PolicyDocument) {
    this.send({ kind: "identify", payments: [...payments], policy });
    return this.answer;
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}
