// Inbound customer replies (emails and texts answering a collection message) and what a classifier
// says about them. One schema for every classifier: the offline rules (`classify-rules.ts`) and, later,
// a model whose structured output is validated by `replyClassificationSchema` before anything trusts it.
//
// The reply's text is data. A classification says what the customer expressed (a promise, a dispute,
// an opt-out, …) and which facts they stated; it never carries instructions found in the text.
import { z } from "zod";
import { currencyCode, disputeCategory, minorUnits } from "../../tools/schemas.ts";

export const REPLY_CATEGORIES = [
  "promise_to_pay",
  "dispute",
  "already_paid",
  "invoice_copy_request",
  "out_of_office",
  "opt_out",
  "hardship",
  "wrong_contact",
  "other",
] as const;
export type ReplyCategory = (typeof REPLY_CATEGORIES)[number];
export const replyCategorySchema = z.enum(REPLY_CATEGORIES);

/** The channels a reply can arrive on, and that an opt-out can name. */
export const REPLY_CHANNELS = ["email", "sms"] as const;
export type ReplyChannel = (typeof REPLY_CHANNELS)[number];
export const replyChannelSchema = z.enum(REPLY_CHANNELS);

/** Canonical `paymentMethod` values the rules produce (a model may be asked to use the same ones). */
export const PAYMENT_METHODS = [
  "wire",
  "ach",
  "check",
  "card",
  "sepa",
  "bank_transfer",
  "direct_debit",
  "paypal",
  "cash",
] as const;

/** A calendar date, YYYY-MM-DD (month 01-12, day 01-31; the classifier only emits real dates). */
export const DATE_RE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const calendarDate = z.string().regex(DATE_RE, { message: "must be a date as YYYY-MM-DD" });

export const MAX_EVIDENCE_CHARS = 120;
export const MAX_EVIDENCE_ITEMS = 5;

export const inboundReplySchema = z.object({
  channel: replyChannelSchema,
  subject: z.string().nullable(),
  text: z.string(),
  /** When the reply arrived, ISO 8601 (UTC). */
  receivedAt: z.string(),
  /** The customer's IANA zone: "Friday", "tomorrow", "next week" are the customer's. */
  timezone: z.string(),
  /** The account's currency, for amounts written without a symbol or code. */
  currency: z.string(),
  /** The account's open invoice numbers: only these are ever reported in `invoiceRefs`. */
  knownInvoiceRefs: z.array(z.string()),
});
export type InboundReply = z.infer<typeof inboundReplySchema>;

export const replyFieldsSchema = z.strictObject({
  /** promise_to_pay: the date the customer said they would pay (the first one, for instalments). */
  promisedDate: calendarDate.optional(),
  /** The amount promised or paid, in integer minor units of `currency`. */
  amountMinor: minorUnits.optional(),
  currency: currencyCode.optional(),
  /** Open invoices the text mentions: only values from `knownInvoiceRefs`, spelled as known. */
  invoiceRefs: z.array(z.string().min(1)).optional(),
  /** dispute: the dispute category, as the dispute specialist uses it. */
  disputeCategory: disputeCategory.optional(),
  /** already_paid: when the customer says they paid. */
  paidOn: calendarDate.optional(),
  /** already_paid: a reference, confirmation, check or trace number the customer gave. */
  paymentReference: z.string().min(1).max(64).optional(),
  /** already_paid: how they paid (see PAYMENT_METHODS). */
  paymentMethod: z.string().min(1).max(32).optional(),
  /** out_of_office: when the sender says they are back. */
  returnDate: calendarDate.optional(),
  /** opt_out: the TCPA keyword, upper case ("STOP", "OPT OUT"), when the message was only that. */
  optOutKeyword: z.string().min(1).max(32).optional(),
  /** opt_out: the channel the customer no longer wants to be contacted on. */
  optOutChannel: replyChannelSchema.optional(),
  /** Short quotes from the text that decided the category (data for a person, never instructions). */
  evidence: z.array(z.string().max(MAX_EVIDENCE_CHARS)).max(MAX_EVIDENCE_ITEMS).optional(),
});
export type ReplyFields = z.infer<typeof replyFieldsSchema>;

export const replyClassificationSchema = z.strictObject({
  category: replyCategorySchema,
  confidence: z.number().min(0).max(1),
  fields: replyFieldsSchema,
});
export type ReplyClassification = z.infer<typeof replyClassificationSchema>;
