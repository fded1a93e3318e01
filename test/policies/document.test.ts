import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  checkPolicyFile,
  checkPolicyText,
  DEFAULT_POLICY,
  loadPolicyFile,
  type PolicyDocument,
  parsePolicyDocument,
  validatePolicyDocument,
} from "../../policies/index.ts";
import { policyWith } from "./builders.ts";

const YAML_PATH = fileURLToPath(new URL("../../policies/default-policy.yaml", import.meta.url));

function errorsOf(value: unknown): string[] {
  const result = validatePolicyDocument(value);
  if (result.ok) throw new Error("expected the document to be refused");
  return result.errors;
}

/** Plain document data that tests may break in any way (wrong types, deleted or misspelt fields). */
// biome-ignore lint/suspicious/noExplicitAny: these tests build deliberately ill-typed documents.
type Breakable = Record<string, any>;

/** The default policy as plain data, with one change made through a path. */
function defaultWith(change: (doc: Breakable) => void): unknown {
  const doc = structuredClone(DEFAULT_POLICY) as unknown as Breakable;
  change(doc);
  return doc;
}

describe("the default policy", () => {
  it("policies/default-policy.yaml parses to exactly DEFAULT_POLICY", () => {
    const result = loadPolicyFile(YAML_PATH);
    expect(result.ok ? [] : result.errors).toEqual([]);
    expect(result.ok && result.policy).toStrictEqual(structuredClone(DEFAULT_POLICY));
  });

  it("DEFAULT_POLICY is itself a valid document and passes its own schema unchanged", () => {
    const result = validatePolicyDocument(structuredClone(DEFAULT_POLICY));
    expect(result.ok).toBe(true);
    expect(result.ok && result.policy).toStrictEqual(structuredClone(DEFAULT_POLICY));
  });

  it("carries the compliance numbers from the anchors", () => {
    const p = DEFAULT_POLICY;
    expect(p.contact.frequency.consumer.call).toEqual({ max: 7, windowDays: 7 });
    expect(p.contact.quietDaysAfterConversation.consumer).toBe(7);
    expect(p.contact.localTime).toEqual({ start: "08:00", end: "21:00" });
    expect(p.contact.jurisdictions["US-MA"]?.callsAndTexts).toEqual({ max: 2, windowDays: 7 });
    expect(p.approval.largeBalanceMinor.default).toBe(1_000_000);
    expect(p.strictBusinessMode).toBe(false);
  });

  it("is frozen, so no caller can change the shipped numbers by accident", () => {
    expect(Object.isFrozen(DEFAULT_POLICY)).toBe(true);
    expect(Object.isFrozen(DEFAULT_POLICY.contact.frequency.consumer.call)).toBe(true);
    expect(() => {
      (DEFAULT_POLICY.contact as { lookbackDays: number }).lookbackDays = 1;
    }).toThrow(TypeError);
  });

  it("has no compliance warnings", () => {
    const check = checkPolicyFile(YAML_PATH);
    expect(check).toMatchObject({ ok: true, errors: [], warnings: [] });
  });
});

describe("parsePolicyDocument", () => {
  it("accepts JSON as well as YAML", () => {
    const result = parsePolicyDocument(JSON.stringify(DEFAULT_POLICY), "policy.json");
    expect(result.ok && result.policy).toStrictEqual(structuredClone(DEFAULT_POLICY));
  });

  it("names the path and the bad value: a negative call limit", () => {
    const text = stringify(defaultWith((d) => (d.contact.frequency.consumer.call.max = -1)));
    const result = parsePolicyDocument(text, "p.yaml");
    expect(result).toEqual({
      ok: false,
      errors: ["contact.frequency.consumer.call.max: expected a positive integer, got -1"],
    });
  });

  it("names array positions and nested fields", () => {
    const errors = errorsOf(
      defaultWith((d) => {
        d.content.forbiddenLanguage[2].pattern = "(unclosed";
        d.content.forbiddenLanguage[1].severity = "warn";
      }),
    );
    expect(errors).toContainEqual(
      expect.stringMatching(/^content\.forbiddenLanguage\[2\]\.pattern: not a valid regular expression/),
    );
    expect(errors).toContainEqual(
      'content.forbiddenLanguage[1].severity: expected "deny" or "needs_approval", got "warn"',
    );
  });

  it("reports missing fields and unknown (misspelt) fields", () => {
    const errors = errorsOf(
      defaultWith((d) => {
        delete d.version;
        d.strictBuisnessMode = true;
      }),
    );
    expect(errors).toContainEqual(expect.stringMatching(/^version: missing; expected a string/));
    expect(errors).toContainEqual(expect.stringMatching(/^strictBuisnessMode: unknown field/));
  });

  it("asks for a quoted version when YAML reads it as a number", () => {
    const text = stringify(defaultWith((d) => (d.version = 2)));
    const result = parsePolicyDocument(text, "p.yaml");
    expect(result.ok ? [] : result.errors).toEqual([
      'version: expected a string (quote it in YAML, e.g. version: "1"), got 2',
    ]);
  });

  it("validates HH:MM times", () => {
    const errors = errorsOf(defaultWith((d) => (d.contact.localTime.end = "24:00")));
    expect(errors).toEqual([
      'contact.localTime.end: expected a time "HH:MM" (24-hour, 00:00–23:59), got "24:00"',
    ]);
  });

  it("validates money-limit keys as ISO currencies and amounts as whole minor units", () => {
    const errors = errorsOf(
      defaultWith((d) => {
        d.approval.largeBalanceMinor.usd = 5;
        d.limits.writeOff.autoMaxMinor.default = 10.5;
      }),
    );
    expect(errors).toContainEqual(
      'approval.largeBalanceMinor.usd: expected "default" or an ISO 4217 currency code as the key, got "usd"',
    );
    expect(errors).toContainEqual(
      expect.stringMatching(
        /^limits\.writeOff\.autoMaxMinor\.default: expected an amount in minor units.*got 10\.5$/,
      ),
    );
  });

  it("validates jurisdiction keys", () => {
    const errors = errorsOf(
      defaultWith((d) => {
        d.contact.jurisdictions["us-ma"] = d.contact.jurisdictions["US-MA"];
      }),
    );
    expect(errors).toEqual([
      'contact.jurisdictions.us-ma: expected a key "COUNTRY" or "COUNTRY-REGION" in capitals, such as "US-MA", got "us-ma"',
    ]);
  });

  it("reports YAML syntax errors with file, line and column", () => {
    const result = parsePolicyDocument("version: '1'\ncontact: [\n", "broken.yaml");
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors[0]).toMatch(/^broken\.yaml:\d+:\d+: /);
  });

  it("refuses duplicate keys and empty documents", () => {
    expect(parsePolicyDocument('{"version":"1","version":"2"}', "d.json")).toMatchObject({
      ok: false,
      errors: [expect.stringMatching(/^d\.json:1:\d+: Map keys must be unique/)],
    });
    expect(parsePolicyDocument("", "empty.yaml")).toEqual({
      ok: false,
      errors: ["empty.yaml: the document is empty"],
    });
    expect(parsePolicyDocument("just text", "t.yaml")).toEqual({
      ok: false,
      errors: ['(document): expected an object, got "just text"'],
    });
  });
});

describe("cross-field checks", () => {
  it("lookbackDays must cover the widest window", () => {
    const errors = errorsOf(defaultWith((d) => (d.contact.lookbackDays = 10)));
    expect(errors).toEqual([
      "contact.lookbackDays: must cover the widest window it feeds (contact.frequency.consumer.letter.windowDays: 30 days), got 10",
    ]);
  });

  it("counts jurisdiction windows and quiet days too", () => {
    const errors = errorsOf(
      defaultWith((d) => {
        d.contact.lookbackDays = 40;
        d.contact.jurisdictions["US-MA"].callsAndTexts.windowDays = 45;
      }),
    );
    expect(errors).toEqual([
      "contact.lookbackDays: must cover the widest window it feeds (contact.jurisdictions.US-MA.callsAndTexts.windowDays: 45 days), got 40",
    ]);
  });

  it("start must be before end", () => {
    const errors = errorsOf(defaultWith((d) => (d.contact.localTime = { start: "21:00", end: "08:00" })));
    expect(errors).toEqual(["contact.localTime: start (21:00) must be earlier than end (08:00)"]);
  });

  it("auto limits may not exceed hard limits", () => {
    const errors = errorsOf(
      defaultWith((d) => {
        d.limits.settlementDiscount.autoMaxPercent = 40;
        d.limits.paymentPlan.autoMaxInstallments = 30;
        d.limits.paymentPlan.autoMaxDurationDays = 1000;
      }),
    );
    expect(errors).toEqual([
      "limits.settlementDiscount.autoMaxPercent: the auto limit (40%) exceeds the hard limit hardMaxPercent (30%)",
      "limits.paymentPlan.autoMaxInstallments: the auto limit (30) exceeds the hard limit hardMaxInstallments (24)",
      "limits.paymentPlan.autoMaxDurationDays: the auto limit (1000) exceeds the hard limit hardMaxDurationDays (730)",
    ]);
  });

  it("the pay-link pattern must accept links built on baseUrl, and required texts their own patterns", () => {
    const errors = errorsOf(
      defaultWith((d) => {
        d.content.payLink.baseUrl = "https://billing.example.org/";
        d.content.optOut.sms.text = "Reply stop to opt out.";
      }),
    );
    expect(errors).toEqual([
      expect.stringMatching(/^content\.payLink\.pattern: does not match a link built on baseUrl/),
      expect.stringMatching(/^content\.optOut\.sms\.text: does not satisfy its own pattern/),
    ]);
  });

  it("forbidden-language ids are unique", () => {
    const errors = errorsOf(defaultWith((d) => (d.content.forbiddenLanguage[1].id = "threat.arrest")));
    expect(errors).toEqual([
      'content.forbiddenLanguage[1].id: duplicate id "threat.arrest"; ids must be unique',
    ]);
  });
});

describe("the dunning ladder", () => {
  it("ships the issue's default ladder: -3, 0, +7, +15, +30, +45, +60 (legal referral proposal)", () => {
    const { levels, segments, promises } = DEFAULT_POLICY.dunning;
    expect(levels.map((l) => [l.level, l.name, l.offsetDays, l.tone, l.action])).toEqual([
      [1, "reminder", -3, "friendly", "message"],
      [2, "due_date", 0, "friendly", "message"],
      [3, "friendly", 7, "friendly", "message"],
      [4, "firm", 15, "firm", "message"],
      [5, "second_notice", 30, "firm", "message"],
      [6, "final_demand", 45, "final", "message"],
      [7, "legal_referral", 60, "final", "legal_referral"],
    ]);
    expect(segments.strategic.automatedUpToTone).toBe("friendly");
    expect(segments.prompt.offsetShiftDays).toBeGreaterThan(0);
    expect(segments.problem.offsetShiftDays).toBeLessThan(0);
    expect(promises.graceDays).toBeGreaterThanOrEqual(0);
  });

  it("levels are numbered 1..n, uniquely named and strictly increasing in offsetDays", () => {
    const errors = errorsOf(
      defaultWith((d) => {
        d.dunning.levels[2].offsetDays = 0;
        d.dunning.levels[3].name = "friendly";
        d.dunning.levels[4].level = 9;
      }),
    );
    expect(errors).toEqual([
      "dunning.levels[2].offsetDays: levels must be strictly increasing in offsetDays; 0 does not follow 0 (level due_date)",
      'dunning.levels[3].name: duplicate level name "friendly"; names must be unique',
      "dunning.levels[4].level: levels are numbered 1..n in ladder order; expected 5, got 9",
    ]);
  });

  it("a message level needs a channel for every segment; overrides may supply them all", () => {
    const errors = errorsOf(
      defaultWith((d) => {
        delete d.dunning.levels[0].channel;
        d.dunning.levels[0].channels = { consumer: "letter", strategic: "email" };
        delete d.dunning.levels[1].channel;
        d.dunning.levels[1].channels = {
          prompt: "email",
          slow: "email",
          problem: "sms",
          strategic: "email",
          consumer: "letter",
        };
      }),
    );
    expect(errors).toEqual([
      "dunning.levels[0].channel: a message level needs a channel for every segment; none for prompt, slow, problem (set channel, or channels for each)",
    ]);
  });

  it("refuses unknown tones, actions and segments, and skipped levels that do not exist", () => {
    const errors = errorsOf(
      defaultWith((d) => {
        d.dunning.levels[0].tone = "angry";
        d.dunning.levels[1].action = "sue";
        d.dunning.levels[2].channels.vip = "sms";
      }),
    );
    expect(errors).toContainEqual(
      'dunning.levels[0].tone: expected one of friendly, firm, final, got "angry"',
    );
    expect(errors).toContainEqual(
      'dunning.levels[1].action: expected one of message, call_task, legal_referral, got "sue"',
    );
    expect(errors).toContainEqual(
      expect.stringMatching(/^dunning\.levels\[2\]\.channels\.vip: unknown field/),
    );
    expect(errors).toHaveLength(3);
    // Cross-field checks run once the fields themselves are valid.
    expect(
      errorsOf(defaultWith((d) => (d.dunning.segments.prompt.skipLevels = ["reminder", "nope"]))),
    ).toEqual(['dunning.segments.prompt.skipLevels[1]: no level is named "nope"']);
  });

  it("plan proposals must be possible: a level that exists, within the hard plan limits", () => {
    const errors = errorsOf(
      defaultWith((d) => {
        d.dunning.paymentPlans.offerFromLevel = 8;
        d.dunning.paymentPlans.installments = 30;
      }),
    );
    expect(errors).toEqual([
      "dunning.paymentPlans.offerFromLevel: the ladder has 7 levels; got 8",
      "dunning.paymentPlans.installments: exceeds limits.paymentPlan.hardMaxInstallments (24); every proposal would be refused",
      "dunning.paymentPlans.intervalDays: plans would last 877 days, beyond limits.paymentPlan.hardMaxDurationDays (730); every proposal would be refused",
    ]);
    expect(errorsOf(defaultWith((d) => (d.dunning.paymentPlans.installments = 1)))).toEqual([
      "dunning.paymentPlans.installments: expected a whole number ≥ 2, got 1",
    ]);
  });
});

describe("checkPolicyFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "arc-policy-"));
  const write = (name: string, policy: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof policy === "string" ? policy : stringify(policy));
    return path;
  };

  it("returns the policy when it is valid", () => {
    const check = checkPolicyFile(write("ok.yaml", DEFAULT_POLICY));
    expect(check.ok).toBe(true);
    expect(check.policy?.version).toBe(DEFAULT_POLICY.version);
  });

  it("returns the errors, and no policy, when it is not", () => {
    const check = checkPolicyFile(
      write(
        "bad.yaml",
        defaultWith((d) => (d.approval.expiryHours = 0)),
      ),
    );
    expect(check).toEqual({
      ok: false,
      errors: ["approval.expiryHours: expected a positive integer, got 0"],
      warnings: [],
    });
  });

  it("reports a missing file instead of throwing", () => {
    const path = join(dir, "nope.yaml");
    expect(checkPolicyFile(path)).toEqual({
      ok: false,
      errors: [`${path}: cannot read the policy file (no such file)`],
      warnings: [],
    });
  });

  it("warns where a valid policy is looser than the regulations", () => {
    const loose: PolicyDocument = policyWith((p) => {
      p.contact.frequency.consumer.call = { max: 3, windowDays: 1 };
      p.contact.quietDaysAfterConversation.consumer = 2;
      p.contact.localTime = { start: "07:00", end: "21:00" };
      delete p.content.optOut.sms;
      p.contact.jurisdictions = {};
    });
    const check = checkPolicyText(stringify(loose), "loose.yaml");
    expect(check.ok).toBe(true);
    expect(check.warnings).toEqual([
      expect.stringMatching(/^contact\.frequency\.consumer\.call: allows 21 call attempts in 7 days/),
      expect.stringMatching(/^contact\.quietDaysAfterConversation\.consumer: 2 days/),
      expect.stringMatching(/^contact\.localTime: 07:00–21:00 reaches outside 08:00–21:00/),
      expect.stringMatching(/^content\.optOut\.sms: not set/),
      expect.stringMatching(/^contact\.jurisdictions\.US-MA: Massachusetts allows at most 2/),
    ]);
  });
});
