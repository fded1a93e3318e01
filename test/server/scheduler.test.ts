// The nightly schedule (croner) and a graceful shutdown: the schedule's time and zone from the
// environment, a scheduled run started through the same tracker as the API's, and a drain that
// finishes the accounts in hand and leaves the run for the next start to resume.

import { eq } from "drizzle-orm";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { runItems, runs } from "../../db/schema.ts";
import { runAccounts } from "../../server/run.ts";
import { nightlyScheduleFromEnv, startNightlySchedule } from "../../server/scheduler.ts";
import { localDate } from "../../tools/schedule.ts";
import { makeContact, makeCustomer, makeInvoice } from "../support/fixtures.ts";
import { useApi } from "./api/harness.ts";

const t = useApi();
const quiet = pino({ level: "silent" });

describe("the nightly schedule's configuration", () => {
  it("defaults to 02:00 UTC, and reads the time, zone and concurrency", () => {
    expect(nightlyScheduleFromEnv({})).toEqual({ pattern: "0 2 * * *", timezone: "UTC", concurrency: 4 });
    expect(
      nightlyScheduleFromEnv({
        ARC_NIGHTLY_AT: "23:45",
        ARC_NIGHTLY_TIMEZONE: "America/New_York",
        ARC_NIGHTLY_CONCURRENCY: "2",
      }),
    ).toEqual({ pattern: "45 23 * * *", timezone: "America/New_York", concurrency: 2 });
    expect(nightlyScheduleFromEnv({ ARC_NIGHTLY_AT: "off" })).toBeNull();
  });

  it.each([
    [{ ARC_NIGHTLY_AT: "2am" }, "ARC_NIGHTLY_AT: expected a time as HH:MM"],
    [{ ARC_NIGHTLY_AT: "24:00" }, "ARC_NIGHTLY_AT"],
    [
      { ARC_NIGHTLY_TIMEZONE: "Mars/Olympus" },
      'ARC_NIGHTLY_TIMEZONE: "Mars/Olympus" is not an IANA time zone',
    ],
    [{ ARC_NIGHTLY_CONCURRENCY: "0" }, "ARC_NIGHTLY_CONCURRENCY: expected a whole number from 1 to 64"],
  ])("refuses %j naming the variable", (env, message) => {
    expect(() => nightlyScheduleFromEnv(env)).toThrow(message);
  });
});

describe("the nightly run", () => {
  it("is next due at the configured local time, and starts a run for that zone's date", async () => {
    const schedule = nightlyScheduleFromEnv({ ARC_NIGHTLY_AT: "02:30", ARC_NIGHTLY_TIMEZONE: "Asia/Tokyo" })!;
    const clock = () => new Date("2026-03-02T16:00:00.000Z"); // 01:00 on 3 March in Tokyo
    const running = startNightlySchedule(schedule, t.api.runs, quiet, clock);
    try {
      const next = running.next()!;
      expect(next.getTime()).toBeGreaterThan(Date.now());
      expect(
        new Intl.DateTimeFormat("en-GB", {
          timeZone: "Asia/Tokyo",
          hour: "2-digit",
          minute: "2-digit",
        }).format(next),
      ).toBe("02:30");
      const db = t.database.current.db;
      const customer = await makeCustomer(db);
      await makeContact(db, customer.id);
      await makeInvoice(db, customer.id, { dueDate: "2026-02-01" });
      await running.trigger();
      await t.api.runs.settled();
      const [run] = await db.select().from(runs).where(eq(runs.asOf, "2026-03-03"));
      expect(run).toMatchObject({ kind: "nightly", status: "completed" });
    } finally {
      running.stop();
    }
    expect(localDate(new Date("2026-03-02T16:00:00.000Z"), "Asia/Tokyo")).toBe("2026-03-03");
  });
});

describe("a graceful shutdown", () => {
  it("finishes the accounts in hand, leaves the run running, and the next start resumes the rest", async () => {
    const db = t.database.current.db;
    const refs: string[] = [];
    for (let i = 0; i < 12; i++) {
      const customer = await makeCustomer(db, { name: `Drain Co ${i}` });
      await makeContact(db, customer.id, { email: `ap${i}@drain.example` });
      await makeInvoice(db, customer.id, { dueDate: "2026-02-01", amountMinor: 50_000 + i });
      refs.push(customer.externalRef);
    }
    const tracked = await t.api.runs.start({ asOf: "2026-03-04", concurrency: 1, customers: refs });
    // Shut down once the first account is in hand (the run's portfolio-wide steps come first).
    const deadline = Date.now() + 30_000;
    while (tracked.done === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await t.api.runs.drain();
    expect(tracked.status).toBe("failed");
    expect(tracked.error).toMatch(
      /^interrupted by a shutdown after \d+ of 12 accounts; the next run for 2026-03-04 resumes it$/,
    );
    const [row] = await db.select().from(runs).where(eq(runs.id, tracked.runId));
    expect(row!.status).toBe("running");
    const items = await db.select().from(runItems).where(eq(runItems.runId, tracked.runId));
    const finished = items.filter((i) => i.status !== "pending" && i.status !== "running");
    expect(finished.length).toBeGreaterThan(0);
    expect(finished.length).toBeLessThan(12);
    expect(items.filter((i) => i.status === "running")).toEqual([]);
    // No new run starts on a server that is stopping.
    await expect(t.api.runs.start({ asOf: "2026-03-05", concurrency: 1 })).rejects.toMatchObject({
      status: 503,
    });
    // The next process's run for that date resumes and completes it, each account once.
    const resumed = await runAccounts(t.arc, {
      asOf: "2026-03-04",
      concurrency: 2,
      dryRun: false,
      brain: t.arc.brain,
      customers: refs,
    });
    expect(resumed).toMatchObject({ runId: tracked.runId, resumed: true, interrupted: false });
    expect(resumed.report.accounts.total).toBe(12);
    const after = await db.select().from(runItems).where(eq(runItems.runId, tracked.runId));
    expect(after).toHaveLength(12);
    expect(after.every((i) => i.status !== "pending")).toBe(true);
  });
});
