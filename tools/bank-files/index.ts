// Bank statement files → statements of transactions, for cash application. Pure: no database, no I/O.
//
//   const parsed = parseBankFile(bytes, { fileName: "stmt.xml" });       // format detected
//   const csv = parseBankFile(text, { format: "csv", csv: parseCsvBankMapping(mappingText) });
//
// Formats (each parser's header has the details):
//   - camt.052 / camt.053 / camt.054 (ISO 20022 XML, any version; camt.ts): one statement per
//     Rpt / Stmt / Ntfctn; one transaction per entry, or per TxDtls of a batch entry whose TxDtls carry
//     amounts.
//   - bai2 (BAI version 2; bai2.ts): one statement per 03 account; 16 details with their 88
//     continuations; amounts in the currency's minor unit (implied decimals).
//   - mt940 (SWIFT; mt940.ts): one statement per :20: … :62F:; :61: lines with their :86: information,
//     including the German ?20 / SEPA-keyword, slash-keyed /EREF/ /REMI/ and ING /CNTP/ variants.
//   - csv (csv.ts): any bank export, through a CsvBankMapping (JSON or YAML, parseCsvBankMapping).
// Every amount is integer minor units of an ISO 4217 currency (db/money.ts exponents: JPY 0, BHD 3),
// parsed from its decimal text without floating point; credits positive, debits negative.
//
// Error contract: malformed input throws BankFileError(format, location, reason), message
// `${format}: ${location}: ${reason}`, where location is "line 14 (record 16)" (BAI2), "line 9 (:61:)"
// (MT940), an element path "Document/BkToCstmrStmt/Stmt[0]/Ntry[2]/Amt" (camt, indexes 0-based) or
// `line 5, column "Amount"` (CSV). Nothing is returned partially: the whole file parses or it throws.
// Control totals are verified (BAI2 49/98/99 totals and record counts; MT940 opening + lines = closing;
// camt.053 balances, TxsSummry and batch sums); `verifyTotals: false` turns mismatches into `warnings`
// (some public sample files carry hand-edited, inconsistent trailers). An empty file, an unknown
// currency, or a file in no known format throws.
//
// Fingerprint: hex SHA-256 of [own account (spaces removed, upper case), booking date, amountMinor,
// currency, bankReference ?? "", reference ?? "", counterpartyAccount ?? "", remittance reduced to
// upper-case letters and digits] plus an occurrence counter among the transactions of the same
// statement with that identical tuple (0, 1, …). So re-importing a file, or a later statement that
// overlaps an earlier one (camt.052 intraday then camt.053; two MT940 statements covering the same
// day), gives a transaction the fingerprint it had, while two genuinely identical transfers on one day
// stay two. Limits: (1) a bank that reports the same booking differently in two files (another
// remittance wording or line wrapping beyond letters/digits, a bank reference only in the final
// statement, a pending entry that books on another date) yields two fingerprints — the matcher must
// still treat same-day same-amount pairs as possible duplicates; (2) fingerprints are not comparable
// across formats (a camt and an MT940 of the same account carry different references and account
// spellings); (3) identical tuples split across two overlapping statements get their counters per
// statement, so two identical transfers of which only the second appears in a later file collide with
// the first; (4) the statement's own account is part of it, so a transaction moved to another
// statement account is another transaction.
import { parseBai2 } from "./bai2.ts";
import { type CamtFormat, camtFormatOf, parseCamt } from "./camt.ts";
import { decodeContent, finishStatement } from "./common.ts";
import { looksLikeCsv, parseCsv } from "./csv.ts";
import { parseMt940 } from "./mt940.ts";
import {
  BANK_FILE_FORMATS,
  BankFileError,
  type BankFileFormat,
  type DraftStatement,
  type ParseBankFileOptions,
  type ParsedBankFile,
} from "./types.ts";

export { parseCsvBankMapping, validateCsvMapping } from "./csv.ts";
export * from "./types.ts";

const MT940_HINT = /(^|\{4:\s*)(:20:)/m;

/** The format of a bank file's text, or null when it is none of them. */
export function detectBankFileFormat(content: string, fileName?: string): BankFileFormat | null {
  const text = content.replace(/^\uFEFF/, "");
  if (text.trim() === "") return null;
  if (/^\s*</.test(text)) return camtFormatOf(text);
  if (MT940_HINT.test(text) && /^:25:/m.test(text) && /^:6[02][FM]?:/m.test(text)) return "mt940";
  const firstLine = text.split(/\r\n|\r|\n/).find((l) => l.trim() !== "") ?? "";
  if (/^\s*01,/.test(firstLine) && /(^|\/\s*)(02|99),/m.test(text)) return "bai2";
  if (looksLikeCsv(text)) return "csv";
  if (fileName && /\.(csv|tsv)$/i.test(fileName) && text.split(/\r\n|\r|\n/).length > 1) return "csv";
  return null;
}

/** Parses a bank file (text or bytes), detecting its format unless `options.format` says it. */
export function parseBankFile(
  content: string | Uint8Array,
  options: ParseBankFileOptions = {},
): ParsedBankFile {
  const text = decodeContent(content);
  const format = options.format ?? null;
  if (format !== null && !BANK_FILE_FORMATS.includes(format)) {
    throw new BankFileError(
      null,
      null,
      `unknown format "${format}" (known: ${BANK_FILE_FORMATS.join(", ")})`,
    );
  }
  if (text.trim() === "") throw new BankFileError(format, null, "the file is empty");
  const resolved = format ?? detectBankFileFormat(text, options.fileName);
  if (resolved === null) {
    throw new BankFileError(
      null,
      null,
      `not a bank file in a known format (${BANK_FILE_FORMATS.join(", ")}); ` +
        "a CSV needs a header row and a column mapping",
    );
  }
  const verify = options.verifyTotals ?? true;
  let result: { statements: DraftStatement[]; warnings?: string[] };
  switch (resolved) {
    case "bai2":
      result = parseBai2(text, verify);
      break;
    case "mt940":
      result = parseMt940(text, verify);
      break;
    case "csv":
      result = parseCsv(text, options.csv);
      break;
    default:
      result = parseCamt(text, resolved as CamtFormat, verify);
  }
  return {
    format: resolved,
    statements: result.statements.map(finishStatement),
    warnings: result.warnings ?? [],
  };
}
