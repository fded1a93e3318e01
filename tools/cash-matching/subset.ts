// One payment for several invoices: which sets of open balances sum exactly to the payment?
// Exhaustive over the n oldest invoices by meeting in the middle — the subset sums of each half
// (2^⌈n/2⌉ + 2^⌊n/2⌋ nodes), then one look-up per sum of the second half — so 25 invoices cost about
// 12,000 additions instead of 33 million, and "exactly one set fits" is a proven statement about
// those n invoices, not a hope. `nodeBudget` bounds n further.

export interface SubsetResult {
  /** Up to two distinct solutions (indices into the items, ascending) with at least `minSize` items. */
  solutions: number[][];
  /** How many distinct solutions with at least `minSize` items exist (counted exactly, capped at 1e9). */
  count: number;
  /** Items considered (the first n). */
  considered: number;
}

/** The largest n whose meet-in-the-middle enumeration fits the node budget. */
const withinBudget = new Map<string, number>();
export function itemsWithinBudget(nodeBudget: number, max: number): number {
  const key = `${nodeBudget}:${max}`;
  const known = withinBudget.get(key);
  if (known !== undefined) return known;
  let n = 0;
  while (n < max && 2 ** Math.ceil((n + 1) / 2) + 2 ** Math.floor((n + 1) / 2) <= nodeBudget) n++;
  withinBudget.set(key, n);
  return n;
}

function popcount(x: number): number {
  let c = 0;
  while (x) {
    x &= x - 1;
    c++;
  }
  return c;
}

function halfSums(items: readonly number[]): Float64Array {
  const sums = new Float64Array(2 ** items.length);
  for (let mask = 1; mask < sums.length; mask++) {
    const low = mask & -mask;
    sums[mask] = sums[mask ^ low]! + items[31 - Math.clz32(low)]!;
  }
  return sums;
}

/**
 * Sets of `items` (positive integers) summing to `target`, among the first `n` items. Solutions
 * come in a fixed order (by the first half's mask, then the second's), so the result is
 * deterministic for a given item order.
 */
export function subsetSums(
  items: readonly number[],
  target: number,
  minSize: number,
  n: number,
): SubsetResult {
  const considered = Math.min(n, items.length);
  const list = items.slice(0, considered);
  const none: SubsetResult = { solutions: [], count: 0, considered };
  if (target <= 0 || considered === 0) return none;
  let total = 0;
  for (const x of list) total += x;
  if (total < target) return none;

  const h = Math.floor(considered / 2);
  const a = halfSums(list.slice(0, h));
  const b = halfSums(list.slice(h));
  // First-half sums ≤ target → up to four masks with that sum and how many there are.
  const bySum = new Map<number, { count: number; masks: number[] }>();
  for (let mask = 0; mask < a.length; mask++) {
    const s = a[mask]!;
    if (s > target) continue;
    const entry = bySum.get(s);
    if (entry) {
      entry.count++;
      if (entry.masks.length < 4) entry.masks.push(mask);
    } else bySum.set(s, { count: 1, masks: [mask] });
  }
  let count = 0;
  const found: [number, number][] = [];
  for (let maskB = 0; maskB < b.length; maskB++) {
    const s = b[maskB]!;
    if (s > target) continue;
    const entry = bySum.get(target - s);
    if (!entry) continue;
    count += entry.count;
    if (found.length < 2) {
      const sizeB = popcount(maskB);
      for (const maskA of entry.masks) {
        if (found.length < 2 && popcount(maskA) + sizeB >= minSize) found.push([maskA, maskB]);
      }
    }
  }
  // Remove the solutions below minSize from the count: with positive items, only the empty set
  // sums to 0 (never a target) and size-1 solutions are the items equal to the target.
  if (minSize >= 2) count -= list.filter((x) => x === target).length;
  const solutions = found.map(([maskA, maskB]) => {
    const indices: number[] = [];
    for (let i = 0; i < h; i++) if (maskA & (1 << i)) indices.push(i);
    for (let i = 0; i < considered - h; i++) if (maskB & (1 << i)) indices.push(h + i);
    return indices;
  });
  return { solutions, count: Math.min(count, 1e9), considered };
}
