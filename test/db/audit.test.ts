// The audit log is append-only and hash-chained: edits, deletions and reordering are detected.
import { sql } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { appendAudit, verifyAudit } from "../../db/audit.ts";
import { useTestDatabase } from "../support/db.ts";

const database = useTestDatabase();

async function freshChain(entries: number) {
  const db = database.current.db;
  // Only a privileged operator can do this: the append-only trigger stops the application.
  await db.execute(sql`alter table audit_log disable trigger user`);
  await db.execute(sql`delete from audit_log`);
  await db.execute(sql`alter table audit_log enable trigger user`);
  for (let i = 1; i <= entries; i++) {
    await db.transaction((tx) =>
      appendAudit(tx, {
        actor: "test",
        event: "test.event",
        entityType: "thing",
        entityId: String(i),
        data: { i, note: `entry ${i}`, nested: { b: 2, a: [1, "x"] } },
      }),
    );
  }
}

async function tamper(statement: ReturnType<typeof sql>) {
  const db = database.current.db;
  await db.execute(sql`alter table audit_log disable trigger user`);
  await db.execute(statement);
  await db.execute(sql`alter table audit_log enable trigger user`);
}

/** The database's own message for a statement that must fail (drizzle wraps it as the cause). */
async function failure(statement: Promise<unknown>): Promise<string> {
  try {
    await statement;
  } catch (error) {
    const e = error as Error & { cause?: Error };
    return `${e.message} ${e.cause?.message ?? ""}`;
  }
  throw new Error("the statement succeeded");
}

describe("the audit log", () => {
  beforeEach(() => freshChain(5));

  it("verifies an intact chain and reports its head", async () => {
    const result = await verifyAudit(database.current.db, { batchSize: 2 });
    expect(result).toMatchObject({ ok: true, entries: 5, headSeq: 5, problems: [] });
    expect(result.headHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("refuses updates, deletes and truncation from the application", async () => {
    const db = database.current.db;
    expect(await failure(db.execute(sql`update audit_log set actor = 'mallory' where seq = 2`))).toMatch(
      /append-only \(UPDATE refused\)/,
    );
    expect(await failure(db.execute(sql`delete from audit_log where seq = 2`))).toMatch(
      /append-only \(DELETE refused\)/,
    );
    expect(await failure(db.execute(sql`truncate audit_log`))).toMatch(/append-only \(TRUNCATE refused\)/);
    expect(await verifyAudit(db)).toMatchObject({ ok: true, entries: 5 });
  });

  it("detects an edited entry", async () => {
    await tamper(sql`update audit_log set data = jsonb_set(data, '{note}', '"rewritten"') where seq = 3`);
    const result = await verifyAudit(database.current.db);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([{ seq: 3, problem: "content does not match its hash (entry edited)" }]);
  });

  it("detects an edit that also recomputes the entry's own hash, at the next link", async () => {
    await tamper(sql`update audit_log set actor = 'mallory', hash = repeat('a', 64) where seq = 2`);
    const result = await verifyAudit(database.current.db);
    expect(result.problems.map((p) => p.seq)).toEqual([2, 3]);
  });

  it("detects a deleted entry", async () => {
    await tamper(sql`delete from audit_log where seq = 4`);
    const result = await verifyAudit(database.current.db);
    expect(result.ok).toBe(false);
    expect(result.problems).toContainEqual({ seq: 5, problem: "entries 4..4 are missing (deleted)" });
    expect(result.problems).toContainEqual({
      seq: 5,
      problem: "prev_hash does not match the previous entry's hash (chain broken)",
    });
  });

  it("keeps seq gap-free and the chain linear under concurrent appenders", async () => {
    const db = database.current.db;
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        db.transaction((tx) => appendAudit(tx, { actor: `w${i}`, event: "test.concurrent" })),
      ),
    );
    const result = await verifyAudit(db);
    expect(result).toMatchObject({ ok: true, entries: 17, headSeq: 17 });
  });

  it("verifies entries of any content, stamped in chain order by the database", async () => {
    const db = database.current.db;
    const awkward = [
      { at: "not the entry's", seq: 99, "": "empty key" },
      { quote: 'say "paid"', backslash: "C:\\ledger\\", newline: "a\nb", tab: "\t" },
      { unicode: "Zahlung für Rechnung – 支付 – 💶", escaped: "\\u0000arc:at\\u0000" },
      {
        number: 1.5,
        big: 2 ** 53 - 1,
        negative: -0.25,
        nulls: [null, { x: null }],
        deep: { z: { y: [{}] } },
      },
    ];
    for (const data of awkward)
      await db.transaction((tx) => appendAudit(tx, { actor: "émilie", event: "test.awkward", data }));
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        db.transaction((tx) => appendAudit(tx, { actor: `w${i}`, event: "test.order", data: { i } })),
      ),
    );
    expect(await verifyAudit(db)).toMatchObject({ ok: true, entries: 17, headSeq: 17 });
    const stamps = await db.execute<{ seq: number; at: string }>(
      sql`select seq::int as seq, at::text as at from audit_log order by seq`,
    );
    const times = stamps.map((r) => Date.parse(r.at.replace(" ", "T").replace(/\+00$/, "Z")));
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
  });

  it("an entry from a rolled-back transaction leaves no trace", async () => {
    const db = database.current.db;
    await expect(
      db.transaction(async (tx) => {
        await appendAudit(tx, { actor: "t", event: "will.rollback" });
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    await db.transaction((tx) => appendAudit(tx, { actor: "t", event: "after" }));
    expect(await verifyAudit(db)).toMatchObject({ ok: true, entries: 6 });
  });
});
