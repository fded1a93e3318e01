// The collection agent's words: one template per tone × segment × channel, filled only from ledger
// facts (account and invoice numbers, dates, amounts) — never from anything a customer wrote, and
// never from names (a contact called "Sue" or a firm called "Court Street" would read as a legal
// threat to the content rules). composeMessage (tools/messages.ts) adds the parts the policy requires:
// the amounts, invoice numbers and due dates, the pay link, the opt-out and the consumer disclosure.
//
// Plain professional English: no threats, no pressure phrases, no legal language. Firm and final
// messages name a real date to pay by. The legal-referral level is a proposal to a person, never a
// message; a final message says only that a person will review the account next, which is true.
import type { DunningLevel, DunningTone, PolicyDocument } from "../../policies/document.ts";
import { composeMessage } from "../../tools/messages.ts";
import type { SnapshotContact } from "../../tools/read/account-snapshot-types.ts";
import { addDays, compareText, daysBetween } from "./dates.ts";
import type { CollectionSegment } from "./segment.ts";

export type Channel = SnapshotContact["preferredChannel"];

export interface TemplateInvoice {
  id: string;
  externalRef: string;
  currency: string;
  balanceMinor: number;
  dueDate: string;
}

export interface TemplateInput {
  level: Pick<DunningLevel, "level" | "name" | "tone">;
  segment: CollectionSegment;
  channel: Channel;
  isConsumer: boolean;
  /** The customer's account number (customer.externalRef), never its name. */
  accountRef: string;
  /** The invoices the message is about (at least one). */
  invoices: readonly TemplateInvoice[];
  asOf: string;
  policy: PolicyDocument;
  /** The account has had reminders before (so "after our earlier reminders" is true). */
  reminded?: boolean;
  /** Instalments the agent is proposing alongside this message, if any. */
  planOfferInstallments?: number;
}

export interface RenderedMessage {
  subject?: string;
  body: string;
}

type Stage = "upcoming" | "due_today" | "overdue";

/** A collection message for the level, segment and channel, with the policy's required parts. */
export function renderMessage(input: TemplateInput): RenderedMessage {
  if (input.invoices.length === 0) throw new RangeError("a collection message needs at least one invoice");
  const invoices = [...input.invoices].sort(
    (a, b) =>
      compareText(a.dueDate, b.dueDate) ||
      compareText(a.externalRef, b.externalRef) ||
      compareText(a.id, b.id),
  );
  const oldest = invoices[0]!;
  const daysPastDue = daysBetween(oldest.dueDate, input.asOf);
  const stage: Stage = daysPastDue < 0 ? "upcoming" : daysPastDue === 0 ? "due_today" : "overdue";
  const payBy = addDays(input.asOf, input.policy.dunning.payWithinDays);
  // Nothing is firm before it is overdue: pre-due and due-date messages are friendly whatever the level.
  const tone = stage === "overdue" ? input.level.tone : "friendly";
  const words: Words = { ...input, invoices, tone, stage, daysPastDue, payBy };
  const lead =
    input.channel === "sms"
      ? smsLead(words)
      : input.channel === "call"
        ? callScript(words)
        : writtenLead(words);
  const subject = input.channel === "email" || input.channel === "letter" ? subjectLine(words) : undefined;
  return composeMessage({
    channel: input.channel,
    invoices,
    isConsumer: input.isConsumer,
    policy: input.policy,
    lead,
    ...(subject ? { subject } : {}),
  });
}

interface Words extends TemplateInput {
  invoices: TemplateInvoice[];
  tone: DunningTone;
  stage: Stage;
  daysPastDue: number;
  payBy: string;
}

function subjectLine(w: Words): string {
  const account = `account ${w.accountRef}`;
  if (w.tone === "final") return `Final reminder: overdue payment on ${account}`;
  if (w.stage === "upcoming") return `Upcoming payment on ${account}`;
  if (w.stage === "due_today") return `Payment due today on ${account}`;
  if (w.tone === "firm") return `Overdue payment on ${account}: please pay by ${w.payBy}`;
  return `Reminder: overdue payment on ${account}`;
}

/** Email and letter: a greeting, what is due and since when, what we ask, how to reach us. */
function writtenLead(w: Words): string {
  const paragraphs = [
    "Hello,",
    [stageSentence(w), ageingSentence(w)].join(" "),
    [askSentence(w), segmentSentence(w), planSentence(w)].filter(Boolean).join(" "),
    closingSentence(w),
  ];
  return paragraphs.filter(Boolean).join("\n\n");
}

function smsLead(w: Words): string {
  const parts = [`Account ${w.accountRef}: ${ageingSentence(w)}`];
  const tone = w.tone;
  if (tone === "friendly") {
    if (w.stage === "overdue") parts.push("If you have already paid, thank you.");
  } else if (tone === "firm") {
    parts.push(`Please pay by ${w.payBy}.`);
  } else {
    parts.push(`Final reminder: please pay by ${w.payBy} or reply to agree a date.`);
  }
  if (w.planOfferInstallments) parts.push(`Reply to pay in ${w.planOfferInstallments} instalments.`);
  return parts.join(" ");
}

/** A script for the person (or dialer) making the call; composeMessage appends the figures. */
function callScript(w: Words): string {
  const lines = [
    `Call script, account ${w.accountRef} (${w.tone} tone).`,
    "Introduce yourself and confirm you are speaking with the account holder or their accounts payable contact before discussing the account.",
    `Say: ${stageSentence(w)} ${ageingSentence(w)}`,
    `Ask: ${askSentence(w)}`,
  ];
  const segment = segmentSentence(w);
  if (segment) lines.push(`Mention: ${segment}`);
  const plan = planSentence(w);
  if (plan) lines.push(`Offer: ${plan}`);
  lines.push(
    "If they have already paid, note the payment date and reference. If they question an invoice, note what they say for the disputes team.",
    "The invoices and amounts:",
  );
  return lines.join("\n");
}

function stageSentence(w: Words): string {
  const account = `account ${w.accountRef}`;
  if (w.stage === "upcoming") return `This is a reminder that payment on ${account} is coming due.`;
  if (w.stage === "due_today") return `This is a reminder that payment on ${account} is due today.`;
  const days = plural(w.daysPastDue, "day");
  const tone = w.tone;
  if (tone === "friendly") return `Our records show that payment on ${account} is now past due.`;
  return `Payment on ${account} is now ${days} past due${w.reminded ? " and remains unpaid after our earlier reminders" : ""}.`;
}

/** Every invoice with its due date and how far past (or before) it we are. */
function ageingSentence(w: Words): string {
  const phrases = w.invoices.map((invoice, index) => {
    const days = daysBetween(invoice.dueDate, w.asOf);
    const when =
      days > 0
        ? `${plural(days, "day")} overdue`
        : days === 0
          ? "due today"
          : `due in ${plural(-days, "day")}`;
    if (w.channel === "sms") return `${invoice.externalRef} (due ${invoice.dueDate}) ${when}`;
    return `${index === 0 ? "Invoice" : "invoice"} ${invoice.externalRef} (due ${invoice.dueDate}) is ${when}`;
  });
  return `${joinList(phrases)}.`;
}

function askSentence(w: Words): string {
  const balance = w.channel === "call" ? "the balance" : "the balance below";
  const tone = w.tone;
  if (tone === "friendly") {
    return w.stage === "upcoming"
      ? `Please arrange payment by the due date${w.channel === "call" ? "" : " using the details below"}.`
      : `Please arrange payment of ${balance} at your earliest convenience.`;
  }
  if (tone === "firm") return `Please arrange payment of ${balance} by ${w.payBy}.`;
  return (
    `Please pay ${balance} by ${w.payBy}, or contact us by then to agree how it will be settled. ` +
    "If we have not heard from you by that date, a member of our team will review the account and decide the next collection steps."
  );
}

function segmentSentence(w: Words): string {
  switch (w.segment) {
    case "prompt":
      return w.stage === "overdue"
        ? "Your payments usually arrive on time, so this may simply have been missed."
        : "";
    case "slow":
      return w.stage === "overdue" ? "Paying by the due date keeps your account current." : "";
    case "problem":
      return "We would like to agree a payment date with you; if something is preventing payment, please contact us.";
    case "strategic":
      return "We value working with you; if anything is holding up payment, such as a question about an invoice, please tell us and we will sort it out quickly.";
    case "consumer":
      return "If you are unable to pay the full amount, please contact us to discuss your options.";
  }
}

function planSentence(w: Words): string {
  if (!w.planOfferInstallments) return "";
  const next = w.channel === "call" ? "the dates can be agreed on this call" : "reply and we will set it up";
  return `If paying the full balance at once is difficult, it can be spread over ${w.planOfferInstallments} instalments; ${next}.`;
}

function closingSentence(w: Words): string {
  if (w.stage === "upcoming") return "If payment is already on its way, thank you.";
  if (w.tone === "friendly") return "If you have already paid, thank you, and please disregard this message.";
  return "If you have already paid, please reply with the payment date and reference so we can match it. If you have a question about any of these invoices, please let us know so we can look into it.";
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function joinList(items: string[]): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")}${items.length > 2 ? "," : ""} and ${items.at(-1)}`;
}
