// The parts a collection message must carry under the policy (content.required): the invoices, the
// amount, a pay link, the channel's opt-out and, for consumers, the debt-collection disclosure.
// Templates write the words around them; this is the one place that knows which parts are required.

import { formatAmount, formatMoney } from "../db/money.ts";

/** Money as collectors read it ("$1,250.00"); re-exported so agents need not reach into db/. */
export { formatMoney };

import type { Channel } from "../db/schema.ts";
import type { PolicyDocument } from "../policies/index.ts";

export interface MessageInvoice {
  externalRef: string;
  balanceMinor: number;
  currency: string;
  dueDate: string;
}

export interface ComposeOptions {
  channel: Channel;
  invoices: MessageInvoice[];
  isConsumer: boolean;
  policy: PolicyDocument;
  /** The message's own words (greeting, ask); the required parts are added after them. */
  lead: string;
  subject?: string;
}

export function payLink(policy: PolicyDocument, invoiceRefs: string[]): string {
  return `${policy.content.payLink.baseUrl}${encodeURIComponent(invoiceRefs.join("-"))}`;
}

/** Totals per currency as "1,234.56 USD" (formatAmount, which content.required looks for). */
export function totalsText(invoices: MessageInvoice[]): string {
  const totals = new Map<string, number>();
  for (const i of invoices) totals.set(i.currency, (totals.get(i.currency) ?? 0) + i.balanceMinor);
  return [...totals].map(([currency, minor]) => `${formatAmount(minor, currency)} ${currency}`).join(" and ");
}

export function composeMessage(options: ComposeOptions): { subject?: string; body: string } {
  const { channel, invoices, policy } = options;
  const refs = invoices.map((i) => i.externalRef);
  const lines = [options.lead.trim()];
  if (invoices.length > 0) {
    if (channel === "sms") {
      lines.push(`Invoices ${refs.join(", ")}: ${totalsText(invoices)} due.`);
    } else {
      lines.push(
        "",
        ...invoices.map(
          (i) => `- ${i.externalRef}, due ${i.dueDate}: ${formatMoney(i.balanceMinor, i.currency)}`,
        ),
        `Total: ${totalsText(invoices)}`,
      );
    }
  }
  if (invoices.length > 0 && policy.content.payLink.channels.includes(channel))
    lines.push(`Pay online: ${payLink(policy, refs)}`);
  if (options.isConsumer) lines.push(policy.content.consumerDisclosure.text);
  const optOut = policy.content.optOut[channel as keyof typeof policy.content.optOut];
  if (optOut) lines.push(optOut.text);
  return { ...(options.subject ? { subject: options.subject } : {}), body: lines.join("\n") };
}
