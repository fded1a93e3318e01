// Builders for policy tests: a clean baseline (a business customer in New York at 11:00 local time,
// one open USD invoice, a contact reachable on every channel, no history) that every rule allows, so
// a test changes one thing and sees exactly that rule object.
import { formatAmount } from "../../db/money.ts";
import type { Channel } from "../../db/schema.ts";
import { DEFAULT_POLICY } from "../../policies/default-policy.ts";
import type { PolicyDocument } from "../../policies/document.ts";
import { RULES } from "../../policies/rules/index.ts";
import type {
  ActionKind,
  Caller,
  CommunicationFacts,
  ContactFacts,
  CustomerFacts,
  Facts,
  InvoiceFacts,
  OutreachDetails,
  ProposedAction,
  Reason,
  VerdictKind,
} from "../../policies/types.ts";

/** Wednesday 15 April 2026, 11:00 in New York (EDT, UTC−4). */
export const NOW = "2026-04-15T15:00:00.000Z";
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export function shift(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString();
}
export const hoursBefore = (hours: number, from = NOW) => shift(from, -hours * HOUR);
export const daysBefore = (days: number, from = NOW) => shift(from, -days * DAY);

export function customer(over: Partial<CustomerFacts> = {}): CustomerFacts {
  return {
    id: "cust-1",
    isConsumer: false,
    timezone: "America/New_York",
    country: "US",
    region: "NY",
    strategic: false,
    automationEnabled: true,
    doNotContactAt: null,
    ceaseCommunicationAt: null,
    bankruptcyFiledAt: null,
    legalHoldAt: null,
    attorneyRepresentedAt: null,
    ...over,
  };
}

export function contact(over: Partial<ContactFacts> = {}): ContactFacts {
  return {
    id: "contact-1",
    email: "ap@acme.example",
    phone: "+12125550100",
    emailOptedOutAt: null,
    smsConsentAt: "2026-01-10T12:00:00.000Z",
    smsOptedOutAt: null,
    callConsentAt: "2026-01-10T12:00:00.000Z",
    callOptedOutAt: null,
    letterOptedOutAt: null,
    ...over,
  };
}

export function invoice(over: Partial<InvoiceFacts> = {}): InvoiceFacts {
  return {
    id: "inv-1",
    externalRef: "INV-1001",
    currency: "USD",
    amountMinor: 125_000,
    balanceMinor: 125_000,
    issueDate: "2026-02-01",
    dueDate: "2026-03-03",
    disputed: false,
    ...over,
  };
}

export function comm(over: Partial<CommunicationFacts> = {}): CommunicationFacts {
  return {
    channel: "email",
    direction: "outbound",
    status: "sent",
    occurredAt: daysBefore(3),
    isConversation: false,
    contactId: "contact-1",
    ...over,
  };
}

/** `n` outbound messages on a channel, `spacingHours` apart, the latest `latestHoursAgo` before NOW. */
export function comms(
  n: number,
  channel: Channel,
  {
    latestHoursAgo = 24,
    spacingHours = 24,
    ...over
  }: Partial<CommunicationFacts> & {
    latestHoursAgo?: number;
    spacingHours?: number;
  } = {},
): CommunicationFacts[] {
  return Array.from({ length: n }, (_, i) =>
    comm({ channel, occurredAt: hoursBefore(latestHoursAgo + i * spacingHours), ...over }),
  );
}

export function facts(over: Partial<Facts> = {}): Facts {
  const invoices = over.invoices ?? [invoice()];
  return {
    now: NOW,
    customer: customer(),
    contact: contact(),
    invoices,
    recentCommunications: [],
    ...over,
  };
}

export function caller(over: Partial<Caller> = {}): Caller {
  return { kind: "agent", id: "agent:collection", role: "agent", ...over };
}

/**
 * A message that satisfies content.required for these facts: every invoice number, the total per
 * currency, a payment link, the channel's opt-out, and (for consumer rules) the disclosure.
 */
export function compliantBody(
  f: Facts,
  channel: Channel = "email",
  {
    consumer = f.customer?.isConsumer ?? false,
    invoiceIds,
  }: { consumer?: boolean; invoiceIds?: string[] } = {},
  policy: PolicyDocument = DEFAULT_POLICY,
): string {
  const invoices = invoiceIds ? f.invoices.filter((inv) => invoiceIds.includes(inv.id)) : f.invoices;
  const totals = new Map<string, number>();
  for (const inv of invoices) totals.set(inv.currency, (totals.get(inv.currency) ?? 0) + inv.balanceMinor);
  const amounts = [...totals].map(([currency, total]) => `${formatAmount(total, currency)} ${currency}`);
  const parts = [
    `Invoice(s) ${invoices.map((inv) => inv.externalRef).join(", ")} remain open: ${amounts.join(" and ")} is due.`,
    `You can pay at ${policy.content.payLink.baseUrl}inv-123.`,
  ];
  const optOut = policy.content.optOut[channel];
  if (optOut) parts.push(optOut.text);
  if (consumer) parts.push(policy.content.consumerDisclosure.text);
  return parts.join(" ");
}

export function outreachDetails(f: Facts, over: Partial<OutreachDetails> = {}): OutreachDetails {
  const channel = over.channel ?? "email";
  const invoiceIds = over.invoiceIds ?? f.invoices.map((inv) => inv.id);
  return {
    channel,
    contactId: f.contact?.id,
    purpose: "collection",
    subject: channel === "email" ? "Payment reminder" : undefined,
    body: compliantBody(f, channel, { invoiceIds }),
    invoiceIds,
    ...over,
  };
}

/** An outreach action for these facts (compliant by default). */
export function outreach(
  f: Facts,
  over: Partial<OutreachDetails> = {},
  actionOver: Partial<ProposedAction> = {},
): ProposedAction {
  return {
    tool: "send_outreach",
    kind: "outreach",
    caller: caller(),
    customerId: f.customer?.id,
    outreach: outreachDetails(f, over),
    ...actionOver,
  };
}

export function action(kind: ActionKind, over: Partial<ProposedAction> = {}): ProposedAction {
  return { tool: kind, kind, caller: caller(), customerId: "cust-1", ...over };
}

/** A deep copy of the default policy with changes applied. */
export function policyWith(
  change: (p: PolicyDocument) => void,
  base: PolicyDocument = DEFAULT_POLICY,
): PolicyDocument {
  const copy = structuredClone(base) as PolicyDocument;
  change(copy);
  return copy;
}

/** What one rule alone says: its reasons and the strictest of them. */
export function judge(
  ruleId: string,
  act: ProposedAction,
  f: Facts,
  policy: PolicyDocument = DEFAULT_POLICY,
): { verdict: VerdictKind; reasons: Reason[]; text: string } {
  const rule = RULES.find((r) => r.id === ruleId);
  if (!rule) throw new Error(`no rule ${ruleId}`);
  const reasons = rule.check(act, f, policy);
  const verdict: VerdictKind = reasons.some((r) => r.verdict === "deny")
    ? "deny"
    : reasons.some((r) => r.verdict === "needs_approval")
      ? "needs_approval"
      : "allow";
  return { verdict, reasons, text: reasons.map((r) => r.message).join("\n") };
}
