// The pay-date quantile model: P10 / P50 / P90 of days late (pay date − due date) for one invoice.
//
// Model choice: gradient-boosted regression trees with the quantile (pinball) loss, one ensemble per
// quantile (gbt.ts), trained in-process. Why:
// - Payment behaviour is a handful of strong, non-linear, interacting effects: a disputed invoice is paid
//   weeks later than the same customer's undisputed ones, a customer's own history matters only once it
//   exists, paper billing shifts everything by a few days. Trees find these thresholds and interactions
//   without hand-made terms; a linear quantile regression would need them spelled out.
// - Quantile loss gives calibrated intervals directly (no normality assumption: days late are skewed
//   and bounded below by −terms), and the P50 minimizes absolute error, the metric we report.
// - Unknown features (a new customer has no history) are routed by each split's learned direction, so
//   a cold-start invoice gets the population's quantiles conditioned on what is known (terms, amount,
//   dispute, paper/electronic) — and a finite prediction, never NaN.
// - A few thousand invoices train in well under a second; the result is plain JSON.
//
// Training rows: every invoice settled before the cut, seen as of its invoice date (the backtest's
// situation), plus "overdue snapshots": the same invoice seen as of due + k days for k in
// `overdueSnapshots` when it was still open then, so the model also learns what an invoice that is
// already k days overdue will do (daysOverdue, ageDays). Features come from buildFeatures over the
// whole history with pay dates on/after the cut hidden, so nothing after the cut is seen.
//
// The number of boosting rounds is chosen per quantile on the training data only: the examples whose
// invoice date falls in the last `validationShare` of the training period are held out, an ensemble
// is fitted on the rest with `maxRounds`, the round with the lowest validation pinball loss is kept,
// and the final ensemble is refitted on all training examples with that many rounds.
//
// Quantile crossing: the three predictions are sorted (monotone rearrangement), so p10 ≤ p50 ≤ p90.
//
// Late-probability calibration: the probability of paying more than 30 days late read off the three
// quantiles (predict.ts) is only as good as the quantiles' tails, and the reliability table showed it
// too low for the safest invoices and too high for the riskiest. So training also fits an isotonic map
// from that raw probability to the observed late rate (tools/ar-metrics/calibration.ts), on the
// validation period and with the ensembles that never saw it: every invoice issued in the validation
// period whose outcome is already known at the cut (due date + 31 days on or before the cut, whether
// or not it was paid — keeping only the paid ones would keep only the punctual ones), as of its
// invoice date and its overdue snapshots. The map is stored with the model and applied to every
// prediction.
import { calibrate, fitIsotonic, type IsotonicCalibration } from "../ar-metrics/calibration.ts";
import { addDays, assertDate, daysBetween, maxDate } from "./dates.ts";
import { buildFeatures, daysLate, FEATURE_NAMES, featureVector, type PayDateFeatures } from "./features.ts";
import {
  bestIndex,
  binFeatures,
  type EnsembleJson,
  fitQuantileEnsemble,
  type GbtParams,
  predictEnsemble,
} from "./gbt.ts";
import { LATE_THRESHOLD_DAYS, lateProbability } from "./predict.ts";
import type { FeatureContext, HistoryInvoice, QuantilePrediction } from "./types.ts";

export const MODEL_FORMAT = "arc-paydate-gbq";
export const MODEL_FAMILY = "gbq1";
export const QUANTILES = { p10: 0.1, p50: 0.5, p90: 0.9 } as const;
type QuantileKey = keyof typeof QUANTILES;
const KEYS: QuantileKey[] = ["p10", "p50", "p90"];

export interface TrainOptions {
  /** Train on invoices settled strictly before this date; default: every settled invoice. */
  cut?: string;
  /** Boosting rounds; "auto" (default) picks them on a validation split inside the training period. */
  rounds?: number | "auto";
  /** The most rounds "auto" considers… */
  maxRounds?: number;
  /** …stopping once this many pass without improving the validation loss. */
  patience?: number;
  learningRate?: number;
  maxDepth?: number;
  minLeaf?: number;
  maxBins?: number;
  subsample?: number;
  seed?: number;
  /** The latest share of the training period held out to choose the rounds. */
  validationShare?: number;
  /** Also learn from each invoice as of due + k days while it was still open, for each k. */
  overdueSnapshots?: number[];
  /**
   * Train on at most this many settled invoices: whole customers (a customer's features need its
   * whole history), chosen by a seeded hash of their id (sampleTrainingCustomers). A portfolio of
   * 100,000 customers has over a million settled invoices; the trees learn nothing more from them
   * that 50,000 do not teach, and training time and memory grow with every row.
   */
  maxTrainingInvoices?: number;
  /**
   * The optional account facts (promises kept/broken, outreach so far) of an invoice as of a date, for
   * callers that have them; they must describe only what was known on that date. Not part of the
   * parameter hash, but the features they produce are part of the data fingerprint in the version.
   */
  context?: FeatureContext | ((invoice: HistoryInvoice, asOf: string) => FeatureContext);
}

export interface ModelParams {
  maxRounds: number;
  patience: number;
  learningRate: number;
  maxDepth: number;
  minLeaf: number;
  maxBins: number;
  subsample: number;
  seed: number;
  validationShare: number;
  overdueSnapshots: number[];
  maxTrainingInvoices: number;
}

export const DEFAULT_PARAMS: ModelParams = {
  maxRounds: 300,
  patience: 50,
  learningRate: 0.05,
  maxDepth: 4,
  minLeaf: 20,
  maxBins: 32,
  subsample: 0.8,
  seed: 20_240_501,
  validationShare: 0.2,
  overdueSnapshots: [-15, 0, 10, 20, 30, 60],
  maxTrainingInvoices: 50_000,
};

export interface PayDateModelJson {
  format: typeof MODEL_FORMAT;
  version: string;
  /** Training used invoices settled strictly before this date. */
  cut: string;
  /** Training examples (invoices plus overdue snapshots) and settled invoices behind them. */
  trainingExamples: number;
  trainingInvoices: number;
  /** When the history had more settled invoices than maxTrainingInvoices: what the sample kept. */
  sample?: { customers: number; ofCustomers: number; invoices: number; ofInvoices: number } | null;
  features: string[];
  params: ModelParams;
  /** Rounds kept per quantile. */
  rounds: Record<QuantileKey, number>;
  ensembles: Record<QuantileKey, EnsembleJson>;
  /**
   * The isotonic map from the raw late probability to a calibrated one, and what it was fitted on;
   * null (or absent, in models stored before it existed) when the validation period had too few
   * invoices with a known outcome: then the raw probability is used.
   */
  lateCalibration?: (IsotonicCalibration & { examples: number; lateRate: number }) | null;
}

/** Fewer validation examples with a known outcome than this, and the late probability stays raw. */
export const MIN_CALIBRATION_EXAMPLES = 200;

export class PayDateQuantileModel {
  readonly version: string;
  readonly cut: string;
  private readonly json: PayDateModelJson;

  constructor(json: PayDateModelJson) {
    this.json = json;
    this.version = json.version;
    this.cut = json.cut;
  }

  /** P10 / P50 / P90 of days late for these features (finite, ordered). */
  predict(features: PayDateFeatures): QuantilePrediction {
    return this.predictVector(featureVector(features));
  }

  predictVector(x: readonly number[]): QuantilePrediction {
    const raw = KEYS.map((key) => predictEnsemble(this.json.ensembles[key], x));
    const [p10, p50, p90] = raw.map((v) => (Number.isFinite(v) ? v : 0)).sort((a, b) => a - b) as [
      number,
      number,
      number,
    ];
    return { p10, p50, p90 };
  }

  /** Whether the late probability is calibrated (see lateProbability). */
  get calibrated(): boolean {
    return Boolean(this.json.lateCalibration);
  }

  /**
   * P(paid more than LATE_THRESHOLD_DAYS late | still open `minDaysLate` days after the due date) for
   * quantiles `q` of this model: the raw probability (predict.ts) through the model's calibration.
   * Already more than the threshold overdue, it is certain: 1.
   */
  lateProbability(q: QuantilePrediction, minDaysLate = Number.NEGATIVE_INFINITY): number {
    const raw = lateProbability(q, minDaysLate);
    const calibration = this.json.lateCalibration;
    if (!calibration || minDaysLate > LATE_THRESHOLD_DAYS) return raw;
    return Math.round(calibrate(calibration, raw) * 10_000) / 10_000;
  }

  toJSON(): PayDateModelJson {
    return this.json;
  }
}

export function fromJSON(input: string | PayDateModelJson): PayDateQuantileModel {
  const json = (typeof input === "string" ? JSON.parse(input) : input) as PayDateModelJson;
  if (json?.format !== MODEL_FORMAT) throw new Error(`not a pay-date model (format "${json?.format}")`);
  const expected = FEATURE_NAMES.join(",");
  if (json.features?.join(",") !== expected) {
    throw new Error(`model ${json.version} was trained on other features (${json.features?.join(", ")})`);
  }
  for (const key of KEYS) {
    if (!Array.isArray(json.ensembles?.[key]?.trees))
      throw new Error(`model ${json.version}: no ${key} ensemble`);
  }
  return new PayDateQuantileModel(json);
}

/** One training example: features as of a date, and the days late that followed. */
export interface TrainingExample {
  x: number[];
  daysLate: number;
  /** The invoice date (orders examples in time for the validation split). */
  invoiceDate: string;
}

/** A calibration example: features as of a date, how overdue the invoice was then, and the outcome. */
export interface CalibrationExample {
  invoiceId: string | undefined;
  x: number[];
  minDaysLate: number;
  late: boolean;
}

/** Invoices settled before `cut` → training examples, with pay dates on/after the cut hidden from the features. */
export function trainingExamples(
  rows: readonly HistoryInvoice[],
  cut: string,
  overdueSnapshots: readonly number[],
  context?: (invoice: HistoryInvoice, asOf: string) => FeatureContext,
): { examples: TrainingExample[]; invoices: number } {
  const known = hideAfter(rows, cut);
  const byCustomer = groupByCustomer(known);
  const examples: TrainingExample[] = [];
  let invoices = 0;
  for (const invoice of known) {
    if (invoice.paidDate === null) continue;
    invoices++;
    const history = byCustomer.get(invoice.customerId)!;
    const target = daysLate(invoice);
    const asOfs = [invoice.invoiceDate];
    for (const k of overdueSnapshots) {
      const asOf = addDays(invoice.dueDate, k);
      if (asOf > invoice.invoiceDate && asOf < invoice.paidDate) asOfs.push(asOf);
    }
    for (const asOf of asOfs) {
      const features = buildFeatures(invoice, history, asOf, context?.(invoice, asOf));
      examples.push({ x: featureVector(features), daysLate: target, invoiceDate: invoice.invoiceDate });
    }
  }
  return { examples, invoices };
}

/** The rows as known just before `cut`: invoices paid on/after it are open (paidDate null). */
export function hideAfter(rows: readonly HistoryInvoice[], cut: string): HistoryInvoice[] {
  return rows.map((r) => (r.paidDate !== null && r.paidDate >= cut ? { ...r, paidDate: null } : r));
}

export function groupByCustomer<T extends { customerId: string }>(rows: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(row.customerId);
    if (group) group.push(row);
    else groups.set(row.customerId, [row]);
  }
  return groups;
}

/** Trains the three quantile ensembles on the invoices in `rows` settled before options.cut. */
export function trainPayDateModel(
  history: readonly HistoryInvoice[],
  options: TrainOptions = {},
): PayDateQuantileModel {
  let rows = history;
  const params: ModelParams = {
    maxRounds: options.maxRounds ?? DEFAULT_PARAMS.maxRounds,
    patience: options.patience ?? DEFAULT_PARAMS.patience,
    learningRate: options.learningRate ?? DEFAULT_PARAMS.learningRate,
    maxDepth: options.maxDepth ?? DEFAULT_PARAMS.maxDepth,
    minLeaf: options.minLeaf ?? DEFAULT_PARAMS.minLeaf,
    maxBins: options.maxBins ?? DEFAULT_PARAMS.maxBins,
    subsample: options.subsample ?? DEFAULT_PARAMS.subsample,
    seed: options.seed ?? DEFAULT_PARAMS.seed,
    validationShare: options.validationShare ?? DEFAULT_PARAMS.validationShare,
    overdueSnapshots: [...(options.overdueSnapshots ?? DEFAULT_PARAMS.overdueSnapshots)],
    maxTrainingInvoices: options.maxTrainingInvoices ?? DEFAULT_PARAMS.maxTrainingInvoices,
  };
  const fixedRounds = typeof options.rounds === "number" ? options.rounds : undefined;
  if (options.cut !== undefined) assertDate(options.cut, "cut");
  const cut = options.cut ?? dayAfterLastPayment(history);
  const context = options.context;
  const settledByCustomer = new Map<string, number>();
  for (const r of rows) {
    if (r.paidDate !== null && r.paidDate < cut) {
      settledByCustomer.set(r.customerId, (settledByCustomer.get(r.customerId) ?? 0) + 1);
    }
  }
  const kept = sampleTrainingCustomers(settledByCustomer, params.maxTrainingInvoices, params.seed);
  let sample: PayDateModelJson["sample"] = null;
  if (kept) {
    const ofInvoices = [...settledByCustomer.values()].reduce((a, b) => a + b, 0);
    sample = {
      customers: kept.size,
      ofCustomers: settledByCustomer.size,
      invoices: [...kept].reduce((sum, id) => sum + settledByCustomer.get(id)!, 0),
      ofInvoices,
    };
    rows = rows.filter((r) => kept.has(r.customerId));
  }
  const { examples, invoices } = trainingExamples(
    rows,
    cut,
    params.overdueSnapshots,
    typeof context === "function" ? context : context ? () => context : undefined,
  );
  if (invoices === 0) throw new RangeError(`no invoice was settled before ${cut}: nothing to train on`);

  const data = binFeatures(
    examples.map((e) => e.x),
    params.maxBins,
  );
  const y = Float64Array.from(examples, (e) => e.daysLate);
  const all = Int32Array.from(examples, (_, i) => i);
  const split = validationSplit(examples, params.validationShare);

  const ensembles = {} as Record<QuantileKey, EnsembleJson>;
  const rounds = {} as Record<QuantileKey, number>;
  // Fitted on the training split only: they choose the rounds and calibrate the late probability.
  const heldOut = {} as Record<QuantileKey, EnsembleJson>;
  KEYS.forEach((key, q) => {
    const gbt: GbtParams = {
      alpha: QUANTILES[key],
      rounds: fixedRounds ?? params.maxRounds,
      learningRate: params.learningRate,
      maxDepth: params.maxDepth,
      minLeaf: params.minLeaf,
      maxBins: params.maxBins,
      subsample: params.subsample,
      seed: params.seed + q,
    };
    let chosen = gbt.rounds;
    if (split) {
      const fit =
        fixedRounds === undefined
          ? fitQuantileEnsemble(data, y, split.train, gbt, split.validation, params.patience)
          : fitQuantileEnsemble(data, y, split.train, gbt);
      if (fixedRounds === undefined) chosen = bestRound(fit.validationLoss);
      heldOut[key] = fit.ensemble;
    }
    ensembles[key] = fitQuantileEnsemble(data, y, all, { ...gbt, rounds: chosen }).ensemble;
    rounds[key] = chosen;
  });

  let lateCalibration: PayDateModelJson["lateCalibration"] = null;
  if (split) {
    const pairs = calibrationExamples(
      rows,
      cut,
      split.from,
      params.overdueSnapshots,
      typeof context === "function" ? context : context ? () => context : undefined,
    ).map((e) => {
      const [p10, p50, p90] = KEYS.map((key) => predictEnsemble(heldOut[key], e.x, rounds[key])).sort(
        (a, b) => a - b,
      ) as [number, number, number];
      return { score: lateProbability({ p10, p50, p90 }, e.minDaysLate), outcome: e.late };
    });
    if (pairs.length >= MIN_CALIBRATION_EXAMPLES) {
      lateCalibration = {
        ...fitIsotonic(pairs),
        examples: pairs.length,
        lateRate: pairs.filter((p) => p.outcome).length / pairs.length,
      };
    }
  }

  const version = `${MODEL_FAMILY}@${cut}#${fnv1a(
    JSON.stringify({ params, rounds, features: FEATURE_NAMES, data: dataFingerprint(examples) }),
  )}`;
  return new PayDateQuantileModel({
    format: MODEL_FORMAT,
    version,
    cut,
    trainingExamples: examples.length,
    trainingInvoices: invoices,
    sample,
    features: [...FEATURE_NAMES],
    params,
    rounds,
    ensembles,
    lateCalibration,
  });
}

/**
 * Invoices issued from `from` up to the cut whose late-or-not outcome is known at the cut (due date +
 * LATE_THRESHOLD_DAYS + 1 on or before it), as of their invoice date and each overdue snapshot while
 * still open and not yet past the threshold, with the features known then.
 */
export function calibrationExamples(
  rows: readonly HistoryInvoice[],
  cut: string,
  from: string,
  overdueSnapshots: readonly number[],
  context?: (invoice: HistoryInvoice, asOf: string) => FeatureContext,
): CalibrationExample[] {
  const known = hideAfter(rows, cut);
  const byCustomer = groupByCustomer(known);
  const examples: CalibrationExample[] = [];
  for (const invoice of known) {
    if (invoice.invoiceDate < from || invoice.invoiceDate >= cut) continue;
    const decidedOn = addDays(invoice.dueDate, LATE_THRESHOLD_DAYS + 1);
    if (decidedOn > cut) continue;
    // Open at the cut and the cut on/after due + 31: it was paid more than 30 days late (or not yet).
    const late = invoice.paidDate === null || daysLate(invoice) > LATE_THRESHOLD_DAYS;
    const asOfs = [invoice.invoiceDate];
    for (const k of overdueSnapshots) {
      const asOf = addDays(invoice.dueDate, k);
      if (asOf > invoice.invoiceDate && (invoice.paidDate === null || asOf < invoice.paidDate))
        asOfs.push(asOf);
    }
    for (const asOf of asOfs) {
      const minDaysLate = daysBetween(invoice.dueDate, asOf);
      if (minDaysLate > LATE_THRESHOLD_DAYS) continue;
      const features = buildFeatures(
        invoice,
        byCustomer.get(invoice.customerId)!,
        asOf,
        context?.(invoice, asOf),
      );
      examples.push({ invoiceId: invoice.invoiceId, x: featureVector(features), minDaysLate, late });
    }
  }
  return examples;
}

/**
 * The customers to train on when their settled invoices number more than `maxInvoices`: in the order
 * of a seeded hash of their id (deterministic, and unrelated to size, region or behaviour), each
 * customer that still fits; null when all of them fit.
 */
export function sampleTrainingCustomers(
  settledByCustomer: ReadonlyMap<string, number>,
  maxInvoices: number,
  seed: number,
): Set<string> | null {
  if (!(Number.isInteger(maxInvoices) && maxInvoices > 0)) {
    throw new RangeError(`maxTrainingInvoices ${maxInvoices} must be a positive whole number`);
  }
  let total = 0;
  for (const n of settledByCustomer.values()) total += n;
  if (total <= maxInvoices) return null;
  const order = [...settledByCustomer.keys()]
    .map((id) => ({ id, hash: fnv1a(`${seed}:${id}`) }))
    .sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const kept = new Set<string>();
  let used = 0;
  for (const { id } of order) {
    const n = settledByCustomer.get(id)!;
    if (used + n > maxInvoices) continue;
    kept.add(id);
    used += n;
    if (used === maxInvoices) break;
  }
  return kept;
}

function dayAfterLastPayment(rows: readonly HistoryInvoice[]): string {
  let last = "";
  for (const r of rows) if (r.paidDate !== null) last = maxDate(last, r.paidDate);
  if (last === "") throw new RangeError("no settled invoice: nothing to train on");
  return addDays(last, 1);
}

/** Examples invoiced in the last `share` of the training period are held out (none if too few). */
function validationSplit(examples: readonly TrainingExample[], share: number) {
  if (share <= 0 || examples.length < 50) return undefined;
  const dates = examples.map((e) => e.invoiceDate).sort();
  const from = dates[Math.floor(dates.length * (1 - share))]!;
  const train: number[] = [];
  const validation: number[] = [];
  examples.forEach((e, i) => {
    (e.invoiceDate >= from ? validation : train).push(i);
  });
  if (train.length < 20 || validation.length < 10) return undefined;
  return { from, train: Int32Array.from(train), validation: Int32Array.from(validation) };
}

/** The first round whose validation loss is the lowest (at least 1). */
function bestRound(losses: readonly number[]): number {
  return losses.length === 0 ? 1 : bestIndex(losses) + 1;
}

function dataFingerprint(examples: readonly TrainingExample[]): string {
  let h = 0x811c9dc5;
  for (const e of examples) {
    h = fnvStep(h, `${e.invoiceDate}|${e.daysLate}|${e.x.join(",")};`);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** FNV-1a, 32 bits, as 8 hex digits: a short, stable hash for version strings. */
export function fnv1a(text: string): string {
  return (fnvStep(0x811c9dc5, text) >>> 0).toString(16).padStart(8, "0");
}

function fnvStep(hash: number, text: string): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}
