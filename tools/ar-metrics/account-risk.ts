// The account risk score: the probability that the account's open balance is paid more than 30 days
// late, as the balance-weighted mean of its open invoices' (calibrated) late probabilities — the
// expected share of the balance that will arrive more than 30 days late. An invoice already more than
// 30 days overdue counts as certain (its late probability is 1).
//
// Why a mean of invoice probabilities rather than a scored formula: each invoice probability is
// calibrated against what happened (tools/forecasting's isotonic map), and a weighted mean of
// calibrated probabilities is itself calibrated for the balance-weighted outcome, so the account score
// means what it says with no second model to fit; and it decomposes exactly into per-invoice
// contributions (weight × probability), which is its explanation.
//
// Balances in different currencies cannot be added without a rate, so the score is over the account's
// main currency: its own currency when it has open invoices in it, otherwise the currency with the
// most open invoices (ties by code).

export interface RiskInvoice {
  invoiceId: string;
  currency: string;
  balanceMinor: number;
  /** P(paid more than 30 days late | open now), 0..1. */
  lateProbability: number;
}

export interface RiskContribution {
  invoiceId: string;
  /** The invoice's share of the main-currency open balance, 0..1. */
  weight: number;
  lateProbability: number;
}

export interface AccountRisk {
  /** 0..1, four decimals; 0 when nothing is open. */
  probability: number;
  /** The currency the balance shares are in; null when nothing is open. */
  currency: string | null;
  /** Main-currency invoices, largest weight × probability first (ties by invoice id). */
  contributions: RiskContribution[];
}

const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function mainCurrency(invoices: readonly RiskInvoice[], ownCurrency?: string): string | null {
  const counts = new Map<string, number>();
  for (const i of invoices) counts.set(i.currency, (counts.get(i.currency) ?? 0) + 1);
  if (ownCurrency !== undefined && counts.has(ownCurrency)) return ownCurrency;
  const ranked = [...counts].sort(([a, x], [b, y]) => y - x || byText(a, b));
  return ranked[0]?.[0] ?? null;
}

export function accountLateRisk(invoices: readonly RiskInvoice[], ownCurrency?: string): AccountRisk {
  const open = invoices.filter((i) => i.balanceMinor > 0);
  const currency = mainCurrency(open, ownCurrency);
  const inCurrency = open.filter((i) => i.currency === currency);
  const total = inCurrency.reduce((sum, i) => sum + i.balanceMinor, 0);
  if (currency === null || total <= 0) return { probability: 0, currency: null, contributions: [] };
  const contributions = inCurrency
    .map((i) => ({
      invoiceId: i.invoiceId,
      weight: i.balanceMinor / total,
      lateProbability: clamp01(i.lateProbability),
    }))
    .sort(
      (a, b) =>
        b.weight * b.lateProbability - a.weight * a.lateProbability || byText(a.invoiceId, b.invoiceId),
    );
  const probability = contributions.reduce((sum, c) => sum + c.weight * c.lateProbability, 0);
  return { probability: Math.round(clamp01(probability) * 10_000) / 10_000, currency, contributions };
}
