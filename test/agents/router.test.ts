// The router: which specialists an account needs, in which order, and why.
import { describe, expect, it } from "vitest";
import { routeAccount } from "../../agents/router.ts";
import { dispute, makeSnapshot, overdue, payment, promise } from "./snapshot-builder.ts";

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
    const plan = routeAccount(snapshot);
    expect(plan.steps).toEqual(["cash_application", "dispute", "collection", "forecasting"]);
    expect(plan.reasons).toEqual([
      "cash_application: 1 unapplied payment(s) that may be this customer's",
      "dispute: 1 live dispute(s)",
      "collection: 1 undisputed invoice(s) overdue or due within 3 days, not covered by a promise or plan",
      "forecasting: 2 open invoice(s)",
    ]);
  });

  it("skips an account with nothing to do", () => {
    const plan = routeAccount(makeSnapshot({ openInvoices: [] }));
    expect(plan.steps).toEqual([]);
    expect(plan.reasons).toEqual(["nothing to do: no open invoices, unapplied cash or live disputes"]);
  });

  it("leaves collection out for invoices not yet due, only disputed, or covered by a live promise", () => {
    expect(routeAccount(makeSnapshot({ openInvoices: [overdue("INV-1001", -10)] })).steps).toEqual([
      "forecasting",
    ]);
    expect(
      routeAccount(
        makeSnapshot({ openInvoices: [overdue("INV-1001", 20, { disputed: true })], disputes: [dispute()] }),
      ).steps,
    ).toEqual(["dispute", "forecasting"]);
    expect(
      routeAccount(makeSnapshot({ openInvoices: [overdue("INV-1001", 20)], promises: [promise()] })).steps,
    ).toEqual(["forecasting"]);
  });

  it("wakes collection for the pre-due reminder and for a promise whose date has passed", () => {
    expect(routeAccount(makeSnapshot({ openInvoices: [overdue("INV-1001", -3)] })).steps).toContain(
      "collection",
    );
    expect(routeAccount(makeSnapshot({ openInvoices: [overdue("INV-1001", -4)] })).steps).not.toContain(
      "collection",
    );
    const lapsed = routeAccount(
      makeSnapshot({
        openInvoices: [overdue("INV-1001", 20)],
        promises: [promise({ promisedDate: "2026-04-10" })],
      }),
    );
    expect(lapsed.steps).toContain("collection");
    expect(lapsed.reasons.find((r) => r.startsWith("collection"))).toContain("1 promise(s) past their date");
  });
});
