// The trained pay-date model in the product: the nightly run trains it when there is none or it is a
// week old, forecasts with it (P10/P50/P90 dates stored with its version), and a dry run never trains.
import { inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { rulesBrain } from "../../agents/rules-brain.ts";
import { generateDemoPortfolio } from "../../db/demo/generate.ts";
import { customers, forecastModels, predictions } from "../../db/schema.ts";
import { runAccounts } from "../../server/run.ts";
import { testArc } from "../support/arc.ts";
import { useTestDatabase } from "../support/db.ts";

const database = useTestDatabase();
const AS_OF = "2026-03-10";
const arc = () => testArc(database);
const later = (days: number) =>
  new Date(Date.parse(`${AS_OF}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

describe("the pay-date model in the nightly run", () => {
  it("reports that there is nothing to train on in an empty ledger", async () => {
    const result = await arc().runner.call(
      "train_pay_date_model",
      { asOf: AS_OF },
      {
        caller: { kind: "cli", id: "ops", role: "admin" },
      },
    );
    expect(result).toMatchObject({ status: "executed", output: { trained: false } });
  });

  it("trains once, forecasts with quantiles, retrains a week later, and never in a dry run", async () => {
    const db = database.current.db;
    await generateDemoPortfolio(db, { customers: 40, seed: 3, asOf: AS_OF });
    const some = (await db.select({ ref: customers.externalRef, id: customers.id }).from(customers)).slice(
      0,
      3,
    );
    const run = (asOf: string, dryRun = false) =>
      runAccounts(arc(), {
        asOf,
        customers: some.map((c) => c.ref),
        concurrency: 1,
        dryRun,
        brain: rulesBrain,
      });

    await run(AS_OF);
    const models = await db.select().from(forecastModels);
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({ kind: "gbq1", trainedThrough: AS_OF });
    expect(models[0]!.trainRows).toBeGreaterThan(100);
    const rows = await db
      .select()
      .from(predictions)
      .where(
        inArray(
          predictions.customerId,
          some.map((c) => c.id),
        ),
      );
    expect(rows.length).toBeGreaterThan(0);
    for (const p of rows) {
      expect(p.modelVersion).toBe(models[0]!.version);
      expect(p.p10PayDate).not.toBeNull();
      expect(p.p10PayDate! <= p.predictedPayDate && p.predictedPayDate <= p.p90PayDate!).toBe(true);
      expect(p.predictedPayDate >= AS_OF).toBe(true);
      expect(p.lateProbability).toBeGreaterThanOrEqual(0);
    }

    await run(later(3));
    expect(await db.select().from(forecastModels)).toHaveLength(1);
    await run(later(20), true);
    expect(await db.select().from(forecastModels)).toHaveLength(1);
    await run(later(8));
    const after = await db.select().from(forecastModels);
    expect(after).toHaveLength(2);
    expect(after.map((m) => m.trainedThrough).sort()).toEqual([AS_OF, later(8)]);
  });
});
