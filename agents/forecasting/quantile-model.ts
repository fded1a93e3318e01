// The trained pay-date model (tools/forecasting: gradient-boosted quantile trees) behind the
// forecasting specialist's PayDateModel seam. The snapshot's settled invoices are the customer's
// history; promises kept and broken and the reminders an invoice has had are the model's context.
import {
  type FeatureContext,
  type HistoryInvoice,
  type PayDateQuantileModel,
  predictPayDate,
} from "../../tools/forecasting/index.ts";
import type {
  AccountSnapshot,
  SnapshotOpenInvoice,
  SnapshotPaidInvoice,
} from "../../tools/read/account-snapshot-types.ts";
import type { PayDateModel, PayDatePrediction } from "./model.ts";

/**
 * A PayDateModel from a trained quantile model. With the account's snapshot it also uses what that
 * knows beyond the invoices (promises, outreach); without it those features are unknown, which the
 * trees handle.
 */
export function quantilePayDateModel(model: PayDateQuantileModel): PayDateModel {
  return {
    version: model.version,
    predict(
      invoice: SnapshotOpenInvoice,
      history: readonly SnapshotPaidInvoice[],
      asOf: string,
      snapshot?: AccountSnapshot,
    ): PayDatePrediction {
      const customerId = "account";
      const past: HistoryInvoice[] = history.map((h) => ({
        customerId,
        invoiceId: h.id,
        invoiceDate: h.issueDate,
        dueDate: h.dueDate,
        paidDate: h.paidOn,
        amountMinor: h.amountMinor,
      }));
      const forecast = predictPayDate(
        model,
        {
          customerId,
          invoiceId: invoice.id,
          invoiceDate: invoice.issueDate,
          dueDate: invoice.dueDate,
          amountMinor: invoice.amountMinor,
          disputed: invoice.disputed,
        },
        past,
        asOf,
        snapshot ? snapshotContext(snapshot)(invoice) : undefined,
      );
      const features: Record<string, number> = {};
      for (const [name, value] of Object.entries(forecast.features)) {
        if (typeof value === "number" && Number.isFinite(value)) features[name] = value;
      }
      features.p10DaysLate = forecast.quantiles.p10;
      features.p50DaysLate = forecast.quantiles.p50;
      features.p90DaysLate = forecast.quantiles.p90;
      return {
        predictedPayDate: forecast.p50Date,
        p10PayDate: forecast.p10Date,
        p90PayDate: forecast.p90Date,
        lateProbability: forecast.lateProbability,
        features,
      };
    },
  };
}

/** Promises kept / broken on the account and the messages that named the invoice, from the snapshot. */
export function snapshotContext(snapshot: AccountSnapshot): (invoice: SnapshotOpenInvoice) => FeatureContext {
  const promisesKept = snapshot.promises.filter((p) => p.status === "kept").length;
  const promisesBroken = snapshot.promises.filter((p) => p.status === "broken").length;
  return (invoice) => ({
    promisesKept,
    promisesBroken,
    outreachCount: snapshot.communications.filter(
      (c) => c.direction === "outbound" && c.invoiceIds.includes(invoice.id),
    ).length,
  });
}
