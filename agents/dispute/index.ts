// The dispute specialist's rules brain: the categoriser, the routing tables and the decision.
export {
  CATEGORY_PRIORITY,
  type Categorisation,
  categorizeDispute,
  type DisputeCategory,
  HIGH_CONFIDENCE,
  normalizeDisputeText,
  PHRASE_RULES,
  type PhraseRule,
  RECATEGORISE_OTHER_CONFIDENCE,
} from "./categorize.ts";
export {
  type DisputeDecision,
  type DisputeOptions,
  decideDisputes,
  effectiveCategory,
  findDuplicateOriginal,
} from "./decide.ts";
export {
  DUPLICATE_WINDOW_DAYS,
  EXPIRY_GRACE_DAYS,
  OWNER_BY_CATEGORY,
  ownerFor,
  SLA_DAYS_BY_CATEGORY,
} from "./routing.ts";
