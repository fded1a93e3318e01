// The collection rules brain, on hand-built snapshots: ladder timing, segments, idempotency, grouping,
// disputes, tolerance, stop flags, promises, plans, strategic accounts, legal referral, channel
// fallback, plan proposals and determinism. No database.
import { describe, expect, it } from "vitest";
import {
  accountWorklistLine,
  type CollectionDecision,
  decideCollection,
  splitInstallments,
} from "../../agents/collection/index.ts";
import type { PayDateModel } from "../../agents/forecasting/index.ts";
import { routeAccount } from "../../agents/router.ts";
import { DEFAULT_POLICY } from "../../policies/default-policy.ts";
import type { PolicyDocument } from "../../policies/document.ts";
import type { AccountSnapshot, PlannedCall } from "../../tools/read/account-snapshot-types.ts";
import {
  AS_OF,
  CUSTOMER_ID,
  communication,
  contact,
  day,
  history,
  invoice,
  makeSnapshot,
  overdue,
  paid,
  payment,
  plan,
  promise,
  type SnapshotOverrides,
  uuidFor,
} from "./snapshot-builder.ts";

const decide = (over: SnapshotOverrides = {}, policy: PolicyDocument = DEFAULT_POLICY) =>
  decideCollection(makeSnapshot(over), policy);

/** One account with a single invoice `days` past due (negative: before), at a given reached level. */
const single = (days: number, reached = 0, over: SnapshotOverrides = {}) =>
  decide({ openInvoices: [overdue("INV-1", days, { dunningLevel: reached })], ...over });

const tools = (d: CollectionDecision) => d.calls.map((c) => c.tool);
const call = (d: CollectionDecision, tool: string): PlannedCall => {
  const found = d.calls.filter((c) => c.tool === tool);
  expect(found, `exactly one ${tool} in ${JSON.stringify(tools(d))}`).toHaveLength(1);
  return found[0]!;
};
const id = (ref: string) => uuidFor("invoice", ref);
const ON_TIME = history([0, 0, 1, 0, 0, -1, 0, 0]); // a prompt payer
const LATE = history([35, 40, 38, 33]); // a problem payer

describe("ladder timing around the due date (standard cadence)", () => {
  it("nothing four days before the due date; the reminder three days before", () => {
    const early = single(-4);
    expect(early).toMatchObject({ calls: [], level: null, pausedBy: "nothing_due" });
    expect(early.carryingInvoiceId).toBe(id("INV-1"));
    expect(early.notes).toContainEqual(expect.stringMatching(/first level \(reminder\) comes -3 days/));

    const reminder = single(-3);
    expect(reminder.level).toBe(1);
    const send = call(reminder, "send_message");
    expect(send.key).toBe("collection:message:L1");
    expect(send.input).toMatchObject({
      customerId: CUSTOMER_ID,
      contactId: uuidFor("contact", "ap"),
      channel: "email",
      purpose: "collection",
      invoiceIds: [id("INV-1")],
      dunningLevel: 1,
    });
    expect(send.input.subject).toBe("Upcoming payment on account C-1001");
    expect(send.input.body).toContain("INV-1 (due 2026-04-18) is due in 3 days");
  });

  it("on the due date: level 2; at +6 nothing new; at +7 level 3", () => {
    const dueDay = single(0, 1);
    expect(call(dueDay, "send_message").input).toMatchObject({ dunningLevel: 2 });
    expect(call(dueDay, "send_message").input.subject).toBe("Payment due today on account C-1001");
    expect(single(6, 2)).toMatchObject({ calls: [], level: 2, pausedBy: "nothing_due" });
    const friendly = single(7, 2);
    expect(call(friendly, "send_message").input).toMatchObject({ dunningLevel: 3, channel: "email" });
    expect(call(friendly, "send_message").input.body).toContain("is 7 days overdue");
  });

  it.each([
    [-3, 0, 1, "reminder"],
    [0, 1, 2, "due_date"],
    [7, 2, 3, "friendly"],
    [15, 3, 4, "firm"],
    [30, 4, 5, "second_notice"],
    [45, 5, 6, "final_demand"],
  ])(
    "at %i days past due, after level %i, sends level %i (%s) exactly on its day",
    (days, reached, level) => {
      const onTheDay = single(days, reached);
      expect(onTheDay.level).toBe(level);
      expect(call(onTheDay, "send_message").input.dunningLevel).toBe(level);
      const dayBefore = single(days - 1, reached);
      expect(tools(dayBefore)).toEqual([]);
    },
  );

  it("the final demand goes by letter and names a real date to pay by", () => {
    const final = call(single(45, 5), "send_message");
    expect(final.input.channel).toBe("letter");
    expect(final.input.subject).toBe("Final reminder: overdue payment on account C-1001");
    expect(final.input.body).toContain(`by ${day(10)}`);
    expect(final.input.body).toContain("remains unpaid after our earlier reminders");
  });

  it("an account that was never dunned jumps to the highest level due, not the first", () => {
    const late = single(20, 0);
    expect(call(late, "send_message").input.dunningLevel).toBe(4);
    expect(call(late, "send_message").input.body).not.toContain("earlier reminders");
  });
});

describe("segments shift the cadence", () => {
  it("prompt payers: no pre-due reminder, and each level 3 days later", () => {
    const prompt = { paidInvoices: ON_TIME };
    expect(single(-3, 0, prompt)).toMatchObject({ segment: "prompt", calls: [] });
    expect(single(2, 0, prompt).calls).toEqual([]);
    expect(call(single(3, 0, prompt), "send_message").input.dunningLevel).toBe(2);
    expect(single(9, 2, prompt).calls).toEqual([]);
    expect(call(single(10, 2, prompt), "send_message").input.dunningLevel).toBe(3);
  });

  it("problem payers: each level 3 days earlier; the firm level is a call", () => {
    const problem = { paidInvoices: LATE };
    expect(single(-7, 0, problem).calls).toEqual([]);
    expect(single(-6, 0, problem)).toMatchObject({ segment: "problem", level: 1 });
    expect(call(single(4, 2, problem), "send_message").input.dunningLevel).toBe(3);
    expect(call(single(12, 3, problem), "send_message").input).toMatchObject({
      dunningLevel: 4,
      channel: "call",
    });
  });

  it("consumers get the friendly level by SMS (they consented) and the disclosure", () => {
    const consumer = call(single(7, 2, { customer: { isConsumer: true } }), "send_message");
    expect(consumer.input.channel).toBe("sms");
    expect(consumer.input.body).toContain("attempt to collect a debt");
    expect(consumer.input.body).toContain("Reply STOP to opt out.");
  });
});

describe("idempotency", () => {
  it("a level already reached plans nothing; the same snapshot twice plans the same thing", () => {
    expect(single(15, 4)).toMatchObject({ calls: [], level: 4 });
    expect(single(15, 5).calls).toEqual([]);
    const snapshot = makeSnapshot({ openInvoices: [overdue("INV-1", 15, { dunningLevel: 3 })] });
    expect(decideCollection(snapshot, DEFAULT_POLICY)).toEqual(decideCollection(snapshot, DEFAULT_POLICY));
  });

  it("the level reached is the highest among the grouped invoices", () => {
    const d = decide({
      openInvoices: [overdue("INV-1", 16, { dunningLevel: 3 }), overdue("INV-2", 9, { dunningLevel: 4 })],
    });
    expect(d).toMatchObject({ calls: [], level: 4 });
  });
});

describe("grouping", () => {
  it("one message groups every overdue and soon-due undisputed invoice, each with due date and days overdue", () => {
    const d = decide({
      openInvoices: [
        overdue("INV-4", -2, { balanceMinor: 10_000 }),
        overdue("INV-2", 10, { balanceMinor: 20_000 }),
        overdue("INV-1", 20, { balanceMinor: 30_000, dunningLevel: 3 }),
        overdue("INV-3", 1, { balanceMinor: 40_000 }),
        overdue("INV-5", -10, { balanceMinor: 50_000 }),
      ],
    });
    expect(d.calls).toHaveLength(1);
    const send = call(d, "send_message");
    expect(send.input.invoiceIds).toEqual([id("INV-1"), id("INV-2"), id("INV-3"), id("INV-4")]);
    expect(send.input.dunningLevel).toBe(4);
    const body = String(send.input.body);
    expect(body).toContain("INV-1 (due 2026-03-26) is 20 days overdue");
    expect(body).toContain("INV-2 (due 2026-04-05) is 10 days overdue");
    expect(body).toContain("INV-3 (due 2026-04-14) is 1 day overdue");
    expect(body).toContain("INV-4 (due 2026-04-17) is due in 2 days");
    expect(body).toContain("Total: 1,000.00 USD");
    expect(body).not.toContain("INV-5");
  });
});

describe("disputes", () => {
  it("disputed invoices are left out and the next-oldest carries the account", () => {
    const d = decide({
      openInvoices: [
        overdue("INV-1", 40, { disputed: true, dunningLevel: 4 }),
        overdue("INV-2", 8, { dunningLevel: 2 }),
      ],
    });
    expect(d.carryingInvoiceId).toBe(id("INV-2"));
    const send = call(d, "send_message");
    expect(send.input).toMatchObject({ invoiceIds: [id("INV-2")], dunningLevel: 3 });
    expect(send.input.body).not.toContain("INV-1");
  });

  it("an account whose every open invoice is disputed is paused as dispute_only", () => {
    expect(decide({ openInvoices: [overdue("INV-1", 40, { disputed: true })] })).toMatchObject({
      calls: [],
      pausedBy: "dispute_only",
      carryingInvoiceId: null,
    });
    expect(decide({})).toMatchObject({ calls: [], pausedBy: "nothing_due", carryingInvoiceId: null });
  });
});

describe("tolerance for tiny balances", () => {
  it("below the minimum (10.00) nothing; at the minimum the ladder runs", () => {
    const tiny = single(20, 0, {
      openInvoices: [overdue("INV-1", 20, { balanceMinor: 999, amountMinor: 5_000 })],
    });
    expect(tiny).toMatchObject({ calls: [], pausedBy: "min_balance" });
    expect(tiny.notes).toContainEqual(
      expect.stringMatching(/9.99 USD is below the dunning minimum 10.00 USD/),
    );
    const enough = decide({ openInvoices: [overdue("INV-1", 20, { balanceMinor: 1_000 })] });
    expect(tools(enough)).toEqual(["send_message"]);
  });

  it("is per currency: a tiny USD remainder on the oldest invoice neither is dunned nor hides EUR debt", () => {
    const d = decide({
      openInvoices: [
        overdue("INV-USD", 30, { balanceMinor: 500, amountMinor: 48_000, dunningLevel: 4 }),
        overdue("INV-EUR", 20, { currency: "EUR", balanceMinor: 500_000, dunningLevel: 3 }),
      ],
    });
    expect(d.carryingInvoiceId).toBe(id("INV-EUR"));
    expect(d.level).toBe(4);
    // The USD invoice is left out: its level 4 does not count as reached for the EUR debt.
    expect(call(d, "send_message").input).toMatchObject({ invoiceIds: [id("INV-EUR")], dunningLevel: 4 });
    expect(call(d, "send_message").input.body).not.toContain("INV-USD");
    expect(d.notes).toContainEqual(
      "undisputed balance 5.00 USD is below the dunning minimum 10.00 USD: left out (INV-USD)",
    );

    const allTiny = decide({
      openInvoices: [
        overdue("INV-USD", 30, { balanceMinor: 500 }),
        overdue("INV-EUR", 20, { currency: "EUR", balanceMinor: 700 }),
      ],
    });
    expect(allTiny).toMatchObject({ calls: [], pausedBy: "min_balance", carryingInvoiceId: id("INV-USD") });
    expect(allTiny.notes).toContainEqual(
      "undisputed balance 7.00 EUR is below the dunning minimum 10.00 EUR; undisputed balance 5.00 USD is below the dunning minimum 10.00 USD; no dunning",
    );
  });
});

describe("stop flags", () => {
  const at = "2026-04-01T10:00:00.000Z";
  it.each([
    ["bankruptcyFiledAt", false, /bankruptcy/],
    ["ceaseCommunicationAt", false, /cease-communication/],
    ["doNotContactAt", false, /do-not-contact/],
    ["legalHoldAt", false, /legal hold/],
    ["attorneyRepresentedAt", true, /attorney/],
    ["legalEscalatedAt", false, /already referred to legal/],
  ] as const)("%s stops outreach (consumer: %s)", (flag, isConsumer, note) => {
    const d = single(20, 0, { customer: { [flag]: at, isConsumer } });
    expect(d).toMatchObject({ calls: [], pausedBy: "flag", carryingInvoiceId: id("INV-1") });
    expect(d.notes.join("\n")).toMatch(note);
  });

  it("an attorney stops business outreach only in strict mode", () => {
    expect(tools(single(20, 0, { customer: { attorneyRepresentedAt: at } }))).toEqual(["send_message"]);
    const strict = { ...structuredClone(DEFAULT_POLICY), strictBusinessMode: true } as PolicyDocument;
    expect(
      decide({ customer: { attorneyRepresentedAt: at }, openInvoices: [overdue("INV-1", 20)] }, strict)
        .pausedBy,
    ).toBe("flag");
  });

  it("bookkeeping still happens under a flag: a kept promise is recorded", () => {
    const d = single(20, 0, {
      customer: { bankruptcyFiledAt: at },
      promises: [promise({ invoiceIds: [id("INV-9")] })],
    });
    expect(tools(d)).toEqual(["record_promise_status"]);
    expect(d.pausedBy).toBe("flag");
  });

  it("automation switched off: the agent still plans (the runner holds it for approval)", () => {
    const d = single(20, 0, { customer: { automationEnabled: false } });
    expect(tools(d)).toEqual(["send_message"]);
    expect(d.notes).toContainEqual(expect.stringMatching(/automation is switched off/));
  });
});

describe("outreach pause (pause_outreach)", () => {
  const paused = (until: string, over: SnapshotOverrides = {}) =>
    single(20, 0, {
      customer: { outreachPausedUntil: until, outreachPauseReason: "out of office until then" },
      ...over,
    });

  it("no outreach while the run's date is before the pause's end, with the reason in the notes", () => {
    const d = paused(day(1));
    expect(d).toMatchObject({ calls: [], level: null, pausedBy: "outreach_paused" });
    expect(d.carryingInvoiceId).toBe(id("INV-1"));
    expect(d.notes).toContain(`paused until ${day(1)}: out of office until then`);
  });

  it("outreach resumes on the pause's end date and after it", () => {
    for (const until of [AS_OF, day(-10)]) {
      const d = paused(until);
      expect(d.pausedBy).toBeUndefined();
      expect(tools(d)).toEqual(["send_message"]);
    }
  });

  it("promise and plan bookkeeping still happens during a pause", () => {
    const d = paused(day(10), {
      openInvoices: [overdue("INV-1", 10, { dunningLevel: 3 })],
      promises: [promise({ invoiceIds: [id("INV-1")], promisedDate: day(-3) })],
    });
    expect(d).toMatchObject({ pausedBy: "outreach_paused" });
    expect(d.calls).toEqual([
      expect.objectContaining({
        tool: "record_promise_status",
        input: expect.objectContaining({ status: "broken" }),
      }),
    ]);
  });

  it("stop flags still take precedence", () => {
    const d = paused(day(5), {
      customer: { outreachPausedUntil: day(5), legalHoldAt: `${day(-1)}T00:00:00.000Z` },
    });
    expect(d.pausedBy).toBe("flag");
  });
});

describe("promises to pay", () => {
  const inv = overdue("INV-1", 10, { dunningLevel: 3 });
  it("an open promise dated today or later pauses the ladder until then", () => {
    for (const promisedDate of [AS_OF, day(5)]) {
      const d = decide({
        openInvoices: [overdue("INV-1", 20, { dunningLevel: 3 })],
        promises: [promise({ invoiceIds: [id("INV-1")], promisedDate })],
      });
      expect(d).toMatchObject({ calls: [], pausedBy: "promise" });
      expect(d.notes).toContainEqual(expect.stringContaining(`paused until ${promisedDate}`));
    }
  });

  it("within the grace days after the promised date it stays paused; after them it is broken and moves up", () => {
    const inGrace = decide({
      openInvoices: [inv],
      promises: [promise({ invoiceIds: [id("INV-1")], promisedDate: day(-2) })],
    });
    expect(inGrace).toMatchObject({ calls: [], pausedBy: "promise" });

    const broken = decide({
      openInvoices: [inv],
      promises: [promise({ invoiceIds: [id("INV-1")], promisedDate: day(-3) })],
    });
    expect(tools(broken)).toEqual(["record_promise_status", "send_message"]);
    expect(broken.calls[0]).toMatchObject({
      input: { promiseId: uuidFor("promise", "P-1"), status: "broken" },
      key: `collection:promise:${uuidFor("promise", "P-1")}:broken`,
    });
    // 10 days past due is level 3 by time, already reached; the broken promise lifts it to 4.
    expect(call(broken, "send_message").input.dunningLevel).toBe(4);
    expect(broken.level).toBe(4);
  });

  it("kept when all its invoices are paid, or when money covering it arrived since it was made", () => {
    const allPaid = decide({
      openInvoices: [],
      promises: [promise({ invoiceIds: [id("INV-1")], promisedDate: day(-10) })],
    });
    expect(allPaid.calls).toMatchObject([{ tool: "record_promise_status", input: { status: "kept" } }]);

    const partlyOpen = overdue("INV-1", 10, { dunningLevel: 3, balanceMinor: 25_000, amountMinor: 125_000 });
    const covered = decide({
      openInvoices: [partlyOpen],
      promises: [
        promise({
          invoiceIds: [id("INV-1")],
          promisedDate: day(-5),
          amountMinor: 100_000,
          createdAt: `${day(-12)}T09:00:00Z`,
        }),
      ],
      recentPayments: [payment({ receivedOn: day(-6), applied: { [id("INV-1")]: 100_000 } })],
    });
    expect(covered.calls[0]).toMatchObject({ tool: "record_promise_status", input: { status: "kept" } });
    expect(covered.calls.filter((c) => c.tool === "send_message")).toEqual([]); // level 3 already reached

    const paidBefore = decide({
      openInvoices: [partlyOpen],
      promises: [
        promise({
          invoiceIds: [id("INV-1")],
          promisedDate: day(-5),
          amountMinor: 100_000,
          createdAt: `${day(-12)}T09:00:00Z`,
        }),
      ],
      recentPayments: [payment({ receivedOn: day(-13), applied: { [id("INV-1")]: 100_000 } })],
    });
    expect(paidBefore.calls[0]).toMatchObject({ tool: "record_promise_status", input: { status: "broken" } });
  });

  it("a promise on another invoice does not pause the account, but its invoice is left out of the message", () => {
    const d = decide({
      openInvoices: [overdue("INV-1", 20, { dunningLevel: 3 }), overdue("INV-2", 10, { dunningLevel: 3 })],
      promises: [promise({ invoiceIds: [id("INV-2")], promisedDate: day(3) })],
    });
    expect(call(d, "send_message").input.invoiceIds).toEqual([id("INV-1")]);
    expect(d.notes).toContainEqual("left out (under a live promise or plan): INV-2");
  });
});

describe("payment plans", () => {
  const inv = overdue("INV-1", 50, { dunningLevel: 5, balanceMinor: 100_000, amountMinor: 150_000 });
  it("an active plan that is up to date pauses the ladder", () => {
    const d = decide({
      openInvoices: [inv],
      paymentPlans: [plan({ invoiceIds: [id("INV-1")] })],
      recentPayments: [payment({ receivedOn: day(-29), applied: { [id("INV-1")]: 50_000 } })],
    });
    expect(d).toMatchObject({ calls: [], pausedBy: "plan" });
  });

  it("a missed instalment defaults the plan and the ladder resumes", () => {
    const d = decide({
      openInvoices: [inv],
      paymentPlans: [
        plan({
          invoiceIds: [id("INV-1")],
          installments: [
            { dueDate: day(-6), amountMinor: 50_000 },
            { dueDate: day(24), amountMinor: 50_000 },
          ],
        }),
      ],
      recentPayments: [payment({ receivedOn: day(-45), applied: { [id("INV-1")]: 50_000 } })], // before the plan
    });
    expect(tools(d)).toEqual(["record_plan_status", "send_message"]);
    expect(d.calls[0]).toMatchObject({
      input: { paymentPlanId: uuidFor("plan", "PLAN-1"), status: "defaulted" },
      key: `collection:plan:${uuidFor("plan", "PLAN-1")}:defaulted`,
    });
    expect(call(d, "send_message").input.dunningLevel).toBe(6);
  });

  it("an instalment within its grace days is not missed yet", () => {
    const d = decide({
      openInvoices: [inv],
      paymentPlans: [
        plan({
          invoiceIds: [id("INV-1")],
          installments: [
            { dueDate: day(-5), amountMinor: 50_000 },
            { dueDate: day(25), amountMinor: 50_000 },
          ],
        }),
      ],
    });
    expect(d).toMatchObject({ calls: [], pausedBy: "plan" });
  });

  it("a plan whose invoices are all paid is recorded completed", () => {
    const d = decide({ paymentPlans: [plan({ invoiceIds: [id("INV-1")] })] });
    expect(d.calls).toMatchObject([{ tool: "record_plan_status", input: { status: "completed" } }]);
  });
});

describe("strategic accounts", () => {
  it("friendly levels are automated; firm and final ones become a call task for the owner", () => {
    const strategic = { customer: { strategic: true } };
    expect(tools(single(7, 2, strategic))).toEqual(["send_message"]);
    const firm = single(15, 3, strategic);
    expect(firm.segment).toBe("strategic");
    const task = call(firm, "create_task");
    expect(task.key).toBe("collection:task:L4");
    expect(task.input).toMatchObject({
      customerId: CUSTOMER_ID,
      kind: "call",
      owner: "dana.collector",
      dueAt: `${day(1)}T23:59:59.000Z`,
      invoiceIds: [id("INV-1")],
      dunningLevel: 4,
    });
    expect(task.input.title).toMatch(
      /^Call account C-1001 about 1 overdue invoice \(level 4, firm\): worth ≈ /,
    );
    expect(task.input.detail).toContain("strategic accounts are automated only up to friendly messages");
    expect(task.input.detail).toContain("INV-1 (due 2026-03-31) is 15 days overdue");
    expect(tools(single(45, 5, strategic))).toEqual(["create_task"]);
  });

  it("a level whose action is call_task makes a call task for every segment; without an owner none is named", () => {
    const policy = structuredClone(DEFAULT_POLICY) as PolicyDocument;
    policy.dunning.levels[3]!.action = "call_task";
    const d = decide(
      { customer: { owner: null }, openInvoices: [overdue("INV-1", 15, { dunningLevel: 3 })] },
      policy,
    );
    expect(call(d, "create_task").input).not.toHaveProperty("owner");
    expect(call(d, "create_task").input.detail).toContain("this level is a call");
  });
});

describe("what a contact is worth (the account's worklist line)", () => {
  // A quantile model fixture: every invoice paid 10 / 40 / 70 days after AS_OF (P10 / P50 / P90).
  const quantiles: PayDateModel = {
    version: "fixture-quantiles",
    predict: () => ({
      predictedPayDate: day(40),
      p10PayDate: day(10),
      p90PayDate: day(70),
      lateProbability: 0.4,
      features: {},
    }),
  };
  const strategicFirm = makeSnapshot({
    customer: { strategic: true },
    openInvoices: [overdue("INV-1", 15, { dunningLevel: 3, balanceMinor: 100_000 })],
  });

  it("values a call task by hand-computable figures and tells the collector", () => {
    const d = decideCollection(strategicFirm, DEFAULT_POLICY, { payDateModel: quantiles });
    // P(paid within 30 days if we wait) = 0.1 + 0.4 × (30 − 10) / (40 − 10) = 0.3667, so 63.33% would
    // slip; a call on a 1–30-day-old debt brings 0.3 of that in, × 0.7 for a strategic account:
    // 100,000 × 0.63333 × 0.3 × 0.7 = 13,300 minor units, over 10 minutes.
    expect(d.worth).toEqual({
      currency: "USD",
      broughtForwardMinor: 13_300,
      valuePerMinuteMinor: expect.closeTo(1_330, 6),
      effortMinutes: 10,
    });
    const task = call(d, "create_task");
    expect(task.input.title).toBe(
      "Call account C-1001 about 1 overdue invoice (level 4, firm): worth ≈ 133.00 USD",
    );
    expect(task.input.detail).toContain("What it is worth: ");
    expect(task.input.detail).toContain("63% of the");
    expect(task.why).toContain("worth ≈ 133.00 USD brought into the next 30 days for 10 collector minutes");
    expect(d.notes.some((n) => n.startsWith("worklist: "))).toBe(true);
  });

  it("values an email for its own effort and effect, and counts a recent contact half", () => {
    const emailed = decideCollection(
      makeSnapshot({
        openInvoices: [overdue("INV-1", 10, { balanceMinor: 100_000 })],
        contacts: [contact()],
      }),
      DEFAULT_POLICY,
      { payDateModel: quantiles },
    );
    const message = call(emailed, "send_message");
    expect(message.input.channel).toBe("email");
    // Unknown history → the "slow"/default responsiveness of the derived segment, × 0.4 for an email.
    expect(emailed.worth!.effortMinutes).toBe(3);
    expect(message.why).toMatch(/worth ≈ [\d,.]+ USD brought into the next 30 days for 3 collector minutes$/);
    const account = (over: SnapshotOverrides = {}) =>
      makeSnapshot({ openInvoices: [overdue("INV-1", 10, { balanceMinor: 100_000 })], ...over });
    const before = accountWorklistLine(account(), "email", "USD", { model: quantiles })!;
    expect(before.broughtForwardMinor).toBe(emailed.worth!.broughtForwardMinor);
    const after = accountWorklistLine(
      account({ communications: [communication({ occurredAt: `${day(-2)}T10:00:00.000Z` })] }),
      "email",
      "USD",
      { model: quantiles },
    )!;
    expect(after.broughtForwardMinor).toBe(Math.round(before.broughtForwardMinor / 2));
    expect(accountWorklistLine(account(), "email", "EUR", { model: quantiles })).toBeNull();
  });

  it("plans nothing and values nothing when nothing is due", () => {
    const d = decideCollection(makeSnapshot({ openInvoices: [overdue("INV-1", -20)] }), DEFAULT_POLICY, {
      payDateModel: quantiles,
    });
    expect(d.calls).toEqual([]);
    expect(d.worth).toBeUndefined();
  });
});

describe("legal referral", () => {
  it("the legal-referral level proposes escalate_to_legal to a person, and sends no message", () => {
    const d = decide({
      openInvoices: [overdue("INV-1", 60, { dunningLevel: 6 }), overdue("INV-2", 30, { dunningLevel: 6 })],
    });
    expect(tools(d)).toEqual(["escalate_to_legal"]);
    const legal = call(d, "escalate_to_legal");
    expect(legal.key).toBe("collection:legal:L7");
    expect(legal.input).toMatchObject({ customerId: CUSTOMER_ID, invoiceIds: [id("INV-1"), id("INV-2")] });
    expect(legal.input.reason).toMatch(/level 7 \(legal_referral\).*INV-1 is 60 days past due/);
    expect(single(59, 6).calls).toEqual([]);
  });
});

describe("channel choice", () => {
  const friendly = (contacts: AccountSnapshot["contacts"], over: SnapshotOverrides = {}) =>
    single(7, 2, { contacts, ...over });

  it("no email address (or opted out of email): a letter, with a note", () => {
    for (const c of [contact({ email: null }), contact({ emailOptedOutAt: "2026-02-01T00:00:00Z" })]) {
      const d = friendly([c]);
      expect(call(d, "send_message").input.channel).toBe("letter");
      expect(call(d, "send_message").why).toContain("fallback from email");
      expect(d.notes).toContainEqual(
        expect.stringMatching(
          /^email not possible \((no email address|opted out of email)\); sending by letter$/,
        ),
      );
    }
  });

  it("SMS without consent (or revoked) falls back to the contact's preferred channel", () => {
    const consumer = { customer: { isConsumer: true } };
    const noConsent = friendly([contact({ smsConsentAt: null })], consumer);
    expect(call(noConsent, "send_message").input.channel).toBe("email");
    const revoked = friendly(
      [contact({ smsOptedOutAt: "2026-03-01T00:00:00Z", preferredChannel: "letter" })],
      consumer,
    );
    expect(call(revoked, "send_message").input.channel).toBe("letter");
  });

  it("the primary contact first; another contact when the primary cannot be reached at all", () => {
    const primary = contact({ key: "primary", isPrimary: true });
    const other = contact({ key: "aaa-other", isPrimary: false });
    expect(call(friendly([other, primary]), "send_message").input.contactId).toBe(primary.id);
    const unreachable = contact({
      key: "primary",
      email: null,
      phone: null,
      letterOptedOutAt: "2026-01-01T00:00:00Z",
    });
    expect(call(friendly([unreachable, other]), "send_message").input.contactId).toBe(other.id);
  });

  it("no reachable contact: no message, and a note saying so", () => {
    const d = friendly([]);
    expect(d.calls).toEqual([]);
    expect(d.notes).toContainEqual(expect.stringMatching(/no contact can be reached/));
  });
});

describe("payment plan proposals", () => {
  const consumer = (balanceMinor: number, over: SnapshotOverrides = {}) =>
    decide({
      customer: { isConsumer: true },
      openInvoices: [
        overdue("INV-1", 15, { dunningLevel: 3, balanceMinor }),
        overdue("INV-2", 5, { dunningLevel: 3, balanceMinor: 1 }),
      ],
      ...over,
    });

  it("consumer at the firm level with a balance over the minimum: equal instalments summing exactly", () => {
    const d = consumer(100_000);
    expect(tools(d)).toEqual(["send_message", "propose_payment_plan"]);
    const proposal = call(d, "propose_payment_plan");
    expect(proposal.key).toBe("collection:plan-proposal:L4");
    expect(proposal.input).toEqual({
      customerId: CUSTOMER_ID,
      invoiceIds: [id("INV-1"), id("INV-2")],
      installments: [
        { dueDate: day(7), amountMinor: 33_335 },
        { dueDate: day(37), amountMinor: 33_333 },
        { dueDate: day(67), amountMinor: 33_333 },
      ],
    });
    const installments = proposal.input.installments as { amountMinor: number }[];
    expect(installments.reduce((t, i) => t + i.amountMinor, 0)).toBe(100_001);
    expect(call(d, "send_message").input.body).toContain(
      "can be spread over 3 instalments; reply and we will set it up",
    );
  });

  it("splitInstallments always sums to the total, remainder first", () => {
    for (const [total, n] of [
      [100, 3],
      [7, 7],
      [1_000_001, 6],
      [99_999, 24],
    ] as const) {
      const parts = splitInstallments(total, n);
      expect(parts).toHaveLength(n);
      expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
      expect(new Set(parts.slice(1)).size).toBeLessThanOrEqual(1);
      expect(parts[0]! - parts[1]!).toBeLessThan(n);
    }
  });

  it("not below the plan minimum, not before the offer level, not for slow business payers, not twice", () => {
    expect(tools(consumer(49_000))).toEqual(["send_message"]);
    expect(
      tools(
        decide({ customer: { isConsumer: true }, openInvoices: [overdue("INV-1", 7, { dunningLevel: 2 })] }),
      ),
    ).toEqual(["send_message"]);
    expect(tools(single(15, 3))).toEqual(["send_message"]);
    const live = consumer(100_000, {
      paymentPlans: [plan({ status: "proposed", invoiceIds: [id("INV-1")] })],
    });
    expect(tools(live)).toEqual(["send_message"]);
    expect(live.notes).toContainEqual(expect.stringMatching(/no new payment plan: plan .* is proposed/));
  });

  it("the proposal waits for the contact that carries the offer (dependsOn its message or call task)", () => {
    const message = consumer(100_000);
    expect(call(message, "propose_payment_plan").dependsOn).toEqual([call(message, "send_message").key]);
    expect(call(message, "send_message").dependsOn).toBeUndefined();

    const policy = structuredClone(DEFAULT_POLICY) as PolicyDocument;
    policy.dunning.levels[3]!.action = "call_task";
    const task = decide(
      {
        customer: { isConsumer: true },
        openInvoices: [overdue("INV-1", 15, { dunningLevel: 3, balanceMinor: 100_000 })],
      },
      policy,
    );
    expect(tools(task)).toEqual(["create_task", "propose_payment_plan"]);
    expect(call(task, "propose_payment_plan").dependsOn).toEqual(["collection:task:L4"]);

    // Automation off: nothing executes without a collector, who sees the offer beside its message.
    const held = consumer(100_000, { customer: { isConsumer: true, automationEnabled: false } });
    expect(tools(held)).toEqual(["send_message", "propose_payment_plan"]);
    expect(call(held, "propose_payment_plan").dependsOn).toBeUndefined();
  });

  it("problem payers are offered plans too (their firm level is a call script)", () => {
    const d = decide({
      paidInvoices: LATE,
      openInvoices: [overdue("INV-1", 12, { dunningLevel: 3, balanceMinor: 90_000 })],
    });
    expect(tools(d)).toEqual(["send_message", "propose_payment_plan"]);
    expect(call(d, "send_message").input.body).toContain("Offer: If paying the full balance");
    expect(call(d, "propose_payment_plan").dependsOn).toEqual(["collection:message:L4"]);
  });
});

describe("an unanswered plan offer", () => {
  // A consumer offered a plan at level 5; the ladder would now send the final demand (level 6).
  const offered = (firstDue: string) =>
    makeSnapshot({
      customer: { isConsumer: true },
      openInvoices: [overdue("INV-1", 56, { dunningLevel: 5, balanceMinor: 60_000 })],
      paymentPlans: [
        plan({
          status: "proposed",
          invoiceIds: [id("INV-1")],
          createdAt: `${day(-40)}T06:00:00.000Z`,
          installments: [
            { dueDate: firstDue, amountMinor: 20_000 },
            { dueDate: day(30), amountMinor: 20_000 },
            { dueDate: day(60), amountMinor: 20_000 },
          ],
        }),
      ],
    });

  it("pauses the ladder until its first instalment's date, then lapses: dunning resumes, no second offer", () => {
    for (const firstDue of [day(7), AS_OF]) {
      const waiting = decideCollection(offered(firstDue), DEFAULT_POLICY);
      expect(waiting).toMatchObject({ calls: [], pausedBy: "plan" });
      expect(waiting.notes).toContainEqual(expect.stringMatching(/awaits the customer's answer until/));
    }
    for (const firstDue of [day(-1), day(-33)]) {
      const lapsed = decideCollection(offered(firstDue), DEFAULT_POLICY);
      expect(tools(lapsed)).toEqual(["send_message"]);
      expect(call(lapsed, "send_message").input).toMatchObject({ dunningLevel: 6, channel: "letter" });
      expect(lapsed.notes).toContainEqual(expect.stringMatching(/lapsed unaccepted/));
      expect(lapsed.notes).toContainEqual(
        expect.stringMatching(/no new payment plan: plan .* is proposed but lapsed unaccepted/),
      );
    }
  });

  it("the router and the specialist agree on what a plan covers", () => {
    for (const firstDue of [day(7), AS_OF, day(-1), day(-33)]) {
      const snapshot = offered(firstDue);
      const routed = routeAccount(snapshot, DEFAULT_POLICY).steps.includes("collection");
      const paused = decideCollection(snapshot, DEFAULT_POLICY).pausedBy === "plan";
      expect(routed, firstDue).toBe(!paused);
    }
  });
});

describe("determinism", () => {
  function busy(order: (xs: readonly unknown[]) => unknown[]): AccountSnapshot {
    const o = <T>(xs: T[]) => order(xs) as T[];
    return makeSnapshot({
      customer: { isConsumer: true },
      contacts: o([
        contact({ key: "b", isPrimary: false }),
        contact({ key: "a" }),
        contact({ key: "c", isPrimary: false, email: null }),
      ]),
      openInvoices: o([
        overdue("INV-3", 12, { dunningLevel: 3, balanceMinor: 30_000 }),
        overdue("INV-1", 16, { dunningLevel: 3, balanceMinor: 70_000 }),
        overdue("INV-2", 16, { dunningLevel: 3, balanceMinor: 10_000 }),
        overdue("INV-4", 40, { disputed: true }),
        overdue("INV-5", -1, { balanceMinor: 5_000 }),
      ]),
      paidInvoices: o([
        paid({ externalRef: "P-2", daysLate: 3 }),
        paid({ externalRef: "P-1", daysLate: 9 }),
        paid({ externalRef: "P-3", daysLate: 1 }),
      ]),
      promises: o([
        promise({ key: "P-b", invoiceIds: [id("INV-9")] }),
        promise({
          key: "P-a",
          invoiceIds: [id("INV-3")],
          promisedDate: day(-9),
          createdAt: `${day(-20)}T00:00:00Z`,
        }),
      ]),
      paymentPlans: o([
        plan({ key: "PL-1", invoiceIds: [id("INV-8")] }),
        plan({ key: "PL-2", invoiceIds: [id("INV-7")], status: "completed" }),
      ]),
      recentPayments: o([
        payment({ key: "PAY-2", receivedOn: day(-2), applied: { [id("INV-3")]: 1_000 } }),
        payment({ key: "PAY-1", receivedOn: day(-30), applied: { [id("INV-1")]: 5_000 } }),
      ]),
    });
  }

  it("shuffled inputs give the identical decision", () => {
    const reference = decideCollection(
      busy((xs) => [...xs]),
      DEFAULT_POLICY,
    );
    expect(reference.calls.length).toBeGreaterThanOrEqual(3); // enough happens for the test to mean something
    const orders: ((xs: readonly unknown[]) => unknown[])[] = [
      (xs) => [...xs].reverse(),
      (xs) => [...xs.slice(1), ...xs.slice(0, 1)],
      (xs) => [...xs.slice(2), ...xs.slice(0, 2)].reverse(),
    ];
    for (const order of orders) expect(decideCollection(busy(order), DEFAULT_POLICY)).toEqual(reference);
    expect(
      JSON.stringify(
        decideCollection(
          busy((xs) => [...xs]),
          DEFAULT_POLICY,
        ),
      ),
    ).toBe(JSON.stringify(reference));
  });

  it("every planned call has a stable key and a one-line why", () => {
    const d = decideCollection(
      busy((xs) => [...xs]),
      DEFAULT_POLICY,
    );
    for (const c of d.calls) {
      expect(c.key).toMatch(/^collection:[a-z-]+:/);
      expect(c.why).not.toContain("\n");
      expect(c.why.length).toBeGreaterThan(10);
    }
    expect(new Set(d.calls.map((c) => c.key)).size).toBe(d.calls.length);
  });
});

describe("invoice builder defaults", () => {
  it("an invoice due on AS_OF with balance equal to amount", () => {
    expect(invoice()).toMatchObject({
      dueDate: AS_OF,
      balanceMinor: 125_000,
      amountMinor: 125_000,
      dunningLevel: 0,
    });
  });
});

describe("edge cases", () => {
  it("a broken promise on an invoice not yet due lifts nothing it cannot write about", () => {
    const d = decide({
      openInvoices: [overdue("INV-1", -10, { dunningLevel: 0 })],
      promises: [promise({ invoiceIds: [id("INV-1")], promisedDate: day(-5) })],
    });
    expect(tools(d)).toEqual(["record_promise_status"]);
    expect(d).toMatchObject({ level: 1, pausedBy: "nothing_due" });
  });
});
