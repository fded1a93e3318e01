// The seam between the cash-application specialist and a matching engine. A PaymentMatcher looks at
// one payment and the customer's open invoices and proposes ways to apply it, each with a confidence
// and an explanation; the specialist decides which proposals to apply (decide.ts). The rules
// implementation here, `referenceMatcher`, is deliberately conservative; issue 4's engine (payer
// identification, subset sums, tolerances, FX) implements the same interface.
//
// Invariants every matcher keeps (and `checkProposal` verifies): one currency, the payment's; no
// application above an invoice's balance; the sum never above the payment's unapplied amount; each
// invoice at most once; amounts positive integers of minor units.
import type {
  SnapshotCustomer,
  SnapshotOpenInvoice,
  SnapshotPayment,
} from "../../tools/read/account-snapshot-types.ts";
import {
  type Citation,
  compareText,
  findCitations,
  looksLikeInvoiceCitation,
  QUALITY_WORDS,
  type ReferenceQuality,
  referencePrefix,
} from "./reference.ts";

export type MatchMethod = "reference" | "amount" | "oldest_first";

export interface MatchProposal {
  paymentId: string;
  applications: { invoiceId: string; amountMinor: number }[];
  method: MatchMethod;
  /** 0..1: how sure the matcher is that this is what the payer meant. */
  confidence: number;
  /** One line a collector reads; names invoices by their number, never quotes the remittance. */
  why: string;
}

/** What a matcher needs to know of the customer: who it is and the bank accounts it pays from. */
export type MatchCustomer = Pick<SnapshotCustomer, "id" | "bankAccounts">;

export interface PaymentMatcher {
  /** Proposals best first (confidence, then method, then invoices); empty when nothing fits. */
  match(
    payment: SnapshotPayment,
    openInvoices: SnapshotOpenInvoice[],
    customer: MatchCustomer,
  ): MatchProposal[];
}

/**
 * Confidence of a reference match whose amount agrees exactly (one invoice's balance, or the sum of
 * the cited invoices' balances), by the weakest citation's quality.
 */
export const REFERENCE_CONFIDENCE: Record<ReferenceQuality, number> = {
  exact: 0.99,
  zeros: 0.97,
  fused: 0.92,
  no_prefix: 0.9,
  transposed: 0.8,
  partial: 0.7,
};

/** Multipliers when the cited invoices' balances and the payment disagree. */
export const REFERENCE_SHORT_PAY_FACTOR = 0.8; // pays less than the one cited invoice: a partial payment
export const REFERENCE_OVERPAY_FACTOR = 0.85; // pays more than the one cited invoice: the rest stays unapplied
export const REFERENCE_SPLIT_FACTOR = 0.6; // several cited, sum differs: allocated oldest first among them

/**
 * Amount-only and oldest-first confidences for the customer's own (identified) payments. With no
 * customer identified they are capped at UNIDENTIFIED_CAP (or KNOWN_ACCOUNT_CAP when the payer account
 * is one of the customer's): Odoo proposes such matches but never auto-validates them.
 */
export const AMOUNT_CONFIDENCE = {
  /** One open invoice's balance equals the payment and the remittance cites no invoice. */
  unique: 0.95,
  /** As above, but the remittance cites an invoice number we cannot find among the open ones. */
  citesUnknown: 0.8,
  /** As above, but the remittance cites a *different* open invoice (whose balance does not fit). */
  citesOther: 0.7,
  /** Multiplier when several open invoices have that balance (the oldest is proposed). */
  ambiguousFactor: 0.6,
} as const;
export const OLDEST_FIRST_CONFIDENCE = {
  /** The payment equals the total open balance in its currency. */
  wholeBalance: 0.95,
  /** The payment equals the total open balance of the undisputed invoices. */
  undisputedBalance: 0.9,
} as const;
export const UNIDENTIFIED_CAP = 0.5;
export const KNOWN_ACCOUNT_CAP = 0.8;

const METHOD_RANK: Record<MatchMethod, number> = { reference: 0, amount: 1, oldest_first: 2 };

/** Oldest first: due date, then issue date, then number, then id — a total order. */
export function byAge(a: SnapshotOpenInvoice, b: SnapshotOpenInvoice): number {
  return (
    compareText(a.dueDate, b.dueDate) ||
    compareText(a.issueDate, b.issueDate) ||
    compareText(a.externalRef, b.externalRef) ||
    compareText(a.id, b.id)
  );
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

function applicationsKey(p: MatchProposal): string {
  return p.applications.map((a) => `${a.invoiceId}:${a.amountMinor}`).join(",");
}

/** Best first, a total order, so shuffled inputs give identical output. */
export function compareProposals(a: MatchProposal, b: MatchProposal): number {
  return (
    b.confidence - a.confidence ||
    METHOD_RANK[a.method] - METHOD_RANK[b.method] ||
    a.applications.length - b.applications.length ||
    compareText(applicationsKey(a), applicationsKey(b)) ||
    compareText(a.paymentId, b.paymentId)
  );
}

/** Allocates `amount` over invoices in the given order, never above a balance. */
function allocate(
  amount: number,
  invoices: SnapshotOpenInvoice[],
): { invoiceId: string; amountMinor: number }[] {
  const out: { invoiceId: string; amountMinor: number }[] = [];
  let left = amount;
  for (const invoice of invoices) {
    if (left <= 0) break;
    const take = Math.min(left, invoice.balanceMinor);
    if (take > 0) out.push({ invoiceId: invoice.id, amountMinor: take });
    left -= take;
  }
  return out;
}

const refs = (invoices: SnapshotOpenInvoice[]) => invoices.map((i) => i.externalRef).join(", ");

/**
 * Why a proposal breaks an invariant, or null when it keeps them all. The specialist runs every
 * proposal through this before planning it, whatever matcher produced it.
 */
export function checkProposal(
  proposal: MatchProposal,
  payment: SnapshotPayment,
  openInvoices: readonly SnapshotOpenInvoice[],
): string | null {
  if (proposal.paymentId !== payment.id) return "proposal is for another payment";
  if (proposal.applications.length === 0) return "no applications";
  if (!(proposal.confidence >= 0 && proposal.confidence <= 1)) return "confidence outside 0..1";
  const seen = new Set<string>();
  let total = 0;
  for (const a of proposal.applications) {
    const invoice = openInvoices.find((i) => i.id === a.invoiceId);
    if (!invoice) return `invoice ${a.invoiceId} is not open for this customer`;
    if (seen.has(a.invoiceId)) return `invoice ${invoice.externalRef} appears twice`;
    seen.add(a.invoiceId);
    if (invoice.currency !== payment.currency)
      return `invoice ${invoice.externalRef} is in ${invoice.currency}, the payment in ${payment.currency}`;
    if (!Number.isSafeInteger(a.amountMinor) || a.amountMinor <= 0) return "amount is not a positive integer";
    if (a.amountMinor > invoice.balanceMinor) return `more than invoice ${invoice.externalRef}'s balance`;
    total += a.amountMinor;
  }
  if (total > payment.unappliedMinor) return "more than the payment's unapplied amount";
  return null;
}

/** Rules matcher: reference tokens, exact amount, oldest first. See the constants above for confidences. */
export const referenceMatcher: PaymentMatcher = {
  match(payment, openInvoices, customer) {
    const unapplied = payment.unappliedMinor;
    if (!(unapplied > 0)) return [];
    if (payment.customerId !== null && payment.customerId !== customer.id) return [];
    const invoices = openInvoices
      .filter((i) => i.currency === payment.currency && i.balanceMinor > 0)
      .sort(byAge);
    if (invoices.length === 0) return [];

    const identified = payment.customerId === customer.id;
    const knownAccount =
      payment.payerAccount !== null && customer.bankAccounts.includes(payment.payerAccount);
    const cap = identified ? 1 : knownAccount ? KNOWN_ACCOUNT_CAP : UNIDENTIFIED_CAP;
    const payer = identified
      ? "the customer's payment"
      : knownAccount
        ? "an unidentified payment from one of the customer's bank accounts"
        : "an unidentified payment";

    const citations = findCitations(payment.remittanceText, invoices);
    const quality = new Map<string, Citation["quality"]>(citations.map((c) => [c.invoiceId, c.quality]));
    const cited = invoices.filter((i) => quality.has(i.id)); // oldest first
    const prefixes = invoices
      .map((i) => referencePrefix(i.externalRef))
      .filter((p): p is string => p !== null);
    const citesUnknown = cited.length === 0 && looksLikeInvoiceCitation(payment.remittanceText, prefixes);

    const proposals: MatchProposal[] = [];
    const add = (p: Omit<MatchProposal, "paymentId">) =>
      proposals.push({ paymentId: payment.id, ...p, confidence: round3(p.confidence) });

    // 1. References: the cited invoice whose balance is the payment, or the cited set summing to it.
    for (const invoice of cited) {
      if (invoice.balanceMinor !== unapplied) continue;
      const q = quality.get(invoice.id)!;
      add({
        applications: [{ invoiceId: invoice.id, amountMinor: unapplied }],
        method: "reference",
        confidence: REFERENCE_CONFIDENCE[q],
        why: `${payer}: remittance ${QUALITY_WORDS[q]} invoice ${invoice.externalRef}, and the amount equals its balance`,
      });
    }
    const citedTotal = cited.reduce((sum, i) => sum + i.balanceMinor, 0);
    const weakest = cited.reduce(
      (min, i) => Math.min(min, REFERENCE_CONFIDENCE[quality.get(i.id)!]),
      REFERENCE_CONFIDENCE.exact,
    );
    if (cited.length >= 2 && citedTotal === unapplied) {
      add({
        applications: cited.map((i) => ({ invoiceId: i.id, amountMinor: i.balanceMinor })),
        method: "reference",
        confidence: weakest,
        why: `${payer}: remittance cites invoices ${refs(cited)}, and the amount equals the sum of their balances`,
      });
    }
    if (cited.length > 0 && !proposals.some((p) => p.method === "reference")) {
      // The amount does not fit what is cited: a partial payment, an overpayment, or a split to check.
      const applications = allocate(unapplied, cited);
      const only = cited.length === 1 ? cited[0]! : null;
      const factor = only
        ? unapplied < only.balanceMinor
          ? REFERENCE_SHORT_PAY_FACTOR
          : REFERENCE_OVERPAY_FACTOR
        : REFERENCE_SPLIT_FACTOR;
      const shape = only
        ? unapplied < only.balanceMinor
          ? `pays less than its balance (a partial payment)`
          : `pays more than its balance (the rest stays unapplied)`
        : `the amount differs from the sum of their balances (allocated oldest first)`;
      add({
        applications,
        method: "reference",
        confidence: weakest * factor,
        why: `${payer}: remittance cites invoice${only ? "" : "s"} ${refs(cited)}, but ${shape}`,
      });
    }

    // 2. Amount: one open invoice whose balance is exactly the payment.
    const sameAmount = invoices.filter((i) => i.balanceMinor === unapplied);
    // A cited invoice of that balance is the reference proposal's already.
    if (sameAmount.length > 0 && !quality.has(sameAmount[0]!.id)) {
      const target = sameAmount[0]!; // the oldest
      const base =
        cited.length > 0
          ? AMOUNT_CONFIDENCE.citesOther
          : citesUnknown
            ? AMOUNT_CONFIDENCE.citesUnknown
            : AMOUNT_CONFIDENCE.unique;
      const ambiguous = sameAmount.length > 1;
      const context =
        cited.length > 0
          ? "though the remittance cites other invoices"
          : citesUnknown
            ? "though the remittance cites an invoice number that is not open"
            : "and the remittance cites no invoice";
      add({
        applications: [{ invoiceId: target.id, amountMinor: unapplied }],
        method: "amount",
        confidence: Math.min(cap, base * (ambiguous ? AMOUNT_CONFIDENCE.ambiguousFactor : 1)),
        why:
          `${payer}: the amount equals the balance of invoice ${target.externalRef}` +
          (ambiguous
            ? ` (and of ${sameAmount.length - 1} other open invoice(s); the oldest is proposed)`
            : "") +
          `, ${context}`,
      });
    }

    // 3. Oldest first: only when nothing is cited and the payment is exactly the whole open balance.
    if (cited.length === 0 && !citesUnknown) {
      const total = invoices.reduce((sum, i) => sum + i.balanceMinor, 0);
      const undisputed = invoices.filter((i) => !i.disputed);
      const undisputedTotal = undisputed.reduce((sum, i) => sum + i.balanceMinor, 0);
      if (invoices.length >= 2 && total === unapplied) {
        add({
          applications: invoices.map((i) => ({ invoiceId: i.id, amountMinor: i.balanceMinor })),
          method: "oldest_first",
          confidence: Math.min(cap, OLDEST_FIRST_CONFIDENCE.wholeBalance),
          why: `${payer}: cites no invoice and equals the total open balance of ${invoices.length} invoices (${refs(invoices)})`,
        });
      } else if (
        undisputed.length >= 2 &&
        undisputed.length < invoices.length &&
        undisputedTotal === unapplied
      ) {
        add({
          applications: undisputed.map((i) => ({ invoiceId: i.id, amountMinor: i.balanceMinor })),
          method: "oldest_first",
          confidence: Math.min(cap, OLDEST_FIRST_CONFIDENCE.undisputedBalance),
          why: `${payer}: cites no invoice and equals the total balance of the ${undisputed.length} undisputed invoices (${refs(undisputed)})`,
        });
      }
    }

    // Best first; one proposal per distinct set of applications (the more confident one).
    const seen = new Set<string>();
    return proposals
      .sort(compareProposals)
      .filter((p) => {
        const key = applicationsKey(p);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      })
      .filter((p) => checkProposal(p, payment, invoices) === null);
  },
};
