// The pay-date model on the demo portfolio: the same backtest as `arc forecast backtest` (train on
// invoices settled before the cut, test on those issued after it, against the due-date and
// customer-mean baselines), and reliability tables (predicted vs observed by decile) of the
// probability of paying more than 30 days late: per invoice at its invoice date, calibrated and raw;
// and the account risk score (tools/ar-metrics/account-risk.ts) of every account with open invoices
// at the cut against the share of that balance that was in fact paid more than 30 days late.
//
//   npx tsx evals/forecasting.ts [--customers 2000] [--seed 7]
import { createContext, emptyBatch, generateCustomer } from "../db/demo/model.ts";
import {
  accountLateRisk,
  type ForecastOutcome,
  type ReliabilityReport,
  reliabilityTable,
} from "../tools/ar-metrics/index.ts";
import {
  backtest,
  groupByCustomer,
  type HistoryInvoice,
  LATE_THRESHOLD_DAYS,
  type PayDateQuantileModel,
  predictPayDate,
} from "../tools/forecasting/index.ts";

const DAY = 86_400_000;
const days = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / DAY);

/** The demo generator's invoices as payment history: paid when the last part of the money arrived. */
export function demoPaymentHistory(options: {
  customers: number;
  seed: number;
  asOf: string;
}): HistoryInvoice[] {
  const ctx = createContext(options.seed, options.asOf);
  const rows: HistoryInvoice[] = [];
  // A batch of customers at a time: only the invoices are kept, so 100,000 customers fit in memory
  // (each customer's records come from its own seeded streams, so batching changes nothing).
  const BATCH = 500;
  for (let first = 0; first < options.customers; first += BATCH) {
    const batch = emptyBatch();
    for (let index = first; index < Math.min(options.customers, first + BATCH); index++) {
      generateCustomer(ctx, index, batch);
    }
    const received = new Map(batch.payments.map((p) => [p.id, p.receivedOn]));
    const paid = new Map<string, { amount: number; last: string }>();
    for (const a of batch.applications) {
      const on = received.get(a.paymentId);
      if (on === undefined) throw new Error(`application to ${a.invoiceId} from a payment of another batch`);
      const so = paid.get(a.invoiceId) ?? { amount: 0, last: on };
      paid.set(a.invoiceId, { amount: so.amount + a.amountMinor, last: on > so.last ? on : so.last });
    }
    const disputed = new Set(batch.disputes.map((d) => d.invoiceId));
    for (const inv of batch.invoices) {
      const p = paid.get(inv.id);
      rows.push({
        customerId: inv.customerId,
        invoiceId: inv.id,
        invoiceDate: inv.issueDate,
        dueDate: inv.dueDate,
        paidDate: p && p.amount >= inv.amountMinor ? p.last : null,
        amountMinor: inv.amountMinor,
        disputed: disputed.has(inv.id),
      });
    }
  }
  return rows;
}

export interface ForecastEvalResult {
  customers: number;
  seed: number;
  cut: string;
  trainRows: number;
  testRows: number;
  modelVersion: string;
  model: { maeDays: number; within7d: number; coverageP10P90: number };
  baselines: {
    dueDate: { maeDays: number; within7d: number };
    customerMean: { maeDays: number; within7d: number };
  };
  /** P(paid > 30 days late) at invoice date vs what happened, by decile of the prediction. */
  reliability: ReliabilityReport;
  /** The same before calibration. */
  rawReliability: ReliabilityReport;
  /** The account risk score at the cut vs the balance-weighted share paid > 30 days late. */
  accountReliability: ReliabilityReport & { accounts: number };
}

export function runForecastEval(options: {
  customers: number;
  seed: number;
  asOf?: string;
}): ForecastEvalResult {
  const asOf = options.asOf ?? "2026-03-10";
  const rows = demoPaymentHistory({ ...options, asOf });
  const result = backtest(rows);
  const late = (p: (typeof result.predictions)[number]) =>
    days(p.invoice.dueDate, p.actualDate) > LATE_THRESHOLD_DAYS;
  const outcomes = result.predictions.map((p) => ({ predicted: p.lateProbability, outcome: late(p) }));
  const rawOutcomes = result.predictions.map((p) => ({ predicted: p.rawLateProbability, outcome: late(p) }));
  return {
    customers: options.customers,
    seed: options.seed,
    cut: result.cut,
    trainRows: result.trainRows,
    testRows: result.testRows,
    modelVersion: result.modelVersion,
    model: result.model,
    baselines: result.baselines,
    reliability: reliabilityTable(outcomes, { bins: 10 }),
    rawReliability: reliabilityTable(rawOutcomes, { bins: 10 }),
    accountReliability: accountRiskReliability(rows, result.trained, result.cut, asOf),
  };
}

/**
 * Every account with open invoices at `cut` (issued before it, not paid before it) whose outcome is
 * known by `end` (paid, or still open past due + 30 days): its risk score as of the cut from the
 * model, against what happened, one forecast line per invoice weighted by its share of the balance
 * (so each account weighs 1 and the observed rate is the balance share paid more than 30 days late).
 */
export function accountRiskReliability(
  rows: readonly HistoryInvoice[],
  model: PayDateQuantileModel,
  cut: string,
  end: string,
): ReliabilityReport & { accounts: number } {
  const forecasts: ForecastOutcome[] = [];
  let accounts = 0;
  for (const [, history] of groupByCustomer(rows)) {
    const open = history.filter((r) => {
      if (r.invoiceDate >= cut || (r.paidDate !== null && r.paidDate < cut)) return false;
      return r.paidDate !== null || days(r.dueDate, end) > LATE_THRESHOLD_DAYS;
    });
    if (open.length === 0) continue;
    const predicted = open.map((r) => ({
      invoiceId: r.invoiceId!,
      currency: "ANY",
      balanceMinor: r.amountMinor,
      lateProbability: predictPayDate(model, r, history, cut).lateProbability,
    }));
    const risk = accountLateRisk(predicted);
    if (risk.contributions.length === 0) continue;
    accounts++;
    const byId = new Map(open.map((r) => [r.invoiceId!, r]));
    for (const c of risk.contributions) {
      const r = byId.get(c.invoiceId)!;
      const paidLate = r.paidDate === null || days(r.dueDate, r.paidDate) > LATE_THRESHOLD_DAYS;
      forecasts.push({ predicted: risk.probability, outcome: paidLate, weight: c.weight });
    }
  }
  return { ...reliabilityTable(forecasts, { bins: 10 }), accounts };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function formatForecastEval(r: ForecastEvalResult): string {
  return [
    `pay-date backtest on the demo portfolio (${r.customers} customers, seed ${r.seed}), cut ${r.cut}: trained on ${r.trainRows}, tested on ${r.testRows} (${r.modelVersion})`,
    `model (P50)     MAE ${r.model.maeDays.toFixed(2)} days, within ±7 days ${pct(r.model.within7d)}, P10–P90 coverage ${pct(r.model.coverageP10P90)}`,
    `due date        MAE ${r.baselines.dueDate.maeDays.toFixed(2)} days, within ±7 days ${pct(r.baselines.dueDate.within7d)}`,
    `customer mean   MAE ${r.baselines.customerMean.maeDays.toFixed(2)} days, within ±7 days ${pct(r.baselines.customerMean.within7d)}`,
    `late probability (> ${LATE_THRESHOLD_DAYS} days) per invoice at its invoice date, calibrated: Brier ${r.reliability.brier.toFixed(4)} (base-rate forecast ${r.reliability.brierReference.toFixed(4)}), ECE ${r.reliability.ece.toFixed(4)}; before calibration Brier ${r.rawReliability.brier.toFixed(4)}, ECE ${r.rawReliability.ece.toFixed(4)}`,
    ...reliabilityLines(r.reliability),
    `account risk score at the cut (${r.accountReliability.accounts} accounts; observed = share of the open balance paid more than ${LATE_THRESHOLD_DAYS} days late): Brier ${r.accountReliability.brier.toFixed(4)} (base rate ${r.accountReliability.brierReference.toFixed(4)}), ECE ${r.accountReliability.ece.toFixed(4)}`,
    ...reliabilityLines(r.accountReliability),
  ].join("\n");
}

function reliabilityLines(report: ReliabilityReport): string[] {
  return [
    "decile  count  predicted  observed",
    ...report.rows.map(
      (row, i) =>
        `${String(i + 1).padStart(6)}  ${String(row.count).padStart(5)}  ${pct(row.predictedMean).padStart(9)}  ${pct(row.observedRate).padStart(8)}`,
    ),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const customers = arg("customers", 2000);
  const seed = arg("seed", 7);
  console.log(`$ npx tsx evals/forecasting.ts --customers ${customers} --seed ${seed}`);
  console.log(formatForecastEval(runForecastEval({ customers, seed })));
}
