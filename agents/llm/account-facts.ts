// What the model is told about an account: ledger facts only. Nothing a customer wrote (dispute
// descriptions, replies, remittance notes) is included — the model drafts and chooses from the
// ledger, so customer text has no way in. Amounts are formatted by ARC, never computed by the model.
import type { PolicyDocument } from "../../policies/index.ts";
import { formatMoney } from "../../tools/messages.ts";
import type { AccountSnapshot } from "../../tools/read/account-snapshot-types.ts";
import { daysBetween } from "../collection/dates.ts";
import { deriveSegment } from "../collection/segment.ts";

export interface AccountFacts {
  accountNumber: string;
  customerName: string;
  consumer: boolean;
  strategic: boolean;
  country: string | null;
  segment: string;
  segmentWhy: string;
  asOf: string;
  paymentPattern: {
    invoicesPaidLast24Months: number;
    medianDaysLate: number | null;
    onTimeShare: number | null;
    brokenPromises: number;
  };
  relationship: { firstInvoiceIssued: string | null; openInvoices: number };
  openInvoices: {
    number: string;
    amountDue: string;
    dueDate: string;
    daysOverdue: number;
    disputed: boolean;
    remindersSent: number;
  }[];
  recentOutreach: { channel: string; direction: string; date: string; subject: string | null }[];
}

const MAX_INVOICES = 25;

export function accountFacts(snapshot: AccountSnapshot): AccountFacts {
  const { customer } = snapshot;
  const segment = deriveSegment(snapshot);
  const issueDates = [...snapshot.paidInvoices, ...snapshot.openInvoices].map((i) => i.issueDate).sort();
  return {
    accountNumber: customer.externalRef,
    customerName: customer.name,
    consumer: customer.isConsumer,
    strategic: customer.strategic,
    country: customer.country,
    segment: segment.segment,
    segmentWhy: segment.why,
    asOf: snapshot.asOf,
    paymentPattern: {
      invoicesPaidLast24Months: segment.stats.paidCount,
      medianDaysLate: segment.stats.medianDaysLate,
      onTimeShare:
        segment.stats.onTimeShare === null ? null : Math.round(segment.stats.onTimeShare * 100) / 100,
      brokenPromises: segment.stats.brokenPromises,
    },
    relationship: { firstInvoiceIssued: issueDates[0] ?? null, openInvoices: snapshot.openInvoices.length },
    openInvoices: [...snapshot.openInvoices]
      .filter((i) => i.balanceMinor > 0)
      .sort((a, b) => a.dueDate.localeCompare(b.dueDate))
      .slice(0, MAX_INVOICES)
      .map((i) => ({
        number: i.externalRef,
        amountDue: formatMoney(i.balanceMinor, i.currency),
        dueDate: i.dueDate,
        daysOverdue: Math.max(0, daysBetween(i.dueDate, snapshot.asOf)),
        disputed: i.disputed,
        remindersSent: i.dunningLevel,
      })),
    // Outbound only: an inbound body is the customer's words and stays out of the prompt.
    recentOutreach: snapshot.communications
      .filter((c) => c.direction === "outbound")
      .slice(0, 5)
      .map((c) => ({
        channel: c.channel,
        direction: c.direction,
        date: c.occurredAt.slice(0, 10),
        subject: c.subject,
      })),
  };
}

/** The dunning level's tone for a message (friendly / firm / final), from the policy's ladder. */
export function toneOfLevel(policy: PolicyDocument, level: unknown): string {
  const found = typeof level === "number" ? policy.dunning.levels.find((l) => l.level === level) : undefined;
  return found ? `${found.tone} (ladder level ${found.level}, "${found.name}")` : "friendly";
}
