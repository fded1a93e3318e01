// The bridge between the policy and the matching engine: the shipped policy's cashApplication
// section is the engine's default, so the eval (run on the defaults) measures what ships.
import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../policies/index.ts";
import { matchSettingsFrom } from "../../tools/cash-application.ts";
import { DEFAULT_MATCH_SETTINGS } from "../../tools/cash-matching/index.ts";

describe("matchSettingsFrom", () => {
  it("gives the engine's defaults for the shipped policy", () => {
    const fromPolicy = matchSettingsFrom(DEFAULT_POLICY);
    for (const key of [
      "autoApplyThreshold",
      "fxTolerancePercent",
      "nameCutoff",
      "maxSubsetInvoices",
      "subsetNodeBudget",
    ] as const) {
      expect(fromPolicy[key], key).toBe(DEFAULT_MATCH_SETTINGS[key]);
    }
    expect(fromPolicy.writeOffTolerance.percent).toBe(DEFAULT_MATCH_SETTINGS.writeOffTolerance.percent);
    for (const currency of ["USD", "EUR", "GBP", "JPY", "INR", "KRW", "HUF", "CHF"]) {
      expect(fromPolicy.writeOffTolerance.maxMinor(currency), currency).toBe(
        DEFAULT_MATCH_SETTINGS.writeOffTolerance.maxMinor(currency),
      );
      expect(fromPolicy.bankChargesMaxMinor(currency), currency).toBe(
        DEFAULT_MATCH_SETTINGS.bankChargesMaxMinor(currency),
      );
    }
  });

  it("follows a policy that differs", () => {
    const policy = {
      ...DEFAULT_POLICY,
      cashApplication: {
        ...DEFAULT_POLICY.cashApplication,
        autoApplyThreshold: 0.99,
        shortPayTolerance: { percent: 0.5, maxMinor: { default: 100, EUR: 200 } },
        nameMatchCutoff: 90,
      },
    };
    const settings = matchSettingsFrom(policy);
    expect(settings.autoApplyThreshold).toBe(0.99);
    expect(settings.nameCutoff).toBe(90);
    expect(settings.writeOffTolerance.percent).toBe(0.5);
    expect(settings.writeOffTolerance.maxMinor("EUR")).toBe(200);
    expect(settings.writeOffTolerance.maxMinor("USD")).toBe(100);
  });
});
