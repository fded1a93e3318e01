// CSV bank statement exports, read through a column mapping (CsvBankMapping).
//
// Header matching, date formats and delimiter sniffing are the ledger import's (tools/ledger-import):
// headers match ignoring case and surrounding/repeated whitespace; dates are YYYY-MM-DD, MM/DD/YYYY,
// DD/MM/YYYY or DD.MM.YYYY (a midnight time suffix is accepted); amounts go through db/money.ts's
// parseMoney ("1.234,56" with decimal ",", "(12.00)", "-12.00", currency symbols around the number).
// Either one signed amount column, or credit and/or debit columns (a row fills one of them). One
// statement per (account, currency) pair, in order of first appearance. Errors name the row's line
// and the column: `csv: line 5, column "Amount": "12,3x" is not an amount`.
import { parse as parseCsvSync } from "csv-parse/sync";
import YAML from "yaml";
import { z } from "zod";
import { isKnownCurrency, parseMoney } from "../../db/money.ts";
import { DATE_FORMATS, DELIMITERS, headerKey } from "../ledger-import/mapping.ts";
import { parseDate, sniffDelimiter } from "../ledger-import/parse.ts";
import { checkCurrency, cleanAccount, cleanReference, joinRemittance } from "./common.ts";
import { BankFileError, type CsvBankMapping, type DraftStatement, type DraftTransaction } from "./types.ts";

const FORMAT = "csv" as const;

const column = z.string().trim().min(1, "a column name cannot be empty");
const currencyCode = z
  .string()
  .trim()
  .transform((s) => s.toUpperCase())
  .refine(isKnownCurrency, { message: "must be an ISO 4217 currency code such as USD or EUR" });

const mappingSchema = z
  .object({
    date: column,
    amount: column.optional(),
    credit: column.optional(),
    debit: column.optional(),
    currency: column.optional(),
    counterparty: column.optional(),
    counterpartyAccount: column.optional(),
    reference: column.optional(),
    remittance: z.union([column, z.array(column).min(1, "give at least one column name")]).optional(),
    valueDate: column.optional(),
    bankReference: column.optional(),
    account: column.optional(),
    options: z
      .object({
        dateFormat: z.enum(DATE_FORMATS, { message: `must be one of ${DATE_FORMATS.join(", ")}` }).optional(),
        decimal: z.enum([".", ","], { message: 'must be "." or ","' }).optional(),
        delimiter: z.enum(DELIMITERS, { message: 'must be ",", ";", "\\t", "|" or "auto"' }).optional(),
        currency: currencyCode.optional(),
        account: z.string().trim().min(1, "cannot be empty").optional(),
        skipLines: z.number().int("must be a whole number").min(0, "cannot be negative").optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.amount === undefined && m.credit === undefined && m.debit === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["amount"],
        message: "required: map amount, or credit and/or debit",
      });
    }
    if (m.amount !== undefined && (m.credit !== undefined || m.debit !== undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["amount"],
        message: "map either amount or credit/debit, not both",
      });
    }
    if (m.currency === undefined && m.options?.currency === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["currency"],
        message: "required: map a currency column or set options.currency",
      });
    }
    if (m.account === undefined && m.options?.account === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["account"],
        message: "required: map an account column or set options.account",
      });
    }
  });

const MAPPING_FIELDS =
  "date, amount, credit, debit, currency, counterparty, counterpartyAccount, reference, remittance, valueDate, bankReference, account, options";
const OPTION_FIELDS = "dateFormat, decimal, delimiter, currency, account, skipLines";

/** Validates a mapping object (e.g. parsed from a file); errors name the field (`mapping.options.decimal`). */
export function validateCsvMapping(input: unknown): CsvBankMapping {
  const result = mappingSchema.safeParse(input);
  if (result.success) return result.data as CsvBankMapping;
  const issue = result.error.issues[0]!;
  let path = issue.path.map(String).join(".");
  let reason = issue.message;
  if (issue.code === "unrecognized_keys") {
    path = [path, issue.keys[0]].filter((p) => p !== "").join(".");
    reason = `unknown field (known: ${issue.path.length === 0 ? MAPPING_FIELDS : OPTION_FIELDS})`;
  }
  if (issue.code === "invalid_type" && issue.path.length === 0) reason = "expected a mapping object";
  if (issue.code === "invalid_type" && issue.input === undefined && issue.path.length > 0) {
    reason = "required";
  }
  const others = result.error.issues.length - 1;
  throw new BankFileError(
    FORMAT,
    path === "" ? "mapping" : `mapping.${path}`,
    others > 0 ? `${reason} (and ${others} more problem${others > 1 ? "s" : ""})` : reason,
  );
}

/** A CSV bank mapping document, JSON or YAML. */
export function parseCsvBankMapping(text: string): CsvBankMapping {
  let parsed: unknown;
  try {
    parsed = YAML.parse(text);
  } catch (error) {
    throw new BankFileError(
      FORMAT,
      "mapping",
      `not valid JSON or YAML: ${(error as Error).message.split("\n")[0]}`,
    );
  }
  return validateCsvMapping(parsed);
}

interface Bound {
  index: number;
  name: string;
}

export function parseCsv(
  text: string,
  mappingInput: CsvBankMapping | undefined,
): { statements: DraftStatement[] } {
  if (!mappingInput) {
    throw new BankFileError(
      FORMAT,
      null,
      "a CSV bank file needs a column mapping (which columns hold the date, amount, currency, …)",
    );
  }
  const mapping = validateCsvMapping(mappingInput);
  const options = mapping.options ?? {};
  const dateFormat = options.dateFormat ?? "YYYY-MM-DD";
  const decimal = options.decimal ?? ".";
  const delimiter =
    !options.delimiter || options.delimiter === "auto" ? sniffDelimiter(text) : options.delimiter;
  const skip = options.skipLines ?? 0;

  const buffer = Buffer.from(text, "utf8");
  let records: { record: string[]; info: { bytes: number } }[];
  try {
    records = parseCsvSync(buffer, {
      delimiter,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      bom: true,
    }) as unknown as typeof records;
  } catch (error) {
    const e = error as Error & { lines?: number };
    throw new BankFileError(
      FORMAT,
      `line ${e.lines ?? 1}`,
      `not valid CSV: ${e.message.replace(/ at line \d+/, "")}`,
    );
  }
  const lineOf = lineLocator(buffer);
  let previousEnd = 0;
  const rows = records.map(({ record, info }) => {
    const line = lineOf(previousEnd);
    previousEnd = info.bytes;
    return { cells: record, line };
  });
  const data = rows.filter((r) => r.line > skip);
  const header = data[0];
  if (!header) throw new BankFileError(FORMAT, null, "the file has no header row");

  const positions = new Map<string, number>();
  header.cells.forEach((cell, i) => {
    const key = headerKey(cell);
    if (key !== "" && !positions.has(key)) positions.set(key, i);
  });
  const bind = (name: string | undefined): Bound | undefined => {
    if (name === undefined) return undefined;
    const index = positions.get(headerKey(name));
    if (index === undefined) {
      throw new BankFileError(FORMAT, `line ${header.line}`, `missing column "${name}" in the header`);
    }
    return { index, name: header.cells[index]!.trim() };
  };
  const cols = {
    date: bind(mapping.date)!,
    amount: bind(mapping.amount),
    credit: bind(mapping.credit),
    debit: bind(mapping.debit),
    currency: bind(mapping.currency),
    counterparty: bind(mapping.counterparty),
    counterpartyAccount: bind(mapping.counterpartyAccount),
    reference: bind(mapping.reference),
    remittance: (Array.isArray(mapping.remittance)
      ? mapping.remittance
      : mapping.remittance
        ? [mapping.remittance]
        : []
    ).map((name) => bind(name)!),
    valueDate: bind(mapping.valueDate),
    bankReference: bind(mapping.bankReference),
    account: bind(mapping.account),
  };

  const statements: DraftStatement[] = [];
  const byKey = new Map<string, DraftStatement>();
  for (const row of data.slice(1)) {
    if (row.cells.every((c) => c.trim() === "")) continue;
    const cell = (b: Bound | undefined) => (b === undefined ? "" : (row.cells[b.index] ?? "").trim());
    const fail = (b: Bound | undefined, reason: string): never => {
      throw new BankFileError(
        FORMAT,
        b ? `line ${row.line}, column "${b.name}"` : `line ${row.line}`,
        reason,
      );
    };
    const date = parseDate(cell(cols.date), dateFormat);
    if (!date) {
      fail(
        cols.date,
        cell(cols.date) === "" ? "empty date" : `"${cell(cols.date)}" is not a date in ${dateFormat}`,
      );
    }
    let valueDate: string | null = null;
    if (cols.valueDate && cell(cols.valueDate) !== "") {
      valueDate =
        parseDate(cell(cols.valueDate), dateFormat) ??
        fail(cols.valueDate, `"${cell(cols.valueDate)}" is not a date in ${dateFormat}`);
    }
    const currencyText = cell(cols.currency);
    const currency = currencyText === "" ? options.currency : checkCurrency(currencyText);
    if (!currency) {
      fail(
        cols.currency,
        currencyText === "" ? "empty currency and no options.currency" : `unknown currency "${currencyText}"`,
      );
    }
    const money = (b: Bound): number | null => {
      const t = cell(b);
      if (t === "") return null;
      try {
        return parseMoney(t, currency!, { decimalSeparator: decimal });
      } catch (error) {
        return fail(b, (error as Error).message);
      }
    };
    let amountMinor: number;
    if (cols.amount) {
      const a = money(cols.amount);
      if (a === null) fail(cols.amount, "empty amount");
      amountMinor = a!;
    } else {
      const credit = cols.credit ? money(cols.credit) : null;
      const debit = cols.debit ? money(cols.debit) : null;
      if (credit !== null && debit !== null && credit !== 0 && debit !== 0) {
        fail(cols.debit, "both credit and debit are filled in");
      }
      if (credit === null && debit === null) {
        fail(cols.credit ?? cols.debit, "no amount: credit and debit are both empty");
      }
      amountMinor = credit !== null && credit !== 0 ? Math.abs(credit) : -Math.abs(debit ?? 0);
    }
    const account = cols.account ? cleanAccount(cell(cols.account)) : cleanAccount(options.account);
    if (!account) fail(cols.account, "empty account");
    const tx: DraftTransaction = {
      date: date!,
      valueDate,
      amountMinor,
      currency: currency!,
      direction: amountMinor < 0 ? "debit" : "credit",
      isReturn: false,
      counterparty: cell(cols.counterparty) || null,
      counterpartyAccount: cleanAccount(cell(cols.counterpartyAccount)),
      reference: cleanReference(cell(cols.reference)),
      bankReference: cleanReference(cell(cols.bankReference)),
      remittance: joinRemittance(cols.remittance.map((b) => cell(b))),
      structuredReferences: [],
      typeCode: null,
      chargesMinor: null,
      original: null,
      bookingText: null,
      booked: true,
      location: `line ${row.line}`,
    };
    const key = `${account}\u0000${currency}`;
    let statement = byKey.get(key);
    if (!statement) {
      statement = {
        account: account!,
        currency: currency!,
        statementId: null,
        fromDate: null,
        toDate: null,
        openingBalanceMinor: null,
        closingBalanceMinor: null,
        transactions: [],
      };
      byKey.set(key, statement);
      statements.push(statement);
    }
    statement.transactions.push(tx);
  }
  if (statements.length === 0) throw new BankFileError(FORMAT, null, "the file has a header but no rows");
  for (const s of statements) {
    const dates = s.transactions.map((t) => t.date).sort();
    s.fromDate = dates[0] ?? null;
    s.toDate = dates[dates.length - 1] ?? null;
  }
  return { statements };
}

/** Byte offset → 1-based line of the first byte at or after it that is not a line break. */
function lineLocator(bytes: Buffer): (offset: number) => number {
  let index = 0;
  let line = 1;
  return (offset: number) => {
    while (index < bytes.length) {
      const byte = bytes[index]!;
      if (index >= offset && byte !== 0x0a && byte !== 0x0d) break;
      if (byte === 0x0d || (byte === 0x0a && bytes[index - 1] !== 0x0d)) line++;
      index++;
    }
    return line;
  };
}

/** Whether text looks like a delimited file with a header row (for detection). */
export function looksLikeCsv(text: string): boolean {
  const lines = text.split(/\r\n|\r|\n/).filter((l) => l.trim() !== "");
  if (lines.length < 2) return false;
  const delimiter = sniffDelimiter(text);
  const header = splitSimple(lines[0]!, delimiter);
  if (header.length < 2) return false;
  // A header names its columns: mostly non-numeric, non-empty cells.
  const named = header.filter((c) => c.trim() !== "" && !/^[-+]?[\d.,\s]+$/.test(c.trim()));
  if (named.length < Math.ceil(header.length / 2)) return false;
  const second = splitSimple(lines[1]!, delimiter);
  return second.length >= 2;
}

function splitSimple(line: string, delimiter: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === delimiter && !quoted) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}
