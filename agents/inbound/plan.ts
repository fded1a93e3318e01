// What ARC does with a classified reply: the tool calls, planned as data (pure, no clock but the
// reply's own time), so the same reply always plans the same calls and each is judged by the policy
// when it is made. The customer's words are stored (record_inbound_message) and quoted to people in
// tasks and dispute descriptions; they never choose a recipient, an amount beyond the open balance or
// an action outside this list.
import type { PolicyDocument } from "../../policies/index.ts";
import { composeMessage, formatMoney } from "../../tools/messages.ts";
import type {
  AccountSnapshot,
  PlannedCall,
  SnapshotOpenInvoice,
} from "../../tools/read/account-snapshot-types.ts";
import { addDays, daysBetween } from "../collection/dates.ts";
import type { ReplyChannel, ReplyClassification } from "./reply-types.ts";

export interface ReceivedReply {
  channel: ReplyChannel;
  /** The From address or phone number as received. */
  sender: string;
  subject: string | null;
  text: string;
  receivedAt: string;
  /** The customer's local date when it arrived (YYYY-MM-DD). */
  localDate: string;
}

export interface ReplyPlanInput {
  reply: ReceivedReply;
  classification: ReplyClassification;
  snapshot: AccountSnapshot;
  /** The contact it came from; null when the customer was found by an invoice or account number. */
  contactId: string | null;
  /** The stored inbound message (record_inbound_message's output). */
  communicationId: string;
  policy: PolicyDocument;
  /** When an outgoing reply (an invoice copy) may go: now, or the next allowed local morning. */
  sendAt: string | null;
}

/** Automated outreach waits this long after "I already paid", while cash application looks for it. */
export const ALREADY_PAID_PAUSE_DAYS = 7;
/** …and after a hardship reply, until a person has looked. */
export const HARDSHIP_PAUSE_DAYS = 14;
/** An out-of-office reply without a return date. */
export const OUT_OF_OFFICE_DEFAULT_DAYS = 7;
export const MAX_PAUSE_DAYS = 90;
const TASK_DUE_DAYS = 2;
const QUOTE_LIMIT = 4_000;

export function planReplyActions(input: ReplyPlanInput): PlannedCall[] {
  const { reply, classification, snapshot, contactId, communicationId } = input;
  const { category, fields } = classification;
  const customerId = snapshot.customer.id;
  const today = reply.localDate;
  const open = snapshot.openInvoices.filter((i) => i.balanceMinor > 0);
  const named = open.filter((i) => (fields.invoiceRefs ?? []).includes(i.externalRef));
  const quoted = quote(reply);
  const source = { sourceCommunicationId: communicationId };
  const task = (
    kind: string,
    key: string,
    title: string,
    detail: string,
    invoices: SnapshotOpenInvoice[] = [],
  ): PlannedCall => ({
    tool: "create_task",
    key: `reply:task:${key}`,
    why: `${category.replaceAll("_", " ")} reply: ${title}`,
    input: {
      customerId,
      kind,
      title: title.slice(0, 200),
      detail: `${detail}\n\n${quoted}`.slice(0, 5_000),
      ...(snapshot.customer.owner ? { owner: snapshot.customer.owner } : {}),
      dueAt: `${addDays(today, TASK_DUE_DAYS)}T17:00:00.000Z`,
      invoiceIds: invoices.map((i) => i.id),
    },
  });
  const pause = (days: number, reason: string): PlannedCall => ({
    tool: "pause_outreach",
    key: "reply:pause",
    why: `${category.replaceAll("_", " ")} reply: ${reason}`,
    input: {
      customerId,
      until: addDays(today, Math.min(Math.max(days, 1), MAX_PAUSE_DAYS)),
      reason,
      ...source,
    },
  });

  switch (category) {
    case "promise_to_pay": {
      const currency = fields.currency ?? snapshot.customer.currency;
      const candidates = (named.length > 0 ? named : overdueFirst(open, snapshot.asOf)).filter(
        (i) => i.currency === currency && !i.disputed,
      );
      const balance = candidates.reduce((sum, i) => sum + i.balanceMinor, 0);
      if (!fields.promisedDate || fields.promisedDate < today || candidates.length === 0) {
        const why = !fields.promisedDate
          ? "no date was given"
          : fields.promisedDate < today
            ? `the date given (${fields.promisedDate}) has passed`
            : `no open ${currency} invoice to hold it against`;
        return [
          task(
            "follow_up",
            "promise",
            "Customer says they will pay: confirm the date and amount",
            `The reply reads as a promise to pay, but ${why}, so it was not recorded.`,
            candidates,
          ),
        ];
      }
      const amount = Math.min(fields.amountMinor ?? balance, balance);
      return [
        {
          tool: "record_promise_to_pay",
          key: "reply:promise",
          why: `the customer promised ${formatMoney(amount, currency)} by ${fields.promisedDate} in their ${reply.channel} of ${today}`,
          input: {
            customerId,
            invoiceIds: candidates.map((i) => i.id),
            amountMinor: amount,
            currency,
            promisedDate: fields.promisedDate,
            source: "customer",
            note: `From the customer's ${reply.channel} of ${today} (${reply.sender}).`,
          },
        },
      ];
    }
    case "dispute": {
      const invoices = named.length > 0 ? named : open.length === 1 ? open : [];
      if (invoices.length === 0) {
        return [
          task(
            "dispute",
            "dispute",
            "Customer disputes an invoice: find out which one",
            "The reply reads as a dispute but names no open invoice ARC could match.",
          ),
        ];
      }
      return invoices.map((invoice) => ({
        tool: "open_dispute",
        key: `reply:dispute:${invoice.id}`,
        why: `the customer disputes invoice ${invoice.externalRef} (${fields.disputeCategory ?? "other"}) in their ${reply.channel} of ${today}`,
        input: {
          invoiceId: invoice.id,
          category: fields.disputeCategory ?? "other",
          description: `${quoted}`.slice(0, 10_000),
        },
      }));
    }
    case "already_paid": {
      const parts = [
        fields.amountMinor !== undefined
          ? formatMoney(fields.amountMinor, fields.currency ?? snapshot.customer.currency)
          : null,
        fields.paidOn ? `on ${fields.paidOn}` : null,
        fields.paymentMethod ? `by ${fields.paymentMethod}` : null,
        fields.paymentReference ? `ref ${fields.paymentReference}` : null,
      ].filter(Boolean);
      const title = `Customer says already paid${parts.length ? ` (${parts.join(", ")})` : ""}: find and apply the payment`;
      const unapplied = snapshot.unappliedPayments.map(
        (p) =>
          `${p.receivedOn} ${formatMoney(p.unappliedMinor, p.currency)} unapplied${p.remittanceText ? ` — remittance "${p.remittanceText.slice(0, 80)}"` : ""}`,
      );
      return [
        task(
          "review",
          "paid",
          title,
          `Remittance details from the reply: ${parts.join(", ") || "none given"}${named.length ? `; invoices ${named.map((i) => i.externalRef).join(", ")}` : ""}.\nUnapplied payments on this account: ${unapplied.length ? unapplied.join("; ") : "none"}.`,
          named,
        ),
        pause(
          ALREADY_PAID_PAUSE_DAYS,
          "the customer says the invoices are paid; reminders wait while cash application looks for the payment",
        ),
      ];
    }
    case "invoice_copy_request": {
      const invoices = named.length > 0 ? named : open;
      const contact = snapshot.contacts.find((c) => c.id === contactId);
      const address = reply.channel === "email" ? contact?.email : contact?.phone;
      if (!contact || !address || invoices.length === 0) {
        return [
          task(
            "follow_up",
            "copy",
            "Customer asks for an invoice copy: send it",
            contact
              ? "ARC has no open invoice to send or no address on this channel."
              : "The sender is not a known contact, so ARC did not reply to them.",
            invoices,
          ),
        ];
      }
      const message = composeMessage({
        channel: reply.channel,
        invoices,
        isConsumer: snapshot.customer.isConsumer,
        policy: input.policy,
        lead:
          reply.channel === "sms"
            ? `Account ${snapshot.customer.externalRef}: as requested, your invoice details.`
            : `Hello,\n\nAs requested, here are the details of the invoice${invoices.length === 1 ? "" : "s"} on account ${snapshot.customer.externalRef}. Reply to this message if anything does not match your records.`,
        ...(reply.channel === "email"
          ? {
              subject:
                `Copy of invoice${invoices.length === 1 ? "" : "s"} ${invoices.map((i) => i.externalRef).join(", ")}`.slice(
                  0,
                  300,
                ),
            }
          : {}),
      });
      return [
        {
          tool: "send_message",
          key: "reply:invoice-copy",
          why: `the customer asked for a copy of ${invoices.map((i) => i.externalRef).join(", ")}`,
          input: {
            customerId,
            contactId: contact.id,
            channel: reply.channel,
            purpose: "collection",
            ...(message.subject ? { subject: message.subject } : {}),
            body: message.body,
            invoiceIds: invoices.map((i) => i.id),
            ...(input.sendAt ? { scheduledFor: input.sendAt } : {}),
          },
        },
      ];
    }
    case "out_of_office": {
      const days = fields.returnDate ? daysBetween(today, fields.returnDate) : OUT_OF_OFFICE_DEFAULT_DAYS;
      if (days <= 0) return [];
      return [
        pause(
          days,
          `out of office until ${fields.returnDate ?? `about ${addDays(today, OUT_OF_OFFICE_DEFAULT_DAYS)} (no date given)`}`,
        ),
      ];
    }
    case "opt_out": {
      const channel = fields.optOutChannel ?? reply.channel;
      if (!contactId) {
        return [
          task(
            "review",
            "opt-out",
            `Opt-out from an unknown sender (${reply.sender}): find the contact and revoke ${channel}`,
            "The sender is not a contact on file, so no consent could be revoked automatically.",
          ),
        ];
      }
      return [
        {
          tool: "revoke_contact_channel",
          key: `reply:revoke:${channel}`,
          why: `the contact asked not to be contacted by ${channel}${fields.optOutKeyword ? ` ("${fields.optOutKeyword}")` : ""}`,
          input: { customerId, contactId, channel, reason: "opt_out", ...source },
        },
      ];
    }
    case "hardship":
      return [
        task(
          "review",
          "hardship",
          "Customer reports hardship: review before any further collection",
          "Consider a payment plan, a pause or a settlement within policy; automated reminders are paused meanwhile.",
          named,
        ),
        pause(
          HARDSHIP_PAUSE_DAYS,
          "the customer reports financial hardship; a person reviews the account first",
        ),
      ];
    case "wrong_contact": {
      const calls: PlannedCall[] = [];
      if (contactId) {
        calls.push({
          tool: "revoke_contact_channel",
          key: `reply:revoke:${reply.channel}`,
          why: `the recipient says they are not the right contact for this account`,
          input: { customerId, contactId, channel: reply.channel, reason: "wrong_contact", ...source },
        });
      }
      calls.push(
        task(
          "follow_up",
          "contact",
          "Find the right contact: the recipient says it is not them",
          `${reply.sender} replied that they are the wrong contact.`,
        ),
      );
      return calls;
    }
    case "other":
      return [
        task(
          "follow_up",
          "read",
          "Read the customer's reply",
          "ARC could not tell what the reply asks for.",
          named,
        ),
      ];
  }
}

function overdueFirst(open: SnapshotOpenInvoice[], asOf: string): SnapshotOpenInvoice[] {
  const overdue = open.filter((i) => i.dueDate < asOf);
  return overdue.length > 0 ? overdue : open;
}

/** The customer's words for a person, labelled as theirs. */
function quote(reply: ReceivedReply): string {
  const text = reply.text.length > QUOTE_LIMIT ? `${reply.text.slice(0, QUOTE_LIMIT)}…` : reply.text;
  return `The customer wrote (${reply.channel} from ${reply.sender}, ${reply.receivedAt}${reply.subject ? `, subject "${reply.subject}"` : ""}):\n${text}`;
}
