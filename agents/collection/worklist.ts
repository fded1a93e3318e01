// What acting on this account now is worth: its line of the collector worklist (tools/ar-metrics
// worklist.ts) — the cash one contact by the chosen channel is expected to bring into the next 30 days
// and that per minute of collector effort — computed from the same pay-date predictions the
// forecasting specialist records (agents/forecasting predictOpenInvoices) and the account's calibrated
// risk. The collection specialist puts it in the reason for every contact it plans and in the call
// tasks it hands to collectors, so a person sees what a call is expected to bring before making it.
import {
  buildWorklist,
  type ContactChannel,
  payDayOf,
  type WorklistInvoice,
  type WorklistLine,
} from "../../tools/ar-metrics/index.ts";
import type { AccountSnapshot } from "../../tools/read/account-snapshot-types.ts";
import {
  customerHistoryModel,
  type PayDateModel,
  predictOpenInvoices,
  riskScore,
} from "../forecasting/index.ts";
import { compareText, utcDateOf } from "./dates.ts";

/**
 * The account's worklist line in `currency` for acting now by `channel`; null when the account has
 * nothing open in that currency. `segment` is how responsive the account is taken to be: the
 * specialist's own reading of its behaviour (segment.ts), else the stored label.
 */
export function accountWorklistLine(
  snapshot: AccountSnapshot,
  channel: ContactChannel,
  currency: string,
  options: { model?: PayDateModel | undefined; segment?: string } = {},
): WorklistLine | null {
  const model = options.model ?? customerHistoryModel;
  const { asOf } = snapshot;
  const predictions = predictOpenInvoices(snapshot, model);
  const byInvoice = new Map(predictions.map((p) => [p.invoiceId, p]));
  const promisedBy = new Map<string, string>();
  for (const promise of snapshot.promises) {
    if (promise.status !== "open") continue;
    for (const id of promise.invoiceIds) {
      const earlier = promisedBy.get(id);
      if (!earlier || compareText(promise.promisedDate, earlier) < 0)
        promisedBy.set(id, promise.promisedDate);
    }
  }
  const onPlan = new Set(
    snapshot.paymentPlans.filter((p) => p.status === "active").flatMap((p) => p.invoiceIds),
  );
  const invoices: WorklistInvoice[] = snapshot.openInvoices.map((invoice) => {
    const prediction = byInvoice.get(invoice.id);
    return {
      invoiceId: invoice.id,
      currency: invoice.currency,
      balanceMinor: invoice.balanceMinor,
      dueDate: invoice.dueDate,
      disputed: invoice.disputed,
      promisedDate: promisedBy.get(invoice.id) ?? null,
      onActivePlan: onPlan.has(invoice.id),
      // A point prediction (the rules model gives no P10/P90) would claim certainty about the pay day;
      // without quantiles the worklist uses the account's late probability instead.
      ...(prediction?.p10PayDate && prediction.p90PayDate
        ? {
            payDay: payDayOf(asOf, prediction.predictedPayDate, prediction.p10PayDate, prediction.p90PayDate),
          }
        : {}),
    };
  });
  const lastContact = snapshot.communications
    .map((c) => utcDateOf(c.occurredAt))
    .filter((d) => compareText(d, asOf) <= 0)
    .sort(compareText)
    .at(-1);
  const lists = buildWorklist(
    [
      {
        accountId: snapshot.customer.id,
        name: snapshot.customer.name,
        segment: options.segment ?? snapshot.customer.segment,
        lateProbability: riskScore(snapshot, predictions).score / 100,
        lastContactDate: lastContact ?? null,
        nextAction: channel,
        invoices,
      },
    ],
    asOf,
  );
  return lists.find((l) => l.currency === currency)?.lines[0] ?? null;
}
