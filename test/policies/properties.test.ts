// Property tests over generated facts and actions:
// (a) monotonicity: making the facts more restrictive (more recent messages, more account flags, more
//     disputes, fewer consents) never relaxes a verdict, so a denied action never becomes allowed;
// (b) evaluate is deterministic, independent of the order of facts, and its verdict is the strictest
//     of its reasons, which are sorted denials first;
// (c) approval waivers drop exactly the waived needs_approval reasons and never change a denial.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatAmount } from "../../db/money.ts";
import type { Channel } from "../../db/schema.ts";
import { compareReasons, DEFAULT_POLICY, evaluate, RULES, strictest } from "../../policies/index.ts";
import type {
  ActionKind,
  Caller,
  CommunicationFacts,
  ContactFacts,
  CustomerFacts,
  Facts,
  InvoiceFacts,
  OutreachPurpose,
  ProposedAction,
  Verdict,
  VerdictKind,
} from "../../policies/types.ts";
import { caller, contact, customer, DAY, HOUR, invoice } from "./builders.ts";

const RANK: Record<VerdictKind, number> = { allow: 0, needs_approval: 1, deny: 2 };
const BASE = Date.parse("2026-04-15T00:00:00.000Z");
const CHANNELS: Channel[] = ["email", "sms", "call", "letter"];
const PURPOSES: OutreachPurpose[] = [
  "collection",
  "receipt",
  "validation_notice",
  "cease_acknowledgement",
  "remedy_notice",
];
const RUNS = { numRuns: 400 };

const iso = (ms: number) => new Date(ms).toISOString();

// ------------------------------------------------------------------------------------------------
// Arbitraries

const nowMs = fc.integer({ min: 0, max: 3 * 24 * 60 }).map((minutes) => BASE + minutes * 60_000);
/** A past timestamp, or (`nullWeight` times as likely) null. */
const maybeTs = (nullWeight: number): fc.Arbitrary<string | null> =>
  fc.oneof(
    { arbitrary: fc.constant(null), weight: nullWeight },
    { arbitrary: fc.integer({ min: 1, max: 90 }).map((days) => iso(BASE - days * DAY)), weight: 1 },
  );

const customerArb: fc.Arbitrary<CustomerFacts> = fc
  .record({
    isConsumer: fc.boolean(),
    timezone: fc.constantFrom(
      "America/New_York",
      "Europe/Berlin",
      "Asia/Kolkata",
      "UTC",
      "America/Los_Angeles",
    ),
    region: fc.constantFrom("MA", "NY", null),
    automationEnabled: fc.boolean(),
    doNotContactAt: maybeTs(6),
    ceaseCommunicationAt: maybeTs(6),
    bankruptcyFiledAt: maybeTs(6),
    legalHoldAt: maybeTs(6),
    attorneyRepresentedAt: maybeTs(6),
  })
  .map((c) => customer(c));

const contactArb: fc.Arbitrary<ContactFacts> = fc
  .record({
    email: fc.option(fc.constant("ap@acme.example"), { freq: 8 }),
    phone: fc.option(fc.constant("+16175550100"), { freq: 8 }),
    emailOptedOutAt: maybeTs(5),
    smsConsentAt: fc.option(fc.constant(iso(BASE - 100 * DAY)), { freq: 2, nil: null }),
    smsOptedOutAt: maybeTs(5),
    callConsentAt: fc.option(fc.constant(iso(BASE - 100 * DAY)), { freq: 2, nil: null }),
    callOptedOutAt: maybeTs(5),
    letterOptedOutAt: maybeTs(8),
    role: fc.constantFrom(undefined, "attorney", "ap clerk"),
  })
  .map((c) => contact(c));

const invoiceArb = (index: number): fc.Arbitrary<InvoiceFacts> =>
  fc
    .record({
      currency: fc.constantFrom("USD", "USD", "EUR", "JPY"),
      balanceMinor: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_500_000 })),
      dueDate: fc.constantFrom("2022-01-10", "2025-06-30", "2026-03-01"),
      disputed: fc.boolean(),
    })
    .map((i) =>
      invoice({
        id: `inv-${index}`,
        externalRef: `INV-${1000 + index}`,
        amountMinor: Math.max(i.balanceMinor, 50_000),
        ...i,
        disputed: i.disputed && index === 2, // at most one disputed invoice to start with
      }),
    );

const commArb = (now: number): fc.Arbitrary<CommunicationFacts> =>
  fc.record({
    channel: fc.constantFrom(...CHANNELS),
    direction: fc.constantFrom<"inbound" | "outbound">("outbound", "outbound", "inbound"),
    status: fc.constantFrom("sent", "delivered", "failed", "queued", "cancelled", "received"),
    occurredAt: fc.integer({ min: -30 * 24, max: 6 }).map((hours) => iso(now + hours * HOUR)),
    isConversation: fc.boolean(),
    contactId: fc.constant("contact-1"),
  });

const factsArb: fc.Arbitrary<Facts> = nowMs.chain((now) =>
  fc
    .record({
      customer: customerArb,
      contact: fc.option(contactArb, { freq: 10, nil: undefined }),
      invoices: fc.tuple(invoiceArb(1), invoiceArb(2), invoiceArb(3)),
      recentCommunications: fc.array(commArb(now), { maxLength: 10 }),
    })
    .map(({ customer: c, contact: k, invoices, recentCommunications }) => {
      return {
        now: iso(now),
        customer: c,
        contact: k,
        invoices,
        recentCommunications,
      };
    }),
);

const callerArb: fc.Arbitrary<Caller> = fc.constantFrom<Caller>(
  caller(),
  caller(),
  caller({ kind: "api", id: "alice", role: "collector" }),
  caller({ kind: "mcp", id: "desktop", role: "collector" }),
  caller({ kind: "api", id: "viewer-key", role: "viewer" }),
  caller({ kind: "cli", id: "ops", role: "admin" }),
);

const EXTRA_PHRASES = [
  "",
  "",
  "Thank you for your business.",
  "Final notice: please pay by 30 April 2026.",
  "Otherwise we may file a lawsuit.",
  "You could be arrested.",
  "Today only!",
];

interface ActionSpec {
  kind: ActionKind;
  caller: Caller;
  channel: Channel;
  purpose: OutreachPurpose;
  invoiceMask: [boolean, boolean, boolean];
  pieces: { refs: boolean; amount: boolean; link: boolean; optOut: boolean; disclosure: boolean };
  extra: string;
  autodialed: boolean;
  amountMinor: number;
  discountPercent: number;
  plan: { installmentCount: number; durationDays: number };
}

const specArb: fc.Arbitrary<ActionSpec> = fc.record({
  kind: fc.constantFrom<ActionKind>(
    "outreach",
    "outreach",
    "outreach",
    "outreach",
    "legal_escalation",
    "payment_plan",
    "credit_note",
    "write_off",
    "settlement_discount",
    "promise_to_pay",
    "task",
  ),
  caller: callerArb,
  channel: fc.constantFrom(...CHANNELS),
  purpose: fc.constantFrom(...PURPOSES, "collection", "collection"),
  invoiceMask: fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()),
  pieces: fc.record({
    refs: fc.boolean(),
    amount: fc.boolean(),
    link: fc.boolean(),
    optOut: fc.boolean(),
    disclosure: fc.boolean(),
  }),
  extra: fc.constantFrom(...EXTRA_PHRASES),
  autodialed: fc.boolean(),
  amountMinor: fc.integer({ min: 1, max: 200_000 }),
  discountPercent: fc.double({ min: 0.5, max: 40, noNaN: true }),
  plan: fc.record({
    installmentCount: fc.integer({ min: 1, max: 30 }),
    durationDays: fc.integer({ min: 30, max: 900 }),
  }),
});

function buildAction(f: Facts, spec: ActionSpec): ProposedAction {
  const chosen = f.invoices.filter((_, i) => spec.invoiceMask[i]);
  const invoiceIds = chosen.map((i) => i.id);
  const base = {
    tool: spec.kind,
    kind: spec.kind,
    caller: spec.caller,
    customerId: f.customer?.id,
    invoiceIds,
  };
  switch (spec.kind) {
    case "outreach": {
      const totals = new Map<string, number>();
      for (const i of chosen) totals.set(i.currency, (totals.get(i.currency) ?? 0) + i.balanceMinor);
      const parts: string[] = [];
      if (spec.pieces.refs) parts.push(`About ${chosen.map((i) => i.externalRef).join(", ")}.`);
      if (spec.pieces.amount)
        parts.push(`Due: ${[...totals].map(([c, t]) => `${formatAmount(t, c)} ${c}`).join(", ")}.`);
      if (spec.pieces.link) parts.push("Pay at https://pay.example.com/x1.");
      if (spec.pieces.optOut) parts.push(DEFAULT_POLICY.content.optOut[spec.channel]?.text ?? "");
      if (spec.pieces.disclosure) parts.push(DEFAULT_POLICY.content.consumerDisclosure.text);
      parts.push(spec.extra);
      return {
        ...base,
        invoiceIds: undefined,
        outreach: {
          channel: spec.channel,
          contactId: f.contact?.id,
          purpose: spec.purpose,
          body: parts.join(" ").trim() || "Hello.",
          invoiceIds,
          autodialed: spec.channel === "call" ? spec.autodialed : undefined,
        },
      };
    }
    case "credit_note":
    case "write_off":
      return { ...base, amountMinor: spec.amountMinor, currency: chosen[0]?.currency ?? "USD" };
    case "settlement_discount":
      return { ...base, discountPercent: spec.discountPercent };
    case "payment_plan":
      return { ...base, paymentPlan: spec.plan };
    default:
      return base;
  }
}

const scenarioArb: fc.Arbitrary<{ action: ProposedAction; facts: Facts }> = fc
  .tuple(factsArb, specArb)
  .map(([facts, spec]) => ({ facts, action: buildAction(facts, spec) }));

// Restrictions: each makes the facts at least as restrictive as before.
type Restriction = (f: Facts) => Facts;

const restrictionArb: fc.Arbitrary<Restriction> = fc.oneof(
  // more recent communications
  fc
    .array(
      fc.record({
        channel: fc.constantFrom(...CHANNELS),
        hoursAgo: fc.integer({ min: 0, max: 7 * 24 }),
        isConversation: fc.boolean(),
        status: fc.constantFrom("sent", "delivered", "failed", "queued"),
      }),
      { minLength: 1, maxLength: 8 },
    )
    .map(
      (added): Restriction =>
        (f) => ({
          ...f,
          recentCommunications: [
            ...f.recentCommunications,
            ...added.map((a) => ({
              channel: a.channel,
              direction: "outbound" as const,
              status: a.status,
              occurredAt: iso(Date.parse(f.now) - a.hoursAgo * HOUR),
              isConversation: a.channel === "call" && a.isConversation,
              contactId: "contact-1",
            })),
          ],
        }),
    ),
  // account flags
  fc
    .constantFrom(
      "ceaseCommunicationAt",
      "bankruptcyFiledAt",
      "doNotContactAt",
      "legalHoldAt",
      "attorneyRepresentedAt",
    )
    .map(
      (flag): Restriction =>
        (f) =>
          f.customer
            ? { ...f, customer: { ...f.customer, [flag]: f.customer[flag] ?? iso(Date.parse(f.now) - DAY) } }
            : f,
    ),
  // disputes
  fc.integer({ min: 0, max: 2 }).map(
    (index): Restriction =>
      (f) => ({
        ...f,
        invoices: f.invoices.map((inv, i) => (i === index ? { ...inv, disputed: true } : inv)),
      }),
  ),
  // consents withdrawn, addresses lost, opt-outs recorded now
  fc
    .constantFrom<(c: ContactFacts, now: string) => ContactFacts>(
      (c) => ({ ...c, smsConsentAt: null }),
      (c) => ({ ...c, callConsentAt: null }),
      (c) => ({ ...c, email: null }),
      (c) => ({ ...c, phone: null }),
      (c, now) => ({ ...c, emailOptedOutAt: c.emailOptedOutAt ?? now }),
      (c, now) => ({ ...c, smsOptedOutAt: now }),
      (c, now) => ({ ...c, callOptedOutAt: now }),
      (c, now) => ({ ...c, letterOptedOutAt: c.letterOptedOutAt ?? now }),
    )
    .map(
      (change): Restriction =>
        (f) =>
          f.contact ? { ...f, contact: change(f.contact, f.now) } : f,
    ),
);

const ruleIdsArb = fc.subarray(RULES.map((r) => r.id));

// ------------------------------------------------------------------------------------------------

describe("the generators", () => {
  it("reach every verdict often enough for the properties to mean something", () => {
    const counts: Record<VerdictKind, number> = { allow: 0, needs_approval: 0, deny: 0 };
    for (const { action, facts } of fc.sample(scenarioArb, { numRuns: 3000, seed: 42 })) {
      counts[evaluate(action, facts, DEFAULT_POLICY).verdict]++;
    }
    expect(counts.allow).toBeGreaterThan(150);
    expect(counts.needs_approval).toBeGreaterThan(150);
    expect(counts.deny).toBeGreaterThan(1000);
  });
});

describe("(a) restricting the facts never relaxes a verdict", () => {
  it("adding messages, flags, disputes or withdrawing consent never turns deny into allow (or lowers any verdict)", () => {
    fc.assert(
      fc.property(
        scenarioArb,
        fc.array(restrictionArb, { minLength: 1, maxLength: 4 }),
        ({ action, facts }, restrictions) => {
          const before = evaluate(action, facts, DEFAULT_POLICY);
          const restricted = restrictions.reduce((f, restrict) => restrict(f), facts);
          const after = evaluate(action, restricted, DEFAULT_POLICY);
          if (before.verdict === "deny") expect(after.verdict).toBe("deny");
          expect(RANK[after.verdict]).toBeGreaterThanOrEqual(RANK[before.verdict]);
          // Every denial before is still there after, from the same rule.
          const deniedBy = (v: Verdict) =>
            new Set(v.reasons.filter((r) => r.verdict === "deny").map((r) => r.ruleId));
          for (const id of deniedBy(before)) expect(deniedBy(after)).toContain(id);
        },
      ),
      RUNS,
    );
  });

  it("specifically: outreach stopped by do-not-contact or legal hold stays denied whatever else is added", () => {
    fc.assert(
      fc.property(scenarioArb, restrictionArb, ({ action, facts }, restrict) => {
        // Do-not-contact still lets the acknowledgement through; legal hold stops every message.
        const dnc =
          Boolean(facts.customer?.doNotContactAt) && action.outreach?.purpose !== "cease_acknowledgement";
        fc.pre(action.kind === "outreach" && (dnc || Boolean(facts.customer?.legalHoldAt)));
        expect(evaluate(action, facts, DEFAULT_POLICY).verdict).toBe("deny");
        expect(evaluate(action, restrict(facts), DEFAULT_POLICY).verdict).toBe("deny");
      }),
      { numRuns: 100 },
    );
  });
});

describe("(b) evaluate is deterministic and its verdict is the strictest reason", () => {
  it("same input, same verdict; order of facts does not matter", () => {
    fc.assert(
      fc.property(scenarioArb, fc.infiniteStream(fc.nat()), ({ action, facts }, randoms) => {
        const first = evaluate(action, facts, DEFAULT_POLICY);
        expect(evaluate(action, structuredClone(facts), DEFAULT_POLICY)).toEqual(first);
        const shuffle = <T>(items: T[]) => {
          const copy = items.slice();
          for (let i = copy.length - 1; i > 0; i--) {
            const j = randoms.next().value % (i + 1);
            [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
          }
          return copy;
        };
        const shuffled = {
          ...facts,
          invoices: shuffle(facts.invoices),
          recentCommunications: shuffle(facts.recentCommunications),
        };
        const again = evaluate(action, shuffled, DEFAULT_POLICY);
        expect(again.verdict).toBe(first.verdict);
        expect(again.reasons.map((r) => `${r.verdict}:${r.ruleId}`)).toEqual(
          first.reasons.map((r) => `${r.verdict}:${r.ruleId}`),
        );
      }),
      RUNS,
    );
  });

  it("the verdict is the strictest reason, allow means no reasons, and reasons are sorted denials first", () => {
    fc.assert(
      fc.property(scenarioArb, ({ action, facts }) => {
        const verdict = evaluate(action, facts, DEFAULT_POLICY);
        expect(verdict.verdict).toBe(strictest(verdict.reasons.map((r) => r.verdict)));
        expect(verdict.verdict === "allow").toBe(verdict.reasons.length === 0);
        expect(verdict.reasons).toEqual(verdict.reasons.slice().sort(compareReasons));
        const firstApproval = verdict.reasons.findIndex((r) => r.verdict === "needs_approval");
        if (firstApproval >= 0)
          expect(verdict.reasons.slice(firstApproval).every((r) => r.verdict === "needs_approval")).toBe(
            true,
          );
        expect(verdict.policyVersion).toBe(DEFAULT_POLICY.version);
      }),
      RUNS,
    );
  });
});

describe("(c) approval waivers", () => {
  it("drop exactly the waived needs_approval reasons and never change a denial", () => {
    fc.assert(
      fc.property(scenarioArb, ruleIdsArb, ({ action, facts }, approvedRuleIds) => {
        const plain = evaluate(action, facts, DEFAULT_POLICY);
        const waived = evaluate(action, facts, DEFAULT_POLICY, { approvedRuleIds });
        const expected = plain.reasons.filter(
          (r) => !(r.verdict === "needs_approval" && approvedRuleIds.includes(r.ruleId)),
        );
        expect(waived.reasons).toEqual(expected);
        if (plain.verdict === "deny") expect(waived.verdict).toBe("deny");
        expect(waived.reasons.filter((r) => r.verdict === "deny")).toEqual(
          plain.reasons.filter((r) => r.verdict === "deny"),
        );
      }),
      RUNS,
    );
  });

  it("approving every rule turns needs_approval into allow, and nothing else", () => {
    const all = RULES.map((r) => r.id);
    fc.assert(
      fc.property(scenarioArb, ({ action, facts }) => {
        const plain = evaluate(action, facts, DEFAULT_POLICY);
        const waived = evaluate(action, facts, DEFAULT_POLICY, { approvedRuleIds: all });
        expect(waived.verdict).toBe(plain.verdict === "deny" ? "deny" : "allow");
      }),
      RUNS,
    );
  });
});
