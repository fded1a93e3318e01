// The cash-application specialist's rules brain: the matcher seam, the rules matcher, the decision.
export {
  autoApplicable,
  type CashDecision,
  type CashOptions,
  DEFAULT_AUTO_APPLY_THRESHOLD,
  decideCashApplication,
} from "./decide.ts";
export {
  AMOUNT_CONFIDENCE,
  byAge,
  checkProposal,
  compareProposals,
  type MatchCustomer,
  type MatchMethod,
  type MatchProposal,
  OLDEST_FIRST_CONFIDENCE,
  type PaymentMatcher,
  REFERENCE_CONFIDENCE,
  referenceMatcher,
} from "./match.ts";
export { type Citation, compactReference, findCitations, type ReferenceQuality } from "./reference.ts";
