// The forecasting specialist's rules brain: the pay-date model seam and its rules model, the risk
// score, and the decision.
export {
  decideForecast,
  type ForecastDecision,
  type ForecastPrediction,
  predictOpenInvoices,
} from "./decide.ts";
export {
  customerHistoryModel,
  HISTORY_WINDOW,
  LATE_THRESHOLD_DAYS,
  MIN_HISTORY,
  type PayDateModel,
  type PayDatePrediction,
  PRIOR_DAYS_LATE,
  priorDaysLate,
  RECENCY_DECAY,
  recentHistory,
  weightedMedian,
} from "./model.ts";
export { quantilePayDateModel, snapshotContext } from "./quantile-model.ts";
export { describeRisk, MAX_RISK_FACTORS, type RiskFactor, type RiskScore, riskScore } from "./risk.ts";
