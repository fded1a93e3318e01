// `arc forecast`: the pay-date model (tools/forecasting) from the shell. `arc forecast backtest` reads a
// payment history from a CSV export (one row per invoice: customer, invoice/due/paid dates, amount,
// optionally disputed and paperless), trains the model on what was settled before a cut date and
// measures it, and two baselines, on the invoices issued after it. No database is involved.
//
// CSV reading reuses the ledger import's pieces: csv-parse, delimiter sniffing, header matching
// (headerKey) and date parsing (parseDate over DATE_FORMATS); the date format is detected as the one
// format that reads every date cell, unless --date-format says it. A row that cannot be read is
// reported (line, column, reason) and counted as skipped, never dropped silently.
import { readFileSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type { Command } from "commander";
import { parse as parseCsv } from "csv-parse/sync";
import { isKnownCurrency, parseMoney } from "../../db/money.ts";
import { type BacktestResult, backtest, type HistoryInvoice } from "../../tools/forecasting/index.ts";
import { DATE_FORMATS, type DateFormat, headerKey } from "../../tools/ledger-import/mapping.ts";
import { formatRowError, parseDate, sniffDelimiter } from "../../tools/ledger-import/parse.ts";
import { openArc } from "../context.ts";
import { table } from "./format.ts";
import { CLI_CALLER } from "./tools.ts";

interface TrainOutput {
  trained: boolean;
  reason?: string;
  version?: string;
  stored?: boolean;
  trainingInvoices?: number;
  trainingExamples?: number;
  settledInvoices?: number;
  sampledCustomers?: number;
  ofCustomers?: number;
  seconds?: number;
}

/** --columns keys: ARC's name → required. */
export const COLUMN_KEYS = {
  customer: true,
  invoice_date: true,
  due_date: true,
  paid_date: true,
  amount: true,
  disputed: false,
  paperless: false,
  invoice: false,
} as const;
type ColumnKey = keyof typeof COLUMN_KEYS;
const DATE_KEYS = ["invoice_date", "due_date", "paid_date"] as const;

interface BacktestCliOptions {
  csv: string;
  columns: string;
  cut?: string;
  dateFormat?: string;
  currency: string;
  json?: boolean;
  saveModel?: string;
}

export function registerForecastCommands(program: Command): void {
  const forecast = program
    .command("forecast")
    .description(
      "The pay-date model: train it on the ledger, backtest it on a payment history (P10/P50/P90 of days late)",
    );
  forecast
    .command("train")
    .description(
      "Train the pay-date model on every invoice settled before the as-of date and store it (the nightly run retrains a model older than 7 days)",
    )
    .option("--as-of <date>", "train on invoices settled before this date (YYYY-MM-DD); default today")
    .option("--max-invoices <n>", "sample whole customers down to this many settled invoices (default 50000)")
    .option("--json", "print JSON")
    .action(async (options: { asOf?: string; maxInvoices?: string; json?: boolean }) => {
      const arc = await openArc();
      try {
        const result = await arc.runner.call<TrainOutput>(
          "train_pay_date_model",
          {
            ...(options.asOf ? { asOf: options.asOf } : {}),
            ...(options.maxInvoices !== undefined
              ? { maxTrainingInvoices: Number(options.maxInvoices) }
              : {}),
          },
          // A fresh key per invocation: the derived one (tool + input) would replay an earlier answer
          // after the ledger changed ("nothing to train on" before an import). Training twice is
          // harmless: the same history gives the same version, stored once.
          {
            caller: CLI_CALLER,
            idempotencyKey: `cli:forecast-train:${new Date().toISOString()}:${process.pid}`,
          },
        );
        if (result.status === "invalid") {
          const flag: Record<string, string> = { asOf: "--as-of", maxTrainingInvoices: "--max-invoices" };
          for (const issue of result.issues)
            console.error(`${flag[issue.path] ?? issue.path}: ${issue.message}`);
          process.exitCode = 1;
          return;
        }
        if (result.status !== "executed") {
          console.error(`Training ${result.status}: ${JSON.stringify(result, null, 2)}`);
          process.exitCode = 1;
          return;
        }
        const out = result.output;
        if (options.json) console.log(JSON.stringify(out, null, 2));
        else if (!out.trained) console.log(`Nothing to train on: ${out.reason}.`);
        else
          console.log(
            `Trained ${out.version} on ${out.trainingInvoices} settled invoices (${out.trainingExamples} examples) in ${out.seconds} s` +
              (out.sampledCustomers !== undefined
                ? ` — a sample of ${out.sampledCustomers} of ${out.ofCustomers} customers (${out.settledInvoices} settled invoices in all)`
                : "") +
              (out.stored ? "." : "; this exact model was already stored."),
          );
      } finally {
        await arc.close();
      }
    });
  forecast
    .command("backtest")
    .description(
      "Train the pay-date model on invoices settled before a cut date and measure it, and two baselines, on the invoices issued after it",
    )
    .requiredOption("--csv <file>", "a payment history: one row per invoice")
    .requiredOption(
      "--columns <map>",
      "which column holds what: customer=...,invoice_date=...,due_date=...,paid_date=...,amount=...[,disputed=...][,paperless=...][,invoice=...]",
    )
    .option("--cut <date>", "train/test boundary (YYYY-MM-DD); default: the 70th percentile of invoice dates")
    .option(
      "--date-format <format>",
      `the file's date format (${DATE_FORMATS.join(", ")}); detected when omitted`,
    )
    .option("--currency <code>", "currency of the amounts (how many decimals they have)", "USD")
    .option("--save-model <file>", "also write the trained model as JSON")
    .option("--json", "print JSON")
    .action((options: BacktestCliOptions) => runBacktest(options));
}

function runBacktest(options: BacktestCliOptions): void {
  if (options.cut !== undefined && parseDate(options.cut, "YYYY-MM-DD") !== options.cut) {
    throw new Error(`--cut ${options.cut} is not a YYYY-MM-DD date`);
  }
  if (options.dateFormat !== undefined && !(DATE_FORMATS as readonly string[]).includes(options.dateFormat)) {
    throw new Error(`--date-format ${options.dateFormat} is not one of ${DATE_FORMATS.join(", ")}`);
  }
  const currency = options.currency.toUpperCase();
  if (!isKnownCurrency(currency)) throw new Error(`--currency ${options.currency} is not an ISO 4217 code`);
  const columns = parseColumnsOption(options.columns);
  let text: string;
  try {
    text = readFileSync(options.csv, "utf8");
  } catch (error) {
    throw new Error(`cannot read ${options.csv}: ${(error as Error).message}`);
  }
  const history = readPaymentHistory(text, columns, {
    file: options.csv,
    currency,
    ...(options.dateFormat ? { dateFormat: options.dateFormat as DateFormat } : {}),
  });
  const started = performance.now();
  const result = backtest(history.rows, options.cut ? { cut: options.cut } : {});
  const seconds = (performance.now() - started) / 1000;
  if (options.saveModel) writeFileSync(options.saveModel, `${JSON.stringify(result.trained)}\n`);

  const shown = history.errors.slice(0, 50);
  for (const error of shown) console.error(`  skipped ${formatRowError(error)}`);
  if (history.errors.length > shown.length) {
    console.error(`  … and ${history.errors.length - shown.length} more unreadable rows`);
  }
  const command = commandLine(options, result.cut);
  if (options.json) {
    console.log(JSON.stringify(jsonReport(result, history, seconds, command), null, 2));
    return;
  }
  console.log(`Backtest of the pay-date model on ${options.csv} (dates ${history.dateFormat})`);
  console.log(
    `cut ${result.cut}: trained on ${result.trainRows} invoices settled before it, tested on ${result.testRows} issued on or after it; ${history.skippedRows} unreadable rows skipped`,
  );
  console.log(`model ${result.modelVersion}, trained and tested in ${seconds.toFixed(1)} s`);
  console.log("");
  console.log(
    table(
      ["predicted pay date", "MAE (days)", "within ±7 days"],
      [
        ["model (P50)", result.model.maeDays.toFixed(2), percent(result.model.within7d)],
        ["due date", result.baselines.dueDate.maeDays.toFixed(2), percent(result.baselines.dueDate.within7d)],
        [
          "customer mean",
          result.baselines.customerMean.maeDays.toFixed(2),
          percent(result.baselines.customerMean.within7d),
        ],
      ],
    ),
  );
  console.log("");
  console.log(`P10–P90 interval holds ${percent(result.model.coverageP10P90)} of actual pay dates`);
  console.log(`command: ${command}`);
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));
const percent = (share: number) => `${(share * 100).toFixed(1)} %`;

function jsonReport(result: BacktestResult, history: PaymentHistory, seconds: number, command: string) {
  const accuracy = (a: { maeDays: number; within7d: number }) => ({
    mae_days: round(a.maeDays, 2),
    within_7d: round(a.within7d, 3),
  });
  return {
    train_rows: result.trainRows,
    test_rows: result.testRows,
    skipped_rows: history.skippedRows,
    model: { ...accuracy(result.model), coverage_p10_p90: round(result.model.coverageP10P90, 3) },
    baselines: {
      due_date: accuracy(result.baselines.dueDate),
      customer_mean: accuracy(result.baselines.customerMean),
    },
    cut: result.cut,
    date_format: history.dateFormat,
    model_version: result.modelVersion,
    backtest_seconds: round(seconds, 2),
    skipped: history.errors.map((e) => ({ line: e.line, column: e.column ?? null, reason: e.reason })),
    command,
  };
}

/** The command that reproduces this run (with the cut it used, default or not). */
function commandLine(options: BacktestCliOptions, cut: string): string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);
  const args = [
    "arc",
    "forecast",
    "backtest",
    "--csv",
    options.csv,
    "--columns",
    options.columns,
    "--cut",
    cut,
  ];
  if (options.dateFormat) args.push("--date-format", options.dateFormat);
  if (options.currency.toUpperCase() !== "USD") args.push("--currency", options.currency);
  if (options.json) args.push("--json");
  return args.map(quote).join(" ");
}

/** "customer=customerID,invoice_date=InvoiceDate,…" → key → column title; errors name the bad part. */
export function parseColumnsOption(option: string): Partial<Record<ColumnKey, string>> {
  const known = Object.keys(COLUMN_KEYS) as ColumnKey[];
  const columns: Partial<Record<ColumnKey, string>> = {};
  for (const part of option.split(",")) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    const key = (eq < 0 ? part : part.slice(0, eq)).trim();
    const column = eq < 0 ? "" : part.slice(eq + 1).trim();
    if (!(known as string[]).includes(key)) {
      throw new Error(`--columns: unknown key "${key}" (known: ${known.join(", ")})`);
    }
    if (column === "") throw new Error(`--columns: "${part.trim()}" names no column (write ${key}=COLUMN)`);
    if (columns[key as ColumnKey] !== undefined) throw new Error(`--columns: "${key}" is given twice`);
    columns[key as ColumnKey] = column;
  }
  const missing = known.filter((key) => COLUMN_KEYS[key] && columns[key] === undefined);
  if (missing.length > 0) {
    throw new Error(
      `--columns: missing ${missing.map((k) => `"${k}"`).join(", ")} (required: ${requiredKeys()})`,
    );
  }
  return columns;
}

const requiredKeys = () =>
  (Object.keys(COLUMN_KEYS) as ColumnKey[]).filter((key) => COLUMN_KEYS[key]).join(", ");

interface RowProblem {
  line: number;
  column?: string;
  reason: string;
}

interface PaymentHistory {
  rows: HistoryInvoice[];
  errors: RowProblem[];
  skippedRows: number;
  dateFormat: DateFormat;
}

/** Reads a payment-history CSV; unreadable rows are returned as errors (line, column, reason). */
export function readPaymentHistory(
  text: string,
  columns: Partial<Record<ColumnKey, string>>,
  options: { file: string; currency: string; dateFormat?: DateFormat },
): PaymentHistory {
  const source = text.replace(/^\uFEFF/, "");
  const bytes = Buffer.from(source, "utf8");
  let records: { record: string[]; info: { bytes: number } }[];
  try {
    records = parseCsv(bytes, {
      delimiter: sniffDelimiter(source),
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as typeof records;
  } catch (error) {
    throw new Error(`${options.file} is not valid CSV: ${(error as Error).message}`);
  }
  const lines = recordLines(bytes, records);
  const [header, ...data] = records;
  if (!header) throw new Error(`${options.file} is empty`);
  const index = new Map<string, number>();
  header.record.forEach((title, i) => {
    if (!index.has(headerKey(title))) index.set(headerKey(title), i);
  });
  const position = {} as Partial<Record<ColumnKey, number>>;
  for (const [key, title] of Object.entries(columns) as [ColumnKey, string][]) {
    const at = index.get(headerKey(title));
    if (at === undefined) {
      throw new Error(
        `--columns: column "${title}" (for ${key}) is not in the header of ${options.file} (columns: ${header.record.join(", ")})`,
      );
    }
    position[key] = at;
  }
  const cell = (record: string[], key: ColumnKey) =>
    position[key] === undefined ? undefined : (record[position[key]!] ?? "").trim();

  const dateFormat =
    options.dateFormat ??
    detectDateFormat(data.flatMap((r) => DATE_KEYS.map((k) => cell(r.record, k) ?? "")).filter(Boolean));

  const rows: HistoryInvoice[] = [];
  const errors: RowProblem[] = [];
  let skippedRows = 0;
  data.forEach(({ record }, i) => {
    const line = lines[i + 1]!;
    const problems: RowProblem[] = [];
    const fail = (key: ColumnKey, reason: string) => {
      problems.push({ line, column: columns[key]!, reason });
      return undefined;
    };
    const date = (key: (typeof DATE_KEYS)[number], required: boolean) => {
      const value = cell(record, key)!;
      if (value === "") return required ? fail(key, "empty date") : null;
      return parseDate(value, dateFormat) ?? fail(key, `"${value}" is not a date in ${dateFormat}`);
    };
    const customerId = cell(record, "customer")!;
    if (customerId === "") fail("customer", "no customer");
    const invoiceDate = date("invoice_date", true);
    const dueDate = date("due_date", true);
    // An empty paid date is an invoice still open: history for the features, never a training target.
    const paidDate = date("paid_date", false);
    if (invoiceDate && dueDate && dueDate < invoiceDate) {
      fail("due_date", `due date ${dueDate} is before the invoice date ${invoiceDate}`);
    }
    if (invoiceDate && paidDate && paidDate < invoiceDate) {
      fail("paid_date", `paid date ${paidDate} is before the invoice date ${invoiceDate}`);
    }
    let amountMinor: number | undefined;
    const amount = cell(record, "amount")!;
    if (amount === "") fail("amount", "no amount");
    else {
      try {
        amountMinor = parseMoney(amount, options.currency);
        if (amountMinor <= 0) amountMinor = fail("amount", `"${amount}" must be more than zero`);
      } catch (error) {
        fail("amount", (error as Error).message);
      }
    }
    const disputed = flag(cell(record, "disputed"), DISPUTED, (reason) => fail("disputed", reason));
    const paperless = flag(cell(record, "paperless"), PAPERLESS, (reason) => fail("paperless", reason));
    if (
      problems.length > 0 ||
      !invoiceDate ||
      !dueDate ||
      paidDate === undefined ||
      amountMinor === undefined
    ) {
      errors.push(...problems);
      skippedRows++;
      return;
    }
    const invoice = cell(record, "invoice");
    rows.push({
      customerId,
      ...(invoice ? { invoiceId: invoice } : {}),
      invoiceDate,
      dueDate,
      paidDate,
      amountMinor,
      ...(disputed === undefined ? {} : { disputed }),
      ...(paperless === undefined ? {} : { paperless }),
    });
  });
  return { rows, errors, skippedRows, dateFormat };
}

const DISPUTED = {
  yes: ["yes", "y", "true", "t", "1", "x", "disputed"],
  no: ["no", "n", "false", "f", "0", "undisputed"],
};
const PAPERLESS = {
  yes: ["yes", "y", "true", "t", "1", "electronic", "paperless", "email", "e-mail", "edi"],
  no: ["no", "n", "false", "f", "0", "paper", "mail", "post"],
};

/** yes/no cell → boolean; an empty cell or unmapped column → undefined; anything else is reported. */
function flag(
  value: string | undefined,
  words: { yes: string[]; no: string[] },
  fail: (reason: string) => undefined,
): boolean | undefined {
  if (value === undefined || value === "") return undefined;
  const key = value.toLowerCase();
  if (words.yes.includes(key)) return true;
  if (words.no.includes(key)) return false;
  return fail(`"${value}" is not one of ${[...words.yes, ...words.no].join(", ")}`);
}

/**
 * The one date format that reads the most date cells; ambiguous (two formats read as many, e.g. every
 * day ≤ 12 in MM/DD vs DD/MM) or none reads any: an error asking for --date-format.
 */
export function detectDateFormat(values: readonly string[]): DateFormat {
  const sample = values.slice(0, 5000);
  const scores = DATE_FORMATS.map((format) => ({
    format,
    read: sample.filter((v) => parseDate(v, format) !== undefined).length,
  })).sort((a, b) => b.read - a.read);
  const [best, second] = scores;
  if (!best || best.read === 0) {
    throw new Error(
      `cannot tell the date format: no date cell reads as ${DATE_FORMATS.join(", ")} (give --date-format)`,
    );
  }
  if (second && second.read === best.read) {
    throw new Error(
      `cannot tell the date format: the dates read as ${best.format} and as ${second.format} (give --date-format)`,
    );
  }
  return best.format;
}

/** 1-based line each record starts on (CRLF, LF or CR end a line; skipped blank lines are counted). */
function recordLines(bytes: Buffer, records: { info: { bytes: number } }[]): number[] {
  const lines: number[] = [];
  let line = 1;
  let at = 0;
  let previous = 0;
  for (const { info } of records) {
    // Skip the line breaks before the record, then note its line; then count breaks inside it.
    while (at < bytes.length && (bytes[at] === 0x0a || bytes[at] === 0x0d)) {
      if (bytes[at] === 0x0d || previous !== 0x0d) line++;
      previous = bytes[at]!;
      at++;
    }
    lines.push(line);
    while (at < info.bytes) {
      const byte = bytes[at]!;
      if (byte === 0x0d || (byte === 0x0a && previous !== 0x0d)) line++;
      previous = byte;
      at++;
    }
  }
  return lines;
}
