// drizzle's queries go to a real PostgreSQL as prepared statements (one round trip each after the
// first, parsed once per connection); to the embedded server, whose connections share one session,
// unprepared. Read back from the server's own list of the session's prepared statements.
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { openDatabase, preparedStatementsWanted } from "../../db/connection.ts";
import { customers } from "../../db/schema.ts";
import { useTestDatabase } from "../support/db.ts";
import { makeCustomer } from "../support/fixtures.ts";

const database = useTestDatabase();

/**
 * The session's prepared statements that are `text`'s query (the pattern a parameter, so not itself
 * one). The embedded server lists each connection's unnamed statement under a stand-in name
 * (db/embedded-server.ts); that one is not prepared.
 */
const prepared = (text: string) =>
  sql`select count(*)::int as n from pg_prepared_statements
    where statement like ${`%${text}%`} and name not like 'arc\_unnamed\_%'`;
const preparedLookups = prepared('from "customers" where "customers"."id" = $1');

describe("prepared statements", () => {
  it("prepares drizzle's queries on PostgreSQL, inside transactions and savepoints too; never on the embedded server", async () => {
    const { db, kind } = database.current;
    const customer = await makeCustomer(db, { externalRef: "C-PREP" });
    const lookup = (tx: typeof db) =>
      tx.select({ ref: customers.externalRef }).from(customers).where(eq(customers.id, customer.id));

    const seen = await db.transaction(async (tx) => {
      // Results are the same whichever way the query went.
      expect(await lookup(tx as never)).toEqual([{ ref: "C-PREP" }]);
      const [inTransaction] = await tx.execute<{ n: number }>(preparedLookups);
      const inSavepoint = await tx.transaction(async (savepoint) => {
        await savepoint.update(customers).set({ name: "Renamed" }).where(eq(customers.id, customer.id));
        const [row] = await savepoint.execute<{ n: number }>(prepared('update "customers" set "name" = $1'));
        return row!.n;
      });
      return { inTransaction: inTransaction!.n, inSavepoint };
    });
    expect(seen).toEqual(
      kind === "postgres" ? { inTransaction: 1, inSavepoint: 1 } : { inTransaction: 0, inSavepoint: 0 },
    );
    const [renamed] = await db
      .select({ name: customers.name })
      .from(customers)
      .where(eq(customers.id, customer.id));
    expect(renamed?.name).toBe("Renamed");
  });

  it("are off when asked (a pooler that cannot keep them)", async () => {
    const { url, embedded } = database.current;
    const unprepared = await openDatabase({
      url,
      migrate: false,
      maxConnections: 1,
      embeddedServer: embedded,
      preparedStatements: false,
    });
    try {
      const seen = await unprepared.db.transaction(async (tx) => {
        await tx.select().from(customers).where(eq(customers.id, "00000000-0000-0000-0000-000000000000"));
        const [row] = await tx.execute<{ n: number }>(preparedLookups);
        return row!.n;
      });
      expect(seen).toBe(0);
    } finally {
      await unprepared.close();
    }
  });

  it("reads ARC_DB_PREPARED_STATEMENTS, refusing a value it does not know by name", () => {
    expect(preparedStatementsWanted({})).toBe(true);
    expect(preparedStatementsWanted({ ARC_DB_PREPARED_STATEMENTS: " OFF " })).toBe(false);
    expect(preparedStatementsWanted({ ARC_DB_PREPARED_STATEMENTS: "on" })).toBe(true);
    expect(() => preparedStatementsWanted({ ARC_DB_PREPARED_STATEMENTS: "maybe" })).toThrow(
      'ARC_DB_PREPARED_STATEMENTS: expected "on" or "off", got "maybe"',
    );
  });
});
