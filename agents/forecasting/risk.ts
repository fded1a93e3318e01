// The account risk score the router and the worklist use: the probability, in percent, that the
// account's open balance is paid more than 30 days late (tools/ar-metrics/account-risk.ts: the
// balance-weighted mean of the open invoices' calibrated late probabilities, over the account's main
// currency). Its factors are that mean's terms, one per invoice — "INV-7: 60% of the balance, 85%
// likely late" — so the score explains itself exactly: Σ weight × value = score / 100.
import { accountLateRisk } from "../../tools/ar-metrics/account-risk.ts";
import type { AccountSnapshot } from "../../tools/read/account-snapshot-types.ts";
import { compareText } from "./model.ts";

/** At most this many factors are listed (record_forecast keeps 50); the rest are summed in one line. */
export const MAX_RISK_FACTORS = 20;

export interface RiskFactor {
  /** The invoice's reference, or "N other invoices". */
  name: string;
  /** Its share of the main-currency open balance, 0..1. */
  weight: number;
  /** Its probability of being paid more than 30 days late, 0..1. */
  value: number;
}

export interface RiskScore {
  /** 0..100, one decimal: P(open balance paid more than 30 days late) in percent. */
  score: number;
  /** The currency the shares are in; null when nothing is open. */
  currency: string | null;
  factors: RiskFactor[];
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

export function riskScore(
  snapshot: AccountSnapshot,
  predictions: readonly { invoiceId: string; lateProbability: number }[],
): RiskScore {
  const probability = new Map(predictions.map((p) => [p.invoiceId, p.lateProbability]));
  const invoices = snapshot.openInvoices.filter((i) => probability.has(i.id));
  const risk = accountLateRisk(
    invoices.map((i) => ({
      invoiceId: i.id,
      currency: i.currency,
      balanceMinor: i.balanceMinor,
      lateProbability: probability.get(i.id)!,
    })),
    snapshot.customer.currency,
  );
  const refOf = new Map(invoices.map((i) => [i.id, i.externalRef]));
  const listed = risk.contributions.slice(0, MAX_RISK_FACTORS);
  const rest = risk.contributions.slice(MAX_RISK_FACTORS);
  const factors: RiskFactor[] = listed.map((c) => ({
    name: refOf.get(c.invoiceId) ?? c.invoiceId,
    weight: round3(c.weight),
    value: round3(c.lateProbability),
  }));
  if (rest.length > 0) {
    const weight = rest.reduce((sum, c) => sum + c.weight, 0);
    const late = rest.reduce((sum, c) => sum + c.weight * c.lateProbability, 0);
    factors.push({
      name: `${rest.length} other invoices`,
      weight: round3(weight),
      value: weight > 0 ? round3(late / weight) : 0,
    });
  }
  return { score: Math.round(risk.probability * 1000) / 10, currency: risk.currency, factors };
}

/** "risk 42.5% …, mostly INV-7 (60% of the balance, 85% likely late)" for the run's notes. */
export function describeRisk(risk: RiskScore): string {
  const top = [...risk.factors].sort(
    (a, b) => b.weight * b.value - a.weight * a.value || compareText(a.name, b.name),
  )[0];
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  return (
    `risk ${risk.score}% that the open balance is paid more than 30 days late` +
    (top && top.value > 0
      ? ` (mostly ${top.name}: ${pct(top.weight)} of the ${risk.currency ?? ""} balance, ${pct(top.value)} likely late)`
      : "")
  );
}
