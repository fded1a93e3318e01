// A run killed with SIGKILL part way resumes on the next invocation and completes the remaining
// accounts, sending nothing twice.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { generateDemoPortfolio } from "../../db/demo/generate.ts";
import { useTestDatabase } from "../support/db.ts";

const database = useTestDatabase();
const ARC = join(import.meta.dirname, "../../bin/arc.js");
const AS_OF = "2026-03-10";

function arcRun(): {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>;
} {
  const child = spawn(
    process.execPath,
    [
      ARC,
      "run",
      "--as-of",
      AS_OF,
      "--concurrency",
      "1",
      "--out",
      join(import.meta.dirname, "../../reports/test-runs"),
    ],
    {
      env: { ...process.env, DATABASE_URL: database.current.url },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => {
    stdout += d;
  });
  child.stderr!.on("data", (d) => {
    stderr += d;
  });
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>(
    (resolve) => child.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

const count = async (query: ReturnType<typeof sql>) =>
  Number((await database.current.db.execute<{ n: number }>(query))[0]!.n);

/** Waits until `n` accounts of the run are finished (the run is well under way). */
async function untilFinished(n: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const finished = await count(
      sql`select count(*)::int as n from run_items where status in ('done', 'paused', 'failed')`,
    );
    if (finished >= n) return;
    if (Date.now() > deadline) throw new Error("the run never got going");
    await new Promise((r) => setTimeout(r, 25));
  }
}

// Spawns and kills real processes over 60 accounts: give a loaded CI machine room.
describe("a killed run", { timeout: 180_000 }, () => {
  it("resumes on the next invocation, completes every account once and sends nothing twice", async () => {
    await generateDemoPortfolio(database.current.db, { customers: 60, seed: 11, asOf: AS_OF });
    const customers = await count(sql`select count(*)::int as n from customers`);

    const first = arcRun();
    // Kill it once a few accounts are done, well before the end.
    await untilFinished(5);
    first.child.kill("SIGKILL");
    const killed = await first.done;
    expect(killed.signal).toBe("SIGKILL");
    const [run] = await database.current.db.execute<{ id: string; status: string }>(
      sql`select id, status from runs`,
    );
    expect(run!.status).toBe("running");
    const finishedBefore = await count(
      sql`select count(*)::int as n from run_items where status in ('done', 'paused')`,
    );
    expect(finishedBefore).toBeLessThan(customers);

    const second = arcRun();
    const resumed = await second.done;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`Resumed the unfinished run ${run!.id}`);
    expect(await count(sql`select count(*)::int as n from runs`)).toBe(1);
    expect(await count(sql`select count(*)::int as n from runs where status = 'completed'`)).toBe(1);
    expect(
      await count(sql`select count(*)::int as n from run_items where status in ('done', 'paused')`),
    ).toBe(customers);
    // At most one outbound message per account for the run's date, and no action twice.
    expect(
      await count(sql`select count(*)::int as n from (select customer_id from communications
        where direction = 'outbound' and created_at > now() - interval '1 hour' group by customer_id having count(*) > 1) t`),
    ).toBe(0);
    expect(
      await count(
        sql`select count(*)::int as n from (select idempotency_key from actions group by idempotency_key having count(*) > 1) t`,
      ),
    ).toBe(0);
    expect(
      await count(
        sql`select count(*)::int as n from actions where run_id = ${run!.id} and status = 'executed'`,
      ),
    ).toBeGreaterThan(0);
  });

  it("stops on SIGTERM with the accounts in hand finished and the rest queued; the next start completes it", async () => {
    await database.current.db.execute(sql`delete from run_items`);
    await database.current.db.execute(sql`delete from runs`);
    const customers = await count(sql`select count(*)::int as n from customers`);
    const first = arcRun();
    await untilFinished(3);
    first.child.kill("SIGTERM");
    const stopped = await first.done;
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toMatch(/Stopped: run [0-9a-f-]{36} for 2026-03-10 is unfinished/);
    const [run] = await database.current.db.execute<{ id: string; status: string; owner: string | null }>(
      sql`select id, status, owner from runs`,
    );
    // Stopped on purpose: the run is unfinished and unowned (the next start need not wait), and no
    // account is left claimed.
    expect(run).toMatchObject({ status: "running", owner: null });
    expect(await count(sql`select count(*)::int as n from run_items where status = 'running'`)).toBe(0);
    expect(
      await count(sql`select count(*)::int as n from run_items where status = 'pending'`),
    ).toBeGreaterThan(0);

    const second = arcRun();
    const resumed = await second.done;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`Resumed the unfinished run ${run!.id}`);
    expect(
      await count(sql`select count(*)::int as n from run_items where status in ('done', 'paused')`),
    ).toBe(customers);
  });
});
