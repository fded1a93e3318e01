// Small pure helpers the rules share. Anything that reads a timestamp throws on a bad one rather than
// guessing: a rule that throws is turned into a denial by evaluate() (fail closed), whereas a NaN
// comparison would silently let a message through.

import { formatAmount } from "../../db/money.ts";
import type { Channel } from "../../db/schema.ts";
import type { Jurisdiction, MoneyLimits, PolicyDocument } from "../document.ts";
import type {
  CommunicationFacts,
  CustomerFacts,
  Facts,
  InvoiceFacts,
  OutreachPurpose,
  ProposedAction,
} from "../types.ts";

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Purposes that press for payment (as opposed to receipts and cease/remedy notices). */
export const COLLECTION_PURPOSES: readonly OutreachPurpose[] = ["collection", "validation_notice"];

/** Consumer-protection rules apply to consumer accounts, and to business accounts in strict mode. */
export function consumerRulesApply(customer: CustomerFacts, policy: PolicyDocument): boolean {
  return customer.isConsumer || policy.strictBusinessMode;
}

/** The segment whose limits apply. */
export function segmentOf(customer: CustomerFacts, policy: PolicyDocument): "consumer" | "business" {
  return consumerRulesApply(customer, policy) ? "consumer" : "business";
}

/** Every invoice id the action names, outreach and action-level together, without duplicates. */
export function namedInvoiceIds(action: ProposedAction): string[] {
  const ids = (value: unknown): string[] => (Array.isArray(value) ? value : []);
  return [...new Set([...ids(action.outreach?.invoiceIds), ...ids(action.invoiceIds)])];
}

/**
 * The invoices the action concerns: those it names, or, when it names none, every invoice the
 * runner put in the facts (Facts.invoices is "the invoices the action concerns").
 */
export function concernedInvoices(action: ProposedAction, facts: Facts): InvoiceFacts[] {
  const named = namedInvoiceIds(action);
  if (named.length === 0) return facts.invoices;
  const wanted = new Set(named);
  return facts.invoices.filter((invoice) => wanted.has(invoice.id));
}

/** Milliseconds since the epoch of an ISO timestamp; throws naming the field when it does not parse. */
export function timeMs(iso: string, what: string): number {
  const ms = typeof iso === "string" ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(ms)) throw new RangeError(`${what} is not a valid timestamp: ${JSON.stringify(iso)}`);
  return ms;
}

/** Milliseconds of a calendar date "YYYY-MM-DD" at 00:00 UTC; throws when it is not one. */
export function dateMs(date: string, what: string): number {
  const match = typeof date === "string" ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(date) : null;
  if (!match) throw new RangeError(`${what} is not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(y, m - 1, d);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) {
    throw new RangeError(`${what} is not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  }
  return ms;
}

/** The UTC calendar date `years` after `date` (29 February rolls to 1 March). */
export function addYearsMs(date: string, years: number, what: string): number {
  const ms = dateMs(date, what);
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear() + years, d.getUTCMonth(), d.getUTCDate());
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Outbound, not cancelled: what counts as a message sent (attempts that failed count too). */
export function countsAsSent(comm: CommunicationFacts): boolean {
  return comm.direction === "outbound" && comm.status !== "cancelled";
}

/**
 * Outbound messages on the given channels within the rolling window (now − days, now]; later ones
 * (scheduled, queued) count as well, because they will go out. Sorted oldest first.
 */
export function sentWithin(
  facts: Facts,
  channels: readonly Channel[],
  windowMs: number,
  nowMs: number,
): { comm: CommunicationFacts; at: number }[] {
  const out: { comm: CommunicationFacts; at: number }[] = [];
  facts.recentCommunications.forEach((comm, index) => {
    if (!channels.includes(comm.channel) || !countsAsSent(comm)) return;
    const at = timeMs(comm.occurredAt, `recentCommunications[${index}].occurredAt`);
    if (at > nowMs - windowMs) out.push({ comm, at });
  });
  return out.sort((a, b) => a.at - b.at);
}

/**
 * When the next message fits under `max` per window, given the (sorted) messages in the window:
 * once the oldest ones that would keep the count at `max` have left the window.
 */
export function nextSlotMs(sortedTimes: readonly number[], max: number, windowMs: number): number {
  const leaving = sortedTimes[sortedTimes.length - max];
  return (leaving ?? sortedTimes[0] ?? 0) + windowMs;
}

export interface LocalClock {
  hour: number;
  minute: number;
  second: number;
}

const clockFormats = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock time in an IANA zone (DST-correct, via Intl); throws RangeError on an unknown zone. */
export function localClock(ms: number, timeZone: string): LocalClock {
  let format = clockFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    if (clockFormats.size > 1000) clockFormats.clear();
    clockFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  const clock = { hour: get("hour") % 24, minute: get("minute"), second: get("second") };
  if (Object.values(clock).some(Number.isNaN)) throw new RangeError(`cannot read the time in ${timeZone}`);
  return clock;
}

export function minutesOfDay(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

const patternCache = new Map<string, RegExp>();

/** A policy pattern compiled once; `u` is always on, flags default to case-insensitive. */
export function compilePattern(pattern: string, flags = "i", global = false): RegExp {
  const all = new Set([...flags, "u", ...(global ? ["g"] : [])]);
  const f = [...all].sort().join("");
  const key = `${f}/${pattern}`;
  let re = patternCache.get(key);
  if (!re) {
    re = new RegExp(pattern, f);
    if (patternCache.size > 500) patternCache.clear();
    patternCache.set(key, re);
  }
  re.lastIndex = 0;
  return re;
}

/** Distinct matched texts of a global pattern, at most `limit`. */
export function matchesOf(re: RegExp, text: string, limit = 3): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(re)) {
    found.add(match[0]);
    if (found.size >= limit) break;
  }
  return [...found];
}

/**
 * Whether `needle` occurs in `haystack` as a whole token: not glued to neighbouring characters of
 * the same kind, so "INV-1" is not found in "INV-10" and "1,250.00" not in "11,250.00".
 */
export function containsToken(haystack: string, needle: string, wordChar: RegExp): boolean {
  if (needle === "") return false;
  const joiner = /[.,\-_/]/;
  let from = 0;
  for (;;) {
    const at = haystack.indexOf(needle, from);
    if (at < 0) return false;
    const before = haystack[at - 1] ?? "";
    const before2 = haystack[at - 2] ?? "";
    const after = haystack[at + needle.length] ?? "";
    const after2 = haystack[at + needle.length + 1] ?? "";
    const gluedBefore = wordChar.test(before) || (joiner.test(before) && wordChar.test(before2));
    const gluedAfter = wordChar.test(after) || (joiner.test(after) && wordChar.test(after2));
    if (!gluedBefore && !gluedAfter) return true;
    from = at + 1;
  }
}

/** Sums of the balances per currency, in a stable (alphabetical) order. */
export function balancesByCurrency(invoices: readonly InvoiceFacts[]): [string, number][] {
  const sums = new Map<string, number>();
  for (const invoice of invoices)
    sums.set(invoice.currency, (sums.get(invoice.currency) ?? 0) + invoice.balanceMinor);
  return [...sums.entries()].sort(([a], [b]) => a.localeCompare(b));
}

export function limitFor(limits: MoneyLimits, currency: string): number {
  return limits[currency] ?? limits.default;
}

/** "1,250.00 USD": how amounts appear in refusals. */
export function money(minor: number, currency: string): string {
  return `${formatAmount(minor, currency)} ${currency}`;
}

export function list(items: readonly string[]): string {
  return items.map((item) => JSON.stringify(item)).join(", ");
}

export const CHANNEL_NAMES: Record<Channel, string> = {
  email: "email",
  sms: "SMS",
  call: "call",
  letter: "letter",
};

/**
 * Jurisdiction entries that cover the customer, country first then country-region, keeping only
 * those whose `appliesTo` reaches this account.
 */
export function jurisdictionsOf(
  customer: CustomerFacts,
  policy: PolicyDocument,
): { key: string; entry: Jurisdiction }[] {
  const country = customer.country?.trim().toUpperCase();
  if (!country) return [];
  const region = customer.region?.trim().toUpperCase();
  const keys = region ? [country, `${country}-${region}`] : [country];
  const out: { key: string; entry: Jurisdiction }[] = [];
  for (const key of keys) {
    const entry = policy.contact.jurisdictions[key];
    if (!entry) continue;
    if (entry.appliesTo === "consumer" && !consumerRulesApply(customer, policy)) continue;
    out.push({ key, entry });
  }
  return out;
}

/** Subject and body, as one text to search. */
export function messageText(outreach: { subject?: string; body: string }): string {
  return [outreach.subject, outreach.body]
    .filter((part) => typeof part === "string" && part !== "")
    .join("\n");
}
