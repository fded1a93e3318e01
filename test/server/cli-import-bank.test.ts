// `arc import bank` as a user runs it: a child process of bin/arc.js against this file's database.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../support/db.ts";
import { makeCustomer, makeInvoice } from "../support/fixtures.ts";
import { SHARED_DATA } from "../support/shared-data.ts";

const database = useTestDatabase();
const run = promisify(execFile);
const ARC = join(import.meta.dirname, "../../bin/arc.js");
const SHARED = join(SHARED_DATA, "bank-files");
const FIXTURES = join(import.meta.dirname, "../fixtures/bank-files");

async function arc(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [ARC, ...args], {
      env: { ...process.env, DATABASE_URL: database.current.url },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

const paymentCount = async () =>
  Number((await database.current.db.execute(sql`select count(*)::int as n from payments`))[0]!.n);

interface DryRun {
  format: string;
  statements: {
    account: string;
    currency: string;
    transactions: {
      date: string;
      amount_minor: number;
      currency: string;
      counterparty: string | null;
      reference: string | null;
      remittance: string | null;
      import: string;
    }[];
  }[];
}

// Each test spawns the real binary, several times: give a loaded CI machine room.
describe("arc import bank", { timeout: 180_000 }, () => {
  it("--dry-run --json prints every transaction of a real camt.053 in minor units and writes nothing", async () => {
    const result = await arc([
      "import",
      "bank",
      join(SHARED, "camt/camt053.v2.multi.statement.xml"),
      "--dry-run",
      "--json",
    ]);
    expect(result.stderr).toBe("");
    const report = JSON.parse(result.stdout) as DryRun;
    expect(report.format).toBe("camt.053");
    expect(report.statements.length).toBeGreaterThan(1);
    for (const statement of report.statements) {
      expect(statement.account).toMatch(/^[A-Z0-9]+$/);
      for (const t of statement.transactions) {
        expect(t.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(Number.isSafeInteger(t.amount_minor)).toBe(true);
        expect(t.currency).toMatch(/^[A-Z]{3}$/);
        expect(Object.keys(t)).toEqual(expect.arrayContaining(["counterparty", "reference", "remittance"]));
      }
    }
    expect(await paymentCount()).toBe(0);
  });

  it("detects each format, and --format overrides detection with a clear refusal when wrong", async () => {
    const mt940 = JSON.parse(
      (await arc(["import", "bank", join(SHARED, "mt940/jejik_sns.sta"), "--dry-run", "--json"])).stdout,
    ) as DryRun;
    expect(mt940.format).toBe("mt940");
    const bai2 = JSON.parse(
      (await arc(["import", "bank", join(SHARED, "bai2/sample1.txt"), "--dry-run", "--json"])).stdout,
    ) as DryRun;
    expect(bai2.format).toBe("bai2");
    const wrong = await arc([
      "import",
      "bank",
      join(SHARED, "bai2/sample1.txt"),
      "--format",
      "mt940",
      "--dry-run",
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/would be refused: .*mt940/);
    const unknown = await arc([
      "import",
      "bank",
      join(SHARED, "bai2/sample1.txt"),
      "--format",
      "ofx",
      "--dry-run",
    ]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/--format ofx is not one of camt\.052, camt\.053/);
  });

  it("refuses a statement whose balances do not add up unless told to import it with a warning", async () => {
    const file = join(SHARED, "mt940/jejik_abnamro.sta");
    const strict = await arc(["import", "bank", file, "--dry-run"]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(
      /jejik_abnamro\.sta: mt940: line \d+ \(:62F:\): opening balance .* but the closing balance is/,
    );
    expect(strict.stderr).toMatch(/--no-verify-totals/);
    const lenient = await arc(["import", "bank", file, "--dry-run", "--json", "--no-verify-totals"]);
    expect(lenient.code).toBe(0);
    const report = JSON.parse(lenient.stdout) as DryRun & { warnings: string[] };
    expect(report.warnings.length).toBeGreaterThan(0);
    expect(report.statements.flatMap((s) => s.transactions)).toHaveLength(10);
  });

  it("a malformed file imports nothing and names the line and the reason", async () => {
    const result = await arc(["import", "bank", join(FIXTURES, "mt940-broken-date.sta")]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Nothing was imported: .*line 9 \(:61:\): value date 251340 is not a date/);
    expect(await paymentCount()).toBe(0);
  });

  it("imports receipts once across re-imports and overlapping statements, and identifies payers", async () => {
    const db = database.current.db;
    const wayne = await makeCustomer(db, { name: "Wayne Enterprises", currency: "EUR" });
    await makeInvoice(db, wayne.id, { externalRef: "INV-2025-000401", amountMinor: 10_000, currency: "EUR" });
    const first = await arc(["import", "bank", join(FIXTURES, "mt940-overlap-a.sta"), "--json"]);
    expect(first.stderr).toBe("");
    const a = JSON.parse(first.stdout) as {
      imported: number;
      duplicates: number;
      identification: { byMethod: Record<string, number> };
    };
    expect(a).toMatchObject({ imported: 2, duplicates: 0 });
    expect(a.identification.byMethod.reference).toBeGreaterThanOrEqual(1);
    const again = await arc(["import", "bank", join(FIXTURES, "mt940-overlap-a.sta")]);
    expect(again.stdout).toMatch(/already imported/);
    const overlap = JSON.parse(
      (await arc(["import", "bank", join(FIXTURES, "mt940-overlap-b.sta"), "--json"])).stdout,
    ) as { imported: number; duplicates: number };
    expect(overlap.duplicates).toBe(1);
    expect(await paymentCount()).toBe(2 + overlap.imported);
    const dry = JSON.parse(
      (await arc(["import", "bank", join(FIXTURES, "mt940-overlap-b.sta"), "--dry-run", "--json"])).stdout,
    ) as DryRun;
    const states = dry.statements.flatMap((s) => s.transactions).map((t) => t.import);
    expect(states).toContain("already_imported");
    expect(states.filter((state) => state !== "already_imported" && state !== "skipped")).toEqual([]);
  });
});
