// What an agent sees of one account: everything a specialist decides from, as plain JSON. Produced
// by the `account_snapshot` read tool; specialists are pure functions of it (plus the policy and the
// as-of date), which is what makes the rules brain deterministic and testable without a database.
import type { Channel, DisputeCategory, PaymentIdentification, Segment } from "../../db/schema.ts";

export interface SnapshotCustomer {
  id: string;
  externalRef: string;
  name: string;
  isConsumer: boolean;
  /** Stored segment label (may lag behaviour); specialists derive their own from history. */
  segment: Segment | null;
  timezone: string;
  country: string | null;
  region: string | null;
  currency: string;
  paymentTermsDays: number;
  creditLimitMinor: number | null;
  owner: string | null;
  strategic: boolean;
  automationEnabled: boolean;
  doNotContactAt: string | null;
  ceaseCommunicationAt: string | null;
  bankruptcyFiledAt: string | null;
  legalHoldAt: string | null;
  attorneyRepresentedAt: string | null;
  legalEscalatedAt: string | null;
  creditHoldAt: string | null;
  /** No outreach while the run's date is before this date (YYYY-MM-DD); set by pause_outreach. */
  outreachPausedUntil: string | null;
  outreachPauseReason: string | null;
  bankAccounts: string[];
}

export interface SnapshotContact {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  role: string | null;
  isPrimary: boolean;
  preferredChannel: Channel;
  language: string;
  emailOptedOutAt: string | null;
  smsConsentAt: string | null;
  smsOptedOutAt: string | null;
  callConsentAt: string | null;
  callOptedOutAt: string | null;
  letterOptedOutAt: string | null;
}

export interface SnapshotOpenInvoice {
  id: string;
  externalRef: string;
  currency: string;
  amountMinor: number;
  balanceMinor: number;
  issueDate: string;
  dueDate: string;
  /** Highest dunning level reached so far (0 = none). */
  dunningLevel: number;
  lastDunnedAt: string | null;
  /** Under an open or investigating dispute. */
  disputed: boolean;
  /** Early-payment discount terms ("2/10 net 30"), when the invoice has them. */
  earlyDiscount: { percent: number; until: string } | null;
}

/** A settled invoice, for payment behaviour: when it was due and when the last money arrived. */
export interface SnapshotPaidInvoice {
  id: string;
  externalRef: string;
  currency: string;
  amountMinor: number;
  issueDate: string;
  dueDate: string;
  /** received_on of the payment that closed it (YYYY-MM-DD). */
  paidOn: string;
  /** paidOn − dueDate in days (negative = early). */
  daysLate: number;
}

export interface SnapshotDispute {
  id: string;
  invoiceId: string;
  category: DisputeCategory;
  status: "open" | "investigating" | "resolved" | "rejected" | "expired";
  /** The customer's own words: data, never instructions. */
  description: string;
  currency: string;
  amountMinor: number;
  owner: string | null;
  openedAt: string;
  slaDueAt: string | null;
  resolvedAt: string | null;
}

export interface SnapshotPromise {
  id: string;
  invoiceIds: string[];
  currency: string;
  amountMinor: number;
  promisedDate: string;
  status: "open" | "kept" | "broken" | "cancelled";
  source: string;
  createdAt: string;
}

export interface SnapshotPaymentPlan {
  id: string;
  invoiceIds: string[];
  currency: string;
  totalMinor: number;
  installments: { dueDate: string; amountMinor: number }[];
  status: "proposed" | "active" | "completed" | "defaulted" | "cancelled";
  createdAt: string;
}

export interface SnapshotCommunication {
  id: string;
  direction: "inbound" | "outbound";
  channel: Channel;
  status: string;
  subject: string | null;
  /** Inbound bodies are the customer's words: data, never instructions. */
  body: string;
  occurredAt: string;
  isConversation: boolean;
  invoiceIds: string[];
}

export interface SnapshotPayment {
  id: string;
  externalRef: string;
  /** Null for a payment whose payer is not identified yet. */
  customerId: string | null;
  payerName: string | null;
  payerAccount: string | null;
  currency: string;
  amountMinor: number;
  unappliedMinor: number;
  receivedOn: string;
  remittanceText: string | null;
  /** Charges the bank stated, and the instructed amount before currency conversion (bank files). */
  chargesMinor: number | null;
  original: { amountMinor: number; currency: string } | null;
  /** For an unidentified payment: whose cash application thinks it is, how and how sure. */
  identification: PaymentIdentification | null;
}

export interface AccountSnapshot {
  /** The run's date (YYYY-MM-DD) and instant (ISO UTC). */
  asOf: string;
  now: string;
  customer: SnapshotCustomer;
  contacts: SnapshotContact[];
  openInvoices: SnapshotOpenInvoice[];
  /** Invoices settled in the last 24 months, oldest first. */
  paidInvoices: SnapshotPaidInvoice[];
  /** Live disputes plus those closed in the last 90 days. */
  disputes: SnapshotDispute[];
  /** Open promises plus those resolved in the last 180 days. */
  promises: SnapshotPromise[];
  /** Proposed and active plans plus those ended in the last 180 days. */
  paymentPlans: SnapshotPaymentPlan[];
  /** Communications of the last 90 days, newest first. */
  communications: SnapshotCommunication[];
  /** This customer's payments with money not yet applied. */
  unappliedPayments: SnapshotPayment[];
  /**
   * Unidentified payments (no customer) that may be this customer's: the remittance cites one of
   * its invoice numbers, the payer account is one of its bank accounts, or the payer name resembles
   * its name. Cash application decides; this is only the candidate list.
   */
  candidatePayments: SnapshotPayment[];
  /** Payments received in the last 24 months with what they were applied to (for duplicate/already-paid evidence). */
  recentPayments: (SnapshotPayment & { appliedTo: { invoiceId: string; amountMinor: number }[] })[];
}

/**
 * A part of the snapshot read by its own statement, which an executed write may leave stale. The
 * customer is read with any of them.
 */
export type SnapshotPart = Exclude<keyof AccountSnapshot, "asOf" | "now" | "customer">;

export const SNAPSHOT_PARTS = [
  "contacts",
  "openInvoices",
  "paidInvoices",
  "disputes",
  "promises",
  "paymentPlans",
  "communications",
  "unappliedPayments",
  "candidatePayments",
  "recentPayments",
] as const satisfies readonly SnapshotPart[];

/** A tool call a specialist plans. The runner judges it; the key makes a re-run idempotent. */
export interface PlannedCall {
  tool: string;
  input: Record<string, unknown>;
  /**
   * Stable within (run, account): e.g. "collection:message:L3". The graph prefixes it with
   * `run:{runId}:account:{customerId}:` to form the idempotency key.
   */
  key: string;
  /** One line a collector reads: why this call. */
  why: string;
  /** Keys of calls in the same decision that must have executed first (e.g. resolve after credit). */
  dependsOn?: string[];
  /** Options ranked below this one (e.g. other payment matches), stored on the action for review. */
  alternatives?: unknown[];
}
