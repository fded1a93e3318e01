import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CHANNELS } from "../../db/schema.ts";
import {
  DEFAULT_POLICY,
  defineRule,
  describeRules,
  evaluate,
  evaluateWithRules,
  POLICY_CHANNELS,
  RULE_ERROR_ID,
  RULES,
  type Rule,
  strictest,
} from "../../policies/index.ts";
import type { Reason } from "../../policies/types.ts";
import { action, caller, comm, customer, facts, invoice, outreach } from "./builders.ts";

const objecting = (id: string, verdict: Reason["verdict"], message = "objection"): Rule =>
  defineRule({
    id,
    description: `objects: ${verdict}`,
    check: (_a, _f, _p, say) => [verdict === "deny" ? say.deny(message) : say.needsApproval(message)],
  });
const silent = defineRule({ id: "test.silent", description: "never objects", check: () => [] });

describe("evaluate", () => {
  const f = facts();
  const act = outreach(f);

  it("allows when no rule objects, and records the policy version", () => {
    expect(evaluateWithRules([silent], act, f, DEFAULT_POLICY)).toEqual({
      verdict: "allow",
      reasons: [],
      policyVersion: DEFAULT_POLICY.version,
    });
  });

  it("the strictest verdict wins and every reason is kept, denials first then by rule id", () => {
    const rules = [
      objecting("z.approval", "needs_approval"),
      objecting("b.deny", "deny"),
      silent,
      objecting("a.approval", "needs_approval"),
      objecting("c.deny", "deny"),
    ];
    const verdict = evaluateWithRules(rules, act, f, DEFAULT_POLICY);
    expect(verdict.verdict).toBe("deny");
    expect(verdict.reasons.map((r) => `${r.verdict}:${r.ruleId}`)).toEqual([
      "deny:b.deny",
      "deny:c.deny",
      "needs_approval:a.approval",
      "needs_approval:z.approval",
    ]);
    expect(evaluateWithRules(rules.slice().reverse(), act, f, DEFAULT_POLICY)).toEqual(verdict);
  });

  it("needs_approval beats allow", () => {
    expect(
      evaluateWithRules([silent, objecting("a", "needs_approval")], act, f, DEFAULT_POLICY).verdict,
    ).toBe("needs_approval");
  });

  it("strictest() orders deny > needs_approval > allow", () => {
    expect(strictest([])).toBe("allow");
    expect(strictest(["allow", "needs_approval"])).toBe("needs_approval");
    expect(strictest(["needs_approval", "deny", "allow"])).toBe("deny");
  });
});

describe("approval waivers (approvedRuleIds)", () => {
  const f = facts();
  const escalate = action("legal_escalation", { invoiceIds: ["inv-1"] });

  it("a satisfied approval drops that rule's needs_approval reasons", () => {
    expect(evaluate(escalate, f, DEFAULT_POLICY).verdict).toBe("needs_approval");
    expect(evaluate(escalate, f, DEFAULT_POLICY, { approvedRuleIds: ["legal.escalation_approval"] })).toEqual(
      { verdict: "allow", reasons: [], policyVersion: DEFAULT_POLICY.version },
    );
  });

  it("waiving one rule leaves another rule's approval standing", () => {
    const off = facts({ customer: customer({ automationEnabled: false }) });
    const verdict = evaluate(escalate, off, DEFAULT_POLICY, {
      approvedRuleIds: ["legal.escalation_approval"],
    });
    expect(verdict.verdict).toBe("needs_approval");
    expect(verdict.reasons.map((r) => r.ruleId)).toEqual(["account.automation_disabled"]);
  });

  it("never waives a denial, even one from the same rule id", () => {
    const rules = [objecting("x.rule", "deny", "no"), objecting("x.rule", "needs_approval", "maybe")];
    const verdict = evaluateWithRules(rules, outreach(f), f, DEFAULT_POLICY, { approvedRuleIds: ["x.rule"] });
    expect(verdict.verdict).toBe("deny");
    expect(verdict.reasons).toEqual([{ ruleId: "x.rule", verdict: "deny", message: "no" }]);

    const bankrupt = facts({ customer: customer({ bankruptcyFiledAt: "2026-01-01T00:00:00.000Z" }) });
    const all = RULES.map((r) => r.id);
    const real = evaluate(escalate, bankrupt, DEFAULT_POLICY, { approvedRuleIds: all });
    expect(real.verdict).toBe("deny");
    expect(real.reasons.map((r) => r.ruleId)).toEqual(["account.bankruptcy"]);
  });
});

describe("failing closed", () => {
  const f = facts();
  const act = outreach(f);

  it("a rule that throws yields a denial naming the rule; the other rules still run", () => {
    const broken = defineRule({
      id: "test.broken",
      description: "throws",
      check: () => {
        throw new Error("boom");
      },
    });
    const verdict = evaluateWithRules(
      [broken, objecting("a.approval", "needs_approval")],
      act,
      f,
      DEFAULT_POLICY,
    );
    expect(verdict.verdict).toBe("deny");
    expect(verdict.reasons).toEqual([
      {
        ruleId: RULE_ERROR_ID,
        verdict: "deny",
        message:
          "rule test.broken threw Error: boom; the action is refused because it could not be fully checked",
      },
      { ruleId: "a.approval", verdict: "needs_approval", message: "objection" },
    ]);
  });

  it("a rule error cannot be waived", () => {
    const broken: Rule = {
      id: "test.broken",
      description: "throws",
      check: () => {
        throw "string thrown";
      },
    };
    const verdict = evaluateWithRules([broken], act, f, DEFAULT_POLICY, {
      approvedRuleIds: [RULE_ERROR_ID, "test.broken"],
    });
    expect(verdict.verdict).toBe("deny");
    expect(verdict.reasons[0]?.message).toMatch(/^rule test.broken threw "string thrown"/);
  });

  it("malformed results fail closed too", () => {
    const cases: Rule[] = [
      { id: "t.notarray", description: "", check: () => ({ verdict: "deny" }) as unknown as Reason[] },
      {
        id: "t.badverdict",
        description: "",
        check: () => [{ ruleId: "t.badverdict", verdict: "allow", message: "" }] as unknown as Reason[],
      },
      {
        id: "t.foreign",
        description: "",
        check: () => [{ ruleId: "legal.escalation_approval", verdict: "needs_approval", message: "x" }],
      },
    ];
    for (const rule of cases) {
      const verdict = evaluateWithRules([rule], act, f, DEFAULT_POLICY);
      expect(verdict.verdict, rule.id).toBe("deny");
      expect(verdict.reasons[0]?.ruleId).toBe(RULE_ERROR_ID);
      expect(verdict.reasons[0]?.message).toContain(`rule ${rule.id} `);
    }
  });

  it("bad data inside the facts denies rather than slipping through", () => {
    const badTime = facts({ recentCommunications: [comm({ occurredAt: "last Tuesday" })] });
    const verdict = evaluate(outreach(badTime), badTime, DEFAULT_POLICY);
    expect(verdict.verdict).toBe("deny");
    expect(verdict.reasons.map((r) => r.ruleId)).toContain("action.well_formed");
    expect(verdict.reasons.filter((r) => r.ruleId === RULE_ERROR_ID).map((r) => r.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^rule contact\.frequency threw RangeError: recentCommunications\[0\]\.occurredAt/,
        ),
      ]),
    );

    const badDue = facts({ invoices: [invoice({ dueDate: "31/12/2020" })] });
    const escalation = evaluate(
      action("legal_escalation", { invoiceIds: ["inv-1"] }),
      badDue,
      DEFAULT_POLICY,
    );
    expect(escalation.verdict).toBe("deny");
    expect(escalation.reasons[0]?.message).toMatch(
      /rule legal.time_barred threw RangeError: invoice INV-1001 dueDate/,
    );
  });

  it("rules do not modify their inputs", () => {
    const frozenFacts = deepFreeze(facts({ customer: customer({ isConsumer: true }) }));
    const frozenAction = deepFreeze(outreach(frozenFacts));
    const frozenLegal = deepFreeze(action("legal_escalation", { invoiceIds: ["inv-1"], caller: caller() }));
    expect(evaluate(frozenAction, frozenFacts, DEFAULT_POLICY).verdict).toBe("allow");
    expect(evaluate(frozenLegal, frozenFacts, DEFAULT_POLICY).verdict).toBe("needs_approval");
  });
});

describe("module boundaries", () => {
  it("POLICY_CHANNELS is the ledger's channel list", () => {
    expect([...POLICY_CHANNELS]).toEqual([...CHANNELS]);
  });

  it("policies/ imports from db/ only types and db/money.ts", () => {
    const dir = new URL("../../policies/", import.meta.url);
    const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const source = readFileSync(new URL(file, dir), "utf8");
      for (const match of source.matchAll(/^import (type )?[^;]*? from "([^"]+)";/gms)) {
        const [, typeOnly, from = ""] = match;
        if (!from.includes("/db/")) continue;
        expect(typeOnly === "type " || from.endsWith("/db/money.ts"), `${file} imports ${from}`).toBe(true);
      }
    }
  });
});

describe("describeRules and RULES", () => {
  it("every rule has a unique dotted id and a one-line description", () => {
    const described = describeRules();
    const ids = described.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(RULES.length);
    for (const rule of described) {
      expect(rule.id).toMatch(/^[a-z]+(\.[a-z_]+)+$/);
      expect(rule.description.length).toBeGreaterThan(10);
      expect(rule.description).not.toContain("\n");
    }
  });

  it("covers every rule the design names", () => {
    expect(
      describeRules()
        .map((r) => r.id)
        .sort(),
    ).toEqual(
      [
        "action.well_formed",
        "caller.role",
        "account.bankruptcy",
        "account.cease_communication",
        "account.do_not_contact",
        "account.legal_hold",
        "account.attorney_represented",
        "account.automation_disabled",
        "invoice.disputed",
        "invoice.settled",
        "contact.channel_consent",
        "contact.frequency",
        "contact.quiet_after_conversation",
        "contact.jurisdiction",
        "contact.local_time",
        "contact.min_gap",
        "content.required",
        "content.forbidden_language",
        "legal.escalation_approval",
        "legal.time_barred",
        "approval.large_balance",
        "limits.credit_note",
        "limits.write_off",
        "limits.settlement_discount",
        "limits.payment_plan",
        "cash.auto_apply_threshold",
      ].sort(),
    );
    expect(describeRules().find((r) => r.id === "account.bankruptcy")?.citation).toBe("11 U.S.C. 362(a)(6)");
  });

  it("policies/README.md lists every rule id", () => {
    const readme = readFileSync(new URL("../../policies/README.md", import.meta.url), "utf8");
    for (const rule of RULES) expect(readme, rule.id).toContain(`\`${rule.id}\``);
  });
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
