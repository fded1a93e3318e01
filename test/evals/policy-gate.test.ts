import { describe, expect, it } from "vitest";
import { runPolicyGate } from "../../evals/policy-gate.ts";
import { DEFAULT_POLICY, type PolicyDocument } from "../../policies/index.ts";

describe("the policy gate eval", () => {
  it("scores the default policy with no violations and full approval-gate recall", () => {
    const report = runPolicyGate();
    expect(report.scenarios).toBeGreaterThanOrEqual(30);
    expect(report.violations).toEqual([]);
    expect(report.approvalGate.recall).toBe(1);
    expect(report.wrongRule).toEqual([]);
  });

  it("catches a policy loosened so that large balances no longer need approval", () => {
    const loose = structuredClone(DEFAULT_POLICY) as PolicyDocument;
    (loose.approval.largeBalanceMinor as Record<string, number>).default = Number.MAX_SAFE_INTEGER;
    const report = runPolicyGate(loose);
    expect(report.violations).toEqual([
      {
        name: "email about a balance above the approval threshold",
        expected: "needs_approval",
        got: "allow",
      },
    ]);
    expect(report.approvalGate.recall).toBeLessThan(1);
  });

  it("catches a policy that allows an eighth consumer call in a week", () => {
    const loose = structuredClone(DEFAULT_POLICY) as PolicyDocument;
    loose.contact.frequency.consumer.call = { max: 20, windowDays: 7 };
    expect(runPolicyGate(loose).violations.map((v) => v.name)).toContain(
      "eighth consumer call in seven days",
    );
  });
});
