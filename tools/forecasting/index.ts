// The pay-date model (issue 5): features as of a date, P10/P50/P90 gradient-boosted quantile trees,
// pay dates and a late probability for open invoices, and the backtest. Pure: no database, no clock.
//
//   const model = trainPayDateModel(history, { cut: "2025-06-01" });
//   const forecast = predictPayDate(model, openInvoice, history, "2025-06-15");
//   // { p10Date, p50Date, p90Date, lateProbability, quantiles, features, modelVersion }
//   const saved = JSON.stringify(model);   fromJSON(saved).predict(features)
//   backtest(history, { cut: "2025-01-01" }).model.maeDays
export type {
  Accuracy,
  BacktestOptions,
  BacktestPrediction,
  BacktestResult,
} from "./backtest.ts";
export { accuracy, backtest, DEFAULT_CUT_PERCENTILE, defaultCut, splitAtCut } from "./backtest.ts";
export type { FeatureName, PayDateFeatures } from "./features.ts";
export {
  buildFeatures,
  daysLate,
  FEATURE_NAMES,
  featureVector,
  HISTORY_WINDOW,
  RECENCY_DECAY,
  TREND_WINDOW,
} from "./features.ts";
export type { ModelParams, PayDateModelJson, TrainOptions } from "./model.ts";
export {
  DEFAULT_PARAMS,
  fromJSON,
  groupByCustomer,
  MIN_CALIBRATION_EXAMPLES,
  MODEL_FAMILY,
  PayDateQuantileModel,
  QUANTILES,
  sampleTrainingCustomers,
  trainPayDateModel,
} from "./model.ts";
export type { PayDateForecast } from "./predict.ts";
export { LATE_THRESHOLD_DAYS, lateProbability, predictPayDate, survival } from "./predict.ts";
export type { FeatureContext, ForecastInvoice, HistoryInvoice, QuantilePrediction } from "./types.ts";
