import { describe, expect, it } from "vitest";
import {
  assertCurrency,
  currencyExponent,
  formatAmount,
  formatMoney,
  isKnownCurrency,
  parseMoney,
} from "../../db/money.ts";

describe("money", () => {
  it("knows each currency's minor unit", () => {
    expect([
      currencyExponent("USD"),
      currencyExponent("JPY"),
      currencyExponent("BHD"),
      currencyExponent("EUR"),
    ]).toEqual([2, 0, 3, 2]);
  });

  it("refuses codes that are not ISO 4217", () => {
    expect(isKnownCurrency("XYZ")).toBe(false);
    expect(isKnownCurrency("usd")).toBe(false);
    expect(() => assertCurrency("XYZ")).toThrow('"XYZ" is not an ISO 4217 currency code');
    expect(() => formatMoney(1, "DOLLARS")).toThrow(/not an ISO 4217/);
  });

  it("formats minor units without floating-point drift", () => {
    expect(formatMoney(123_456, "USD")).toBe("$1,234.56");
    expect(formatMoney(1_234, "JPY")).toBe("¥1,234");
    expect(formatMoney(1_234_567, "BHD")).toBe("BHD\u00a01,234.567");
    expect(formatAmount(10, "USD")).toBe("0.10");
    expect(formatAmount(900_719_925_474_099, "USD")).toBe("9,007,199,254,740.99");
  });

  it("parses amounts as exports write them", () => {
    expect(parseMoney("1,234.56", "USD")).toBe(123_456);
    expect(parseMoney("1.234,56", "EUR", { decimalSeparator: "," })).toBe(123_456);
    expect(parseMoney("(12.5)", "USD")).toBe(-1_250);
    expect(parseMoney("-0.10", "USD")).toBe(-10);
    expect(parseMoney("$ 10", "USD")).toBe(1_000);
    expect(parseMoney("100", "JPY")).toBe(100);
    expect(parseMoney("0.1", "USD") + parseMoney("0.2", "USD")).toBe(parseMoney("0.3", "USD"));
    expect(parseMoney("12.300", "USD")).toBe(1_230);
    expect(parseMoney("12.00 USD", "USD")).toBe(1_200);
    expect(parseMoney("€1.190,00", "EUR", { decimalSeparator: "," })).toBe(119_000);
    expect(parseMoney("1,234,567.89", "USD")).toBe(123_456_789);
    expect(parseMoney("EUR -5,00", "EUR", { decimalSeparator: "," })).toBe(-500);
  });

  it("says what is wrong with an amount it cannot parse", () => {
    expect(() => parseMoney("12.345", "USD")).toThrow('"12.345" has more decimals than USD allows (2)');
    expect(() => parseMoney("1.5", "JPY")).toThrow("more decimals than JPY allows (0)");
    expect(() => parseMoney("abc", "USD")).toThrow('"abc" is not an amount');
    expect(() => parseMoney("1.2.3", "USD")).toThrow("is not an amount");
    expect(() => parseMoney("99999999999999999999", "USD")).toThrow("too large");
    // Typos are refused, not read as some other amount.
    expect(() => parseMoney("12,3x", "EUR", { decimalSeparator: "." })).toThrow('"12,3x" is not an amount');
    expect(() => parseMoney("12,3", "USD")).toThrow("digit grouping");
    expect(() => parseMoney("2.5OO,00", "EUR", { decimalSeparator: "," })).toThrow("is not an amount");
    expect(() => parseMoney("1,2345.00", "USD")).toThrow("digit grouping");
  });
});
