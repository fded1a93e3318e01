// Reading remittance text. The text is the payer's words: it is searched, never obeyed and never
// quoted back. It is cut into *tokens* (separator-delimited chunks, as in Odoo's reconcile models)
// and each token into *atoms* — maximal runs of letters or of digits — after upper-casing and
// removing accents, so separators stop mattering: "INV-2025-004812", "inv 2025 004812" and
// "INV2025-004812" are all [INV, 2025, 004812].
//
// Look-alike characters: a run of letters made only of O, I and L (a lower-case l upper-cased)
// that touches a digit in the same token is read as digits (O→0, I/L→1: "2O25", "OO4812", "l2025");
// S→5 and B→8 only inside a digit run (digits on both sides: "0048S2"). A word such as "PO12345" or
// "INV2025" is left alone because its letter run holds other letters. Atoms read this way are
// marked `confused`, so a citation through them ranks below a clean one.

export { compareText } from "../dates.ts";

/** Upper case, accents removed ("é" → "E"). */
export function fold(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range, for a fast path
  if (/^[\x00-\x7f]*$/.test(text)) return text.toUpperCase();
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toUpperCase();
}

export interface Atom {
  text: string;
  digits: boolean;
  /** Index of the separator-delimited token the atom belongs to. */
  token: number;
  /** Some of its characters were look-alike letters read as digits. */
  confused: boolean;
}

const EDGE_LOOKALIKES: Record<string, string> = { O: "0", I: "1", L: "1" };
const INNER_LOOKALIKES: Record<string, string> = { ...EDGE_LOOKALIKES, S: "5", B: "8" };

function readLookalikes(run: string, table: Record<string, string>): string | null {
  let out = "";
  for (const ch of run) {
    const digit = table[ch];
    if (digit === undefined) return null;
    out += digit;
  }
  return out;
}

/** The atoms of one token (its runs of letters or digits), look-alike letter runs next to digits read as digits. */
function tokenAtoms(runs: readonly string[], index: number, out: Atom[]): void {
  let current: Atom | null = null;
  for (let i = 0; i < runs.length; i++) {
    const run = runs[i]!;
    let text = run;
    let digits = run.charCodeAt(0) <= 57;
    let confused = false;
    if (!digits && runs.length > 1) {
      // Runs alternate, so a neighbouring run is a digit run.
      const before = i > 0;
      const after = i < runs.length - 1;
      const read = readLookalikes(run, before && after ? INNER_LOOKALIKES : EDGE_LOOKALIKES);
      if (read !== null) {
        text = read;
        digits = true;
        confused = true;
      }
    }
    // Digit runs that became adjacent merge into one atom.
    if (current?.digits && digits) {
      current.text += text;
      current.confused ||= confused;
      continue;
    }
    current = { text, digits, token: index, confused };
    out.push(current);
  }
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isLetter = (c: number) => c >= 65 && c <= 90;

export function atomize(text: string): Atom[] {
  const s = fold(text);
  const atoms: Atom[] = [];
  let token = 0;
  let runs: string[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    const digit = isDigit(c);
    if (!digit && !isLetter(c)) {
      // A separator ends the token.
      if (runs.length > 0) {
        tokenAtoms(runs, token++, atoms);
        runs = [];
      }
      i++;
      continue;
    }
    let j = i + 1;
    while (j < s.length && (digit ? isDigit(s.charCodeAt(j)) : isLetter(s.charCodeAt(j)))) j++;
    runs.push(s.slice(i, j));
    i = j;
  }
  if (runs.length > 0) tokenAtoms(runs, token, atoms);
  return atoms;
}

/** "INV-2025-004812" → "INV2025004812": the number with separators, case and accents removed. */
export function compactReference(text: string): string {
  return atomize(text)
    .map((a) => a.text)
    .join("");
}

/**
 * Gives back one string for equal strings: rows read from the database hold a fresh copy of every
 * value, so a whole ledger's rows repeat each customer id, currency and date thousands of times.
 */
export type Interner = (text: string) => string;

export function createInterner(): Interner {
  const seen = new Map<string, string>();
  return (text) => {
    const kept = seen.get(text);
    if (kept !== undefined) return kept;
    seen.set(text, text);
    return text;
  };
}

export const stripZeros = (digits: string): string => {
  let i = 0;
  while (i < digits.length - 1 && digits.charCodeAt(i) === 48) i++;
  return i === 0 ? digits : digits.slice(i);
};

// Words that change how an amount gap is read. Matched on folded text, whole words only.

/** The payer says this is a part payment / instalment (English, German, French, Spanish, Dutch). */
const PARTIAL_WORDS =
  /\b(PART|PARTIAL|PARTIALLY|PART-?PAYMENT|INSTAL+MENTS?|ABSCHLAG|ABSCHLAGSZAHLUNG|TEILZAHLUNG|TEILBETRAG|ANZAHLUNG|ACOMPTE|A COMPTE|PAIEMENT PARTIEL|PAGO PARCIAL|PARCIAL|A CUENTA|DEELBETALING|TERMIJN)\b/;

export function declaresPartial(text: string | null): boolean {
  return text !== null && PARTIAL_WORDS.test(fold(text));
}

/** Charge words of cross-border payments; OUR / SHA / BEN are the SWIFT charge codes, upper case as banks write them. */
const CHARGE_WORDS =
  /\b(CHARGES?|CHGS?|FEES?|BANK ?CHARGES?|COMMISSION|SPESEN|GEBUHREN|FRAIS|COMISION(ES)?)\b/;
const CHARGE_CODES = /(^|[^A-Za-z])(OUR|SHA|BEN)([^A-Za-z]|$)/;

export function mentionsCharges(text: string | null): boolean {
  return text !== null && (CHARGE_WORDS.test(fold(text)) || CHARGE_CODES.test(text));
}

/**
 * Wording that tries to instruct whoever reads the remittance ("ignore previous instructions",
 * "system:", "auto-approve"). Such text is still only data, but a payment carrying it is never
 * applied without a person looking at it.
 */
const INSTRUCTION_WORDS =
  /\b(IGNORE|DISREGARD|INSTRUCTIONS?|PROMPT|SYSTEM ?:|ASSISTANT|OVERRIDE|AUTO-?APPROVE|AUTO-?APPLY|YOU MUST|JAILBREAK|ADMIN(ISTRATOR)? MODE)\b/;

export function looksLikeInstructions(text: string | null): boolean {
  return text !== null && INSTRUCTION_WORDS.test(fold(text));
}

/** Account numbers compare without spaces and case ("de89 3704…" = "DE893704…"). */
export function normalizeAccount(account: string): string {
  return account.replace(/\s+/g, "").toUpperCase();
}

/** "…3000": enough of an account for a person to recognise it, not the whole number. */
export function accountTail(account: string): string {
  const n = normalizeAccount(account);
  return n.length <= 4 ? n : `…${n.slice(-4)}`;
}
