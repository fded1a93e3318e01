// Cash application, rules brain: which of the account's unapplied payments to apply now, and which
// to leave for a person. Pure: the snapshot in, planned `apply_payment` calls out.
//
// - Payments considered: the customer's own with money unapplied, and the candidate (unidentified)
//   payments the snapshot lists as possibly this customer's.
// - Greedy by confidence: the most confident auto-applicable proposal across all payments is planned
//   first (the earliest received among equals), the invoice balances it uses are taken off, and the rest are matched again — so two
//   payments never claim the same balance, and a payment is applied at most once per run.
// - Auto-applicable: confidence ≥ threshold (default 0.95) and, for an unidentified payment, a match
//   by invoice reference (the cited invoice is this customer's). An amount-only or oldest-first match
//   of a payment with no customer identified is never applied automatically, whatever the threshold.
// - Everything else goes to `forReview`, ranked, each with its explanation.
import type {
  AccountSnapshot,
  PlannedCall,
  SnapshotPayment,
} from "../../tools/read/account-snapshot-types.ts";
import {
  checkProposal,
  compareProposals,
  type MatchProposal,
  type PaymentMatcher,
  referenceMatcher,
} from "./match.ts";
import { compareText } from "./reference.ts";

export const DEFAULT_AUTO_APPLY_THRESHOLD = 0.95;
/** Ranked proposals kept for review per payment. */
export const REVIEW_PROPOSALS_PER_PAYMENT = 3;

export interface CashOptions {
  /** Proposals at or above this confidence are applied (0..1, default 0.95). */
  autoApplyThreshold?: number;
  /** The matching engine; the rules `referenceMatcher` by default (issue 4 plugs its engine in here). */
  matcher?: PaymentMatcher;
}

export interface CashDecision {
  calls: PlannedCall[];
  notes: string[];
  /** Proposals not applied, ranked per payment (payments oldest first), each with its why. */
  forReview: MatchProposal[];
}

const isIdentified = (payment: SnapshotPayment, customerId: string) => payment.customerId === customerId;

/** The one rule for what may be applied without a person. */
export function autoApplicable(
  proposal: MatchProposal,
  payment: SnapshotPayment,
  customerId: string,
  threshold: number,
): boolean {
  if (proposal.confidence < threshold) return false;
  return isIdentified(payment, customerId) || proposal.method === "reference";
}

export function decideCashApplication(snapshot: AccountSnapshot, options: CashOptions = {}): CashDecision {
  const threshold = options.autoApplyThreshold ?? DEFAULT_AUTO_APPLY_THRESHOLD;
  if (!(threshold >= 0 && threshold <= 1))
    throw new RangeError(`autoApplyThreshold ${threshold} is not in 0..1`);
  const matcher = options.matcher ?? referenceMatcher;
  const customer = snapshot.customer;

  const byId = new Map<string, SnapshotPayment>();
  for (const p of snapshot.unappliedPayments)
    if (p.customerId === customer.id && p.unappliedMinor > 0) byId.set(p.id, p);
  for (const p of snapshot.candidatePayments)
    if (p.customerId === null && p.unappliedMinor > 0 && !byId.has(p.id)) byId.set(p.id, p);
  const order = (a: SnapshotPayment, b: SnapshotPayment) =>
    compareText(a.receivedOn, b.receivedOn) || compareText(a.id, b.id);
  let remaining = [...byId.values()].sort(order);

  const balances = new Map(snapshot.openInvoices.map((i) => [i.id, i.balanceMinor]));
  const openView = () =>
    snapshot.openInvoices
      .map((i) => ({ ...i, balanceMinor: balances.get(i.id) ?? 0 }))
      .filter((i) => i.balanceMinor > 0)
      .sort((a, b) => compareText(a.id, b.id)); // the matcher sees the same order whatever the input's
  const proposalsFor = (payment: SnapshotPayment) => {
    const view = openView();
    return matcher
      .match(payment, view, customer)
      .filter((p) => checkProposal(p, payment, view) === null)
      .sort(compareProposals);
  };

  const calls: PlannedCall[] = [];
  const notes: string[] = [];
  for (;;) {
    let chosen: { payment: SnapshotPayment; proposal: MatchProposal } | null = null;
    for (const payment of remaining) {
      const proposal = proposalsFor(payment).find((p) => autoApplicable(p, payment, customer.id, threshold));
      if (!proposal) continue;
      // Strictly better only: among equally good matches the earliest payment (received first) wins.
      const anonymous = (p: MatchProposal) => ({ ...p, paymentId: "" });
      if (!chosen || compareProposals(anonymous(proposal), anonymous(chosen.proposal)) < 0) {
        chosen = { payment, proposal };
      }
    }
    if (!chosen) break;
    const { payment, proposal } = chosen;
    for (const a of proposal.applications)
      balances.set(a.invoiceId, (balances.get(a.invoiceId) ?? 0) - a.amountMinor);
    remaining = remaining.filter((p) => p.id !== payment.id);
    calls.push({
      tool: "apply_payment",
      input: {
        paymentId: payment.id,
        applications: proposal.applications.map((a) => ({
          invoiceId: a.invoiceId,
          amountMinor: a.amountMinor,
        })),
        method: proposal.method,
        confidence: proposal.confidence,
      },
      key: `cash:${payment.id}`,
      why: `${proposal.why} (confidence ${proposal.confidence})`,
    });
    notes.push(
      `payment ${payment.externalRef}: applied by ${proposal.method} (confidence ${proposal.confidence})`,
    );
  }

  const forReview: MatchProposal[] = [];
  for (const payment of remaining) {
    const proposals = proposalsFor(payment).slice(0, REVIEW_PROPOSALS_PER_PAYMENT);
    if (proposals.length === 0) {
      notes.push(
        `payment ${payment.externalRef} (${payment.unappliedMinor} ${payment.currency} unapplied): no match among the open ${payment.currency} invoices; left for review`,
      );
      continue;
    }
    const best = proposals[0]!;
    const reason =
      best.confidence >= threshold && !autoApplicable(best, payment, customer.id, threshold)
        ? "no customer identified and not matched by invoice reference, so never applied automatically"
        : `confidence ${best.confidence} is below the auto-apply threshold ${threshold}`;
    notes.push(`payment ${payment.externalRef}: best match by ${best.method}, left for review (${reason})`);
    for (const p of proposals) forReview.push({ ...p, why: p === best ? `${p.why}; ${reason}` : p.why });
  }
  return { calls, notes, forReview };
}
