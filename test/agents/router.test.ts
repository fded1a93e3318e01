// The router: which specialists an account needs, in which order, and why.
import { describe, expect, it } from "vitest";
import { reminderWindowDays, routeAccount } from "../../agents/router.ts";
import { DEFAULT_POLICY } from "../../policies/default-policy.ts";
import type { PolicyDocument } from "../../policies/document.ts";
import type { AccountSnapshot } from "../../tools/read/account-snapshot-types.ts";
import {
  day,
  dispute,
  history,
  makeSnapshot,
  overdue,
  payment,
  plan,
  promise,
  uuidFor,
} from "./snapshot-builder.ts";

const route = (snapshot: AccountSnapshot, policy: PolicyDocument = DEFAULT_POLICY) =>
  routeAccount(snapshot, policy);

const unapplied = () => {
  const p = payment({ key: "PAY-U", amountMinor: 50_000 });
  return { ...p, unappliedMinor: 50_000 };
};

describe("routeAccount", () => {
  it("orders cash application, dispute, collection, forecasting and says why", () => {
    const snapshot = makeSnapshot({
      openInvoices: [overdue("INV-1001", 20, { disputed: true }), overdue("INV-1002", 10)],
      disputes: [dispute()],
      unappliedPayments: [unapplied()],
    });
    const plan = route(snapshot);
    expect(plan.steps).toEqual(["cash_application", "dispute", "collection", "forecasting"]);
    expect(plan.reasons).toEqual([
      "cash_application: 1 unapplied payment(s) that may be this customer's",
      "dispute: 1 live dispute(s)",
      "collection: 1 undisputed invoice(s) overdue or due within 3 days, not covered by a promise or plan",
      "forecasting: 2 open invoice(s)",
    ]);
  });

  it("skips an account with nothing to do", () => {
    const plan = route(makeSnapshot({ openInvoices: [] }));
    expect(plan.steps).toEqual([]);
    expect(plan.reasons).toEqual(["nothing to do: no open invoices, unapplied cash or live disputes"]);
  });

  it("leaves collection out for invoices not yet due, only disputed, or covered by a live promise", () => {
    expect(route(makeSnapshot({ openInvoices: [overdue("INV-1001", -10)] })).steps).toEqual(["forecasting"]);
    expect(
      route(
        makeSnapshot({ openInvoices: [overdue("INV-1001", 20, { disputed: true })], disputes: [dispute()] }),
      ).steps,
    ).toEqual(["dispute", "forecasting"]);
    expect(
      route(makeSnapshot({ openInvoices: [overdue("INV-1001", 20)], promises: [promise()] })).steps,
    ).toEqual(["forecasting"]);
  });

  it("wakes collection for the pre-due reminder and for a promise whose date has passed", () => {
    expect(route(makeSnapshot({ openInvoices: [overdue("INV-1001", -3)] })).steps).toContain("collection");
    expect(route(makeSnapshot({ openInvoices: [overdue("INV-1001", -4)] })).steps).not.toContain(
      "collection",
    );
    const lapsed = route(
      makeSnapshot({
        openInvoices: [overdue("INV-1001", 20)],
        promises: [promise({ promisedDate: "2026-04-10" })],
      }),
    );
    expect(lapsed.steps).toContain("collection");
    expect(lapsed.reasons.find((r) => r.startsWith("collection"))).toContain("1 promise(s) past their date");
  });

  it("wakes collection as early as the account's first ladder level: 6 days before the due date for a problem payer", () => {
    const LATE = history([35, 40, 38, 33]); // a problem payer: every level 3 days earlier
    const problem = (daysPastDue: number) =>
      route(makeSnapshot({ paidInvoices: LATE, openInvoices: [overdue("INV-1001", daysPastDue)] }));
    expect(problem(-6).steps).toContain("collection");
    expect(problem(-6).reasons).toContain(
      "collection: 1 undisputed invoice(s) overdue or due within 6 days, not covered by a promise or plan",
    );
    expect(problem(-7).steps).not.toContain("collection");
    // Prompt payers skip the reminder and start later; the window stays the ladder's own (3 days):
    // that they get nothing yet is the specialist's call, in its notes.
    const ON_TIME = history([0, 0, 1, 0, 0, -1, 0, 0]);
    const prompt = (daysPastDue: number) =>
      route(makeSnapshot({ paidInvoices: ON_TIME, openInvoices: [overdue("INV-1001", daysPastDue)] }));
    expect(prompt(-3).steps).toContain("collection");
    expect(prompt(-4).steps).not.toContain("collection");
  });

  it("takes the window from the policy's ladder, not a constant", () => {
    const early = structuredClone(DEFAULT_POLICY) as PolicyDocument;
    early.dunning.levels[0]!.offsetDays = -5;
    expect(reminderWindowDays(early, "slow")).toBe(5);
    expect(reminderWindowDays(early, "problem")).toBe(8);
    expect(reminderWindowDays(DEFAULT_POLICY, "prompt")).toBe(3);
    expect(reminderWindowDays(DEFAULT_POLICY, "problem")).toBe(6);
    const afterDue = structuredClone(DEFAULT_POLICY) as PolicyDocument;
    afterDue.dunning.levels[0]!.offsetDays = 2; // a ladder that starts after the due date
    afterDue.dunning.levels[1]!.offsetDays = 5;
    expect(reminderWindowDays(afterDue, "slow")).toBe(0);
    const soon = makeSnapshot({ openInvoices: [overdue("INV-1001", -5)] });
    expect(route(soon).steps).not.toContain("collection");
    expect(route(soon, early).steps).toContain("collection");
  });

  it("a proposed plan covers its invoices until its first instalment's date passes unaccepted", () => {
    const offered = (firstDue: string) =>
      route(
        makeSnapshot({
          openInvoices: [overdue("INV-1001", 56, { dunningLevel: 5 })],
          paymentPlans: [
            plan({
              status: "proposed",
              invoiceIds: [uuidFor("invoice", "INV-1001")],
              installments: [
                { dueDate: firstDue, amountMinor: 62_500 },
                { dueDate: day(30), amountMinor: 62_500 },
              ],
            }),
          ],
        }),
      ).steps;
    expect(offered(day(7))).toEqual(["forecasting"]);
    expect(offered(day(0))).toEqual(["forecasting"]);
    expect(offered(day(-1))).toEqual(["collection", "forecasting"]);
    expect(offered(day(-33))).toEqual(["collection", "forecasting"]);
  });
});
