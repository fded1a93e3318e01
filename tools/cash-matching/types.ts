// The cash-matching engine's plain-data shapes. Everything here is a value: the engine reads these,
// never a database, and returns new values (proposals), never effects.

export interface MatchCustomer {
  id: string;
  externalRef: string;
  name: string;
  bankAccounts: string[];
}

export interface MatchInvoice {
  id: string;
  customerId: string;
  externalRef: string;
  currency: string;
  amountMinor: number;
  balanceMinor: number;
  /** YYYY-MM-DD */
  issueDate: string;
  /** YYYY-MM-DD */
  dueDate: string;
  disputed: boolean;
  /** Early-payment discount terms ("2/10 net 30"), when the invoice has them. */
  earlyDiscount: { percent: number; until: string } | null;
}

export interface MatchPayment {
  id: string;
  externalRef: string;
  customerId: string | null;
  payerName: string | null;
  payerAccount: string | null;
  currency: string;
  amountMinor: number;
  unappliedMinor: number;
  /** YYYY-MM-DD */
  receivedOn: string;
  remittanceText: string | null;
  /** Bank charges the bank file states for this payment (minor units). */
  chargesMinor: number | null;
  /** The instructed amount before FX conversion, when the bank converted it. */
  original: { amountMinor: number; currency: string } | null;
}

/**
 * Payer → customer links learned from earlier applications and reviewed decisions (account:
 * normalized IBAN/account no.; name: as the bank shows it).
 */
export interface PayerMapping {
  kind: "account" | "name";
  value: string;
  customerId: string;
}

export interface MatchSettings {
  /** Proposals at or above this confidence are applied without a person (default 0.95). */
  autoApplyThreshold: number;
  /** Short pay closed by a write-off when the gap is ≤ both: percent of the invoice balance and the per-currency max. */
  writeOffTolerance: { percent: number; maxMinor: (currency: string) => number };
  /** Largest gap read as bank charges on a payment that looks like a wire (per currency, minor units). */
  bankChargesMaxMinor: (currency: string) => number;
  /** Largest gap, in percent of the invoice balance, read as an FX difference on a converted payment. */
  fxTolerancePercent: number;
  /** 0..100, default 80 (ERPNext: token-set ratio, cutoff 80, refuse when the top two tie). */
  nameCutoff: number;
  /** Bounded subset-sum: consider at most this many oldest open invoices (default 25). */
  maxSubsetInvoices: number;
  /**
   * Subset sums the search may enumerate per payment (meet in the middle: 2^⌈n/2⌉ + 2^⌊n/2⌋ for n
   * invoices); fewer invoices are considered when n would exceed it.
   */
  subsetNodeBudget: number;
}

export type IdentificationMethod = "assigned" | "account" | "reference" | "name" | "none";

export interface PayerCandidate {
  customerId: string;
  /** Which evidence: "account", "account_shared", "reference", "customer_ref", "name", "name_mapping", or a "+"-join. */
  method: string;
  score: number;
}

export interface PayerIdentification {
  customerId: string | null;
  /** assigned = the payment already has customerId. */
  method: IdentificationMethod;
  /** 0..1 */
  confidence: number;
  /** One line for a collector; never quotes remittance text beyond invoice numbers. */
  why: string;
  /** Ranked, for the review queue. */
  candidates: PayerCandidate[];
}

export type MatchMethod = "reference" | "amount" | "subset" | "oldest_first";

export type AdjustmentKind = "write_off" | "early_payment_discount" | "bank_charges" | "fx_difference";

export interface Adjustment {
  invoiceId: string;
  kind: AdjustmentKind;
  amountMinor: number;
}

export interface Application {
  invoiceId: string;
  amountMinor: number;
}

export interface MatchProposal {
  paymentId: string;
  customerId: string;
  method: MatchMethod;
  applications: Application[];
  /** Residuals closing invoices the payment leaves short by an acceptable, explained amount. */
  adjustments: Adjustment[];
  /** Short pays beyond tolerance that are not a declared partial payment: deductions for the dispute agent. */
  deductions: { invoiceId: string; amountMinor: number }[];
  /** The payer says it is a partial payment / instalment: the rest of the invoice stays open. */
  partial: boolean;
  /** Overpayment left on the payment as unapplied credit. */
  leftUnappliedMinor: number;
  /** 0..1 */
  confidence: number;
  why: string;
}

export interface PaymentMatch {
  payment: MatchPayment;
  payer: PayerIdentification;
  /** Best first, at most 5. */
  proposals: MatchProposal[];
  /** The proposal applied without a person, or null (then `proposals` go to review). */
  autoApply: MatchProposal | null;
}
