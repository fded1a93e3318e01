// One owner per as-of date: a second start while the first works is refused, naming the run and its
// owner; a run whose owner died (a local process that no longer exists, or silence past the timeout
// on another machine) is taken over and resumed.
import { hostname } from "node:os";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { rulesBrain } from "../../agents/rules-brain.ts";
import { runItems, runs } from "../../db/schema.ts";
import { RUN_OWNER_TIMEOUT_MS, runAccounts } from "../../server/run.ts";
import { ConflictError } from "../../tools/errors.ts";
import { testArc } from "../support/arc.ts";
import { useTestDatabase } from "../support/db.ts";
import { makeContact, makeCustomer, makeInvoice } from "../support/fixtures.ts";

const database = useTestDatabase();

async function accounts(n: number, tag: string): Promise<string[]> {
  const db = database.current.db;
  const refs: string[] = [];
  for (let i = 0; i < n; i++) {
    const customer = await makeCustomer(db, { name: `${tag} ${i}` });
    await makeContact(db, customer.id, { email: `ap${i}@${tag.toLowerCase()}.example` });
    await makeInvoice(db, customer.id, { dueDate: "2026-02-01", amountMinor: 70_000 + i });
    refs.push(customer.externalRef);
  }
  return refs;
}

const run = (asOf: string, customers: string[]) =>
  runAccounts(testArc(database), { asOf, concurrency: 1, dryRun: false, brain: rulesBrain, customers });

/** A run for the date left "running" by an owner, its items all pending (as a crash leaves them). */
async function orphan(asOf: string, refs: string[], owner: string, silentSeconds: number) {
  const db = database.current.db;
  const [row] = await db
    .insert(runs)
    .values({
      kind: "nightly",
      asOf,
      status: "running",
      owner,
      heartbeatAt: sql`now() - make_interval(secs => ${silentSeconds})`,
    })
    .returning();
  const ids = await db.execute<{ id: string }>(
    sql`select id from customers where external_ref in (${sql.join(
      refs.map((r) => sql`${r}`),
      sql`, `,
    )})`,
  );
  await db.insert(runItems).values([...ids].map((c) => ({ runId: row!.id, customerId: c.id })));
  return row!.id;
}

describe("run ownership", () => {
  it("a second start for the same date while the first works is refused, naming the run and its owner", async () => {
    const refs = await accounts(8, "Owner");
    const [first, second] = await Promise.allSettled([run("2026-03-09", refs), run("2026-03-09", refs)]);
    const outcomes = [first, second];
    const done = outcomes.filter((o) => o.status === "fulfilled");
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
    expect(done).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.reason).toBeInstanceOf(ConflictError);
    expect(String(refused[0]!.reason.message)).toMatch(
      new RegExp(`^run [0-9a-f-]{36} for 2026-03-09 is being worked by ${hostname()}:${process.pid}:`),
    );
    const [row] = await database.current.db.select().from(runs).where(eq(runs.asOf, "2026-03-09"));
    expect(row).toMatchObject({ status: "completed", owner: null });
  });

  it("a run whose owner on this machine no longer exists is taken over at once", async () => {
    const refs = await accounts(3, "Dead");
    const runId = await orphan("2026-03-10", refs, `${hostname()}:2147483646:deadbeef`, 1);
    const result = await run("2026-03-10", refs);
    expect(result).toMatchObject({ runId, resumed: true });
    expect(result.report.accounts.total).toBe(3);
  });

  it("another machine's run is refused while it is heard from, and taken over after the timeout", async () => {
    const refs = await accounts(2, "Remote");
    await orphan("2026-03-11", refs, "other-host:4242:cafe", 5);
    await expect(run("2026-03-11", refs)).rejects.toThrow(
      /is being worked by other-host:4242:cafe \(last heard from 5 s ago\)/,
    );
    const silent = await orphan("2026-03-12", refs, "other-host:4243:beef", RUN_OWNER_TIMEOUT_MS / 1000 + 30);
    expect(await run("2026-03-12", refs)).toMatchObject({ runId: silent, resumed: true });
  });
});
