// Who paid? In order of strength: the payment row already says; the bank account it came from
// belongs to exactly one customer (own account or learned mapping); the invoice numbers it cites
// (with the amount as tie-breaker: portfolio-wide, a typo'd number is often another customer's real
// one); the customer's own reference cited; the payer's name (fuzzy, refusing ties). Evidence that
// agrees adds up a little; evidence that disagrees leaves the choice to a person.
import {
  AGREEMENT_BONUS,
  NAME_SCORE,
  NAME_TIE_POINTS,
  NEAR_DUPLICATE_NAMES,
  PAYER,
  REFERENCE_FIT,
  REFERENCE_IDENTIFICATION,
  round3,
  SHARED_ACCOUNT_AGREEMENT,
  TIE_MARGIN,
} from "./confidence.ts";
import type { Directory } from "./directory.ts";
import { explainGap } from "./gaps.ts";
import { nameSimilarity, normalizeName } from "./names.ts";
import { type Hit, QUALITY_WORDS, qualityRank, type ReferenceQuality } from "./references.ts";
import { DEFAULT_MATCH_SETTINGS } from "./settings.ts";
import { accountTail, atomize, compareText, declaresPartial, normalizeAccount, stripZeros } from "./text.ts";
import type {
  MatchInvoice,
  MatchPayment,
  MatchSettings,
  PayerCandidate,
  PayerIdentification,
} from "./types.ts";

type Fit = keyof typeof REFERENCE_FIT;

interface Evidence {
  reference?: { confidence: number; refs: string[]; quality: ReferenceQuality; fit: Fit };
  customerRef?: number;
  sharedAccount?: number;
  name?: { confidence: number; score: number; mapping: boolean };
}

const FIT_WORDS: Record<Fit, string> = {
  exact: "the amount equals the balance",
  explained: "the amount is short by an explained gap",
  partial: "a declared part payment",
  none: "the amount does not fit",
};

/** How well the payment fits one customer's cited invoices, and the best confidence that gives. */
function referenceEvidence(
  payment: MatchPayment,
  cited: { invoice: MatchInvoice; quality: ReferenceQuality }[],
  settings: MatchSettings,
): NonNullable<Evidence["reference"]> {
  const amount = payment.unappliedMinor;
  const options: NonNullable<Evidence["reference"]>[] = [];
  const option = (quality: ReferenceQuality, fit: Fit, refs: string[]) => {
    options.push({
      confidence: REFERENCE_IDENTIFICATION[quality] * REFERENCE_FIT[fit],
      refs,
      quality,
      fit,
    });
  };
  const partial = declaresPartial(payment.remittanceText);
  const same = cited.filter((c) => c.invoice.currency === payment.currency);
  for (const { invoice, quality } of cited) {
    const fits = invoice.currency === payment.currency;
    const gap = invoice.balanceMinor - amount;
    const fit: Fit = !fits
      ? "none"
      : gap === 0
        ? "exact"
        : gap > 0 && explainGap(invoice, payment, gap, settings) !== null
          ? "explained"
          : gap > 0 && partial
            ? "partial"
            : "none";
    option(quality, fit, [invoice.externalRef]);
  }
  if (same.length >= 2 && same.reduce((s, c) => s + c.invoice.balanceMinor, 0) === amount) {
    const weakest = same.reduce(
      (w, c) => (qualityRank(c.quality) > qualityRank(w) ? c.quality : w),
      "exact" as ReferenceQuality,
    );
    option(
      weakest,
      "exact",
      same.map((c) => c.invoice.externalRef),
    );
  }
  options.sort((a, b) => b.confidence - a.confidence || compareText(a.refs.join(","), b.refs.join(",")));
  return (
    options[0] ?? {
      confidence: 0,
      refs: cited.map((c) => c.invoice.externalRef),
      quality: "partial",
      fit: "none",
    }
  );
}

/** Customer references cited as whole tokens ("C-000123", "C000123", "c 123"). */
function citedCustomerRefs(text: string | null, dir: Directory): string[] {
  if (!text || dir.customerRefs.size === 0) return [];
  const atoms = atomize(text);
  if (atoms.length === 0) return [];
  const parts: string[] = [];
  for (const a of atoms) {
    const text = a.digits ? stripZeros(a.text) : a.text;
    parts[a.token] = parts[a.token] === undefined ? text : `${parts[a.token]}|${text}`;
  }
  const found = new Set<string>();
  for (let start = 0; start < parts.length; start++) {
    let window = "";
    for (let end = start; end < Math.min(parts.length, start + 3); end++) {
      window = window ? `${window}|${parts[end]}` : parts[end]!;
      const id = dir.customerRefs.get(window);
      if (id) found.add(id);
    }
  }
  return [...found].sort(compareText);
}

function nameConfidence(score: number, cutoff: number): number {
  const span = Math.max(1, 100 - cutoff);
  return NAME_SCORE.min + ((NAME_SCORE.max - NAME_SCORE.min) * Math.min(span, score - cutoff)) / span;
}

export function identifyPayer(
  payment: MatchPayment,
  dir: Directory,
  settings: MatchSettings = DEFAULT_MATCH_SETTINGS,
): PayerIdentification {
  return identifyWithHits(payment, dir, settings);
}

/** As identifyPayer; `hits` are the remittance's readings when already known (read on demand otherwise). */
export function identifyWithHits(
  payment: MatchPayment,
  dir: Directory,
  settings: MatchSettings,
  known?: readonly Hit[],
): PayerIdentification {
  const customerName = (id: string) => dir.customers.get(id)?.name ?? id;
  if (payment.customerId !== null) {
    return {
      customerId: payment.customerId,
      method: "assigned",
      confidence: PAYER.assigned,
      why: `payment already assigned to ${customerName(payment.customerId)}`,
      candidates: [{ customerId: payment.customerId, method: "assigned", score: PAYER.assigned }],
    };
  }

  const hits = known ?? dir.references.hits(payment.remittanceText);

  // 1. Bank account: decisive when it belongs to exactly one customer.
  const notes: string[] = [];
  const candidates: PayerCandidate[] = [];
  let sharedOwners: ReadonlySet<string> = new Set<string>();
  if (payment.payerAccount) {
    const owners = dir.accounts.get(normalizeAccount(payment.payerAccount)) ?? [];
    const tail = accountTail(payment.payerAccount);
    if (owners.length === 1) {
      const owner = owners[0]!;
      const confidence = owner.learned ? PAYER.learnedAccount : PAYER.ownAccount;
      const conflicting = conflictingReferences(dir, hits, owner.customerId);
      return {
        customerId: owner.customerId,
        method: "account",
        confidence,
        why:
          `paid from bank account ${tail}, ${owner.learned ? "linked by an earlier reviewed payment to" : "on the record of"} ${customerName(owner.customerId)}` +
          (conflicting.length > 0
            ? `; note: the remittance also cites ${conflicting.join(", ")} of another customer`
            : ""),
        candidates: [{ customerId: owner.customerId, method: "account", score: confidence }],
      };
    }
    if (owners.length > 1) {
      notes.push(
        `bank account ${tail} is shared by ${owners.length} customers (a payment processor?), so it identifies nobody`,
      );
      for (const o of owners.slice(0, 5))
        candidates.push({ customerId: o.customerId, method: "account_shared", score: 0.3 });
      sharedOwners = new Set(owners.map((o) => o.customerId));
    }
  }

  const evidence = new Map<string, Evidence>();
  const of = (id: string) => {
    let e = evidence.get(id);
    if (!e) {
      e = {};
      evidence.set(id, e);
    }
    return e;
  };

  // 2. Invoice numbers, grouped by the customer they belong to.
  const bestPerInvoice = new Map<string, ReferenceQuality>();
  for (const h of hits) {
    // A bare last number means nothing portfolio-wide: only among the customers sharing the account.
    if (h.quality === "partial" && !sharedOwners.has(dir.invoices.get(h.invoiceId)?.customerId ?? ""))
      continue;
    const current = bestPerInvoice.get(h.invoiceId);
    if (current === undefined || qualityRank(h.quality) < qualityRank(current))
      bestPerInvoice.set(h.invoiceId, h.quality);
  }
  const citedByCustomer = new Map<string, { invoice: MatchInvoice; quality: ReferenceQuality }[]>();
  for (const [invoiceId, quality] of [...bestPerInvoice].sort((a, b) => compareText(a[0], b[0]))) {
    const invoice = dir.invoices.get(invoiceId);
    if (!invoice || invoice.balanceMinor <= 0) continue;
    const list = citedByCustomer.get(invoice.customerId) ?? [];
    list.push({ invoice, quality });
    citedByCustomer.set(invoice.customerId, list);
  }
  for (const [customerId, cited] of citedByCustomer) {
    const ref = referenceEvidence(payment, cited, settings);
    if (ref.confidence > 0) of(customerId).reference = ref;
  }
  for (const customerId of citedCustomerRefs(payment.remittanceText, dir))
    of(customerId).customerRef = PAYER.customerRef;
  for (const customerId of sharedOwners)
    if (evidence.has(customerId)) of(customerId).sharedAccount = SHARED_ACCOUNT_AGREEMENT;

  // 3. Name: learned payer names (exact) and fuzzy against customer names and learned names —
  // consulted only when the references leave doubt (none decisive: at the threshold and clear of
  // any other customer's), since a name cannot outweigh them.
  const referenceScores = [...evidence.values()]
    .map((e) => Math.max(e.reference?.confidence ?? 0, e.customerRef ?? 0))
    .sort((a, b) => b - a);
  const decisive =
    (referenceScores[0] ?? 0) >= settings.autoApplyThreshold &&
    (referenceScores[0] ?? 0) - (referenceScores[1] ?? 0) >= 2 * TIE_MARGIN - 1e-9;
  let nameTie = false;
  if (payment.payerName && !decisive) {
    const name = normalizeName(payment.payerName);
    const scores = dir.names.search(name, settings.nameCutoff);
    const mapped = dir.names.mapped(name);
    const sharedName = dir.names.sharedBy(name);
    if (sharedName > 1)
      notes.push(`the payer name was seen on payments of ${sharedName} customers, so it identifies nobody`);
    for (const s of scores) {
      const isMapped = mapped.includes(s.customerId);
      of(s.customerId).name = {
        confidence: isMapped
          ? NAME_SCORE.mapping
          : s.exact
            ? NAME_SCORE.exact
            : nameConfidence(s.score, settings.nameCutoff),
        score: s.score,
        mapping: isMapped,
      };
    }
    // A tie (ERPNext refuses to pick): the top two within a few points — unless the top one is
    // exactly the payer name and the other a different name (an extra or missing word), not a
    // near-duplicate of it (a letter apart).
    const top = scores[0];
    const second = scores[1];
    if (top && second && top.score - second.score < NAME_TIE_POINTS) {
      const exactly = (x: (typeof scores)[number]) => x.exact || mapped.includes(x.customerId);
      nameTie =
        exactly(top) === exactly(second) ||
        nameSimilarity(top.matched, second.matched) >= NEAR_DUPLICATE_NAMES;
    }
  }

  // Combine: the strongest piece of evidence per customer, plus a bonus when two kinds agree.
  const ranked = [...evidence]
    .map(([customerId, e]) => {
      const parts = [e.reference?.confidence ?? 0, e.customerRef ?? 0, e.name?.confidence ?? 0].filter(
        (x) => x > 0,
      );
      const best = Math.max(...parts);
      const agreeing = e.sharedAccount ? [...parts, e.sharedAccount] : parts;
      const confidence =
        agreeing.length > 1 ? best + (1 - best) * AGREEMENT_BONUS * Math.min(...agreeing) : best;
      const method = [
        e.sharedAccount ? "account_shared" : "",
        e.reference ? "reference" : "",
        e.customerRef ? "customer_ref" : "",
        e.name ? (e.name.mapping ? "name_mapping" : "name") : "",
      ]
        .filter((m) => m.length > 0)
        .join("+");
      return { customerId, evidence: e, confidence: round3(Math.min(0.99, confidence)), method };
    })
    .sort((a, b) => b.confidence - a.confidence || compareText(a.customerId, b.customerId));
  for (const r of ranked.slice(0, 5))
    candidates.unshift({ customerId: r.customerId, method: r.method, score: r.confidence });
  const ordered = candidates
    .filter((c, i, all) => all.findIndex((o) => o.customerId === c.customerId) === i)
    .sort((a, b) => b.score - a.score || compareText(a.customerId, b.customerId))
    .slice(0, 5);

  const top = ranked[0];
  const second = ranked[1];
  const prefix = notes.length > 0 ? `${notes.join("; ")}; ` : "";
  if (!top) {
    return {
      customerId: null,
      method: "none",
      confidence: 0,
      why: `${prefix}no customer identified: no known bank account, no open invoice number cited, no name at or above ${settings.nameCutoff}`,
      candidates: ordered,
    };
  }
  const onlyName = !top.evidence.reference && !top.evidence.customerRef;
  if ((second && top.confidence - second.confidence < TIE_MARGIN - 1e-9) || (onlyName && nameTie)) {
    const names = [top, second ?? ranked.find((r) => r !== top && r.evidence.name)]
      .filter((r): r is (typeof ranked)[number] => r !== undefined)
      .map((r) => customerName(r.customerId));
    return {
      customerId: null,
      method: "none",
      confidence: 0,
      why: `${prefix}no customer identified: the evidence ties between ${names.join(" and ")}`,
      candidates: ordered,
    };
  }
  const e = top.evidence;
  const parts: string[] = [];
  if (e.reference) {
    parts.push(
      `invoice number${e.reference.refs.length > 1 ? "s" : ""} ${e.reference.refs.join(", ")} ${QUALITY_WORDS[e.reference.quality]} (${FIT_WORDS[e.reference.fit]})`,
    );
  }
  if (e.customerRef) parts.push("the customer's reference cited");
  if (e.name)
    parts.push(
      `payer name ${e.name.mapping ? "as on an earlier reviewed payment" : `similar to the customer's (score ${e.name.score})`}`,
    );
  return {
    customerId: top.customerId,
    method: e.reference || e.customerRef ? "reference" : "name",
    confidence: top.confidence,
    why: `${prefix}identified as ${customerName(top.customerId)} by ${parts.join(" and ")}`,
    candidates: ordered,
  };
}

/** Invoice numbers the text cites exactly (or nearly) that belong to customers other than `customerId`. */
function conflictingReferences(dir: Directory, hits: readonly Hit[], customerId: string): string[] {
  const refs = new Set<string>();
  for (const h of hits) {
    if (qualityRank(h.quality) > qualityRank("no_prefix")) continue;
    const invoice = dir.invoices.get(h.invoiceId);
    if (invoice && invoice.customerId !== customerId) refs.add(invoice.externalRef);
  }
  return [...refs].sort(compareText).slice(0, 3);
}
