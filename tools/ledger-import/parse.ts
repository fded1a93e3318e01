// CSV ledger files → normalized rows, with every problem reported as `line N, column "X": reason`.
//
// Line numbers are physical lines of the file (the header is line 1 unless title lines precede it) and
// name the line a record starts on, so a quoted field spanning several lines does not shift the
// numbers of the rows after it. They are computed from csv-parse's byte offsets rather than its line
// counter, which counts a CRLF inside a quoted field twice.
//
// The reader consumes one record at a time (LedgerFileReader), so the same checks run over a whole
// string (parseLedgerFile) or a stream of chunks (parseLedgerStream).
import { TextDecoder } from "node:util";
import { CsvError, parse as parseCsvStream } from "csv-parse";
import { parse as parseCsvSync } from "csv-parse/sync";
import { formatAmount, isKnownCurrency, parseMoney } from "../../db/money.ts";
import { CHANNELS, type Channel, SEGMENTS, type Segment } from "../../db/schema.ts";
import {
  type DateFormat,
  ENTITY_FIELDS,
  type Entity,
  type EntityMapping,
  type FieldOf,
  type FileOptions,
  headerKey,
  type LedgerMapping,
  loadMapping,
  type MappingDocument,
  MappingError,
  type PresetName,
} from "./mapping.ts";

/** The reference prefix of the synthetic payments that carry invoices' already-paid parts. */
export const OPENING_REF_PREFIX = "opening:";

export interface RowError {
  entity: Entity;
  /** 1-based physical line in the file where the offending record starts (the header's for header problems). */
  line: number;
  /** The column as titled in the file, when one column is at fault. */
  column?: string;
  reason: string;
  /** `line 14, column "Due Date": "31/02/2026" is not a date in DD/MM/YYYY`. */
  message: string;
}

/** The contact person a customer list carries; email and phone both null when the list leaves them empty. */
export interface PrimaryContact {
  name: string;
  email: string | null;
  phone: string | null;
}

// In normalized rows, `undefined` means "the file does not say" (column not mapped, or an empty cell
// where the ledger cannot hold an empty value): an update leaves the stored value alone and an insert
// takes the default. `null` means the file says "empty" and clears the stored value.

export interface NormalizedCustomer {
  line: number;
  externalRef: string;
  name: string;
  currency: string;
  isConsumer?: boolean;
  segment?: Segment | null;
  timezone?: string;
  country?: string | null;
  region?: string | null;
  paymentTermsDays?: number;
  creditLimitMinor?: number | null;
  owner?: string | null;
  strategic?: boolean;
  primaryContact?: PrimaryContact;
}

export interface NormalizedContact {
  line: number;
  customerRef: string;
  /** The source's id, or `email:<address>` / `name:<name>` when the file has no id column. */
  externalRef: string;
  name: string;
  email?: string | null;
  phone?: string | null;
  role?: string | null;
  isPrimary?: boolean;
  preferredChannel?: Channel;
  language?: string;
}

export interface NormalizedInvoice {
  line: number;
  externalRef: string;
  customerRef: string;
  currency: string;
  amountMinor: number;
  /** What the source says is still owed; undefined when the file does not say. */
  openBalanceMinor?: number;
  issueDate: string;
  dueDate: string;
  description?: string | null;
}

export interface NormalizedPayment {
  line: number;
  externalRef: string;
  /** Undefined when the file names no customer (then the paid invoice's customer, or unidentified). */
  customerRef?: string;
  payerName?: string | null;
  payerAccount?: string | null;
  currency: string;
  amountMinor: number;
  receivedOn: string;
  remittanceText?: string | null;
  /** The invoice this payment is applied to in the source, with the applied amount. */
  invoiceRef?: string;
  appliedMinor?: number;
}

export interface NormalizedRowMap {
  customers: NormalizedCustomer;
  contacts: NormalizedContact;
  invoices: NormalizedInvoice;
  payments: NormalizedPayment;
}
export type NormalizedRow = NormalizedRowMap[Entity];

export interface ParseResult<E extends Entity> {
  entity: E;
  rows: NormalizedRowMap[E][];
  errors: RowError[];
  /** The header's line, or null when none was found. */
  headerLine: number | null;
  /** Data rows left out by the mapping's `include` filter or because every cell was empty. */
  skippedRows: number;
  /** ARC field → the column title in this file, for naming columns in later errors. */
  columns: Partial<Record<FieldOf<E>, string>>;
}

export type MappingInput = PresetName | string | MappingDocument | LedgerMapping;

export function formatRowError(error: Pick<RowError, "line" | "column" | "reason">): string {
  return error.column === undefined
    ? `line ${error.line}: ${error.reason}`
    : `line ${error.line}, column "${error.column}": ${error.reason}`;
}

/** Parses one CSV export (text, or bytes decoded with the mapping's encoding). */
export function parseLedgerFile<E extends Entity>(
  entity: E,
  csv: string | Uint8Array,
  mapping: MappingInput,
): ParseResult<E> {
  const section = entityMapping(entity, mapping);
  const text = decode(csv, section.options);
  const delimiter = section.options.delimiter === "auto" ? sniffDelimiter(text) : section.options.delimiter;
  const reader = new LedgerFileReader(entity, section);
  const bytes = Buffer.from(text, "utf8");
  const locator = new LineLocator();
  locator.push(bytes);
  let records: { record: string[]; info: { bytes: number } }[];
  try {
    records = parseCsvSync(bytes, csvOptions(delimiter)) as unknown as typeof records;
  } catch (error) {
    reader.syntaxError(error);
    return reader.finish();
  }
  let previousEnd = 0;
  for (const { record, info } of records) {
    const line = locator.lineOfRecordAt(previousEnd);
    previousEnd = info.bytes;
    reader.record(record, line);
  }
  return reader.finish();
}

/**
 * The same as parseLedgerFile over a stream of chunks (a file read stream, an HTTP body), holding only
 * the parsed rows in memory rather than the file's text.
 */
export async function parseLedgerStream<E extends Entity>(
  entity: E,
  source: AsyncIterable<Uint8Array | string>,
  mapping: MappingInput,
): Promise<ParseResult<E>> {
  const section = entityMapping(entity, mapping);
  const reader = new LedgerFileReader(entity, section);
  const decoder = new TextDecoder(section.options.encoding, { ignoreBOM: !section.options.bom });
  const iterator = source[Symbol.asyncIterator]();
  const locator = new LineLocator();
  // The first chunk decides an "auto" delimiter.
  const first = await iterator.next();
  const firstText = first.done ? "" : chunkText(first.value, decoder, true, section.options);
  const delimiter =
    section.options.delimiter === "auto" ? sniffDelimiter(firstText) : section.options.delimiter;
  const parser = parseCsvStream(csvOptions(delimiter));
  const write = async (textChunk: string) => {
    if (textChunk === "") return;
    const bytes = Buffer.from(textChunk, "utf8");
    locator.push(bytes);
    if (!parser.write(bytes)) await new Promise((resolve) => parser.once("drain", resolve));
  };
  const producer = (async () => {
    await write(firstText);
    if (!first.done) {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        await write(chunkText(next.value, decoder, false, section.options));
      }
      await write(decoder.decode());
    }
    parser.end();
  })();
  producer.catch((error: unknown) => parser.destroy(error as Error));
  let previousEnd = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { bytes: number };
    }>) {
      const line = locator.lineOfRecordAt(previousEnd);
      previousEnd = info.bytes;
      reader.record(record, line);
    }
    await producer;
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    reader.syntaxError(error);
  }
  return reader.finish();
}

function chunkText(
  chunk: Uint8Array | string,
  decoder: TextDecoder,
  isFirst: boolean,
  options: FileOptions,
): string {
  const text = typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
  return isFirst && options.bom ? text.replace(/^\uFEFF/, "") : text;
}

function csvOptions(delimiter: string) {
  return {
    delimiter,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    bom: false,
  } as const;
}

function entityMapping<E extends Entity>(entity: E, mapping: MappingInput): EntityMapping<E> {
  const resolved = loadMapping(mapping);
  const section = resolved[entity] as EntityMapping<E> | undefined;
  if (!section) {
    throw new MappingError([
      {
        path: entity,
        message: `mapping "${resolved.name}" has no ${entity} section, so a ${entity} file cannot be read`,
      },
    ]);
  }
  return section;
}

function decode(csv: string | Uint8Array, options: FileOptions): string {
  const text =
    typeof csv === "string"
      ? csv
      : new TextDecoder(options.encoding, { ignoreBOM: !options.bom }).decode(csv);
  return options.bom ? text.replace(/^\uFEFF/, "") : text;
}

/** Picks the delimiter that occurs most often outside quotes in the first lines. */
export function sniffDelimiter(text: string): "," | ";" | "\t" | "|" {
  const candidates = [",", ";", "\t", "|"] as const;
  const counts = new Map<string, number>(candidates.map((c) => [c, 0]));
  let inQuotes = false;
  let lines = 0;
  for (let i = 0; i < text.length && i < 65_536 && lines < 20; i++) {
    const ch = text[i]!;
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && ch === "\n") lines++;
    else if (!inQuotes && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best: (typeof candidates)[number] = ",";
  for (const c of candidates) if (counts.get(c)! > counts.get(best)!) best = c;
  return best;
}

/**
 * Maps byte offsets to 1-based line numbers, for offsets that only grow (records arrive in order).
 * CRLF, LF and lone CR each end a line. Bytes may be pushed in chunks as a stream delivers them.
 */
class LineLocator {
  private chunks: Uint8Array[] = [];
  private chunkStart = 0; // absolute offset of chunks[0]
  private index = 0; // position inside chunks[0]
  private line = 1;
  private previous = 0;

  push(bytes: Uint8Array): void {
    if (bytes.length > 0) this.chunks.push(bytes);
  }

  /** The line of the first byte at or after `offset` that is not a line break (skipped empty lines). */
  lineOfRecordAt(offset: number): number {
    while (this.chunks.length > 0) {
      const chunk = this.chunks[0]!;
      if (this.index >= chunk.length) {
        this.chunkStart += chunk.length;
        this.chunks.shift();
        this.index = 0;
        continue;
      }
      const byte = chunk[this.index]!;
      const atOrPast = this.chunkStart + this.index >= offset;
      if (atOrPast && byte !== 0x0a && byte !== 0x0d) break;
      if (byte === 0x0d || (byte === 0x0a && this.previous !== 0x0d)) this.line++;
      this.previous = byte;
      this.index++;
    }
    return this.line;
  }
}

// ---------------------------------------------------------------------------------------------
// Record-at-a-time reader.

interface BoundColumn {
  index: number;
  /** The header cell as written in the file. */
  name: string;
}

const HEADER_SEARCH_LIMIT = 50;

class LedgerFileReader<E extends Entity> {
  private readonly errors: RowError[] = [];
  private readonly rows: NormalizedRowMap[E][] = [];
  private readonly seen = new Map<string, NormalizedRowMap[E]>();
  private header: string[] | undefined;
  private headerLine: number | null = null;
  private headerFailed = false;
  private columns = new Map<string, BoundColumn>();
  private includeColumn: BoundColumn | undefined;
  private includeValues: Set<string> | undefined;
  private recordsBeforeHeader = 0;
  private skippedRows = 0;
  private stopped = false;

  constructor(
    private readonly entity: E,
    private readonly mapping: EntityMapping<E>,
  ) {
    if (mapping.include) this.includeValues = new Set(mapping.include.values.map(headerKey));
  }

  record(cells: string[], line: number): void {
    if (this.stopped) return;
    if (this.header === undefined) {
      this.considerHeader(cells, line);
      return;
    }
    if (this.headerFailed) return;
    this.dataRow(cells, line);
  }

  syntaxError(error: unknown): void {
    const csvError = error as CsvError & { lines?: number };
    const reason = `not valid CSV: ${csvError.message.replace(/ at line \d+/, "")}`;
    this.error(csvError.lines ?? 1, undefined, reason);
    this.stopped = true;
  }

  finish(): ParseResult<E> {
    if (this.header === undefined && this.errors.length === 0) {
      const skip = this.mapping.options.skipLines;
      this.error(
        1,
        undefined,
        skip === "auto"
          ? `no header line naming the required columns (${this.requiredColumnList()}) in the first ${HEADER_SEARCH_LIMIT} lines`
          : "the file has no header line",
      );
    }
    return {
      entity: this.entity,
      rows: this.rows,
      columns: Object.fromEntries(
        [...this.columns].map(([field, bound]) => [field, bound.name]),
      ) as ParseResult<E>["columns"],
      errors: this.errors,
      headerLine: this.headerLine,
      skippedRows: this.skippedRows,
    };
  }

  private requiredColumnList(): string {
    const fields = requiredFields(this.entity);
    return fields
      .map((field) => this.mapping.columns[field as FieldOf<E>]?.[0])
      .filter((c): c is string => c !== undefined)
      .map((c) => `"${c}"`)
      .join(", ");
  }

  private considerHeader(cells: string[], line: number): void {
    const skip = this.mapping.options.skipLines;
    if (skip === "auto") {
      this.recordsBeforeHeader++;
      const keys = new Set(cells.map(headerKey));
      const hasAll = requiredFields(this.entity).every((field) =>
        (this.mapping.columns[field as FieldOf<E>] ?? []).some((alt) => keys.has(headerKey(alt))),
      );
      if (!hasAll) {
        if (this.recordsBeforeHeader >= HEADER_SEARCH_LIMIT) {
          this.error(
            1,
            undefined,
            `no header line naming the required columns (${this.requiredColumnList()}) in the first ${HEADER_SEARCH_LIMIT} lines`,
          );
          this.stopped = true;
        }
        return;
      }
    } else if (line <= skip) {
      return;
    }
    this.bindHeader(cells, line);
  }

  private bindHeader(cells: string[], line: number): void {
    this.header = cells;
    this.headerLine = line;
    const positions = new Map<string, number[]>();
    cells.forEach((cell, index) => {
      const key = headerKey(cell);
      if (key === "") return;
      positions.set(key, [...(positions.get(key) ?? []), index]);
    });
    const bind = (alternatives: string[]): BoundColumn | "duplicate" | undefined => {
      for (const alt of alternatives) {
        const found = positions.get(headerKey(alt));
        if (!found) continue;
        if (found.length > 1) return "duplicate";
        return { index: found[0]!, name: cells[found[0]!]!.trim() };
      }
      return undefined;
    };
    const required = new Set<string>(requiredFields(this.entity));
    for (const [field, alternatives] of Object.entries(this.mapping.columns) as [string, string[]][]) {
      const bound = bind(alternatives);
      if (bound === "duplicate") {
        this.headerError(
          line,
          `column "${alternatives.find((a) => positions.has(headerKey(a)))}" appears more than once in the header`,
        );
      } else if (bound) {
        this.columns.set(field, bound);
      } else if (required.has(field)) {
        this.headerError(line, `missing required column ${describeAlternatives(alternatives)}`);
      }
    }
    if (this.entity !== "contacts" && !this.columns.has("currency") && !this.mapping.options.currency) {
      const alternatives = this.mapping.columns["currency" as FieldOf<E>];
      this.headerError(
        line,
        alternatives
          ? `missing required column ${describeAlternatives(alternatives)} (or set options.currency)`
          : "no currency: map a currency column or set options.currency",
      );
    }
    if (this.mapping.include) {
      const bound = bind(this.mapping.include.column);
      if (bound === "duplicate" || bound === undefined) {
        this.headerError(
          line,
          `missing column ${describeAlternatives(this.mapping.include.column)} that rows are filtered on`,
        );
      } else {
        this.includeColumn = bound;
      }
    }
    if (this.entity === "contacts") {
      const named = ["name", "firstName", "lastName", "email"].some((f) => this.columns.has(f));
      if (!named) {
        const alts = ["name", "email"].flatMap((f) => this.mapping.columns[f as FieldOf<E>] ?? []);
        this.headerError(line, `missing a name or email column ${describeAlternatives(alts)}`);
      }
    }
  }

  private headerError(line: number, reason: string): void {
    this.headerFailed = true;
    this.error(line, undefined, reason);
  }

  private dataRow(cells: string[], line: number): void {
    if (this.includeColumn && this.includeValues) {
      const value = headerKey(cells[this.includeColumn.index] ?? "");
      if (!this.includeValues.has(value)) {
        this.skippedRows++;
        return;
      }
    }
    if (cells.every((cell) => cell.trim() === "")) {
      this.skippedRows++;
      return;
    }
    const width = this.header!.length;
    if (cells.length !== width) {
      const extraEmpty = cells.length > width && cells.slice(width).every((c) => c.trim() === "");
      if (!extraEmpty) {
        this.error(line, undefined, `has ${cells.length} fields but the header has ${width}`);
        return;
      }
    }
    const row = new RowReader(this, cells, line);
    const normalized = NORMALIZERS[this.entity](row, this.mapping.options) as NormalizedRowMap[E] | undefined;
    if (!normalized || row.failed) return;
    this.keep(normalized, row);
  }

  private keep(row: NormalizedRowMap[E], reader: RowReader<E>): void {
    const key = duplicateKey(this.entity, row);
    const first = this.seen.get(key);
    if (!first) {
      this.seen.set(key, row);
      this.rows.push(row);
      return;
    }
    if (this.entity === "invoices" && this.mapping.lineItems) {
      this.mergeLine(first as NormalizedInvoice, row as NormalizedInvoice, reader);
      return;
    }
    const refColumn = this.columns.get("externalRef")?.name;
    const what = this.entity.slice(0, -1);
    const label =
      this.entity === "contacts"
        ? `contact "${(row as NormalizedContact).externalRef}" of customer "${(row as NormalizedContact).customerRef}"`
        : `${what} "${(row as { externalRef: string }).externalRef}"`;
    this.error(row.line, refColumn, `duplicate ${label} (first on line ${first.line})`);
  }

  /** Invoice lines of one invoice must agree on everything that describes the invoice as a whole. */
  private mergeLine(first: NormalizedInvoice, line: NormalizedInvoice, reader: RowReader<E>): void {
    const money = (v: number | undefined) => (v === undefined ? "(empty)" : formatAmount(v, first.currency));
    const checks: [FieldOf<"invoices">, unknown, unknown, (v: never) => string][] = [
      ["customerRef", first.customerRef, line.customerRef, String],
      ["currency", first.currency, line.currency, String],
      ["amount", first.amountMinor, line.amountMinor, money],
      ["openBalance", first.openBalanceMinor, line.openBalanceMinor, money],
      ["paidAmount", paidOf(first), paidOf(line), money],
      ["issueDate", first.issueDate, line.issueDate, String],
      ["dueDate", first.dueDate, line.dueDate, String],
    ];
    for (const [field, a, b, show] of checks) {
      if (a === b || !this.columns.has(field)) continue;
      reader.fail(
        field as FieldOf<E>,
        `invoice "${first.externalRef}" has ${show(b as never)} here but ${show(a as never)} on line ${first.line} (lines of one invoice must agree)`,
      );
    }
    if ((first.description === null || first.description === undefined) && line.description) {
      first.description = line.description;
    }
  }

  column(field: string): BoundColumn | undefined {
    return this.columns.get(field);
  }

  error(line: number, column: string | undefined, reason: string): void {
    const base = column === undefined ? { line, reason } : { line, column, reason };
    this.errors.push({ entity: this.entity, ...base, message: formatRowError(base) });
  }
}

function paidOf(invoice: NormalizedInvoice): number | undefined {
  return invoice.openBalanceMinor === undefined ? undefined : invoice.amountMinor - invoice.openBalanceMinor;
}

function describeAlternatives(alternatives: string[]): string {
  const [first, ...rest] = alternatives;
  return rest.length === 0 ? `"${first}"` : `"${first}" (or ${rest.map((a) => `"${a}"`).join(", ")})`;
}

function requiredFields(entity: Entity): readonly string[] {
  return ENTITY_FIELDS[entity].required;
}

function duplicateKey(entity: Entity, row: NormalizedRow): string {
  if (entity === "contacts") {
    const contact = row as NormalizedContact;
    return `${contact.customerRef}\u0000${contact.externalRef}`;
  }
  return (row as { externalRef: string }).externalRef;
}

// ---------------------------------------------------------------------------------------------
// Cell readers: each pushes a `line, column: reason` error and returns undefined when a value is bad.

class RowReader<E extends Entity> {
  failed = false;

  constructor(
    private readonly file: LedgerFileReader<E>,
    private readonly cells: string[],
    readonly line: number,
  ) {}

  has(field: string): boolean {
    return this.file.column(field) !== undefined;
  }

  fail(field: FieldOf<E> | undefined, reason: string): undefined {
    this.failed = true;
    this.file.error(this.line, field === undefined ? undefined : this.file.column(field)?.name, reason);
    return undefined;
  }

  /** The trimmed cell; undefined when the field's column is not in the file. */
  raw(field: string): string | undefined {
    const column = this.file.column(field);
    if (!column) return undefined;
    return (this.cells[column.index] ?? "").trim();
  }

  /** undefined: not in the file; null: empty cell. */
  text(field: string): string | null | undefined {
    const value = this.raw(field);
    if (value === undefined) return undefined;
    return value === "" ? null : value;
  }

  required(field: string): string | undefined {
    const value = this.raw(field);
    if (value === undefined || value === "") {
      return this.fail(field as FieldOf<E>, "required value is empty");
    }
    return value;
  }

  currency(options: FileOptions): string | undefined {
    const cell = this.raw("currency");
    const value = cell ? cell.toUpperCase() : options.currency;
    if (!value) return this.fail("currency" as FieldOf<E>, "no currency in this row and no options.currency");
    if (!isKnownCurrency(value))
      return this.fail("currency" as FieldOf<E>, `"${cell}" is not an ISO 4217 currency code`);
    return value;
  }

  /** Minor units; null for an empty cell. */
  money(
    field: string,
    currency: string | undefined,
    options: FileOptions,
    rule: "positive" | "nonnegative",
  ): number | null | undefined {
    const value = this.raw(field);
    if (value === undefined || value === "") return value === "" ? null : undefined;
    if (!currency) return undefined; // the currency error is already reported
    let minor: number;
    try {
      minor = parseMoney(value, currency, { decimalSeparator: options.decimalSeparator });
    } catch (error) {
      return this.fail(field as FieldOf<E>, (error as Error).message);
    }
    if (options.amountSign === "negative" && field !== "creditLimit") minor = -minor;
    const sign =
      options.amountSign === "negative" && field !== "creditLimit" ? " (amounts are read as negatives)" : "";
    if (rule === "positive" && minor <= 0) {
      return this.fail(field as FieldOf<E>, `"${value}" must be more than zero${sign}`);
    }
    if (rule === "nonnegative" && minor < 0) {
      return this.fail(field as FieldOf<E>, `"${value}" must not be negative${sign}`);
    }
    return minor;
  }

  date(field: string, format: DateFormat, required: boolean): string | null | undefined {
    const value = required ? this.required(field) : this.raw(field);
    if (value === undefined || value === "") return value === "" ? null : undefined;
    const iso = parseDate(value, format);
    if (!iso) return this.fail(field as FieldOf<E>, `"${value}" is not a date in ${format}`);
    return iso;
  }

  bool(field: string): boolean | undefined {
    const value = this.raw(field);
    if (value === undefined || value === "") return undefined;
    const key = value.toLowerCase();
    if (TRUE.has(key)) return true;
    if (FALSE.has(key)) return false;
    return this.fail(field as FieldOf<E>, `"${value}" is not yes/no (true/false, 1/0)`);
  }
}

const TRUE = new Set(["true", "yes", "y", "1", "t", "x"]);
const FALSE = new Set(["false", "no", "n", "0", "f"]);

const DATE_PATTERNS: Record<DateFormat, { regex: RegExp; order: [number, number, number] }> = {
  // order: indexes of year, month, day in the match groups
  "YYYY-MM-DD": { regex: /^(\d{4})-(\d{1,2})-(\d{1,2})$/, order: [1, 2, 3] },
  "MM/DD/YYYY": { regex: /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/, order: [3, 1, 2] },
  "DD/MM/YYYY": { regex: /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/, order: [3, 2, 1] },
  "DD.MM.YYYY": { regex: /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/, order: [3, 2, 1] },
};
/** A midnight time some exports append to dates ("2026-03-01T00:00:00", "03/01/2026 0:00"). */
const TIME_SUFFIX = /[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** A calendar date in `format` → "YYYY-MM-DD", or undefined when it is malformed or not a real date. */
export function parseDate(text: string, format: DateFormat): string | undefined {
  const pattern = DATE_PATTERNS[format];
  const match = pattern.regex.exec(text.replace(TIME_SUFFIX, ""));
  if (!match) return undefined;
  const year = Number(match[pattern.order[0]]);
  const month = Number(match[pattern.order[1]]);
  const day = Number(match[pattern.order[2]]);
  if (year < 1900 || year > 2999 || month < 1 || month > 12 || day < 1) return undefined;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return undefined;
  return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

export function isTimeZone(value: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(value)) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/**
 * "Net 30" → 30, "30" → 30, "Due on receipt" → 0. With a basis column (Xero's DueDateSalesTerm), only
 * "days after" terms are a day count; the others ("of the following month") yield undefined.
 */
export function parsePaymentTerms(text: string, basis?: string | null): number | undefined | "invalid" {
  if (basis) {
    const b = basis.toLowerCase().replace(/[\s_]/g, "");
    if (!(b === "daysafter" || b === "daysafterbilldate" || b === "daysafterinvoicedate")) return undefined;
  }
  const t = text.trim().toLowerCase();
  if (/^(due on receipt|due upon receipt|on receipt|immediate|cod|cash on delivery)$/.test(t)) return 0;
  const net = /^net\s*(\d{1,3})(\s*days?)?$/.exec(t) ?? /^(\d{1,3})(\s*days?)?$/.exec(t);
  if (net) return Number(net[1]);
  const within = /\bnet\s*(\d{1,3})\b/.exec(t); // "2% 10 Net 30"
  if (within) return Number(within[1]);
  return "invalid";
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

type Normalizer = (row: RowReader<Entity>, options: FileOptions) => NormalizedRow | undefined;

const NORMALIZERS: Record<Entity, Normalizer> = {
  customers(row, options) {
    const externalRef = row.required("externalRef");
    const name = row.required("name");
    const currency = row.currency(options);
    const customer: Partial<NormalizedCustomer> = { line: row.line };
    const isConsumer = row.bool("isConsumer");
    if (isConsumer !== undefined) customer.isConsumer = isConsumer;
    const strategic = row.bool("strategic");
    if (strategic !== undefined) customer.strategic = strategic;
    const segment = row.text("segment");
    if (segment !== undefined) {
      const value = segment?.toLowerCase() ?? null;
      if (value !== null && !(SEGMENTS as readonly string[]).includes(value)) {
        row.fail("segment", `"${segment}" is not a segment (${SEGMENTS.join(", ")})`);
      } else {
        customer.segment = value as Segment | null;
      }
    }
    const timezone = row.text("timezone");
    if (timezone) {
      if (isTimeZone(timezone)) customer.timezone = timezone;
      else row.fail("timezone", `"${timezone}" is not an IANA time zone (e.g. "America/New_York")`);
    }
    for (const field of ["country", "region", "owner"] as const) {
      const value = row.text(field);
      if (value !== undefined) customer[field] = value;
    }
    const terms = row.text("paymentTerms");
    if (terms) {
      const days = parsePaymentTerms(terms, row.text("paymentTermsBasis"));
      if (days === "invalid")
        row.fail("paymentTerms", `"${terms}" is not a payment term in days (e.g. "Net 30")`);
      else if (days !== undefined) customer.paymentTermsDays = days;
    }
    const creditLimit = row.money("creditLimit", currency, options, "nonnegative");
    if (creditLimit !== undefined) customer.creditLimitMinor = creditLimit;
    const email = row.text("email");
    const phone = row.text("phone");
    if (email && !EMAIL.test(email)) row.fail("email", `"${email}" is not an email address`);
    if (phone && !isPhone(phone)) row.fail("phone", `"${phone}" is not a phone number`);
    const personName =
      row.text("contactName") ||
      [row.text("contactFirstName"), row.text("contactLastName")].filter(Boolean).join(" ") ||
      null;
    // Stated even when both are empty, so a later list that clears them clears the stored contact.
    if (email !== undefined || phone !== undefined) {
      customer.primaryContact = {
        name: personName ?? name ?? "",
        email: email ?? null,
        phone: phone ?? null,
      };
    }
    if (!externalRef || !name || !currency) return undefined;
    return { ...customer, externalRef, name, currency } as NormalizedCustomer;
  },

  contacts(row) {
    const customerRef = row.required("customerRef");
    const email = row.text("email");
    const phone = row.text("phone");
    if (email && !EMAIL.test(email)) row.fail("email", `"${email}" is not an email address`);
    if (phone && !isPhone(phone)) row.fail("phone", `"${phone}" is not a phone number`);
    const name =
      row.text("name") || [row.text("firstName"), row.text("lastName")].filter(Boolean).join(" ") || email;
    if (!name) {
      row.fail(row.has("name") ? "name" : undefined, "a contact needs a name or an email address");
    }
    const contact: Partial<NormalizedContact> = { line: row.line };
    if (email !== undefined) contact.email = email;
    if (phone !== undefined) contact.phone = phone;
    const role = row.text("role");
    if (role !== undefined) contact.role = role;
    const isPrimary = row.bool("isPrimary");
    if (isPrimary !== undefined) contact.isPrimary = isPrimary;
    const channel = row.text("preferredChannel");
    if (channel) {
      const value = channel.toLowerCase();
      if ((CHANNELS as readonly string[]).includes(value)) contact.preferredChannel = value as Channel;
      else row.fail("preferredChannel", `"${channel}" is not a channel (${CHANNELS.join(", ")})`);
    }
    const language = row.text("language");
    if (language) {
      if (LANGUAGE.test(language)) contact.language = language;
      else row.fail("language", `"${language}" is not a language tag (e.g. "en", "fr-CA")`);
    }
    if (!customerRef || !name) return undefined;
    const externalRef = row.text("externalRef") ?? (email ? `email:${email.toLowerCase()}` : `name:${name}`);
    return { ...contact, customerRef, externalRef, name } as NormalizedContact;
  },

  invoices(row, options) {
    const externalRef = row.required("externalRef");
    const customerRef = row.required("customerRef");
    const currency = row.currency(options);
    const amount = row.money("amount", currency, options, "positive");
    if (amount === null) row.fail("amount", "required value is empty");
    const issueDate = row.date("issueDate", options.dateFormat, true);
    const dueDate = row.date("dueDate", options.dateFormat, true);
    if (issueDate && dueDate && dueDate < issueDate) {
      row.fail("dueDate", `due date ${dueDate} is before the invoice date ${issueDate}`);
    }
    let openBalance: number | undefined;
    const open = row.money("openBalance", currency, options, "nonnegative");
    const paid = row.money("paidAmount", currency, options, "nonnegative");
    if (typeof amount === "number" && currency) {
      if (typeof open === "number") {
        if (open > amount) {
          row.fail(
            "openBalance",
            `open balance ${formatAmount(open, currency)} is more than the invoice amount ${formatAmount(amount, currency)}`,
          );
        } else openBalance = open;
      } else if (typeof paid === "number") {
        if (paid > amount) {
          row.fail(
            "paidAmount",
            `paid ${formatAmount(paid, currency)} is more than the invoice amount ${formatAmount(amount, currency)}`,
          );
        } else openBalance = amount - paid;
      }
    }
    const description = row.text("description");
    if (!externalRef || !customerRef || !currency || typeof amount !== "number" || !issueDate || !dueDate) {
      return undefined;
    }
    const invoice: NormalizedInvoice = {
      line: row.line,
      externalRef,
      customerRef,
      currency,
      amountMinor: amount,
      issueDate,
      dueDate,
    };
    if (openBalance !== undefined) invoice.openBalanceMinor = openBalance;
    if (description !== undefined) invoice.description = description;
    return invoice;
  },

  payments(row, options) {
    const externalRef = row.required("externalRef");
    if (externalRef?.startsWith(OPENING_REF_PREFIX)) {
      row.fail(
        "externalRef",
        `"${externalRef}": references starting "${OPENING_REF_PREFIX}" are reserved for opening balances`,
      );
    }
    const currency = row.currency(options);
    const amount = row.money("amount", currency, options, "positive");
    if (amount === null) row.fail("amount", "required value is empty");
    const receivedOn = row.date("receivedOn", options.dateFormat, true);
    const payment: Partial<NormalizedPayment> = { line: row.line };
    const customerRef = row.text("customerRef");
    if (customerRef) payment.customerRef = customerRef;
    for (const field of ["payerName", "payerAccount", "remittanceText"] as const) {
      const value = row.text(field);
      if (value !== undefined) payment[field] = value;
    }
    const invoiceRef = row.text("invoiceRef");
    const applied = row.money("appliedAmount", currency, options, "positive");
    if (invoiceRef) {
      payment.invoiceRef = invoiceRef;
      if (typeof amount === "number" && currency) {
        const appliedMinor = typeof applied === "number" ? applied : amount;
        if (appliedMinor > amount) {
          row.fail(
            "appliedAmount",
            `applied ${formatAmount(appliedMinor, currency)} is more than the payment ${formatAmount(amount, currency)}`,
          );
        }
        payment.appliedMinor = appliedMinor;
      }
    } else if (typeof applied === "number") {
      row.fail("appliedAmount", "an applied amount needs the invoice it was applied to");
    }
    if (!externalRef || !currency || typeof amount !== "number" || !receivedOn) return undefined;
    return { ...payment, externalRef, currency, amountMinor: amount, receivedOn } as NormalizedPayment;
  },
};

function isPhone(value: string): boolean {
  return /^[+()\d\s.\-/x]+$/i.test(value) && (value.match(/\d/g)?.length ?? 0) >= 5;
}
