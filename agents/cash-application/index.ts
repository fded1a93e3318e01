// The cash-application specialist's rules brain: payments to plan from the engine's matches.
export { type CashDecision, decideCashApplication, REVIEW_ALTERNATIVES } from "./decide.ts";
