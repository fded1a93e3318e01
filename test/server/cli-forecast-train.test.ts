// `arc forecast train` as an operator runs it: a child process of bin/arc.js against this file's
// database, on a small demo ledger; sampling with --max-invoices, and a bad value refused by name.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../support/db.ts";

const database = useTestDatabase();
const run = promisify(execFile);
const ARC = join(import.meta.dirname, "../../bin/arc.js");

async function arc(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [ARC, ...args], {
      env: { ...process.env, DATABASE_URL: database.current.url },
      timeout: 180_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

describe("arc forecast train", { timeout: 180_000 }, () => {
  it("trains on the ledger, samples whole customers when asked, and names a bad option", async () => {
    expect(await arc(["forecast", "train", "--as-of", "2026-03-10"])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining("Nothing to train on"),
    });
    expect((await arc(["demo", "--customers", "30", "--seed", "4", "--as-of", "2026-03-10"])).code).toBe(0);

    const full = await arc(["forecast", "train", "--as-of", "2026-03-10", "--json"]);
    expect(full.code).toBe(0);
    const out = JSON.parse(full.stdout) as {
      trained: boolean;
      settledInvoices: number;
      trainingInvoices: number;
    };
    expect(out.trained).toBe(true);
    expect(out.trainingInvoices).toBe(out.settledInvoices);

    const cap = Math.floor(out.settledInvoices / 2);
    const sampled = await arc(["forecast", "train", "--as-of", "2026-03-10", "--max-invoices", String(cap)]);
    expect(sampled.code).toBe(0);
    expect(sampled.stdout).toMatch(
      new RegExp(
        `^Trained gbq1@2026-03-10#\\w+ on \\d+ settled invoices .* — a sample of \\d+ of \\d+ customers \\(${out.settledInvoices} settled invoices in all\\)\\.`,
      ),
    );

    const bad = await arc(["forecast", "train", "--max-invoices", "5"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--max-invoices: ");
  });
});
