// Every confidence the engine gives, in one place, each with the reason for its value. They are
// set from what each piece of evidence can and cannot rule out, and checked against the labelled
// eval (evals/cash-application) — never fitted to it: no constant depends on the demo's mix.
//
// A proposal's confidence is min(evidence for the allocation, cap for how the payer was
// identified). The auto-apply threshold is 0.95 by default: only evidence that leaves essentially
// one reading of the payment reaches it.

import type { ReferenceQuality } from "./references.ts";
import type { IdentificationMethod } from "./types.ts";

/**
 * A cited invoice whose balance equals the payment exactly (or cited invoices whose balances sum to
 * it), by the citation's quality. Two independent agreements (number and amount to the minor unit)
 * within one identified customer's open invoices: even a typo'd number is settled by the amount,
 * so every quality reaches the threshold; the cleaner the number, the fewer other readings.
 */
export const REFERENCE_EXACT_AMOUNT: Record<ReferenceQuality, number> = {
  exact: 0.99,
  zeros: 0.985,
  fused: 0.98,
  confusable: 0.97,
  no_prefix: 0.97,
  transposed: 0.96,
  lost_digit: 0.955,
  /** Last number only, unique among the customer's open invoices, and the amount agrees. */
  partial: 0.955,
};

/**
 * Subtracted from REFERENCE_EXACT_AMOUNT when the amount differs from the cited balance and the gap
 * is explained. Each explanation is a rule the payer's own bank or terms produce, so it is nearly as
 * good as an exact amount; the ones that lean on a tolerance (a gap "small enough") cost more than
 * the ones that are computed (a discount, stated charges).
 */
export const GAP_PENALTY = {
  /** Payment = balance − the invoice's early-payment discount (±1 minor unit), on or before the date. */
  earlyDiscount: 0.01,
  /** The gap equals the charges the bank file states. */
  statedCharges: 0.01,
  /** A wire (charges stated, converted, or charge words) short by ≤ the bank-charges maximum. */
  bankCharges: 0.02,
  /** Converted from another currency, short by ≤ fxTolerancePercent. */
  fx: 0.02,
  /** Short by ≤ the write-off tolerance (percent and per-currency max). */
  writeOff: 0.025,
  /** The payer declares a part payment / instalment: the rest stays open. */
  declaredPartial: 0.015,
  /**
   * Short beyond every tolerance and not declared partial: the cash still belongs on the cited
   * invoice, but the gap is a deduction someone must look at, so only an exact citation applies
   * it automatically.
   */
  deduction: 0.04,
  /**
   * The same, and another open invoice's balance equals the payment to the minor unit: the payer
   * may have paid that one under a wrong reference. Two readings, so a person decides (below the
   * threshold even for an exact citation).
   */
  deductionAmountFitsOther: 0.1,
  /** Pays more than the cited invoice(s) and no set of open invoices explains the excess. */
  overpayment: 0.04,
  /** Several cited invoices, short or long in total: which one is short is a guess (oldest first). */
  splitGuess: 0.25,
} as const;

/**
 * Cited invoices plus other open invoices whose balances make up the payment ("INV-1 and others"):
 * exactly one set of additional invoices fits (exhaustive search over the oldest ones).
 */
export const CITED_PLUS_SUBSET_PENALTY = 0.03;

/** Amount-only evidence (nothing cited, or what is cited does not fit). */
export const AMOUNT_ONLY = {
  /**
   * One open invoice of the identified customer has exactly this balance, no other set of invoices
   * does, and the remittance cites nothing: Odoo's and ERPNext's strongest non-reference match. At
   * the threshold: applied for an identified payer, never for one identified by name.
   */
  unique: 0.95,
  /** As above, but a set of two or more invoices also sums to the payment. */
  alsoSubset: 0.85,
  /** As above, but the remittance cites an invoice number that is not among the open ones. */
  citesUnknown: 0.8,
  /** As above, but the remittance cites a different open invoice (whose balance does not fit). */
  citesOther: 0.7,
  /** Several open invoices have that balance (the oldest is proposed). */
  ambiguous: 0.6,
  /** One invoice fits once an explained gap (discount, charges, FX, write-off) is taken into account. */
  uniqueWithGap: 0.85,
} as const;

/** One payment for several invoices found by subset-sum (nothing cited). */
export const SUBSET = {
  /**
   * Exactly one set of the oldest open invoices sums to the payment, and it is the oldest ones
   * (a prefix in age order, up to the whole open balance): paying the oldest items in full is the
   * common way to pay a statement, and an exhaustive search found no other reading.
   */
  uniqueOldest: 0.95,
  /** Exactly one set fits but it skips older invoices: plausible, for a person to confirm. */
  unique: 0.9,
  /** The search was cut short by the node budget: uniqueness is unknown. */
  incomplete: 0.75,
  /** Two or more different sets fit: below auto-apply by construction. */
  ambiguous: 0.7,
} as const;

/** Nothing fits: allocate oldest first, for a person to confirm or correct. */
export const OLDEST_FIRST = {
  /** The payment covers every undisputed open invoice and some is left over. */
  coversAll: 0.6,
  /** Declared partial without a citation, spread oldest first. */
  partial: 0.55,
  /** A guess. */
  guess: 0.4,
} as const;

/** Proposals for a payment nobody identified, against the candidates' (or anybody's) invoices. */
export const UNIDENTIFIED_CAP = 0.5;
/** An exact amount found among all customers' open invoices, payer unknown (Odoo: propose, never validate). */
export const UNIDENTIFIED_AMOUNT = 0.3;

/** Remittance text with instruction-like wording: data, but a person looks before anything is applied. */
export const SUSPICIOUS_TEXT_CAP = 0.8;

/**
 * Payer identification confidences, and the cap each puts on the proposals of a payment so
 * identified. The order is the method's strength.
 */
export const PAYER = {
  /** The payment row already names the customer (an earlier step or a person assigned it). */
  assigned: 1,
  /** Paid from a bank account on the customer's record: banks do not mix up account numbers. */
  ownAccount: 0.99,
  /** Paid from an account a reviewed application linked to exactly this customer. */
  learnedAccount: 0.98,
  /** The customer's own reference (e.g. C-000123) cited in the remittance. */
  customerRef: 0.9,
  /** Name identification: the weakest method; its proposals are capped below the threshold. */
  nameCap: 0.9,
} as const;

/**
 * Identification by cited invoice numbers (nothing else identified the payer): the quality of the
 * best citation whose amount fits, times the fit factor. Portfolio-wide, invoice numbers are dense,
 * so a typo'd number is often another customer's real one: typo qualities stay below the threshold
 * unless the amount also agrees.
 */
export const REFERENCE_IDENTIFICATION: Record<ReferenceQuality, number> = {
  exact: 0.98,
  zeros: 0.975,
  fused: 0.97,
  confusable: 0.965,
  no_prefix: 0.96,
  transposed: 0.9,
  lost_digit: 0.85,
  /**
   * A bare last number means nothing portfolio-wide; it is counted only among the customers that
   * share the payer's account (a payment processor's): a few dozen customers, of whom exactly one
   * has an open invoice ending in that number — with the amount to the minor unit, as good as a
   * clean number.
   */
  partial: 0.95,
};

/**
 * A candidate is one of the customers sharing the payer's account: not evidence on its own, but it
 * agrees with other evidence (see AGREEMENT_BONUS).
 */
export const SHARED_ACCOUNT_AGREEMENT = 0.5;

/** How well the payment's amount agrees with the cited invoices of a candidate customer. */
export const REFERENCE_FIT = {
  /** A cited balance, or the cited balances' sum, equals the payment. */
  exact: 1,
  /** Short of a cited balance by an explained gap (discount, charges, FX, write-off). */
  explained: 0.99,
  /** Declared partial, less than the cited balance. */
  partial: 0.985,
  /** The amount does not fit: overpaid, short beyond tolerance, or unrelated. */
  none: 0.85,
} as const;

/**
 * Name evidence, always below any reference or account: a token-set score s ≥ cutoff maps linearly
 * onto min..fuzzyMax (token-set scores 100 whenever one name's words are a subset of the other's,
 * so 100 is not equality); the payer name equal to the customer's name once both are normalized
 * gives `exact`; equal to a payer name learned from an earlier reviewed payment gives `mapping`.
 */
export const NAME_SCORE = { min: 0.6, max: 0.75, exact: 0.8, mapping: 0.85 } as const;
/** When two kinds of evidence (reference, name) point at the same customer: halve the remaining doubt. */
export const AGREEMENT_BONUS = 0.5;
/** Top two candidates closer than this (confidence) are a tie: nobody is chosen. */
export const TIE_MARGIN = 0.05;
/** Top two name scores (0..100) closer than this are a tie (ERPNext refuses ties). */
export const NAME_TIE_POINTS = 5;
/**
 * An exact name does not break a tie with a near-duplicate name (plain ratio ≥ this: a letter or
 * two apart, as banks truncate and misspell), only with a different one (an extra word).
 */
export const NEAR_DUPLICATE_NAMES = 90;

export function payerCap(method: IdentificationMethod, identificationConfidence: number): number {
  switch (method) {
    case "assigned":
    case "account":
      return 1;
    case "reference":
      return identificationConfidence;
    case "name":
      return Math.min(PAYER.nameCap, identificationConfidence + 0.1);
    default:
      return UNIDENTIFIED_CAP;
  }
}

export const round3 = (x: number): number => Math.round(x * 1000) / 1000;
