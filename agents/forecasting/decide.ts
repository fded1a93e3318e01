// Forecasting, rules brain: a predicted pay date per open invoice and the account's risk score,
// recorded through one `record_forecast` call. Pure: dates come from snapshot.asOf.
//
// Whatever model is plugged in, its output is held to the contract here: a pay date not before asOf,
// a probability in 0..1, finite features. No open invoices → no call.
import type { AccountSnapshot, PlannedCall } from "../../tools/read/account-snapshot-types.ts";
import { compareText, customerHistoryModel, type PayDateModel } from "./model.ts";
import { describeRisk, type RiskFactor, riskScore } from "./risk.ts";

export interface ForecastPrediction {
  invoiceId: string;
  predictedPayDate: string;
  p10PayDate?: string;
  p90PayDate?: string;
  lateProbability: number;
  features: Record<string, number>;
}

export interface ForecastDecision {
  calls: PlannedCall[];
  notes: string[];
  /** 0..100: P(open balance paid more than 30 days late) in percent. */
  riskScore: number;
  riskFactors: RiskFactor[];
  /** One per open invoice, oldest due date first. */
  predictions: ForecastPrediction[];
}

/**
 * One prediction per open invoice, oldest due date first, held to the contract whatever the model: a
 * pay date not before asOf, quantile dates bracketing it, a probability in 0..1, finite features.
 * The collection specialist values its actions on the same predictions (agents/collection/worklist.ts).
 */
export function predictOpenInvoices(
  snapshot: AccountSnapshot,
  model: PayDateModel = customerHistoryModel,
): ForecastPrediction[] {
  const { asOf } = snapshot;
  const invoices = [...snapshot.openInvoices].sort(
    (a, b) =>
      compareText(a.dueDate, b.dueDate) ||
      compareText(a.externalRef, b.externalRef) ||
      compareText(a.id, b.id),
  );
  return invoices.map((invoice): ForecastPrediction => {
    const raw = model.predict(invoice, snapshot.paidInvoices, asOf, snapshot);
    const date = /^\d{4}-\d{2}-\d{2}$/.test(raw.predictedPayDate) ? raw.predictedPayDate : asOf;
    const predictedPayDate = compareText(date, asOf) < 0 ? asOf : date;
    const p = Number.isFinite(raw.lateProbability) ? Math.min(1, Math.max(0, raw.lateProbability)) : 0.5;
    const features = Object.fromEntries(
      Object.entries(raw.features)
        .filter(([, v]) => Number.isFinite(v))
        .sort(([a], [b]) => compareText(a, b)),
    );
    // Quantile dates, when the model gives them, bracket the median and are never before asOf either.
    const bound = (d: string | undefined, side: "low" | "high") => {
      if (!d || !/^\d{4}-\d{2}-\d{2}$/.test(d)) return undefined;
      const clamped = compareText(d, asOf) < 0 ? asOf : d;
      return side === "low"
        ? compareText(clamped, predictedPayDate) > 0
          ? predictedPayDate
          : clamped
        : compareText(clamped, predictedPayDate) < 0
          ? predictedPayDate
          : clamped;
    };
    const p10PayDate = bound(raw.p10PayDate, "low");
    const p90PayDate = bound(raw.p90PayDate, "high");
    return {
      invoiceId: invoice.id,
      predictedPayDate,
      ...(p10PayDate ? { p10PayDate } : {}),
      ...(p90PayDate ? { p90PayDate } : {}),
      lateProbability: p,
      features,
    };
  });
}

export function decideForecast(
  snapshot: AccountSnapshot,
  model: PayDateModel = customerHistoryModel,
): ForecastDecision {
  const { asOf } = snapshot;
  const notes: string[] = [];
  const predictions = predictOpenInvoices(snapshot, model);

  const risk = riskScore(snapshot, predictions);
  notes.push(describeRisk(risk));

  if (predictions.length === 0) {
    notes.push("no open invoices: nothing to forecast");
    return { calls: [], notes, riskScore: risk.score, riskFactors: risk.factors, predictions };
  }
  const latest = predictions.reduce(
    (max, p) => (compareText(p.predictedPayDate, max) > 0 ? p.predictedPayDate : max),
    asOf,
  );
  const likelyLate = predictions.filter((p) => p.lateProbability > 0.5).length;
  notes.push(
    `${predictions.length} pay date(s) predicted by ${model.version}; last expected ${latest}` +
      (likelyLate ? `; ${likelyLate} likely more than 30 days late` : ""),
  );
  const call: PlannedCall = {
    tool: "record_forecast",
    input: {
      customerId: snapshot.customer.id,
      asOf,
      modelVersion: model.version,
      riskScore: risk.score,
      riskFactors: risk.factors.map((f) => ({ name: f.name, weight: f.weight, value: f.value })),
      predictions: predictions.map((p) => ({
        invoiceId: p.invoiceId,
        predictedPayDate: p.predictedPayDate,
        ...(p.p10PayDate ? { p10PayDate: p.p10PayDate } : {}),
        ...(p.p90PayDate ? { p90PayDate: p.p90PayDate } : {}),
        lateProbability: p.lateProbability,
        features: p.features,
      })),
    },
    key: `forecast:${asOf}`,
    why: `pay-date forecast for ${predictions.length} open invoice(s) and a risk score of ${risk.score}`,
  };
  return { calls: [call], notes, riskScore: risk.score, riskFactors: risk.factors, predictions };
}
