// Caller, account, invoice and well-formedness rules: each one's allow path and its objection.
import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY, evaluate } from "../../policies/index.ts";
import type { ActionKind, OutreachPurpose } from "../../policies/types.ts";
import {
  action,
  caller,
  contact,
  customer,
  facts,
  invoice,
  judge,
  outreach,
  policyWith,
} from "./builders.ts";

describe("baseline", () => {
  it.each(["email", "sms", "call", "letter"] as const)(
    "a compliant %s collection message is allowed",
    (channel) => {
      const f = facts();
      const verdict = evaluate(outreach(f, { channel }), f, DEFAULT_POLICY);
      expect(verdict).toEqual({ verdict: "allow", reasons: [], policyVersion: DEFAULT_POLICY.version });
    },
  );

  it("a compliant consumer email (with the disclosure) is allowed", () => {
    const f = facts({ customer: customer({ isConsumer: true }) });
    expect(evaluate(outreach(f), f, DEFAULT_POLICY).verdict).toBe("allow");
  });
});

describe("caller.role", () => {
  const f = facts();
  it("a viewer may not write anything", () => {
    for (const kind of ["outreach", "task", "credit_note", "ledger_import"] as ActionKind[]) {
      const r = judge(
        "caller.role",
        { ...outreach(f), kind, caller: caller({ kind: "api", role: "viewer" }) },
        f,
      );
      expect(r.verdict, kind).toBe("deny");
      expect(r.text).toMatch(/viewer role/);
    }
  });

  it("a collector may propose outreach through the API", () => {
    expect(
      judge("caller.role", outreach(f, {}, { caller: caller({ kind: "api", role: "collector" }) }), f)
        .verdict,
    ).toBe("allow");
  });

  it("every write an MCP client asks for waits for a collector, whatever a collector could do alone", () => {
    const mcp = caller({ kind: "mcp", id: "claude-desktop", role: "collector" });
    const r = judge("caller.role", outreach(f, {}, { caller: mcp }), f);
    expect(r.verdict).toBe("needs_approval");
    expect(r.text).toMatch(
      /MCP client "claude-desktop" only proposes: a collector must approve this outreach/,
    );
    for (const kind of [
      "task",
      "promise_to_pay",
      "payment_plan",
      "dispute_open",
      "credit_note",
      "legal_escalation",
    ] as const) {
      expect(judge("caller.role", action(kind, { caller: mcp }), f).verdict, kind).toBe("needs_approval");
      // The same action from a collector through the API is not held by this rule.
      expect(
        judge("caller.role", action(kind, { caller: caller({ kind: "api", role: "collector" }) }), f).verdict,
        kind,
      ).toBe("allow");
    }
    expect(evaluate(outreach(f, {}, { caller: mcp }), f, DEFAULT_POLICY).verdict).toBe("needs_approval");
    // Bank imports stay refused outright.
    expect(judge("caller.role", action("bank_import", { caller: mcp }), f).verdict).toBe("deny");
  });

  it("ledger imports only by admins or the CLI/system", () => {
    const imp = (c: Parameters<typeof caller>[0]) =>
      judge("caller.role", action("ledger_import", { caller: caller(c) }), f);
    expect(imp({ kind: "api", role: "collector" }).verdict).toBe("deny");
    expect(imp({ kind: "agent", role: "agent" }).verdict).toBe("deny");
    expect(imp({ kind: "mcp", role: "collector" }).verdict).toBe("deny");
    expect(imp({ kind: "api", role: "admin" }).verdict).toBe("allow");
    expect(imp({ kind: "cli", role: "collector" }).verdict).toBe("allow");
    expect(imp({ kind: "system", role: "agent" }).verdict).toBe("allow");
  });
});

describe("account.bankruptcy", () => {
  const bankrupt = facts({ customer: customer({ bankruptcyFiledAt: "2026-04-01T00:00:00.000Z" }) });

  it.each(["collection", "validation_notice", "remedy_notice"] as OutreachPurpose[])(
    "denies %s outreach",
    (purpose) => {
      const r = judge("account.bankruptcy", outreach(bankrupt, { purpose }), bankrupt);
      expect(r.verdict).toBe("deny");
      expect(r.reasons[0]).toMatchObject({ citation: "11 U.S.C. 362(a)(6)" });
      expect(r.text).toMatch(/automatic stay/);
    },
  );

  it.each(["legal_escalation", "payment_plan", "promise_to_pay", "settlement_discount"] as ActionKind[])(
    "denies %s",
    (kind) => {
      expect(judge("account.bankruptcy", action(kind), bankrupt).verdict).toBe("deny");
    },
  );

  it("allows receipts, cease acknowledgements, credit notes and write-offs", () => {
    expect(judge("account.bankruptcy", outreach(bankrupt, { purpose: "receipt" }), bankrupt).verdict).toBe(
      "allow",
    );
    expect(
      judge("account.bankruptcy", outreach(bankrupt, { purpose: "cease_acknowledgement" }), bankrupt).verdict,
    ).toBe("allow");
    expect(judge("account.bankruptcy", action("credit_note"), bankrupt).verdict).toBe("allow");
    expect(judge("account.bankruptcy", action("write_off"), bankrupt).verdict).toBe("allow");
  });

  it("applies to business accounts too, and not without a filing", () => {
    expect(bankrupt.customer?.isConsumer).toBe(false);
    const f = facts();
    expect(judge("account.bankruptcy", outreach(f), f).verdict).toBe("allow");
  });
});

describe("account.cease_communication", () => {
  const ceased = facts({ customer: customer({ ceaseCommunicationAt: "2026-04-01T00:00:00.000Z" }) });
  it("denies collection, validation and receipts", () => {
    for (const purpose of ["collection", "validation_notice", "receipt"] as OutreachPurpose[]) {
      const r = judge("account.cease_communication", outreach(ceased, { purpose }), ceased);
      expect(r.verdict, purpose).toBe("deny");
      expect(r.reasons[0]?.citation).toBe("15 U.S.C. 1692c(c)");
    }
  });
  it("allows the cease acknowledgement and a remedy notice", () => {
    for (const purpose of ["cease_acknowledgement", "remedy_notice"] as OutreachPurpose[]) {
      expect(
        judge("account.cease_communication", outreach(ceased, { purpose }), ceased).verdict,
        purpose,
      ).toBe("allow");
    }
  });
  it("does not touch non-outreach actions", () => {
    expect(judge("account.cease_communication", action("credit_note"), ceased).verdict).toBe("allow");
  });
});

describe("account.do_not_contact", () => {
  const dnc = facts({ customer: customer({ doNotContactAt: "2026-04-01T00:00:00.000Z" }) });
  it("denies outreach, including remedy notices", () => {
    expect(judge("account.do_not_contact", outreach(dnc), dnc).verdict).toBe("deny");
    expect(judge("account.do_not_contact", outreach(dnc, { purpose: "remedy_notice" }), dnc).verdict).toBe(
      "deny",
    );
  });
  it("allows the acknowledgement and non-outreach actions", () => {
    expect(
      judge("account.do_not_contact", outreach(dnc, { purpose: "cease_acknowledgement" }), dnc).verdict,
    ).toBe("allow");
    expect(judge("account.do_not_contact", action("payment_plan"), dnc).verdict).toBe("allow");
  });
});

describe("account.legal_hold", () => {
  const held = facts({ customer: customer({ legalHoldAt: "2026-04-01T00:00:00.000Z" }) });
  it.each(["legal_escalation", "write_off", "settlement_discount"] as ActionKind[])("denies %s", (kind) => {
    expect(judge("account.legal_hold", action(kind), held).verdict).toBe("deny");
  });
  it("denies outreach of any purpose", () => {
    const r = judge("account.legal_hold", outreach(held, { purpose: "cease_acknowledgement" }), held);
    expect(r.verdict).toBe("deny");
    expect(r.text).toMatch(/legal hold/);
  });
  it("allows credit notes and tasks", () => {
    expect(judge("account.legal_hold", action("credit_note"), held).verdict).toBe("allow");
    expect(judge("account.legal_hold", action("task"), held).verdict).toBe("allow");
  });
});

describe("account.attorney_represented", () => {
  const represented = (isConsumer: boolean, role?: string) =>
    facts({
      customer: customer({ isConsumer, attorneyRepresentedAt: "2026-03-01T00:00:00.000Z" }),
      contact: contact(role === undefined ? {} : { role }),
    });

  it("denies outreach to a represented consumer", () => {
    const f = represented(true);
    const r = judge("account.attorney_represented", outreach(f), f);
    expect(r.verdict).toBe("deny");
    expect(r.reasons[0]?.citation).toBe("15 U.S.C. 1692c(a)(2)");
  });

  it("allows outreach to the attorney's own contact", () => {
    const f = represented(true, "Attorney");
    expect(judge("account.attorney_represented", outreach(f), f).verdict).toBe("allow");
  });

  it("leaves business accounts alone unless strictBusinessMode is on", () => {
    const f = represented(false);
    expect(judge("account.attorney_represented", outreach(f), f).verdict).toBe("allow");
    const strict = policyWith((p) => (p.strictBusinessMode = true));
    expect(judge("account.attorney_represented", outreach(f), f, strict).verdict).toBe("deny");
  });
});

describe("account.automation_disabled", () => {
  const off = facts({ customer: customer({ automationEnabled: false }) });
  it("agent actions need approval", () => {
    const r = judge("account.automation_disabled", outreach(off), off);
    expect(r.verdict).toBe("needs_approval");
    expect(judge("account.automation_disabled", action("credit_note"), off).verdict).toBe("needs_approval");
  });
  it("forecasts, stored replies and consent revocations are not held", () => {
    for (const kind of ["forecast", "inbound_message", "consent_revocation"] as ActionKind[]) {
      expect(judge("account.automation_disabled", action(kind), off).verdict, kind).toBe("allow");
    }
  });
  it("a consent revocation is allowed for an agent and a collector on an account with every stop", () => {
    const stopped = facts({
      customer: customer({
        automationEnabled: false,
        isConsumer: true,
        bankruptcyFiledAt: "2026-01-01T00:00:00.000Z",
        ceaseCommunicationAt: "2026-01-02T00:00:00.000Z",
        doNotContactAt: "2026-01-03T00:00:00.000Z",
        legalHoldAt: "2026-01-04T00:00:00.000Z",
        attorneyRepresentedAt: "2026-01-05T00:00:00.000Z",
      }),
    });
    for (const who of [caller(), caller({ kind: "api", id: "alice", role: "collector" })]) {
      const revocation = action("consent_revocation", { caller: who });
      expect(evaluate(revocation, stopped, DEFAULT_POLICY)).toEqual({
        verdict: "allow",
        reasons: [],
        policyVersion: DEFAULT_POLICY.version,
      });
    }
  });
  it("people's actions and switched-on accounts are not affected", () => {
    const person = caller({ kind: "api", id: "alice", role: "collector" });
    expect(judge("account.automation_disabled", outreach(off, {}, { caller: person }), off).verdict).toBe(
      "allow",
    );
    const on = facts();
    expect(judge("account.automation_disabled", outreach(on), on).verdict).toBe("allow");
  });
});

describe("invoice.disputed", () => {
  const f = facts({
    invoices: [invoice(), invoice({ id: "inv-2", externalRef: "INV-1002", disputed: true })],
  });

  it("denies outreach naming a disputed invoice, naming it", () => {
    const r = judge("invoice.disputed", outreach(f, { invoiceIds: ["inv-1", "inv-2"] }), f);
    expect(r.verdict).toBe("deny");
    expect(r.text).toMatch(/"INV-1002" is under dispute/);
    expect(r.text).not.toMatch(/INV-1001/);
  });

  it("allows outreach about the undisputed invoice alone", () => {
    expect(judge("invoice.disputed", outreach(f, { invoiceIds: ["inv-1"] }), f).verdict).toBe("allow");
  });

  it("allows a receipt about the disputed invoice", () => {
    expect(
      judge("invoice.disputed", outreach(f, { invoiceIds: ["inv-2"], purpose: "receipt" }), f).verdict,
    ).toBe("allow");
  });

  it("denies legal escalation of a disputed invoice", () => {
    expect(judge("invoice.disputed", action("legal_escalation", { invoiceIds: ["inv-2"] }), f).verdict).toBe(
      "deny",
    );
    expect(judge("invoice.disputed", action("legal_escalation", { invoiceIds: ["inv-1"] }), f).verdict).toBe(
      "allow",
    );
  });
});

describe("invoice.settled", () => {
  const f = facts({
    invoices: [invoice(), invoice({ id: "inv-2", externalRef: "INV-1002", balanceMinor: 0 })],
  });

  it("denies collection about a paid invoice", () => {
    const r = judge("invoice.settled", outreach(f, { invoiceIds: ["inv-1", "inv-2"] }), f);
    expect(r.verdict).toBe("deny");
    expect(r.text).toMatch(/"INV-1002" has no open balance/);
  });

  it("denies collection naming no invoice", () => {
    const r = judge("invoice.settled", outreach(f, { invoiceIds: [] }), f);
    expect(r.verdict).toBe("deny");
    expect(r.text).toMatch(/must name the invoices/);
  });

  it("allows collection about open invoices and receipts about paid ones", () => {
    expect(judge("invoice.settled", outreach(f, { invoiceIds: ["inv-1"] }), f).verdict).toBe("allow");
    expect(
      judge("invoice.settled", outreach(f, { invoiceIds: ["inv-2"], purpose: "receipt" }), f).verdict,
    ).toBe("allow");
  });

  it("denies legal escalation of a paid invoice", () => {
    expect(judge("invoice.settled", action("legal_escalation", { invoiceIds: ["inv-2"] }), f).verdict).toBe(
      "deny",
    );
  });
});

describe("action.well_formed", () => {
  const f = facts();
  it("allows the baseline", () => {
    expect(judge("action.well_formed", outreach(f), f).verdict).toBe("allow");
  });

  it("refuses outreach without a customer, without details, or with an empty body", () => {
    const noCustomer = facts({ customer: undefined });
    expect(judge("action.well_formed", outreach(noCustomer), noCustomer).text).toMatch(
      /needs the customer's facts/,
    );
    expect(judge("action.well_formed", { ...outreach(f), outreach: undefined }, f).text).toMatch(
      /must describe the message/,
    );
    expect(judge("action.well_formed", outreach(f, { body: "  " }), f).text).toMatch(/body is empty/);
  });

  it("refuses invoices the facts do not carry and a customer mismatch", () => {
    expect(judge("action.well_formed", outreach(f, { invoiceIds: ["inv-1", "inv-9"] }), f).text).toMatch(
      /no invoice "inv-9"/,
    );
    expect(judge("action.well_formed", outreach(f, {}, { customerId: "cust-2" }), f).text).toMatch(
      /for customer cust-2 but the facts describe customer cust-1/,
    );
  });

  it("refuses an unreadable clock or communication time", () => {
    expect(judge("action.well_formed", outreach(f), { ...f, now: "yesterday" }).verdict).toBe("deny");
    const bad = facts({ recentCommunications: [badComm()] });
    expect(judge("action.well_formed", outreach(bad), bad).text).toMatch(/recentCommunications\[0\]/);
  });

  it("refuses limit actions missing their numbers", () => {
    expect(judge("action.well_formed", action("payment_plan"), f).text).toMatch(
      /installmentCount and durationDays/,
    );
    expect(
      judge(
        "action.well_formed",
        action("payment_plan", { paymentPlan: { installmentCount: 0, durationDays: 30 } }),
        f,
      ).verdict,
    ).toBe("deny");
    expect(judge("action.well_formed", action("settlement_discount"), f).verdict).toBe("deny");
    expect(judge("action.well_formed", action("credit_note", { currency: "USD" }), f).text).toMatch(
      /amountMinor/,
    );
    expect(judge("action.well_formed", action("write_off", { amountMinor: 100 }), f).text).toMatch(
      /ISO 4217/,
    );
    expect(
      judge(
        "action.well_formed",
        action("credit_note", { amountMinor: 100, currency: "EUR", invoiceIds: ["inv-1"] }),
        f,
      ).text,
    ).toMatch(/in EUR but "INV-1001" is not/);
    expect(
      judge(
        "action.well_formed",
        action("credit_note", { amountMinor: 100, currency: "USD", invoiceIds: ["inv-1"] }),
        f,
      ).verdict,
    ).toBe("allow");
  });
});

function badComm() {
  return {
    channel: "email" as const,
    direction: "outbound" as const,
    status: "sent",
    occurredAt: "not a time",
    isConversation: false,
    contactId: null,
  };
}
