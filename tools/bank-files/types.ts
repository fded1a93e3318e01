// The bank-file data model and error type shared by every parser (re-exported by index.ts).
import type { DateFormat } from "../ledger-import/mapping.ts";

export const BANK_FILE_FORMATS = ["camt.052", "camt.053", "camt.054", "bai2", "mt940", "csv"] as const;
export type BankFileFormat = (typeof BANK_FILE_FORMATS)[number];

export interface BankTransaction {
  /** Booking date YYYY-MM-DD (value date when the format has no booking date). */
  date: string;
  valueDate: string | null;
  /** Signed integer minor units of `currency`: credit (money in) positive, debit negative. */
  amountMinor: number;
  /** ISO 4217. */
  currency: string;
  /** Money in / out; a return or reversal keeps the sign of its own booking. */
  direction: "credit" | "debit";
  /** A returned / reversed payment (camt RvslInd or return codes, BAI2 return type codes, MT940 RC/RD or return codes). */
  isReturn: boolean;
  /** Payer (for credits) or payee (for debits) name. */
  counterparty: string | null;
  /** IBAN or account number, spaces removed, upper case. */
  counterpartyAccount: string | null;
  /** Customer / end-to-end reference ("NOTPROVIDED" / "NONREF" → null). */
  reference: string | null;
  /** The bank's own reference (camt AcctSvcrRef, BAI2 bank reference, MT940 "//" reference). */
  bankReference: string | null;
  /** All remittance text the format carries, joined with " / ". */
  remittance: string | null;
  /** Structured references only (camt CdtrRefInf/Ref and RfrdDocInf/Nb; BAI2/MT940 EREF, /INV/ ...). */
  structuredReferences: string[];
  /** BAI2 type code, MT940 transaction type id ("NTRF"), camt domain/family/subfamily or proprietary code. */
  typeCode: string | null;
  /** Charges the file states for this transaction (camt Chrgs), minor units of `currency`, else null. */
  chargesMinor: number | null;
  /** The instructed amount before currency conversion when the file states one, else null. */
  original: { amountMinor: number; currency: string } | null;
  /**
   * Addition: the bank's own descriptive text that is not remittance (MT940 :61: supplementary details
   * and German ?00 posting text, camt AddtlNtryInf / AddtlTxInf), else null.
   */
  bookingText: string | null;
  /**
   * Addition: false for camt entries whose status is not BOOK (pending or information-only entries of an
   * intraday camt.052 or a camt.054); true for everything else (line formats only carry booked items).
   */
  booked: boolean;
  /** Where it came from: 1-based line (line formats) or element path (XML). */
  location: string;
  /** Stable id of this transaction independent of which statement/file it arrived in. */
  fingerprint: string;
}

export interface BankStatement {
  /** IBAN / account number as the file gives it, spaces removed. */
  account: string;
  currency: string;
  statementId: string | null;
  fromDate: string | null;
  toDate: string | null;
  openingBalanceMinor: number | null;
  closingBalanceMinor: number | null;
  transactions: BankTransaction[];
}

export interface ParsedBankFile {
  format: BankFileFormat;
  statements: BankStatement[];
  /**
   * Addition: control-total mismatches that were tolerated because the caller passed
   * `verifyTotals: false` (each worded like the BankFileError it would otherwise have been). Empty
   * when totals were verified (a mismatch then throws).
   */
  warnings: string[];
}

export interface CsvBankMapping {
  /** Columns by header name; matched ignoring case and surrounding/repeated whitespace. */
  date: string;
  /** A signed amount column, or `credit` and/or `debit` columns (money in / money out). */
  amount?: string;
  credit?: string;
  debit?: string;
  currency?: string;
  counterparty?: string;
  counterpartyAccount?: string;
  reference?: string;
  /** One column or several, joined with " / ". */
  remittance?: string | string[];
  valueDate?: string;
  bankReference?: string;
  /** Column with the own account (else options.account). */
  account?: string;
  options?: {
    dateFormat?: DateFormat;
    decimal?: "." | ",";
    delimiter?: "," | ";" | "\t" | "|" | "auto";
    /** Currency when there is no currency column, or its cell is empty. */
    currency?: string;
    /** The own account when there is no account column. */
    account?: string;
    /** Addition: lines before the header row (report titles some banks print). Default 0. */
    skipLines?: number;
  };
}

export interface ParseBankFileOptions {
  /** Skip detection and parse as this format (`--format`). */
  format?: BankFileFormat;
  /** Required for CSV. */
  csv?: CsvBankMapping;
  /** Only a hint for detection (e.g. "statement.csv"). */
  fileName?: string;
  /**
   * Addition, default true: check control totals (BAI2 trailers, MT940 and camt.053 balances, camt
   * TxsSummry, batch sums) and throw on a mismatch. false: report mismatches in `warnings` instead —
   * for files known to carry wrong trailers (several public samples do).
   */
  verifyTotals?: boolean;
}

/**
 * Malformed input. `location` is a 1-based line with its record/tag (line formats), an XML element
 * path, or a CSV line and column; message: `${format ?? "bank file"}: ${location}: ${reason}`.
 */
export class BankFileError extends Error {
  constructor(
    readonly format: BankFileFormat | null,
    readonly location: string | null,
    readonly reason: string,
  ) {
    super(
      location === null
        ? `${format ?? "bank file"}: ${reason}`
        : `${format ?? "bank file"}: ${location}: ${reason}`,
    );
    this.name = "BankFileError";
  }
}

/** A transaction before its fingerprint is assigned (parsers produce these). */
export type DraftTransaction = Omit<BankTransaction, "fingerprint">;

export interface DraftStatement extends Omit<BankStatement, "transactions"> {
  transactions: DraftTransaction[];
}
