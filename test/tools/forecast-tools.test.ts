// The forecasting tools on a real ledger: a run records predictions and the 13-week cash forecast;
// cash_forecast and worklist read them back; stored forecasts are compared with the cash that came.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { rulesBrain } from "../../agents/rules-brain.ts";
import { cashForecasts, invoices } from "../../db/schema.ts";
import type { Caller } from "../../policies/types.ts";
import { runAccounts } from "../../server/run.ts";
import type { ToolResult } from "../../tools/runner.ts";
import { testArc, testRunner } from "../support/arc.ts";
import { useTestDatabase } from "../support/db.ts";
import { makeContact, makeCustomer, makeInvoice, makePayment } from "../support/fixtures.ts";

const database = useTestDatabase();
const AS_OF = "2026-03-10";
const VIEWER: Caller = { kind: "api", id: "vic", role: "viewer" };
const ADMIN: Caller = { kind: "cli", id: "ops", role: "admin" };
const runner = (now = `${AS_OF}T06:00:00.000Z`) => testRunner(database, now);
const arc = () => testArc(database, `${AS_OF}T06:00:00.000Z`);

function ok<O>(result: ToolResult): O {
  if (result.status !== "ok" && result.status !== "executed") throw new Error(JSON.stringify(result));
  return result.output as O;
}

interface Line {
  accountId: string;
  rank: number;
  actionableMinor: number;
  excluded: { disputedMinor: number; promisedMinor: number };
  explanation: string;
}

describe("cash_forecast, record_cash_forecast and worklist", () => {
  it("a run stores the 13-week forecast; the tools read it and rank the accounts worth a call", async () => {
    const db = database.current.db;
    const late = await makeCustomer(db, { name: "Slowpay Industries" });
    await makeContact(db, late.id);
    // 40 days overdue: a second notice, nothing that pauses the account for approval.
    await makeInvoice(db, late.id, { amountMinor: 900_000, issueDate: "2025-12-30", dueDate: "2026-01-29" });
    const promised = await makeCustomer(db, { name: "Promising Partners" });
    await makeContact(db, promised.id);
    const promisedInvoice = await makeInvoice(db, promised.id, {
      amountMinor: 900_000,
      issueDate: "2025-12-30",
      dueDate: "2026-01-29",
    });
    ok(
      await runner().call(
        "record_promise_to_pay",
        {
          customerId: promised.id,
          invoiceIds: [promisedInvoice.id],
          amountMinor: 900_000,
          currency: "USD",
          promisedDate: "2026-03-20",
          source: "customer",
        },
        { caller: ADMIN },
      ),
    );
    const notDue = await makeCustomer(db, { name: "Future Goods" });
    await makeContact(db, notDue.id);
    await makeInvoice(db, notDue.id, { amountMinor: 50_000, issueDate: "2026-03-01", dueDate: "2026-04-15" });

    await runAccounts(arc(), { asOf: AS_OF, concurrency: 1, dryRun: false, brain: rulesBrain });
    const stored = await db.select().from(cashForecasts).where(eq(cashForecasts.asOf, AS_OF));
    expect(stored.length).toBe(14); // one currency: 13 weeks + later
    expect(stored.every((r) => r.p10Minor <= r.p50Minor && r.p50Minor <= r.p90Minor)).toBe(true);

    const forecast = ok<{
      forecast: {
        currencies: {
          currency: string;
          openMinor: number;
          expectedPaidMinor: number;
          weeks: { meanMinor: number }[];
          later: { meanMinor: number };
        }[];
      };
      unpredicted: { invoices: number };
    }>(await runner().call("cash_forecast", { asOf: AS_OF }, { caller: VIEWER }));
    expect(forecast.unpredicted.invoices).toBe(0);
    const usd = forecast.forecast.currencies[0]!;
    expect(usd).toMatchObject({ currency: "USD", openMinor: 1_850_000 });
    const mean = usd.weeks.reduce((s, w) => s + w.meanMinor, 0) + usd.later.meanMinor;
    expect(mean).toBeCloseTo(usd.expectedPaidMinor, 0);

    // The worklist reads the latest predictions: give both overdue accounts the same uncertain pay date
    // (the rules model's point forecasts would say "today"), so only the promise tells them apart.
    for (const customer of [late, promised]) {
      const [invoice] = await db.select().from(invoices).where(eq(invoices.customerId, customer.id));
      ok(
        await runner().call(
          "record_forecast",
          {
            customerId: customer.id,
            asOf: AS_OF,
            modelVersion: "test-quantiles",
            riskScore: 60,
            predictions: [
              {
                invoiceId: invoice!.id,
                predictedPayDate: "2026-04-20",
                p10PayDate: "2026-03-15",
                p90PayDate: "2026-06-30",
                lateProbability: 0.6,
              },
            ],
          },
          { caller: ADMIN },
        ),
      );
    }
    const list = ok<{ lists: { currency: string; lines: Line[] }[] }>(
      await runner().call("worklist", { asOf: AS_OF }, { caller: VIEWER }),
    );
    const lines = list.lists[0]!.lines;
    const rankOf = (id: string) => lines.find((l) => l.accountId === id)!.rank;
    expect(rankOf(late.id)).toBeLessThan(rankOf(promised.id));
    const promisedLine = lines.find((l) => l.accountId === promised.id)!;
    expect(promisedLine.excluded.promisedMinor).toBe(900_000);
    expect(lines.find((l) => l.accountId === late.id)!.explanation).toMatch(/\$9,000\.00/);
  });

  it("compares a stored forecast with the cash that arrived in its weeks", async () => {
    const db = database.current.db;
    const customer = await makeCustomer(db, { name: "History Co" });
    const invoice = await makeInvoice(db, customer.id, {
      amountMinor: 40_000,
      issueDate: "2026-02-01",
      dueDate: "2026-03-03",
    });
    ok(
      await runner().call(
        "record_forecast",
        {
          customerId: customer.id,
          asOf: "2026-03-02",
          modelVersion: "test-v1",
          riskScore: 10,
          predictions: [
            {
              invoiceId: invoice.id,
              predictedPayDate: "2026-03-04",
              p10PayDate: "2026-03-03",
              p90PayDate: "2026-03-06",
            },
          ],
        },
        { caller: ADMIN },
      ),
    );
    ok(await runner().call("record_cash_forecast", { asOf: "2026-03-02" }, { caller: ADMIN }));
    const payment = await makePayment(db, {
      customerId: customer.id,
      amountMinor: 40_000,
      receivedOn: "2026-03-05",
    });
    ok(
      await runner().call(
        "apply_payment",
        { paymentId: payment.id, applications: [{ invoiceId: invoice.id, amountMinor: 40_000 }] },
        { caller: ADMIN },
      ),
    );
    const later = ok<{
      history: {
        forecastAsOf: string;
        weekStart: string;
        actualMinor: number;
        p50Minor: number;
        withinP10P90: boolean;
      }[];
      accuracy: {
        currency: string;
        forecasts: number;
        weeks: number;
        coverage: number;
        maeMinor: number;
        byHorizon: { horizon: number; count: number }[];
      }[];
    }>(
      await runner("2026-03-20T06:00:00.000Z").call(
        "cash_forecast",
        { asOf: "2026-03-20" },
        { caller: VIEWER },
      ),
    );
    const week = later.history.find(
      (h) => h.forecastAsOf === "2026-03-02" && h.weekStart <= "2026-03-05" && h.actualMinor > 0,
    );
    expect(week).toMatchObject({ actualMinor: expect.any(Number), p50Minor: expect.any(Number) });
    expect(week!.actualMinor).toBeGreaterThanOrEqual(40_000);
    // Accuracy over the finished weeks, per horizon: the summary a treasurer tracks over time.
    const usd = later.accuracy.find((a) => a.currency === "USD")!;
    expect(usd.forecasts).toBeGreaterThanOrEqual(1);
    expect(usd.weeks).toBe(later.history.filter((h) => h.forecastAsOf && h.weekStart).length);
    expect(usd.byHorizon.reduce((n, h) => n + h.count, 0)).toBe(usd.weeks);
    expect(usd.coverage).toBeGreaterThanOrEqual(0);
  });

  it("refuses bad arguments by name", async () => {
    expect(await runner().call("worklist", { currency: "usd" }, { caller: VIEWER })).toMatchObject({
      status: "invalid",
      issues: [{ path: "currency" }],
    });
    expect(
      await runner().call(
        "record_forecast",
        {
          customerId: "00000000-0000-4000-8000-000000000000",
          asOf: AS_OF,
          modelVersion: "x",
          riskScore: 1,
          predictions: [
            {
              invoiceId: "00000000-0000-4000-8000-000000000001",
              predictedPayDate: "2026-03-04",
              p10PayDate: "2026-03-09",
            },
          ],
        },
        { caller: ADMIN },
      ),
    ).toMatchObject({ status: "invalid", issues: [{ path: "predictions.0" }] });
  });
});
