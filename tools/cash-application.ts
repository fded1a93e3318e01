// What the matching engine (tools/cash-matching) needs from the ledger and the policy: the one place
// that turns rows into the engine's plain inputs, for the identification tool, the account snapshot
// and the benchmark alike.
import { type AnyColumn, and, asc, gt, inArray, isNotNull, isNull, type SQL, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/connection.ts";
import { customers, invoices, type Payment, payments } from "../db/schema.ts";
import type { PolicyDocument } from "../policies/index.ts";
import {
  DEFAULT_MATCH_SETTINGS,
  type MatchCustomer,
  type MatchInvoice,
  type MatchPayment,
  type MatchSettings,
  type PayerMapping,
} from "./cash-matching/index.ts";
import { invoiceIsDisputed } from "./ledger.ts";

/** The engine's settings from the policy's cashApplication section. */
export function matchSettingsFrom(policy: PolicyDocument): MatchSettings {
  const cash = policy.cashApplication;
  const perCurrency = (limits: { default: number; [currency: string]: number }) => (currency: string) =>
    limits[currency] ?? limits.default;
  return {
    ...DEFAULT_MATCH_SETTINGS,
    autoApplyThreshold: cash.autoApplyThreshold,
    writeOffTolerance: {
      percent: cash.shortPayTolerance.percent,
      maxMinor: perCurrency(cash.shortPayTolerance.maxMinor),
    },
    bankChargesMaxMinor: perCurrency(cash.bankChargesMaxMinor),
    fxTolerancePercent: cash.fxTolerancePercent,
    nameCutoff: cash.nameMatchCutoff,
    maxSubsetInvoices: cash.maxSubsetInvoices,
  };
}

/** A payments row as the engine sees it. */
export function toMatchPayment(row: Payment): MatchPayment {
  return {
    id: row.id,
    externalRef: row.externalRef,
    customerId: row.customerId,
    payerName: row.payerName,
    payerAccount: row.payerAccount,
    currency: row.currency,
    amountMinor: row.amountMinor,
    unappliedMinor: row.unappliedMinor,
    receivedOn: row.receivedOn,
    remittanceText: row.remittanceText,
    chargesMinor: row.chargesMinor,
    original:
      row.originalCurrency !== null && row.originalAmountMinor !== null
        ? { currency: row.originalCurrency, amountMinor: row.originalAmountMinor }
        : null,
  };
}

/** Customers with ids after `after` (all when null) up to and including `through`, read a page at a time. */
export interface CustomerRange {
  after: string | null;
  through: string;
}

const isRange = (scope: readonly string[] | CustomerRange): scope is CustomerRange => !Array.isArray(scope);

const inRange = (column: AnyColumn, range: CustomerRange): SQL =>
  range.after === null
    ? sql`${column} <= ${range.through}`
    : sql`${column} > ${range.after} and ${column} <= ${range.through}`;

/** Every customer with the accounts it pays from, or a page of them in id order (`limit` after the id `after`). */
export async function loadMatchCustomers(
  db: DbOrTx,
  page?: { after: string | null; limit: number },
): Promise<MatchCustomer[]> {
  const query = db
    .select({
      id: customers.id,
      externalRef: customers.externalRef,
      name: customers.name,
      bankAccounts: customers.bankAccounts,
    })
    .from(customers);
  if (!page) return query;
  return query
    .where(page.after === null ? undefined : gt(customers.id, page.after))
    .orderBy(asc(customers.id))
    .limit(page.limit);
}

const openInvoiceSelection = {
  id: invoices.id,
  customerId: invoices.customerId,
  externalRef: invoices.externalRef,
  currency: invoices.currency,
  amountMinor: invoices.amountMinor,
  balanceMinor: invoices.balanceMinor,
  issueDate: invoices.issueDate,
  dueDate: invoices.dueDate,
  earlyDiscountPercent: invoices.earlyDiscountPercent,
  earlyDiscountUntil: invoices.earlyDiscountUntil,
  disputed: invoiceIsDisputed,
};

type OpenInvoiceRow = {
  [K in keyof typeof openInvoiceSelection]: K extends "disputed"
    ? boolean
    : K extends "earlyDiscountPercent"
      ? number | null
      : K extends "earlyDiscountUntil"
        ? string | null
        : K extends "amountMinor" | "balanceMinor"
          ? number
          : string;
};

export function toMatchInvoice(row: OpenInvoiceRow): MatchInvoice {
  return {
    id: row.id,
    customerId: row.customerId,
    externalRef: row.externalRef,
    currency: row.currency,
    amountMinor: row.amountMinor,
    balanceMinor: row.balanceMinor,
    issueDate: row.issueDate,
    dueDate: row.dueDate,
    disputed: row.disputed,
    earlyDiscount:
      row.earlyDiscountPercent !== null && row.earlyDiscountUntil !== null
        ? { percent: row.earlyDiscountPercent, until: row.earlyDiscountUntil }
        : null,
  };
}

/** Open (balance > 0, not voided) invoices, of some customers or all. */
export async function loadMatchInvoices(
  db: DbOrTx,
  customerIds?: readonly string[] | CustomerRange,
): Promise<MatchInvoice[]> {
  const rows = await db
    .select(openInvoiceSelection)
    .from(invoices)
    .where(
      and(
        gt(invoices.balanceMinor, 0),
        isNull(invoices.voidedAt),
        customerIds === undefined
          ? undefined
          : isRange(customerIds)
            ? inRange(invoices.customerId, customerIds)
            : inArray(invoices.customerId, [...customerIds]),
      ),
    );
  return rows.map((row) => toMatchInvoice(row as OpenInvoiceRow));
}

/**
 * Payer → customer links the ledger has learned: every bank account and payer name seen on a
 * payment that was applied to (so belongs to) a customer — including those a collector reviewed.
 */
export async function loadPayerMappings(
  db: DbOrTx,
  customerIds?: readonly string[] | CustomerRange,
): Promise<PayerMapping[]> {
  const scope =
    customerIds === undefined
      ? isNotNull(payments.customerId)
      : isRange(customerIds)
        ? inRange(payments.customerId, customerIds)
        : inArray(payments.customerId, [...customerIds]);
  const accounts = await db
    .selectDistinct({ value: payments.payerAccount, customerId: payments.customerId })
    .from(payments)
    .where(and(scope, isNotNull(payments.payerAccount), gt(payments.appliedMinor, 0)));
  const names = await db
    .selectDistinct({ value: payments.payerName, customerId: payments.customerId })
    .from(payments)
    .where(and(scope, isNotNull(payments.payerName), gt(payments.appliedMinor, 0)));
  const mappings: PayerMapping[] = [];
  for (const row of accounts)
    mappings.push({
      kind: "account",
      value: row.value!.replace(/\s+/g, "").toUpperCase(),
      customerId: row.customerId!,
    });
  for (const row of names) mappings.push({ kind: "name", value: row.value!, customerId: row.customerId! });
  return mappings;
}

/** Unidentified payments with money unapplied (all, or those named). */
export async function loadUnidentifiedPayments(
  db: DbOrTx,
  paymentIds?: readonly string[],
): Promise<Payment[]> {
  return db
    .select()
    .from(payments)
    .where(
      and(
        isNull(payments.customerId),
        sql`${payments.amountMinor} > ${payments.appliedMinor}`,
        paymentIds ? inArray(payments.id, [...paymentIds]) : undefined,
      ),
    )
    .orderBy(payments.receivedOn, payments.id);
}
