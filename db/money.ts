// Money is integer minor units plus an ISO 4217 code. These are the only conversions between that
// and text, so templates, policy checks and imports agree on what "1,234.56 USD" is.

/** ISO 4217 codes the platform's ICU data knows (no "XYZ"). */
const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf("currency"));
// Every row of an import asks about the same few currencies; Intl formatters are costly to build.
const exponents = new Map<string, number>();

export function isKnownCurrency(code: string): boolean {
  return KNOWN_CURRENCIES.has(code);
}

export function assertCurrency(currency: string): void {
  if (!KNOWN_CURRENCIES.has(currency)) throw new RangeError(`"${currency}" is not an ISO 4217 currency code`);
}

/** Decimal places of a currency's minor unit (USD 2, JPY 0, BHD 3), from the platform's ISO data. */
export function currencyExponent(currency: string): number {
  let exponent = exponents.get(currency);
  if (exponent === undefined) {
    assertCurrency(currency);
    exponent =
      new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ??
      2;
    exponents.set(currency, exponent);
  }
  return exponent;
}

/** "USD 1,234.56"-style text a person reads; e.g. formatMoney(123456, "USD") === "$1,234.56". */
export function formatMoney(minor: number, currency: string, locale = "en-US"): string {
  const exponent = currencyExponent(currency);
  return new Intl.NumberFormat(locale, {
    style: "currency",
    currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  }).format(minor / 10 ** exponent);
}

/** The bare number with grouping, e.g. "1,234.56": what a message must contain at the least. */
export function formatAmount(minor: number, currency: string): string {
  const exponent = currencyExponent(currency);
  return new Intl.NumberFormat("en-US", {
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  }).format(minor / 10 ** exponent);
}

/**
 * Parses a decimal amount as written in exports ("1234.5", "1,234.56", "-12.00", "(12.00)", "1.234,56"
 * with decimalSeparator ",") into minor units, without floating-point arithmetic. Throws a RangeError
 * that says what was wrong.
 */
export function parseMoney(
  text: string,
  currency: string,
  options: { decimalSeparator?: "." | "," } = {},
): number {
  const exponent = currencyExponent(currency);
  const decimal = options.decimalSeparator ?? ".";
  const group = decimal === "." ? "," : ".";
  let s = text.trim().replace(/\s/g, "");
  let negative = false;
  if (/^\(.*\)$/.test(s)) {
    negative = true;
    s = s.slice(1, -1);
  }
  if (s.startsWith("-")) {
    negative = !negative;
    s = s.slice(1);
  }
  // A currency symbol or ISO code around the number ("$12.00", "12.00 USD", "EUR-5"), nothing else:
  // "12,3x" is a typo, not an amount.
  s = s.replace(/^(?:[A-Z]{3}|[$€£¥₹])/, "").replace(/(?:[A-Z]{3}|[$€£¥₹])$/, "");
  if (s.startsWith("-")) {
    negative = !negative;
    s = s.slice(1);
  }
  const integerPart = s.split(decimal)[0] ?? "";
  // Grouped thousands must be whole groups of three ("1,234,567"); "12,3" is a mistyped decimal.
  if (integerPart.includes(group) && !new RegExp(`^\\d{1,3}(\\${group}\\d{3})+$`).test(integerPart)) {
    throw new RangeError(`"${text}" is not an amount (digit grouping "${group}" in the wrong place)`);
  }
  s = s.split(group).join("");
  const match = new RegExp(`^(\\d+)(?:\\${decimal}(\\d*))?$`).exec(s);
  if (!match) throw new RangeError(`"${text}" is not an amount`);
  const whole = match[1] ?? "0";
  const fraction = match[2] ?? "";
  if (fraction.length > exponent && /[1-9]/.test(fraction.slice(exponent))) {
    throw new RangeError(`"${text}" has more decimals than ${currency} allows (${exponent})`);
  }
  const minor =
    Number(whole) * 10 ** exponent + Number(fraction.slice(0, exponent).padEnd(exponent, "0") || "0");
  if (!Number.isSafeInteger(minor)) throw new RangeError(`"${text}" is too large`);
  return negative ? -minor : minor;
}
