/**
 * A deterministic demo portfolio: fills an empty ledger with a realistic accounts-receivable book
 * so the agents, the policies and the evals have something to work on.
 *
 * Determinism. Everything is drawn from a seeded PRNG (sfc32, random.ts); each customer has a
 * stream of its own started from (seed, customer index), and documents are numbered in customer
 * order, so the same seed, customer count and asOf give identical rows — ids (v4-shaped) and
 * timestamps included — whatever the batch size or concurrency. Nothing reads the clock except to
 * default asOf to today (UTC). Existing data is never touched: a ledger with customers or payments
 * is refused (LedgerNotEmptyError).
 *
 * Scale. Customers are generated and written in batches (default 500 customers, one transaction
 * each); nothing else is held in memory. Rows go in through `json_to_recordset`, one parameter per
 * statement of up to 5,000 rows, which keeps clear of the 65,535-parameter limit. The next batch
 * is generated while the previous one is written; with a pooled client two batches are written at
 * once on two connections, and on a single connection (the embedded database) one at a time. If a
 * batch fails, the batches already committed stay: start again on an empty ledger. Much of the
 * database's time goes to the totals triggers on payment_applications (statement-level since
 * migration 0002) and to restoring closed_at afterwards.
 *
 * What is in it (per 100 customers, roles are dealt from a seeded shuffle so each block has them):
 * - 10 consumers (individual names, mostly US, one contact each) — among them one each with
 *   cease-communication, attorney representation, bankruptcy and do-not-contact; 3 strategic
 *   accounts (owner set); among businesses 1 do-not-contact, 1 cease-communication, 1 bankruptcy,
 *   2 legal holds, 1 legal escalation (with credit hold), 2 more credit holds, 1 with automation off.
 *   Flags are set 5–200 days before asOf; no outbound message follows a stop flag, bankrupt and
 *   credit-held customers are not invoiced after the flag, and the bankrupt pay nothing after it.
 * - Places (business): USD ≈58% (America/New_York incl. ~10% of US customers in MA, Chicago,
 *   Denver, Phoenix, Los_Angeles; region = state), EUR 18% (Berlin, Paris, Madrid), GBP 10%
 *   (London), CAD 7% (Toronto), JPY 3.5% (Tokyo), INR 3.5% (Kolkata).
 * - Terms 15/30/45/60 days (consumers 15/30, strategic 45/60); credit limit ≈ 3 months of billing,
 *   two significant digits. Bank accounts in each country's shape (IBANs with valid check digits).
 * - Contacts: consumers one, businesses 1–3 (35/45/20%), preferred channel mostly e-mail; SMS consent for ~35% of consumers
 *   and ~10% of business contacts (always when SMS is preferred), call consent 50%/30%; ~12% of
 *   SMS consents and 3–5% of e-mail/call contacts later opted out. Addresses use `.example`
 *   domains and phones fictional ranges, so nothing can reach a real person.
 * - Invoices over the 18 months before asOf (18% of customers start later; segment "new" when
 *   within 120 days): business billing rate lognormal (median 0.6 invoices/month, σ 0.75, ×2.5 for
 *   strategic), consumers 0.3–1/month or monthly; ≈13 invoices per customer on average. Amounts:
 *   per-customer median lognormal ($1,500, σ 1.0; ×6 strategic; consumers $120, σ 0.6), each
 *   invoice × lognormal(σ 0.5), converted at fixed rates into the currency's minor units.
 *   Numbers "INV-<issue year>-<6-digit sequence>", due = issue + terms.
 * - Payment behaviour per customer (business: prompt 35%, slow 25%, erratic 15%, deteriorating
 *   10%, disputing 15%), as days after due: prompt ~N(−1, 3) with 15% 3–15 days late; slow
 *   lognormal(median 18, σ 0.5); erratic 45% ~N(0, 4), 40% lognormal(30, 0.6), 12% 60–150 days,
 *   3% never; deteriorating pays like prompt until a change 4–9 months ago, then slides linearly
 *   to 45–100 days late by asOf, 12% never; disputing lognormal(12, 0.6) with 18% of invoices
 *   disputed. Consumers also leave 3% unpaid. Segment labels lag: a deteriorating account is
 *   still labelled "prompt". An invoice is paid if that date is before asOf; 1.5–4% of paid ones
 *   arrive in two parts, and some open ones carry a part payment.
 * - Payments: source "demo", remittance citing the invoice number(s), payer name as the bank
 *   shows it; 30% of businesses (60% of strategic) batch invoices falling within 10 days into one
 *   payment (several applications). Applications: method "demo", confidence 1, applied by "demo";
 *   the ledger's triggers keep paid/applied totals; closed_at (and updated_at) are then set back to
 *   the settling payment's date, noon UTC, so history reads as history.
 * - Disputes: opened 3 days to terms+15 days after issue, resolved (60%) or rejected after
 *   10–120 days; still-running ones are "open" (75%) or "investigating", the invoice left unpaid
 *   (pricing/quantity disputes: often only the disputed part), SLA 14–30 days, description in
 *   the customer's words (with an inbound e-mail).
 * - Promises to pay: kept (80%) and broken ones in the history of late payers; live ones on 10–38%
 *   of accounts with overdue debt, 45% with a future date and 55% already past (a broken promise
 *   for the agents to notice), each with the reply or call it came from.
 * - Unapplied receipts from the last 10 days on ~14% of business (8% of consumer) accounts with
 *   open invoices, 40% without customer: exact amount with a mistyped reference (transposed digits,
 *   lost dashes, "INV2025 4812", a lost digit) or look-alike characters ("INV-2O25-OO48l2"), exact
 *   amount with no reference ("payment for march", "ACME LTD PAYMENT"), several invoices at once,
 *   declared part payments, clean ones, early-payment discounts taken in time (25% of businesses
 *   invoice "2/10", "1/10" or "3/15"), bank charges (stated in the bank file or by "SHA" / "charges"
 *   words), FX differences on converted payments, small short pays, overpayments, deductions beyond
 *   tolerance, payments through a payment processor's account (5% of businesses have half their
 *   history paid that way, so the account is shared), payers known only by name, and two
 *   instalments for one invoice; plus ~1% from unknown payers. Each records its ground truth in the
 *   batch's `receiptTruth` (in memory only, the labels of evals/cash-application), and discount
 *   terms go to `earlyDiscounts`. These, the processors and the terms use a random stream of their
 *   own, so changing them leaves the rest of a customer's history as it was.
 * - Communications: reminders 7/21/35/50 days after due while unpaid and undisputed (merged per
 *   day; these set invoices' dunning level and last dunned date), 10% answered; calls at 28 and
 *   56 days overdue; times fall in local office hours (standard-time offsets, DST ignored); a burst of 1–7 call attempts in the last 7 days for 45% of consumers (10% of
 *   businesses) with overdue debt, some reaching a conversation; the letters that set flags. No
 *   message is left queued: the history is delivered, failed or received.
 */
import { getTableColumns, getTableName, type SQL, sql, type Table } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import type { Db, Tx } from "../connection.ts";
import {
  communications,
  contacts,
  customers,
  disputes,
  invoices,
  paymentApplications,
  payments,
  promisesToPay,
} from "../schema.ts";
import {
  APPLICATION_KEYS,
  type Batch,
  COMMUNICATION_KEYS,
  CONTACT_KEYS,
  CUSTOMER_KEYS,
  createContext,
  DISPUTE_KEYS,
  emptyBatch,
  generateCustomer,
  INVOICE_KEYS,
  PAYMENT_KEYS,
  PROMISE_KEYS,
} from "./model.ts";

export interface DemoOptions {
  /** Number of customers (default 300). */
  customers?: number;
  /** PRNG seed, any safe integer (default 1). */
  seed?: number;
  /** The portfolio's "today", YYYY-MM-DD: history ends the day before. Default: today (UTC). */
  asOf?: string;
  /** Called after each committed batch with customers done so far and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Customers per transaction (default 500); does not change the generated rows. */
  batchSize?: number;
  /**
   * Batches written at once, each in its own transaction on its own connection (default: 2 when
   * the client's pool has room, else 1). Does not change the generated rows.
   */
  concurrency?: number;
}

export interface DemoSummary {
  customers: number;
  contacts: number;
  invoices: number;
  /** Payment rows, applied and unapplied. */
  payments: number;
  /** Of those, the ones with nothing applied (waiting for cash application). */
  unappliedPayments: number;
  /** payment_applications rows. */
  applications: number;
  disputes: number;
  promises: number;
  communications: number;
  seed: number;
  asOf: string;
  ms: number;
}

export class LedgerNotEmptyError extends Error {
  constructor(customerCount: number, paymentCount: number) {
    super(
      `the demo portfolio only fills an empty ledger, but this one has ${customerCount} customer(s) ` +
        `and ${paymentCount} payment(s); use a fresh database or empty the ledger first`,
    );
    this.name = "LedgerNotEmptyError";
  }
}

export const DEFAULT_DEMO_CUSTOMERS = 300;
export const DEFAULT_DEMO_SEED = 1;
const DEFAULT_BATCH = 500;
/** Rows per INSERT statement (one JSON parameter each). */
const ROWS_PER_STATEMENT = 5000;

export async function generateDemoPortfolio(db: Db, options: DemoOptions = {}): Promise<DemoSummary> {
  const started = performance.now();
  const total = options.customers ?? DEFAULT_DEMO_CUSTOMERS;
  const seed = options.seed ?? DEFAULT_DEMO_SEED;
  const asOf = options.asOf ?? new Date().toISOString().slice(0, 10);
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const poolSize = (db as unknown as { $client?: { options?: { max?: number } } }).$client?.options?.max ?? 1;
  const concurrency = options.concurrency ?? Math.max(1, Math.min(2, poolSize));
  if (!Number.isSafeInteger(total) || total < 0)
    throw new RangeError(`customers must be a whole number ≥ 0, got ${total}`);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a whole number ≥ 1, got ${batchSize}`);
  }
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a whole number ≥ 1, got ${concurrency}`);
  }
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(asOf) ||
    new Date(`${asOf}T00:00:00Z`).toISOString().slice(0, 10) !== asOf
  ) {
    throw new RangeError(`asOf must be a calendar date YYYY-MM-DD, got "${asOf}"`);
  }

  const [existing] = await db.execute<{ customers: number; payments: number }>(
    sql`select (select count(*) from ${customers})::int as customers, (select count(*) from ${payments})::int as payments`,
  );
  if (existing && (existing.customers > 0 || existing.payments > 0)) {
    throw new LedgerNotEmptyError(existing.customers, existing.payments);
  }

  const summary: DemoSummary = {
    customers: 0,
    contacts: 0,
    invoices: 0,
    payments: 0,
    unappliedPayments: 0,
    applications: 0,
    disputes: 0,
    promises: 0,
    communications: 0,
    seed,
    asOf,
    ms: 0,
  };
  // A pipeline: the next batch is generated (yielding to the event loop as it goes) while earlier
  // ones are being written, up to `concurrency` transactions at a time.
  const ctx = createContext(seed, asOf);
  const writing = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let committed = 0;
  for (let start = 0; start < total && !failure; start += batchSize) {
    const end = Math.min(total, start + batchSize);
    const batch = emptyBatch();
    for (let index = start; index < end; index++) {
      generateCustomer(ctx, index, batch);
      if ((index + 1) % YIELD_EVERY === 0 && writing.size > 0) await yieldToEventLoop();
    }
    while (writing.size >= concurrency && !failure) await Promise.race(writing);
    if (failure) break;
    const counts = countRows(batch);
    const write: Promise<void> = db
      .transaction((tx) => writeBatch(tx, batch))
      .then(() => {
        committed += counts.customers;
        addTo(summary, counts);
        options.onProgress?.(committed, total);
      })
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => writing.delete(write));
    writing.add(write);
  }
  await Promise.all(writing);
  if (failure) throw failure.error;
  // Statistics for the tables just filled, so the first run's queries are planned for their real
  // size rather than the defaults of an empty table (autovacuum would get there, later).
  await db.execute(
    sql`analyze customers, contacts, invoices, payments, payment_applications, communications`,
  );
  summary.ms = Math.round(performance.now() - started);
  return summary;
}

/** Customers generated between yields, so a pending write's next statement is sent promptly. */
const YIELD_EVERY = 25;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

type Counts = Omit<DemoSummary, "seed" | "asOf" | "ms">;

function countRows(batch: Batch): Counts {
  return {
    customers: batch.customers.length,
    contacts: batch.contacts.length,
    invoices: batch.invoices.length,
    payments: batch.payments.length,
    unappliedPayments: batch.unappliedPayments,
    applications: batch.applications.length,
    disputes: batch.disputes.length,
    promises: batch.promises.length,
    communications: batch.communications.length,
  };
}

function addTo(summary: DemoSummary, counts: Counts): void {
  for (const key of Object.keys(counts) as (keyof Counts)[]) summary[key] += counts[key];
}

const insertCustomers = bulkInsert(customers, CUSTOMER_KEYS);
const insertContacts = bulkInsert(contacts, CONTACT_KEYS);
const insertInvoices = bulkInsert(invoices, INVOICE_KEYS);
const insertPayments = bulkInsert(payments, PAYMENT_KEYS);
const insertApplications = bulkInsert(paymentApplications, APPLICATION_KEYS);
const insertDisputes = bulkInsert(disputes, DISPUTE_KEYS);
const insertPromises = bulkInsert(promisesToPay, PROMISE_KEYS);
const insertCommunications = bulkInsert(communications, COMMUNICATION_KEYS);

/** Writes a batch, emptying each list once written so its rows can be collected early. */
async function writeBatch(tx: Tx, batch: Batch): Promise<void> {
  await insertCustomers(tx, batch.customers.splice(0));
  await insertContacts(tx, batch.contacts.splice(0));
  await insertInvoices(tx, batch.invoices.splice(0));
  await insertPayments(tx, batch.payments.splice(0));
  // The triggers on payment_applications maintain invoices.paid_minor and payments.applied_minor...
  await insertApplications(tx, batch.applications.splice(0));
  // ...and stamp closed_at/updated_at with now(): put the historical dates back.
  const closures = batch.closures.splice(0);
  for (let i = 0; i < closures.length; i += ROWS_PER_STATEMENT) {
    const json = JSON.stringify(closures.slice(i, i + ROWS_PER_STATEMENT));
    await tx.execute(sql`update ${invoices} as i set closed_at = c."closedAt", updated_at = c."updatedAt"
      from json_to_recordset(${json}::json) as c(id uuid, "closedAt" timestamptz, "updatedAt" timestamptz)
      where i.id = c.id`);
  }
  await insertDisputes(tx, batch.disputes.splice(0));
  await insertPromises(tx, batch.promises.splice(0));
  await insertCommunications(tx, batch.communications.splice(0));
}

/**
 * An INSERT of typed rows through json_to_recordset: the column list and SQL types come from the
 * drizzle schema, the rows travel as one JSON parameter per statement.
 */
function bulkInsert<T extends Table>(
  table: T,
  keys: readonly (keyof T["$inferInsert"] & string)[],
): (tx: Tx, rows: readonly object[]) => Promise<void> {
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const column = (key: string): PgColumn => {
    const c = columns[key];
    if (!c) throw new Error(`${getTableName(table)} has no column ${key}`);
    return c;
  };
  const head: SQL = sql.raw(
    `insert into ${quote(getTableName(table))} (${keys.map((k) => quote(column(k).name)).join(", ")}) ` +
      `select ${keys.map(quote).join(", ")} from json_to_recordset(`,
  );
  const tail: SQL = sql.raw(
    `::json) as r(${keys.map((k) => `${quote(k)} ${column(k).getSQLType()}`).join(", ")})`,
  );
  return async (tx, rows) => {
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
      const json = JSON.stringify(rows.slice(i, i + ROWS_PER_STATEMENT));
      await tx.execute(sql`${head}${json}${tail}`);
    }
  };
}
