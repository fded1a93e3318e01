// The ar_metrics tool on a real ledger: the figures of a small hand-computed book, as of two dates.
import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../policies/index.ts";
import type { Caller } from "../../policies/types.ts";
import { ALL_TOOLS } from "../../tools/registry.ts";
import { ToolRunner } from "../../tools/runner.ts";
import { useTestDatabase } from "../support/db.ts";
import { makeCustomer, makeInvoice, makePayment } from "../support/fixtures.ts";

const database = useTestDatabase();
const VIEWER: Caller = { kind: "api", id: "vic", role: "viewer" };
const runner = () =>
  new ToolRunner({
    db: database.current.db,
    policy: DEFAULT_POLICY,
    tools: ALL_TOOLS,
    clock: () => new Date("2026-03-15T12:00:00Z"),
  });

describe("ar_metrics", () => {
  it("computes DSO, countback, CEI, aging and at-risk as of any date", async () => {
    const db = database.current.db;
    const customer = await makeCustomer(db);
    const paid = await makeInvoice(db, customer.id, {
      amountMinor: 10_000,
      issueDate: "2026-01-05",
      dueDate: "2026-02-04",
    });
    await makeInvoice(db, customer.id, {
      amountMinor: 20_000,
      issueDate: "2026-02-01",
      dueDate: "2026-03-03",
    });
    await makeInvoice(db, customer.id, {
      amountMinor: 5_000,
      issueDate: "2025-11-01",
      dueDate: "2025-12-01",
    });
    const payment = await makePayment(db, {
      customerId: customer.id,
      amountMinor: 10_000,
      receivedOn: "2026-02-10",
    });
    const applied = await runner().call(
      "apply_payment",
      { paymentId: payment.id, applications: [{ invoiceId: paid.id, amountMinor: 10_000 }] },
      { caller: { kind: "cli", id: "ops", role: "admin" } },
    );
    expect(applied.status).toBe("executed");

    // Period 2025-12-16..2026-03-15: beginning AR 50.00 (the November invoice), sales 300.00 (January
    // and February), ending AR 250.00, nothing current at the end.
    const now = await runner().call<{ currencies: unknown[] }>(
      "ar_metrics",
      { asOf: "2026-03-15" },
      { caller: VIEWER },
    );
    expect(now.status).toBe("ok");
    if (now.status !== "ok") return;
    expect(now.output.currencies).toEqual([
      expect.objectContaining({
        currency: "USD",
        beginningArMinor: 5_000,
        creditSalesMinor: 30_000,
        endingArMinor: 25_000,
        // 250 / 300 × 90
        dsoStandard: { value: 75, reason: null },
        // March 1–15 no sales: 15 days; February's 200.00 is used up: 28 days; 50.00 of January's 100.00: 15.5 days
        dsoCountback: { value: 58.5, reason: null },
        // (50 + 300 − 250) / (50 + 300 − 0) × 100
        cei: { value: expect.closeTo(28.571, 2), reason: null },
        // the November invoice is 104 days past due: 50 of 250
        atRiskRate: { value: 0.2, reason: null },
        aging: expect.objectContaining({
          buckets: { current: 0, "1-30": 20_000, "31-60": 0, "61-90": 0, "91+": 5_000 },
        }),
      }),
    ]);
    // Before the payment arrived the January invoice was still owed.
    const before = await runner().call<{ currencies: { endingArMinor: number }[] }>(
      "ar_metrics",
      { asOf: "2026-02-05" },
      { caller: VIEWER },
    );
    expect(before.status === "ok" && before.output.currencies[0]!.endingArMinor).toBe(35_000);
  });

  it("names a bad argument", async () => {
    expect(await runner().call("ar_metrics", { asOf: "15/03/2026" }, { caller: VIEWER })).toMatchObject({
      status: "invalid",
      issues: [{ path: "asOf" }],
    });
    expect(await runner().call("ar_metrics", { periodDays: 2 }, { caller: VIEWER })).toMatchObject({
      status: "invalid",
      issues: [{ path: "periodDays" }],
    });
  });
});
