import { describe, expect, it } from "vitest";
import {
  deriveSegment,
  PROBLEM_OVERDUE_DAYS,
  quantile,
  RECENT_PAYMENTS,
} from "../../agents/collection/index.ts";
import { history, makeSnapshot, overdue, paid, promise } from "./snapshot-builder.ts";

describe("deriveSegment", () => {
  it("consumer accounts are consumer, strategic ones strategic (consumer wins: its protections matter more)", () => {
    expect(deriveSegment(makeSnapshot({ customer: { isConsumer: true } })).segment).toBe("consumer");
    expect(deriveSegment(makeSnapshot({ customer: { strategic: true } })).segment).toBe("strategic");
    expect(deriveSegment(makeSnapshot({ customer: { strategic: true, isConsumer: true } })).segment).toBe(
      "consumer",
    );
  });

  it("too little history gives the standard cadence (slow), whatever the stored label", () => {
    const result = deriveSegment(
      makeSnapshot({ customer: { segment: "prompt" }, paidInvoices: history([0, 0]) }),
    );
    expect(result.segment).toBe("slow");
    expect(result.why).toMatch(/too little history \(2 settled/);
  });

  it("prompt: paid on time (within 2 days) nearly always", () => {
    const result = deriveSegment(makeSnapshot({ paidInvoices: history([0, -2, 1, 0, 2, 0, 5, 0, 1, 0]) }));
    expect(result.segment).toBe("prompt");
    expect(result.stats).toMatchObject({ paidCount: 10, medianDaysLate: 0, onTimeShare: 0.9 });
    expect(result.why).toMatch(/median 0 days late/);
  });

  it("slow: late, but not badly", () => {
    const result = deriveSegment(makeSnapshot({ paidInvoices: history([8, 12, 10, 9, 15, 11]) }));
    expect(result.segment).toBe("slow");
    expect(result.stats.medianDaysLate).toBe(10.5);
  });

  it("problem: a median beyond 30 days, or a long tail beyond 45", () => {
    expect(deriveSegment(makeSnapshot({ paidInvoices: history([35, 40, 31, 50]) })).segment).toBe("problem");
    const tail = deriveSegment(makeSnapshot({ paidInvoices: history([0, 2, 5, 60, 70]) }));
    expect(tail.segment).toBe("problem");
    expect(tail.why).toMatch(/a quarter of payments/);
  });

  it("problem: the last 5 payments much later than the earlier ones, even for a customer labelled prompt", () => {
    const worsening = history([0, 0, 1, 0, 0, 20, 25, 22, 28, 30]);
    const result = deriveSegment(makeSnapshot({ customer: { segment: "prompt" }, paidInvoices: worsening }));
    expect(result.segment).toBe("problem");
    expect(result.stats.recentMedianDaysLate).toBe(25);
    expect(result.stats.earlierMedianDaysLate).toBe(0);
    expect(result.why).toContain(`the last ${RECENT_PAYMENTS} payments came a median 25 days late against 0`);
    // The same payments in the opposite order are an improving customer: not a problem.
    expect(
      deriveSegment(makeSnapshot({ paidInvoices: history([...worsening.map((p) => p.daysLate)].reverse()) }))
        .segment,
    ).toBe("slow");
  });

  it("problem: a broken promise in the snapshot", () => {
    const snapshot = makeSnapshot({
      paidInvoices: history([0, 0, 0, 0]),
      promises: [promise({ status: "broken" })],
    });
    expect(deriveSegment(snapshot)).toMatchObject({ segment: "problem", why: "1 broken promise(s) to pay" });
  });

  it(`problem: an undisputed open invoice more than ${PROBLEM_OVERDUE_DAYS} days overdue (not exactly ${PROBLEM_OVERDUE_DAYS}, not disputed)`, () => {
    const onTime = history([0, 0, 0, 0]);
    expect(
      deriveSegment(makeSnapshot({ paidInvoices: onTime, openInvoices: [overdue("INV-1", 61)] })).segment,
    ).toBe("problem");
    expect(
      deriveSegment(makeSnapshot({ paidInvoices: onTime, openInvoices: [overdue("INV-1", 60)] })).segment,
    ).toBe("prompt");
    expect(
      deriveSegment(
        makeSnapshot({ paidInvoices: onTime, openInvoices: [overdue("INV-1", 90, { disputed: true })] }),
      ).segment,
    ).toBe("prompt");
  });

  it("does not depend on the order of the history", () => {
    const ordered = history([0, 0, 1, 0, 0, 20, 25, 22, 28, 30]);
    const shuffled = [
      ordered[7]!,
      ordered[2]!,
      ordered[9]!,
      ordered[0]!,
      ordered[5]!,
      ordered[1]!,
      ordered[8]!,
      ordered[3]!,
      ordered[6]!,
      ordered[4]!,
    ];
    expect(deriveSegment(makeSnapshot({ paidInvoices: shuffled }))).toEqual(
      deriveSegment(makeSnapshot({ paidInvoices: ordered })),
    );
  });

  it("quantile interpolates; paid() derives daysLate from paidOn", () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10, 0, 5], 0.75)).toBe(7.5);
    expect(quantile([], 0.5)).toBeNull();
    expect(paid({ dueDate: "2026-03-01", paidOn: "2026-03-11" }).daysLate).toBe(10);
  });
});
