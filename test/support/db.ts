// Each test file gets a database of its own: a fresh in-memory PGlite served on loopback by default,
// or, when ARC_TEST_DATABASE_URL names a PostgreSQL server, a new database on it that is dropped
// afterwards. Both are migrated from empty through the same code path the product uses.
import { afterAll, beforeAll } from "vitest";
import { openScratchDatabase, type ScratchDatabase } from "../../db/connection.ts";

export type TestDatabase = ScratchDatabase;

export function createTestDatabase(): Promise<TestDatabase> {
  return openScratchDatabase(process.env.ARC_TEST_DATABASE_URL, "arc_test");
}

/** Registers beforeAll/afterAll for one database per test file; read `.current` inside tests. */
export function useTestDatabase(): { readonly current: TestDatabase } {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });
  return {
    get current() {
      if (!database) throw new Error("test database not ready: use it inside a test or hook");
      return database;
    },
  };
}
