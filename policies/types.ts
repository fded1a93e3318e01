// The contract between the tool runner and the policy engine. The runner describes what a tool
// call would do (ProposedAction) and what is true of the world right now (Facts); rules judge it.
// Rules never read the database: everything they need is in these two objects, which keeps them
// pure, testable and explainable.
import type { Channel, Role } from "../db/schema.ts";

export type CallerKind = "agent" | "api" | "mcp" | "cli" | "system";

export interface Caller {
  kind: CallerKind;
  /** Who exactly: an API key name, a collector's user name, `agent:collection`, `run:<id>`. */
  id: string;
  /** Agents and the scheduler act with the "agent" role; people and keys carry theirs. */
  role: Role | "agent";
}

export type ActionKind =
  | "outreach"
  | "task"
  | "promise_to_pay"
  | "dispute_open"
  | "dispute_resolve"
  | "payment_application"
  | "payment_plan"
  | "credit_note"
  | "write_off"
  | "settlement_discount"
  | "legal_escalation"
  | "credit_hold"
  | "ledger_import"
  /** Importing a bank statement's receipts as payments. */
  | "bank_import"
  /** Cash application's suggestion of whose an unidentified payment is (no money moves). */
  | "payment_identification"
  /** Portfolio-wide forecasting records: the cash forecast, a trained pay-date model (no account is acted on). */
  | "portfolio_forecast"
  /** Bookkeeping on an account: a promise kept or broken, a plan defaulted, a dispute triaged. */
  | "account_update"
  /** Recording pay-date predictions and the account's risk score. */
  | "forecast"
  /** Storing a message the customer sent us (a reply, a text): a record of what arrived, no effect on them. */
  | "inbound_message"
  /**
   * Withdrawing a contact's consent to a channel (an opt-out, a wrong number). It only ever stops
   * contact, and is honoured whatever the account's state: no rule may hold or refuse it.
   */
  | "consent_revocation";

/** Why a message is sent; cease-communication still allows the acknowledgement and remedy notices. */
export type OutreachPurpose =
  | "collection"
  | "receipt"
  | "validation_notice"
  | "cease_acknowledgement"
  | "remedy_notice";

export interface OutreachDetails {
  channel: Channel;
  contactId?: string;
  purpose: OutreachPurpose;
  subject?: string;
  body: string;
  invoiceIds: string[];
  /** Calls placed by a dialer (TCPA needs consent for these to mobiles). */
  autodialed?: boolean;
  /** ISO instant the message is to go out; the runner judges a scheduled message as of then. */
  scheduledFor?: string;
}

export interface ProposedAction {
  tool: string;
  kind: ActionKind;
  caller: Caller;
  customerId?: string;
  /** Money the action moves or concerns (credit note amount, plan total, write-off), in `currency`. */
  amountMinor?: number;
  currency?: string;
  outreach?: OutreachDetails;
  paymentPlan?: { installmentCount: number; durationDays: number };
  /** How sure the proposer is (0..1), e.g. a cash-application match. */
  confidence?: number;
  /** Settlement discount offered, in percent of the balance. */
  discountPercent?: number;
  /** The invoices the action concerns (also for non-outreach actions, e.g. legal escalation). */
  invoiceIds?: string[];
}

export interface CustomerFacts {
  id: string;
  isConsumer: boolean;
  /** IANA zone, e.g. "America/New_York". */
  timezone: string;
  country: string | null;
  /** State or province, e.g. "MA". */
  region: string | null;
  strategic: boolean;
  automationEnabled: boolean;
  doNotContactAt: string | null;
  ceaseCommunicationAt: string | null;
  bankruptcyFiledAt: string | null;
  legalHoldAt: string | null;
  attorneyRepresentedAt: string | null;
}

export interface ContactFacts {
  id: string;
  email: string | null;
  phone: string | null;
  emailOptedOutAt: string | null;
  smsConsentAt: string | null;
  smsOptedOutAt: string | null;
  callConsentAt: string | null;
  callOptedOutAt: string | null;
  letterOptedOutAt: string | null;
  /**
   * The contact's role at the customer (contacts.role), e.g. "attorney". Outreach to an
   * attorney-represented consumer is allowed only to a contact whose role is "attorney";
   * absent means the debtor.
   */
  role?: string | null;
}

export interface InvoiceFacts {
  id: string;
  externalRef: string;
  currency: string;
  amountMinor: number;
  balanceMinor: number;
  issueDate: string;
  dueDate: string;
  /** Under an open or investigating dispute. */
  disputed: boolean;
}

export interface CommunicationFacts {
  channel: Channel;
  direction: "inbound" | "outbound";
  status: string;
  /** ISO timestamp (UTC). */
  occurredAt: string;
  /** A call that reached the debtor. */
  isConversation: boolean;
  contactId: string | null;
}

export interface Facts {
  /** ISO timestamp (UTC) the action is judged at. */
  now: string;
  customer?: CustomerFacts;
  contact?: ContactFacts;
  /** The invoices the action concerns, as they are now. */
  invoices: InvoiceFacts[];
  /**
   * Communications with the customer in the last `policy.contact.lookbackDays` days, for an outreach
   * proposal (the contact rules, which judge only outreach, are the rules that read them); the runner
   * loads none for other kinds.
   */
  recentCommunications: CommunicationFacts[];
}

export type VerdictKind = "allow" | "deny" | "needs_approval";

export interface Reason {
  ruleId: string;
  verdict: Exclude<VerdictKind, "allow">;
  message: string;
  /** Regulation or source, e.g. "12 CFR 1006.14(b)(2)". */
  citation?: string;
}

export interface Verdict {
  verdict: VerdictKind;
  /** Every reason any rule gave, denials first; empty when allowed. */
  reasons: Reason[];
  policyVersion: string;
}

export interface EvaluateOptions {
  /**
   * Approval requirements a person has already satisfied (rule ids): their needs_approval reasons
   * no longer count. Denials always count.
   */
  approvedRuleIds?: readonly string[];
}
