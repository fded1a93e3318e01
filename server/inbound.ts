// Inbound replies, for `POST /api/inbound` and `arc inbound FILE`: parse (RFC 822 email with
// mailparser, or an SMS as JSON), find whose it is (the sender's address or number among the
// contacts, else an invoice or account number in the text), classify it with the brain (the model,
// or the rules offline), and apply it through the tools: the message is stored, then the planned
// calls (agents/inbound/plan.ts) are made by the "inbound" agent, each judged by the policy. Every
// call's idempotency key derives from the message's id, so posting the same reply twice — or again
// after a crash half-way — completes it without doing anything twice.
import { createHash } from "node:crypto";
import { inArray, sql } from "drizzle-orm";
import { simpleParser } from "mailparser";
import { z } from "zod";
import type { ClassifiedReply } from "../agents/inbound/classify.ts";
import { planReplyActions, type ReceivedReply } from "../agents/inbound/plan.ts";
import type { InboundReply } from "../agents/inbound/reply-types.ts";
import { contacts, customers, invoices } from "../db/schema.ts";
import type { Caller, Reason } from "../policies/types.ts";
import { ToolInputError } from "../tools/errors.ts";
import type { AccountSnapshot } from "../tools/read/account-snapshot-types.ts";
import type { ToolResult } from "../tools/runner.ts";
import { localDate, nextLocalTime } from "../tools/schedule.ts";
import type { Arc } from "./context.ts";

export const INBOUND_CALLER: Caller = { kind: "agent", id: "inbound", role: "agent" };

/** Largest raw email accepted (attachments included; only the text is read). */
export const MAX_INBOUND_EMAIL_BYTES = 10 * 1024 * 1024;

export const smsInput = z.strictObject({
  channel: z.literal("sms"),
  from: z
    .string()
    .trim()
    .regex(/^\+?[0-9 ().-]{6,20}$/, { message: "must be a phone number" }),
  to: z.string().trim().max(40).optional(),
  body: z.string().min(1, { message: "the message is empty" }).max(1_600),
  receivedAt: z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time" }).optional(),
  /** The provider's message id (e.g. Twilio's MessageSid); makes a redelivery a no-op. */
  id: z.string().trim().min(1).max(200).optional(),
});

export const emailInput = z.strictObject({
  channel: z.literal("email"),
  /** The whole message as received (RFC 822 / RFC 5322). */
  raw: z.string().min(1, { message: "the email is empty" }),
});

export const inboundInput = z.discriminatedUnion("channel", [emailInput, smsInput], {
  error: 'channel must be "email" (with raw) or "sms" (with from and body)',
});
export type InboundInput = z.infer<typeof inboundInput>;

export interface ParsedInbound {
  channel: "email" | "sms";
  externalId: string;
  sender: string;
  subject: string | null;
  text: string;
  receivedAt: string;
}

export interface SenderMatch {
  customerId: string;
  contactId: string | null;
  matchedBy: "email" | "phone" | "reference";
}

export interface InboundOutcome {
  tool: string;
  key: string;
  why: string;
  status: ToolResult["status"];
  actionId?: string;
  reasons?: Pick<Reason, "ruleId" | "verdict" | "message">[];
  error?: string;
  replayed?: boolean;
}

export interface InboundResult {
  customer_id: string | null;
  category: ClassifiedReply["category"];
  confidence: number;
  fields: ClassifiedReply["fields"];
  classifier: string;
  fallback?: string;
  matched_by: SenderMatch["matchedBy"] | null;
  contact_id: string | null;
  communication_id: string | null;
  actions: InboundOutcome[];
}

/** The reply as ARC reads it; throws ToolInputError naming what is missing. */
export async function parseInbound(input: InboundInput, now: Date): Promise<ParsedInbound> {
  if (input.channel === "sms") {
    const receivedAt = input.receivedAt ? new Date(input.receivedAt).toISOString() : now.toISOString();
    return {
      channel: "sms",
      externalId: input.id ?? `sha256:${sha256(`${input.from}\n${receivedAt}\n${input.body}`)}`,
      sender: input.from,
      subject: null,
      text: input.body.trim(),
      receivedAt,
    };
  }
  if (Buffer.byteLength(input.raw) > MAX_INBOUND_EMAIL_BYTES) {
    throw new ToolInputError("raw", `the email is larger than ${MAX_INBOUND_EMAIL_BYTES} bytes`);
  }
  if (!/^[\x21-\x39\x3b-\x7e]+:/m.test(input.raw.slice(0, 10_000))) {
    throw new ToolInputError(
      "raw",
      "not an email: no header lines (an RFC 822 message starts with headers such as From:)",
    );
  }
  const mail = await simpleParser(input.raw, { skipImageLinks: true, skipTextToHtml: true });
  const from = mail.from?.value.find((a) => a.address)?.address;
  if (!from) throw new ToolInputError("raw", "the email has no From address");
  const text = (mail.text ?? "").trim();
  if (!text && !mail.subject) throw new ToolInputError("raw", "the email has no text and no subject");
  const date = mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date : now;
  return {
    channel: "email",
    externalId: mail.messageId?.trim() || `sha256:${sha256(input.raw)}`,
    sender: from.toLowerCase(),
    subject: mail.subject?.trim() || null,
    text,
    // A date in the future (a wrong sender clock) is taken as now.
    receivedAt: (date.getTime() > now.getTime() ? now : date).toISOString(),
  };
}

/** Whose reply this is: the contact with that address or number, else an invoice or account number in it. */
export async function matchSender(arc: Arc, parsed: ParsedInbound): Promise<SenderMatch | null> {
  const db = arc.database.db;
  if (parsed.channel === "email") {
    const rows = await db
      .select({ customerId: contacts.customerId, contactId: contacts.id })
      .from(contacts)
      .where(sql`lower(${contacts.email}) = ${parsed.sender.toLowerCase()}`);
    const match = onlyOne(rows, "email");
    if (match) return match;
  } else {
    const digits = parsed.sender.replace(/\D/g, "").slice(-10);
    if (digits.length >= 6) {
      const rows = await db
        .select({ customerId: contacts.customerId, contactId: contacts.id })
        .from(contacts)
        .where(
          sql`right(regexp_replace(coalesce(${contacts.phone}, ''), '[^0-9]', '', 'g'), 10) = ${digits}`,
        );
      const match = onlyOne(rows, "phone");
      if (match) return match;
    }
  }
  const tokens = [
    ...new Set(
      `${parsed.subject ?? ""}\n${parsed.text}`.slice(0, 20_000).match(/[A-Za-z0-9][A-Za-z0-9_/-]{2,40}/g) ??
        [],
    ),
  ].slice(0, 200);
  if (tokens.length === 0) return null;
  const upper = tokens.map((t) => t.toUpperCase());
  const byInvoice = await db
    .selectDistinct({ customerId: invoices.customerId })
    .from(invoices)
    .where(inArray(sql`upper(${invoices.externalRef})`, upper));
  const byAccount = await db
    .selectDistinct({ customerId: customers.id })
    .from(customers)
    .where(inArray(sql`upper(${customers.externalRef})`, upper));
  const owners = new Set([...byInvoice, ...byAccount].map((r) => r.customerId));
  return owners.size === 1 ? { customerId: [...owners][0]!, contactId: null, matchedBy: "reference" } : null;
}

/** The customer whose contacts have this address or number; null when nobody's, or several customers'. */
function onlyOne(
  rows: { customerId: string; contactId: string }[],
  matchedBy: "email" | "phone",
): SenderMatch | null {
  const owners = new Set(rows.map((r) => r.customerId));
  if (owners.size !== 1) return null; // decide by the text instead
  // Two contacts of one customer sharing an address (a shared AP mailbox): the first stands for both.
  const [first] = [...rows].sort((a, b) => a.contactId.localeCompare(b.contactId));
  return { customerId: first!.customerId, contactId: first!.contactId, matchedBy };
}

export interface HandleOptions {
  dryRun: boolean;
  now?: Date;
  /** Default: the runner's clock. */
  /** Who handed the reply to ARC (an API key, the CLI); recorded with the stored message. */
  submittedBy: Caller;
}

export async function handleInbound(
  arc: Arc,
  input: InboundInput,
  options: HandleOptions,
): Promise<InboundResult> {
  const now = options.now ?? arc.runner.now();
  const parsed = await parseInbound(input, now);
  const match = await matchSender(arc, parsed);
  const snapshot = match ? await snapshotOf(arc, match.customerId, now) : null;
  const reply: InboundReply = {
    channel: parsed.channel,
    subject: parsed.subject,
    text: parsed.text,
    receivedAt: parsed.receivedAt,
    timezone: snapshot?.customer.timezone ?? "UTC",
    currency: snapshot?.customer.currency ?? "USD",
    knownInvoiceRefs: snapshot?.openInvoices.map((i) => i.externalRef) ?? [],
  };
  const usage = arc.brain.createUsage?.();
  const classified = await arc.brain.classifyReply(reply, usage);
  const result: InboundResult = {
    customer_id: match?.customerId ?? null,
    category: classified.category,
    confidence: classified.confidence,
    fields: classified.fields,
    classifier: classified.classifier,
    ...(classified.fallback ? { fallback: classified.fallback } : {}),
    matched_by: match?.matchedBy ?? null,
    contact_id: match?.contactId ?? null,
    communication_id: null,
    actions: [],
  };
  if (options.dryRun) return result;
  if (!match || !snapshot) {
    throw new ToolInputError(
      parsed.channel === "email" ? "raw" : "from",
      `no customer matches ${parsed.sender}: no contact has that ${parsed.channel === "email" ? "address" : "number"} and the text names no invoice or account number of a single customer`,
    );
  }

  const keyBase = `inbound:${parsed.channel}:${sha256(parsed.externalId).slice(0, 32)}`;
  const call = async (tool: string, callInput: Record<string, unknown>, key: string, why: string) => {
    const outcome = await arc.runner.call(tool, callInput, {
      caller: INBOUND_CALLER,
      now,
      idempotencyKey: `${keyBase}:${key}`,
      rationale: why,
    });
    result.actions.push(outcomeOf(tool, key, why, outcome));
    return outcome;
  };
  const named = snapshot.openInvoices.filter((i) =>
    (classified.fields.invoiceRefs ?? []).includes(i.externalRef),
  );
  const recorded = await call(
    "record_inbound_message",
    {
      customerId: match.customerId,
      ...(match.contactId ? { contactId: match.contactId } : {}),
      channel: parsed.channel,
      externalId: parsed.externalId,
      sender: parsed.sender,
      ...(parsed.subject ? { subject: parsed.subject.slice(0, 2000) } : {}),
      body: parsed.text,
      invoiceIds: named.map((i) => i.id),
      occurredAt: parsed.receivedAt,
      classification: {
        category: classified.category,
        confidence: classified.confidence,
        fields: classified.fields,
        classifier: classified.classifier,
        ...(classified.fallback ? { fallback: classified.fallback } : {}),
        submittedBy: `${options.submittedBy.kind}:${options.submittedBy.id}`,
      },
    },
    "record",
    `inbound ${parsed.channel} from ${parsed.sender}, classified ${classified.category} (${classified.classifier})`,
  );
  if (recorded.status !== "executed") return result;
  const communicationId = (recorded.output as { communicationId: string }).communicationId;
  result.communication_id = communicationId;

  const received: ReceivedReply = {
    channel: parsed.channel,
    sender: parsed.sender,
    subject: parsed.subject,
    text: parsed.text,
    receivedAt: parsed.receivedAt,
    localDate: localDate(new Date(parsed.receivedAt), snapshot.customer.timezone),
  };
  const planned = planReplyActions({
    reply: received,
    classification: classified,
    snapshot,
    contactId: match.contactId,
    communicationId,
    policy: arc.runner.policy,
    sendAt: replyTime(now, snapshot.customer.timezone, arc.runner.policy.contact.localTime),
  });
  for (const plannedCall of planned)
    await call(plannedCall.tool, plannedCall.input, plannedCall.key, plannedCall.why);
  return result;
}

async function snapshotOf(arc: Arc, customerId: string, now: Date): Promise<AccountSnapshot> {
  const result = await arc.runner.call<AccountSnapshot>(
    "account_snapshot",
    { customerId, asOf: now.toISOString().slice(0, 10) },
    { caller: INBOUND_CALLER, now },
  );
  if (result.status !== "ok") throw new Error(`account_snapshot failed: ${JSON.stringify(result)}`);
  return result.output;
}

/** Now, when it is within the allowed local hours with an hour to spare; else the next local morning. */
function replyTime(now: Date, timeZone: string, window: { start: string; end: string }): string | null {
  try {
    const hhmm = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).format(now);
    const endMinusHour = `${String(Number(window.end.slice(0, 2)) - 1).padStart(2, "0")}${window.end.slice(2)}`;
    if (hhmm >= window.start && hhmm < endMinusHour) return null;
    return nextLocalTime(now, timeZone, "09:00").toISOString();
  } catch {
    return null; // an invalid zone: the policy refuses the reply and says why
  }
}

function outcomeOf(tool: string, key: string, why: string, result: ToolResult): InboundOutcome {
  const base = { tool, key, why, status: result.status };
  switch (result.status) {
    case "executed":
      return { ...base, actionId: result.actionId, replayed: result.replayed };
    case "blocked":
    case "pending_approval":
      return {
        ...base,
        actionId: result.actionId,
        replayed: result.replayed,
        reasons: result.reasons.map(({ ruleId, verdict, message }) => ({ ruleId, verdict, message })),
      };
    case "invalid":
      return { ...base, error: result.issues.map((i) => `${i.path}: ${i.message}`).join("; ") };
    case "failed":
      return { ...base, actionId: result.actionId, error: result.error };
    default:
      return { ...base, ...("actionId" in result ? { actionId: result.actionId } : {}) };
  }
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
