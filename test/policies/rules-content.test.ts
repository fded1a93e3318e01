// What messages must carry and must not say; legal escalation and time-barred debt.
import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY, evaluate } from "../../policies/index.ts";
import { action, customer, facts, invoice, judge, outreach, policyWith } from "./builders.ts";

const LINK = "https://pay.example.com/inv-123";
const EMAIL_OPT_OUT = "To stop receiving these emails, reply UNSUBSCRIBE.";
const DISCLOSURE =
  "This is an attempt to collect a debt, and any information obtained will be used for that purpose.";

describe("content.required", () => {
  const rule = "content.required";
  const f = facts();
  const body = (text: string) => outreach(f, { body: text });

  it("a message with every piece passes", () => {
    expect(
      judge(rule, body(`Invoice INV-1001: 1,250.00 USD due. Pay: ${LINK} ${EMAIL_OPT_OUT}`), f).verdict,
    ).toBe("allow");
  });

  it("each missing piece is its own reason", () => {
    const r = judge(rule, body("Hello, please pay."), f);
    expect(r.verdict).toBe("deny");
    expect(r.reasons.map((x) => x.message)).toEqual([
      'the message does not mention invoice "INV-1001"',
      expect.stringMatching(/^the message does not state the amount due, 1,250.00 USD/),
      expect.stringMatching(/^the message has no payment link/),
      expect.stringMatching(/^the email has no opt-out wording/),
    ]);
  });

  it("invoice numbers must match whole: INV-10010 is not INV-1001", () => {
    const r = judge(rule, body(`Invoice INV-10010: 1,250.00 USD. ${LINK} ${EMAIL_OPT_OUT}`), f);
    expect(r.text).toBe('the message does not mention invoice "INV-1001"');
  });

  it("the amount is the formatted total; a longer number does not count, the currency form does", () => {
    expect(judge(rule, body(`INV-1001: 11,250.00 due. ${LINK} ${EMAIL_OPT_OUT}`), f).text).toMatch(
      /amount due/,
    );
    expect(judge(rule, body(`INV-1001: 1,250.001 due. ${LINK} ${EMAIL_OPT_OUT}`), f).text).toMatch(
      /amount due/,
    );
    expect(judge(rule, body(`INV-1001: $1,250.00 due. ${LINK} ${EMAIL_OPT_OUT}`), f).verdict).toBe("allow");
    expect(judge(rule, body(`INV-1001: 1250 dollars due. ${LINK} ${EMAIL_OPT_OUT}`), f).verdict).toBe("deny");
  });

  it("sums balances per currency and needs every currency's total", () => {
    const multi = facts({
      invoices: [
        invoice(),
        invoice({ id: "inv-2", externalRef: "INV-1002", balanceMinor: 30_000, amountMinor: 30_000 }),
        invoice({
          id: "inv-3",
          externalRef: "JP-7",
          currency: "JPY",
          balanceMinor: 150_000,
          amountMinor: 150_000,
        }),
      ],
    });
    const refs = "INV-1001, INV-1002, JP-7";
    const ok = outreach(multi, { body: `${refs}: 1,550.00 USD and ¥150,000. ${LINK} ${EMAIL_OPT_OUT}` });
    expect(judge(rule, ok, multi).verdict).toBe("allow");
    const partial = outreach(multi, {
      body: `${refs}: 1,250.00 USD and 150,000 JPY. ${LINK} ${EMAIL_OPT_OUT}`,
    });
    expect(judge(rule, partial, multi).text).toMatch(
      /^the message does not state the amount due, 1,550.00 USD/,
    );
  });

  it("the payment link must match the policy's pattern", () => {
    const r = judge(rule, body(`INV-1001: 1,250.00 due at https://evil.example.net/pay ${EMAIL_OPT_OUT}`), f);
    expect(r.text).toMatch(/^the message has no payment link \(a link matching/);
  });

  it("calls need no link and no opt-out but still the invoice and amount", () => {
    const call = (text: string) => judge(rule, outreach(f, { channel: "call", body: text }), f);
    expect(call("Calling about INV-1001, 1,250.00 USD outstanding.").verdict).toBe("allow");
    expect(call("Calling about your account.").reasons).toHaveLength(2);
  });

  it("SMS needs STOP in capitals; letters need no opt-out", () => {
    const sms = (text: string) => judge(rule, outreach(f, { channel: "sms", body: text }), f);
    expect(sms(`INV-1001 1,250.00 USD due ${LINK} Reply STOP to opt out.`).verdict).toBe("allow");
    const r = sms(`INV-1001 1,250.00 USD due ${LINK} reply stop to opt out`);
    expect(r.verdict).toBe("deny");
    expect(r.reasons[0]?.citation).toBe("12 CFR 1006.6(e)");
    expect(
      judge(rule, outreach(f, { channel: "letter", body: `INV-1001 1,250.00 USD ${LINK}` }), f).verdict,
    ).toBe("allow");
  });

  it("consumer messages need the disclosure; business ones only in strictBusinessMode", () => {
    const plain = `INV-1001: 1,250.00 USD. ${LINK} ${EMAIL_OPT_OUT}`;
    const consumer = facts({ customer: customer({ isConsumer: true }) });
    const r = judge(rule, outreach(consumer, { body: plain }), consumer);
    expect(r.verdict).toBe("deny");
    expect(r.reasons[0]?.citation).toBe("15 U.S.C. 1692e(11)");
    expect(judge(rule, outreach(consumer, { body: `${plain} ${DISCLOSURE}` }), consumer).verdict).toBe(
      "allow",
    );
    expect(judge(rule, outreach(f, { body: plain }), f).verdict).toBe("allow");
    const strict = policyWith((p) => (p.strictBusinessMode = true));
    expect(judge(rule, outreach(f, { body: plain }), f, strict).verdict).toBe("deny");
  });

  it("validation notices need all but the link; receipts and cease acknowledgements need none", () => {
    const consumer = facts({ customer: customer({ isConsumer: true }) });
    const v = judge(
      rule,
      outreach(consumer, { purpose: "validation_notice", body: "We are writing about a debt." }),
      consumer,
    );
    expect(v.reasons.map((x) => x.message)).toEqual([
      expect.stringMatching(/does not mention invoice "INV-1001"/),
      expect.stringMatching(/amount due/),
      expect.stringMatching(/opt-out/),
      expect.stringMatching(/attempt to collect a debt/),
    ]);
    for (const purpose of ["receipt", "cease_acknowledgement", "remedy_notice"] as const) {
      expect(
        judge(rule, outreach(consumer, { purpose, body: "Thank you." }), consumer).verdict,
        purpose,
      ).toBe("allow");
    }
  });
});

describe("content.forbidden_language", () => {
  const rule = "content.forbidden_language";
  const f = facts();
  const say = (body: string, subject?: string) => judge(rule, outreach(f, { body, subject }), f);

  it.each([
    ["You will be arrested if you do not pay.", "threat.arrest", "arrested"],
    ["We will call the police.", "threat.arrest", "police"],
    ["Pay or we will hurt you.", "threat.violence", "hurt you"],
    ["Final chance: today only!", "urgency.false", "Final chance"],
    ["Act now or else.", "urgency.false", "Act now"],
    ["We will be contacting your employer about this.", "third_party.shaming", "contacting your employer"],
    ["Pay up, you deadbeat.", "profanity", "deadbeat"],
    ["Good news: we have written off your balance.", "concession.unapproved", "written off"],
    ["As agreed, you no longer owe the remaining amount.", "concession.unapproved", "no longer owe"],
  ])("denies %j (%s)", (body, id, word) => {
    const r = say(body);
    expect(r.verdict).toBe("deny");
    expect(r.text).toContain(`${id}: the message says`);
    expect(r.text).toContain(JSON.stringify(word));
  });

  it("legal language needs approval rather than a flat refusal", () => {
    const r = say("If this is not paid we will file a lawsuit in court.");
    expect(r.verdict).toBe("needs_approval");
    expect(r.text).toContain('legal.threat: the message says "lawsuit", "court"');
  });

  it("looks at the subject too", () => {
    expect(say("Please pay.", "LAST CHANCE before jail").reasons.map((x) => x.verdict)).toEqual([
      "deny",
      "deny",
    ]);
  });

  it.each([
    "This is a courtesy reminder; we hope you are well. Hello!",
    "Final notice: please pay by 30 April 2026.",
    "We will assess the account and update the shell company record.",
    "Your warranty is unaffected.",
  ])("does not flag ordinary wording: %j", (body) => {
    expect(say(body).verdict).toBe("allow");
  });

  it("uses the policy's phrases and flags", () => {
    const p = policyWith((doc) => {
      doc.content.forbiddenLanguage = [
        {
          id: "house.fees",
          pattern: "\\bFEE\\b",
          flags: "",
          message: "No fees.",
          category: "other",
          severity: "deny",
        },
      ];
    });
    expect(judge(rule, outreach(f, { body: "A FEE applies." }), f, p).verdict).toBe("deny");
    expect(judge(rule, outreach(f, { body: "a fee applies" }), f, p).verdict).toBe("allow");
    expect(judge(rule, outreach(f, { body: "You will be arrested." }), f, p).verdict).toBe("allow");
  });
});

describe("legal.escalation_approval", () => {
  it("legal escalation always needs approval; other actions do not", () => {
    const f = facts();
    expect(
      judge("legal.escalation_approval", action("legal_escalation", { invoiceIds: ["inv-1"] }), f).verdict,
    ).toBe("needs_approval");
    expect(judge("legal.escalation_approval", outreach(f), f).verdict).toBe("allow");
    expect(evaluate(action("legal_escalation", { invoiceIds: ["inv-1"] }), f, DEFAULT_POLICY)).toMatchObject({
      verdict: "needs_approval",
      reasons: [{ ruleId: "legal.escalation_approval" }],
    });
  });
});

describe("legal.time_barred", () => {
  const rule = "legal.time_barred";
  // NOW is 2026-04-15; the default statute of limitations is 3 years.
  const withDue = (dueDate: string) => facts({ invoices: [invoice({ dueDate })] });

  it("denies legal escalation from the anniversary of the due date on", () => {
    const barred = withDue("2023-04-15");
    const r = judge(rule, action("legal_escalation", { invoiceIds: ["inv-1"] }), barred);
    expect(r.verdict).toBe("deny");
    expect(r.text).toMatch(/"INV-1001 \(due 2023-04-15\)" fell due 3 or more years ago/);
    expect(r.reasons[0]?.citation).toBe("12 CFR 1006.26(b)");
    const fresh = withDue("2023-04-16");
    expect(judge(rule, action("legal_escalation", { invoiceIds: ["inv-1"] }), fresh).verdict).toBe("allow");
  });

  it("denies messages threatening suit on time-barred debt, but not plain reminders", () => {
    const barred = withDue("2022-01-01");
    const threat = outreach(barred, { body: `${outreach(barred).outreach?.body} Otherwise we will sue.` });
    expect(judge(rule, threat, barred).verdict).toBe("deny");
    expect(evaluate(threat, barred, DEFAULT_POLICY).reasons.map((r) => [r.ruleId, r.verdict])).toEqual([
      ["legal.time_barred", "deny"],
      ["content.forbidden_language", "needs_approval"],
    ]);
    expect(judge(rule, outreach(barred), barred).verdict).toBe("allow");
  });

  it("a jurisdiction's own statute of limitations overrides the default", () => {
    const p = policyWith((doc) => {
      doc.contact.jurisdictions["US-NY"] = { appliesTo: "all", statuteOfLimitationsYears: 6 };
    });
    const f = withDue("2022-01-01");
    const escalate = action("legal_escalation", { invoiceIds: ["inv-1"] });
    expect(judge(rule, escalate, f).verdict).toBe("deny");
    expect(judge(rule, escalate, f, p).verdict).toBe("allow");
  });
});

describe("approval.large_balance", () => {
  const rule = "approval.large_balance";
  const owing = (balanceMinor: number, currency = "USD") =>
    facts({ invoices: [invoice({ balanceMinor, amountMinor: balanceMinor, currency })] });

  it("up to the threshold is fine; above it needs approval", () => {
    let f = owing(1_000_000);
    expect(judge(rule, outreach(f), f).verdict).toBe("allow");
    f = owing(1_000_001);
    const r = judge(rule, outreach(f), f);
    expect(r.verdict).toBe("needs_approval");
    expect(r.text).toBe(
      "the message concerns 10,000.01 USD, more than the 10,000.00 USD a collector must approve",
    );
  });

  it("uses the currency's own threshold and does not add currencies together", () => {
    const jpy = owing(1_200_000, "JPY");
    expect(judge(rule, outreach(jpy), jpy).verdict).toBe("allow");
    const mixed = facts({
      invoices: [
        invoice({ balanceMinor: 600_000 }),
        invoice({ id: "inv-2", externalRef: "E-1", currency: "EUR", balanceMinor: 600_000 }),
      ],
    });
    expect(judge(rule, outreach(mixed), mixed).verdict).toBe("allow");
    const twoUsd = facts({
      invoices: [
        invoice({ balanceMinor: 600_000 }),
        invoice({ id: "inv-2", externalRef: "INV-2", balanceMinor: 600_000 }),
      ],
    });
    expect(judge(rule, outreach(twoUsd), twoUsd).verdict).toBe("needs_approval");
  });

  it("receipts do not need approval", () => {
    const f = owing(5_000_000);
    expect(judge(rule, outreach(f, { purpose: "receipt" }), f).verdict).toBe("allow");
  });
});

describe("limits", () => {
  const f = facts(); // one USD invoice, amount and balance 1,250.00
  const money = (kind: "credit_note" | "write_off", amountMinor: number, currency = "USD") =>
    action(kind, { amountMinor, currency, invoiceIds: ["inv-1"] });

  it("limits.credit_note: auto up to 500.00, approval above, refused above the invoice amount", () => {
    expect(judge("limits.credit_note", money("credit_note", 50_000), f).verdict).toBe("allow");
    expect(judge("limits.credit_note", money("credit_note", 50_001), f).verdict).toBe("needs_approval");
    expect(judge("limits.credit_note", money("credit_note", 125_000), f).verdict).toBe("needs_approval");
    const r = judge("limits.credit_note", money("credit_note", 125_001), f);
    expect(r.verdict).toBe("deny");
    expect(r.text).toMatch(/more than 100% of the invoices' amount \(1,250.00 USD\)/);
  });

  it("limits.credit_note: per-currency auto limit; without an invoice, approval above the auto limit", () => {
    const jpy = facts({
      invoices: [invoice({ currency: "JPY", amountMinor: 500_000, balanceMinor: 500_000 })],
    });
    expect(judge("limits.credit_note", money("credit_note", 75_000, "JPY"), jpy).verdict).toBe("allow");
    expect(judge("limits.credit_note", money("credit_note", 75_001, "JPY"), jpy).verdict).toBe(
      "needs_approval",
    );
    const none = facts({ invoices: [] });
    const unattached = action("credit_note", { amountMinor: 60_000, currency: "USD" });
    expect(judge("limits.credit_note", unattached, none).verdict).toBe("needs_approval");
  });

  it("limits.write_off: auto up to 100.00, approval above, refused above the open balance", () => {
    expect(judge("limits.write_off", money("write_off", 10_000), f).verdict).toBe("allow");
    expect(judge("limits.write_off", money("write_off", 10_001), f).verdict).toBe("needs_approval");
    expect(judge("limits.write_off", money("write_off", 125_001), f).verdict).toBe("deny");
    const paid = facts({ invoices: [invoice({ balanceMinor: 0 })] });
    expect(judge("limits.write_off", money("write_off", 1), paid).verdict).toBe("deny");
  });

  it("limits.settlement_discount: 5% auto, approval to 30%, refused above", () => {
    const discount = (discountPercent: number) =>
      judge("limits.settlement_discount", action("settlement_discount", { discountPercent }), f).verdict;
    expect(discount(5)).toBe("allow");
    expect(discount(5.5)).toBe("needs_approval");
    expect(discount(30)).toBe("needs_approval");
    expect(discount(30.01)).toBe("deny");
  });

  it("limits.payment_plan: 6 installments / 180 days auto, approval to 24 / 730, refused beyond", () => {
    const plan = (installmentCount: number, durationDays: number) =>
      judge(
        "limits.payment_plan",
        action("payment_plan", { paymentPlan: { installmentCount, durationDays } }),
        f,
      );
    expect(plan(6, 180).verdict).toBe("allow");
    expect(plan(7, 180).verdict).toBe("needs_approval");
    expect(plan(6, 181).verdict).toBe("needs_approval");
    expect(plan(7, 181).reasons).toHaveLength(2);
    expect(plan(25, 180).verdict).toBe("deny");
    const both = plan(25, 800);
    expect(both.reasons.map((r) => r.verdict)).toEqual(["deny", "deny"]);
  });
});
