// `arc forecast backtest` as a user runs it: a child process of bin/arc.js (no database involved).
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { detectDateFormat, registerForecastCommands } from "../../server/cli/forecast.ts";
import { SHARED_DATA } from "../support/shared-data.ts";
import { syntheticHistory } from "../tools/forecasting/synthetic.ts";

const run = promisify(execFile);
const ARC = join(import.meta.dirname, "../../bin/arc.js");
const IBM = join(SHARED_DATA, "payment-history/ibm-accounts-receivable.csv");
const IBM_COLUMNS =
  "customer=customerID,invoice_date=InvoiceDate,due_date=DueDate,paid_date=SettledDate,amount=InvoiceAmount,disputed=Disputed,paperless=PaperlessBill";

async function arc(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [ARC, ...args], { timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** A small history as CSV with US dates (M/D/YYYY), like the IBM export. */
function syntheticCsv(): { path: string; lines: string[] } {
  const us = (iso: string | null) =>
    iso ? `${Number(iso.slice(5, 7))}/${Number(iso.slice(8))}/${iso.slice(0, 4)}` : "";
  const lines = ["Customer,Invoice Date,Due Date,Paid,Amount,Disputed"];
  for (const r of syntheticHistory({ customers: 20, invoicesPerCustomer: 10 })) {
    lines.push(
      [
        r.customerId,
        us(r.invoiceDate),
        us(r.dueDate),
        us(r.paidDate),
        (r.amountMinor / 100).toFixed(2),
        r.disputed ? "Yes" : "No",
      ].join(","),
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "arc-forecast-"));
  const path = join(dir, "history.csv");
  writeFileSync(path, `${lines.join("\n")}\n`);
  return { path, lines };
}
const SYNTHETIC_COLUMNS =
  "customer=Customer,invoice_date=Invoice Date,due_date=Due Date,paid_date=Paid,amount=Amount,disputed=Disputed";

describe("arc forecast backtest", () => {
  it("reproduces the IBM baselines (11.1 and 6.7 days) and beats them with MAE ≤ 5 days", async () => {
    const result = await arc([
      "forecast",
      "backtest",
      "--csv",
      IBM,
      "--columns",
      IBM_COLUMNS,
      "--cut",
      "2013-06-01",
      "--json",
    ]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ train_rows: 1719, test_rows: 635, skipped_rows: 0, cut: "2013-06-01" });
    expect(round1(report.baselines.due_date.mae_days)).toBe(11.1);
    expect(round1(report.baselines.customer_mean.mae_days)).toBe(6.7);
    expect(report.model.mae_days).toBeLessThanOrEqual(5.0);
    expect(report.model.within_7d).toBeGreaterThan(report.baselines.customer_mean.within_7d);
    for (const a of [report.model, report.baselines.due_date, report.baselines.customer_mean]) {
      expect(a.within_7d).toBeGreaterThanOrEqual(0);
      expect(a.within_7d).toBeLessThanOrEqual(1);
    }
    expect(report.model.coverage_p10_p90).toBeGreaterThan(0.6);
    expect(report.model_version).toMatch(/^gbq1@2013-06-01#[0-9a-f]{8}$/);
    expect(report.date_format).toBe("MM/DD/YYYY");
  });

  it("prints a table and the exact command; reports unreadable rows by line, column and reason", async () => {
    const { path, lines } = syntheticCsv();
    // Break two rows: an impossible date (line 5) and an amount that is not one (line 9).
    const broken = [...lines];
    broken[4] = broken[4]!.replace(/^([^,]+),[^,]+,/, "$1,13/45/2024,");
    broken[8] = broken[8]!.replace(/,[\d.]+,(Yes|No)$/, ",twelve,$1");
    writeFileSync(path, `${broken.join("\n")}\n`);
    const [text, json] = await Promise.all([
      arc(["forecast", "backtest", "--csv", path, "--columns", SYNTHETIC_COLUMNS]),
      arc(["forecast", "backtest", "--csv", path, "--columns", SYNTHETIC_COLUMNS, "--json"]),
    ]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/model \(P50\)\s+\d+\.\d\d\s+\d+\.\d %/);
    expect(text.stdout).toMatch(/due date\s+\d+\.\d\d/);
    expect(text.stdout).toMatch(/customer mean\s+\d+\.\d\d/);
    expect(text.stdout).toContain(
      `command: arc forecast backtest --csv ${path} --columns '${SYNTHETIC_COLUMNS}' --cut `,
    );
    expect(text.stdout).toContain("2 unreadable rows skipped");
    expect(text.stderr).toContain('line 5, column "Invoice Date": "13/45/2024" is not a date in MM/DD/YYYY');
    expect(text.stderr).toMatch(/line 9, column "Amount": .*twelve/);

    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.skipped_rows).toBe(2);
    expect(report.skipped).toEqual([
      { line: 5, column: "Invoice Date", reason: '"13/45/2024" is not a date in MM/DD/YYYY' },
      { line: 9, column: "Amount", reason: expect.stringContaining("twelve") },
    ]);
    // Every readable row is in training, testing, or neither (issued before the cut, paid after it).
    expect(report.train_rows + report.test_rows).toBeLessThanOrEqual(lines.length - 1 - 2);
  });

  it("names a bad --columns key or a column the file does not have", async () => {
    const { path } = syntheticCsv();
    const backtest = (columns: string) => arc(["forecast", "backtest", "--csv", path, "--columns", columns]);
    const [unknown, notInFile] = await Promise.all([
      backtest(`${SYNTHETIC_COLUMNS},colour=Red`),
      backtest(SYNTHETIC_COLUMNS.replace("paid_date=Paid", "paid_date=Settled On")),
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('arc: --columns: unknown key "colour" (known: customer, invoice_date');
    expect(notInFile.code).toBe(1);
    expect(notInFile.stderr).toContain('--columns: column "Settled On" (for paid_date) is not in the header');
  });

  // The same command in-process (each child process pays seconds of start-up), for the other errors.
  const inProcess = async (args: string[]) => {
    const program = new Command().exitOverride();
    registerForecastCommands(program);
    try {
      await program.parseAsync(["forecast", "backtest", ...args], { from: "user" });
      return "";
    } catch (error) {
      return (error as Error).message;
    }
  };

  it("names a missing --columns key, a bad --cut and a bad --date-format", async () => {
    const { path } = syntheticCsv();
    const csv = ["--csv", path];
    expect(await inProcess([...csv, "--columns", SYNTHETIC_COLUMNS.replace(",amount=Amount", "")])).toBe(
      '--columns: missing "amount" (required: customer, invoice_date, due_date, paid_date, amount)',
    );
    expect(await inProcess([...csv, "--columns", "customer"])).toContain('"customer" names no column');
    expect(await inProcess([...csv, "--columns", SYNTHETIC_COLUMNS, "--cut", "June"])).toBe(
      "--cut June is not a YYYY-MM-DD date",
    );
    expect(await inProcess([...csv, "--columns", SYNTHETIC_COLUMNS, "--date-format", "D/M/Y"])).toContain(
      "--date-format D/M/Y is not one of YYYY-MM-DD, MM/DD/YYYY",
    );
  });

  it("detects the date format, and asks for --date-format when the dates read both ways", () => {
    expect(detectDateFormat(["1/2/2013", "12/31/2013"])).toBe("MM/DD/YYYY");
    expect(detectDateFormat(["31/12/2013", "1/2/2013"])).toBe("DD/MM/YYYY");
    expect(detectDateFormat(["2013-12-31"])).toBe("YYYY-MM-DD");
    expect(() => detectDateFormat(["1/2/2013", "3/4/2013"])).toThrow(
      /MM\/DD\/YYYY and as DD\/MM\/YYYY.*--date-format/,
    );
    expect(() => detectDateFormat(["soon"])).toThrow(/give --date-format/);
  });
});
