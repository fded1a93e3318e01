// The supervisor's router: which specialists an account needs, in which order, and why. Pure and
// cheap, so accounts needing nothing are skipped without waking any specialist.
//   unapplied cash that may be theirs → cash application first (balances are wrong until applied)
//   live disputes                     → dispute (a disputed invoice must not be dunned)
//   undisputed balance overdue, or due within the account's reminder window, not covered by a live
//   promise or plan (collection/plans.ts, the rule the specialist pauses by) → collection
//   any open invoice                  → forecasting
import type { PolicyDocument } from "../policies/document.ts";
import type { AccountSnapshot } from "../tools/read/account-snapshot-types.ts";
import type { SpecialistName } from "./brain.ts";
import { segmentLadder } from "./collection/ladder.ts";
import { planCovers } from "./collection/plans.ts";
import { type CollectionSegment, deriveSegment } from "./collection/segment.ts";

/**
 * How many days before the due date collection must be woken for an account's invoices, from the
 * policy's ladder: its first level as written (the pre-due reminder, 3 days before), or earlier when
 * the account's segment moves the cadence earlier (problem payers, shift −3: 6 days). A segment that
 * moves it later or skips the first level (prompt payers) does not narrow the window: that is the
 * specialist's call, and its notes say why nothing was sent. Never below 0 — an overdue invoice
 * always wakes collection.
 */
export function reminderWindowDays(policy: PolicyDocument, segment: CollectionSegment): number {
  const asWritten = policy.dunning.levels[0]?.offsetDays ?? 0;
  const forSegment = segmentLadder(policy, segment)[0]?.at ?? asWritten;
  return Math.max(0, -Math.min(asWritten, forSegment));
}

export interface RoutePlan {
  steps: SpecialistName[];
  reasons: string[];
}

const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

export function routeAccount(snapshot: AccountSnapshot, policy: PolicyDocument): RoutePlan {
  const steps: SpecialistName[] = [];
  const reasons: string[] = [];
  const cash = snapshot.unappliedPayments.length + snapshot.candidatePayments.length;
  if (cash > 0) {
    steps.push("cash_application");
    reasons.push(`cash_application: ${cash} unapplied payment(s) that may be this customer's`);
  }
  const liveDisputes = snapshot.disputes.filter((d) => d.status === "open" || d.status === "investigating");
  if (liveDisputes.length > 0) {
    steps.push("dispute");
    reasons.push(`dispute: ${liveDisputes.length} live dispute(s)`);
  }
  // The segment the collection specialist will dun by (segment.ts: pure, from the snapshot).
  const window = reminderWindowDays(policy, deriveSegment(snapshot).segment);
  const horizon = addDays(snapshot.asOf, window);
  const dueSoon = snapshot.openInvoices.filter((i) => !i.disputed && i.dueDate <= horizon);
  const promisedUntil = new Map<string, string>();
  for (const p of snapshot.promises) {
    if (p.status !== "open") continue;
    for (const id of p.invoiceIds) promisedUntil.set(id, p.promisedDate);
  }
  const lapsedPromises = snapshot.promises.filter(
    (p) => p.status === "open" && p.promisedDate < snapshot.asOf,
  );
  const planned = new Set(
    snapshot.paymentPlans.filter((p) => planCovers(p, snapshot.asOf)).flatMap((p) => p.invoiceIds),
  );
  const missedInstalment = snapshot.paymentPlans.some(
    (p) => p.status === "active" && p.installments.some((i) => i.dueDate < snapshot.asOf),
  );
  const uncovered = dueSoon.filter(
    (i) => !planned.has(i.id) && !((promisedUntil.get(i.id) ?? "") >= snapshot.asOf),
  );
  if (uncovered.length > 0 || lapsedPromises.length > 0 || missedInstalment) {
    steps.push("collection");
    const why = [
      uncovered.length
        ? `${uncovered.length} undisputed invoice(s) overdue or due within ${window} days, not covered by a promise or plan`
        : "",
      lapsedPromises.length ? `${lapsedPromises.length} promise(s) past their date` : "",
      missedInstalment ? "a payment plan instalment has fallen due" : "",
    ].filter(Boolean);
    reasons.push(`collection: ${why.join("; ")}`);
  }
  if (snapshot.openInvoices.length > 0) {
    steps.push("forecasting");
    reasons.push(`forecasting: ${snapshot.openInvoices.length} open invoice(s)`);
  }
  if (steps.length === 0) reasons.push("nothing to do: no open invoices, unapplied cash or live disputes");
  return { steps, reasons };
}
