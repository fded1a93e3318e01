import { describe, expect, it } from "vitest";
import { migrateDatabase } from "../../db/connection.ts";
import { useTestDatabase } from "../support/db.ts";

const database = useTestDatabase();

describe("migrations", () => {
  it("create every table of the model from an empty database", async () => {
    const rows = await database.current.sql<{ table_name: string }[]>`
      select table_name from information_schema.tables where table_schema = 'public' order by table_name`;
    expect(rows.map((r) => r.table_name)).toEqual([
      "actions",
      "api_keys",
      "audit_log",
      "bank_imports",
      "cash_forecasts",
      "communications",
      "contacts",
      "credit_notes",
      "customers",
      "disputes",
      "forecast_models",
      "invoices",
      "payment_applications",
      "payment_plans",
      "payments",
      "policy_versions",
      "predictions",
      "promises_to_pay",
      "run_items",
      "run_workers",
      "runs",
      "tasks",
      "write_offs",
    ]);
  });

  it("are recorded once and re-applying them changes nothing", async () => {
    const before = await database.current.sql`select hash from arc_meta.__drizzle_migrations order by id`;
    await migrateDatabase(database.current.url);
    const after = await database.current.sql`select hash from arc_meta.__drizzle_migrations order by id`;
    expect(after.length).toBeGreaterThanOrEqual(2);
    expect(after).toEqual(before);
  });
});

describe("ledger guards", () => {
  it("keep running totals per statement, refuse over-application, and keep applications immutable", async () => {
    const sql = database.current.sql;
    const [customer] =
      await sql`insert into customers (external_ref, name, currency) values ('C-GUARD', 'Guard', 'USD') returning id`;
    const invoices =
      await sql`insert into invoices (customer_id, external_ref, currency, amount_minor, issue_date, due_date)
      values (${customer!.id}, 'G-1', 'USD', 1000, '2026-01-01', '2026-01-31'),
             (${customer!.id}, 'G-2', 'USD', 500, '2026-01-01', '2026-01-31') returning id`;
    const [payment] =
      await sql`insert into payments (external_ref, customer_id, currency, amount_minor, received_on, source)
      values ('G-P', ${customer!.id}, 'USD', 1400, '2026-02-01', 'manual') returning id`;
    const apply = (invoiceId: string, amount: number) =>
      sql`(${payment!.id}::uuid, ${invoiceId}::uuid, 'USD', ${amount}::bigint, 'manual', 1, 'test')`;
    // One statement, three rows, two of them on the same invoice.
    await sql`insert into payment_applications (payment_id, invoice_id, currency, amount_minor, method, confidence, applied_by)
      values ${apply(invoices[0]!.id, 600)}, ${apply(invoices[0]!.id, 400)}, ${apply(invoices[1]!.id, 300)}`;
    expect(
      await sql`select external_ref, paid_minor, balance_minor, closed_at is not null as closed from invoices where customer_id = ${customer!.id} order by external_ref`,
    ).toEqual([
      { external_ref: "G-1", paid_minor: 1000, balance_minor: 0, closed: true },
      { external_ref: "G-2", paid_minor: 300, balance_minor: 200, closed: false },
    ]);
    expect(await sql`select applied_minor, unapplied_minor from payments where id = ${payment!.id}`).toEqual([
      { applied_minor: 1300, unapplied_minor: 100 },
    ]);
    // 200 more on G-2 would fit the invoice but not the payment's remaining 100.
    await expect(sql`insert into payment_applications (payment_id, invoice_id, currency, amount_minor, method, confidence, applied_by)
      values ${apply(invoices[1]!.id, 200)}`).rejects.toThrow(/payments_not_overapplied/);
    await expect(
      sql`update payment_applications set amount_minor = 1 where invoice_id = ${invoices[1]!.id}`,
    ).rejects.toThrow(/immutable/);
    // A currency that differs from the invoice's is refused by the composite foreign key.
    await expect(sql`insert into payment_applications (payment_id, invoice_id, currency, amount_minor, method, confidence, applied_by)
      values (${payment!.id}, ${invoices[1]!.id}, 'EUR', 1, 'manual', 1, 'test')`).rejects.toThrow(
      /payment_applications_(payment|invoice)_currency_fk/,
    );
    await sql`delete from payment_applications where invoice_id = ${invoices[0]!.id}`;
    expect(await sql`select paid_minor, closed_at from invoices where id = ${invoices[0]!.id}`).toEqual([
      { paid_minor: 0, closed_at: null },
    ]);
    expect(await sql`select applied_minor from payments where id = ${payment!.id}`).toEqual([
      { applied_minor: 300 },
    ]);
  });
});
