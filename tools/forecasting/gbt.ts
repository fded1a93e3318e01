// Gradient-boosted regression trees with quantile (pinball) loss, small and deterministic.
//
// - Features are binned once (histogram GBM, as LightGBM does): at most `maxBins` bins per feature from
//   the training values' quantiles, plus one bin for unknown (NaN). A split is "value ≤ threshold",
//   and each split also learns which side unknowns go to.
// - Each round fits a depth-limited least-squares tree to the pinball loss's negative gradient
//   (α where the target is above the current prediction, α − 1 where below), then replaces every
//   leaf's value with the α-quantile of the residuals of the rows in that leaf (Friedman's TreeBoost
//   step for the quantile loss, as scikit-learn does), scaled by the learning rate.
// - Optional row subsampling uses a seeded generator (mulberry32): same data and parameters, same trees.
// - A tree is stored with raw-value thresholds, so predicting needs no bins.

export interface GbtParams {
  /** The quantile this ensemble estimates, 0 < α < 1. */
  alpha: number;
  rounds: number;
  learningRate: number;
  maxDepth: number;
  /** Fewest training rows in a leaf. */
  minLeaf: number;
  /** Bins per feature (≤ 255). */
  maxBins: number;
  /** Share of rows each tree is fitted on (1 = all). */
  subsample: number;
  seed: number;
}

/** A tree as parallel arrays; node 0 is the root; feature −1 marks a leaf. */
export interface TreeJson {
  feature: number[];
  threshold: number[];
  /** 1: unknown values go left. */
  missingLeft: number[];
  left: number[];
  right: number[];
  value: number[];
}

export interface EnsembleJson {
  alpha: number;
  init: number;
  learningRate: number;
  trees: TreeJson[];
}

/** Training features binned once: column-major bins, `missingBin` per feature for NaN. */
export interface BinnedData {
  rows: number;
  features: number;
  /** bins[f * rows + i]. */
  bins: Uint8Array;
  /** Upper edges: bin b holds values ≤ edges[f][b] (the last bin has no upper edge). */
  edges: number[][];
  /** Number of value bins of each feature; the unknown bin is that index. */
  binCount: number[];
  /** Histogram slots per feature: the most value bins of any feature, plus the unknown bin. */
  stride: number;
}

export function binFeatures(matrix: readonly (readonly number[])[], maxBins: number): BinnedData {
  const rows = matrix.length;
  const features = rows > 0 ? matrix[0]!.length : 0;
  const bins = new Uint8Array(rows * features);
  const edges: number[][] = [];
  const binCount: number[] = [];
  const limit = Math.min(255, Math.max(2, maxBins));
  for (let f = 0; f < features; f++) {
    const values: number[] = [];
    for (let i = 0; i < rows; i++) {
      const v = matrix[i]![f]!;
      if (!Number.isNaN(v)) values.push(v);
    }
    values.sort((a, b) => a - b);
    const unique: number[] = [];
    for (const v of values) if (unique.length === 0 || unique[unique.length - 1] !== v) unique.push(v);
    const e: number[] = [];
    if (unique.length <= limit) {
      for (let k = 0; k + 1 < unique.length; k++) e.push((unique[k]! + unique[k + 1]!) / 2);
    } else {
      // Quantile edges over the values (with their repeats), kept distinct and between two values.
      for (let k = 1; k < limit; k++) {
        const v = values[Math.floor((k * values.length) / limit)]!;
        const below = lastBelow(unique, v);
        if (below === undefined) continue;
        const edge = (below + v) / 2;
        if (e.length === 0 || edge > e[e.length - 1]!) e.push(edge);
      }
    }
    edges.push(e);
    binCount.push(e.length + 1);
    for (let i = 0; i < rows; i++) {
      const v = matrix[i]![f]!;
      bins[f * rows + i] = Number.isNaN(v) ? e.length + 1 : binOf(e, v);
    }
  }
  return { rows, features, bins, edges, binCount, stride: Math.max(1, ...binCount) + 1 };
}

function lastBelow(sorted: number[], v: number): number | undefined {
  let lo = 0;
  let hi = sorted.length - 1;
  let found: number | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < v) {
      found = sorted[mid];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The first bin whose upper edge is ≥ v. */
function binOf(edges: number[], v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** mulberry32: a small seeded generator, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The α-quantile of values (lower order statistic at ⌈α·n⌉, the pinball-loss minimizer). */
export function pinballQuantile(values: Float64Array | number[], alpha: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return 0;
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil(alpha * sorted.length) - 1));
  return sorted[k]!;
}

export function pinballLoss(y: number, prediction: number, alpha: number): number {
  const r = y - prediction;
  return r >= 0 ? alpha * r : (alpha - 1) * r;
}

export interface FitResult {
  ensemble: EnsembleJson;
  /** Mean pinball loss on the validation rows after each round (when validation rows were given). */
  validationLoss: number[];
}

/**
 * Fits one quantile ensemble on binned rows `train` (indexes into data) with targets y; when `validation`
 * is given (rows of the same binned data), records the validation loss after every round.
 */
export function fitQuantileEnsemble(
  data: BinnedData,
  y: Float64Array,
  train: Int32Array,
  params: GbtParams,
  validation?: Int32Array,
  /** With validation rows: stop once this many rounds pass without a new lowest validation loss. */
  patience?: number,
): FitResult {
  const { alpha, learningRate } = params;
  const yTrain = Float64Array.from(train, (i) => y[i]!);
  const init = pinballQuantile(yTrain, alpha);
  const prediction = new Float64Array(data.rows).fill(init);
  const trees: TreeJson[] = [];
  const validationLoss: number[] = [];
  const random = seededRandom(params.seed);
  const gradient = new Float64Array(data.rows);
  const leafOf = new Int32Array(data.rows);
  const allRows = new Int32Array(train.length + (validation?.length ?? 0));
  allRows.set(train);
  if (validation) allRows.set(validation, train.length);

  for (let round = 0; round < params.rounds; round++) {
    for (let k = 0; k < train.length; k++) {
      const i = train[k]!;
      const r = y[i]! - prediction[i]!;
      gradient[i] = r > 0 ? alpha : r < 0 ? alpha - 1 : 0;
    }
    let sample = train;
    if (params.subsample < 1) {
      const picked: number[] = [];
      for (let k = 0; k < train.length; k++) {
        const i = train[k]!;
        if (random() < params.subsample) picked.push(i);
      }
      sample = Int32Array.from(picked);
    }
    const tree = growTree(data, gradient, sample, params);
    // Leaf values: the α-quantile of the residuals of the sample rows in each leaf.
    routeRows(data, tree, sample, leafOf);
    const residuals = new Map<number, number[]>();
    for (let k = 0; k < sample.length; k++) {
      const i = sample[k]!;
      const list = residuals.get(leafOf[i]!);
      const r = y[i]! - prediction[i]!;
      if (list) list.push(r);
      else residuals.set(leafOf[i]!, [r]);
    }
    for (let node = 0; node < tree.feature.length; node++) {
      if (tree.feature[node] !== -1) continue;
      const list = residuals.get(node);
      tree.value[node] = list ? learningRate * pinballQuantile(list, alpha) : 0;
    }
    routeRows(data, tree, allRows, leafOf);
    for (let k = 0; k < allRows.length; k++) {
      const i = allRows[k]!;
      prediction[i] = prediction[i]! + tree.value[leafOf[i]!]!;
    }
    trees.push(toRawThresholds(tree, data));
    if (validation && validation.length > 0) {
      let loss = 0;
      for (let k = 0; k < validation.length; k++) {
        const i = validation[k]!;
        loss += pinballLoss(y[i]!, prediction[i]!, alpha);
      }
      validationLoss.push(loss / validation.length);
      if (patience !== undefined && round - bestIndex(validationLoss) >= patience) break;
    }
  }
  return { ensemble: { alpha, init, learningRate, trees }, validationLoss };
}

/** A tree during training: thresholds are bin indexes (≤ bin goes left). */
interface BinTree extends TreeJson {}

function growTree(data: BinnedData, gradient: Float64Array, rows: Int32Array, params: GbtParams): BinTree {
  const tree: BinTree = { feature: [], threshold: [], missingLeft: [], left: [], right: [], value: [] };
  const newNode = () => {
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.missingLeft.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(0);
    return tree.feature.length - 1;
  };
  const split = (node: number, members: Int32Array, hist: Histogram, depth: number) => {
    if (depth >= params.maxDepth || members.length < 2 * params.minLeaf) return;
    const best = bestSplit(data, hist, members.length, params.minLeaf);
    if (!best) return;
    const left: number[] = [];
    const right: number[] = [];
    const base = best.feature * data.rows;
    const missing = data.binCount[best.feature]!;
    for (let k = 0; k < members.length; k++) {
      const i = members[k]!;
      const bin = data.bins[base + i]!;
      const goesLeft = bin === missing ? best.missingLeft : bin <= best.bin;
      (goesLeft ? left : right).push(i);
    }
    tree.feature[node] = best.feature;
    tree.threshold[node] = best.bin;
    tree.missingLeft[node] = best.missingLeft ? 1 : 0;
    const l = newNode();
    const r = newNode();
    tree.left[node] = l;
    tree.right[node] = r;
    const leftRows = Int32Array.from(left);
    const rightRows = Int32Array.from(right);
    // Histogram subtraction: count the smaller child, derive the larger one from its parent.
    const leftSmaller = leftRows.length <= rightRows.length;
    const small = histogram(data, gradient, leftSmaller ? leftRows : rightRows);
    const large = subtract(hist, small);
    split(l, leftRows, leftSmaller ? small : large, depth + 1);
    split(r, rightRows, leftSmaller ? large : small, depth + 1);
  };
  split(newNode(), rows, histogram(data, gradient, rows), 0);
  return tree;
}

/** Per feature and bin (data.stride slots: the value bins and the unknown bin): gradient sums and row counts. */
interface Histogram {
  sums: Float64Array;
  counts: Int32Array;
}

function histogram(data: BinnedData, gradient: Float64Array, members: Int32Array): Histogram {
  const sums = new Float64Array(data.features * data.stride);
  const counts = new Int32Array(data.features * data.stride);
  const bins = data.bins;
  for (let f = 0; f < data.features; f++) {
    const base = f * data.rows;
    const offset = f * data.stride;
    for (let k = 0; k < members.length; k++) {
      const i = members[k]!;
      const slot = offset + bins[base + i]!;
      sums[slot] = sums[slot]! + gradient[i]!;
      counts[slot] = counts[slot]! + 1;
    }
  }
  return { sums, counts };
}

function subtract(parent: Histogram, child: Histogram): Histogram {
  const sums = new Float64Array(parent.sums.length);
  const counts = new Int32Array(parent.counts.length);
  for (let j = 0; j < sums.length; j++) {
    sums[j] = parent.sums[j]! - child.sums[j]!;
    counts[j] = parent.counts[j]! - child.counts[j]!;
  }
  return { sums, counts };
}

interface Split {
  feature: number;
  bin: number;
  missingLeft: boolean;
  gain: number;
}

/** The split with the largest squared-error reduction of the gradients (ties: first feature, first bin). */
function bestSplit(data: BinnedData, hist: Histogram, n: number, minLeaf: number): Split | undefined {
  let best: Split | undefined;
  const { sums, counts } = hist;
  // Every row sits in exactly one bin of feature 0, so its bins add up to the node's total.
  let total = 0;
  for (let b = 0; b <= data.binCount[0]!; b++) total += sums[b]!;
  const parentScore = (total * total) / n;
  for (let f = 0; f < data.features; f++) {
    const valueBins = data.binCount[f]!;
    if (valueBins < 2) continue;
    const offset = f * data.stride;
    const missingSum = sums[offset + valueBins]!;
    const missingCount = counts[offset + valueBins]!;
    let leftSum = 0;
    let leftCount = 0;
    for (let b = 0; b < valueBins - 1; b++) {
      leftSum += sums[offset + b]!;
      leftCount += counts[offset + b]!;
      // Unknowns right, then (when there are any) unknowns left.
      for (let side = 0; side < (missingCount > 0 ? 2 : 1); side++) {
        const ls = side === 1 ? leftSum + missingSum : leftSum;
        const lc = side === 1 ? leftCount + missingCount : leftCount;
        const rc = n - lc;
        if (lc < minLeaf || rc < minLeaf) continue;
        const rs = total - ls;
        const gain = (ls * ls) / lc + (rs * rs) / rc - parentScore;
        if (gain > 1e-12 && (!best || gain > best.gain + 1e-12)) {
          best = { feature: f, bin: b, missingLeft: side === 1, gain };
        }
      }
    }
  }
  return best;
}

function routeRows(data: BinnedData, tree: BinTree, rows: Int32Array, leafOf: Int32Array): void {
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k]!;
    let node = 0;
    while (tree.feature[node] !== -1) {
      const f = tree.feature[node]!;
      const bin = data.bins[f * data.rows + i]!;
      const goesLeft =
        bin === data.binCount[f]! ? tree.missingLeft[node] === 1 : bin <= tree.threshold[node]!;
      node = goesLeft ? tree.left[node]! : tree.right[node]!;
    }
    leafOf[i] = node;
  }
}

/** Bin thresholds → raw values: bin ≤ b is value ≤ edges[f][b]. */
function toRawThresholds(tree: BinTree, data: BinnedData): TreeJson {
  return {
    ...tree,
    threshold: tree.threshold.map((t, node) =>
      tree.feature[node] === -1 ? 0 : data.edges[tree.feature[node]!]![t]!,
    ),
  };
}

/** The index of the first lowest value. */
export function bestIndex(losses: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < losses.length; i++) if (losses[i]! < losses[best]! - 1e-12) best = i;
  return best;
}

export function predictTree(tree: TreeJson, x: readonly number[]): number {
  let node = 0;
  while (tree.feature[node] !== -1) {
    const v = x[tree.feature[node]!]!;
    const goesLeft = Number.isNaN(v) ? tree.missingLeft[node] === 1 : v <= tree.threshold[node]!;
    node = goesLeft ? tree.left[node]! : tree.right[node]!;
  }
  return tree.value[node]!;
}

export function predictEnsemble(ensemble: EnsembleJson, x: readonly number[], rounds?: number): number {
  let sum = ensemble.init;
  const count = rounds === undefined ? ensemble.trees.length : Math.min(rounds, ensemble.trees.length);
  for (let t = 0; t < count; t++) sum += predictTree(ensemble.trees[t]!, x);
  return sum;
}
