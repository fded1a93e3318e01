// Calibrated risk: a monotone map from a raw risk score (agents/forecasting/risk.ts's 0..100, or any
// score where higher = riskier) to the probability of the outcome "paid more than 30 days late",
// fitted on past (score, outcome) pairs; and the reliability table and Brier score that show whether
// probabilities mean what they say.
//
// Why isotonic regression (pool-adjacent-violators) rather than Platt scaling: the raw score is a
// hand-weighted sum of capped factors, with no reason for its relation to the late rate to be a
// logistic curve, which is all Platt's two parameters can express. Isotonic regression assumes only
// that a higher score is never less risky, and it is exact on the training data's grouping (each
// block's probability is the observed late rate of its scores). Its cost is variance on small samples
// (a block of three pairs can say 0% or 100%), so fit it on hundreds of pairs or more; a calibration
// fitted on a few dozen should be read with that in mind (the reliability table's counts show it).
// Features, not a score: combine them into a score first (risk.ts does), then calibrate that.

export interface CalibrationPair {
  score: number;
  /** The observed outcome: true / 1 = paid more than 30 days late. */
  outcome: boolean | 0 | 1;
  /** Default 1. */
  weight?: number;
}

export interface IsotonicBlock {
  /** The lowest and highest training score pooled into the block. */
  minScore: number;
  maxScore: number;
  /** The calibrated probability: the block's weighted outcome rate. */
  value: number;
  weight: number;
}

export interface IsotonicCalibration {
  method: "isotonic-pav";
  /** In increasing score order; values non-decreasing. */
  blocks: IsotonicBlock[];
  /** Training pairs used. */
  count: number;
}

const outcomeValue = (o: boolean | 0 | 1): number => (o === true || o === 1 ? 1 : 0);

function assertWeight(w: number, what: string): void {
  if (!(Number.isFinite(w) && w > 0)) throw new RangeError(`${what}: weight ${w} must be > 0`);
}

/**
 * Pool adjacent violators: the non-decreasing sequence closest to `values` in weighted least squares.
 * Walk left to right keeping a stack of blocks; whenever the newest block's mean is below the one
 * before it, merge the two (weighted mean) and check again.
 */
export function poolAdjacentViolators(values: readonly number[], weights?: readonly number[]): number[] {
  if (weights && weights.length !== values.length) throw new RangeError("one weight per value");
  const blocks: { mean: number; weight: number; size: number }[] = [];
  values.forEach((value, i) => {
    const weight = weights?.[i] ?? 1;
    assertWeight(weight, `value ${i}`);
    if (!Number.isFinite(value)) throw new RangeError(`value ${i} is not a number`);
    blocks.push({ mean: value, weight, size: 1 });
    while (blocks.length > 1 && blocks[blocks.length - 2]!.mean > blocks[blocks.length - 1]!.mean) {
      const b = blocks.pop()!;
      const a = blocks.pop()!;
      const weight = a.weight + b.weight;
      blocks.push({ mean: (a.mean * a.weight + b.mean * b.weight) / weight, weight, size: a.size + b.size });
    }
  });
  return blocks.flatMap((b) => Array<number>(b.size).fill(b.mean));
}

/**
 * Fits the isotonic calibration: pairs grouped by equal score (one score, one probability), sorted by
 * score, then pool-adjacent-violators on the groups' late rates weighted by their counts.
 */
export function fitIsotonic(pairs: readonly CalibrationPair[]): IsotonicCalibration {
  if (pairs.length === 0) throw new RangeError("no training pairs");
  const groups = new Map<number, { weight: number; late: number }>();
  for (const [i, p] of pairs.entries()) {
    if (!Number.isFinite(p.score)) throw new RangeError(`pair ${i}: score ${p.score} is not a number`);
    const weight = p.weight ?? 1;
    assertWeight(weight, `pair ${i}`);
    const g = groups.get(p.score) ?? { weight: 0, late: 0 };
    g.weight += weight;
    g.late += weight * outcomeValue(p.outcome);
    groups.set(p.score, g);
  }
  const sorted = [...groups].sort(([a], [b]) => a - b);
  const fitted = poolAdjacentViolators(
    sorted.map(([, g]) => g.late / g.weight),
    sorted.map(([, g]) => g.weight),
  );
  const blocks: IsotonicBlock[] = [];
  sorted.forEach(([score, g], i) => {
    const value = fitted[i]!;
    const last = blocks[blocks.length - 1];
    if (last && last.value === value) {
      last.maxScore = score;
      last.weight += g.weight;
    } else {
      blocks.push({ minScore: score, maxScore: score, value, weight: g.weight });
    }
  });
  return { method: "isotonic-pav", blocks, count: pairs.length };
}

/**
 * The calibrated probability of a raw score: its block's value; between two blocks, linear between
 * the end of one and the start of the next (monotone, and no jump for scores the training never saw);
 * below the lowest / above the highest training score, the first / last block's value.
 */
export function calibrate(model: IsotonicCalibration, score: number): number {
  const blocks = model.blocks;
  const first = blocks[0]!;
  const last = blocks[blocks.length - 1]!;
  if (score <= first.minScore) return first.value;
  if (score >= last.maxScore) return last.value;
  for (let k = 0; k < blocks.length; k++) {
    const block = blocks[k]!;
    if (score <= block.maxScore) return block.value;
    const next = blocks[k + 1]!;
    if (score < next.minScore) {
      const t = (score - block.maxScore) / (next.minScore - block.maxScore);
      return block.value + t * (next.value - block.value);
    }
  }
  return last.value;
}

// ---------------------------------------------------------------------------------------------------
// Reliability

export interface ForecastOutcome {
  /** Predicted probability, 0..1. */
  predicted: number;
  outcome: boolean | 0 | 1;
  weight?: number;
}

export interface ReliabilityRow {
  /** 0-based bin number. */
  bin: number;
  /** Equal-width: the bin's edges; equal-count: the lowest and highest prediction in it. */
  lower: number;
  upper: number;
  count: number;
  weight: number;
  predictedMean: number;
  observedRate: number;
  /** observedRate − predictedMean: > 0 the predictions run low. */
  gap: number;
}

export interface ReliabilityReport {
  rows: ReliabilityRow[];
  count: number;
  /** Weighted observed rate overall. */
  baseRate: number;
  /** Mean of (predicted − outcome)²: 0 perfect; lower is better. */
  brier: number;
  /** The Brier score of always predicting the base rate, base × (1 − base): what skill beats. */
  brierReference: number;
  /** Expected calibration error: Σ over bins of weight share × |gap|. */
  ece: number;
}

export interface ReliabilityOptions {
  /** Default 10 (deciles). */
  bins?: number;
  /**
   * "equal-count" (default): deciles of the population ranked by prediction, equal predictions kept
   * in one bin (so a bin can hold more or less than a tenth); "equal-width": 0–10%, 10–20%, … .
   */
  binning?: "equal-count" | "equal-width";
}

/** The reliability table by decile (only non-empty bins), Brier score and calibration error. */
export function reliabilityTable(
  forecasts: readonly ForecastOutcome[],
  options: ReliabilityOptions = {},
): ReliabilityReport {
  const bins = options.bins ?? 10;
  const binning = options.binning ?? "equal-count";
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins ${bins} < 1`);
  const items = forecasts.map((f, i) => {
    if (!(f.predicted >= 0 && f.predicted <= 1)) {
      throw new RangeError(`forecast ${i}: predicted ${f.predicted} is not in 0..1`);
    }
    const weight = f.weight ?? 1;
    assertWeight(weight, `forecast ${i}`);
    return { predicted: f.predicted, y: outcomeValue(f.outcome), weight };
  });
  const totalWeight = items.reduce((sum, i) => sum + i.weight, 0);
  if (items.length === 0) {
    return { rows: [], count: 0, baseRate: 0, brier: 0, brierReference: 0, ece: 0 };
  }

  const binOf = new Array<number>(items.length);
  if (binning === "equal-width") {
    items.forEach((item, i) => {
      binOf[i] = Math.min(bins - 1, Math.floor(item.predicted * bins));
    });
  } else {
    const order = items.map((_, i) => i).sort((a, b) => items[a]!.predicted - items[b]!.predicted || a - b);
    let before = 0;
    let k = 0;
    while (k < order.length) {
      // A run of equal predictions goes to the bin where the run starts.
      let end = k;
      while (end + 1 < order.length && items[order[end + 1]!]!.predicted === items[order[k]!]!.predicted)
        end++;
      const bin = Math.min(bins - 1, Math.floor((before * bins) / totalWeight + 1e-9));
      for (let j = k; j <= end; j++) {
        binOf[order[j]!] = bin;
        before += items[order[j]!]!.weight;
      }
      k = end + 1;
    }
  }

  const acc = new Map<
    number,
    { count: number; weight: number; p: number; y: number; min: number; max: number }
  >();
  items.forEach((item, i) => {
    const bin = binOf[i]!;
    const a = acc.get(bin) ?? { count: 0, weight: 0, p: 0, y: 0, min: item.predicted, max: item.predicted };
    a.count += 1;
    a.weight += item.weight;
    a.p += item.weight * item.predicted;
    a.y += item.weight * item.y;
    a.min = Math.min(a.min, item.predicted);
    a.max = Math.max(a.max, item.predicted);
    acc.set(bin, a);
  });
  const rows = [...acc]
    .sort(([a], [b]) => a - b)
    .map(([bin, a]) => {
      const predictedMean = a.p / a.weight;
      const observedRate = a.y / a.weight;
      return {
        bin,
        lower: binning === "equal-width" ? bin / bins : a.min,
        upper: binning === "equal-width" ? (bin + 1) / bins : a.max,
        count: a.count,
        weight: a.weight,
        predictedMean,
        observedRate,
        gap: observedRate - predictedMean,
      };
    });
  const baseRate = items.reduce((sum, i) => sum + i.weight * i.y, 0) / totalWeight;
  return {
    rows,
    count: items.length,
    baseRate,
    brier: items.reduce((sum, i) => sum + i.weight * (i.predicted - i.y) ** 2, 0) / totalWeight,
    brierReference: baseRate * (1 - baseRate),
    ece: rows.reduce((sum, r) => sum + (r.weight / totalWeight) * Math.abs(r.gap), 0),
  };
}
