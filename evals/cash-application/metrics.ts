// How well cash application did, against ground truth, at two levels (nobody publishes how "match
// rate" is defined, so ARC reports both):
//   payment level  a payment counts correct when the allocation (invoices and amounts) equals the truth's
//   invoice level  each (payment, invoice, amount) application counts on its own
// for what was applied automatically and, separately, for the top proposal offered to a reviewer.
//   precision  correct / applied (or proposed)
//   recall     correct / truth (payments that have a truth match; their applications)
//   auto-match rate  payments auto-applied / payments that have a truth match
import type { ReceiptTruth } from "../../db/demo/model.ts";
import type { MatchProposal, PaymentMatch } from "../../tools/cash-matching/index.ts";

export interface LevelScores {
  payment: number;
  invoice: number;
}

export interface CaseBreakdown {
  payments: number;
  /** Payments whose truth has applications. */
  withTruth: number;
  autoApplied: number;
  autoCorrect: number;
  /** Auto-applied and correct, with the same adjustments, deductions, partial flag and unapplied rest. */
  autoExact: number;
  autoWrong: number;
  top1Correct: number;
}

export interface CashMetrics {
  payments: number;
  withTruth: number;
  autoApplied: number;
  autoMatchRate: number;
  precision: LevelScores;
  recall: LevelScores;
  /** The best proposal of every payment, whatever its confidence: what a reviewer sees first. */
  review: { precision: LevelScores; recall: LevelScores; proposed: number };
  byCase: Record<string, CaseBreakdown>;
  /** Auto-applied allocations that differ from the truth (for inspection). */
  errors: { paymentId: string; case: string; why: string; applied: string; truth: string }[];
}

const key = (applications: readonly { invoiceId: string; amountMinor: number }[]) =>
  applications
    .map((a) => `${a.invoiceId}:${a.amountMinor}`)
    .sort()
    .join(",");

const extrasKey = (p: {
  adjustments: readonly { invoiceId: string; kind: string; amountMinor: number }[];
  deductions: readonly { invoiceId: string; amountMinor: number }[];
  partial: boolean;
  leftUnappliedMinor: number;
}) =>
  [
    p.adjustments
      .map((a) => `${a.invoiceId}:${a.kind}:${a.amountMinor}`)
      .sort()
      .join(","),
    p.deductions
      .map((d) => `${d.invoiceId}:${d.amountMinor}`)
      .sort()
      .join(","),
    p.partial,
    p.leftUnappliedMinor,
  ].join("|");

const ratio = (n: number, d: number) => (d === 0 ? 1 : n / d);

interface Tally {
  proposed: number;
  correct: number;
  applications: number;
  correctApplications: number;
}

function tally(
  chosen: (m: PaymentMatch) => MatchProposal | null,
  matches: readonly PaymentMatch[],
  truth: ReadonlyMap<string, ReceiptTruth>,
) {
  const t: Tally = { proposed: 0, correct: 0, applications: 0, correctApplications: 0 };
  for (const m of matches) {
    const p = chosen(m);
    if (!p) continue;
    const expected = truth.get(m.payment.id);
    t.proposed++;
    if (expected && expected.applications.length > 0 && key(p.applications) === key(expected.applications))
      t.correct++;
    const wanted = new Set((expected?.applications ?? []).map((a) => `${a.invoiceId}:${a.amountMinor}`));
    for (const a of p.applications) {
      t.applications++;
      if (wanted.has(`${a.invoiceId}:${a.amountMinor}`)) t.correctApplications++;
    }
  }
  return t;
}

export function scoreMatches(
  matches: readonly PaymentMatch[],
  truth: ReadonlyMap<string, ReceiptTruth>,
): CashMetrics {
  const labelled = matches.filter((m) => truth.has(m.payment.id));
  const withTruth = labelled.filter((m) => truth.get(m.payment.id)!.applications.length > 0);
  const truthApplications = withTruth.reduce((s, m) => s + truth.get(m.payment.id)!.applications.length, 0);

  const auto = tally((m) => m.autoApply, labelled, truth);
  const top = tally((m) => m.proposals[0] ?? null, labelled, truth);
  const autoAmongTruth = withTruth.filter((m) => m.autoApply !== null).length;

  const byCase: Record<string, CaseBreakdown> = {};
  const errors: CashMetrics["errors"] = [];
  for (const m of labelled) {
    const t = truth.get(m.payment.id)!;
    if (!byCase[t.case]) {
      byCase[t.case] = {
        payments: 0,
        withTruth: 0,
        autoApplied: 0,
        autoCorrect: 0,
        autoExact: 0,
        autoWrong: 0,
        top1Correct: 0,
      };
    }
    const c = byCase[t.case]!;
    c.payments++;
    if (t.applications.length > 0) c.withTruth++;
    const best = m.proposals[0];
    if (best && t.applications.length > 0 && key(best.applications) === key(t.applications)) c.top1Correct++;
    if (!m.autoApply) continue;
    c.autoApplied++;
    if (t.applications.length > 0 && key(m.autoApply.applications) === key(t.applications)) {
      c.autoCorrect++;
      if (extrasKey(m.autoApply) === extrasKey(t)) c.autoExact++;
    } else {
      c.autoWrong++;
      errors.push({
        paymentId: m.payment.id,
        case: t.case,
        why: m.autoApply.why,
        applied: key(m.autoApply.applications),
        truth: key(t.applications),
      });
    }
  }
  return {
    payments: labelled.length,
    withTruth: withTruth.length,
    autoApplied: auto.proposed,
    autoMatchRate: ratio(autoAmongTruth, withTruth.length),
    precision: {
      payment: ratio(auto.correct, auto.proposed),
      invoice: ratio(auto.correctApplications, auto.applications),
    },
    recall: {
      payment: ratio(auto.correct, withTruth.length),
      invoice: ratio(auto.correctApplications, truthApplications),
    },
    review: {
      proposed: top.proposed,
      precision: {
        payment: ratio(top.correct, top.proposed),
        invoice: ratio(top.correctApplications, top.applications),
      },
      recall: {
        payment: ratio(top.correct, withTruth.length),
        invoice: ratio(top.correctApplications, truthApplications),
      },
    },
    byCase: Object.fromEntries(Object.entries(byCase).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    errors,
  };
}
