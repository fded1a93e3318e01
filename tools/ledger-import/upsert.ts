// Writes normalized ledger rows into ARC's tables in the caller's transaction, keyed by external
// reference, so importing the same export every night changes nothing and an edited export updates
// exactly the rows it changed. Nothing is ever deleted because it disappeared from a file; such rows are
// counted (`missingFromFile`) for a person to look at.
//
// Everything is checked before the first write (validateLedgerImport): a reference to a customer that
// is neither in the files nor in the ledger, a payment applied to an unknown invoice, an amount change
// that would leave an invoice paid beyond its amount. A file with any error writes nothing.
//
// Opening balances. An aging export says how much of each invoice is still open. ARC keeps paid_minor
// as a running total maintained by triggers from payment_applications, so the already-settled part is
// represented as money, not as a number written into the invoice: one synthetic payment per invoice,
// external_ref `opening:<invoice ref>`, source "import", fully applied to that invoice (method
// "import"). Its amount is whatever the file's settled part (amount - open balance) is not already
// explained by the ledger's own payments, credit notes and write-offs on that invoice:
//
//   opening = max(0, (amount - openBalance) - (paid by other payments + credited + written off))
//
// so a payment ARC has matched itself is not counted twice when the accounting system catches up, and
// the invoice's balance_minor ends equal to the file's open balance. When the ledger has settled more
// than the file says (ARC matched a payment the accounting system has not booked yet), the opening is 0
// and the invoice is listed in `aheadOfFile` rather than reopened. When an opening amount changes, its
// application is deleted and re-inserted (applications are immutable); an opening that falls to zero is
// deleted together with its synthetic payment, since it never existed outside ARC.
//
// Payments. A payments row that names the invoice it paid (invoiceRef, optional appliedAmount) becomes a
// payment applied to that invoice (method "import"); re-importing it keeps that one application and
// moves it if the row now names another invoice. A row without an invoice is unapplied cash for ARC's
// cash application to match. A payments file should therefore hold applications (Xero's layout) or
// unapplied cash (QuickBooks' aging); a receipts history without invoice references next to an aging
// would add cash the aging's open balances already account for.
import { type SQL, sql } from "drizzle-orm";
import type { DbOrTx, Tx } from "../../db/connection.ts";
import { formatAmount } from "../../db/money.ts";
import type { Entity } from "./mapping.ts";
import {
  formatRowError,
  type NormalizedContact,
  type NormalizedCustomer,
  type NormalizedInvoice,
  type NormalizedPayment,
  OPENING_REF_PREFIX,
  type RowError,
} from "./parse.ts";

/** External reference of the contact derived from a customer list's email/phone columns. */
export const PRIMARY_CONTACT_REF = "import:primary";
const IMPORT_METHOD = "import";
const UPSERT_CHUNK = 5000;
const SELECT_CHUNK = 10_000;

export interface ImportOptions {
  /** The date the export describes; the received_on of opening-balance payments. Default: today (UTC). */
  asOf?: string;
  /** Recorded as payments.source_file on imported payments (e.g. the export's file name). */
  sourceName?: string;
  /** Recorded as payment_applications.applied_by (default "ledger-import"). */
  appliedBy?: string;
}

export interface ImportInput {
  customers?: NormalizedCustomer[];
  contacts?: NormalizedContact[];
  invoices?: NormalizedInvoice[];
  payments?: NormalizedPayment[];
  /** Per entity, ARC field → column title in the file, so errors found here name the column. */
  columns?: Partial<Record<Entity, Partial<Record<string, string>>>>;
  options?: ImportOptions;
}

export interface EntityCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Ledger rows this entity's file does not list (never deleted); null when no such file was imported. */
  missingFromFile: number | null;
}

export interface AheadOfFile {
  invoiceRef: string;
  line: number;
  currency: string;
  /** What the file says is open. */
  fileOpenBalanceMinor: number;
  /** What the ledger says is open: less, because ARC has applied money the file does not reflect yet. */
  ledgerBalanceMinor: number;
}

export interface ImportSummary {
  customers: EntityCounts;
  /** File contacts and primary contacts derived from the customer list. */
  contacts: EntityCounts;
  invoices: EntityCounts & {
    /** Open (balance > 0, not voided) ledger invoices the invoices file does not list. */
    missingOpenFromFile: number | null;
  };
  /** Payments from the payments file (opening-balance payments are counted under openingBalances). */
  payments: EntityCounts;
  /** Synthetic `opening:<invoice>` payments carrying the already-settled part of imported invoices. */
  openingBalances: { inserted: number; updated: number; removed: number; unchanged: number };
  /** Payment → invoice applications stated by the payments file. */
  applications: { inserted: number; removed: number; unchanged: number };
  aheadOfFile: AheadOfFile[];
}

export class LedgerImportError extends Error {
  readonly errors: RowError[];
  constructor(errors: RowError[]) {
    const shown = errors.slice(0, 20).map((e) => `${e.entity} ${e.message}`);
    const more = errors.length > shown.length ? `; and ${errors.length - shown.length} more` : "";
    super(`ledger import refused, nothing written: ${shown.join("; ")}${more}`);
    this.name = "LedgerImportError";
    this.errors = errors;
  }
}

// ---------------------------------------------------------------------------------------------
// What the ledger holds for the rows in the files.

interface ExistingCustomer {
  id: string;
  external_ref: string;
  name: string;
  currency: string;
  is_consumer: boolean;
  segment: string | null;
  timezone: string;
  country: string | null;
  region: string | null;
  payment_terms_days: number;
  credit_limit_minor: number | null;
  owner: string | null;
  strategic: boolean;
}

interface ExistingInvoice {
  id: string;
  external_ref: string;
  customer_id: string;
  currency: string;
  amount_minor: number;
  paid_minor: number;
  credited_minor: number;
  written_off_minor: number;
  opening_payment_id: string | null;
  opening_payment_customer_id: string | null;
  opening_minor: number;
}

interface ExistingPayment {
  id: string;
  external_ref: string;
  source: string;
  customer_id: string | null;
  currency: string;
  amount_minor: number;
  applied_minor: number;
  payer_name: string | null;
  payer_account: string | null;
  remittance_text: string | null;
  source_file: string | null;
}

interface ExistingApplication {
  id: string;
  payment_id: string;
  invoice_ref: string;
  amount_minor: number;
}

interface ExistingContact {
  customer_id: string;
  external_ref: string;
  is_primary: boolean;
  preferred_channel: string;
  language: string;
}

interface InvoicePlan {
  row: NormalizedInvoice;
  existing: ExistingInvoice | undefined;
  oldOpening: number;
  newOpening: number;
  /** The opening's application must be deleted (and re-inserted when newOpening > 0). */
  replaceOpening: boolean;
}

interface PaymentPlan {
  row: NormalizedPayment;
  existing: ExistingPayment | undefined;
  removeApplications: ExistingApplication[];
  insertApplication?: { invoiceRef: string; amountMinor: number };
  keptApplications: number;
}

/** The outcome of the validation pass: errors, or everything the write pass needs. */
export interface ValidatedImport {
  errors: RowError[];
  customers: Map<string, ExistingCustomer>;
  invoices: Map<string, ExistingInvoice>;
  payments: Map<string, ExistingPayment>;
  contacts: Map<string, ExistingContact>;
  invoicePlans: InvoicePlan[];
  paymentPlans: PaymentPlan[];
  aheadOfFile: AheadOfFile[];
}

async function selectByRefs<T>(
  db: DbOrTx,
  refs: Iterable<string>,
  query: (json: string) => SQL,
): Promise<T[]> {
  const all = [...new Set(refs)];
  const out: T[] = [];
  for (let i = 0; i < all.length; i += SELECT_CHUNK) {
    const rows = await db.execute(query(JSON.stringify(all.slice(i, i + SELECT_CHUNK))));
    for (const row of rows as unknown as T[]) out.push(row);
  }
  return out;
}

const inRefs = (json: string) => sql`(select value from json_array_elements_text(${json}::json))`;

/**
 * Checks the rows against each other and against the ledger without writing anything. Run it inside the
 * import's transaction (importLedger does) so what it read is what the writes build on.
 */
export async function validateLedgerImport(db: DbOrTx, input: ImportInput): Promise<ValidatedImport> {
  const customersIn = input.customers ?? [];
  const contactsIn = input.contacts ?? [];
  const invoicesIn = input.invoices ?? [];
  const paymentsIn = input.payments ?? [];
  const errors: RowError[] = [];
  const fail = (entity: Entity, line: number, field: string | undefined, reason: string) => {
    const column = field === undefined ? undefined : input.columns?.[entity]?.[field];
    const base = column === undefined ? { line, reason } : { line, column, reason };
    errors.push({ entity, ...base, message: formatRowError(base) });
  };

  // Customers: those in the file and those the other files point at.
  const fileCustomers = new Map(customersIn.map((c) => [c.externalRef, c]));
  const customerRefs = new Set<string>(fileCustomers.keys());
  for (const row of [...contactsIn, ...invoicesIn]) customerRefs.add(row.customerRef);
  for (const row of paymentsIn) if (row.customerRef) customerRefs.add(row.customerRef);
  const customers = new Map(
    (
      await selectByRefs<ExistingCustomer>(
        db,
        customerRefs,
        (
          json,
        ) => sql`select id, external_ref, name, currency, is_consumer, segment, timezone, country, region,
            payment_terms_days, credit_limit_minor, owner, strategic
          from customers where external_ref in ${inRefs(json)}`,
      )
    ).map((c) => [c.external_ref, c]),
  );
  const customerKnown = (ref: string) => fileCustomers.has(ref) || customers.has(ref);
  const unknownCustomer = (ref: string) =>
    `customer "${ref}" is neither in the customers file nor in the ledger`;
  for (const row of contactsIn) {
    if (!customerKnown(row.customerRef))
      fail("contacts", row.line, "customerRef", unknownCustomer(row.customerRef));
  }
  for (const row of invoicesIn) {
    if (!customerKnown(row.customerRef))
      fail("invoices", row.line, "customerRef", unknownCustomer(row.customerRef));
  }
  for (const row of paymentsIn) {
    if (row.customerRef && !customerKnown(row.customerRef)) {
      fail("payments", row.line, "customerRef", unknownCustomer(row.customerRef));
    }
  }

  // Invoices in the file and those payments are applied to, with their opening-balance payments.
  const fileInvoices = new Map(invoicesIn.map((i) => [i.externalRef, i]));
  const invoiceRefs = new Set<string>(fileInvoices.keys());
  for (const row of paymentsIn) if (row.invoiceRef) invoiceRefs.add(row.invoiceRef);
  const invoices = new Map(
    (
      await selectByRefs<ExistingInvoice>(
        db,
        invoiceRefs,
        (json) => sql`select i.id, i.external_ref, i.customer_id, i.currency, i.amount_minor, i.paid_minor,
            i.credited_minor, i.written_off_minor,
            op.id as opening_payment_id, op.customer_id as opening_payment_customer_id,
            coalesce((select sum(pa.amount_minor) from payment_applications pa
                      where pa.payment_id = op.id and pa.invoice_id = i.id), 0)::bigint as opening_minor
          from invoices i
          left join payments op on op.external_ref = ${OPENING_REF_PREFIX} || i.external_ref
          where i.external_ref in ${inRefs(json)}`,
      )
    ).map((i) => [i.external_ref, i]),
  );

  // Payments in the file, and the applications earlier imports made for them.
  const payments = new Map(
    (
      await selectByRefs<ExistingPayment>(
        db,
        paymentsIn.map((p) => p.externalRef),
        (json) => sql`select id, external_ref, source, customer_id, currency, amount_minor, applied_minor,
            payer_name, payer_account, remittance_text, source_file
          from payments where external_ref in ${inRefs(json)}`,
      )
    ).map((p) => [p.external_ref, p]),
  );
  const applicationsByPayment = new Map<string, ExistingApplication[]>();
  for (const app of await selectByRefs<ExistingApplication>(
    db,
    [...payments.values()].map((p) => p.id),
    (json) => sql`select pa.id, pa.payment_id, i.external_ref as invoice_ref, pa.amount_minor
      from payment_applications pa join invoices i on i.id = pa.invoice_id
      where pa.method = ${IMPORT_METHOD} and pa.payment_id in (select value::uuid from json_array_elements_text(${json}::json))`,
  )) {
    applicationsByPayment.set(app.payment_id, [...(applicationsByPayment.get(app.payment_id) ?? []), app]);
  }

  // Payment → invoice applications: what changes, and what it does to each invoice's settled total.
  const invoiceDelta = new Map<string, number>();
  const firstApplyingLine = new Map<string, NormalizedPayment>();
  const paymentPlans: PaymentPlan[] = [];
  for (const row of paymentsIn) {
    const existing = payments.get(row.externalRef);
    if (existing && existing.source !== "import") {
      fail(
        "payments",
        row.line,
        "externalRef",
        `payment "${row.externalRef}" is already in the ledger from source "${existing.source}"; an import does not overwrite it`,
      );
      continue;
    }
    const current = existing ? (applicationsByPayment.get(existing.id) ?? []) : [];
    const plan: PaymentPlan = { row, existing, removeApplications: [], keptApplications: 0 };
    if (row.invoiceRef && row.appliedMinor !== undefined) {
      const invoice = fileInvoices.get(row.invoiceRef) ?? invoices.get(row.invoiceRef);
      if (!invoice) {
        fail(
          "payments",
          row.line,
          "invoiceRef",
          `invoice "${row.invoiceRef}" is neither in the invoices file nor in the ledger`,
        );
      } else if (invoice.currency !== row.currency) {
        fail(
          "payments",
          row.line,
          "currency",
          `payment in ${row.currency} cannot pay invoice "${row.invoiceRef}" in ${invoice.currency}`,
        );
      }
      const keep = current.find(
        (a) => a.invoice_ref === row.invoiceRef && a.amount_minor === row.appliedMinor,
      );
      plan.removeApplications = current.filter((a) => a !== keep);
      plan.keptApplications = keep ? 1 : 0;
      if (!keep) {
        plan.insertApplication = { invoiceRef: row.invoiceRef, amountMinor: row.appliedMinor };
        invoiceDelta.set(row.invoiceRef, (invoiceDelta.get(row.invoiceRef) ?? 0) + row.appliedMinor);
        if (!firstApplyingLine.has(row.invoiceRef)) firstApplyingLine.set(row.invoiceRef, row);
      }
      for (const removed of plan.removeApplications) {
        invoiceDelta.set(
          removed.invoice_ref,
          (invoiceDelta.get(removed.invoice_ref) ?? 0) - removed.amount_minor,
        );
      }
    }
    if (existing) {
      const removed = plan.removeApplications.reduce((sum, a) => sum + a.amount_minor, 0);
      const appliedAfter = existing.applied_minor - removed + (plan.insertApplication?.amountMinor ?? 0);
      if (appliedAfter > row.amountMinor) {
        fail(
          "payments",
          row.line,
          "amount",
          `payment "${row.externalRef}" of ${formatAmount(row.amountMinor, row.currency)} would be less than the ${formatAmount(appliedAfter, row.currency)} applied to invoices`,
        );
      }
      if (
        existing.currency !== row.currency &&
        appliedAfter - (plan.insertApplication?.amountMinor ?? 0) > 0
      ) {
        fail(
          "payments",
          row.line,
          "currency",
          `payment "${row.externalRef}" is applied in ${existing.currency}; its currency cannot change to ${row.currency}`,
        );
      }
    }
    paymentPlans.push(plan);
  }

  // Invoices: amounts against what is already settled, and the opening-balance payment each needs.
  const invoicePlans: InvoicePlan[] = [];
  const aheadOfFile: AheadOfFile[] = [];
  for (const row of invoicesIn) {
    const existing = invoices.get(row.externalRef);
    const oldOpening = existing?.opening_minor ?? 0;
    const settledByOthersBefore = existing
      ? existing.paid_minor - oldOpening + existing.credited_minor + existing.written_off_minor
      : 0;
    const settledByOthers = settledByOthersBefore + (invoiceDelta.get(row.externalRef) ?? 0);
    const currencyChanged = existing !== undefined && existing.currency !== row.currency;
    if (currencyChanged && settledByOthersBefore > 0) {
      fail(
        "invoices",
        row.line,
        "currency",
        `invoice "${row.externalRef}" has payments or credits in ${existing.currency}; its currency cannot change to ${row.currency}`,
      );
      continue;
    }
    if (settledByOthers > row.amountMinor) {
      fail(
        "invoices",
        row.line,
        "amount",
        `invoice "${row.externalRef}": amount ${formatAmount(row.amountMinor, row.currency)} is less than the ${formatAmount(settledByOthers, row.currency)} already paid, credited or written off`,
      );
      continue;
    }
    let newOpening = oldOpening;
    if (row.openBalanceMinor !== undefined) {
      const settledPerFile = row.amountMinor - row.openBalanceMinor;
      newOpening = Math.max(0, settledPerFile - settledByOthers);
      if (settledByOthers > settledPerFile) {
        aheadOfFile.push({
          invoiceRef: row.externalRef,
          line: row.line,
          currency: row.currency,
          fileOpenBalanceMinor: row.openBalanceMinor,
          ledgerBalanceMinor: row.amountMinor - settledByOthers,
        });
      }
    } else if (settledByOthers + oldOpening > row.amountMinor) {
      fail(
        "invoices",
        row.line,
        "amount",
        `invoice "${row.externalRef}": amount ${formatAmount(row.amountMinor, row.currency)} is less than the ${formatAmount(settledByOthers + oldOpening, row.currency)} already paid, credited or written off`,
      );
      continue;
    }
    const replaceOpening = newOpening !== oldOpening || (currencyChanged && oldOpening > 0);
    invoicePlans.push({ row, existing, oldOpening, newOpening, replaceOpening });
  }

  // Invoices that only the payments file touches must not end up paid beyond their amount.
  for (const [ref, delta] of invoiceDelta) {
    if (fileInvoices.has(ref) || delta <= 0) continue;
    const existing = invoices.get(ref);
    if (!existing) continue; // reported above as unknown
    const settled = existing.paid_minor + existing.credited_minor + existing.written_off_minor + delta;
    if (settled > existing.amount_minor) {
      const payment = firstApplyingLine.get(ref)!;
      fail(
        "payments",
        payment.line,
        "invoiceRef",
        `invoice "${ref}" would be settled ${formatAmount(settled, existing.currency)}, more than its amount ${formatAmount(existing.amount_minor, existing.currency)}`,
      );
    }
  }

  // Existing contacts of existing customers, to keep stored values where the file is silent.
  const contacts = new Map<string, ExistingContact>();
  const contactCustomerIds = new Set<string>();
  for (const row of contactsIn) {
    const id = customers.get(row.customerRef)?.id;
    if (id) contactCustomerIds.add(id);
  }
  for (const row of customersIn) {
    const id = customers.get(row.externalRef)?.id;
    if (id && row.primaryContact) contactCustomerIds.add(id);
  }
  for (const contact of await selectByRefs<ExistingContact>(
    db,
    contactCustomerIds,
    (json) => sql`select customer_id, external_ref, is_primary, preferred_channel, language from contacts
      where external_ref is not null
        and customer_id in (select value::uuid from json_array_elements_text(${json}::json))`,
  )) {
    contacts.set(`${contact.customer_id}\u0000${contact.external_ref}`, contact);
  }

  errors.sort((a, b) => ENTITY_ORDER[a.entity] - ENTITY_ORDER[b.entity] || a.line - b.line);
  return { errors, customers, invoices, payments, contacts, invoicePlans, paymentPlans, aheadOfFile };
}

const ENTITY_ORDER: Record<Entity, number> = { customers: 0, contacts: 1, invoices: 2, payments: 3 };

// ---------------------------------------------------------------------------------------------
// Multi-row upserts through json_to_recordset: one parameter per chunk whatever its width, and the
// database says which rows it inserted (xmax = 0), updated, or left alone (not returned).

interface ColumnSpec<R> {
  column: string;
  type: string;
  /** undefined: the file is silent; the stored value is kept (or `fallback` used for a new row). */
  value: (row: R) => unknown;
  fallback?: unknown;
}

interface UpsertResult {
  id: string;
  external_ref: string;
  customer_id?: string;
  inserted: boolean;
}

async function upsertRows<R>(
  tx: Tx,
  spec: {
    table: string;
    conflict: string[];
    keys: ColumnSpec<R>[];
    columns: ColumnSpec<R>[];
    rows: R[];
    existing: (row: R) => Record<string, unknown> | undefined;
    touchUpdatedAt: boolean;
    returning: string;
  },
): Promise<UpsertResult[]> {
  if (spec.rows.length === 0) return [];
  // A column the file never states is left out entirely, so re-imports never clear or reset it.
  const columns = spec.columns.filter((c) => spec.rows.some((row) => c.value(row) !== undefined));
  const all = [...spec.keys, ...columns];
  const names = all.map((c) => c.column).join(", ");
  const typed = all.map((c) => `${c.column} ${c.type}`).join(", ");
  const set = columns.map((c) => `${c.column} = excluded.${c.column}`);
  if (spec.touchUpdatedAt) set.push("updated_at = now()");
  const conflictAction =
    columns.length === 0
      ? "do nothing"
      : `do update set ${set.join(", ")} where row(${columns.map((c) => `${spec.table}.${c.column}`).join(", ")})
          is distinct from row(${columns.map((c) => `excluded.${c.column}`).join(", ")})`;
  const out: UpsertResult[] = [];
  for (let i = 0; i < spec.rows.length; i += UPSERT_CHUNK) {
    const chunk = spec.rows.slice(i, i + UPSERT_CHUNK).map((row) => {
      const stored = spec.existing(row);
      const record: Record<string, unknown> = {};
      for (const c of all) {
        let value = c.value(row);
        if (value === undefined)
          value = stored && c.column in stored ? stored[c.column] : (c.fallback ?? null);
        record[c.column] = value;
      }
      return record;
    });
    const query = sql`insert into ${sql.raw(spec.table)} (${sql.raw(names)})
      select ${sql.raw(names)} from json_to_recordset(${JSON.stringify(chunk)}::json) as x(${sql.raw(typed)})
      on conflict (${sql.raw(spec.conflict.join(", "))}) ${sql.raw(conflictAction)}
      returning ${sql.raw(spec.returning)}, (xmax = 0) as inserted`;
    for (const row of (await tx.execute(query)) as unknown as UpsertResult[]) out.push(row);
  }
  return out;
}

async function executeWithIds(tx: Tx, ids: string[], query: (json: string) => SQL): Promise<void> {
  for (let i = 0; i < ids.length; i += SELECT_CHUNK) {
    await tx.execute(query(JSON.stringify(ids.slice(i, i + SELECT_CHUNK))));
  }
}

const idsIn = (json: string) => sql`(select value::uuid from json_array_elements_text(${json}::json))`;

function counts(
  total: number,
  results: UpsertResult[],
): { inserted: number; updated: number; unchanged: number } {
  const inserted = results.filter((r) => r.inserted).length;
  return { inserted, updated: results.length - inserted, unchanged: total - results.length };
}

async function countValue(tx: Tx, query: SQL): Promise<number> {
  const rows = (await tx.execute(query)) as unknown as { n: number }[];
  return Number(rows[0]?.n ?? 0);
}

function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

/**
 * Validates, then upserts everything in `tx` (the caller's transaction; roll it back to undo). Throws
 * LedgerImportError, having written nothing, when any row is refused.
 */
export async function importLedger(tx: Tx, input: ImportInput): Promise<ImportSummary> {
  const checked = await validateLedgerImport(tx, input);
  if (checked.errors.length > 0) throw new LedgerImportError(checked.errors);
  const asOf = input.options?.asOf ?? todayUtc();
  const sourceFile = input.options?.sourceName;
  const appliedBy = input.options?.appliedBy ?? "ledger-import";
  const customersIn = input.customers ?? [];
  const contactsIn = input.contacts ?? [];
  const invoicesIn = input.invoices ?? [];
  const paymentsIn = input.payments ?? [];

  // 1. Customers.
  const customerResults = await upsertRows<NormalizedCustomer>(tx, {
    table: "customers",
    conflict: ["external_ref"],
    keys: [{ column: "external_ref", type: "text", value: (r) => r.externalRef }],
    columns: [
      { column: "name", type: "text", value: (r) => r.name },
      { column: "currency", type: "text", value: (r) => r.currency },
      { column: "is_consumer", type: "boolean", value: (r) => r.isConsumer, fallback: false },
      { column: "segment", type: "text", value: (r) => r.segment },
      { column: "timezone", type: "text", value: (r) => r.timezone, fallback: "UTC" },
      { column: "country", type: "text", value: (r) => r.country },
      { column: "region", type: "text", value: (r) => r.region },
      { column: "payment_terms_days", type: "integer", value: (r) => r.paymentTermsDays, fallback: 30 },
      { column: "credit_limit_minor", type: "bigint", value: (r) => r.creditLimitMinor },
      { column: "owner", type: "text", value: (r) => r.owner },
      { column: "strategic", type: "boolean", value: (r) => r.strategic, fallback: false },
    ],
    rows: customersIn,
    existing: (r) => checked.customers.get(r.externalRef) as unknown as Record<string, unknown> | undefined,
    touchUpdatedAt: true,
    returning: "id, external_ref",
  });
  const customerId = new Map<string, string>([...checked.customers].map(([ref, c]) => [ref, c.id]));
  for (const r of customerResults) customerId.set(r.external_ref, r.id);

  // 2. Contacts: the customer list's primary contacts, then the contacts file.
  type ContactRow = NormalizedContact & { customerId: string };
  const existingContact = (r: ContactRow) =>
    checked.contacts.get(`${r.customerId}\u0000${r.externalRef}`) as unknown as
      | Record<string, unknown>
      | undefined;
  const contactColumns = [
    { column: "name", type: "text", value: (r: ContactRow) => r.name },
    { column: "email", type: "text", value: (r: ContactRow) => r.email },
    { column: "phone", type: "text", value: (r: ContactRow) => r.phone },
    { column: "role", type: "text", value: (r: ContactRow) => r.role },
    { column: "is_primary", type: "boolean", value: (r: ContactRow) => r.isPrimary, fallback: false },
    {
      column: "preferred_channel",
      type: "text",
      value: (r: ContactRow) => r.preferredChannel,
      fallback: "email",
    },
    { column: "language", type: "text", value: (r: ContactRow) => r.language, fallback: "en" },
  ];
  const contactKeys = [
    { column: "customer_id", type: "uuid", value: (r: ContactRow) => r.customerId },
    { column: "external_ref", type: "text", value: (r: ContactRow) => r.externalRef },
  ];
  const derived: ContactRow[] = [];
  for (const c of customersIn) {
    if (!c.primaryContact) continue;
    const id = customerId.get(c.externalRef)!;
    const { email, phone } = c.primaryContact;
    // No address at all: create nothing, but clear the one an earlier list gave.
    if (!email && !phone && !checked.contacts.has(`${id}\u0000${PRIMARY_CONTACT_REF}`)) continue;
    derived.push({
      line: c.line,
      customerRef: c.externalRef,
      customerId: id,
      externalRef: PRIMARY_CONTACT_REF,
      name: c.primaryContact.name,
      email: c.primaryContact.email,
      phone: c.primaryContact.phone,
      isPrimary: true,
    });
  }
  const fileContacts: ContactRow[] = contactsIn.map((c) => ({
    ...c,
    customerId: customerId.get(c.customerRef)!,
  }));
  const contactResults = [
    ...(await upsertRows<ContactRow>(tx, {
      table: "contacts",
      conflict: ["customer_id", "external_ref"],
      keys: contactKeys,
      columns: contactColumns,
      rows: derived,
      existing: existingContact,
      touchUpdatedAt: true,
      returning: "id, external_ref, customer_id",
    })),
    ...(await upsertRows<ContactRow>(tx, {
      table: "contacts",
      conflict: ["customer_id", "external_ref"],
      keys: contactKeys,
      columns: contactColumns,
      rows: fileContacts,
      existing: existingContact,
      touchUpdatedAt: true,
      returning: "id, external_ref, customer_id",
    })),
  ];

  // 3. Take back applications that are about to change, so amounts can move without tripping the
  //    over-payment checks midway.
  const openingApplicationsToDrop = checked.invoicePlans
    .filter((p) => p.replaceOpening && p.oldOpening > 0 && p.existing?.opening_payment_id)
    .map((p) => p.existing!.opening_payment_id!);
  await executeWithIds(
    tx,
    openingApplicationsToDrop,
    (json) => sql`delete from payment_applications where payment_id in ${idsIn(json)}`,
  );
  const applicationsToDrop = checked.paymentPlans.flatMap((p) => p.removeApplications.map((a) => a.id));
  await executeWithIds(
    tx,
    applicationsToDrop,
    (json) => sql`delete from payment_applications where id in ${idsIn(json)}`,
  );

  // 4. Invoices.
  const invoiceResults = await upsertRows<NormalizedInvoice>(tx, {
    table: "invoices",
    conflict: ["external_ref"],
    keys: [{ column: "external_ref", type: "text", value: (r) => r.externalRef }],
    columns: [
      { column: "customer_id", type: "uuid", value: (r) => customerId.get(r.customerRef) },
      { column: "currency", type: "text", value: (r) => r.currency },
      { column: "amount_minor", type: "bigint", value: (r) => r.amountMinor },
      { column: "issue_date", type: "date", value: (r) => r.issueDate },
      { column: "due_date", type: "date", value: (r) => r.dueDate },
      { column: "description", type: "text", value: (r) => r.description },
    ],
    rows: invoicesIn,
    existing: () => undefined,
    touchUpdatedAt: true,
    returning: "id, external_ref, customer_id",
  });
  // Every invoice the files mention: id, (new) customer and currency.
  const invoiceInfo = new Map<string, { id: string; customerId: string; currency: string }>();
  for (const [ref, i] of checked.invoices) {
    invoiceInfo.set(ref, { id: i.id, customerId: i.customer_id, currency: i.currency });
  }
  for (const r of invoiceResults)
    invoiceInfo.set(r.external_ref, { id: r.id, customerId: r.customer_id!, currency: "" });
  for (const row of invoicesIn) {
    const info = invoiceInfo.get(row.externalRef)!;
    info.customerId = customerId.get(row.customerRef)!;
    info.currency = row.currency;
  }

  // 5. Payments from the payments file.
  const paymentCustomer = (r: NormalizedPayment): string | undefined => {
    if (r.customerRef) return customerId.get(r.customerRef);
    if (r.invoiceRef) return invoiceInfo.get(r.invoiceRef)?.customerId;
    return undefined;
  };
  const paymentResults = await upsertRows<NormalizedPayment>(tx, {
    table: "payments",
    conflict: ["external_ref"],
    keys: [{ column: "external_ref", type: "text", value: (r) => r.externalRef }],
    columns: [
      { column: "customer_id", type: "uuid", value: paymentCustomer },
      { column: "payer_name", type: "text", value: (r) => r.payerName },
      { column: "payer_account", type: "text", value: (r) => r.payerAccount },
      { column: "currency", type: "text", value: (r) => r.currency },
      { column: "amount_minor", type: "bigint", value: (r) => r.amountMinor },
      { column: "received_on", type: "date", value: (r) => r.receivedOn },
      { column: "remittance_text", type: "text", value: (r) => r.remittanceText },
      { column: "source", type: "text", value: () => "import" },
      { column: "source_file", type: "text", value: () => sourceFile },
    ],
    rows: paymentsIn,
    existing: (r) => checked.payments.get(r.externalRef) as unknown as Record<string, unknown> | undefined,
    touchUpdatedAt: false,
    returning: "id, external_ref",
  });
  const paymentId = new Map<string, string>([...checked.payments].map(([ref, p]) => [ref, p.id]));
  for (const r of paymentResults) paymentId.set(r.external_ref, r.id);

  // 6. Applications the payments file states.
  const newApplications = checked.paymentPlans
    .filter((p) => p.insertApplication)
    .map((p) => {
      const invoice = invoiceInfo.get(p.insertApplication!.invoiceRef)!;
      return {
        payment_id: paymentId.get(p.row.externalRef)!,
        invoice_id: invoice.id,
        currency: p.row.currency,
        amount_minor: p.insertApplication!.amountMinor,
      };
    });
  await insertApplications(tx, newApplications, appliedBy);

  // 7. Opening balances.
  const openingRows = checked.invoicePlans
    .filter((p) => {
      if (p.newOpening <= 0) return false;
      if (p.replaceOpening || !p.existing?.opening_payment_id) return true;
      const info = invoiceInfo.get(p.row.externalRef)!;
      return p.existing.opening_payment_customer_id !== info.customerId;
    })
    .map((p) => ({
      plan: p,
      external_ref: `${OPENING_REF_PREFIX}${p.row.externalRef}`,
      customer_id: invoiceInfo.get(p.row.externalRef)!.customerId,
      currency: p.row.currency,
      amount_minor: p.newOpening,
      received_on: asOf,
      remittance_text: `Opening balance: the part of invoice ${p.row.externalRef} settled before it was imported (as of ${asOf})`,
    }));
  const openingResults = await upsertRows<(typeof openingRows)[number]>(tx, {
    table: "payments",
    conflict: ["external_ref"],
    keys: [{ column: "external_ref", type: "text", value: (r) => r.external_ref }],
    columns: [
      { column: "customer_id", type: "uuid", value: (r) => r.customer_id },
      { column: "currency", type: "text", value: (r) => r.currency },
      { column: "amount_minor", type: "bigint", value: (r) => r.amount_minor },
      { column: "received_on", type: "date", value: (r) => r.received_on },
      { column: "remittance_text", type: "text", value: (r) => r.remittance_text },
      { column: "source", type: "text", value: () => "import" },
      { column: "source_file", type: "text", value: () => sourceFile },
    ],
    rows: openingRows,
    existing: () => undefined,
    touchUpdatedAt: false,
    returning: "id, external_ref",
  });
  const openingId = new Map(openingResults.map((r) => [r.external_ref, r.id]));
  const openingApplications = openingRows
    .filter((r) => r.plan.replaceOpening || !r.plan.existing?.opening_payment_id)
    .map((r) => ({
      payment_id: openingId.get(r.external_ref) ?? r.plan.existing!.opening_payment_id!,
      invoice_id: invoiceInfo.get(r.plan.row.externalRef)!.id,
      currency: r.currency,
      amount_minor: r.amount_minor,
    }));
  await insertApplications(tx, openingApplications, appliedBy);
  const openingsToDelete = checked.invoicePlans
    .filter((p) => p.newOpening === 0 && p.existing?.opening_payment_id)
    .map((p) => p.existing!.opening_payment_id!);
  await executeWithIds(
    tx,
    openingsToDelete,
    (json) => sql`delete from payment_applications where payment_id in ${idsIn(json)}`,
  );
  await executeWithIds(tx, openingsToDelete, (json) => sql`delete from payments where id in ${idsIn(json)}`);

  // 8. The summary.
  const openingInserted = openingResults.filter((r) => r.inserted).length;
  const openingUpdated = openingResults.length - openingInserted;
  const rewritten = new Set(openingRows.map((r) => r.plan));
  const openingUnchanged = checked.invoicePlans.filter(
    (p) => p.newOpening > 0 && p.existing?.opening_payment_id && !rewritten.has(p),
  ).length;
  const invoiceCounts = counts(invoicesIn.length, invoiceResults);
  const updatedInvoices = new Set(invoiceResults.map((r) => r.external_ref));
  const balanceOnly = checked.invoicePlans.filter(
    (p) => p.existing && p.replaceOpening && !updatedInvoices.has(p.row.externalRef),
  ).length;
  invoiceCounts.updated += balanceOnly;
  invoiceCounts.unchanged -= balanceOnly;
  const refsJson = (refs: string[]) => JSON.stringify(refs);
  const summary: ImportSummary = {
    customers: {
      ...counts(customersIn.length, customerResults),
      missingFromFile: input.customers
        ? (await countValue(tx, sql`select count(*)::int as n from customers`)) - customersIn.length
        : null,
    },
    contacts: {
      ...counts(derived.length + fileContacts.length, contactResults),
      missingFromFile: input.contacts
        ? (await countValue(
            tx,
            sql`select count(*)::int as n from contacts where external_ref is distinct from ${PRIMARY_CONTACT_REF}`,
          )) - fileContacts.length
        : null,
    },
    invoices: {
      ...invoiceCounts,
      missingFromFile: input.invoices
        ? (await countValue(tx, sql`select count(*)::int as n from invoices`)) - invoicesIn.length
        : null,
      missingOpenFromFile: input.invoices
        ? await countValue(
            tx,
            sql`select count(*)::int as n from invoices
              where balance_minor > 0 and voided_at is null
                and external_ref not in (select value from json_array_elements_text(${refsJson(invoicesIn.map((i) => i.externalRef))}::json))`,
          )
        : null,
    },
    payments: {
      ...counts(paymentsIn.length, paymentResults),
      missingFromFile: input.payments
        ? (await countValue(
            tx,
            sql`select count(*)::int as n from payments
              where source = 'import' and external_ref not like ${`${OPENING_REF_PREFIX}%`}`,
          )) - paymentsIn.length
        : null,
    },
    openingBalances: {
      inserted: openingInserted,
      updated: openingUpdated,
      removed: openingsToDelete.length,
      unchanged: openingUnchanged,
    },
    applications: {
      inserted: newApplications.length,
      removed: applicationsToDrop.length,
      unchanged: checked.paymentPlans.reduce((sum, p) => sum + p.keptApplications, 0),
    },
    aheadOfFile: checked.aheadOfFile,
  };
  return summary;
}

async function insertApplications(
  tx: Tx,
  rows: { payment_id: string; invoice_id: string; currency: string; amount_minor: number }[],
  appliedBy: string,
): Promise<void> {
  for (let i = 0; i < rows.length; i += UPSERT_CHUNK) {
    await tx.execute(sql`insert into payment_applications
        (payment_id, invoice_id, currency, amount_minor, method, confidence, applied_by)
      select payment_id, invoice_id, currency, amount_minor, ${IMPORT_METHOD}, 1, ${appliedBy}
      from json_to_recordset(${JSON.stringify(rows.slice(i, i + UPSERT_CHUNK))}::json)
        as x(payment_id uuid, invoice_id uuid, currency text, amount_minor bigint)`);
  }
}
