// Small ledger look-ups shared by tools' propose() steps. They raise ToolInputError naming the field
// when the input points at something that does not exist or does not belong together.
import { eq, inArray, type SQL, sql } from "drizzle-orm";
import type { DbOrTx } from "../db/connection.ts";
import {
  type Communication,
  type Contact,
  type Customer,
  communications,
  contacts,
  customers,
  type Invoice,
  invoices,
  type Payment,
  payments,
} from "../db/schema.ts";
import { ToolInputError } from "./errors.ts";

export async function requireInvoice(db: DbOrTx, invoiceId: string, field = "invoiceId"): Promise<Invoice> {
  const [row] = await db.select().from(invoices).where(eq(invoices.id, invoiceId));
  if (!row) throw new ToolInputError(field, `no invoice ${invoiceId}`);
  return row;
}

/** The invoices, in the order given, all of one customer and one currency. */
export async function requireCustomerInvoices(
  db: DbOrTx,
  customerId: string,
  invoiceIds: string[],
  field = "invoiceIds",
): Promise<Invoice[]> {
  const rows = invoiceIds.length
    ? await db.select().from(invoices).where(inArray(invoices.id, invoiceIds))
    : [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  const result = invoiceIds.map((invoiceId, index) => {
    const row = byId.get(invoiceId);
    if (!row) throw new ToolInputError(`${field}.${index}`, `no invoice ${invoiceId}`);
    if (row.customerId !== customerId) {
      throw new ToolInputError(`${field}.${index}`, `invoice ${row.externalRef} belongs to another customer`);
    }
    return row;
  });
  const currencies = new Set(result.map((r) => r.currency));
  if (currencies.size > 1)
    throw new ToolInputError(field, `invoices are in several currencies (${[...currencies].join(", ")})`);
  return result;
}

export async function requirePayment(db: DbOrTx, paymentId: string, field = "paymentId"): Promise<Payment> {
  const [row] = await db.select().from(payments).where(eq(payments.id, paymentId));
  if (!row) throw new ToolInputError(field, `no payment ${paymentId}`);
  return row;
}

export async function requireCustomer(
  db: DbOrTx,
  customerId: string,
  field = "customerId",
): Promise<Customer> {
  const [row] = await db.select().from(customers).where(eq(customers.id, customerId));
  if (!row) throw new ToolInputError(field, `no customer ${customerId}`);
  return row;
}

/** The contact, which must be the customer's. */
export async function requireContactOf(
  db: DbOrTx,
  customerId: string,
  contactId: string,
  field = "contactId",
): Promise<Contact> {
  const [row] = await db.select().from(contacts).where(eq(contacts.id, contactId));
  if (!row) throw new ToolInputError(field, `no contact ${contactId}`);
  if (row.customerId !== customerId) {
    throw new ToolInputError(field, `contact ${contactId} belongs to another customer, not ${customerId}`);
  }
  return row;
}

/** The communication (say, the reply an account change was read from), which must be the customer's. */
export async function requireCommunicationOf(
  db: DbOrTx,
  customerId: string,
  communicationId: string,
  field = "sourceCommunicationId",
): Promise<Communication> {
  const [row] = await db.select().from(communications).where(eq(communications.id, communicationId));
  if (!row) throw new ToolInputError(field, `no communication ${communicationId}`);
  if (row.customerId !== customerId) {
    throw new ToolInputError(field, `communication ${communicationId} belongs to another customer`);
  }
  return row;
}

export function sumMinor(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

export { daysBetween } from "./dates.ts";

export function utcDate(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

/**
 * True for an invoice under a live (open or investigating) dispute, for selects from `invoices`.
 * The outer column is spelled out: drizzle renders bare column names in one-table selects, which
 * inside the subquery would bind to disputes.id.
 */
export const invoiceIsDisputed: SQL<boolean> = sql<boolean>`exists (select 1 from disputes d
  where d.invoice_id = "invoices"."id" and d.status in ('open', 'investigating'))`;

/** Records that a dunning step (message or call task) reached `level` on these invoices; never lowers it. */
export async function recordDunningLevel(
  db: DbOrTx,
  invoiceIds: string[],
  level: number,
  at: Date,
): Promise<void> {
  if (invoiceIds.length === 0) return;
  await db
    .update(invoices)
    .set({ dunningLevel: sql`greatest(${invoices.dunningLevel}, ${level})`, lastDunnedAt: at, updatedAt: at })
    .where(inArray(invoices.id, invoiceIds));
}

/** The columns every open-invoice listing shows (account overview, account snapshot). */
export const openInvoiceColumns = {
  id: invoices.id,
  externalRef: invoices.externalRef,
  currency: invoices.currency,
  amountMinor: invoices.amountMinor,
  balanceMinor: invoices.balanceMinor,
  issueDate: invoices.issueDate,
  dueDate: invoices.dueDate,
  dunningLevel: invoices.dunningLevel,
  lastDunnedAt: invoices.lastDunnedAt,
  disputed: invoiceIsDisputed,
};
