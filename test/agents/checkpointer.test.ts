// The checkpointer's tables are created by whichever ARC process opens it first: an `arc run` and its
// `arc worker`s starting together on a new database must all come up (the crash harness once lost an
// owner to "duplicate key value violates unique constraint checkpoint_migrations_pkey"). And what
// ARC's saver writes is what LangGraph's own would.
import { type Checkpoint, emptyCheckpoint, uuid6 } from "@langchain/langgraph-checkpoint";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { sql } from "drizzle-orm";
import pg from "pg";
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

describe("BatchedPostgresSaver", () => {
  const config = (threadId: string, checkpointId?: string) => ({
    configurable: {
      thread_id: threadId,
      checkpoint_ns: "",
      ...(checkpointId ? { checkpoint_id: checkpointId } : {}),
    },
  });
  const checkpoint: Checkpoint = {
    ...emptyCheckpoint(),
    id: uuid6(0),
    channel_values: { plan: { steps: ["collection"] }, notes: ["route: overdue"], customerId: "c-1" },
    channel_versions: { plan: 1, notes: 2, customerId: 1, awaiting: 1 },
  };
  // "awaiting" has a version but no value: stored as an "empty" blob.
  const versions = { plan: 1, notes: 2, customerId: 1, awaiting: 1 };
  const metadata = { source: "loop" as const, step: 3, parents: {} };
  const writes: [string, unknown][] = [
    ["notes", ["collection: reminder queued"]],
    ["__interrupt__", [{ value: { actionRequests: [] } }]],
  ];

  async function rowsOf(threadId: string) {
    const read = (table: string, columns: string, order: string) =>
      database.current.db.execute(
        sql.raw(
          `select ${columns} from ${CHECKPOINT_SCHEMA}.${table} where thread_id = '${threadId}' order by ${order}`,
        ),
      );
    return {
      blobs: await read(
        "checkpoint_blobs",
        "checkpoint_ns, channel, version, type, encode(blob, 'hex') as blob",
        "channel",
      ),
      checkpoints: await read(
        "checkpoints",
        "checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata",
        "checkpoint_id",
      ),
      writes: await read(
        "checkpoint_writes",
        "checkpoint_ns, checkpoint_id, task_id, idx, channel, type, encode(blob, 'hex') as blob",
        "task_id, idx",
      ),
    };
  }

  it("writes what LangGraph's PostgresSaver writes, row for row, and reads it back the same", async () => {
    const { saver, close } = await openCheckpointer(database.current.url);
    const pool = new pg.Pool({ connectionString: database.current.url, max: 1 });
    const plain = new PostgresSaver(pool, undefined, { schema: CHECKPOINT_SCHEMA });
    try {
      for (const [target, thread] of [
        [plain, "plain-thread"],
        [saver, "batched-thread"],
      ] as const) {
        const next = await target.put(config(thread), checkpoint, metadata, versions);
        await target.putWrites(next, writes, "task-1");
        // Written again: an interrupt replaces the earlier one; an ordinary channel's write stays as first written.
        await target.putWrites(next, [["__interrupt__", [{ value: "asked again" }]]], "task-1");
        await target.putWrites(next, [["notes", ["written twice"]]], "task-1");
      }
      const plainRows = await rowsOf("plain-thread");
      expect(plainRows.blobs).toHaveLength(4);
      expect(plainRows.writes).toHaveLength(2);
      expect(await rowsOf("batched-thread")).toEqual(plainRows);
      const [plainTuple, batchedTuple] = await Promise.all([
        plain.getTuple(config("plain-thread")),
        saver.getTuple(config("batched-thread")),
      ]);
      expect(batchedTuple?.checkpoint).toEqual(plainTuple?.checkpoint);
      expect(batchedTuple?.pendingWrites).toEqual(plainTuple?.pendingWrites);
    } finally {
      await pool.end();
      await close();
    }
  });

  it("writes a thread's records in one transaction: a failing one leaves none of them", async () => {
    const { saver, close } = await openCheckpointer(database.current.url);
    try {
      await expect(
        saver.putMany([
          { put: [config("torn-thread"), checkpoint, metadata, versions] },
          // No checkpoint id: the writes' row cannot be stored (checkpoint_id is part of its key).
          { putWrites: [config("torn-thread"), writes, "task-1"] },
        ]),
      ).rejects.toThrow(/checkpoint_id/);
      expect(await rowsOf("torn-thread")).toEqual({ blobs: [], checkpoints: [], writes: [] });
    } finally {
      await close();
    }
  });
});
