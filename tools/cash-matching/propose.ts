// Proposals for one payment against one customer's open invoices (balances as they stand now).
// Each proposal says what it applies, what closes the rest (adjustments) or what is disputed
// (deductions), what stays unapplied, how sure it is and why — naming invoices by their numbers and
// never quoting the remittance. Confidences come from confidence.ts; the cap for how the payer was
// identified is applied last.
import { currencyExponent, isKnownCurrency } from "../../db/money.ts";
import { allocationKey, checkProposal, compareProposals } from "./check.ts";
import {
  AMOUNT_ONLY,
  CITED_PLUS_SUBSET_PENALTY,
  GAP_PENALTY,
  OLDEST_FIRST,
  REFERENCE_EXACT_AMOUNT,
  round3,
  SUBSET,
  SUSPICIOUS_TEXT_CAP,
} from "./confidence.ts";
import { byAge } from "./directory.ts";
import { type GapExplanation, gapExplanations } from "./gaps.ts";
import {
  type Citation,
  type Hit,
  looksLikeInvoiceCitation,
  QUALITY_WORDS,
  qualityRank,
  type ReferenceQuality,
  resolveCitations,
} from "./references.ts";
import { itemsWithinBudget, subsetSums } from "./subset.ts";
import { declaresPartial, looksLikeInstructions } from "./text.ts";
import type {
  Adjustment,
  Application,
  MatchInvoice,
  MatchPayment,
  MatchProposal,
  MatchSettings,
} from "./types.ts";

export const MAX_PROPOSALS = 5;

export interface ProposalInput {
  payment: MatchPayment;
  customerId: string;
  /** The customer's open invoices with their current balances (> 0), oldest first, any currency. */
  open: readonly MatchInvoice[];
  hits: readonly Hit[];
  /** The leading letters of the customer's invoice numbers ("INV"). */
  prefixes: ReadonlySet<string>;
  settings: MatchSettings;
  /** Highest confidence any proposal may have, from how the payer was identified. */
  cap: number;
  /** How the payer was identified, as the opening of every explanation. */
  payerWhy: string;
  /** Why the cap applies, when it lowers a proposal. */
  capWhy: string;
}

const formatters = new Map<string, Intl.NumberFormat>();

/** "$1,234.56" (db/money.ts's formatMoney, with its formatter kept per currency). */
export function money(minor: number, currency: string): string {
  if (!isKnownCurrency(currency)) return `${minor} ${currency} (minor units)`;
  let f = formatters.get(currency);
  if (!f) {
    const exponent = currencyExponent(currency);
    f = new Intl.NumberFormat("en-US", {
      style: "currency",
      currency,
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
    });
    formatters.set(currency, f);
  }
  return f.format(minor / 10 ** currencyExponent(currency));
}

const refs = (invoices: readonly MatchInvoice[]) => invoices.map((i) => i.externalRef).join(", ");
const sum = (invoices: readonly MatchInvoice[]) => invoices.reduce((s, i) => s + i.balanceMinor, 0);

interface Draft {
  method: MatchProposal["method"];
  applications: Application[];
  adjustments?: Adjustment[];
  deductions?: { invoiceId: string; amountMinor: number }[];
  partial?: boolean;
  left?: number;
  confidence: number;
  why: string;
}

/** Allocates `amount` over invoices in the given order, never above a balance. */
function allocate(amount: number, invoices: readonly MatchInvoice[]): Application[] {
  const out: Application[] = [];
  let left = amount;
  for (const invoice of invoices) {
    if (left <= 0) break;
    const take = Math.min(left, invoice.balanceMinor);
    if (take > 0) out.push({ invoiceId: invoice.id, amountMinor: take });
    left -= take;
  }
  return out;
}

const full = (invoices: readonly MatchInvoice[]): Application[] =>
  invoices.map((i) => ({ invoiceId: i.id, amountMinor: i.balanceMinor }));

/** Every choice of one invoice per group (at most MAX_READINGS of them). */
const MAX_READINGS = 256;
function readings(groups: readonly MatchInvoice[][]): MatchInvoice[][] {
  if (groups.reduce((n, g) => n * g.length, 1) > MAX_READINGS) return [];
  let out: MatchInvoice[][] = [[]];
  for (const group of groups) out = out.flatMap((combo) => group.map((invoice) => [...combo, invoice]));
  return out;
}

/** Cited invoices grouped by overlapping text windows, groups in text order, each oldest first. */
function groupByWindow(
  cited: readonly MatchInvoice[],
  citations: ReadonlyMap<string, Citation>,
): MatchInvoice[][] {
  const sorted = [...cited].sort((a, b) => {
    const x = citations.get(a.id)!;
    const y = citations.get(b.id)!;
    return x.start - y.start || x.end - y.end || byAge(a, b);
  });
  const groups: { end: number; invoices: MatchInvoice[] }[] = [];
  for (const invoice of sorted) {
    const c = citations.get(invoice.id)!;
    const last = groups[groups.length - 1];
    if (last && c.start <= last.end) {
      last.invoices.push(invoice);
      last.end = Math.max(last.end, c.end);
    } else groups.push({ end: c.end, invoices: [invoice] });
  }
  return groups.map((g) => g.invoices.sort(byAge));
}

export function proposeForCustomer(input: ProposalInput): MatchProposal[] {
  const { payment, customerId, open, settings } = input;
  const amount = payment.unappliedMinor;
  if (!(amount > 0)) return [];
  const cur = payment.currency;
  const fmt = (minor: number) => money(minor, cur);
  const text = payment.remittanceText;

  const inScope = new Set(open.map((i) => i.id));
  const citations = new Map(
    resolveCitations(input.hits, (id) => inScope.has(id)).map((c) => [c.invoiceId, c]),
  );
  const quality = new Map<string, ReferenceQuality>([...citations].map(([id, c]) => [id, c.quality]));
  const citedAll = open.filter((i) => quality.has(i.id)); // oldest first
  const cited = citedAll.filter((i) => i.currency === cur);
  const citedElsewhere = citedAll.filter((i) => i.currency !== cur);
  const same = open.filter((i) => i.currency === cur);
  const undisputed = same.filter((i) => !i.disputed);

  const citesUnknown = citedAll.length === 0 && looksLikeInvoiceCitation(text, input.prefixes);
  const partialDeclared = declaresPartial(text);
  const suspicious = looksLikeInstructions(text);
  const subsetN = itemsWithinBudget(settings.subsetNodeBudget, settings.maxSubsetInvoices);

  const R = (i: MatchInvoice) => REFERENCE_EXACT_AMOUNT[quality.get(i.id)!];
  const weakest = (invoices: readonly MatchInvoice[]) => Math.min(...invoices.map(R));
  const citedWords = (invoices: readonly MatchInvoice[]) =>
    invoices
      .map(
        (i) =>
          `${i.externalRef} ${QUALITY_WORDS[quality.get(i.id)!]}${i.disputed ? " (disputed, cited explicitly)" : ""}`,
      )
      .join(", ");
  // Amount-only evidence is weaker when the text points elsewhere.
  const amountFlagCap =
    cited.length > 0 || citedElsewhere.length > 0
      ? AMOUNT_ONLY.citesOther
      : citesUnknown
        ? AMOUNT_ONLY.citesUnknown
        : 1;
  const amountFlagWords =
    cited.length > 0 || citedElsewhere.length > 0
      ? ", though the remittance cites other invoices"
      : citesUnknown
        ? ", though the remittance cites an invoice number that is not among the open ones"
        : ", and the remittance cites no invoice";

  const drafts: Draft[] = [];
  const add = (d: Draft) => drafts.push(d);

  /** The first explanation of a single invoice's gap, declared partial in between the two groups. */
  const shortPay = (invoice: MatchInvoice, paid: number, base: number, words: string) => {
    const gap = invoice.balanceMinor - paid;
    const explanations = gapExplanations(invoice, payment, gap, settings);
    const computed = explanations.find((e) => e.computed);
    const tolerance = explanations.find((e) => !e.computed);
    const apply = [{ invoiceId: invoice.id, amountMinor: paid }];
    const adjusted = (e: GapExplanation) =>
      add({
        method: "reference",
        applications: apply,
        adjustments: [{ invoiceId: invoice.id, kind: e.kind, amountMinor: gap }],
        confidence: base - e.penalty,
        why: `${words}; pays ${fmt(paid)} of its ${fmt(invoice.balanceMinor)}, the ${fmt(gap)} difference being ${e.why}`,
      });
    if (computed) return adjusted(computed);
    if (partialDeclared) {
      return add({
        method: "reference",
        applications: apply,
        partial: true,
        confidence: base - GAP_PENALTY.declaredPartial,
        why: `${words}; a declared part payment of ${fmt(paid)} of its ${fmt(invoice.balanceMinor)}, ${fmt(gap)} stays open`,
      });
    }
    if (tolerance) return adjusted(tolerance);
    const fitsOther = undisputed.find((i) => i.id !== invoice.id && i.balanceMinor === paid);
    add({
      method: "reference",
      applications: apply,
      deductions: [{ invoiceId: invoice.id, amountMinor: gap }],
      confidence: base - (fitsOther ? GAP_PENALTY.deductionAmountFitsOther : GAP_PENALTY.deduction),
      why: `${words}; short by ${fmt(gap)}, beyond every tolerance and not declared partial: a deduction for the dispute agent${fitsOther ? `, unless it pays ${fitsOther.externalRef} (whose balance it equals) under a wrong reference` : ""}`,
    });
  };

  // A. References. Cited invoices whose text windows overlap are alternative readings of one place
  // in the text (a lost digit reads as several numbers): the amount may pick one of them, but they
  // are not several invoices cited.
  if (cited.length > 0) {
    const groups = groupByWindow(cited, citations);
    const single = groups.length === 1;
    for (const group of groups) {
      const fits = group.filter((i) => i.balanceMinor === amount);
      for (const invoice of fits) {
        const words = `remittance: invoice ${citedWords([invoice])}`;
        add({
          method: "reference",
          applications: full([invoice]),
          confidence:
            fits.length > 1 ? AMOUNT_ONLY.ambiguous : R(invoice) - (single ? 0 : CITED_PLUS_SUBSET_PENALTY),
          why: `${words}, and the amount equals its balance${single ? "" : " (the other cited invoices stay open)"}${fits.length > 1 ? `; ${fits.length - 1} other reading(s) of that number fit too` : ""}`,
        });
      }
    }
    // One invoice per place in the text: the best reading, when it is the only one that good.
    const primaries = groups.map((group) => {
      const best = Math.min(...group.map((i) => qualityRank(quality.get(i.id)!)));
      const top = group.filter((i) => qualityRank(quality.get(i.id)!) === best);
      return top.length === 1 ? top[0]! : null;
    });
    const main = primaries.every((p) => p !== null) ? (primaries as MatchInvoice[]).sort(byAge) : [];
    const total = sum(main);
    const others = main.length > 1;
    if (main.length === 1 && amount < main[0]!.balanceMinor) {
      shortPay(main[0]!, amount, R(main[0]!), `remittance: invoice ${citedWords(main)}`);
    }
    // One reading per place in the text whose balances sum to the amount.
    if (groups.length > 1) {
      const combos = readings(groups).filter((combo) => sum(combo) === amount);
      for (const combo of combos.slice(0, 2)) {
        const chosen = [...combo].sort(byAge);
        add({
          method: "reference",
          applications: full(chosen),
          confidence: combos.length === 1 ? weakest(chosen) : SUBSET.ambiguous,
          why: `remittance: invoices ${citedWords(chosen)}, and the amount equals the sum of their balances${combos.length > 1 ? ", but so does another reading of the cited numbers" : ""}`,
        });
      }
    }
    if (main.length >= 3 && amount < total) {
      const found = subsetSums(
        main.map((i) => i.balanceMinor),
        amount,
        2,
        main.length,
      );
      for (const solution of found.solutions) {
        const chosen = solution.map((k) => main[k]!);
        if (chosen.length === main.length) continue;
        add({
          method: "reference",
          applications: full(chosen),
          confidence: found.count === 1 ? weakest(chosen) - CITED_PLUS_SUBSET_PENALTY : SUBSET.ambiguous,
          why: `remittance cites ${main.length} invoices; ${refs(chosen)} among them sum exactly to the amount${found.count > 1 ? ", but so does another set of them" : ""}`,
        });
      }
    }
    if (main.length > 0 && amount > total) {
      const extra = amount - total;
      const rest = undisputed.filter((i) => !quality.has(i.id));
      const found = subsetSums(
        rest.map((i) => i.balanceMinor),
        extra,
        1,
        subsetN,
      );
      for (const solution of found.solutions) {
        const added = solution.map((k) => rest[k]!);
        add({
          method: "reference",
          applications: full([...main, ...added].sort(byAge)),
          confidence:
            found.count === 1
              ? weakest(main) - CITED_PLUS_SUBSET_PENALTY
              : Math.min(SUBSET.ambiguous, weakest(main)),
          why: `remittance: invoice${others ? "s" : ""} ${citedWords(main)}; the amount equals ${others ? "their" : "its"} balance plus ${refs(added)}${found.count === 1 ? ", the only open invoices that make up the difference" : ", but other sets of open invoices also make up the difference"}`,
        });
      }
      const fxExcess =
        payment.original !== null &&
        payment.original.currency !== cur &&
        extra * 100 <= total * settings.fxTolerancePercent;
      const overpaid = weakest(main) - GAP_PENALTY.overpayment;
      add({
        method: "reference",
        applications: full(main),
        left: extra,
        confidence: found.count > 0 ? Math.min(AMOUNT_ONLY.alsoSubset, overpaid) : overpaid,
        why: `remittance: invoice${others ? "s" : ""} ${citedWords(main)}; pays ${fmt(extra)} more than ${others ? "their" : "its"} balance${fxExcess ? " (a favourable FX difference on a converted payment)" : ""}, left unapplied as credit`,
      });
    }
    if (others && amount < total) {
      const gap = total - amount;
      const discounted = main.every(
        (i) => i.earlyDiscount !== null && payment.receivedOn <= i.earlyDiscount.until,
      )
        ? main.map((i) => Math.round((i.balanceMinor * i.earlyDiscount!.percent) / 100))
        : null;
      const discountTotal = discounted?.reduce((s, d) => s + d, 0) ?? -1;
      const newest = main[main.length - 1]!;
      const pseudo: MatchInvoice = { ...newest, balanceMinor: total, earlyDiscount: null };
      const explanation = gapExplanations(pseudo, payment, gap, settings)[0];
      if (discounted && Math.abs(discountTotal - gap) <= main.length) {
        const adjustments = main.map((i, k) => ({
          invoiceId: i.id,
          kind: "early_payment_discount" as const,
          amountMinor: discounted[k]! + (k === main.length - 1 ? gap - discountTotal : 0),
        }));
        add({
          method: "reference",
          applications: main.map((i, k) => ({
            invoiceId: i.id,
            amountMinor: i.balanceMinor - adjustments[k]!.amountMinor,
          })),
          adjustments: adjustments.filter((a) => a.amountMinor > 0),
          confidence: weakest(main) - GAP_PENALTY.earlyDiscount,
          why: `remittance: invoices ${citedWords(main)}; pays their balances less each one's early-payment discount, taken in time`,
        });
      } else if (explanation && !partialDeclared && gap < newest.balanceMinor) {
        add({
          method: "reference",
          applications: main.map((i) => ({
            invoiceId: i.id,
            amountMinor: i === newest ? i.balanceMinor - gap : i.balanceMinor,
          })),
          adjustments: [{ invoiceId: newest.id, kind: explanation.kind, amountMinor: gap }],
          confidence: weakest(main) - explanation.penalty,
          why: `remittance: invoices ${citedWords(main)}; pays ${fmt(gap)} less than their balances, the difference being ${explanation.why} (booked on ${newest.externalRef})`,
        });
      } else {
        const applications = allocate(amount, main);
        const short = applications
          .map((a) => ({
            invoiceId: a.invoiceId,
            amountMinor: main.find((i) => i.id === a.invoiceId)!.balanceMinor - a.amountMinor,
          }))
          .filter((d) => d.amountMinor > 0);
        add({
          method: "reference",
          applications,
          ...(partialDeclared ? { partial: true } : { deductions: short }),
          confidence: weakest(main) - GAP_PENALTY.splitGuess,
          why: `remittance: invoices ${citedWords(main)}; pays ${fmt(gap)} less than their balances${partialDeclared ? " (declared a part payment)" : ""}, allocated oldest first: which invoice is short is a guess`,
        });
      }
    }
  }

  // B. Amount only: one open, undisputed invoice has exactly this balance.
  const exact = undisputed.filter((i) => i.balanceMinor === amount && !quality.has(i.id));
  const subsets =
    cited.length === 0
      ? subsetSums(
          undisputed.map((i) => i.balanceMinor),
          amount,
          2,
          subsetN,
        )
      : null;
  if (exact.length === 1) {
    const invoice = exact[0]!;
    const alsoSubset = (subsets?.count ?? 0) > 0;
    add({
      method: "amount",
      applications: full([invoice]),
      confidence: Math.min(alsoSubset ? AMOUNT_ONLY.alsoSubset : AMOUNT_ONLY.unique, amountFlagCap),
      why: `the amount equals the balance of invoice ${invoice.externalRef}, the only open invoice with that balance${alsoSubset ? " (though a set of other invoices also sums to it)" : ""}${amountFlagWords}`,
    });
  } else if (exact.length > 1) {
    for (const invoice of exact.slice(0, 2)) {
      add({
        method: "amount",
        applications: full([invoice]),
        confidence: Math.min(AMOUNT_ONLY.ambiguous, amountFlagCap),
        why: `the amount equals the balance of invoice ${invoice.externalRef} and of ${exact.length - 1} other open invoice(s)${amountFlagWords}`,
      });
    }
  } else if (cited.length === 0) {
    // One invoice fits once an explained gap is taken into account.
    const fits: { invoice: MatchInvoice; explanation: GapExplanation }[] = [];
    for (const invoice of undisputed) {
      const gap = invoice.balanceMinor - amount;
      if (gap <= 0) continue;
      const explanation = gapExplanations(invoice, payment, gap, settings)[0];
      if (explanation) fits.push({ invoice, explanation });
    }
    for (const { invoice, explanation } of fits.slice(0, 2)) {
      const gap = invoice.balanceMinor - amount;
      add({
        method: "amount",
        applications: [{ invoiceId: invoice.id, amountMinor: amount }],
        adjustments: [{ invoiceId: invoice.id, kind: explanation.kind, amountMinor: gap }],
        confidence: Math.min(
          fits.length === 1 ? AMOUNT_ONLY.uniqueWithGap : AMOUNT_ONLY.ambiguous,
          amountFlagCap,
        ),
        why: `no invoice cited; the amount is ${fmt(gap)} short of invoice ${invoice.externalRef}'s balance, the difference being ${explanation.why}${fits.length > 1 ? ` (${fits.length} invoices fit this way)` : ""}`,
      });
    }
  }

  // C. Subset sum over the oldest open invoices (nothing cited).
  if (subsets && subsets.count > 0) {
    const truncated = undisputed.length > subsets.considered;
    for (const solution of subsets.solutions) {
      const chosen = solution.map((k) => undisputed[k]!);
      const oldest = solution.every((k, j) => k === j);
      let confidence: number =
        subsets.count > 1
          ? SUBSET.ambiguous
          : oldest
            ? SUBSET.uniqueOldest
            : truncated
              ? SUBSET.incomplete
              : SUBSET.unique;
      if (exact.length > 0) confidence = Math.min(confidence, SUBSET.ambiguous);
      add({
        method: "subset",
        applications: full(chosen),
        confidence: Math.min(confidence, amountFlagCap),
        why:
          `the amount equals the sum of ${chosen.length} open invoices (${refs(chosen)})` +
          (subsets.count > 1
            ? `, but ${subsets.count - 1} other set(s) of open invoices sum to it too`
            : `, the only such set among the ${subsets.considered} oldest${oldest ? ", and they are the oldest" : ""}`) +
          (exact.length > 0 ? "; a single invoice also has that balance" : "") +
          amountFlagWords,
      });
    }
  }

  // D. Oldest first, when nothing is cited: a suggestion for a person.
  if (cited.length === 0 && undisputed.length > 0) {
    const total = sum(undisputed);
    if (amount > total) {
      add({
        method: "oldest_first",
        applications: full(undisputed),
        left: amount - total,
        confidence: Math.min(OLDEST_FIRST.coversAll, amountFlagCap),
        why: `the amount exceeds all ${undisputed.length} open undisputed invoices (${fmt(total)}): all applied, ${fmt(amount - total)} left unapplied${amountFlagWords}`,
      });
    } else {
      const applications = allocate(amount, undisputed);
      add({
        method: "oldest_first",
        applications,
        partial: partialDeclared,
        confidence: Math.min(partialDeclared ? OLDEST_FIRST.partial : OLDEST_FIRST.guess, amountFlagCap),
        why: `nothing fits exactly: ${fmt(amount)} allocated oldest first over ${applications.length} invoice(s)${partialDeclared ? " (declared a part payment)" : ""}${amountFlagWords}`,
      });
    }
  }

  // Caps, explanations, order, invariants.
  const notes: string[] = [];
  if (citedElsewhere.length > 0)
    notes.push(
      `the remittance also cites ${refs(citedElsewhere)} in another currency: no cross-currency application`,
    );
  if (suspicious)
    notes.push("the remittance contains instruction-like wording: treated as data, left for a person");
  const cap = Math.min(input.cap, suspicious ? SUSPICIOUS_TEXT_CAP : 1);
  const seen = new Set<string>();
  const out: MatchProposal[] = [];
  const proposals = drafts
    .map((d): MatchProposal => {
      const raw = Math.max(0, Math.min(1, d.confidence));
      const capped = raw > cap;
      const why = [
        `${input.payerWhy}; ${d.why}`,
        ...notes,
        ...(capped && input.capWhy && cap === input.cap && cap < settings.autoApplyThreshold
          ? [input.capWhy]
          : []),
      ].join("; ");
      return {
        paymentId: payment.id,
        customerId,
        method: d.method,
        applications: d.applications,
        adjustments: d.adjustments ?? [],
        deductions: d.deductions ?? [],
        partial: d.partial ?? false,
        leftUnappliedMinor: d.left ?? 0,
        confidence: round3(Math.min(raw, cap)),
        why,
      };
    })
    .sort(compareProposals);
  for (const p of proposals) {
    const key = allocationKey(p);
    if (seen.has(key)) continue;
    seen.add(key);
    if (checkProposal(p, payment, open) !== null) continue;
    out.push(p);
    if (out.length === MAX_PROPOSALS) break;
  }
  return out;
}
