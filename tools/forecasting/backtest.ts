// Backtest: train as of a cut date, then forecast the invoices issued after it and compare with what
// happened.
//
// - Train: invoices settled strictly before the cut (the model sees the ledger as it was on the cut:
//   pay dates on/after it are hidden from every feature).
// - Test: invoices issued on/after the cut that were settled (so there is a truth). Each is forecast
//   as of its invoice date, from the customer's invoices settled before that date — the situation of a
//   forecast made when the invoice is sent. The model itself stays the one trained at the cut.
//   (Invoices issued before the cut and settled after it are in neither set; they are history only.)
// - Metrics, for the model's P50 and two baselines: the predicted pay date (a whole date, never before
//   the invoice date) against the actual one: MAE in days and the share within ±7 days. For the model
//   also the P10–P90 coverage: the share of actual pay dates inside [P10 date, P90 date].
// - Baselines: "due date" predicts payment on the due date; "customer mean" predicts due date + the
//   mean days late (rounded to whole days) of that customer's training invoices, and the due date for a
//   customer with none.
import { addDays, daysBetween, maxDate } from "./dates.ts";
import { buildFeatures, daysLate, mean } from "./features.ts";
import { groupByCustomer, type PayDateQuantileModel, type TrainOptions, trainPayDateModel } from "./model.ts";
import { forecastFromQuantiles } from "./predict.ts";
import type { HistoryInvoice } from "./types.ts";

export interface BacktestOptions {
  /** Train/test boundary; default: the invoice date at the 70th percentile of invoice dates. */
  cut?: string;
  /** Model options (the cut is the backtest's; the context also feeds the test invoices' features). */
  train?: Omit<TrainOptions, "cut">;
}

export interface Accuracy {
  /** Mean absolute error of the predicted pay date, in days. */
  maeDays: number;
  /** Share of test invoices whose predicted pay date is within 7 days of the actual one. */
  within7d: number;
}

export interface BacktestResult {
  cut: string;
  trainRows: number;
  testRows: number;
  modelVersion: string;
  /** The model trained at the cut. */
  trained: PayDateQuantileModel;
  model: Accuracy & { /** Share of actual pay dates within [P10, P90]. */ coverageP10P90: number };
  baselines: { dueDate: Accuracy; customerMean: Accuracy };
  /** One line per test invoice, for inspection. */
  predictions: BacktestPrediction[];
}

export interface BacktestPrediction {
  invoice: HistoryInvoice;
  actualDate: string;
  p10Date: string;
  p50Date: string;
  p90Date: string;
  /** P(paid more than 30 days late) as of the invoice date: calibrated, and before calibration. */
  lateProbability: number;
  rawLateProbability: number;
  customerMeanDate: string;
}

export const DEFAULT_CUT_PERCENTILE = 0.7;

/** The invoice date at the given percentile of invoice dates (nearest rank, lower). */
export function defaultCut(rows: readonly HistoryInvoice[], percentile = DEFAULT_CUT_PERCENTILE): string {
  if (rows.length === 0) throw new RangeError("no invoices");
  const dates = rows.map((r) => r.invoiceDate).sort();
  return dates[Math.floor((dates.length - 1) * percentile)]!;
}

export function splitAtCut(rows: readonly HistoryInvoice[], cut: string) {
  return {
    train: rows.filter((r) => r.paidDate !== null && r.paidDate < cut),
    test: rows.filter((r) => r.invoiceDate >= cut && r.paidDate !== null),
  };
}

export function backtest(rows: readonly HistoryInvoice[], options: BacktestOptions = {}): BacktestResult {
  const cut = options.cut ?? defaultCut(rows);
  const { train, test } = splitAtCut(rows, cut);
  if (train.length === 0) throw new RangeError(`no invoice was settled before the cut ${cut}`);
  if (test.length === 0) throw new RangeError(`no settled invoice was issued on or after the cut ${cut}`);
  const model = trainPayDateModel(rows, { ...options.train, cut });

  const customerMean = new Map<string, number>();
  for (const [customerId, invoices] of groupByCustomer(train)) {
    customerMean.set(customerId, mean(invoices.map(daysLate)));
  }
  // Test features: the history as known on each invoice's date (buildFeatures reads nothing later).
  const byCustomer = groupByCustomer(rows);

  const predictions: BacktestPrediction[] = [];
  for (const invoice of test) {
    const asOf = invoice.invoiceDate;
    // The same path as a live forecast (predictPayDate), from the customer's rows only.
    const context = options.train?.context;
    const features = buildFeatures(
      invoice,
      byCustomer.get(invoice.customerId)!,
      asOf,
      typeof context === "function" ? context(invoice, asOf) : context,
    );
    const forecast = forecastFromQuantiles(model.predict(features), invoice.dueDate, asOf, features, model);
    const meanLate = customerMean.get(invoice.customerId) ?? 0;
    predictions.push({
      invoice,
      actualDate: invoice.paidDate!,
      p10Date: forecast.p10Date,
      p50Date: forecast.p50Date,
      p90Date: forecast.p90Date,
      lateProbability: forecast.lateProbability,
      rawLateProbability: forecast.rawLateProbability,
      customerMeanDate: maxDate(addDays(invoice.dueDate, Math.round(meanLate)), asOf),
    });
  }
  const coverage =
    predictions.filter((p) => p.p10Date <= p.actualDate && p.actualDate <= p.p90Date).length /
    predictions.length;
  return {
    cut,
    trainRows: train.length,
    testRows: test.length,
    modelVersion: model.version,
    trained: model,
    model: { ...accuracy(predictions, (p) => p.p50Date), coverageP10P90: coverage },
    baselines: {
      dueDate: accuracy(predictions, (p) => p.invoice.dueDate),
      customerMean: accuracy(predictions, (p) => p.customerMeanDate),
    },
    predictions,
  };
}

/** MAE in days and share within ±7 days of `predicted` against the actual pay date. */
export function accuracy(
  predictions: readonly BacktestPrediction[],
  predicted: (p: BacktestPrediction) => string,
): Accuracy {
  const errors = predictions.map((p) => Math.abs(daysBetween(predicted(p), p.actualDate)));
  return {
    maeDays: mean(errors),
    within7d: errors.filter((e) => e <= 7).length / errors.length,
  };
}
