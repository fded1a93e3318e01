// Finding invoice numbers in remittance text, the way payers really write them.
//
// Remittance text is the payer's words: it is searched, never obeyed and never quoted back. Both the
// text and each invoice number are cut into *atoms* — maximal runs of letters or of digits — after
// upper-casing and removing accents, so separators stop mattering: "INV-2025-004812",
// "inv 2025 004812" and "INV2025-004812" are all [INV, 2025, 004812]. Separator-delimited chunks of
// the text are *tokens* (as in Odoo's reconcile models); a citation must start and end on token
// boundaries, so "INV-2025-0048121" or "XINV-2025-004812" never cite INV-2025-004812.
//
// Match qualities, best first (a text window counts once, for its best quality):
//   exact       same atoms                                   "inv-2025-004812", "INV2025 004812"
//   zeros       same atoms once leading zeros are dropped    "INV2025 4812", "INV-2025-4812"
//   fused       a dash between digit groups dropped          "INV-2025004812"
//   no_prefix   the letters are missing, digits exact         "2025-004812"
//   transposed  one pair of adjacent digits swapped           "INV-2025-004821"
//   partial     only the last number, ≥ 4 characters, unique  "inv 4812" (not "INV-2024-4812")
// Issue 4's engine replaces this with a fuller search (O/0, I/1, lost digits, payer mappings); the
// exported shape — `findCitations` returning invoice ids with a quality — is the seam.

/** Plain code-unit order: the same in every locale, so sorting is deterministic everywhere. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export type ReferenceQuality = "exact" | "zeros" | "fused" | "no_prefix" | "transposed" | "partial";

/** Best first; used for ranking and for confidence tables. */
export const REFERENCE_QUALITIES: readonly ReferenceQuality[] = [
  "exact",
  "zeros",
  "fused",
  "no_prefix",
  "transposed",
  "partial",
];

/** What each quality says in a proposal's explanation. */
export const QUALITY_WORDS: Record<ReferenceQuality, string> = {
  exact: "cited exactly (case and separators aside)",
  zeros: "cited without its leading zeros",
  fused: "cited with a dash between its number groups dropped",
  no_prefix: "cited without its letter prefix",
  transposed: "cited with two adjacent digits swapped",
  partial: "cited by its last number only",
};

export interface Citation {
  invoiceId: string;
  quality: ReferenceQuality;
}

interface Atom {
  text: string;
  digits: boolean;
  /** Index of the separator-delimited token the atom belongs to. */
  token: number;
}

/** Upper case, accents removed (é → E, ß stays as it is not a letter we split on). */
function fold(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toUpperCase();
}

export function atomize(text: string): Atom[] {
  const atoms: Atom[] = [];
  const tokens = fold(text)
    .split(/[^A-Z0-9]+/)
    .filter((t) => t.length > 0);
  tokens.forEach((token, index) => {
    for (const m of token.matchAll(/[A-Z]+|[0-9]+/g)) {
      atoms.push({ text: m[0], digits: /^[0-9]/.test(m[0]), token: index });
    }
  });
  return atoms;
}

/** "INV-2025-004812" → "INV2025004812": the number with separators, case and accents removed. */
export function compactReference(text: string): string {
  return atomize(text)
    .map((a) => a.text)
    .join("");
}

const stripZeros = (digits: string) => digits.replace(/^0+(?=\d)/, "");

function sameAtoms(a: Atom[], b: Atom[], eq: (x: Atom, y: Atom) => boolean): boolean {
  return a.length === b.length && a.every((atom, i) => eq(atom, b[i]!));
}

const exactEq = (x: Atom, y: Atom) => x.text === y.text;
const zerosEq = (x: Atom, y: Atom) =>
  x.digits === y.digits && (x.digits ? stripZeros(x.text) === stripZeros(y.text) : x.text === y.text);

/** True when b is a with exactly one pair of adjacent, different characters swapped. */
function oneTransposition(a: string, b: string): boolean {
  if (a.length !== b.length || a === b) return false;
  const diff: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diff.push(i);
  if (diff.length !== 2) return false;
  const [i, j] = diff as [number, number];
  return j === i + 1 && a[i] === b[j] && a[j] === b[i];
}

function transposedEq(window: Atom[], ref: Atom[]): boolean {
  if (window.length !== ref.length) return false;
  let swaps = 0;
  for (let i = 0; i < ref.length; i++) {
    const w = window[i]!;
    const r = ref[i]!;
    if (w.digits !== r.digits) return false;
    if (zerosEq(w, r)) continue;
    if (!r.digits || !oneTransposition(stripZeros(r.text), stripZeros(w.text))) return false;
    swaps++;
  }
  return swaps === 1;
}

/** The best quality with which a window of text atoms (whole tokens) spells one invoice number. */
function windowQuality(window: Atom[], ref: Atom[]): ReferenceQuality | null {
  if (sameAtoms(window, ref, exactEq)) return "exact";
  if (sameAtoms(window, ref, zerosEq)) return "zeros";
  const joined = window.map((a) => a.text).join("");
  if (joined === ref.map((a) => a.text).join("")) return "fused";
  const firstDigit = ref.findIndex((a) => a.digits);
  if (firstDigit > 0) {
    const digitsOnly = ref.slice(firstDigit);
    if (window.every((a) => a.digits) && sameAtoms(window, digitsOnly, exactEq)) return "no_prefix";
  }
  if (transposedEq(window, ref)) return "transposed";
  return null;
}

interface Hit {
  invoiceId: string;
  quality: ReferenceQuality;
  start: number;
  end: number;
}

const rank = (q: ReferenceQuality) => REFERENCE_QUALITIES.indexOf(q);

/**
 * The open invoices a remittance text cites, each once with its best quality, ordered best quality
 * first then by the order given. A window of the text that spells one invoice at a better quality is
 * not also counted as a weaker citation of another (the exact "…4812" is not a transposed "…4821").
 */
export function findCitations(
  text: string | null,
  invoices: readonly { id: string; externalRef: string }[],
): Citation[] {
  if (!text) return [];
  const atoms = atomize(text);
  if (atoms.length === 0) return [];
  const hits: Hit[] = [];
  for (const invoice of invoices) {
    const ref = atomize(invoice.externalRef);
    if (ref.length === 0) continue;
    const maxLen = ref.length + 1;
    for (let start = 0; start < atoms.length; start++) {
      if (start > 0 && atoms[start - 1]!.token === atoms[start]!.token) continue; // must start a token
      for (let end = start; end < atoms.length && end - start < maxLen; end++) {
        const next = atoms[end + 1];
        if (next && next.token === atoms[end]!.token) continue; // must end a token
        const quality = windowQuality(atoms.slice(start, end + 1), ref);
        if (quality) hits.push({ invoiceId: invoice.id, quality, start, end });
      }
    }
  }
  // Partial: a whole token equal to the last number of exactly one invoice, ≥ 4 characters as written,
  // not itself the tail of another number ("INV-2024-004812" does not cite INV-2025-004812).
  const partialOwners = new Map<string, string[]>();
  for (const invoice of invoices) {
    const last = [...atomize(invoice.externalRef)].reverse().find((a) => a.digits);
    if (!last) continue;
    const key = stripZeros(last.text);
    partialOwners.set(key, [...(partialOwners.get(key) ?? []), invoice.id]);
  }
  atoms.forEach((atom, i) => {
    const alone =
      atom.digits &&
      atom.text.length >= 4 &&
      (i === 0 || (atoms[i - 1]!.token !== atom.token && !atoms[i - 1]!.digits)) &&
      (i === atoms.length - 1 || atoms[i + 1]!.token !== atom.token);
    if (!alone) return;
    const owners = partialOwners.get(stripZeros(atom.text)) ?? [];
    if (owners.length === 1) hits.push({ invoiceId: owners[0]!, quality: "partial", start: i, end: i });
  });
  // A window (or any overlapping one) that spells something better elsewhere does not count weaker.
  const kept = hits.filter(
    (h) =>
      !hits.some(
        (o) =>
          o.invoiceId !== h.invoiceId &&
          rank(o.quality) < rank(h.quality) &&
          o.start <= h.end &&
          h.start <= o.end,
      ),
  );
  const best = new Map<string, ReferenceQuality>();
  for (const h of kept) {
    const current = best.get(h.invoiceId);
    if (current === undefined || rank(h.quality) < rank(current)) best.set(h.invoiceId, h.quality);
  }
  const order = new Map(invoices.map((inv, i) => [inv.id, i]));
  return [...best]
    .map(([invoiceId, quality]) => ({ invoiceId, quality }))
    .sort((a, b) => rank(a.quality) - rank(b.quality) || order.get(a.invoiceId)! - order.get(b.invoiceId)!);
}

/**
 * Whether the text looks like it cites an invoice number at all: a letter prefix used by the
 * customer's invoices (or INV / INVOICE / RECHNUNG / FACTURE / FACTURA / RG / RE) followed by digits.
 * A payment that cites an invoice we cannot find is not "citing nothing".
 */
export function looksLikeInvoiceCitation(text: string | null, prefixes: Iterable<string>): boolean {
  if (!text) return false;
  const known = new Set(["INV", "INVOICE", "RECHNUNG", "FACTURE", "FACTURA", "RG", "RE", ...prefixes]);
  const atoms = atomize(text);
  return atoms.some((a, i) => !a.digits && known.has(a.text) && atoms[i + 1]?.digits === true);
}

/** The leading letter atom of an invoice number ("INV" of "INV-2025-004812"), if any. */
export function referencePrefix(externalRef: string): string | null {
  const first = atomize(externalRef)[0];
  return first && !first.digits ? first.text : null;
}
