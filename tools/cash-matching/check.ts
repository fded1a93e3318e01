// Invariants every proposal keeps, whatever produced it (this engine, a person's edit, another
// matcher), and the total order proposals are ranked by.
import { compareText } from "./text.ts";
import type { MatchInvoice, MatchMethod, MatchPayment, MatchProposal } from "./types.ts";

const METHODS: readonly MatchMethod[] = ["reference", "amount", "subset", "oldest_first"];
const ADJUSTMENT_KINDS = new Set(["write_off", "early_payment_discount", "bank_charges", "fx_difference"]);

const positiveInteger = (x: number) => Number.isSafeInteger(x) && x > 0;

/**
 * Why a proposal breaks an invariant, or null when it keeps them all: one customer and one
 * currency (the payment's); each invoice open, the customer's, at most once; applied plus adjusted
 * plus deducted never above an invoice's balance; adjustments and deductions only on applied
 * invoices; applications plus what is left unapplied equal to the payment's unapplied amount;
 * a declared partial payment has no deductions; amounts positive integers of minor units.
 */
export function checkProposal(
  p: MatchProposal,
  payment: MatchPayment,
  openInvoices: readonly MatchInvoice[],
): string | null {
  if (p.paymentId !== payment.id) return "proposal is for another payment";
  if (!METHODS.includes(p.method)) return `unknown method ${String(p.method)}`;
  if (p.applications.length === 0) return "no applications";
  if (!(p.confidence >= 0 && p.confidence <= 1)) return "confidence outside 0..1";
  if (payment.customerId !== null && payment.customerId !== p.customerId)
    return "proposal is for another customer than the payment's";
  const invoices = new Map(openInvoices.map((i) => [i.id, i]));
  const used = new Map<string, number>();
  let total = 0;
  for (const a of p.applications) {
    const invoice = invoices.get(a.invoiceId);
    if (!invoice) return `invoice ${a.invoiceId} is not open`;
    if (invoice.customerId !== p.customerId) return `invoice ${invoice.externalRef} is another customer's`;
    if (used.has(a.invoiceId)) return `invoice ${invoice.externalRef} appears twice`;
    if (invoice.currency !== payment.currency)
      return `invoice ${invoice.externalRef} is in ${invoice.currency}, the payment in ${payment.currency}`;
    if (!positiveInteger(a.amountMinor)) return "an applied amount is not a positive integer";
    used.set(a.invoiceId, a.amountMinor);
    total += a.amountMinor;
  }
  for (const adj of p.adjustments) {
    if (!ADJUSTMENT_KINDS.has(adj.kind)) return `unknown adjustment ${String(adj.kind)}`;
    if (!used.has(adj.invoiceId)) return "an adjustment is on an invoice the payment is not applied to";
    if (!positiveInteger(adj.amountMinor)) return "an adjustment is not a positive integer";
    used.set(adj.invoiceId, used.get(adj.invoiceId)! + adj.amountMinor);
  }
  for (const d of p.deductions) {
    if (!used.has(d.invoiceId)) return "a deduction is on an invoice the payment is not applied to";
    if (!positiveInteger(d.amountMinor)) return "a deduction is not a positive integer";
    used.set(d.invoiceId, used.get(d.invoiceId)! + d.amountMinor);
  }
  for (const [invoiceId, amount] of used) {
    const invoice = invoices.get(invoiceId)!;
    if (amount > invoice.balanceMinor) return `more than invoice ${invoice.externalRef}'s balance`;
  }
  if (p.partial && p.deductions.length > 0) return "a declared partial payment has no deductions";
  if (!Number.isSafeInteger(p.leftUnappliedMinor) || p.leftUnappliedMinor < 0)
    return "left unapplied is not a whole amount ≥ 0";
  if (total + p.leftUnappliedMinor !== payment.unappliedMinor)
    return "applications and what is left unapplied do not add up to the payment's unapplied amount";
  return null;
}

const METHOD_RANK: Record<MatchMethod, number> = { reference: 0, amount: 1, subset: 2, oldest_first: 3 };

/** What a proposal does, as text: equal keys mean the same allocation. */
export function allocationKey(p: MatchProposal): string {
  return [
    p.customerId,
    p.applications.map((a) => `${a.invoiceId}:${a.amountMinor}`).join(","),
    p.adjustments.map((a) => `${a.invoiceId}:${a.kind}:${a.amountMinor}`).join(","),
    p.deductions.map((d) => `${d.invoiceId}:${d.amountMinor}`).join(","),
    p.partial ? "partial" : "",
    String(p.leftUnappliedMinor),
  ].join("|");
}

/** Best first, a total order, so shuffled inputs give identical output. */
export function compareProposals(a: MatchProposal, b: MatchProposal): number {
  return (
    b.confidence - a.confidence ||
    METHOD_RANK[a.method] - METHOD_RANK[b.method] ||
    a.applications.length - b.applications.length ||
    compareText(allocationKey(a), allocationKey(b)) ||
    compareText(a.paymentId, b.paymentId) ||
    compareText(a.why, b.why)
  );
}
