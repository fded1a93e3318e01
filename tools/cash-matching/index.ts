// The cash-matching engine: pure functions over plain data (no database, no clock, no randomness).
//
//   const dir = createDirectory({ customers, openInvoices, mappings }); // indexes, built once
//   identifyPayer(payment, dir)             // who paid: assigned / account / reference / name / none
//   matchPayments(payments, dir)            // proposals per payment, best first, and what to auto-apply
//   checkProposal(proposal, payment, open)  // invariants any proposal (or a person's edit) must keep
//
// README.md in this folder describes the evidence, the order of checks and the confidence table.
export { checkProposal, compareProposals } from "./check.ts";
export * as CONFIDENCE from "./confidence.ts";
export { byAge, createDirectory, type Directory } from "./directory.ts";
export { identifyPayer } from "./identify.ts";
export { byReceived, type MatchOptions, matchPayments } from "./match.ts";
export { normalizeName } from "./names.ts";
export {
  type Citation,
  findCitations,
  type Hit,
  QUALITY_WORDS,
  REFERENCE_QUALITIES,
  type ReferenceQuality,
  resolveCitations,
} from "./references.ts";
export { DEFAULT_MATCH_SETTINGS } from "./settings.ts";
export {
  compactReference,
  compareText,
  createInterner,
  type Interner,
  normalizeAccount,
} from "./text.ts";
export type {
  Adjustment,
  AdjustmentKind,
  Application,
  IdentificationMethod,
  MatchCustomer,
  MatchInvoice,
  MatchMethod,
  MatchPayment,
  MatchProposal,
  MatchSettings,
  PayerCandidate,
  PayerIdentification,
  PayerMapping,
  PaymentMatch,
} from "./types.ts";
