// Per-arm metrics for one seed, and the summary across seeds. DSO comes from tools/ar-metrics
// (arMetrics → dsoCountback / dsoStandard) on a ledger of the arm's invoices, payments and credits.
import { arMetrics, type LedgerEvent, type LedgerInvoice } from "../../tools/ar-metrics/metrics.ts";
import { addDays } from "../../tools/dates.ts";
import type { ArcPolicyStats, ArmRun } from "./arm.ts";
import { CURRENCY, PROMISE_GRACE_DAYS } from "./assumptions.ts";
import { COMPLAINT_KINDS, type ComplaintKind } from "./customer.ts";
import type { Portfolio } from "./portfolio.ts";

/** Countback in fixed 30-day blocks ending at the last day (mid-month, calendar months would be partial). */
export const COUNTBACK_BLOCK_DAYS = 30;

export interface ArmMetrics {
  /** DSO by the countback method at the end of the last day, in days (null: undefined, see ar-metrics). */
  dsoCountbackDays: number | null;
  /** DSO standard over the window (ending AR ÷ the window's credit sales × its days), for reference. */
  dsoStandardDays: number | null;
  /** Cash received by the last day on invoices due by then ÷ their amount less credit notes. */
  collectedShare: number;
  collectedMinor: number;
  dueMinor: number;
  /** Amount of every invoice issued by the last day (the same in both arms). */
  invoicedMinor: number;
  /** Every payment received in the window, on any invoice. */
  cashCollectedMinor: number;
  openArEndMinor: number;
  /** Contacts delivered (messages, calls, letters) per 1,000 currency units of cash collected. */
  contactsPer1000Collected: number | null;
  contacts: number;
  contactsByChannel: Record<string, number>;
  conversations: number;
  /** ARC: calls held for a collector's approval (the ERP needs none). */
  approvals: number;
  complaints: number;
  complaintsByKind: Record<ComplaintKind, number>;
  promisesMade: number;
  /** Paid in full by the promised date plus the policy's grace days. */
  promisesKept: number;
  /** Not kept, and the promised date plus grace passed inside the window. */
  promisesBroken: number;
  ceaseRequests: number;
  legalReferrals: number;
  paymentPlansAccepted: number;
  /** ARC only: how the policy engine judged the agent's calls. */
  policy: ArcPolicyStats | null;
}

/** The metrics summarised across seeds (mean, sd, min, max), in the order the report shows them. */
export const SUMMARY_METRICS = [
  "dsoCountbackDays",
  "dsoStandardDays",
  "collectedShare",
  "contactsPer1000Collected",
  "contacts",
  "approvals",
  "complaints",
  "promisesMade",
  "promisesKept",
  "promisesBroken",
  "ceaseRequests",
  "legalReferrals",
  "paymentPlansAccepted",
  "openArEndMinor",
  "cashCollectedMinor",
] as const satisfies readonly (keyof ArmMetrics)[];
export type SummaryMetric = (typeof SUMMARY_METRICS)[number];

export interface Stat {
  mean: number;
  /** Sample standard deviation (n − 1); 0 for a single seed. */
  sd: number;
  min: number;
  max: number;
}

export function armMetrics(portfolio: Portfolio, run: ArmRun): ArmMetrics {
  const lastDay = portfolio.days - 1;
  const asOf = addDays(portfolio.startDate, lastDay);
  const date = (day: number) => addDays(portfolio.startDate, day);
  const invoices: LedgerInvoice[] = [];
  const events: LedgerEvent[] = [];
  let invoicedMinor = 0;
  let dueMinor = 0;
  let collectedMinor = 0;
  let cashCollectedMinor = 0;
  const complaintsByKind = Object.fromEntries(COMPLAINT_KINDS.map((k) => [k, 0])) as Record<
    ComplaintKind,
    number
  >;
  const contactsByChannel: Record<string, number> = { email: 0, sms: 0, call: 0, letter: 0 };
  let contacts = 0;
  let conversations = 0;
  let ceaseRequests = 0;
  let plans = 0;
  let promisesMade = 0;
  let promisesKept = 0;
  let promisesBroken = 0;

  for (const book of run.books) {
    const dueById = new Map<string, boolean>();
    for (const invoice of book.customer.invoices) {
      if (invoice.issueDay > lastDay) continue;
      invoices.push({
        id: invoice.id,
        currency: CURRENCY,
        issueDate: invoice.issueDate,
        dueDate: invoice.dueDate,
        amountMinor: invoice.amountMinor,
      });
      invoicedMinor += invoice.amountMinor;
      const due = invoice.dueDay <= lastDay;
      dueById.set(invoice.id, due);
      if (due) dueMinor += invoice.amountMinor;
    }
    for (const payment of book.payments) {
      for (const { invoiceId, amountMinor } of payment.appliedTo) {
        events.push({ invoiceId, kind: "payment", date: date(payment.day), amountMinor });
        cashCollectedMinor += amountMinor;
        if (dueById.get(invoiceId)) collectedMinor += amountMinor;
      }
    }
    for (const credit of book.credits) {
      events.push({
        invoiceId: credit.invoiceId,
        kind: "credit",
        date: date(credit.day),
        amountMinor: credit.amountMinor,
      });
      if (dueById.get(credit.invoiceId)) dueMinor -= credit.amountMinor;
    }
    for (const kind of COMPLAINT_KINDS) complaintsByKind[kind] += book.complaints[kind];
    for (const [channel, n] of Object.entries(book.contactsByChannel)) contactsByChannel[channel]! += n;
    contacts += book.contactsReceived;
    conversations += book.conversations;
    ceaseRequests += book.ceaseRequests;
    plans += book.plansAccepted;
    for (const promise of book.promises) {
      promisesMade += 1;
      const deadline = promise.promisedDay + PROMISE_GRACE_DAYS;
      const kept = promise.invoiceIds.every((id) => {
        const paid = book.paidDay.get(id);
        return paid !== undefined && paid <= deadline;
      });
      if (kept) promisesKept += 1;
      else if (deadline < lastDay) promisesBroken += 1;
    }
  }

  const metrics = arMetrics({ invoices, events }, asOf, {
    periodDays: portfolio.days,
    countback: { unit: "days", days: COUNTBACK_BLOCK_DAYS },
  }).find((m) => m.currency === CURRENCY);
  const complaints = Object.values(complaintsByKind).reduce((t, n) => t + n, 0);
  return {
    dsoCountbackDays: metrics?.dsoCountback.value ?? null,
    dsoStandardDays: metrics?.dsoStandard.value ?? null,
    collectedShare: dueMinor > 0 ? collectedMinor / dueMinor : 0,
    collectedMinor,
    dueMinor,
    invoicedMinor,
    cashCollectedMinor,
    openArEndMinor: run.openMinorByDay.at(-1) ?? 0,
    contactsPer1000Collected: cashCollectedMinor > 0 ? contacts / (cashCollectedMinor / 100_000) : null,
    contacts,
    contactsByChannel,
    conversations,
    approvals: run.approvals,
    complaints,
    complaintsByKind,
    promisesMade,
    promisesKept,
    promisesBroken,
    ceaseRequests,
    legalReferrals: run.legalReferrals,
    paymentPlansAccepted: plans,
    policy: run.policy,
  };
}

/** Mean, sample standard deviation, min and max of the values that are defined (NaN when none is). */
export function stat(values: readonly (number | null)[]): Stat {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length === 0) return { mean: Number.NaN, sd: Number.NaN, min: Number.NaN, max: Number.NaN };
  const mean = xs.reduce((t, x) => t + x, 0) / xs.length;
  const variance = xs.length > 1 ? xs.reduce((t, x) => t + (x - mean) ** 2, 0) / (xs.length - 1) : 0;
  return { mean, sd: Math.sqrt(variance), min: Math.min(...xs), max: Math.max(...xs) };
}

export function summarise(perArm: readonly ArmMetrics[]): Record<SummaryMetric, Stat> {
  return Object.fromEntries(SUMMARY_METRICS.map((key) => [key, stat(perArm.map((m) => m[key]))])) as Record<
    SummaryMetric,
    Stat
  >;
}

export function summariseComplaints(perArm: readonly ArmMetrics[]): Record<ComplaintKind, Stat> {
  return Object.fromEntries(
    COMPLAINT_KINDS.map((kind) => [kind, stat(perArm.map((m) => m.complaintsByKind[kind]))]),
  ) as Record<ComplaintKind, Stat>;
}

/** (baseline DSO − ARC DSO) ÷ baseline DSO: the fraction by which ARC shortens DSO (negative: lengthens). */
export function dsoReduction(arc: ArmMetrics, baseline: ArmMetrics): number | null {
  const a = arc.dsoCountbackDays;
  const b = baseline.dsoCountbackDays;
  return a === null || b === null || b <= 0 ? null : (b - a) / b;
}
