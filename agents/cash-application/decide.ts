// Cash application, rules brain: what to do with the account's unapplied money. Pure: the snapshot
// and policy in, planned tool calls out; the matching itself is the engine in tools/cash-matching.
//
// - Payments considered: the customer's own with money unapplied, and the unidentified payments
//   payer identification (identify_payments) suggested are this customer's.
// - Every payment with a match gets one `apply_payment` call carrying the match's confidence, its
//   explanation and the runner-up matches. The policy decides what happens: at or above
//   cashApplication.autoApplyThreshold it is applied; below, it waits in the approval queue, where a
//   collector approves it, edits it into one of the alternatives, or rejects it.
// - A suggested payer is only as sure as its identification: the engine is given the stored
//   identification and caps the match by it, exactly as in its portfolio-wide evaluation, so a
//   payment whose payer was recognised by name alone is never applied without a person.
// - What the match leaves on its invoices follows the application (dependsOn): a write-off for a
//   gap within tolerance, bank charges, an FX difference or an early-payment discount taken, and a
//   short_payment dispute for a deduction beyond tolerance. An overpayment stays unapplied credit.

import type { PolicyDocument } from "../../policies/index.ts";
import { matchSettingsFrom } from "../../tools/cash-application.ts";
import {
  type Adjustment,
  createDirectory,
  type MatchInvoice,
  type MatchPayment,
  type MatchProposal,
  matchPayments,
  type PayerIdentification,
} from "../../tools/cash-matching/index.ts";
import { formatMoney } from "../../tools/messages.ts";
import type {
  AccountSnapshot,
  PlannedCall,
  SnapshotOpenInvoice,
  SnapshotPayment,
} from "../../tools/read/account-snapshot-types.ts";

/** Ranked alternatives kept beside a proposal for the reviewer. */
export const REVIEW_ALTERNATIVES = 4;

export interface CashDecision {
  calls: PlannedCall[];
  notes: string[];
}

const WRITE_OFF_REASON: Record<Adjustment["kind"], string> = {
  write_off: "short_pay",
  bank_charges: "bank_charges",
  fx_difference: "fx_difference",
  early_payment_discount: "early_payment_discount",
};

const ADJUSTMENT_WORDS: Record<Adjustment["kind"], string> = {
  write_off: "a short payment within tolerance",
  bank_charges: "bank charges deducted in transit",
  fx_difference: "an exchange-rate difference",
  early_payment_discount: "the early-payment discount the terms allow",
};

function toMatchPayment(payment: SnapshotPayment): MatchPayment {
  return {
    id: payment.id,
    externalRef: payment.externalRef,
    customerId: payment.customerId,
    payerName: payment.payerName,
    payerAccount: payment.payerAccount,
    currency: payment.currency,
    amountMinor: payment.amountMinor,
    unappliedMinor: payment.unappliedMinor,
    receivedOn: payment.receivedOn,
    remittanceText: payment.remittanceText,
    chargesMinor: payment.chargesMinor,
    original: payment.original,
  };
}

function toMatchInvoice(invoice: SnapshotOpenInvoice, customerId: string): MatchInvoice {
  return {
    id: invoice.id,
    customerId,
    externalRef: invoice.externalRef,
    currency: invoice.currency,
    amountMinor: invoice.amountMinor,
    balanceMinor: invoice.balanceMinor,
    issueDate: invoice.issueDate,
    dueDate: invoice.dueDate,
    disputed: invoice.disputed,
    earlyDiscount: invoice.earlyDiscount,
  };
}

export function decideCashApplication(snapshot: AccountSnapshot, policy: PolicyDocument): CashDecision {
  const customer = snapshot.customer;
  const settings = matchSettingsFrom(policy);
  const own = snapshot.unappliedPayments.filter((p) => p.customerId === customer.id && p.unappliedMinor > 0);
  const suggested = snapshot.candidatePayments.filter(
    (p) => p.customerId === null && p.unappliedMinor > 0 && !own.some((o) => o.id === p.id),
  );
  const calls: PlannedCall[] = [];
  const notes: string[] = [];
  if (own.length + suggested.length === 0) return { calls, notes };

  const byId = new Map([...own, ...suggested].map((p) => [p.id, p]));
  const refOf = new Map(snapshot.openInvoices.map((i) => [i.id, i.externalRef]));
  const directory = createDirectory({
    customers: [
      {
        id: customer.id,
        externalRef: customer.externalRef,
        name: customer.name,
        bankAccounts: customer.bankAccounts,
      },
    ],
    openInvoices: snapshot.openInvoices.map((i) => toMatchInvoice(i, customer.id)),
    mappings: [],
  });
  // Suggested payments keep customerId null: the identification travels beside them, so the
  // engine applies its cap for the way the payer was found (a name match stays a name match).
  const payers = new Map<string, PayerIdentification>();
  for (const p of suggested) {
    const found = p.identification;
    payers.set(p.id, {
      customerId: customer.id,
      method: found && found.method !== "none" ? found.method : "name",
      confidence: found?.confidence ?? 0,
      why: found?.why ?? "suggested without a recorded identification",
      candidates: found?.candidates ?? [],
    });
  }
  const matches = matchPayments([...byId.values()].map(toMatchPayment), directory, settings, { payers });

  for (const match of matches) {
    const payment = byId.get(match.payment.id)!;
    const identification = payment.customerId === null ? payment.identification : null;
    const ranked = match.proposals;
    const best = match.autoApply ?? ranked[0];
    if (!best) {
      notes.push(
        `payment ${payment.externalRef} (${formatMoney(payment.unappliedMinor, payment.currency)} unapplied): no match among the open ${payment.currency} invoices; left for a person`,
      );
      continue;
    }
    const payerWhy = identification ? `payer: ${identification.why}; ` : "";
    const applyKey = `cash:${payment.id}`;
    const alternatives = ranked
      .filter((p) => p !== best)
      .slice(0, REVIEW_ALTERNATIVES)
      .map((p) => describeAlternative(p, refOf));
    calls.push({
      tool: "apply_payment",
      input: {
        paymentId: payment.id,
        applications: best.applications.map((a) => ({ invoiceId: a.invoiceId, amountMinor: a.amountMinor })),
        method: best.method,
        confidence: best.confidence,
      },
      key: applyKey,
      why: `${payerWhy}${best.why} (confidence ${best.confidence})`,
      ...(alternatives.length > 0 ? { alternatives } : {}),
    });
    for (const adjustment of best.adjustments) {
      const ref = refOf.get(adjustment.invoiceId) ?? adjustment.invoiceId;
      calls.push({
        tool: "write_off",
        input: {
          invoiceId: adjustment.invoiceId,
          amountMinor: adjustment.amountMinor,
          reason: WRITE_OFF_REASON[adjustment.kind],
          paymentId: payment.id,
          note: `payment ${payment.externalRef}: ${ADJUSTMENT_WORDS[adjustment.kind]}`,
        },
        key: `cash:${payment.id}:write_off:${adjustment.invoiceId}`,
        why: `write off ${formatMoney(adjustment.amountMinor, payment.currency)} on invoice ${ref}: ${ADJUSTMENT_WORDS[adjustment.kind]}`,
        dependsOn: [applyKey],
      });
    }
    for (const deduction of best.deductions) {
      const ref = refOf.get(deduction.invoiceId) ?? deduction.invoiceId;
      calls.push({
        tool: "open_dispute",
        input: {
          invoiceId: deduction.invoiceId,
          category: "short_payment",
          amountMinor: deduction.amountMinor,
          description: `Deduction: payment ${payment.externalRef} left ${formatMoney(deduction.amountMinor, payment.currency)} of invoice ${ref} unpaid with no reason within tolerance.`,
        },
        key: `cash:${payment.id}:deduction:${deduction.invoiceId}`,
        why: `a deduction of ${formatMoney(deduction.amountMinor, payment.currency)} on invoice ${ref} beyond the short-pay tolerance goes to the dispute agent`,
        dependsOn: [applyKey],
      });
    }
    const shape = [
      best.partial ? "a declared partial payment (the rest stays open)" : null,
      best.leftUnappliedMinor > 0
        ? `${formatMoney(best.leftUnappliedMinor, payment.currency)} left as unapplied credit`
        : null,
    ].filter((s): s is string => s !== null);
    notes.push(
      `payment ${payment.externalRef}: ${best.method} match, confidence ${best.confidence}` +
        (best.confidence >= settings.autoApplyThreshold
          ? ""
          : " (below the auto-apply threshold: for review)") +
        (shape.length > 0 ? `; ${shape.join("; ")}` : ""),
    );
  }
  return { calls, notes };
}

/** An alternative as a reviewer reads it (and an edit can adopt it as apply_payment's input). */
function describeAlternative(proposal: MatchProposal, refOf: Map<string, string>) {
  return {
    applications: proposal.applications.map((a) => ({
      invoiceId: a.invoiceId,
      invoice: refOf.get(a.invoiceId) ?? a.invoiceId,
      amountMinor: a.amountMinor,
    })),
    method: proposal.method,
    confidence: proposal.confidence,
    why: proposal.why,
  };
}
