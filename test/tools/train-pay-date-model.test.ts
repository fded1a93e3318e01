// train_pay_date_model on a ledger with more settled invoices than the cap: it counts them in the
// database, loads only the sampled customers' history, and says what it kept.
import { describe, expect, it } from "vitest";
import { generateDemoPortfolio } from "../../db/demo/generate.ts";
import { testArc } from "../support/arc.ts";
import { useTestDatabase } from "../support/db.ts";

const database = useTestDatabase();
const AS_OF = "2026-03-10";
const arc = () => testArc(database);

describe("train_pay_date_model sampling", () => {
  it("samples whole customers down to the cap, counted in the database, and says so", async () => {
    const db = database.current.db;
    await generateDemoPortfolio(db, { customers: 40, seed: 5, asOf: AS_OF });
    const caller = { kind: "cli" as const, id: "ops", role: "admin" as const };
    const full = await arc().runner.call("train_pay_date_model", { asOf: AS_OF }, { caller });
    const settled = (full as { output: { settledInvoices: number; trainingInvoices: number } }).output;
    expect(settled.trainingInvoices).toBe(settled.settledInvoices);
    const cap = Math.floor(settled.settledInvoices / 3);
    const sampled = await arc().runner.call(
      "train_pay_date_model",
      { asOf: AS_OF, maxTrainingInvoices: cap },
      { caller },
    );
    expect(sampled).toMatchObject({ status: "executed", output: { trained: true } });
    const output = (
      sampled as { output: { trainingInvoices: number; sampledCustomers: number; ofCustomers: number } }
    ).output;
    // Every demo customer but the newest few has settled invoices; the sample keeps a part of them.
    expect(output.ofCustomers).toBeGreaterThan(30);
    expect(output.ofCustomers).toBeLessThanOrEqual(40);
    expect(output.trainingInvoices).toBeLessThanOrEqual(cap);
    expect(output.trainingInvoices).toBeGreaterThan(cap / 2);
    expect(output.sampledCustomers).toBeLessThan(output.ofCustomers);
    const bad = await arc().runner.call(
      "train_pay_date_model",
      { asOf: AS_OF, maxTrainingInvoices: 5 },
      { caller },
    );
    expect(bad).toMatchObject({ status: "invalid" });
    expect(JSON.stringify(bad)).toContain("maxTrainingInvoices");
  });
});
