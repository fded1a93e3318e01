// Default tolerances. Amount limits are per currency, in minor units, set in whole units of each
// currency so a limit means about the same money everywhere (JPY and INR are scaled by their usual
// price level rather than converted at a day's rate).
import { currencyExponent, isKnownCurrency } from "../../db/money.ts";
import type { MatchSettings } from "./types.ts";

/** Whole units of each currency that count as "about 25 USD" (write-off) — others use 25. */
const WRITE_OFF_UNITS: Record<string, number> = { JPY: 3_000, INR: 2_000, KRW: 30_000, HUF: 9_000 };
/** Whole units that count as "about 50 USD" (the most a correspondent bank plausibly takes) — others use 50. */
const BANK_CHARGE_UNITS: Record<string, number> = { JPY: 7_500, INR: 4_000, KRW: 70_000, HUF: 18_000 };

function units(table: Record<string, number>, fallback: number): (currency: string) => number {
  return (currency) => {
    const exponent = isKnownCurrency(currency) ? currencyExponent(currency) : 2;
    return (table[currency] ?? fallback) * 10 ** exponent;
  };
}

export const DEFAULT_MATCH_SETTINGS: MatchSettings = Object.freeze({
  autoApplyThreshold: 0.95,
  // Odoo's payment tolerance and most AR teams' small-balance write-off policy: ≤ 1% and ≤ ~25 USD.
  writeOffTolerance: Object.freeze({ percent: 1, maxMinor: units(WRITE_OFF_UNITS, 25) }),
  bankChargesMaxMinor: units(BANK_CHARGE_UNITS, 50),
  // Rate spread between the payer's bank and the invoice's rate date rarely exceeds 2%.
  fxTolerancePercent: 2,
  nameCutoff: 80,
  maxSubsetInvoices: 25,
  subsetNodeBudget: 100_000,
});
