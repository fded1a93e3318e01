// Which payment plans stand in for dunning their invoices. One rule, shared by the router (whether
// to wake the collection specialist at all) and the specialist (what to pause, what to leave out of
// a message), so the two never disagree about an account.
import type { SnapshotPaymentPlan } from "../../tools/read/account-snapshot-types.ts";
import { compareText } from "./dates.ts";

/** The earliest instalment due date of a plan (undefined for a plan without instalments). */
export function firstInstallmentDue(plan: Pick<SnapshotPaymentPlan, "installments">): string | undefined {
  return plan.installments.map((i) => i.dueDate).sort(compareText)[0];
}

/**
 * A plan offered to the customer and not accepted (still `proposed`) lapses once its first
 * instalment's due date has passed: from the day after, the unanswered offer no longer covers its
 * invoices and the ladder resumes. (It still stops the agent offering another plan; a person may.)
 */
export function proposalLapsed(plan: SnapshotPaymentPlan, asOf: string): boolean {
  if (plan.status !== "proposed") return false;
  const first = firstInstallmentDue(plan);
  return first === undefined || first < asOf;
}

/**
 * Whether a plan stands in for dunning its invoices on `asOf`: an active plan (whether it is still
 * up to date is the specialist's bookkeeping: a missed instalment defaults it), or a proposed one
 * that has not lapsed.
 */
export function planCovers(plan: SnapshotPaymentPlan, asOf: string): boolean {
  return plan.status === "active" || (plan.status === "proposed" && !proposalLapsed(plan, asOf));
}
