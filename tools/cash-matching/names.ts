// Payer names as the bank shows them ("ACME LOGISTICS GRO", "J SMITH") against customer names and
// learned name mappings. Names are normalized (case, accents, punctuation, legal suffixes such as
// LTD / GMBH / INC / LLC / SA / BV / AG / PLC / CO), then scored with fuzzball's token-set ratio
// (ERPNext's choice). To stay fast across many customers, only names sharing a token prefix with the
// payer name are scored, the rarest shared prefixes first.
import { ratio, token_set_ratio } from "fuzzball";
import { compareText, fold } from "./text.ts";

/** Legal-form words dropped before comparing (after dots are removed: "S.A." → "SA", "K.K." → "KK"). */
const LEGAL_SUFFIXES = new Set([
  "LTD",
  "LIMITED",
  "GMBH",
  "MBH",
  "INC",
  "INCORPORATED",
  "LLC",
  "LLP",
  "LP",
  "SA",
  "SAS",
  "SARL",
  "SL",
  "SLU",
  "SRL",
  "SPA",
  "BV",
  "NV",
  "AG",
  "KG",
  "OHG",
  "EK",
  "PLC",
  "CO",
  "CORP",
  "CORPORATION",
  "COMPANY",
  "KK",
  "PVT",
  "PTY",
  "PTE",
  "OY",
  "AB",
  "AS",
  "APS",
]);

/** "Acme Logistics, Inc." → "ACME LOGISTICS"; "Müller Bau GmbH & Co. KG" → "MULLER BAU". */
export function normalizeName(name: string): string {
  const words = fold(name)
    .replace(/\./g, "")
    .replace(/[^A-Z0-9]+/g, " ")
    .trim()
    .split(" ")
    .filter((w) => w.length > 0 && !LEGAL_SUFFIXES.has(w));
  return words.join(" ");
}

const PREFIX = 3;
const blockKey = (word: string) => word.slice(0, PREFIX);

export interface NameEntry {
  customerId: string;
  /** Normalized. */
  name: string;
  source: "customer" | "mapping";
}

export interface NameScore {
  customerId: string;
  score: number;
  source: "customer" | "mapping";
  /** The normalized names are equal (not merely one a token subset of the other). */
  exact: boolean;
  /** The (normalized) name it matched: the customer's or a learned payer name. */
  matched: string;
}

/** How many blocked candidates are scored with fuzzball per payer name, rarest shared prefixes first. */
const MAX_SCORED = 64;

/** Plain similarity (0..100) of two normalized names: near-duplicates ("ACME LOGISTICS" / "ACME LOGISTIC") score ≥ 90. */
export function nameSimilarity(a: string, b: string): number {
  return ratio(a, b, { full_process: false });
}

/** Exact equality first, then the token-set score. */
const rankScore = (exact: boolean, score: number) => (exact ? 1000 : 0) + score;

export class NameIndex {
  private readonly entries: NameEntry[] = [];
  private readonly blocks = new Map<string, number[]>();
  /** Normalized mapping name → customers it was learned for. */
  private readonly exact = new Map<string, Set<string>>();

  /** Entries must come in a fixed order (the directory sorts them). */
  /**
   * Entries must come in a fixed order (the directory sorts them). A learned payer name that points
   * at several customers (a payment processor's, two "J SMITH"s) identifies nobody: it is left out.
   */
  constructor(entries: readonly NameEntry[]) {
    for (const entry of entries) {
      if (entry.source !== "mapping" || entry.name.length === 0) continue;
      const set = this.exact.get(entry.name) ?? new Set<string>();
      set.add(entry.customerId);
      this.exact.set(entry.name, set);
    }
    for (const entry of entries) {
      if (entry.name.length === 0) continue;
      if (entry.source === "mapping" && this.exact.get(entry.name)!.size > 1) continue;
      const index = this.entries.length;
      this.entries.push(entry);
      for (const key of new Set(entry.name.split(" ").map(blockKey))) {
        const list = this.blocks.get(key);
        if (list) list.push(index);
        else this.blocks.set(key, [index]);
      }
    }
  }

  /** How many customers a learned payer name with exactly this (normalized) name points at. */
  sharedBy(name: string): number {
    return this.exact.get(name)?.size ?? 0;
  }

  /** The customer a learned payer name with exactly this (normalized) name points at, if only one. */
  mapped(name: string): string[] {
    const set = this.exact.get(name);
    return set && set.size === 1 ? [...set] : [];
  }

  /**
   * Best score per customer at or above the cutoff, best first (score, then customer id). A
   * customer's score is its best entry's (its own name or a learned payer name).
   */
  search(name: string, cutoff: number): readonly NameScore[] {
    if (name.length === 0) return [];
    const key = `${cutoff}\u0001${name}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const found = this.score(name, cutoff);
    if (this.cache.size >= 20_000) this.cache.clear();
    this.cache.set(key, found);
    return found;
  }

  private readonly cache = new Map<string, readonly NameScore[]>();

  private score(name: string, cutoff: number): NameScore[] {
    const keys = [...new Set(name.split(" ").map(blockKey))];
    // Rarest block first; each candidate weighted by the rarity of the blocks it shares.
    const weight = new Map<number, number>();
    for (const key of keys) {
      const list = this.blocks.get(key);
      if (!list) continue;
      const w = 1 / list.length;
      for (const i of list) weight.set(i, (weight.get(i) ?? 0) + w);
    }
    const ranked = [...weight].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, MAX_SCORED);
    const best = new Map<string, NameScore>();
    for (const [i] of ranked) {
      const entry = this.entries[i]!;
      const score = token_set_ratio(name, entry.name, { full_process: false });
      if (score < cutoff) continue;
      const exact = entry.name === name;
      const current = best.get(entry.customerId);
      if (!current || rankScore(exact, score) > rankScore(current.exact, current.score))
        best.set(entry.customerId, {
          customerId: entry.customerId,
          score,
          source: entry.source,
          exact,
          matched: entry.name,
        });
    }
    return [...best.values()].sort(
      (a, b) =>
        rankScore(b.exact, b.score) - rankScore(a.exact, a.score) || compareText(a.customerId, b.customerId),
    );
  }
}
