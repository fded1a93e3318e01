// The cash-application specialist's rules brain: reference normalisation, the rules matcher's cases
// and invariants, and the decision (what is applied, what is left for review, and for whom).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkProposal,
  compactReference,
  decideCashApplication,
  findCitations,
  type MatchProposal,
  type PaymentMatcher,
  referenceMatcher,
} from "../../agents/cash-application/index.ts";
import type { SnapshotOpenInvoice, SnapshotPayment } from "../../tools/read/account-snapshot-types.ts";
import { callsOf, shuffleSnapshot, unapplied } from "./builders-dfc.ts";
import { customer, day, invoice, makeSnapshot, type SnapshotOverrides } from "./snapshot-builder.ts";

const A = invoice({ externalRef: "INV-2025-004812", amountMinor: 73_450, dueDate: day(-20) });
const B = invoice({ externalRef: "INV-2025-004813", amountMinor: 12_000, dueDate: day(-10) });
const C = invoice({ externalRef: "INV-2025-004900", amountMinor: 5_500, dueDate: day(5) });
const open = [A, B, C];
const acme = customer({ bankAccounts: ["DE89370400440532013000"] });
const match = (payment: SnapshotPayment, invoices: SnapshotOpenInvoice[] = open) =>
  referenceMatcher.match(payment, invoices, acme);
const decide = (over: SnapshotOverrides, threshold?: number) =>
  decideCashApplication(
    makeSnapshot({ openInvoices: open, ...over }),
    threshold === undefined ? {} : { autoApplyThreshold: threshold },
  );

describe("invoice references in remittance text", () => {
  const cases: [string, string | null][] = [
    ["INV-2025-004812", "exact"],
    ["Payment inv-2025-004812 thank you", "exact"],
    ["INV 2025 004812", "exact"],
    ["INV2025-004812", "exact"],
    ["INV2025 4812", "zeros"],
    ["INV-2025-4812", "zeros"],
    ["INV-2025004812", "fused"],
    ["2025-004812", "no_prefix"],
    ["INV-2025-004821", "transposed"],
    ["inv 4812", "partial"],
    ["INV-2025-0048120", null],
    ["INV-2024-004812", null],
    ["INV-2025-004812A", null],
    ["ref 48120", null],
    ["", null],
  ];
  it.each(cases)("%s → %s", (text, quality) => {
    const found = findCitations(text, [A, C]).filter((c) => c.invoiceId === A.id);
    expect(found.map((c) => c.quality)).toEqual(quality ? [quality] : []);
  });

  it("does not read an exact citation of one invoice as a typo of another", () => {
    const twin = invoice({ externalRef: "INV-2025-004821" });
    expect(findCitations("Payment INV-2025-004812", [A, twin])).toEqual([
      { invoiceId: A.id, quality: "exact" },
    ]);
  });

  it("finds several invoices in one text, best quality first", () => {
    expect(findCitations("INV2025 4813 / INV-2025-004812", [A, B, C])).toEqual([
      { invoiceId: A.id, quality: "exact" },
      { invoiceId: B.id, quality: "zeros" },
    ]);
  });

  it("normalises case, accents and separators the same way for any number", () => {
    expect(compactReference("inv–2025/004812")).toBe("INV2025004812");
    expect(compactReference("Réf. 2025_0048")).toBe("REF20250048");
  });
});

describe("referenceMatcher", () => {
  it("proposes the cited invoice with high confidence when the amount is its balance", () => {
    const pay = unapplied("PAY-1", 73_450, "Payment INV-2025-004812");
    const [best] = match(pay);
    expect(best).toEqual({
      paymentId: pay.id,
      applications: [{ invoiceId: A.id, amountMinor: 73_450 }],
      method: "reference",
      confidence: 0.99,
      why: expect.stringContaining("INV-2025-004812"),
    });
  });

  it("gives a typo'd reference a lower confidence", () => {
    const exact = match(unapplied("PAY-1", 73_450, "INV-2025-004812"))[0]!;
    const zeros = match(unapplied("PAY-2", 73_450, "INV2025 4812"))[0]!;
    const transposed = match(unapplied("PAY-3", 73_450, "INV-2025-004821"))[0]!;
    const fused = match(unapplied("PAY-4", 73_450, "INV-2025004812"))[0]!;
    for (const p of [zeros, transposed, fused]) {
      expect(p.applications).toEqual(exact.applications);
      expect(p.confidence).toBeLessThan(exact.confidence);
    }
    expect(transposed.confidence).toBeLessThan(fused.confidence);
    expect(transposed.confidence).toBeLessThan(0.95);
  });

  it("applies one payment to several cited invoices when it is exactly their sum", () => {
    const pay = unapplied("PAY-1", 85_450, "INV-2025-004812, INV-2025-004813");
    expect(match(pay)[0]).toMatchObject({
      method: "reference",
      confidence: 0.99,
      applications: [
        { invoiceId: A.id, amountMinor: 73_450 },
        { invoiceId: B.id, amountMinor: 12_000 },
      ],
    });
  });

  it("matches an exact amount when nothing is cited, less surely when it is ambiguous", () => {
    expect(match(unapplied("PAY-1", 12_000, "SUPPLIER PAYMENT"))[0]).toMatchObject({
      method: "amount",
      confidence: 0.95,
      applications: [{ invoiceId: B.id, amountMinor: 12_000 }],
    });
    const twin = invoice({ externalRef: "INV-2025-004999", amountMinor: 12_000, dueDate: day(-2) });
    const ambiguous = match(unapplied("PAY-2", 12_000, null), [...open, twin])[0]!;
    expect(ambiguous.applications).toEqual([{ invoiceId: B.id, amountMinor: 12_000 }]); // the oldest
    expect(ambiguous.confidence).toBeLessThan(0.95);
  });

  it("allocates oldest first only when the payment cites nothing and equals the whole open balance", () => {
    const whole = match(unapplied("PAY-1", 90_950, "ON ACCOUNT"))[0]!;
    expect(whole.method).toBe("oldest_first");
    expect(whole.applications.map((a) => a.invoiceId)).toEqual([A.id, B.id, C.id]);
    expect(whole.confidence).toBe(0.95);
    expect(
      match(unapplied("PAY-2", 90_950, "INV-2024-000001")).some((p) => p.method === "oldest_first"),
    ).toBe(false);
    expect(match(unapplied("PAY-3", 90_949, null))).toEqual([]);
  });

  it("never proposes across currencies", () => {
    expect(match(unapplied("PAY-1", 73_450, "INV-2025-004812", { currency: "EUR" }))).toEqual([]);
    const eur = invoice({ externalRef: "INV-2025-005000", currency: "EUR", amountMinor: 73_450 });
    const proposals = match(unapplied("PAY-2", 73_450, "INV-2025-004812", { currency: "EUR" }), [
      ...open,
      eur,
    ]);
    for (const p of proposals) for (const a of p.applications) expect(a.invoiceId).toBe(eur.id);
  });

  it("never applies more than an invoice's balance or the payment's unapplied money", () => {
    const over = match(unapplied("PAY-1", 100_000, "INV-2025-004812"))[0]!;
    expect(over.applications).toEqual([{ invoiceId: A.id, amountMinor: 73_450 }]);
    expect(over.confidence).toBeLessThan(0.95);
    const short = match(unapplied("PAY-2", 50_000, "INV-2025-004812"))[0]!;
    expect(short.applications).toEqual([{ invoiceId: A.id, amountMinor: 50_000 }]);
    const partlyUsed = {
      ...unapplied("PAY-3", 85_450, "INV-2025-004812 INV-2025-004813"),
      unappliedMinor: 20_000,
    };
    const total = match(partlyUsed)[0]!.applications.reduce((t, a) => t + a.amountMinor, 0);
    expect(total).toBeLessThanOrEqual(20_000);
  });

  it("keeps every invariant on arbitrary payments and invoices (property)", () => {
    const refs = ["INV-2025-000101", "INV-2025-000102", "INV-2025-000110", "INV-2026-000101", "12345"];
    const invoiceArb = fc.record({
      ref: fc.constantFrom(...refs),
      amount: fc.integer({ min: 1, max: 50_000 }),
      paidShare: fc.integer({ min: 0, max: 99 }),
      currency: fc.constantFrom("USD", "EUR"),
      due: fc.integer({ min: -90, max: 30 }),
      disputed: fc.boolean(),
    });
    const paymentArb = fc.record({
      amount: fc.integer({ min: 1, max: 150_000 }),
      usedShare: fc.integer({ min: 0, max: 99 }),
      currency: fc.constantFrom("USD", "EUR"),
      text: fc.oneof(
        fc.constant(null),
        fc.string(),
        fc
          .array(fc.constantFrom(...refs, "inv", "0101", "2025", "/", " ", "-"), { maxLength: 6 })
          .map((p) => p.join(" ")),
      ),
      identified: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(invoiceArb, { selector: (i) => i.ref, maxLength: 5 }),
        paymentArb,
        (specs, p) => {
          const invoices = specs.map((s) =>
            invoice({
              externalRef: s.ref,
              currency: s.currency,
              amountMinor: s.amount,
              balanceMinor: Math.max(1, s.amount - Math.floor((s.amount * s.paidShare) / 100)),
              dueDate: day(s.due),
              disputed: s.disputed,
            }),
          );
          const payment = {
            ...unapplied("PAY-P", p.amount, p.text, {
              currency: p.currency,
              customerId: p.identified ? acme.id : null,
            }),
            unappliedMinor: Math.max(1, p.amount - Math.floor((p.amount * p.usedShare) / 100)),
          };
          for (const proposal of referenceMatcher.match(payment, invoices, acme)) {
            expect(checkProposal(proposal, payment, invoices)).toBeNull();
            if (!p.identified && proposal.method !== "reference")
              expect(proposal.confidence).toBeLessThanOrEqual(0.5);
          }
        },
      ),
      { numRuns: 400, seed: 20260415 },
    );
  });

  it("caps matches of unidentified payments that rest on the amount alone", () => {
    const stranger = match(unapplied("PAY-1", 12_000, null, { customerId: null }))[0]!;
    expect(stranger.method).toBe("amount");
    expect(stranger.confidence).toBe(0.5);
    const knownAccount = match(
      unapplied("PAY-2", 12_000, null, { customerId: null, payerAccount: "DE89370400440532013000" }),
    )[0]!;
    expect(knownAccount.confidence).toBe(0.8);
    const byReference = match(unapplied("PAY-3", 12_000, "INV-2025-004813", { customerId: null }))[0]!;
    expect(byReference).toMatchObject({ method: "reference", confidence: 0.99 });
  });
});

describe("decideCashApplication", () => {
  it("applies matches at or above the threshold with the proposal's method and confidence", () => {
    const byRef = unapplied("PAY-1", 73_450, "INV-2025-004812", { receivedOn: day(-2) });
    const byAmount = unapplied("PAY-2", 12_000, "thanks", { receivedOn: day(-1) });
    const result = decide({ unappliedPayments: [byRef, byAmount] });
    expect(result.calls).toEqual([
      {
        tool: "apply_payment",
        input: {
          paymentId: byRef.id,
          applications: [{ invoiceId: A.id, amountMinor: 73_450 }],
          method: "reference",
          confidence: 0.99,
        },
        key: `cash:${byRef.id}`,
        why: expect.stringContaining("INV-2025-004812"),
      },
      {
        tool: "apply_payment",
        input: {
          paymentId: byAmount.id,
          applications: [{ invoiceId: B.id, amountMinor: 12_000 }],
          method: "amount",
          confidence: 0.95,
        },
        key: `cash:${byAmount.id}`,
        why: expect.any(String),
      },
    ]);
    expect(result.forReview).toEqual([]);
  });

  it("leaves lower-confidence matches for review, with why", () => {
    const typo = unapplied("PAY-1", 73_450, "INV-2025-004821");
    const result = decide({ unappliedPayments: [typo] });
    expect(result.calls).toEqual([]);
    expect(result.forReview[0]).toMatchObject({
      paymentId: typo.id,
      method: "reference",
      applications: [{ invoiceId: A.id, amountMinor: 73_450 }],
      why: expect.stringMatching(/adjacent digits swapped.*below the auto-apply threshold/),
    });
    expect(decide({ unappliedPayments: [typo] }, 0.8).calls).toHaveLength(1); // a laxer threshold applies it
  });

  it("never auto-applies an unidentified payment matched by amount only, whatever the threshold", () => {
    const stranger = unapplied("PAY-1", 12_000, "SUPPLIER PAYMENT", { customerId: null });
    const result = decide({ candidatePayments: [stranger] }, 0);
    expect(result.calls).toEqual([]);
    expect(result.forReview[0]).toMatchObject({
      paymentId: stranger.id,
      method: "amount",
      why: expect.stringContaining("never applied automatically"),
    });
  });

  it("applies an unidentified payment that cites this customer's invoice exactly", () => {
    const cited = unapplied("PAY-1", 5_500, "Invoice INV-2025-004900", { customerId: null });
    const result = decide({ candidatePayments: [cited] });
    expect(callsOf(result.calls, "apply_payment")[0]?.input).toMatchObject({
      paymentId: cited.id,
      method: "reference",
      applications: [{ invoiceId: C.id, amountMinor: 5_500 }],
    });
  });

  it("lets two payments never claim the same balance", () => {
    const first = unapplied("PAY-1", 12_000, null, { receivedOn: day(-3) });
    const second = unapplied("PAY-2", 12_000, null, { receivedOn: day(-1) });
    const result = decide({ unappliedPayments: [second, first] });
    expect(result.calls.map((c) => c.key)).toEqual([`cash:${first.id}`]);
    expect(result.notes.join("\n")).toMatch(/PAY-2.*no match/);
  });

  it("prefers the most confident match when payments compete", () => {
    const amountOnly = unapplied("PAY-1", 73_450, null, { receivedOn: day(-5) });
    const cited = unapplied("PAY-2", 73_450, "INV-2025-004812", { receivedOn: day(-1) });
    const result = decide({ unappliedPayments: [amountOnly, cited] });
    expect(result.calls.map((c) => c.key)).toEqual([`cash:${cited.id}`]);
  });

  it("refuses a matcher's proposal that would over-apply or cross currencies", () => {
    const pay = unapplied("PAY-1", 73_450, "INV-2025-004812");
    const reckless: PaymentMatcher = {
      match: (payment): MatchProposal[] => [
        {
          paymentId: payment.id,
          applications: [{ invoiceId: A.id, amountMinor: 90_000 }],
          method: "reference",
          confidence: 1,
          why: "",
        },
        {
          paymentId: payment.id,
          applications: [
            { invoiceId: B.id, amountMinor: 12_000 },
            { invoiceId: C.id, amountMinor: 70_000 },
          ],
          method: "amount",
          confidence: 1,
          why: "",
        },
      ],
    };
    const result = decideCashApplication(makeSnapshot({ openInvoices: open, unappliedPayments: [pay] }), {
      matcher: reckless,
    });
    expect(result.calls).toEqual([]);
    expect(result.forReview).toEqual([]);
  });

  it("does nothing when a payment has no money left or belongs to someone else", () => {
    const used = { ...unapplied("PAY-1", 73_450, "INV-2025-004812"), unappliedMinor: 0 };
    const foreign = unapplied("PAY-2", 73_450, "INV-2025-004812", {
      customerId: "00000000-0000-4000-8000-000000000000",
    });
    expect(decide({ unappliedPayments: [used, foreign] })).toEqual({ calls: [], notes: [], forReview: [] });
  });

  it("rejects a threshold outside 0..1", () => {
    expect(() => decide({}, 1.5)).toThrow(RangeError);
  });

  it("gives identical decisions for shuffled inputs", () => {
    const snapshot = makeSnapshot({
      openInvoices: [
        ...open,
        invoice({ externalRef: "INV-2025-005001", amountMinor: 12_000, dueDate: day(-30) }),
      ],
      unappliedPayments: [
        unapplied("PAY-1", 73_450, "INV-2025-004812"),
        unapplied("PAY-2", 12_000, null),
        unapplied("PAY-3", 12_000, null),
        unapplied("PAY-4", 9_999, "INV2025 4900"),
      ],
      candidatePayments: [unapplied("PAY-5", 5_500, null, { customerId: null })],
    });
    const expected = decideCashApplication(snapshot);
    expect(expected.calls.length + expected.forReview.length).toBeGreaterThanOrEqual(4);
    for (let seed = 1; seed <= 20; seed++)
      expect(decideCashApplication(shuffleSnapshot(snapshot, seed))).toEqual(expected);
  });
});
