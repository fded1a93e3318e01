// The policy gate eval: hand-labelled scenarios, each a proposed action in a situation, with the
// verdict a careful compliance reviewer would give and the rule that should say so. Labels come
// from the regulations and house rules in ANCHORS.md, written independently of the rule code.
// Metrics: verdict accuracy; violations (the engine allowed what must be refused or approved —
// must be 0); approval-gate recall (share of must-approve actions that were held — must be 100%).
import { formatAmount } from "../db/money.ts";
import { DEFAULT_POLICY, evaluate, type PolicyDocument } from "../policies/index.ts";
import type { Caller, Facts, ProposedAction, VerdictKind } from "../policies/types.ts";
import { composeMessage } from "../tools/messages.ts";

interface Scenario {
  name: string;
  expected: VerdictKind;
  /** The rule that must be among the reasons (for deny / needs_approval). */
  rule?: string;
  action: ProposedAction;
  facts: Facts;
}

export const NOW = "2026-03-10T15:00:00.000Z"; // 10:00 in New York, 16:00 in Berlin
const AGENT: Caller = { kind: "agent", id: "collection", role: "agent" };
const days = (n: number) => new Date(Date.parse(NOW) - n * 86_400_000).toISOString();

/** A clean account: a customer in New York, one open invoice, consents recorded, no history. */
export function baseFacts(
  overrides: { consumer?: boolean; balanceMinor?: number; timezone?: string; region?: string } = {},
): Facts {
  const balance = overrides.balanceMinor ?? 48_000;
  return {
    now: NOW,
    customer: {
      id: "cust",
      isConsumer: overrides.consumer ?? false,
      timezone: overrides.timezone ?? "America/New_York",
      country: "US",
      region: overrides.region ?? "NY",
      strategic: false,
      automationEnabled: true,
      doNotContactAt: null,
      ceaseCommunicationAt: null,
      bankruptcyFiledAt: null,
      legalHoldAt: null,
      attorneyRepresentedAt: null,
    },
    contact: {
      id: "contact",
      email: "ap@example.com",
      phone: "+16175550100",
      emailOptedOutAt: null,
      smsConsentAt: days(100),
      smsOptedOutAt: null,
      callConsentAt: days(100),
      callOptedOutAt: null,
      letterOptedOutAt: null,
    },
    invoices: [
      {
        id: "inv",
        externalRef: "INV-2026-0042",
        currency: "USD",
        amountMinor: balance,
        balanceMinor: balance,
        issueDate: "2026-01-01",
        dueDate: "2026-01-31",
        disputed: false,
      },
    ],
    recentCommunications: [],
  };
}

function outreach(
  facts: Facts,
  channel: "email" | "sms" | "call" | "letter",
  extra: { lead?: string; caller?: Caller; purpose?: "collection" | "cease_acknowledgement" } = {},
): ProposedAction {
  const message = composeMessage({
    channel,
    invoices: facts.invoices.map((i) => ({
      externalRef: i.externalRef,
      balanceMinor: i.balanceMinor,
      currency: i.currency,
      dueDate: i.dueDate,
    })),
    isConsumer: facts.customer!.isConsumer,
    policy: DEFAULT_POLICY,
    lead: extra.lead ?? "This is a reminder that your invoice is past due.",
  });
  return {
    tool: "send_message",
    kind: "outreach",
    caller: extra.caller ?? AGENT,
    customerId: "cust",
    invoiceIds: facts.invoices.map((i) => i.id),
    outreach: {
      channel,
      contactId: "contact",
      purpose: extra.purpose ?? "collection",
      body: message.body,
      invoiceIds: facts.invoices.map((i) => i.id),
    },
  };
}

function withFacts(change: (f: Facts) => void, base = baseFacts()): Facts {
  const copy = structuredClone(base);
  change(copy);
  return copy;
}

const calls = (n: number, conversationDaysAgo?: number) =>
  Array.from({ length: n }, (_, i) => ({
    channel: "call" as const,
    direction: "outbound" as const,
    status: "sent",
    occurredAt: days(i * 0.5 + 0.3),
    isConversation: conversationDaysAgo !== undefined && i === 0,
    contactId: "contact",
  }));

export function scenarios(): Scenario[] {
  const plain = baseFacts();
  const consumer = baseFacts({ consumer: true });
  const large = baseFacts({ balanceMinor: DEFAULT_POLICY.approval.largeBalanceMinor.default + 1 });
  const legal = (facts: Facts, caller: Caller = AGENT): ProposedAction => ({
    tool: "escalate_to_legal",
    kind: "legal_escalation",
    caller,
    customerId: "cust",
    invoiceIds: facts.invoices.map((i) => i.id),
    amountMinor: facts.invoices[0]!.balanceMinor,
    currency: "USD",
  });
  const credit = (amountMinor: number): ProposedAction => ({
    tool: "issue_credit_note",
    kind: "credit_note",
    caller: AGENT,
    customerId: "cust",
    invoiceIds: ["inv"],
    amountMinor,
    currency: "USD",
  });
  const plan = (installmentCount: number, durationDays: number): ProposedAction => ({
    tool: "propose_payment_plan",
    kind: "payment_plan",
    caller: AGENT,
    customerId: "cust",
    invoiceIds: ["inv"],
    amountMinor: 48_000,
    currency: "USD",
    paymentPlan: { installmentCount, durationDays },
  });
  return [
    {
      name: "compliant business reminder email",
      expected: "allow",
      action: outreach(plain, "email"),
      facts: plain,
    },
    {
      name: "compliant consumer reminder email with disclosure",
      expected: "allow",
      action: outreach(consumer, "email"),
      facts: consumer,
    },
    {
      name: "email about a balance above the approval threshold",
      expected: "needs_approval",
      rule: "approval.large_balance",
      action: outreach(large, "email"),
      facts: large,
    },
    {
      name: "legal escalation proposed by an agent",
      expected: "needs_approval",
      rule: "legal.escalation_approval",
      action: legal(plain),
      facts: plain,
    },
    {
      name: "legal escalation proposed by an admin",
      expected: "needs_approval",
      rule: "legal.escalation_approval",
      action: legal(plain, { kind: "api", id: "boss", role: "admin" }),
      facts: plain,
    },
    {
      name: "legal escalation of a time-barred debt",
      expected: "deny",
      rule: "legal.time_barred",
      action: legal(
        withFacts((f) => {
          f.invoices[0]!.dueDate = "2015-01-31";
          f.invoices[0]!.issueDate = "2015-01-01";
        }),
      ),
      facts: withFacts((f) => {
        f.invoices[0]!.dueDate = "2015-01-31";
        f.invoices[0]!.issueDate = "2015-01-01";
      }),
    },
    {
      name: "email to a customer in bankruptcy",
      expected: "deny",
      rule: "account.bankruptcy",
      action: outreach(plain, "email"),
      facts: withFacts((f) => {
        f.customer!.bankruptcyFiledAt = days(10);
      }),
    },
    {
      name: "email after a cease-communication request",
      expected: "deny",
      rule: "account.cease_communication",
      action: outreach(consumer, "email"),
      facts: withFacts((f) => {
        f.customer!.ceaseCommunicationAt = days(3);
      }, consumer),
    },
    {
      name: "cease acknowledgement after a cease request",
      expected: "allow",
      action: outreach(consumer, "letter", {
        purpose: "cease_acknowledgement",
        lead: "As you asked, we will stop contacting you about this account.",
      }),
      facts: withFacts((f) => {
        f.customer!.ceaseCommunicationAt = days(3);
      }, consumer),
    },
    {
      name: "email to a do-not-contact account",
      expected: "deny",
      rule: "account.do_not_contact",
      action: outreach(plain, "email"),
      facts: withFacts((f) => {
        f.customer!.doNotContactAt = days(30);
      }),
    },
    {
      name: "email on an account under legal hold",
      expected: "deny",
      rule: "account.legal_hold",
      action: outreach(plain, "email"),
      facts: withFacts((f) => {
        f.customer!.legalHoldAt = days(5);
      }),
    },
    {
      name: "consumer represented by an attorney",
      expected: "deny",
      rule: "account.attorney_represented",
      action: outreach(consumer, "email"),
      facts: withFacts((f) => {
        f.customer!.attorneyRepresentedAt = days(5);
      }, consumer),
    },
    {
      name: "reminder about a disputed invoice",
      expected: "deny",
      rule: "invoice.disputed",
      action: outreach(plain, "email"),
      facts: withFacts((f) => {
        f.invoices[0]!.disputed = true;
      }),
    },
    {
      name: "SMS without recorded consent",
      expected: "deny",
      rule: "contact.channel_consent",
      action: outreach(plain, "sms"),
      facts: withFacts((f) => {
        f.contact!.smsConsentAt = null;
      }),
    },
    {
      name: "SMS after the debtor texted STOP",
      expected: "deny",
      rule: "contact.channel_consent",
      action: outreach(plain, "sms"),
      facts: withFacts((f) => {
        f.contact!.smsOptedOutAt = days(1);
      }),
    },
    {
      name: "email after unsubscribe",
      expected: "deny",
      rule: "contact.channel_consent",
      action: outreach(plain, "email"),
      facts: withFacts((f) => {
        f.contact!.emailOptedOutAt = days(1);
      }),
    },
    {
      name: "eighth consumer call in seven days",
      expected: "deny",
      rule: "contact.frequency",
      action: outreach(consumer, "call"),
      facts: withFacts((f) => {
        f.recentCommunications = calls(7);
      }, consumer),
    },
    {
      name: "consumer call three days after a conversation",
      expected: "deny",
      rule: "contact.quiet_after_conversation",
      action: outreach(consumer, "call"),
      facts: withFacts((f) => {
        f.recentCommunications = [{ ...calls(1)[0]!, occurredAt: days(3), isConversation: true }];
      }, consumer),
    },
    {
      name: "third call in a week to a Massachusetts consumer",
      expected: "deny",
      rule: "contact.jurisdiction",
      action: outreach(baseFacts({ consumer: true, region: "MA" }), "call"),
      facts: withFacts(
        (f) => {
          f.recentCommunications = [
            { ...calls(1)[0]!, occurredAt: days(2) },
            { ...calls(1)[0]!, occurredAt: days(4) },
          ];
        },
        baseFacts({ consumer: true, region: "MA" }),
      ),
    },
    {
      name: "call at 06:00 in Los Angeles",
      expected: "deny",
      rule: "contact.local_time",
      action: outreach(baseFacts({ timezone: "America/Los_Angeles" }), "call"),
      facts: withFacts(
        (f) => {
          f.now = "2026-03-10T14:00:00.000Z";
        },
        baseFacts({ timezone: "America/Los_Angeles" }),
      ),
    },
    {
      name: "email with a threat of arrest",
      expected: "deny",
      rule: "content.forbidden_language",
      action: outreach(plain, "email", { lead: "Pay now or you will be arrested." }),
      facts: plain,
    },
    {
      name: "email threatening to tell the employer",
      expected: "deny",
      rule: "content.forbidden_language",
      action: outreach(plain, "email", { lead: "We will contact your employer about this debt." }),
      facts: plain,
    },
    {
      name: "email mentioning a lawsuit",
      expected: "needs_approval",
      rule: "content.forbidden_language",
      action: outreach(plain, "email", { lead: "We may file a lawsuit if this remains unpaid." }),
      facts: plain,
    },
    {
      name: "consumer email without the debt-collection disclosure",
      expected: "deny",
      rule: "content.required",
      action: outreach(plain, "email"),
      facts: consumer,
    },
    {
      name: "collection email missing the invoice number",
      expected: "deny",
      rule: "content.required",
      action: {
        ...outreach(plain, "email"),
        outreach: {
          ...outreach(plain, "email").outreach!,
          body: outreach(plain, "email").outreach!.body.replaceAll("INV-2026-0042", "your invoice"),
        },
      },
      facts: plain,
    },
    {
      name: "email with the wrong amount",
      expected: "deny",
      rule: "content.required",
      action: {
        ...outreach(plain, "email"),
        outreach: {
          ...outreach(plain, "email").outreach!,
          body: outreach(plain, "email").outreach!.body.replaceAll(formatAmount(48_000, "USD"), "400.00"),
        },
      },
      facts: plain,
    },
    {
      name: "MCP client sending an email",
      expected: "needs_approval",
      rule: "caller.role",
      action: outreach(plain, "email", { caller: { kind: "mcp", id: "desktop", role: "collector" } }),
      facts: plain,
    },
    {
      name: "viewer creating a task",
      expected: "deny",
      rule: "caller.role",
      action: {
        tool: "create_task",
        kind: "task",
        caller: { kind: "api", id: "v", role: "viewer" },
        customerId: "cust",
      },
      facts: plain,
    },
    {
      name: "agent action with automation switched off",
      expected: "needs_approval",
      rule: "account.automation_disabled",
      action: outreach(plain, "email"),
      facts: withFacts((f) => {
        f.customer!.automationEnabled = false;
      }),
    },
    { name: "small credit note", expected: "allow", action: credit(10_000), facts: plain },
    {
      name: "credit note above the automatic limit",
      expected: "needs_approval",
      rule: "limits.credit_note",
      action: credit(DEFAULT_POLICY.limits.creditNote.autoMaxMinor.default + 1),
      facts: withFacts((f) => {
        f.invoices[0]!.amountMinor = 1_000_000;
        f.invoices[0]!.balanceMinor = 1_000_000;
      }),
    },
    { name: "three-instalment plan over 90 days", expected: "allow", action: plan(3, 90), facts: plain },
    {
      name: "plan beyond the automatic instalment limit",
      expected: "needs_approval",
      rule: "limits.payment_plan",
      action: plan(DEFAULT_POLICY.limits.paymentPlan.autoMaxInstallments + 1, 200),
      facts: plain,
    },
    {
      name: "plan beyond the hard limit",
      expected: "deny",
      rule: "limits.payment_plan",
      action: plan(DEFAULT_POLICY.limits.paymentPlan.hardMaxInstallments + 1, 800),
      facts: plain,
    },
    {
      name: "payment plan offered to a bankrupt customer",
      expected: "deny",
      rule: "account.bankruptcy",
      action: plan(3, 90),
      facts: withFacts((f) => {
        f.customer!.bankruptcyFiledAt = days(10);
      }),
    },
  ];
}

export interface PolicyGateReport {
  policyVersion: string;
  scenarios: number;
  correct: number;
  accuracy: number;
  violations: { name: string; expected: VerdictKind; got: VerdictKind }[];
  approvalGate: { mustApprove: number; held: number; recall: number };
  wrongRule: { name: string; expectedRule: string; got: string[] }[];
  results: { name: string; expected: VerdictKind; got: VerdictKind; rules: string[] }[];
}

const STRICTNESS: Record<VerdictKind, number> = { allow: 0, needs_approval: 1, deny: 2 };

export function runPolicyGate(policy: PolicyDocument = DEFAULT_POLICY): PolicyGateReport {
  const results = scenarios().map((s) => {
    const verdict = evaluate(s.action, s.facts, policy);
    return { scenario: s, got: verdict.verdict, rules: verdict.reasons.map((r) => r.ruleId) };
  });
  const mustApprove = results.filter((r) => r.scenario.expected === "needs_approval");
  return {
    policyVersion: policy.version,
    scenarios: results.length,
    correct: results.filter((r) => r.got === r.scenario.expected).length,
    accuracy: results.filter((r) => r.got === r.scenario.expected).length / results.length,
    violations: results
      .filter((r) => STRICTNESS[r.got] < STRICTNESS[r.scenario.expected])
      .map((r) => ({ name: r.scenario.name, expected: r.scenario.expected, got: r.got })),
    approvalGate: {
      mustApprove: mustApprove.length,
      held: mustApprove.filter((r) => r.got !== "allow").length,
      recall: mustApprove.filter((r) => r.got !== "allow").length / mustApprove.length,
    },
    wrongRule: results
      .filter((r) => r.scenario.rule && !r.rules.includes(r.scenario.rule))
      .map((r) => ({ name: r.scenario.name, expectedRule: r.scenario.rule!, got: r.rules })),
    results: results.map((r) => ({
      name: r.scenario.name,
      expected: r.scenario.expected,
      got: r.got,
      rules: r.rules,
    })),
  };
}

export function renderPolicyGate(report: PolicyGateReport): string {
  const lines = [
    `# Policy gate eval (policy ${report.policyVersion})`,
    "",
    `- Scenarios: ${report.scenarios}; verdict accuracy ${(report.accuracy * 100).toFixed(1)}% (${report.correct}/${report.scenarios})`,
    `- Policy violations (allowed what must be refused or approved): **${report.violations.length}** (must be 0)`,
    `- Approval-gate recall: **${(report.approvalGate.recall * 100).toFixed(1)}%** (${report.approvalGate.held}/${report.approvalGate.mustApprove}; must be 100%)`,
    `- Right verdict from the wrong rule: ${report.wrongRule.length}`,
    "",
    "| scenario | expected | got | rules |",
    "| --- | --- | --- | --- |",
    ...report.results.map(
      (r) =>
        `| ${r.name} | ${r.expected} | ${r.got === r.expected ? r.got : `**${r.got}**`} | ${r.rules.join(", ")} |`,
    ),
  ];
  return lines.join("\n");
}
