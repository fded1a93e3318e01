// Runs through the API on a small demo portfolio: start, follow as server-sent events, report, and
// an agent's proposal decided through the API resuming its paused account thread.
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { rulesBrain } from "../../../agents/rules-brain.ts";
import { generateDemoPortfolio } from "../../../db/demo/generate.ts";
import { actions, customers, runItems } from "../../../db/schema.ts";
import { runAccounts } from "../../../server/run.ts";
import { errorOf, readEvents, useApi } from "./harness.ts";

const t = useApi();
const AS_OF = "2026-03-02";
let refs: string[] = [];

beforeAll(async () => {
  const db = t.database.current.db;
  await generateDemoPortfolio(db, { customers: 12, seed: 7, asOf: AS_OF });
  refs = (await db.select({ ref: customers.externalRef }).from(customers)).map((c) => c.ref).sort();
});

describe("runs", { timeout: 180_000 }, () => {
  it("start a run, follow it as server-sent events to its report; a proposal it queued is decided and resumes its thread", async () => {
    const started = await t.json<{
      run: { runId: string; total: number; status: string };
      links: { events: string };
    }>(await t.request("POST", "/api/runs", { as: "collector", body: { asOf: AS_OF, concurrency: 2 } }), 202);
    expect(started.run).toMatchObject({ status: "running", total: refs.length });
    const second = await t.request("POST", "/api/runs", { as: "collector", body: { asOf: AS_OF } });
    expect(second.status).toBe(409);
    expect(await errorOf(second)).toMatchObject({
      code: "run_in_progress",
      details: { runId: started.run.runId },
    });

    const events = await readEvents(await t.request("GET", started.links.events, { as: "viewer" }));
    expect(events.at(-1)).toMatchObject({
      event: "completed",
      data: { runId: started.run.runId, report: { accounts: { total: refs.length, failed: 0 } } },
    });
    const progress = events.filter((e) => e.event === "progress").map((e) => e.data.done as number);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(refs.length);

    const status = await t.json<{ status: string; accounts: { total: number; finished: number } }>(
      await t.request("GET", `/api/runs/${started.run.runId}`, { as: "viewer" }),
      200,
    );
    expect(status).toMatchObject({
      status: "completed",
      accounts: { total: refs.length, finished: refs.length },
    });
    const report = await t.json<{ runId: string; accounts: { total: number } }>(
      await t.request("GET", `/api/runs/${started.run.runId}/report`, { as: "viewer" }),
      200,
    );
    expect(report).toMatchObject({ runId: started.run.runId, accounts: { total: refs.length } });
    const listed = await t.json<{ runs: { runId: string }[] }>(
      await t.request("GET", "/api/runs?status=completed", { as: "viewer" }),
      200,
    );
    expect(listed.runs.map((r) => r.runId)).toContain(started.run.runId);

    // A finished run's stream answers with its end state at once.
    const replay = await readEvents(await t.request("GET", started.links.events, { as: "viewer" }));
    expect(replay.map((e) => e.event)).toEqual(["progress", "completed"]);

    const queue = await t.json<{ approvals: { id: string; customerId: string; caller: { kind: string } }[] }>(
      await t.request("GET", `/api/approvals?runId=${started.run.runId}&order=priority`, { as: "collector" }),
      200,
    );
    const proposal = queue.approvals.find((a) => a.caller.kind === "agent");
    expect(proposal, "the demo's first pass leaves agent proposals for approval").toBeDefined();
    const decided = await t.json<{
      result: { status: string };
      resumedThread: boolean;
      stillPaused: boolean;
    }>(
      await t.request("POST", `/api/approvals/${proposal!.id}/reject`, {
        as: "collector",
        body: { note: "not now" },
      }),
      200,
    );
    expect(decided).toMatchObject({ result: { status: "rejected" }, resumedThread: true });
    const [action] = await t.database.current.db.select().from(actions).where(eq(actions.id, proposal!.id));
    expect(action).toMatchObject({ status: "rejected", decisionNote: "not now" });
    if (!decided.stillPaused) {
      const [item] = await t.database.current.db
        .select({ status: runItems.status })
        .from(runItems)
        .where(eq(runItems.customerId, proposal!.customerId));
      expect(item!.status).toBe("done");
    }
  });

  it("a run of another process is followed from its rows", async () => {
    // As `arc run` would, outside this server's tracker.
    const elsewhere = runAccounts(t.arc, {
      asOf: "2026-03-09",
      customers: refs.slice(0, 4),
      concurrency: 1,
      dryRun: false,
      brain: rulesBrain,
    });
    let runId: string | undefined;
    for (let i = 0; i < 200 && !runId; i++) {
      const runs = await t.json<{ runs: { runId: string; asOf: string }[] }>(
        await t.request("GET", "/api/runs", { as: "viewer" }),
        200,
      );
      runId = runs.runs.find((r) => r.asOf === "2026-03-09")?.runId;
      if (!runId) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(runId).toBeDefined();
    const events = await readEvents(await t.request("GET", `/api/runs/${runId}/events`, { as: "viewer" }));
    await elsewhere;
    expect(events.at(-1)).toMatchObject({
      event: "completed",
      data: { runId, report: { accounts: { total: 4 } } },
    });
  });

  it("an unknown customer is refused naming the field; an unknown run is a 404", async () => {
    const refused = await t.request("POST", "/api/runs", {
      as: "admin",
      body: { asOf: "2026-03-16", customers: ["C-NOPE"] },
    });
    expect(refused.status).toBe(422);
    expect(await errorOf(refused)).toMatchObject({
      code: "invalid_input",
      message: expect.stringContaining('body.customers: no customer "C-NOPE"'),
    });
    const unknown = await t.request("GET", "/api/runs/00000000-0000-4000-8000-000000000000/report", {
      as: "viewer",
    });
    expect(unknown.status).toBe(404);
  });
});
