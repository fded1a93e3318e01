// The cash-application specialist's rules brain: how the matching engine's proposals become planned
// tool calls (the engine's own cases are in test/tools/cash-matching). What is applied, what waits
// for review with which alternatives, what follows an application (write-offs, deductions), and how
// a suggested payer's identification limits the confidence.
import { describe, expect, it } from "vitest";
import { decideCashApplication } from "../../agents/cash-application/index.ts";
import type { PolicyDocument } from "../../policies/index.ts";
import { DEFAULT_POLICY } from "../../policies/index.ts";
import type { PlannedCall, SnapshotPayment } from "../../tools/read/account-snapshot-types.ts";
import { callsOf, shuffleSnapshot, unapplied } from "./builders-dfc.ts";
import { customer, day, invoice, makeSnapshot, type SnapshotOverrides } from "./snapshot-builder.ts";

const A = invoice({ externalRef: "INV-2025-004812", amountMinor: 73_450, dueDate: day(-20) });
const B = invoice({ externalRef: "INV-2025-004813", amountMinor: 12_000, dueDate: day(-10) });
const C = invoice({ externalRef: "INV-2025-004900", amountMinor: 5_500, dueDate: day(5) });
const open = [A, B, C];
const THRESHOLD = DEFAULT_POLICY.cashApplication.autoApplyThreshold;

const decide = (over: SnapshotOverrides, policy: PolicyDocument = DEFAULT_POLICY) =>
  decideCashApplication(makeSnapshot({ openInvoices: open, ...over }), policy);
const applyOf = (calls: PlannedCall[], payment: SnapshotPayment) =>
  calls.find((c) => c.tool === "apply_payment" && c.input.paymentId === payment.id);

describe("decideCashApplication", () => {
  it("plans an exact reference match with a confidence the policy lets through", () => {
    const paid = unapplied("PAY-1", 73_450, "INV-2025-004812", { receivedOn: day(-2) });
    const { calls, notes } = decide({ unappliedPayments: [paid] });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      tool: "apply_payment",
      input: {
        paymentId: paid.id,
        applications: [{ invoiceId: A.id, amountMinor: 73_450 }],
        method: "reference",
      },
      key: `cash:${paid.id}`,
      why: expect.stringContaining("INV-2025-004812"),
    });
    expect(calls[0]!.input.confidence).toBeGreaterThanOrEqual(THRESHOLD);
    expect(notes.join("\n")).not.toMatch(/for review/);
  });

  it("still plans a weak match, below the threshold, with its alternatives for the reviewer", () => {
    // 12,000 is B's balance; the remittance names nothing: an amount-only match for a person to confirm
    // when another invoice has the same balance.
    const twin = invoice({ externalRef: "INV-2025-004950", amountMinor: 12_000, dueDate: day(-5) });
    const paid = unapplied("PAY-1", 12_000, "thank you");
    const { calls, notes } = decide({ openInvoices: [...open, twin], unappliedPayments: [paid] });
    const apply = applyOf(calls, paid)!;
    expect(apply.input.confidence).toBeLessThan(THRESHOLD);
    expect(apply.alternatives?.length).toBeGreaterThan(0);
    const invoicesOffered = [
      apply.input.applications,
      ...(apply.alternatives as { applications: unknown }[]).map((a) => a.applications),
    ]
      .flat()
      .map((a) => (a as { invoiceId: string }).invoiceId);
    expect(invoicesOffered).toEqual(expect.arrayContaining([B.id, twin.id]));
    expect(notes.join("\n")).toMatch(/below the auto-apply threshold/);
  });

  it("writes off a short pay within tolerance after the application, and no more than the gap", () => {
    const paid = unapplied("PAY-1", 73_400, "INV-2025-004812"); // 0.50 short
    const { calls } = decide({ unappliedPayments: [paid] });
    expect(applyOf(calls, paid)!.input.applications).toEqual([{ invoiceId: A.id, amountMinor: 73_400 }]);
    expect(callsOf(calls, "write_off")).toEqual([
      expect.objectContaining({
        input: expect.objectContaining({
          invoiceId: A.id,
          amountMinor: 50,
          reason: "short_pay",
          paymentId: paid.id,
        }),
        dependsOn: [`cash:${paid.id}`],
      }),
    ]);
    expect(callsOf(calls, "open_dispute")).toEqual([]);
  });

  it("sends a deduction beyond tolerance to the dispute agent as a short_payment dispute", () => {
    const paid = unapplied("PAY-1", 60_000, "INV-2025-004812"); // 134.50 short, nothing said
    const { calls } = decide({ unappliedPayments: [paid] });
    expect(applyOf(calls, paid)!.input.applications).toEqual([{ invoiceId: A.id, amountMinor: 60_000 }]);
    expect(callsOf(calls, "write_off")).toEqual([]);
    expect(callsOf(calls, "open_dispute")).toEqual([
      expect.objectContaining({
        input: expect.objectContaining({ invoiceId: A.id, category: "short_payment", amountMinor: 13_450 }),
        dependsOn: [`cash:${paid.id}`],
      }),
    ]);
  });

  it("a declared partial payment leaves the rest open: no write-off, no dispute", () => {
    const paid = unapplied("PAY-1", 30_000, "part payment INV-2025-004812");
    const { calls, notes } = decide({ unappliedPayments: [paid] });
    expect(applyOf(calls, paid)!.input.applications).toEqual([{ invoiceId: A.id, amountMinor: 30_000 }]);
    expect(calls.filter((c) => c.tool !== "apply_payment")).toEqual([]);
    expect(notes.join("\n")).toMatch(/partial payment/);
  });

  it("takes an early-payment discount the terms allow", () => {
    const discounted = invoice({
      externalRef: "INV-2025-005000",
      amountMinor: 100_000,
      dueDate: day(20),
      earlyDiscount: { percent: 2, until: day(1) },
    });
    const paid = unapplied("PAY-1", 98_000, "INV-2025-005000");
    const { calls } = decide({ openInvoices: [discounted], unappliedPayments: [paid] });
    expect(callsOf(calls, "write_off")).toEqual([
      expect.objectContaining({
        input: expect.objectContaining({ amountMinor: 2_000, reason: "early_payment_discount" }),
      }),
    ]);
  });

  it("caps a suggested payment by its identification: recognised by name only, it waits for a person", () => {
    const byName = unapplied("PAY-1", 73_450, "INV-2025-004812", {
      customerId: null,
      identification: { method: "name", confidence: 0.7, why: "payer name resembles ACME", candidates: [] },
    });
    const byAccount = unapplied("PAY-2", 5_500, "INV-2025-004900", {
      customerId: null,
      identification: {
        method: "account",
        confidence: 0.99,
        why: "bank account seen before",
        candidates: [],
      },
    });
    const { calls } = decide({ candidatePayments: [byName, byAccount] });
    expect(applyOf(calls, byName)!.input.confidence).toBeLessThan(THRESHOLD);
    expect(applyOf(calls, byName)!.why).toMatch(/^payer: payer name resembles ACME/);
    expect(applyOf(calls, byAccount)!.input.confidence).toBeGreaterThanOrEqual(THRESHOLD);
  });

  it("follows the policy's threshold: a stricter policy sends the same match to review", () => {
    const paid = unapplied("PAY-1", 12_000, "thanks"); // amount-only, the customer's own payment
    const strict = {
      ...DEFAULT_POLICY,
      cashApplication: { ...DEFAULT_POLICY.cashApplication, autoApplyThreshold: 1 },
    };
    expect(decide({ unappliedPayments: [paid] }, strict).notes.join("\n")).toMatch(
      /below the auto-apply threshold/,
    );
  });

  it("notes a payment nothing matches and plans nothing for it", () => {
    const stray = unapplied("PAY-1", 1_234, "misc", { currency: "EUR" });
    const { calls, notes } = decide({ unappliedPayments: [stray] });
    expect(calls).toEqual([]);
    expect(notes.join("\n")).toMatch(/PAY-1.*no match among the open EUR invoices/);
  });

  it("does nothing without unapplied money and never touches another customer's payment", () => {
    const elsewhere = unapplied("PAY-1", 73_450, "INV-2025-004812", { customerId: "someone-else" });
    expect(decide({ unappliedPayments: [elsewhere] })).toEqual({ calls: [], notes: [] });
    const spent = unapplied("PAY-2", 73_450, "INV-2025-004812", { unappliedMinor: 0 });
    expect(decide({ unappliedPayments: [spent] })).toEqual({ calls: [], notes: [] });
  });

  it("gives identical plans for shuffled inputs", () => {
    const snapshot = makeSnapshot({
      customer: customer({ bankAccounts: ["DE89370400440532013000"] }),
      openInvoices: open,
      unappliedPayments: [
        unapplied("PAY-1", 73_450, "INV-2025-004812"),
        unapplied("PAY-2", 17_500, "INV-2025-004813 INV-2025-004900"),
        unapplied("PAY-3", 12_000, null),
      ],
    });
    const base = decideCashApplication(snapshot, DEFAULT_POLICY);
    expect(base.calls.length).toBeGreaterThan(0);
    for (const seed of [1, 2, 3]) {
      expect(decideCashApplication(shuffleSnapshot(snapshot, seed), DEFAULT_POLICY)).toEqual(base);
    }
  });
});
