// Contact rules: consent, frequency, quiet days, jurisdictions, minimum gaps.
import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY, evaluate } from "../../policies/index.ts";
import {
  comm,
  comms,
  contact,
  customer,
  DAY,
  daysBefore,
  facts,
  HOUR,
  hoursBefore,
  judge,
  NOW,
  outreach,
  policyWith,
  shift,
} from "./builders.ts";

describe("contact.channel_consent", () => {
  const rule = "contact.channel_consent";
  const withContact = (over: Parameters<typeof contact>[0]) => facts({ contact: contact(over) });

  it("email needs an address and no opt-out", () => {
    let f = withContact({ email: null });
    expect(judge(rule, outreach(f), f).text).toMatch(/no email address/);
    f = withContact({ emailOptedOutAt: "2026-04-01T00:00:00.000Z" });
    const r = judge(rule, outreach(f), f);
    expect(r.verdict).toBe("deny");
    expect(r.reasons[0]?.citation).toBe("12 CFR 1006.6(e)");
    f = withContact({});
    expect(judge(rule, outreach(f), f).verdict).toBe("allow");
  });

  it("sms needs a phone and recorded consent", () => {
    let f = withContact({ phone: null });
    expect(judge(rule, outreach(f, { channel: "sms" }), f).text).toMatch(/no phone number/);
    f = withContact({ smsConsentAt: null });
    const r = judge(rule, outreach(f, { channel: "sms" }), f);
    expect(r.verdict).toBe("deny");
    expect(r.text).toMatch(/no recorded consent to text/);
    expect(r.reasons[0]?.citation).toBe("47 U.S.C. 227");
  });

  it("sms opt-out after consent denies; consent given again after an opt-out allows", () => {
    let f = withContact({
      smsConsentAt: "2026-01-01T00:00:00.000Z",
      smsOptedOutAt: "2026-02-01T00:00:00.000Z",
    });
    expect(judge(rule, outreach(f, { channel: "sms" }), f).text).toMatch(/revoked SMS consent/);
    f = withContact({ smsConsentAt: "2026-03-01T00:00:00.000Z", smsOptedOutAt: "2026-02-01T00:00:00.000Z" });
    expect(judge(rule, outreach(f, { channel: "sms" }), f).verdict).toBe("allow");
  });

  it("calls need a phone and no opt-out; autodialled calls need consent", () => {
    let f = withContact({ callOptedOutAt: "2026-04-01T00:00:00.000Z" });
    expect(judge(rule, outreach(f, { channel: "call" }), f).text).toMatch(/opted out of calls/);
    f = withContact({ callConsentAt: null });
    expect(judge(rule, outreach(f, { channel: "call" }), f).verdict).toBe("allow");
    const r = judge(rule, outreach(f, { channel: "call", autodialed: true }), f);
    expect(r.verdict).toBe("deny");
    expect(r.text).toMatch(/autodialled call needs recorded prior express consent/);
    f = withContact({});
    expect(judge(rule, outreach(f, { channel: "call", autodialed: true }), f).verdict).toBe("allow");
  });

  it("letters need only no letter opt-out, and no contact at all", () => {
    let f = withContact({ letterOptedOutAt: "2026-04-01T00:00:00.000Z" });
    expect(judge(rule, outreach(f, { channel: "letter" }), f).verdict).toBe("deny");
    f = facts({ contact: undefined });
    expect(judge(rule, outreach(f, { channel: "letter", contactId: undefined }), f).verdict).toBe("allow");
  });

  it("a missing contact for a channel that needs one is denied with a clear message", () => {
    const f = facts({ contact: undefined });
    const r = judge(rule, outreach(f, { channel: "email", contactId: undefined }), f);
    expect(r.verdict).toBe("deny");
    expect(r.text).toBe("an email needs a contact to send it to; none given");
  });

  it("the contact addressed must be the one the facts describe", () => {
    const f = facts();
    expect(judge(rule, outreach(f, { contactId: "contact-9" }), f).text).toMatch(
      /addressed to contact contact-9 but the facts describe contact contact-1/,
    );
  });
});

describe("contact.frequency", () => {
  const rule = "contact.frequency";
  const consumer = (recentCommunications: ReturnType<typeof comms>) =>
    facts({ customer: customer({ isConsumer: true }), recentCommunications });

  it("allows 6 consumer calls in 7 days and denies the 8th attempt after 7", () => {
    let f = consumer(comms(6, "call"));
    expect(judge(rule, outreach(f, { channel: "call" }), f).verdict).toBe("allow");
    f = consumer(comms(7, "call", { latestHoursAgo: 1, spacingHours: 24 }));
    const r = judge(rule, outreach(f, { channel: "call" }), f);
    expect(r.verdict).toBe("deny");
    expect(r.reasons[0]?.citation).toBe("12 CFR 1006.14(b)(2)(i)");
    // Oldest at NOW − 145h leaves the 168h window at NOW + 23h.
    expect(r.text).toContain(`the next fits after ${shift(NOW, 23 * HOUR)}`);
  });

  it("a call exactly one window ago is outside the window; one millisecond later is inside", () => {
    const six = comms(6, "call", { latestHoursAgo: 1 });
    let f = consumer([...six, comm({ channel: "call", occurredAt: daysBefore(7) })]);
    expect(judge(rule, outreach(f, { channel: "call" }), f).verdict).toBe("allow");
    f = consumer([...six, comm({ channel: "call", occurredAt: shift(daysBefore(7), 1) })]);
    expect(judge(rule, outreach(f, { channel: "call" }), f).verdict).toBe("deny");
  });

  it("counts only outbound, not cancelled, same-channel messages; scheduled ones count", () => {
    const six = comms(6, "call", { latestHoursAgo: 1 });
    const extra = [
      comm({ channel: "call", status: "cancelled", occurredAt: hoursBefore(2) }),
      comm({ channel: "call", direction: "inbound", status: "received", occurredAt: hoursBefore(3) }),
      comm({ channel: "sms", occurredAt: hoursBefore(4) }),
    ];
    let f = consumer([...six, ...extra]);
    expect(judge(rule, outreach(f, { channel: "call" }), f).verdict).toBe("allow");
    f = consumer([...six, comm({ channel: "call", status: "queued", occurredAt: shift(NOW, 2 * HOUR) })]);
    expect(judge(rule, outreach(f, { channel: "call" }), f).verdict).toBe("deny");
    f = consumer([...six, comm({ channel: "call", status: "failed", occurredAt: hoursBefore(2) })]);
    expect(judge(rule, outreach(f, { channel: "call" }), f).verdict).toBe("deny");
  });

  it("business accounts use the business limits, unless strictBusinessMode", () => {
    const f = facts({ recentCommunications: comms(7, "call", { latestHoursAgo: 1 }) });
    expect(judge(rule, outreach(f, { channel: "call" }), f).verdict).toBe("allow");
    const strict = policyWith((p) => (p.strictBusinessMode = true));
    expect(judge(rule, outreach(f, { channel: "call" }), f, strict).verdict).toBe("deny");
    const ten = facts({ recentCommunications: comms(10, "call", { latestHoursAgo: 1, spacingHours: 12 }) });
    const r = judge(rule, outreach(ten, { channel: "call" }), ten);
    expect(r.verdict).toBe("deny");
    expect(r.text).toMatch(/business limit of 10/);
    expect(r.reasons[0]?.citation).toBeUndefined();
  });

  it("a channel without a limit is not counted", () => {
    const p = policyWith((doc) => delete doc.contact.frequency.business.email);
    const f = facts({ recentCommunications: comms(20, "email", { spacingHours: 6 }) });
    expect(judge(rule, outreach(f), f, p).verdict).toBe("allow");
    expect(judge(rule, outreach(f), f).verdict).toBe("deny");
  });
});

describe("contact.quiet_after_conversation", () => {
  const rule = "contact.quiet_after_conversation";
  const conversation = (occurredAt: string, direction: "inbound" | "outbound" = "outbound") =>
    comm({ channel: "call", isConversation: true, occurredAt, direction });

  it("no consumer call within 7 days after a conversation", () => {
    const f = facts({
      customer: customer({ isConsumer: true }),
      recentCommunications: [conversation(daysBefore(6))],
    });
    const r = judge(rule, outreach(f, { channel: "call" }), f);
    expect(r.verdict).toBe("deny");
    expect(r.text).toContain(`not before ${shift(daysBefore(6), 7 * DAY)}`);
    expect(r.reasons[0]?.citation).toBe("12 CFR 1006.14(b)(2)(ii)");
  });

  it("inbound conversations count; exactly 7 days later the quiet period is over", () => {
    let f = facts({
      customer: customer({ isConsumer: true }),
      recentCommunications: [conversation(hoursBefore(2), "inbound")],
    });
    expect(judge(rule, outreach(f, { channel: "call" }), f).verdict).toBe("deny");
    f = facts({
      customer: customer({ isConsumer: true }),
      recentCommunications: [conversation(daysBefore(7))],
    });
    expect(judge(rule, outreach(f, { channel: "call" }), f).verdict).toBe("allow");
  });

  it("only calls are quieted, and only after a conversation", () => {
    let f = facts({
      customer: customer({ isConsumer: true }),
      recentCommunications: [conversation(daysBefore(1))],
    });
    expect(judge(rule, outreach(f, { channel: "email" }), f).verdict).toBe("allow");
    f = facts({
      customer: customer({ isConsumer: true }),
      recentCommunications: [comm({ channel: "call", occurredAt: daysBefore(1) })],
    });
    expect(judge(rule, outreach(f, { channel: "call" }), f).verdict).toBe("allow");
  });

  it("business accounts have no quiet period by default, but do in strictBusinessMode", () => {
    const f = facts({ recentCommunications: [conversation(daysBefore(1))] });
    expect(judge(rule, outreach(f, { channel: "call" }), f).verdict).toBe("allow");
    const strict = policyWith((p) => (p.strictBusinessMode = true));
    expect(judge(rule, outreach(f, { channel: "call" }), f, strict).verdict).toBe("deny");
  });
});

describe("contact.jurisdiction", () => {
  const rule = "contact.jurisdiction";
  const inMA = (
    isConsumer: boolean,
    recentCommunications = [
      comm({ channel: "call", occurredAt: daysBefore(2) }),
      comm({ channel: "sms", occurredAt: daysBefore(1) }),
    ],
  ) =>
    facts({
      customer: customer({ isConsumer, region: "MA", timezone: "America/New_York" }),
      recentCommunications,
    });

  it("Massachusetts consumers: at most 2 calls and texts together in 7 days", () => {
    const f = inMA(true);
    for (const channel of ["call", "sms"] as const) {
      const r = judge(rule, outreach(f, { channel }), f);
      expect(r.verdict, channel).toBe("deny");
      expect(r.text).toMatch(/^US-MA: 2 calls and texts in the last 7 days reach the limit of 2/);
      expect(r.reasons[0]?.citation).toBe("209 CMR 18.16");
    }
  });

  it("emails and letters are not limited by it; one call or text leaves room for one more", () => {
    let f = inMA(true);
    expect(judge(rule, outreach(f, { channel: "email" }), f).verdict).toBe("allow");
    expect(judge(rule, outreach(f, { channel: "letter" }), f).verdict).toBe("allow");
    f = inMA(true, [comm({ channel: "sms", occurredAt: daysBefore(1) })]);
    expect(judge(rule, outreach(f, { channel: "call" }), f).verdict).toBe("allow");
  });

  it("the window edge: a text exactly 7 days ago no longer counts", () => {
    const f = inMA(true, [
      comm({ channel: "call", occurredAt: daysBefore(2) }),
      comm({ channel: "sms", occurredAt: daysBefore(7) }),
    ]);
    expect(judge(rule, outreach(f, { channel: "call" }), f).verdict).toBe("allow");
  });

  it("other states are not affected, nor MA business accounts unless strictBusinessMode", () => {
    const ny = facts({
      customer: customer({ isConsumer: true }),
      recentCommunications: inMA(true).recentCommunications,
    });
    expect(judge(rule, outreach(ny, { channel: "call" }), ny).verdict).toBe("allow");
    const business = inMA(false);
    expect(judge(rule, outreach(business, { channel: "call" }), business).verdict).toBe("allow");
    const strict = policyWith((p) => (p.strictBusinessMode = true));
    expect(judge(rule, outreach(business, { channel: "call" }), business, strict).verdict).toBe("deny");
  });

  it("matches region codes case-insensitively and honours country-wide entries for all accounts", () => {
    const lower = facts({
      customer: customer({ isConsumer: true, country: "us", region: "ma" }),
      recentCommunications: inMA(true).recentCommunications,
    });
    expect(judge(rule, outreach(lower, { channel: "sms" }), lower).verdict).toBe("deny");
    const p = policyWith((doc) => {
      doc.contact.jurisdictions.DE = { appliesTo: "all", callsAndTexts: { max: 1, windowDays: 3 } };
    });
    const de = facts({
      customer: customer({ country: "DE", region: "BE", timezone: "Europe/Berlin" }),
      recentCommunications: [comm({ channel: "call", occurredAt: daysBefore(2) })],
    });
    const r = judge(rule, outreach(de, { channel: "call" }), de, p);
    expect(r.verdict).toBe("deny");
    expect(r.reasons[0]?.citation).toBeUndefined();
  });
});

describe("contact.min_gap", () => {
  const rule = "contact.min_gap";
  it("denies a second email within 24 hours, naming when the next may go", () => {
    const f = facts({ recentCommunications: [comm({ occurredAt: hoursBefore(23) })] });
    const r = judge(rule, outreach(f), f);
    expect(r.verdict).toBe("deny");
    expect(r.text).toContain(`not before ${shift(NOW, HOUR)}`);
  });

  it("allows it at exactly 24 hours, and ignores other channels and cancelled messages", () => {
    let f = facts({ recentCommunications: [comm({ occurredAt: hoursBefore(24) })] });
    expect(judge(rule, outreach(f), f).verdict).toBe("allow");
    f = facts({
      recentCommunications: [
        comm({ channel: "sms", occurredAt: hoursBefore(1) }),
        comm({ status: "cancelled", occurredAt: hoursBefore(1) }),
        comm({ direction: "inbound", status: "received", occurredAt: hoursBefore(1) }),
      ],
    });
    expect(judge(rule, outreach(f), f).verdict).toBe("allow");
  });

  it("a message already scheduled shortly after now also blocks", () => {
    const f = facts({ recentCommunications: [comm({ status: "queued", occurredAt: shift(NOW, 2 * HOUR) })] });
    expect(judge(rule, outreach(f), f).verdict).toBe("deny");
  });

  it("calls use their own gap (4 hours)", () => {
    let f = facts({ recentCommunications: [comm({ channel: "call", occurredAt: hoursBefore(3) })] });
    expect(judge(rule, outreach(f, { channel: "call" }), f).verdict).toBe("deny");
    f = facts({ recentCommunications: [comm({ channel: "call", occurredAt: hoursBefore(5) })] });
    expect(judge(rule, outreach(f, { channel: "call" }), f).verdict).toBe("allow");
  });
});

describe("the contact rules together", () => {
  it("a consumer call is judged by every rule that objects, denials listed by rule id", () => {
    const f = facts({
      customer: customer({ isConsumer: true, region: "MA" }),
      contact: contact({ callOptedOutAt: "2026-04-01T00:00:00.000Z" }),
      recentCommunications: [
        comm({ channel: "call", isConversation: true, occurredAt: hoursBefore(2) }),
        comm({ channel: "sms", occurredAt: hoursBefore(30) }),
      ],
    });
    const verdict = evaluate(outreach(f, { channel: "call" }), f, DEFAULT_POLICY);
    expect(verdict.verdict).toBe("deny");
    expect(verdict.reasons.map((r) => r.ruleId)).toEqual([
      "contact.channel_consent",
      "contact.jurisdiction",
      "contact.min_gap",
      "contact.quiet_after_conversation",
    ]);
  });
});
