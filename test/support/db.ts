// Each test file gets a database of its own: a fresh in-memory PGlite served on loopback by default,
// or, when ARC_TEST_DATABASE_URL names a PostgreSQL server, a new database on it that is dropped
// afterwards. Both are migrated from empty through the same code path the product uses.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import {
  createClient,
  type Database,
  migrateDatabase,
  openDatabase,
  serveEmbedded,
} from "../../db/connection.ts";

export interface TestDatabase extends Database {
  /** "pglite" or "postgres": lets a test name what it ran on, never to skip a path. */
  kind: "pglite" | "postgres";
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.ARC_TEST_DATABASE_URL;
  if (serverUrl) {
    const name = `arc_test_${process.pid}_${randomBytes(4).toString("hex")}`;
    const admin = createClient(serverUrl, 1);
    await admin.unsafe(`create database ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    await migrateDatabase(url.toString());
    const database = await openDatabase({ url: url.toString(), migrate: false, maxConnections: 8 });
    return {
      ...database,
      kind: "postgres",
      async close() {
        await database.close();
        await admin.unsafe(`drop database if exists ${name} with (force)`);
        await admin.end({ timeout: 5 });
      },
    };
  }
  const server = await serveEmbedded(undefined);
  const database = await openDatabase({ url: server.url, maxConnections: 1 });
  return {
    ...database,
    embedded: true,
    kind: "pglite",
    async close() {
      await database.close();
      await server.stop();
    },
  };
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
