// The checkpointer's tables are created by whichever ARC process opens it first: an `arc run` and its
// `arc worker`s starting together on a new database must all come up (the crash harness once lost an
// owner to "duplicate key value violates unique constraint checkpoint_migrations_pkey").
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { CHECKPOINT_SCHEMA, openCheckpointer } from "../../agents/checkpointer.ts";
import { useTestDatabase } from "../support/db.ts";

const database = useTestDatabase();

describe("openCheckpointer", () => {
  it("sets up its schema once when several processes open it at the same moment on a new database", async () => {
    for (let round = 0; round < 5; round++) {
      await database.current.db.execute(sql.raw(`drop schema if exists ${CHECKPOINT_SCHEMA} cascade`));
      const opened = await Promise.allSettled(
        Array.from({ length: 6 }, () => openCheckpointer(database.current.url)),
      );
      const failures = opened.flatMap((o) => (o.status === "rejected" ? [String(o.reason)] : []));
      for (const o of opened) if (o.status === "fulfilled") await o.value.close();
      expect(failures, `round ${round}`).toEqual([]);
      const migrations = await database.current.db.execute<{ v: number; n: number }>(
        sql.raw(`select v, count(*)::int as n from ${CHECKPOINT_SCHEMA}.checkpoint_migrations group by v`),
      );
      expect(migrations.length).toBeGreaterThan(0);
      expect(migrations.every((m) => m.n === 1)).toBe(true);
    }
    // And it works afterwards: a thread's checkpoint is written and read back.
    const { saver, close } = await openCheckpointer(database.current.url);
    try {
      expect(await saver.getTuple({ configurable: { thread_id: "none" } })).toBeUndefined();
    } finally {
      await close();
    }
  });
});
