// Helpers every bank-file parser shares: decoding, dates, amounts, text clean-up, totals, fingerprints.
import { createHash } from "node:crypto";
import { TextDecoder } from "node:util";
import { currencyExponent, formatAmount, isKnownCurrency, parseMoney } from "../../db/money.ts";
import {
  BankFileError,
  type BankFileFormat,
  type BankStatement,
  type BankTransaction,
  type DraftStatement,
} from "./types.ts";

/** Bytes → text: UTF-8 (BOM stripped); an XML prolog's ISO-8859-1 / windows-1252, or invalid UTF-8, as windows-1252. */
export function decodeContent(content: string | Uint8Array): string {
  if (typeof content === "string") return content.replace(/^\uFEFF/, "");
  const head = Buffer.from(content.subarray(0, 200)).toString("latin1");
  const declared = /^\s*<\?xml[^>]*encoding=["']([^"']+)["']/i.exec(head)?.[1]?.toLowerCase();
  if (declared && /^(iso-8859-1|iso-8859-15|latin-?1|windows-1252|cp1252)$/.test(declared)) {
    return new TextDecoder("windows-1252").decode(content);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(content).replace(/^\uFEFF/, "");
  } catch {
    // MT940 and BAI2 files from older bank systems are often Latin-1 / windows-1252.
    return new TextDecoder("windows-1252").decode(content);
  }
}

/** Physical lines (CRLF, LF or lone CR). */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** "YYYY-MM-DD" when the parts make a real calendar date, else undefined. */
export function isoDate(year: number, month: number, day: number): string | undefined {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return undefined;
  if (month < 1 || month > 12 || day < 1) return undefined;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** Two-digit years: 00–69 → 2000s, 70–99 → 1900s (bank formats from the 1980s onwards). */
export function fullYear(yy: number): number {
  return yy < 70 ? 2000 + yy : 1900 + yy;
}

/** YYMMDD → YYYY-MM-DD, or undefined when it is not a date. */
export function yymmdd(text: string): string | undefined {
  const m = /^(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) return undefined;
  return isoDate(fullYear(Number(m[1])), Number(m[2]), Number(m[3]));
}

/** "YYYY-MM-DD" or an ISO date-time ("2025-03-14T10:15:00+01:00") → the calendar date as written. */
export function isoDateOf(text: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:$|T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?$)/.exec(
    text.trim(),
  );
  if (!m) return undefined;
  return isoDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

/**
 * A decimal amount in a bank file ("1234,56", "8.85", "500") → minor units of `currency`, by string
 * manipulation (db/money.ts). Throws a reason string's Error when it is not an unsigned decimal or has
 * more decimals than the currency allows.
 */
export function decimalToMinor(text: string, currency: string, decimal: "." | ","): number {
  const pattern = decimal === "," ? /^\d+(,\d*)?$/ : /^\d+(\.\d*)?$/;
  if (!pattern.test(text)) throw new Error(`amount "${text}" is not a number`);
  try {
    return parseMoney(text, currency, { decimalSeparator: decimal });
  } catch (error) {
    throw new Error(`amount "${text}" ${(error as Error).message.replace(/^"[^"]*" /, "")}`);
  }
}

export function checkCurrency(code: string): string | undefined {
  const upper = code.trim().toUpperCase();
  return /^[A-Z]{3}$/.test(upper) && isKnownCurrency(upper) ? upper : undefined;
}

/** Whitespace collapsed and trimmed; empty → null. */
export function clean(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  const out = text.replace(/\s+/g, " ").trim();
  return out === "" ? null : out;
}

/** A reference, with the formats' "no reference" placeholders → null. */
export function cleanReference(text: string | null | undefined): string | null {
  const out = clean(text);
  if (out === null) return null;
  return /^(NONREF|NOTPROVIDED|NOT PROVIDED|NONE)$/i.test(out) ? null : out;
}

/** An account number or IBAN: spaces removed, upper case; empty → null. */
export function cleanAccount(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  const out = text.replace(/\s+/g, "").toUpperCase();
  return out === "" ? null : out;
}

/** Remittance parts joined with " / " (blank parts and exact repeats dropped); none → null. */
export function joinRemittance(parts: (string | null | undefined)[]): string | null {
  const seen: string[] = [];
  for (const part of parts) {
    const c = clean(part);
    if (c !== null && !seen.includes(c)) seen.push(c);
  }
  return seen.length === 0 ? null : seen.join(" / ");
}

export function uniqueStrings(values: (string | null | undefined)[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    const c = clean(v);
    if (c !== null && !out.includes(c)) out.push(c);
  }
  return out;
}

export function money(minor: number | bigint, currency: string): string {
  return `${formatAmount(Number(minor), currency)} ${currency}`;
}

export { currencyExponent };

/**
 * Control totals: with verification on (the default) a mismatch throws; off, it becomes a warning.
 */
export class Totals {
  readonly warnings: string[] = [];
  constructor(
    private readonly format: BankFileFormat,
    private readonly verify: boolean,
  ) {}

  mismatch(location: string | null, reason: string): void {
    const error = new BankFileError(this.format, location, reason);
    if (this.verify) throw error;
    this.warnings.push(error.message);
  }
}

// ---------------------------------------------------------------------------------------------
// Fingerprints. See the header of index.ts for what they promise and where that stops.

/** Remittance reduced to upper-case letters and digits, so line wrapping and separators do not matter. */
export function normalizeRemittance(text: string | null): string {
  return (text ?? "").toUpperCase().replace(/[^0-9A-Z]/g, "");
}

export function finishStatement(statement: DraftStatement): BankStatement {
  const account = cleanAccount(statement.account) ?? "";
  const occurrences = new Map<string, number>();
  const transactions: BankTransaction[] = statement.transactions.map((tx) => {
    const key = JSON.stringify([
      account,
      tx.date,
      tx.amountMinor,
      tx.currency,
      tx.bankReference ?? "",
      tx.reference ?? "",
      tx.counterpartyAccount ?? "",
      normalizeRemittance(tx.remittance),
    ]);
    const occurrence = occurrences.get(key) ?? 0;
    occurrences.set(key, occurrence + 1);
    const fingerprint = createHash("sha256").update(`${key}#${occurrence}`).digest("hex");
    return { ...tx, fingerprint };
  });
  return { ...statement, transactions };
}
