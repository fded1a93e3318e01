// Arranging the world for a test writes rows directly: these are the givens, not the behaviour
// under test. Everything a test *does* goes through the tool runner.
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Db } from "../../db/connection.ts";
import { contacts, customers, invoices, payments } from "../../db/schema.ts";

type CustomerInput = Partial<typeof customers.$inferInsert>;
type ContactInput = Partial<typeof contacts.$inferInsert>;
type InvoiceInput = Partial<typeof invoices.$inferInsert>;
type PaymentInput = Partial<typeof payments.$inferInsert>;

const unique = () => randomUUID().slice(0, 8).toUpperCase();

export async function makeCustomer(db: Db, values: CustomerInput = {}) {
  const [row] = await db
    .insert(customers)
    .values({
      externalRef: `C-${unique()}`,
      name: "Acme Manufacturing Inc",
      currency: "USD",
      timezone: "America/New_York",
      country: "US",
      region: "NY",
      ...values,
    })
    .returning();
  return row!;
}

export async function makeContact(db: Db, customerId: string, values: ContactInput = {}) {
  const [row] = await db
    .insert(contacts)
    .values({
      customerId,
      name: "Jordan Payables",
      email: "ap@acme.example",
      phone: "+12125550100",
      isPrimary: true,
      ...values,
    })
    .returning();
  return row!;
}

export async function makeInvoice(db: Db, customerId: string, values: InvoiceInput = {}) {
  const [row] = await db
    .insert(invoices)
    .values({
      customerId,
      externalRef: `INV-${unique()}`,
      currency: "USD",
      amountMinor: 125_000,
      issueDate: "2026-01-01",
      dueDate: "2026-01-31",
      ...values,
    })
    .returning();
  return row!;
}

export async function makePayment(db: Db, values: PaymentInput = {}) {
  const [row] = await db
    .insert(payments)
    .values({
      externalRef: `PAY-${unique()}`,
      currency: "USD",
      amountMinor: 125_000,
      receivedOn: "2026-02-15",
      source: "manual",
      ...values,
    })
    .returning();
  return row!;
}

/** Row counts of the tables a write could touch, to prove that nothing was written. */
export async function ledgerCounts(db: Db): Promise<Record<string, number>> {
  const tables = [
    "actions",
    "audit_log",
    "communications",
    "tasks",
    "promises_to_pay",
    "disputes",
    "payment_applications",
    "payment_plans",
    "credit_notes",
  ];
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const [row] = await db.execute<{ n: number }>(sql.raw(`select count(*)::int as n from ${table}`));
    counts[table] = Number(row!.n);
  }
  return counts;
}
