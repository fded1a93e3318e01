// The AR ledger. Money is integer minor units (bigint) with an ISO 4217 currency; times are UTC
// (timestamptz); calendar dates (invoice, due, promised) are `date`. Constraints here make bad states
// impossible rather than merely unlikely: over-application and over-crediting are rejected by CHECKs
// on running totals that triggers maintain (see the custom migration 0001), and currencies must
// agree through composite foreign keys.
import { type SQL, sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  date,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  real,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

export const CHANNELS = ["email", "sms", "call", "letter"] as const;
export type Channel = (typeof CHANNELS)[number];

export const SEGMENTS = ["prompt", "slow", "problem", "strategic", "consumer", "new"] as const;
export type Segment = (typeof SEGMENTS)[number];

export const DISPUTE_CATEGORIES = [
  "pricing",
  "quantity",
  "damaged",
  "not_received",
  "duplicate_billing",
  "already_paid",
  /** The customer paid less than the invoice without a reason inside tolerance: a deduction to investigate. */
  "short_payment",
  "other",
] as const;
export type DisputeCategory = (typeof DISPUTE_CATEGORIES)[number];

export const DISPUTE_STATUSES = ["open", "investigating", "resolved", "rejected", "expired"] as const;
export const PROMISE_STATUSES = ["open", "kept", "broken", "cancelled"] as const;
export const PLAN_STATUSES = ["proposed", "active", "completed", "defaulted", "cancelled"] as const;
export const COMMUNICATION_STATUSES = [
  "queued",
  // Delivery (tools/outbox): claimed by a dispatcher; waiting for an allowed time; handed to a
  // channel that cannot deduplicate when the dispatcher died before recording the outcome.
  "sending",
  "held",
  "unconfirmed",
  "sent",
  "delivered",
  "failed",
  "received",
  "cancelled",
] as const;
export const ACTION_STATUSES = [
  "blocked",
  "pending",
  "approved",
  "edited",
  "rejected",
  "expired",
  "executed",
  "failed",
] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];
export const VERDICTS = ["allow", "deny", "needs_approval"] as const;
export const ROLES = ["admin", "collector", "viewer"] as const;
export type Role = (typeof ROLES)[number];
export const TASK_KINDS = ["call", "review", "legal", "dispute", "follow_up", "other"] as const;
export const TASK_STATUSES = ["open", "done", "cancelled"] as const;
export const RUN_ITEM_STATUSES = ["pending", "running", "paused", "done", "failed", "skipped"] as const;

/** `column IN (...)` as a CHECK, so text enums stay cheap to extend by migration. */
function oneOf(column: AnyPgColumn, values: readonly string[]): SQL {
  return sql`${column} in (${sql.raw(values.map((v) => `'${v}'`).join(", "))})`;
}

const money = (name: string) => bigint(name, { mode: "number" });
const currency = (name = "currency") => text(name).notNull();
const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp("updated_at", { withTimezone: true }).notNull().defaultNow();
const currencyCheck = (column: AnyPgColumn) => sql`${column} ~ '^[A-Z]{3}$'`;

export const customers = pgTable(
  "customers",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    externalRef: text("external_ref").notNull(),
    name: text("name").notNull(),
    isConsumer: boolean("is_consumer").notNull().default(false),
    segment: text("segment"),
    timezone: text("timezone").notNull().default("UTC"),
    country: text("country"),
    /** State or province code (e.g. "MA"), for jurisdiction-specific contact limits. */
    region: text("region"),
    currency: text("currency").notNull(),
    paymentTermsDays: integer("payment_terms_days").notNull().default(30),
    creditLimitMinor: money("credit_limit_minor"),
    owner: text("owner"),
    strategic: boolean("strategic").notNull().default(false),
    /** Customer-level automation switch: when false, agents propose nothing automatically. */
    automationEnabled: boolean("automation_enabled").notNull().default(true),
    doNotContactAt: timestamp("do_not_contact_at", { withTimezone: true }),
    ceaseCommunicationAt: timestamp("cease_communication_at", { withTimezone: true }),
    bankruptcyFiledAt: timestamp("bankruptcy_filed_at", { withTimezone: true }),
    legalHoldAt: timestamp("legal_hold_at", { withTimezone: true }),
    attorneyRepresentedAt: timestamp("attorney_represented_at", { withTimezone: true }),
    legalEscalatedAt: timestamp("legal_escalated_at", { withTimezone: true }),
    creditHoldAt: timestamp("credit_hold_at", { withTimezone: true }),
    /** The forecasting specialist's account risk score (0–100, higher is riskier) and when it was set. */
    riskScore: real("risk_score"),
    riskScoredAt: timestamp("risk_scored_at", { withTimezone: true }),
    /** Bank accounts (IBAN or account numbers) this customer pays from, for identifying payers. */
    bankAccounts: text("bank_accounts").array().notNull().default(sql`'{}'::text[]`),
    /**
     * No outreach before this date (the customer is out of office, asked for time...): the
     * collection agent plans none while the run's date is earlier. Set by the pause_outreach tool.
     */
    outreachPausedUntil: date("outreach_paused_until", { mode: "string" }),
    outreachPauseReason: text("outreach_pause_reason"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique("customers_external_ref_key").on(t.externalRef),
    check(
      "customers_outreach_pause_complete",
      sql`(${t.outreachPausedUntil} is null) = (${t.outreachPauseReason} is null)`,
    ),
    check("customers_currency_iso", currencyCheck(t.currency)),
    check("customers_segment_known", sql`${t.segment} is null or ${oneOf(t.segment, SEGMENTS)}`),
    check("customers_terms_nonnegative", sql`${t.paymentTermsDays} >= 0`),
    check(
      "customers_risk_score_range",
      sql`${t.riskScore} is null or (${t.riskScore} >= 0 and ${t.riskScore} <= 100)`,
    ),
    check(
      "customers_credit_limit_nonnegative",
      sql`${t.creditLimitMinor} is null or ${t.creditLimitMinor} >= 0`,
    ),
    index("customers_name_idx").on(t.name),
  ],
);

export const contacts = pgTable(
  "contacts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    customerId: uuid("customer_id")
      .notNull()
      .references(() => customers.id, { onDelete: "cascade" }),
    externalRef: text("external_ref"),
    name: text("name").notNull(),
    email: text("email"),
    phone: text("phone"),
    role: text("role"),
    isPrimary: boolean("is_primary").notNull().default(false),
    preferredChannel: text("preferred_channel").notNull().default("email"),
    language: text("language").notNull().default("en"),
    // Consent and opt-out per channel, as timestamps so the record shows when each was given or revoked.
    emailOptedOutAt: timestamp("email_opted_out_at", { withTimezone: true }),
    smsConsentAt: timestamp("sms_consent_at", { withTimezone: true }),
    smsOptedOutAt: timestamp("sms_opted_out_at", { withTimezone: true }),
    callConsentAt: timestamp("call_consent_at", { withTimezone: true }),
    callOptedOutAt: timestamp("call_opted_out_at", { withTimezone: true }),
    letterOptedOutAt: timestamp("letter_opted_out_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("contacts_customer_idx").on(t.customerId),
    uniqueIndex("contacts_external_ref_key").on(t.customerId, t.externalRef),
    check("contacts_preferred_channel_known", oneOf(t.preferredChannel, CHANNELS)),
  ],
);

export const invoices = pgTable(
  "invoices",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    customerId: uuid("customer_id")
      .notNull()
      .references(() => customers.id),
    externalRef: text("external_ref").notNull(),
    currency: currency(),
    amountMinor: money("amount_minor").notNull(),
    /** Running totals maintained by triggers on payment_applications and credit_notes. */
    paidMinor: money("paid_minor").notNull().default(0),
    creditedMinor: money("credited_minor").notNull().default(0),
    writtenOffMinor: money("written_off_minor").notNull().default(0),
    balanceMinor: money("balance_minor")
      .notNull()
      .generatedAlwaysAs(
        (): SQL =>
          sql`${invoices.amountMinor} - ${invoices.paidMinor} - ${invoices.creditedMinor} - ${invoices.writtenOffMinor}`,
      ),
    issueDate: date("issue_date", { mode: "string" }).notNull(),
    dueDate: date("due_date", { mode: "string" }).notNull(),
    /** Paid-in-full date, set by the trigger when the balance reaches zero. */
    closedAt: timestamp("closed_at", { withTimezone: true }),
    voidedAt: timestamp("voided_at", { withTimezone: true }),
    /** Highest dunning level this invoice has reached (0 = none). */
    dunningLevel: integer("dunning_level").notNull().default(0),
    lastDunnedAt: timestamp("last_dunned_at", { withTimezone: true }),
    description: text("description"),
    /** Early-payment discount terms ("2/10 net 30"): percent off when paid on or before the date. */
    earlyDiscountPercent: real("early_discount_percent"),
    earlyDiscountUntil: date("early_discount_until", { mode: "string" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique("invoices_external_ref_key").on(t.externalRef),
    check(
      "invoices_early_discount_complete",
      sql`(${t.earlyDiscountPercent} is null) = (${t.earlyDiscountUntil} is null) and (${t.earlyDiscountPercent} is null or (${t.earlyDiscountPercent} > 0 and ${t.earlyDiscountPercent} < 100))`,
    ),
    unique("invoices_id_currency_key").on(t.id, t.currency),
    index("invoices_customer_idx").on(t.customerId),
    index("invoices_open_idx").on(t.customerId, t.dueDate).where(sql`${t.balanceMinor} > 0`),
    check("invoices_currency_iso", currencyCheck(t.currency)),
    check("invoices_amount_positive", sql`${t.amountMinor} > 0`),
    check(
      "invoices_totals_nonnegative",
      sql`${t.paidMinor} >= 0 and ${t.creditedMinor} >= 0 and ${t.writtenOffMinor} >= 0`,
    ),
    check(
      "invoices_not_overpaid",
      sql`${t.paidMinor} + ${t.creditedMinor} + ${t.writtenOffMinor} <= ${t.amountMinor}`,
    ),
    check("invoices_due_after_issue", sql`${t.dueDate} >= ${t.issueDate}`),
  ],
);

/** How cash application identified a payment's payer; shown to the collector who reviews it. */
export interface PaymentIdentification {
  method: "account" | "reference" | "name" | "none";
  confidence: number;
  why: string;
  candidates: { customerId: string; method: string; score: number }[];
}

export const BANK_FILE_FORMATS = ["camt.052", "camt.053", "camt.054", "bai2", "mt940", "csv"] as const;

/** One imported bank file: what it held and what became of it. */
export const bankImports = pgTable(
  "bank_imports",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    fileName: text("file_name").notNull(),
    /** sha256 of the file's bytes: the same file imported twice is recognised. */
    sha256: text("sha256").notNull(),
    format: text("format").notNull(),
    statements: integer("statements").notNull(),
    transactions: integer("transactions").notNull(),
    imported: integer("imported").notNull(),
    duplicates: integer("duplicates").notNull(),
    skipped: integer("skipped").notNull(),
    actionId: uuid("action_id").references(() => actions.id),
    importedBy: text("imported_by").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index("bank_imports_sha256_idx").on(t.sha256),
    check("bank_imports_format_known", oneOf(t.format, BANK_FILE_FORMATS)),
  ],
);

export const payments = pgTable(
  "payments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Bank or ERP reference that makes a re-import of the same statement a no-op. */
    externalRef: text("external_ref").notNull(),
    /** Null while the payer is unidentified. */
    customerId: uuid("customer_id").references(() => customers.id),
    payerName: text("payer_name"),
    payerAccount: text("payer_account"),
    currency: currency(),
    amountMinor: money("amount_minor").notNull(),
    appliedMinor: money("applied_minor").notNull().default(0),
    unappliedMinor: money("unapplied_minor")
      .notNull()
      .generatedAlwaysAs((): SQL => sql`${payments.amountMinor} - ${payments.appliedMinor}`),
    receivedOn: date("received_on", { mode: "string" }).notNull(),
    remittanceText: text("remittance_text"),
    source: text("source").notNull(),
    sourceFile: text("source_file"),
    /** Bank-file imports: the import, our account it arrived in, and the references the bank gave. */
    bankImportId: uuid("bank_import_id").references(() => bankImports.id),
    bankAccount: text("bank_account"),
    reference: text("reference"),
    bankReference: text("bank_reference"),
    /** Charges the bank stated, and the instructed amount before currency conversion. */
    chargesMinor: money("charges_minor"),
    originalCurrency: text("original_currency"),
    originalAmountMinor: money("original_amount_minor"),
    /**
     * Payer identification for a payment with no customer yet (cash application): the customer it
     * most likely belongs to, how that was decided and how sure. Applying the payment sets customer_id.
     */
    suggestedCustomerId: uuid("suggested_customer_id").references(() => customers.id),
    identification: jsonb("identification").$type<PaymentIdentification>(),
    identifiedAt: timestamp("identified_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    unique("payments_external_ref_key").on(t.externalRef),
    index("payments_payer_account_idx").on(t.payerAccount),
    index("payments_suggested_customer_idx")
      .on(t.suggestedCustomerId)
      .where(sql`${t.customerId} is null and ${t.amountMinor} > ${t.appliedMinor}`),
    check(
      "payments_original_complete",
      sql`(${t.originalCurrency} is null) = (${t.originalAmountMinor} is null)`,
    ),
    check("payments_charges_nonnegative", sql`${t.chargesMinor} is null or ${t.chargesMinor} >= 0`),
    unique("payments_id_currency_key").on(t.id, t.currency),
    index("payments_customer_idx").on(t.customerId),
    index("payments_unapplied_idx").on(t.receivedOn).where(sql`${t.amountMinor} > ${t.appliedMinor}`),
    check("payments_currency_iso", currencyCheck(t.currency)),
    check("payments_amount_positive", sql`${t.amountMinor} > 0`),
    check("payments_not_overapplied", sql`${t.appliedMinor} >= 0 and ${t.appliedMinor} <= ${t.amountMinor}`),
    check("payments_source_known", oneOf(t.source, ["bank_file", "import", "manual", "demo"])),
  ],
);

export const actions = pgTable(
  "actions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    idempotencyKey: text("idempotency_key").notNull(),
    tool: text("tool").notNull(),
    input: jsonb("input").notNull(),
    /** The input a collector's edit replaced `input` with; executed instead of it. */
    editedInput: jsonb("edited_input"),
    customerId: uuid("customer_id").references(() => customers.id),
    status: text("status").$type<ActionStatus>().notNull(),
    verdict: text("verdict").notNull(),
    /** Every reason the policy gave: [{ ruleId, verdict, message, citation? }]. */
    reasons: jsonb("reasons").notNull().default(sql`'[]'::jsonb`),
    policyVersion: text("policy_version").notNull(),
    /** Who asked: { kind: agent | api | mcp | cli | system, id, role }. */
    caller: jsonb("caller").notNull(),
    runId: uuid("run_id"),
    result: jsonb("result"),
    error: text("error"),
    decidedBy: text("decided_by"),
    decidedAt: timestamp("decided_at", { withTimezone: true }),
    decisionNote: text("decision_note"),
    /** Why the proposer proposed it, in a collector's words (agents' explanation). */
    rationale: text("rationale"),
    /** Other options the proposer ranked below this one (e.g. cash application's candidate matches). */
    alternatives: jsonb("alternatives"),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    executedAt: timestamp("executed_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique("actions_idempotency_key_key").on(t.idempotencyKey),
    index("actions_status_idx").on(t.status, t.createdAt),
    index("actions_customer_idx").on(t.customerId, t.createdAt),
    index("actions_run_idx").on(t.runId),
    check("actions_status_known", oneOf(t.status, ACTION_STATUSES)),
    check("actions_verdict_known", oneOf(t.verdict, VERDICTS)),
  ],
);

export const paymentApplications = pgTable(
  "payment_applications",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    paymentId: uuid("payment_id").notNull(),
    invoiceId: uuid("invoice_id").notNull(),
    currency: currency(),
    amountMinor: money("amount_minor").notNull(),
    /** How the match was found: reference, amount, oldest_first, manual, import, demo. */
    method: text("method").notNull(),
    confidence: real("confidence").notNull(),
    appliedBy: text("applied_by").notNull(),
    actionId: uuid("action_id").references(() => actions.id),
    createdAt: createdAt(),
  },
  (t) => [
    foreignKey({
      name: "payment_applications_payment_currency_fk",
      columns: [t.paymentId, t.currency],
      foreignColumns: [payments.id, payments.currency],
    }),
    foreignKey({
      name: "payment_applications_invoice_currency_fk",
      columns: [t.invoiceId, t.currency],
      foreignColumns: [invoices.id, invoices.currency],
    }),
    index("payment_applications_payment_idx").on(t.paymentId),
    index("payment_applications_invoice_idx").on(t.invoiceId),
    check("payment_applications_amount_positive", sql`${t.amountMinor} > 0`),
    check("payment_applications_confidence_range", sql`${t.confidence} >= 0 and ${t.confidence} <= 1`),
  ],
);

export const creditNotes = pgTable(
  "credit_notes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    externalRef: text("external_ref").notNull(),
    customerId: uuid("customer_id")
      .notNull()
      .references(() => customers.id),
    invoiceId: uuid("invoice_id").notNull(),
    currency: currency(),
    amountMinor: money("amount_minor").notNull(),
    reason: text("reason").notNull(),
    actionId: uuid("action_id").references(() => actions.id),
    issuedBy: text("issued_by").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    unique("credit_notes_external_ref_key").on(t.externalRef),
    foreignKey({
      name: "credit_notes_invoice_currency_fk",
      columns: [t.invoiceId, t.currency],
      foreignColumns: [invoices.id, invoices.currency],
    }),
    index("credit_notes_invoice_idx").on(t.invoiceId),
    check("credit_notes_amount_positive", sql`${t.amountMinor} > 0`),
  ],
);

export const WRITE_OFF_REASONS = [
  "short_pay",
  "bank_charges",
  "fx_difference",
  "early_payment_discount",
  "small_balance",
  "bad_debt",
] as const;
export type WriteOffReason = (typeof WRITE_OFF_REASONS)[number];

/** Balances closed without payment. Immutable; a trigger keeps invoices.written_off_minor. */
export const writeOffs = pgTable(
  "write_offs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    customerId: uuid("customer_id")
      .notNull()
      .references(() => customers.id),
    invoiceId: uuid("invoice_id").notNull(),
    currency: currency(),
    amountMinor: money("amount_minor").notNull(),
    reason: text("reason").$type<WriteOffReason>().notNull(),
    /** The payment whose shortfall this closes, when there is one. */
    paymentId: uuid("payment_id").references(() => payments.id),
    note: text("note"),
    actionId: uuid("action_id").references(() => actions.id),
    writtenOffBy: text("written_off_by").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    foreignKey({
      name: "write_offs_invoice_currency_fk",
      columns: [t.invoiceId, t.currency],
      foreignColumns: [invoices.id, invoices.currency],
    }),
    index("write_offs_invoice_idx").on(t.invoiceId),
    check("write_offs_amount_positive", sql`${t.amountMinor} > 0`),
    check("write_offs_reason_known", oneOf(t.reason, WRITE_OFF_REASONS)),
  ],
);

export const disputes = pgTable(
  "disputes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    customerId: uuid("customer_id")
      .notNull()
      .references(() => customers.id),
    invoiceId: uuid("invoice_id")
      .notNull()
      .references(() => invoices.id),
    category: text("category").notNull().default("other"),
    status: text("status").notNull().default("open"),
    /** The customer's own words. Data, never instructions. */
    description: text("description").notNull(),
    currency: currency(),
    amountMinor: money("amount_minor").notNull(),
    owner: text("owner"),
    openedBy: text("opened_by").notNull(),
    openedAt: timestamp("opened_at", { withTimezone: true }).notNull().defaultNow(),
    slaDueAt: timestamp("sla_due_at", { withTimezone: true }),
    resolution: text("resolution"),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("disputes_customer_idx").on(t.customerId),
    index("disputes_invoice_idx").on(t.invoiceId),
    // One live dispute per invoice: a second complaint about the same invoice joins the first.
    uniqueIndex("disputes_one_open_per_invoice")
      .on(t.invoiceId)
      .where(sql`${t.status} in ('open', 'investigating')`),
    check("disputes_category_known", oneOf(t.category, DISPUTE_CATEGORIES)),
    check("disputes_status_known", oneOf(t.status, DISPUTE_STATUSES)),
    check("disputes_amount_positive", sql`${t.amountMinor} > 0`),
  ],
);

export const promisesToPay = pgTable(
  "promises_to_pay",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    customerId: uuid("customer_id")
      .notNull()
      .references(() => customers.id),
    invoiceIds: uuid("invoice_ids").array().notNull(),
    currency: currency(),
    amountMinor: money("amount_minor").notNull(),
    promisedDate: date("promised_date", { mode: "string" }).notNull(),
    status: text("status").notNull().default("open"),
    /** Who made it: the customer in a reply, a collector on a call, or an agent. */
    source: text("source").notNull(),
    note: text("note"),
    actionId: uuid("action_id").references(() => actions.id),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    index("promises_customer_idx").on(t.customerId, t.status),
    check("promises_status_known", oneOf(t.status, PROMISE_STATUSES)),
    check("promises_amount_positive", sql`${t.amountMinor} > 0`),
    check("promises_has_invoices", sql`cardinality(${t.invoiceIds}) > 0`),
  ],
);

export const paymentPlans = pgTable(
  "payment_plans",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    customerId: uuid("customer_id")
      .notNull()
      .references(() => customers.id),
    invoiceIds: uuid("invoice_ids").array().notNull(),
    currency: currency(),
    totalMinor: money("total_minor").notNull(),
    /** [{ dueDate: "YYYY-MM-DD", amountMinor }], summing to totalMinor (checked by the tool). */
    installments: jsonb("installments").notNull(),
    status: text("status").notNull().default("proposed"),
    actionId: uuid("action_id").references(() => actions.id),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("payment_plans_customer_idx").on(t.customerId, t.status),
    check("payment_plans_status_known", oneOf(t.status, PLAN_STATUSES)),
    check("payment_plans_total_positive", sql`${t.totalMinor} > 0`),
  ],
);

export const communications = pgTable(
  "communications",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    customerId: uuid("customer_id")
      .notNull()
      .references(() => customers.id),
    contactId: uuid("contact_id").references(() => contacts.id),
    direction: text("direction").notNull(),
    channel: text("channel").notNull(),
    /** Outbound rows start `queued`: this table is the outbox that delivery workers drain. */
    status: text("status").notNull(),
    subject: text("subject"),
    body: text("body").notNull(),
    invoiceIds: uuid("invoice_ids").array().notNull().default(sql`'{}'::uuid[]`),
    /** A call that reached the debtor (a conversation), which starts Regulation F's 7-day quiet period. */
    isConversation: boolean("is_conversation").notNull().default(false),
    actionId: uuid("action_id").references(() => actions.id),
    occurredAt: timestamp("occurred_at", { withTimezone: true }).notNull().defaultNow(),
    /** The provider's id of the message: an email's Message-ID, an SMS provider's message id. */
    externalId: text("external_id"),
    /** Inbound: the From address or phone number exactly as received. */
    sender: text("sender"),
    /** Inbound: what the reply classifier made of it (category, confidence, fields, classifier). */
    classification: jsonb("classification").$type<Record<string, unknown>>(),
    /** Outbound delivery: attempts made, when the next may start, and a claimed row's lease. */
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
    leaseUntil: timestamp("lease_until", { withTimezone: true }),
    /** What the channel answered: the SMTP Message-ID, the SMS provider's message id, the file written. */
    providerMessageId: text("provider_message_id"),
    /** Why the row is held, cancelled, failed or unconfirmed (the rule, the bounce, the crash). */
    statusReason: text("status_reason"),
    sentAt: timestamp("sent_at", { withTimezone: true }),
    /** The secret in this email's one-click unsubscribe link (random, one per message). */
    unsubscribeToken: text("unsubscribe_token"),
    createdAt: createdAt(),
  },
  (t) => [
    index("communications_customer_idx").on(t.customerId, t.occurredAt),
    index("communications_outbox_idx")
      .on(t.occurredAt)
      .where(sql`${t.status} in ('queued', 'held', 'sending')`),
    uniqueIndex("communications_unsubscribe_token_key")
      .on(t.unsubscribeToken)
      .where(sql`${t.unsubscribeToken} is not null`),
    // The same message is stored once: a re-fetched email or a redelivered SMS webhook finds its row.
    uniqueIndex("communications_external_id_key")
      .on(t.channel, t.externalId)
      .where(sql`${t.externalId} is not null`),
    check("communications_direction_known", oneOf(t.direction, ["inbound", "outbound"])),
    check("communications_channel_known", oneOf(t.channel, CHANNELS)),
    check("communications_status_known", oneOf(t.status, COMMUNICATION_STATUSES)),
  ],
);

export const tasks = pgTable(
  "tasks",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    customerId: uuid("customer_id")
      .notNull()
      .references(() => customers.id),
    kind: text("kind").notNull(),
    title: text("title").notNull(),
    detail: text("detail"),
    owner: text("owner"),
    dueAt: timestamp("due_at", { withTimezone: true }),
    status: text("status").notNull().default("open"),
    actionId: uuid("action_id").references(() => actions.id),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("tasks_customer_idx").on(t.customerId, t.status),
    check("tasks_kind_known", oneOf(t.kind, TASK_KINDS)),
    check("tasks_status_known", oneOf(t.status, TASK_STATUSES)),
  ],
);

export const auditLog = pgTable(
  "audit_log",
  {
    /** Gap-free sequence assigned under an advisory lock, so a deleted row leaves a visible hole. */
    seq: bigint("seq", { mode: "number" }).primaryKey(),
    at: timestamp("at", { withTimezone: true, mode: "string" }).notNull(),
    actor: text("actor").notNull(),
    event: text("event").notNull(),
    entityType: text("entity_type"),
    entityId: text("entity_id"),
    actionId: uuid("action_id"),
    data: jsonb("data").notNull(),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [
    index("audit_log_action_idx").on(t.actionId),
    index("audit_log_entity_idx").on(t.entityType, t.entityId),
  ],
);

export const runs = pgTable(
  "runs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    kind: text("kind").notNull(),
    asOf: date("as_of", { mode: "string" }).notNull(),
    status: text("status").notNull().default("running"),
    options: jsonb("options").notNull().default(sql`'{}'::jsonb`),
    report: jsonb("report"),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    /** The process working a running run ("host:pid:nonce") and its last sign of life (server/run.ts). */
    owner: text("owner"),
    heartbeatAt: timestamp("heartbeat_at", { withTimezone: true }),
  },
  (t) => [
    index("runs_as_of_idx").on(t.asOf),
    check("runs_status_known", oneOf(t.status, ["running", "completed", "failed", "cancelled"])),
  ],
);

/** Processes working queued accounts (server/run-worker.ts), with a heartbeat so a dead one is noticed. */
export const runWorkers = pgTable("run_workers", {
  /** "host:pid:nonce". */
  id: text("id").primaryKey(),
  startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
  heartbeatAt: timestamp("heartbeat_at", { withTimezone: true }).notNull().defaultNow(),
});

export const runItems = pgTable(
  "run_items",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    runId: uuid("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    customerId: uuid("customer_id")
      .notNull()
      .references(() => customers.id),
    status: text("status").notNull().default("pending"),
    plan: jsonb("plan"),
    result: jsonb("result"),
    error: text("error"),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    /** The worker (run_workers.id) that claimed the item last; a dead one's item goes back to the queue. */
    worker: text("worker"),
  },
  (t) => [
    unique("run_items_run_customer_key").on(t.runId, t.customerId),
    index("run_items_status_idx").on(t.runId, t.status),
    check("run_items_status_known", oneOf(t.status, RUN_ITEM_STATUSES)),
  ],
);

export const predictions = pgTable(
  "predictions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    invoiceId: uuid("invoice_id")
      .notNull()
      .references(() => invoices.id),
    customerId: uuid("customer_id")
      .notNull()
      .references(() => customers.id),
    asOf: date("as_of", { mode: "string" }).notNull(),
    predictedPayDate: date("predicted_pay_date", { mode: "string" }).notNull(),
    /** Probability the invoice is paid more than 30 days late, where the model gives one. */
    lateProbability: real("late_probability"),
    /** The model's 10th and 90th percentile pay dates, where it gives quantiles (predicted_pay_date is the median). */
    p10PayDate: date("p10_pay_date", { mode: "string" }),
    p90PayDate: date("p90_pay_date", { mode: "string" }),
    modelVersion: text("model_version").notNull(),
    features: jsonb("features"),
    createdAt: createdAt(),
  },
  (t) => [
    unique("predictions_invoice_model_as_of_key").on(t.invoiceId, t.modelVersion, t.asOf),
    index("predictions_customer_idx").on(t.customerId, t.asOf),
  ],
);

/** Trained pay-date models: the parameters every stored prediction can be traced back to. */
export const forecastModels = pgTable(
  "forecast_models",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    version: text("version").notNull(),
    kind: text("kind").notNull(),
    /** Invoices settled before this date trained it. */
    trainedThrough: date("trained_through", { mode: "string" }).notNull(),
    trainRows: integer("train_rows").notNull(),
    /** The serialised model (trees, bins, quantiles). */
    params: jsonb("params").notNull(),
    /** How it did on held-out data when trained (MAE, ±7 days, coverage, baselines). */
    metrics: jsonb("metrics"),
    actionId: uuid("action_id").references(() => actions.id),
    createdAt: createdAt(),
  },
  (t) => [
    unique("forecast_models_version_key").on(t.version),
    index("forecast_models_created_idx").on(t.createdAt),
  ],
);

/** Each run's 13-week cash-in forecast, per currency and week, kept to compare with what arrived. */
export const cashForecasts = pgTable(
  "cash_forecasts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    asOf: date("as_of", { mode: "string" }).notNull(),
    modelVersion: text("model_version").notNull(),
    currency: currency(),
    /** 0..12 for the 13 weeks starting with asOf's week; 13 for everything later. */
    weekIndex: integer("week_index").notNull(),
    weekStart: date("week_start", { mode: "string" }).notNull(),
    weekEnd: date("week_end", { mode: "string" }),
    p10Minor: money("p10_minor").notNull(),
    p50Minor: money("p50_minor").notNull(),
    p90Minor: money("p90_minor").notNull(),
    meanMinor: money("mean_minor").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    unique("cash_forecasts_as_of_week_key").on(t.asOf, t.modelVersion, t.currency, t.weekIndex),
    check("cash_forecasts_currency_iso", currencyCheck(t.currency)),
    check("cash_forecasts_week_range", sql`${t.weekIndex} between 0 and 13`),
    check(
      "cash_forecasts_quantiles_ordered",
      sql`0 <= ${t.p10Minor} and ${t.p10Minor} <= ${t.p50Minor} and ${t.p50Minor} <= ${t.p90Minor}`,
    ),
  ],
);

export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    /** The first characters of the key, shown in listings and used to find the row. */
    prefix: text("prefix").notNull(),
    /** sha256 of the whole key (hex); the key is shown once and never stored. The secret is 256 random
     * bits, so a fast hash is safe here: there is nothing to brute-force that a slow hash would protect. */
    keyHash: text("key_hash").notNull(),
    role: text("role").$type<Role>().notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [unique("api_keys_prefix_key").on(t.prefix), check("api_keys_role_known", oneOf(t.role, ROLES))],
);

/**
 * Policy documents uploaded through the API, each validated before it is stored. The newest is the
 * active policy unless ARC_POLICY_FILE pins one (server/policy-store.ts). Versions are unique, because
 * every judged action records the version that judged it.
 */
export const policyVersions = pgTable(
  "policy_versions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    version: text("version").notNull(),
    /** The validated document, complete (a document never falls back to defaults in code). */
    document: jsonb("document").notNull(),
    /** sha256 of the document's canonical JSON, recorded in the audit entry too. */
    sha256: text("sha256").notNull(),
    uploadedBy: text("uploaded_by").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    unique("policy_versions_version_key").on(t.version),
    index("policy_versions_created_idx").on(t.createdAt),
  ],
);

export type Customer = typeof customers.$inferSelect;
export type Contact = typeof contacts.$inferSelect;
export type Invoice = typeof invoices.$inferSelect;
export type Payment = typeof payments.$inferSelect;
export type BankImport = typeof bankImports.$inferSelect;
export type WriteOff = typeof writeOffs.$inferSelect;
export type CashForecast = typeof cashForecasts.$inferSelect;
export type ForecastModel = typeof forecastModels.$inferSelect;
export type PaymentApplication = typeof paymentApplications.$inferSelect;
export type CreditNote = typeof creditNotes.$inferSelect;
export type Dispute = typeof disputes.$inferSelect;
export type PromiseToPay = typeof promisesToPay.$inferSelect;
export type PaymentPlan = typeof paymentPlans.$inferSelect;
export type Communication = typeof communications.$inferSelect;
export type Task = typeof tasks.$inferSelect;
export type Action = typeof actions.$inferSelect;
export type AuditEntry = typeof auditLog.$inferSelect;
export type Run = typeof runs.$inferSelect;
export type RunItem = typeof runItems.$inferSelect;
export type Prediction = typeof predictions.$inferSelect;
export type ApiKey = typeof apiKeys.$inferSelect;
export type PolicyVersion = typeof policyVersions.$inferSelect;
