// The account risk score the router and the worklist use: 0 (nothing to worry about) to 100, higher
// = riskier. A weighted sum of factors, each a value in 0..1, so every score explains itself:
//
//   factor              weight  value
//   overdue_share        0.25   overdue share of the open balance (in the customer's currency, or the
//                               currency with most open invoices when it has none in its own)
//   overdue_age          0.25   days the oldest open invoice is past due ÷ 90, at most 1
//   predicted_lateness   0.20   mean P(paid > 30 days late) over the open invoices' predictions
//   broken_promises      0.15   broken or lapsed promises to pay (last 180 days) ÷ 2, at most 1
//   credit_use           0.10   open balance ÷ credit limit, at most 1 (0 without a limit)
//   disputes             0.05   live disputes ÷ open invoices, at most 1
//
// Issue 5 replaces this with a calibrated probability; the output shape stays.
import type { AccountSnapshot } from "../../tools/read/account-snapshot-types.ts";
import { compareText, daysBetween } from "./model.ts";

export const RISK_WEIGHTS = {
  overdue_share: 0.25,
  overdue_age: 0.25,
  predicted_lateness: 0.2,
  broken_promises: 0.15,
  credit_use: 0.1,
  disputes: 0.05,
} as const;
export type RiskFactorName = keyof typeof RISK_WEIGHTS;

/** Past due this long, the age factor is at its maximum (the "at-risk" 90+ bucket). */
export const OVERDUE_AGE_CAP_DAYS = 90;
/** This many broken promises, the promise factor is at its maximum. */
export const BROKEN_PROMISES_CAP = 2;

export interface RiskFactor {
  name: RiskFactorName;
  weight: number;
  /** 0..1 */
  value: number;
}

export interface RiskScore {
  /** 0..100, one decimal. */
  score: number;
  factors: RiskFactor[];
}

const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** The currency balances are compared in: the customer's own if it has open invoices in it. */
function mainCurrency(snapshot: AccountSnapshot): string | null {
  const counts = new Map<string, number>();
  for (const i of snapshot.openInvoices) counts.set(i.currency, (counts.get(i.currency) ?? 0) + 1);
  if (counts.has(snapshot.customer.currency)) return snapshot.customer.currency;
  const ranked = [...counts].sort(([a, x], [b, y]) => y - x || compareText(a, b));
  return ranked[0]?.[0] ?? null;
}

export function riskScore(
  snapshot: AccountSnapshot,
  predictions: readonly { invoiceId: string; lateProbability: number }[],
): RiskScore {
  const { asOf, customer } = snapshot;
  const currency = mainCurrency(snapshot);
  const inCurrency = snapshot.openInvoices.filter((i) => i.currency === currency && i.balanceMinor > 0);
  const open = inCurrency.reduce((sum, i) => sum + i.balanceMinor, 0);
  const overdue = inCurrency
    .filter((i) => compareText(i.dueDate, asOf) < 0)
    .reduce((sum, i) => sum + i.balanceMinor, 0);

  const oldestDays = snapshot.openInvoices.reduce((max, i) => Math.max(max, daysBetween(i.dueDate, asOf)), 0);

  const lateness = predictions.length
    ? predictions.reduce((sum, p) => sum + clamp01(p.lateProbability), 0) / predictions.length
    : 0;

  const broken = snapshot.promises.filter(
    (p) => p.status === "broken" || (p.status === "open" && compareText(p.promisedDate, asOf) < 0),
  ).length;

  const ownBalance = snapshot.openInvoices
    .filter((i) => i.currency === customer.currency)
    .reduce((sum, i) => sum + i.balanceMinor, 0);
  const limit = customer.creditLimitMinor;

  const liveDisputes = snapshot.disputes.filter(
    (d) => d.status === "open" || d.status === "investigating",
  ).length;

  const values: Record<RiskFactorName, number> = {
    overdue_share: open > 0 ? overdue / open : 0,
    overdue_age: oldestDays / OVERDUE_AGE_CAP_DAYS,
    predicted_lateness: lateness,
    broken_promises: broken / BROKEN_PROMISES_CAP,
    credit_use: limit !== null && limit > 0 ? ownBalance / limit : 0,
    disputes: liveDisputes / Math.max(1, snapshot.openInvoices.length),
  };
  const factors = (Object.keys(RISK_WEIGHTS) as RiskFactorName[]).map((name) => ({
    name,
    weight: RISK_WEIGHTS[name],
    value: round3(clamp01(values[name])),
  }));
  const score = factors.reduce((sum, f) => sum + f.weight * clamp01(values[f.name]), 0);
  return { score: Math.round(score * 1000) / 10, factors };
}
