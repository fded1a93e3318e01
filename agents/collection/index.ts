// The collection specialist's rules brain: pure functions of an account snapshot and the policy.
export {
  type CollectionDecision,
  type CollectionOptions,
  decideCollection,
  type PausedBy,
  splitInstallments,
  stopFlags,
} from "./decide.ts";
export { type LadderStep, segmentLadder } from "./ladder.ts";
export { firstInstallmentDue, planCovers, proposalLapsed } from "./plans.ts";
export { chooseReach, orderedContacts, type Reach, unreachableBecause } from "./reach.ts";
export {
  type CollectionSegment,
  deriveSegment,
  MIN_EARLIER_PAYMENTS,
  MIN_HISTORY,
  ON_TIME_TOLERANCE_DAYS,
  PROBLEM_BROKEN_PROMISES,
  PROBLEM_MEDIAN_DAYS_LATE,
  PROBLEM_OVERDUE_DAYS,
  PROBLEM_P75_DAYS_LATE,
  PROMPT_MAX_MEDIAN_DAYS_LATE,
  PROMPT_MAX_P75_DAYS_LATE,
  PROMPT_MIN_ON_TIME_SHARE,
  quantile,
  RECENT_PAYMENTS,
  type SegmentAssessment,
  type SegmentStats,
  segmentStats,
  WORSENING_DAYS,
  WORSENING_MIN_RECENT_MEDIAN,
} from "./segment.ts";
export {
  type Channel,
  type RenderedMessage,
  renderMessage,
  type TemplateInput,
  type TemplateInvoice,
} from "./templates.ts";
export { accountWorklistLine } from "./worklist.ts";
