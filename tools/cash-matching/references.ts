// Finding invoice numbers in remittance text, through an index so 100,000 open invoices cost no
// more per payment than ten. Both the text and each invoice number are read into atoms (text.ts);
// a citation is a window of *whole tokens* of the text, so "INV-2025-0048121" or "XINV-2025-004812"
// never cite INV-2025-004812.
//
// Qualities, best first (a text window counts once per invoice, for its best quality):
//   exact       same atoms                                      "inv-2025-004812", "INV2025 004812"
//   zeros       same atoms once leading zeros are dropped       "INV2025 4812", "INV-2025-4812"
//   fused       a separator between number groups dropped       "INV-2025004812"
//   confusable  as above, reading look-alike letters as digits  "INV-2O25-OO4812", "INV-2025-OO48l2"
//   no_prefix   the letters are missing, digits as above        "2025-004812", "2025004812"
//   transposed  one pair of adjacent digits swapped             "INV-2025-004821"
//   lost_digit  one digit missing                               "INV 2025 00481"
//   partial     only the last number (≥ 4 characters), unique among the customer's open invoices
//                                                               "inv 4812" (not "INV-2024-4812")
// The index answers every hit for every invoice; which of them count is decided per scope (one
// customer's open invoices) by `resolveCitations`, so a directory of one customer and a directory
// of the whole portfolio give the same citations for that customer.
import { type Atom, atomize, stripZeros } from "./text.ts";

export type ReferenceQuality =
  | "exact"
  | "zeros"
  | "fused"
  | "confusable"
  | "no_prefix"
  | "transposed"
  | "lost_digit"
  | "partial";

/** Best first. */
export const REFERENCE_QUALITIES: readonly ReferenceQuality[] = [
  "exact",
  "zeros",
  "fused",
  "confusable",
  "no_prefix",
  "transposed",
  "lost_digit",
  "partial",
];

const RANK = new Map(REFERENCE_QUALITIES.map((q, i) => [q, i]));
export const qualityRank = (q: ReferenceQuality): number => RANK.get(q)!;
const worse = (a: ReferenceQuality, b: ReferenceQuality) => (qualityRank(a) >= qualityRank(b) ? a : b);

/** What each quality says in an explanation. */
export const QUALITY_WORDS: Record<ReferenceQuality, string> = {
  exact: "cited exactly",
  zeros: "cited without its leading zeros",
  fused: "cited with a separator dropped",
  confusable: "cited with look-alike characters (O for 0, l for 1)",
  no_prefix: "cited without its letter prefix",
  transposed: "cited with two adjacent digits swapped",
  lost_digit: "cited with a digit missing",
  partial: "cited by its last number only",
};

/** One reading of a text window as one invoice's number. */
export interface Hit {
  invoiceId: string;
  quality: ReferenceQuality;
  /** First and last token of the window. */
  start: number;
  end: number;
}

export interface Citation {
  invoiceId: string;
  quality: ReferenceQuality;
  /** Tokens of the text window that cites it best (first and last). */
  start: number;
  end: number;
}

/**
 * An indexed invoice, by its position in the index's arrays. The index keeps only the id and the
 * number as given (the caller's strings, not copies) and reads an entry's atoms again when a window
 * lands on it: a whole ledger's index is most of payer identification's memory, and a window lands on
 * a handful of entries.
 */
type Entry = number;
/** A key's entries: one (the usual case) or several. */
type Entries = Entry | Entry[];

const SEP = "\u0001";
const DIGITS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
/** Remittance read per payment: bank fields hold 140 characters (camt.053 a few of them); the rest is ignored. */
const MAX_TEXT = 4_096;
/** Texts remembered per index (payers repeat themselves; identification and matching read each text). */
const HIT_CACHE = 20_000;

/**
 * Words payers write before an invoice number. A fixed list (not the directory's prefixes), so a
 * directory of one customer reads a text the same way as a directory of all.
 */
const INVOICE_WORDS = new Set(["INV", "INVOICE", "RECHNUNG", "FACTURE", "FACTURA", "RG", "RE", "BILL"]);

function structureKey(atoms: readonly { text: string; digits: boolean }[]): string {
  let key = "";
  for (let i = 0; i < atoms.length; i++) {
    const a = atoms[i]!;
    if (i > 0) key += SEP;
    key += a.digits ? stripZeros(a.text) : a.text;
  }
  return key;
}

function push(map: Map<string, Entries>, key: string, entry: Entry): void {
  const current = map.get(key);
  if (current === undefined) map.set(key, entry);
  else if (typeof current === "number") map.set(key, [current, entry]);
  else current.push(entry);
}

function entriesOf(found: Entries | undefined): readonly Entry[] | undefined {
  return found === undefined ? undefined : typeof found === "number" ? [found] : found;
}

/** Invoice numbers indexed by every form a citation may take. Build once; read by many payments. */
export class ReferenceIndex {
  /** Each entry's invoice id and number, as given. */
  private readonly ids: string[] = [];
  private readonly numbers: string[] = [];
  /** Atoms with leading zeros dropped: exact, zeros, confusable, transposed, lost_digit. */
  private readonly byStructure = new Map<string, Entries>();
  /** All atoms run together: fused. */
  private readonly byCompact = new Map<string, Entries>();
  /**
   * Letter prefixes of the numbers ("INV"; atoms joined): a citation without its prefix is looked
   * up with each of them put back (an issuer numbers with a handful of prefixes).
   */
  private readonly letterPrefixes = new Set<string>();
  private prefixList: { structure: string; compact: string }[] | null = null;
  /** Last digit atom, zeros dropped: partial. */
  private readonly byLast = new Map<string, Entries>();
  /** Shapes of the indexed numbers: letter prefix ("INV") and count of number groups, "INV#2", "#2". */
  private readonly shapes = new Set<string>();
  /** Entry by invoice id, built the first time `prefixOf` is asked (a customer's matching asks; identification does not). */
  private entryById: Map<string, Entry> | null = null;
  /** "groups#position#written length" of every indexed number's number groups ("2#1#6"). */
  private readonly groupLengths = new Set<string>();
  private maxAtoms = 0;

  /** Invoices must come in a fixed order (the directory sorts them by id). */
  constructor(invoices: readonly { id: string; externalRef: string }[]) {
    const seenLengths = new Set<string>();
    for (const invoice of invoices) {
      const atoms = atomize(invoice.externalRef);
      if (atoms.length === 0) continue;
      const entry: Entry = this.ids.length;
      this.ids.push(invoice.id);
      this.numbers.push(invoice.externalRef);
      const digitAtoms = atoms.filter((a) => a.digits);
      const signature = digitAtoms.map((a) => a.text.length).join(",");
      if (!seenLengths.has(signature)) {
        seenLengths.add(signature);
        for (let k = 0; k < digitAtoms.length; k++)
          this.groupLengths.add(`${digitAtoms.length}#${k}#${digitAtoms[k]!.text.length}`);
      }
      this.maxAtoms = Math.max(this.maxAtoms, atoms.length);
      push(this.byStructure, structureKey(atoms), entry);
      if (atoms.length > 1) push(this.byCompact, atoms.map((a) => a.text).join(""), entry);
      const firstDigit = atoms.findIndex((a) => a.digits);
      if (firstDigit > 0) {
        const prefix = atoms
          .slice(0, firstDigit)
          .map((a) => a.text)
          .join(SEP);
        this.shapes.add(`${prefix}#${atoms.length - firstDigit}`);
        this.shapes.add(`#${atoms.length - firstDigit}`);
        if (atoms.slice(firstDigit).every((a) => a.digits)) this.letterPrefixes.add(prefix);
      } else if (firstDigit === 0 && atoms.every((a) => a.digits)) {
        this.shapes.add(`#${atoms.length}`);
      }
      const last = atoms[atoms.length - 1]!;
      if (last.digits && atoms.length > 1) push(this.byLast, stripZeros(last.text), entry);
    }
  }

  /** An entry's atom texts, as its invoice number spells them. */
  private atomsOf(entry: Entry): string[] {
    return atomize(this.numbers[entry]!).map((a) => a.text);
  }

  /** The written length of an entry's k-th number group (leading zeros included). */
  private digitLength(entry: Entry, k: number): number | undefined {
    return atomize(this.numbers[entry]!).filter((a) => a.digits)[k]?.text.length;
  }

  /** The letter prefixes, sorted, as they begin a structure key and a compact key. */
  private prefixed(): { structure: string; compact: string }[] {
    if (!this.prefixList) {
      this.prefixList = [...this.letterPrefixes].sort().map((p) => ({
        structure: p + SEP,
        compact: p.split(SEP).join(""),
      }));
    }
    return this.prefixList;
  }

  /** The leading letter atom of an indexed invoice's number ("INV" of "INV-2025-004812"), if any. */
  prefixOf(invoiceId: string): string | null {
    if (!this.entryById) this.entryById = new Map(this.ids.map((id, entry) => [id, entry]));
    const entry = this.entryById.get(invoiceId);
    return entry === undefined ? null : referencePrefix(this.numbers[entry]!);
  }

  private readonly cache = new Map<string, readonly Hit[]>();

  /** Every reading of every whole-token window of the text as an indexed invoice number. */
  hits(text: string | null): readonly Hit[] {
    if (!text || this.maxAtoms === 0) return [];
    const cached = this.cache.get(text);
    if (cached) return cached;
    const found = this.read(text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text);
    if (this.cache.size >= HIT_CACHE) this.cache.clear();
    this.cache.set(text, found);
    return found;
  }

  private read(text: string): Hit[] {
    const atoms = atomize(text);
    if (atoms.length === 0) return [];
    const tokenCount = atoms[atoms.length - 1]!.token + 1;
    const byToken: Atom[][] = Array.from({ length: tokenCount }, () => []);
    for (const a of atoms) byToken[a.token]!.push(a);

    const best = new Map<string, Hit>(); // per window and invoice, the best quality
    const add = (
      entries: readonly Entry[] | undefined,
      quality: ReferenceQuality,
      start: number,
      end: number,
    ) => {
      if (!entries) return;
      for (const e of entries) {
        const invoiceId = this.ids[e]!;
        const key = `${invoiceId}${SEP}${start}${SEP}${end}`;
        const current = best.get(key);
        if (!current || qualityRank(quality) < qualityRank(current.quality))
          best.set(key, { invoiceId, quality, start, end });
      }
    };

    for (let start = 0; start < tokenCount; start++) {
      const window: Atom[] = [];
      for (let end = start; end < tokenCount; end++) {
        window.push(...byToken[end]!);
        if (window.length > this.maxAtoms + 1) break;
        this.readWindow(window, start, end, add);
      }
      // Partial: a lone number token not preceded by another number, of ≥ 4 characters or right
      // after an invoice word ("inv 58", "Rechnung 4812").
      const only = byToken[start]!;
      const previous = start > 0 ? byToken[start - 1]! : [];
      const afterWord = previous.length === 1 && !previous[0]!.digits && INVOICE_WORDS.has(previous[0]!.text);
      if (
        only.length === 1 &&
        only[0]!.digits &&
        (only[0]!.text.length >= 4 || afterWord) &&
        !(previous.length > 0 && previous[previous.length - 1]!.digits)
      ) {
        add(entriesOf(this.byLast.get(stripZeros(only[0]!.text))), "partial", start, start);
      }
    }
    return [...best.values()];
  }

  private readWindow(
    window: Atom[],
    start: number,
    end: number,
    add: (entries: readonly Entry[] | undefined, q: ReferenceQuality, start: number, end: number) => void,
  ): void {
    const confused = window.some((a) => a.confused);
    const allDigits = window.every((a) => a.digits);
    const key = structureKey(window);
    const structural = entriesOf(this.byStructure.get(key));
    if (structural) {
      for (const e of structural) {
        const atoms = this.atomsOf(e);
        const same = atoms.length === window.length && atoms.every((t, i) => t === window[i]!.text);
        const q: ReferenceQuality = same ? "exact" : "zeros";
        add([e], confused ? worse(q, "confusable") : q, start, end);
      }
    }
    if (window.length > 0) {
      const compact = window.map((a) => a.text).join("");
      add(entriesOf(this.byCompact.get(compact)), confused ? "confusable" : "fused", start, end);
      if (allDigits) {
        for (const p of this.prefixed()) {
          add(entriesOf(this.byStructure.get(p.structure + key)), "no_prefix", start, end);
          add(entriesOf(this.byCompact.get(p.compact + compact)), "no_prefix", start, end);
        }
      }
    }
    // Typos: only for windows shaped like an invoice number (a known letter prefix, then numbers;
    // or numbers only), so ordinary words cost nothing.
    const firstDigit = window.findIndex((a) => a.digits);
    if (firstDigit < 0) return;
    const tail = window.slice(firstDigit);
    if (!tail.every((a) => a.digits)) return;
    if (firstDigit === 0 && window.length < 2) return; // a lone number is a partial citation or nothing
    const prefix = window
      .slice(0, firstDigit)
      .map((a) => a.text)
      .join(SEP);
    if (!this.shapes.has(`${prefix}#${tail.length}`)) return;
    const lookup = (k: string): readonly Entry[] | undefined => {
      if (firstDigit > 0) return entriesOf(this.byStructure.get(k));
      let found = entriesOf(this.byStructure.get(k));
      for (const p of this.prefixed()) {
        const more = entriesOf(this.byStructure.get(p.structure + k));
        if (more) found = found ? [...found, ...more] : more;
      }
      return found;
    };
    // A typo keeps a group's written length (transposed) or is one shorter (a digit lost): only
    // numbers whose group at that position is written that long can be meant. The filter is per
    // invoice, so a directory of one customer and one of all read the same way.
    const parts = window.map((a) => (a.digits ? stripZeros(a.text) : a.text));
    const groups = tail.length;
    for (let j = firstDigit; j < window.length; j++) {
      const digits = window[j]!.text;
      const k = j - firstDigit;
      const head = j > 0 ? parts.slice(0, j).join(SEP) + SEP : "";
      const rest = j < window.length - 1 ? SEP + parts.slice(j + 1).join(SEP) : "";
      const written = (length: number) => (entries: readonly Entry[] | undefined) =>
        entries?.filter((e) => this.digitLength(e, k) === length);
      // One adjacent transposition.
      if (this.groupLengths.has(`${groups}#${k}#${digits.length}`)) {
        const same = written(digits.length);
        for (let p = 0; p + 1 < digits.length; p++) {
          if (digits[p] === digits[p + 1]) continue;
          const swapped = digits.slice(0, p) + digits[p + 1] + digits[p] + digits.slice(p + 2);
          add(same(lookup(head + stripZeros(swapped) + rest)), "transposed", start, end);
        }
      }
      // One digit lost: put each digit back at each place (groups of 3 or more significant digits,
      // or written with leading zeros to 4 or more: "00060").
      const significant = stripZeros(digits).length;
      if (
        (significant >= 3 || (digits.length >= 4 && significant >= 2)) &&
        this.groupLengths.has(`${groups}#${k}#${digits.length + 1}`)
      ) {
        const longer = written(digits.length + 1);
        const seen = new Set<string>();
        for (let p = 0; p <= digits.length; p++) {
          for (let d = 0; d <= 9; d++) {
            const variant = stripZeros(digits.slice(0, p) + DIGITS[d] + digits.slice(p));
            if (seen.has(variant)) continue;
            seen.add(variant);
            add(longer(lookup(head + variant + rest)), "lost_digit", start, end);
          }
        }
      }
    }
  }
}

/**
 * The citations that count within one scope (a customer's open invoices), each invoice once with
 * its best quality, best first then by invoice id. Within the scope, a window that spells one
 * invoice at a better quality does not also count as a weaker citation of another (the exact
 * "…4812" is not a transposed "…4821"), and a partial citation counts only when exactly one
 * invoice of the scope ends in that number.
 */
export function resolveCitations(hits: readonly Hit[], inScope: (invoiceId: string) => boolean): Citation[] {
  const scoped = hits.filter((h) => inScope(h.invoiceId));
  const partialOwners = new Map<number, Set<string>>();
  for (const h of scoped) {
    if (h.quality !== "partial") continue;
    const owners = partialOwners.get(h.start) ?? new Set<string>();
    owners.add(h.invoiceId);
    partialOwners.set(h.start, owners);
  }
  const counted = scoped.filter((h) => h.quality !== "partial" || partialOwners.get(h.start)!.size === 1);
  const kept = counted.filter(
    (h) =>
      !counted.some(
        (o) =>
          o.invoiceId !== h.invoiceId &&
          qualityRank(o.quality) < qualityRank(h.quality) &&
          o.start <= h.end &&
          h.start <= o.end,
      ),
  );
  const best = new Map<string, Citation>();
  for (const h of kept) {
    const current = best.get(h.invoiceId);
    if (
      current === undefined ||
      qualityRank(h.quality) < qualityRank(current.quality) ||
      (h.quality === current.quality &&
        (h.start < current.start || (h.start === current.start && h.end < current.end)))
    )
      best.set(h.invoiceId, { invoiceId: h.invoiceId, quality: h.quality, start: h.start, end: h.end });
  }
  return [...best.values()].sort(
    (a, b) =>
      qualityRank(a.quality) - qualityRank(b.quality) ||
      (a.invoiceId < b.invoiceId ? -1 : a.invoiceId > b.invoiceId ? 1 : 0),
  );
}

/**
 * Whether the text looks like it cites an invoice number at all: a letter prefix used by invoice
 * numbers (or INV / INVOICE / RECHNUNG / FACTURE / FACTURA / RG / RE / BILL) followed by digits. A
 * payment that cites an invoice we cannot find among the customer's open ones is not "citing nothing".
 */
export function looksLikeInvoiceCitation(text: string | null, prefixes: Iterable<string>): boolean {
  if (!text) return false;
  const known = new Set([...INVOICE_WORDS, ...prefixes]);
  const atoms = atomize(text);
  return atoms.some((a, i) => !a.digits && known.has(a.text) && atoms[i + 1]?.digits === true);
}

/** The leading letter atom of an invoice number ("INV" of "INV-2025-004812"), if any. */
export function referencePrefix(externalRef: string): string | null {
  const first = atomize(externalRef)[0];
  return first && !first.digits ? first.text : null;
}

/**
 * The invoices among `invoices` that a text cites, each once with its best quality (best first):
 * for callers that ask about a handful of invoices (the dispute agent's "does this payment cite the
 * disputed invoice?") rather than a directory.
 */
export function findCitations(
  text: string | null,
  invoices: readonly { id: string; externalRef: string }[],
): Citation[] {
  if (!text || invoices.length === 0) return [];
  const sorted = [...invoices].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return resolveCitations(new ReferenceIndex(sorted).hits(text), () => true);
}
