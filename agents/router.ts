// The supervisor's router: which specialists an account needs, in which order, and why. Pure and
// cheap, so accounts needing nothing are skipped without waking any specialist.
//   unapplied cash that may be theirs → cash application first (balances are wrong until applied)
//   live disputes                     → dispute (a disputed invoice must not be dunned)
//   overdue undisputed balance not covered by a live promise or plan → collection
//   any open invoice                  → forecasting
import type { AccountSnapshot } from "../tools/read/account-snapshot-types.ts";
import type { SpecialistName } from "./brain.ts";

/** Collection also wakes for invoices about to fall due (the pre-due reminder). */
export const REMINDER_WINDOW_DAYS = 3;

export interface RoutePlan {
  steps: SpecialistName[];
  reasons: string[];
}

const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

export function routeAccount(snapshot: AccountSnapshot): RoutePlan {
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
  const horizon = addDays(snapshot.asOf, REMINDER_WINDOW_DAYS);
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
    snapshot.paymentPlans
      .filter((p) => p.status === "active" || p.status === "proposed")
      .flatMap((p) => p.invoiceIds),
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
        ? `${uncovered.length} undisputed invoice(s) overdue or due within ${REMINDER_WINDOW_DAYS} days, not covered by a promise or plan`
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
