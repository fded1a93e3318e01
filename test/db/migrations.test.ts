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
      "communications",
      "contacts",
      "credit_notes",
      "customers",
      "disputes",
      "invoices",
      "payment_applications",
      "payment_plans",
      "payments",
      "predictions",
      "promises_to_pay",
      "run_items",
      "runs",
      "tasks",
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
