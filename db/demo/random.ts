// Seeded randomness for the demo portfolio. Every draw comes from here, never from Math.random, so a
// seed reproduces the same rows (ids included). Each customer gets a stream of its own, started from
// (seed, customer index, purpose) without squeezing them through a 32-bit hash first: sfc32 has 128
// bits of state and an invertible step, so distinct starts give distinct, non-merging streams and
// the 122 random bits of each id do not collide in practice even across millions of rows. (A
// 32-bit-state generator would not do: its ids would collide after ~100k rows.)

/** The stream for (seed, index, salt); seed may be any safe integer. */
export function streamFor(seed: number, index: number, salt: number): Rng {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 0x1_0000_0000) | 0;
  return new Rng(
    lo,
    hi ^ Math.imul(salt, 0x9e3779b9),
    index | 0,
    Math.floor(index / 0x1_0000_0000) ^ 0x5bd1e995,
  );
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** sfc32 (Chris Doty-Humphrey's Small Fast Counting generator) with the draws a generator needs. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;
  private spareNormal: number | undefined;

  constructor(a: number, b: number, c: number, extra = 0) {
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.d = (extra | 0) ^ 1;
    for (let i = 0; i < 16; i++) this.u32();
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 0x1_0000_0000;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Uniform integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  uniform(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo);
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError("pick from an empty list");
    return item;
  }

  /** Picks by weight from [value, weight] pairs. */
  weighted<T>(pairs: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of pairs) total += w;
    let r = this.next() * total;
    for (const [value, w] of pairs) {
      r -= w;
      if (r < 0) return value;
    }
    const last = pairs[pairs.length - 1];
    if (!last) throw new RangeError("weighted pick from an empty list");
    return last[0];
  }

  /** Standard normal (Box–Muller, caching the second value). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return spare;
    }
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Lognormal with the given median and log-scale sigma. */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }

  /** A version-4-shaped UUID drawn from this stream (so ids are reproducible, not unguessable). */
  uuid(): string {
    const a = this.u32();
    const b = this.u32();
    const c = this.u32();
    const d = this.u32();
    const h = (word: number, shift: number) => HEX[(word >>> shift) & 0xff] as string;
    return (
      h(a, 24) +
      h(a, 16) +
      h(a, 8) +
      h(a, 0) +
      "-" +
      h(b, 24) +
      h(b, 16) +
      "-4" +
      HEX[(b >>> 8) & 0xff]!.slice(1) +
      h(b, 0) +
      "-" +
      HEX[0x80 | ((c >>> 24) & 0x3f)] +
      h(c, 16) +
      "-" +
      h(c, 8) +
      h(c, 0) +
      h(d, 24) +
      h(d, 16) +
      h(d, 8) +
      h(d, 0)
    );
  }
}
