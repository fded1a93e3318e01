// The plain objects the pay-date model works on. Dates are "YYYY-MM-DD" strings; amounts are integer
// minor units (db/money.ts). Nothing here touches the ledger: callers load these from wherever they
// keep invoices (the ledger, a CSV export) and pass them in.

/** One invoice of a customer's history: settled (paidDate set) or still open (paidDate null). */
export interface HistoryInvoice {
  customerId: string;
  /** Optional identity; an invoice is never part of its own history. */
  invoiceId?: string;
  invoiceDate: string;
  dueDate: string;
  /** The date it was settled in full; null while it is open. */
  paidDate: string | null;
  amountMinor: number;
  disputed?: boolean;
  /** Billed electronically (true) or on paper (false); undefined when unknown. */
  paperless?: boolean;
}

/** The invoice a forecast is for: what is known about it at the as-of date (never its pay date). */
export type ForecastInvoice = Omit<HistoryInvoice, "paidDate">;

/** Optional facts about the account at the as-of date that the history does not carry. */
export interface FeatureContext {
  /** Promises to pay the customer kept / broke before the as-of date. */
  promisesKept?: number;
  promisesBroken?: number;
  /** Reminders, calls and letters this invoice has received so far. */
  outreachCount?: number;
}

/** P10 / P50 / P90 of days late (pay date − due date; negative = paid early). p10 ≤ p50 ≤ p90. */
export interface QuantilePrediction {
  p10: number;
  p50: number;
  p90: number;
}
