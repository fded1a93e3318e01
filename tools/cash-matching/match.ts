// Matching a batch of payments: identify every payer first (against the balances as given), then
// match in the order received (then id). A proposal applied automatically takes its balances (and
// the residuals its adjustments close) away from later payments, so several payments for one
// invoice work through it and no balance is taken twice; review proposals see the balances left.
//
// Per-customer and portfolio-wide runs agree: a payment's proposals depend only on its identified
// customer's open invoices, so a directory of one customer gives that customer's payments the same
// answers as a directory of all — provided the identification is the same. Identify portfolio-wide
// (identifyPayer on the portfolio directory) and pass the result in `options.payers`; do not write
// an identified customer into `payment.customerId`, which would turn a name match into an
// assignment and lift its cap.
import { checkProposal, compareProposals } from "./check.ts";
import { PAYER, payerCap, UNIDENTIFIED_AMOUNT, UNIDENTIFIED_CAP } from "./confidence.ts";
import type { Directory } from "./directory.ts";
import { identifyWithHits } from "./identify.ts";
import { MAX_PROPOSALS, money, proposeForCustomer } from "./propose.ts";
import { DEFAULT_MATCH_SETTINGS } from "./settings.ts";
import { accountTail, compareText } from "./text.ts";
import type {
  MatchInvoice,
  MatchPayment,
  MatchProposal,
  MatchSettings,
  PayerIdentification,
  PaymentMatch,
} from "./types.ts";

export interface MatchOptions {
  /** Identifications made earlier (e.g. portfolio-wide), by payment id; others are identified here. */
  payers?: ReadonlyMap<string, PayerIdentification>;
}

/** Received first, then id, then reference: a total order. */
export function byReceived(a: MatchPayment, b: MatchPayment): number {
  return (
    compareText(a.receivedOn, b.receivedOn) ||
    compareText(a.id, b.id) ||
    compareText(a.externalRef, b.externalRef)
  );
}

function payerWords(payment: MatchPayment, payer: PayerIdentification): { payerWhy: string; capWhy: string } {
  switch (payer.method) {
    case "assigned":
      return { payerWhy: "payment assigned to the customer", capWhy: "" };
    case "account":
      return {
        payerWhy:
          `paid from the customer's bank account ${payment.payerAccount ? accountTail(payment.payerAccount) : ""}`.trim(),
        capWhy: "",
      };
    case "reference":
      return {
        payerWhy: "payer identified by what the remittance cites",
        capWhy: `capped at ${payer.confidence}: the payer is known only from the remittance`,
      };
    case "name":
      return {
        payerWhy: "payer identified by name only",
        capWhy: `capped at ${PAYER.nameCap}: a payer identified only by name is never applied automatically`,
      };
    default:
      return {
        payerWhy: "payer not identified",
        capWhy: `capped at ${UNIDENTIFIED_CAP}: nobody identified the payer`,
      };
  }
}

export function matchPayments(
  payments: readonly MatchPayment[],
  dir: Directory,
  settings: MatchSettings = DEFAULT_MATCH_SETTINGS,
  options: MatchOptions = {},
): PaymentMatch[] {
  const ordered = [...payments].sort(byReceived);
  const hits = ordered.map((p) => dir.references.hits(p.remittanceText));
  const payers = ordered.map(
    (p, k) => options.payers?.get(p.id) ?? identifyWithHits(p, dir, settings, hits[k]!),
  );

  const balances = new Map<string, number>(); // invoice id → balance, where changed by this run
  const openCache = new Map<string, MatchInvoice[]>(); // per customer, until one of its balances changes
  const openOf = (customerId: string): MatchInvoice[] => {
    const cached = openCache.get(customerId);
    if (cached) return cached;
    const out: MatchInvoice[] = [];
    for (const invoice of dir.invoicesByCustomer.get(customerId) ?? []) {
      const balance = balances.get(invoice.id) ?? invoice.balanceMinor;
      if (balance > 0)
        out.push(balance === invoice.balanceMinor ? invoice : { ...invoice, balanceMinor: balance });
    }
    openCache.set(customerId, out);
    return out;
  };
  const prefixCache = new Map<string, ReadonlySet<string>>();
  const prefixesOf = (customerId: string): ReadonlySet<string> => {
    let set = prefixCache.get(customerId);
    if (!set) {
      const found = new Set<string>();
      for (const invoice of dir.invoicesByCustomer.get(customerId) ?? []) {
        const prefix = dir.references.prefixOf(invoice.id);
        if (prefix) found.add(prefix);
      }
      set = found;
      prefixCache.set(customerId, set);
    }
    return set;
  };

  const results: PaymentMatch[] = [];
  for (let k = 0; k < ordered.length; k++) {
    const payment = ordered[k]!;
    const payer = payers[k]!;
    const { payerWhy, capWhy } = payerWords(payment, payer);
    let proposals: MatchProposal[];
    let open: MatchInvoice[] = [];
    if (payer.customerId !== null) {
      open = openOf(payer.customerId);
      proposals = proposeForCustomer({
        payment,
        customerId: payer.customerId,
        open,
        hits: hits[k]!,
        prefixes: prefixesOf(payer.customerId),
        settings,
        cap: payerCap(payer.method, payer.confidence),
        payerWhy,
        capWhy,
      });
    } else {
      proposals = unidentifiedProposals(
        payment,
        payer,
        dir,
        settings,
        hits[k]!,
        openOf,
        prefixesOf,
        balances,
      );
    }
    let autoApply: MatchProposal | null = null;
    const best = proposals[0];
    if (
      best &&
      payer.customerId !== null &&
      (payer.method === "assigned" || payer.method === "account" || payer.method === "reference") &&
      best.confidence >= settings.autoApplyThreshold &&
      checkProposal(best, payment, open) === null
    ) {
      autoApply = best;
      openCache.delete(best.customerId);
      for (const a of best.applications)
        balances.set(
          a.invoiceId,
          (balances.get(a.invoiceId) ?? dir.invoices.get(a.invoiceId)!.balanceMinor) - a.amountMinor,
        );
      for (const a of best.adjustments) balances.set(a.invoiceId, balances.get(a.invoiceId)! - a.amountMinor);
    }
    results.push({ payment, payer, proposals, autoApply });
  }
  return results;
}

/**
 * Nobody identified the payer: proposals against the top candidates' invoices and, failing those, an
 * exact amount anywhere in the portfolio — all capped below the threshold.
 */
function unidentifiedProposals(
  payment: MatchPayment,
  payer: PayerIdentification,
  dir: Directory,
  settings: MatchSettings,
  hits: ReturnType<Directory["references"]["hits"]>,
  openOf: (customerId: string) => MatchInvoice[],
  prefixesOf: (customerId: string) => ReadonlySet<string>,
  balances: ReadonlyMap<string, number>,
): MatchProposal[] {
  const { payerWhy, capWhy } = payerWords(payment, payer);
  const out: MatchProposal[] = [];
  for (const candidate of payer.candidates.slice(0, 3)) {
    const open = openOf(candidate.customerId);
    const name = dir.customers.get(candidate.customerId)?.name ?? candidate.customerId;
    for (const p of proposeForCustomer({
      payment,
      customerId: candidate.customerId,
      open,
      hits,
      prefixes: prefixesOf(candidate.customerId),
      settings,
      cap: UNIDENTIFIED_CAP,
      payerWhy: `${payerWhy}; if it is ${name} (${candidate.method})`,
      capWhy,
    }).slice(0, 2))
      out.push(p);
  }
  if (out.length === 0 && payment.unappliedMinor > 0) {
    const ids = dir.byAmount.get(`${payment.currency}:${payment.unappliedMinor}`) ?? [];
    const fits = ids
      .map((id) => dir.invoices.get(id)!)
      .filter((i) => (balances.get(i.id) ?? i.balanceMinor) === payment.unappliedMinor && !i.disputed);
    for (const invoice of fits.slice(0, 3)) {
      out.push({
        paymentId: payment.id,
        customerId: invoice.customerId,
        method: "amount",
        applications: [{ invoiceId: invoice.id, amountMinor: payment.unappliedMinor }],
        adjustments: [],
        deductions: [],
        partial: false,
        leftUnappliedMinor: 0,
        confidence: UNIDENTIFIED_AMOUNT,
        why: `${payerWhy}; ${money(payment.unappliedMinor, payment.currency)} equals the balance of invoice ${invoice.externalRef} of ${dir.customers.get(invoice.customerId)?.name ?? "another customer"}${fits.length > 1 ? ` (and of ${fits.length - 1} other open invoice(s))` : ""}; ${capWhy}`,
      });
    }
  }
  return out.sort(compareProposals).slice(0, MAX_PROPOSALS);
}
