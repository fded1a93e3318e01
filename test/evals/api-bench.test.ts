// The API bench's machinery at a tiny scale, on this file's database: the seeded ledger is what the
// runner would have written (the audit log verifies), `arc serve` runs in a process of its own, the
// queue it lists is the seeded one, and approve under autocannon decides exactly the actions it was
// sent for, each once. Correctness only: the bench measures, this test never looks at a timing.
import { and, eq, inArray, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { verifyAudit } from "../../db/audit.ts";
import { actions } from "../../db/schema.ts";
import {
  type BenchServer,
  checkApprovals,
  driveApi,
  LIST_PATH,
  pickApprovals,
  seedActions,
  serverEnv,
  startApiServer,
} from "../../evals/api-bench.ts";
import { apiCaller, createApiKey } from "../../server/api-keys.ts";
import { callerLabel } from "../../tools/runner.ts";
import { useTestDatabase } from "../support/db.ts";

const database = useTestDatabase();
let server: BenchServer | undefined;
afterAll(async () => {
  await server?.stop();
});

describe("the API bench", { timeout: 240_000 }, () => {
  it("seeds a valid queue, serves it from a separate arc serve and approves each of N pending actions once", async () => {
    const db = database.current.db;
    const seeded = await seedActions(db, { actions: 500, customers: 150, pending: 200, seed: 11 });
    const [counts] = await db
      .select({
        all: sql<number>`count(*)::int`,
        pending: sql<number>`count(*) filter (where ${actions.status} = 'pending')::int`,
      })
      .from(actions);
    expect(counts).toEqual({ all: 500, pending: seeded.byStatus.pending });
    expect(seeded.actions).toBe(500);
    expect(Object.keys(seeded.byStatus).sort()).toEqual(
      ["blocked", "executed", "expired", "pending", "rejected"].sort(),
    );
    expect(new Set(seeded.queue.map((q) => q.tool))).toEqual(new Set(["escalate_to_legal", "send_message"]));
    const before = await verifyAudit(db);
    expect(before.problems).toEqual([]);
    expect(before.entries).toBe(seeded.auditEntries);

    const key = await createApiKey(db, { name: "bench", role: "collector" }, "test:setup");
    server = await startApiServer(serverEnv({ url: database.current.url }));

    // The server lists exactly the seeded queue, expiring-soon first.
    const listed = await fetch(`${server.url}${LIST_PATH}&limit=500`, {
      headers: { authorization: `Bearer ${key.secret}` },
    });
    expect(listed.status).toBe(200);
    const page = (await listed.json()) as { total: number; approvals: { id: string; expiresAt: string }[] };
    expect(page.total).toBe(seeded.queue.length);
    expect(new Set(page.approvals.map((a) => a.id))).toEqual(new Set(seeded.queue.map((q) => q.id)));

    const approve = pickApprovals(seeded.queue, 25, 11);
    expect(approve).toHaveLength(25);
    const run = await driveApi(
      { url: server.url, key: key.secret, approve, rate: 20, seconds: 1, connections: 2, warmUpApprovals: 5 },
      server.memory,
    );
    for (const load of [run.list, run.filtered]) {
      expect(load.requests).toBeGreaterThan(0);
      expect(load.statuses).toEqual({ 200: load.requests });
      expect(load.errors).toBe(0);
    }
    // Five warm-up approvals, then twenty under autocannon: every one a 200 on a different action.
    expect(run.approve.statuses).toEqual({ 200: 20 });
    expect(run.approve.errors + run.approve.timeouts).toBe(0);
    expect(run.approveSent).toHaveLength(25);
    expect(new Set(run.approveSent)).toEqual(new Set(approve));
    expect(run.afterLists?.rssMiB).toBeGreaterThan(0);
    expect(run.oneAtATime.approve).toBeGreaterThan(0);
    expect(await server.stop()).toBe(0);
    server = undefined;

    // Exactly those 25 went from pending to executed, decided by the bench's key; nothing else moved.
    const decidedBy = callerLabel(apiCaller(key.key));
    const check = await checkApprovals(db, decidedBy, run.approveSent);
    expect(check).toMatchObject({ executed: 25, stillPending: 0, others: 0, auditOk: true });
    const [after] = await db
      .select({ pending: sql<number>`count(*)::int` })
      .from(actions)
      .where(eq(actions.status, "pending"));
    expect(after!.pending).toBe(seeded.byStatus.pending! - 25);
    const approved = await db
      .select({ status: actions.status, tool: actions.tool, result: actions.result })
      .from(actions)
      .where(and(inArray(actions.id, approve), eq(actions.decidedBy, decidedBy)));
    expect(approved.every((a) => a.status === "executed" && a.result !== null)).toBe(true);
    // The audit log grew by the key, then approved + executed for each decision.
    expect(check.auditEntries).toBe(seeded.auditEntries + 1 + 2 * 25);
  });
});
