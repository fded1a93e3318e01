// The per-customer model behind the demo portfolio: one customer's whole history (contacts,
// invoices, payments, disputes, promises, messages), drawn from that customer's own random stream.
// generate.ts describes the behaviours and distributions; this file implements them.
import type { Table } from "drizzle-orm";
import { currencyExponent } from "../money.ts";
import type {
  communications,
  contacts,
  customers,
  disputes,
  invoices,
  paymentApplications,
  payments,
  promisesToPay,
} from "../schema.ts";
import { type Rng, streamFor } from "./random.ts";
import {
  BUSINESS_PLACES,
  COLLECTORS,
  CONSUMER_MAIL_DOMAINS,
  CONSUMER_PLACES,
  CONTACT_ROLES,
  companyName,
  DISPUTE_TEXTS,
  FIRST_NAMES,
  LAST_NAMES,
  MONTHS,
  NO_REFERENCE_REMITTANCES,
  PROMISE_TEXTS,
  placeLocale,
  REPLY_TEXTS,
  slug,
  TLD,
  UNKNOWN_PAYERS,
} from "./vocabulary.ts";

// ---------------------------------------------------------------------------------------------
// Row shapes: every column the generator writes, all required, typed from the drizzle schema.

type Insert<T extends Table> = T["$inferInsert"];
type RowOf<T extends Table, K extends keyof Insert<T>> = { [P in K]-?: Insert<T>[P] };

export const CUSTOMER_KEYS = [
  "id",
  "externalRef",
  "name",
  "isConsumer",
  "segment",
  "timezone",
  "country",
  "region",
  "currency",
  "paymentTermsDays",
  "creditLimitMinor",
  "owner",
  "strategic",
  "automationEnabled",
  "doNotContactAt",
  "ceaseCommunicationAt",
  "bankruptcyFiledAt",
  "legalHoldAt",
  "attorneyRepresentedAt",
  "legalEscalatedAt",
  "creditHoldAt",
  "bankAccounts",
  "createdAt",
  "updatedAt",
] as const satisfies readonly (keyof Insert<typeof customers>)[];

export const CONTACT_KEYS = [
  "id",
  "customerId",
  "externalRef",
  "name",
  "email",
  "phone",
  "role",
  "isPrimary",
  "preferredChannel",
  "language",
  "emailOptedOutAt",
  "smsConsentAt",
  "smsOptedOutAt",
  "callConsentAt",
  "callOptedOutAt",
  "letterOptedOutAt",
  "createdAt",
  "updatedAt",
] as const satisfies readonly (keyof Insert<typeof contacts>)[];

export const INVOICE_KEYS = [
  "id",
  "customerId",
  "externalRef",
  "currency",
  "amountMinor",
  "issueDate",
  "dueDate",
  "dunningLevel",
  "lastDunnedAt",
  "description",
  "createdAt",
  "updatedAt",
] as const satisfies readonly (keyof Insert<typeof invoices>)[];

export const PAYMENT_KEYS = [
  "id",
  "externalRef",
  "customerId",
  "payerName",
  "payerAccount",
  "currency",
  "amountMinor",
  "receivedOn",
  "remittanceText",
  "source",
  "sourceFile",
  "createdAt",
] as const satisfies readonly (keyof Insert<typeof payments>)[];

export const APPLICATION_KEYS = [
  "id",
  "paymentId",
  "invoiceId",
  "currency",
  "amountMinor",
  "method",
  "confidence",
  "appliedBy",
  "createdAt",
] as const satisfies readonly (keyof Insert<typeof paymentApplications>)[];

export const DISPUTE_KEYS = [
  "id",
  "customerId",
  "invoiceId",
  "category",
  "status",
  "description",
  "currency",
  "amountMinor",
  "owner",
  "openedBy",
  "openedAt",
  "slaDueAt",
  "resolution",
  "resolvedAt",
  "createdAt",
  "updatedAt",
] as const satisfies readonly (keyof Insert<typeof disputes>)[];

export const PROMISE_KEYS = [
  "id",
  "customerId",
  "invoiceIds",
  "currency",
  "amountMinor",
  "promisedDate",
  "status",
  "source",
  "note",
  "resolvedAt",
  "createdAt",
] as const satisfies readonly (keyof Insert<typeof promisesToPay>)[];

export const COMMUNICATION_KEYS = [
  "id",
  "customerId",
  "contactId",
  "direction",
  "channel",
  "status",
  "subject",
  "body",
  "invoiceIds",
  "isConversation",
  "occurredAt",
  "createdAt",
] as const satisfies readonly (keyof Insert<typeof communications>)[];

export type CustomerRow = RowOf<typeof customers, (typeof CUSTOMER_KEYS)[number]>;
export type ContactRow = RowOf<typeof contacts, (typeof CONTACT_KEYS)[number]>;
export type InvoiceRow = RowOf<typeof invoices, (typeof INVOICE_KEYS)[number]>;
export type PaymentRow = RowOf<typeof payments, (typeof PAYMENT_KEYS)[number]>;
export type ApplicationRow = RowOf<typeof paymentApplications, (typeof APPLICATION_KEYS)[number]>;
export type DisputeRow = RowOf<typeof disputes, (typeof DISPUTE_KEYS)[number]>;
export type PromiseRow = RowOf<typeof promisesToPay, (typeof PROMISE_KEYS)[number]>;
export type CommunicationRow = RowOf<typeof communications, (typeof COMMUNICATION_KEYS)[number]>;

/** closed_at / updated_at to restore after the application triggers stamped them with now(). */
export interface InvoiceClosure {
  id: string;
  closedAt: Date | null;
  updatedAt: Date;
}

export interface Batch {
  customers: CustomerRow[];
  contacts: ContactRow[];
  invoices: InvoiceRow[];
  payments: PaymentRow[];
  applications: ApplicationRow[];
  closures: InvoiceClosure[];
  disputes: DisputeRow[];
  promises: PromiseRow[];
  communications: CommunicationRow[];
  unappliedPayments: number;
  /**
   * What each unapplied receipt really is (in memory only, never written): the labels of the cash
   * application eval (evals/cash-application).
   */
  receiptTruth: ReceiptTruth[];
  /** Early-payment discount terms of invoices (in memory only until the ledger has columns for them). */
  earlyDiscounts: EarlyDiscountTerms[];
}

/** The shapes of unapplied receipts the demo generates. */
export const RECEIPT_CASES = [
  "typo",
  "confusable",
  "no_reference",
  "several",
  "short",
  "clean",
  "early_discount",
  "bank_charges",
  "fx",
  "write_off",
  "overpay",
  "deduction",
  "processor",
  "name_only",
  "split",
  "unknown_payer",
] as const;
export type ReceiptCase = (typeof RECEIPT_CASES)[number];

/** Ground truth of one unapplied receipt: who paid, and how a careful person would apply it. */
export interface ReceiptTruth {
  paymentId: string;
  case: ReceiptCase;
  /** The customer who paid; null for a payer nobody in the ledger (misdirected money). */
  customerId: string | null;
  applications: { invoiceId: string; amountMinor: number }[];
  adjustments: {
    invoiceId: string;
    kind: "write_off" | "early_payment_discount" | "bank_charges" | "fx_difference";
    amountMinor: number;
  }[];
  /** Short pays beyond tolerance that the payer did not declare partial: for the dispute agent. */
  deductions: { invoiceId: string; amountMinor: number }[];
  /** Declared part payment: the rest of the invoice stays open. */
  partial: boolean;
  leftUnappliedMinor: number;
  /** Bank-file details the payments table has no column for yet. */
  chargesMinor: number | null;
  original: { amountMinor: number; currency: string } | null;
}

export interface EarlyDiscountTerms {
  invoiceId: string;
  percent: number;
  /** YYYY-MM-DD: paid on or before this date, the discount may be taken. */
  until: string;
}

export function emptyBatch(): Batch {
  return {
    customers: [],
    contacts: [],
    invoices: [],
    payments: [],
    applications: [],
    closures: [],
    disputes: [],
    promises: [],
    communications: [],
    unappliedPayments: 0,
    receiptTruth: [],
    earlyDiscounts: [],
  };
}

// ---------------------------------------------------------------------------------------------
// Portfolio-wide context: the seed, the calendar, and the counters that number documents in
// customer order (so numbering, too, is independent of batch size).

const DAY_MS = 86_400_000;
const NEVER = Number.POSITIVE_INFINITY;
/** History length: invoices are issued over the 18 months before asOf. */
export const HISTORY_DAYS = 548;
const SALT_CUSTOMER = 1;
const SALT_ROLES = 2;
/** Unapplied receipts, payment processors and discount terms: a stream of their own, so their shapes can change without reshuffling the rest of a customer's history. */
const SALT_RECEIPTS = 3;

export interface Context {
  seed: number;
  asOfDay: number;
  asOfMs: number;
  windowStart: number;
  invoiceSeq: Map<number, number>;
  paymentSeq: number;
  roleBlock: number;
  rolePerm: number[];
  dates: Map<number, string>;
}

export function createContext(seed: number, asOf: string): Context {
  const asOfMs = Date.parse(`${asOf}T00:00:00Z`);
  const asOfDay = asOfMs / DAY_MS;
  return {
    seed,
    asOfDay,
    asOfMs,
    windowStart: asOfDay - HISTORY_DAYS,
    invoiceSeq: new Map(),
    paymentSeq: 0,
    roleBlock: -1,
    rolePerm: [],
    dates: new Map(),
  };
}

function isoDate(ctx: Context, day: number): string {
  let text = ctx.dates.get(day);
  if (text === undefined) {
    text = new Date(day * DAY_MS).toISOString().slice(0, 10);
    ctx.dates.set(day, text);
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// Roles: within each block of 100 consecutive customers, a seeded permutation hands out fixed
// numbers of special roles, so every portfolio of a few hundred customers has each of them.

type Flag =
  | "none"
  | "cease"
  | "attorney"
  | "bankruptcy"
  | "dnc"
  | "legal_hold"
  | "legal_escalated"
  | "automation_off"
  | "credit_hold";

interface Role {
  consumer: boolean;
  strategic: boolean;
  flag: Flag;
}

function roleFor(ctx: Context, index: number): Role {
  const block = Math.floor(index / 100);
  if (block !== ctx.roleBlock) {
    const rng = streamFor(ctx.seed, block, SALT_ROLES);
    ctx.rolePerm = rng.shuffle(Array.from({ length: 100 }, (_, i) => i));
    ctx.roleBlock = block;
  }
  const slot = ctx.rolePerm[index % 100] ?? 99;
  if (slot < 10) {
    const flag: Flag =
      slot === 0
        ? "cease"
        : slot === 1
          ? "attorney"
          : slot === 2
            ? "bankruptcy"
            : slot === 3
              ? "dnc"
              : "none";
    return { consumer: true, strategic: false, flag };
  }
  if (slot < 13) return { consumer: false, strategic: true, flag: "none" };
  const flags: Record<number, Flag> = {
    13: "dnc",
    14: "cease",
    15: "bankruptcy",
    16: "legal_hold",
    17: "legal_hold",
    18: "legal_escalated",
    19: "automation_off",
    20: "credit_hold",
    21: "credit_hold",
  };
  return { consumer: false, strategic: false, flag: flags[slot] ?? "none" };
}

// ---------------------------------------------------------------------------------------------
// Money helpers.

const exponents = new Map<string, number>();
const formatters = new Map<string, Intl.NumberFormat>();

function exponentOf(currency: string): number {
  let e = exponents.get(currency);
  if (e === undefined) {
    e = currencyExponent(currency);
    exponents.set(currency, e);
  }
  return e;
}

function money(minor: number, currency: string): string {
  let f = formatters.get(currency);
  if (!f) {
    const e = exponentOf(currency);
    f = new Intl.NumberFormat("en-US", {
      style: "currency",
      currency,
      minimumFractionDigits: e,
      maximumFractionDigits: e,
    });
    formatters.set(currency, f);
  }
  return f.format(minor / 10 ** exponentOf(currency));
}

/** Rounds to `digits` significant digits. */
function roundSignificant(value: number, digits: number): number {
  if (value <= 0) return 0;
  const scale = 10 ** (Math.floor(Math.log10(value)) - digits + 1);
  return Math.round(value / scale) * scale;
}

// ---------------------------------------------------------------------------------------------
// Behaviour.

type Behaviour = "prompt" | "slow" | "erratic" | "deteriorating" | "disputing";

interface Profile {
  behaviour: Behaviour;
  consumer: boolean;
  /** deteriorating: the day payments start slipping, and how late they are by asOf. */
  changeDay: number;
  slipDays: number;
}

function promptLateness(rng: Rng): number {
  return rng.chance(0.85) ? Math.round(rng.normal() * 3 - 1) : rng.int(3, 15);
}

/** Days after the due date an invoice is paid, or NEVER. */
function lateness(rng: Rng, p: Profile, issueDay: number, asOfDay: number): number {
  if (p.consumer && rng.chance(0.03)) return NEVER;
  switch (p.behaviour) {
    case "prompt":
      return promptLateness(rng);
    case "slow":
      return Math.round(rng.lognormal(18, 0.5));
    case "erratic": {
      const r = rng.next();
      if (r < 0.45) return Math.round(rng.normal() * 4);
      if (r < 0.85) return Math.round(rng.lognormal(30, 0.6));
      if (r < 0.97) return rng.int(60, 150);
      return NEVER;
    }
    case "deteriorating": {
      if (issueDay < p.changeDay) return promptLateness(rng);
      if (rng.chance(0.12)) return NEVER;
      const progress = (issueDay - p.changeDay) / Math.max(1, asOfDay - p.changeDay);
      return Math.max(0, Math.round(promptLateness(rng) + progress * p.slipDays + rng.normal() * 5));
    }
    case "disputing":
      return Math.round(rng.lognormal(12, 0.6));
  }
}

// ---------------------------------------------------------------------------------------------
// Invoice references and their mangled forms in remittance text.

function invoiceRef(ctx: Context, year: number): string {
  const seq = (ctx.invoiceSeq.get(year) ?? 0) + 1;
  ctx.invoiceSeq.set(year, seq);
  return `INV-${year}-${String(seq).padStart(6, "0")}`;
}

/** The reference as a payer might mistype it: transposed digits, lost dashes, dropped zeros... */
function mangleRef(rng: Rng, ref: string): string {
  const [, year = "", seq = ""] = ref.split("-");
  const short = seq.replace(/^0+/, "") || "0";
  switch (rng.int(0, 7)) {
    case 0: {
      // transpose two adjacent, different digits of the significant part
      const digits = seq.split("");
      const start = seq.length - short.length;
      for (let attempt = 0; attempt < 6; attempt++) {
        const i = rng.int(start, Math.max(start, digits.length - 2));
        if (i + 1 < digits.length && digits[i] !== digits[i + 1]) {
          [digits[i], digits[i + 1]] = [digits[i + 1] as string, digits[i] as string];
          return `INV-${year}-${digits.join("")}`;
        }
      }
      return `INV${year}-${seq}`;
    }
    case 1:
      return `INV${year}-${seq}`;
    case 2:
      return `INV${year} ${short}`;
    case 3:
      return `INV-${year}-${short}`;
    case 4:
      return ref.toLowerCase();
    case 5:
      return `INV-${year}${seq}`;
    case 6:
      return `inv ${short}`;
    default:
      return `INV ${year} ${seq.slice(0, -1)}`; // a digit lost at the end
  }
}

/** The reference with look-alike characters, as OCR or a hurried payer writes it: O for 0, l or I for 1. */
function confuseRef(rng: Rng, ref: string): string {
  const chars = ref.split("");
  const candidates = chars.map((c, i) => (i > 3 && (c === "0" || c === "1") ? i : -1)).filter((i) => i >= 0);
  if (candidates.length === 0) return ref;
  const forced = rng.pick(candidates);
  for (const i of candidates) {
    if (i !== forced && !rng.chance(0.4)) continue;
    chars[i] = chars[i] === "0" ? "O" : rng.pick(["l", "I"]);
  }
  return chars.join("");
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${suffix}`;
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? "");
}

// ---------------------------------------------------------------------------------------------
// Bank accounts, in each country's usual shape (IBANs carry valid check digits).

function digits(rng: Rng, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += String(rng.int(0, 9));
  return s;
}

function iban(country: string, bban: string): string {
  const rearranged = `${bban}${country}00`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let remainder = 0;
  for (const ch of rearranged) remainder = (remainder * 10 + Number(ch)) % 97;
  return `${country}${String(98 - remainder).padStart(2, "0")}${bban}`;
}

function bankAccount(rng: Rng, country: string): string {
  switch (country) {
    case "DE":
      return iban("DE", digits(rng, 18));
    case "FR":
      return iban("FR", digits(rng, 23));
    case "ES":
      return iban("ES", digits(rng, 20));
    case "GB":
      return iban("GB", `${rng.pick(["NWBK", "BARC", "LOYD", "HBUK"])}${digits(rng, 14)}`);
    case "CA":
      return `${digits(rng, 5)}-${digits(rng, 3)}:${digits(rng, 7)}`;
    case "JP":
      return `${digits(rng, 4)}-${digits(rng, 3)}:${digits(rng, 7)}`;
    case "IN":
      return `${rng.pick(["HDFC", "ICIC", "SBIN", "UTIB"])}0${digits(rng, 6)}:${digits(rng, 14)}`;
    default:
      return `${digits(rng, 9)}:${digits(rng, rng.int(10, 12))}`;
  }
}

/** Payment processors paying on behalf of many customers, from one account each (fictional). */
const PAYMENT_PROCESSORS = [
  { name: "PAYFLOW MERCHANT SERVICES", account: iban("GB", "PAYF00000012345678") },
  { name: "GLOBALPAY SETTLEMENTS LTD", account: iban("DE", "500105170000004242") },
] as const;

/** Early-payment discount terms some businesses invoice with ("2/10 net 30"). */
const DISCOUNT_TERMS = [
  { percent: 2, days: 10 },
  { percent: 1, days: 10 },
  { percent: 3, days: 15 },
] as const;

function phoneNumber(rng: Rng, country: string): string {
  switch (country) {
    case "US":
    case "CA":
      return `+1${rng.int(201, 989)}55501${digits(rng, 2)}`;
    case "GB":
      return `+447700900${digits(rng, 3)}`;
    case "DE":
      return `+49305550${digits(rng, 4)}`;
    case "FR":
      return `+33199${digits(rng, 6)}`;
    case "ES":
      return `+34915550${digits(rng, 3)}`;
    case "JP":
      return `+81355550${digits(rng, 3)}`;
    default:
      return `+91225550${digits(rng, 4)}`;
  }
}

// ---------------------------------------------------------------------------------------------
// One customer.

interface InvoiceState {
  row: InvoiceRow;
  issue: number;
  due: number;
  amount: number;
  paid: number;
  /** Day of the last payment applied, or -1. */
  lastPaidDay: number;
  /** Payments applied, as [day, amount] pairs in day order. */
  receipts: [number, number][];
  /** Day the invoice was paid in full (before asOf), or NEVER. */
  fullPaidDay: number;
  dispute: { openedDay: number; resolvedDay: number } | undefined;
  /** An open (or investigating) dispute as of asOf. */
  disputedNow: boolean;
}

interface PayEvent {
  day: number;
  invoice: InvoiceState;
  amount: number;
}

interface ContactState {
  row: ContactRow;
  firstName: string;
}

export function generateCustomer(ctx: Context, index: number, out: Batch): void {
  const rng = streamFor(ctx.seed, index, SALT_CUSTOMER);
  const rr = streamFor(ctx.seed, index, SALT_RECEIPTS);
  const role = roleFor(ctx, index);
  const { asOfDay } = ctx;
  const consumer = role.consumer;
  // Some businesses are paid partly through a payment processor (one account for many customers),
  // and some invoice with early-payment discount terms.
  const processor = !consumer && rr.chance(0.05) ? rr.pick(PAYMENT_PROCESSORS) : null;
  const discountTerms = !consumer && rr.chance(0.25) ? rr.pick(DISCOUNT_TERMS) : null;

  // Where, who, and how they pay.
  const locale = placeLocale(rng.weighted(consumer ? CONSUMER_PLACES : BUSINESS_PLACES), (regions) =>
    rng.weighted(regions),
  );
  const exponent = exponentOf(locale.currency);
  const firstNames = FIRST_NAMES[locale.names];
  const lastNames = LAST_NAMES[locale.names];
  let name: string;
  let personFirst = "";
  if (consumer) {
    personFirst = rng.pick(firstNames);
    name = `${personFirst} ${rng.pick(lastNames)}`;
  } else {
    name = companyName(locale.names, locale.country, (items) => rng.pick(items));
  }
  const customerId = rng.uuid();
  const externalRef = `C-${String(index + 1).padStart(6, "0")}`;

  let behaviour: Behaviour;
  if (role.flag === "bankruptcy") behaviour = "deteriorating";
  else if (role.flag === "legal_hold") behaviour = "disputing";
  else if (role.flag === "legal_escalated" || role.flag === "cease" || role.flag === "attorney")
    behaviour = "erratic";
  else if (consumer)
    behaviour = rng.weighted<Behaviour>([
      ["prompt", 40],
      ["slow", 30],
      ["erratic", 25],
      ["deteriorating", 5],
    ]);
  else if (role.strategic)
    behaviour = rng.weighted<Behaviour>([
      ["prompt", 40],
      ["slow", 40],
      ["disputing", 20],
    ]);
  else
    behaviour = rng.weighted<Behaviour>([
      ["prompt", 35],
      ["slow", 25],
      ["erratic", 15],
      ["deteriorating", 10],
      ["disputing", 15],
    ]);
  const profile: Profile = {
    behaviour,
    consumer,
    changeDay: asOfDay - rng.int(120, 270),
    slipDays: rng.uniform(45, 100),
  };

  const terms = consumer
    ? rng.weighted([
        [15, 40],
        [30, 60],
      ])
    : role.strategic
      ? rng.weighted([
          [45, 50],
          [60, 50],
        ])
      : rng.weighted([
          [15, 10],
          [30, 55],
          [45, 20],
          [60, 15],
        ]);

  // Since when, how often and how much they are invoiced.
  const isNew = rng.chance(0.18);
  const sinceDay = isNew ? rng.int(ctx.windowStart, asOfDay - 20) : ctx.windowStart - rng.int(0, 1500);
  const medianUsd = consumer ? rng.lognormal(120, 0.6) : rng.lognormal(1500, 1.0) * (role.strategic ? 6 : 1);
  const wholeUnits = !consumer && rng.chance(0.3);
  const monthlyRate = consumer ? rng.uniform(0.3, 1) : rng.lognormal(0.6, 0.75) * (role.strategic ? 2.5 : 1);
  const periodic = consumer && rng.chance(0.5);

  // Flags, each with the day it was set.
  const flagDay = (lo: number, hi: number) => asOfDay - rng.int(lo, hi);
  let ceaseDay = NEVER;
  let attorneyDay = NEVER;
  let bankruptcyDay = NEVER;
  let dncDay = NEVER;
  let legalHoldDay = NEVER;
  let legalEscalatedDay = NEVER;
  let creditHoldDay = NEVER;
  switch (role.flag) {
    case "cease":
      ceaseDay = flagDay(5, 90);
      break;
    case "attorney":
      attorneyDay = flagDay(5, 90);
      break;
    case "bankruptcy":
      bankruptcyDay = flagDay(20, 200);
      break;
    case "dnc":
      dncDay = flagDay(10, 200);
      break;
    case "legal_hold":
      legalHoldDay = flagDay(5, 120);
      break;
    case "legal_escalated":
      creditHoldDay = flagDay(90, 180);
      legalEscalatedDay = flagDay(5, 60);
      break;
    case "credit_hold":
      creditHoldDay = flagDay(10, 120);
      break;
    default:
      break;
  }
  // No outbound contact after any of these.
  const stopDay = Math.min(ceaseDay, attorneyDay, bankruptcyDay, dncDay, legalHoldDay);
  const invoicingEnd = Math.min(asOfDay - 1, bankruptcyDay, creditHoldDay);

  const dayTime = (day: number, fromHour: number, toHour: number): Date => {
    const localMinutes = rng.int(fromHour * 60, toHour * 60 - 1);
    const ms = day * DAY_MS + (localMinutes - locale.utcOffsetMinutes) * 60_000;
    return new Date(Math.min(ms, ctx.asOfMs - 60_000));
  };
  const flagTime = (day: number): Date | null => (day === NEVER ? null : dayTime(day, 9, 17));

  const bankAccounts = [bankAccount(rng, locale.country)];
  if (!consumer && rng.chance(0.3)) bankAccounts.push(bankAccount(rng, locale.country));

  const monthlyUsd = medianUsd * monthlyRate * 1.2;
  const creditLimitMinor = consumer
    ? null
    : Math.max(1000, roundSignificant(monthlyUsd * 3 * locale.perUsd, 2)) * 10 ** exponent;

  const segment = role.strategic
    ? "strategic"
    : consumer
      ? "consumer"
      : sinceDay > asOfDay - 120
        ? "new"
        : behaviour === "prompt" || behaviour === "deteriorating" // the label lags the slide
          ? "prompt"
          : behaviour === "slow"
            ? "slow"
            : "problem";

  const createdAt = new Date(sinceDay * DAY_MS + 9 * 3_600_000);
  const flagTimes = {
    doNotContactAt: flagTime(dncDay),
    ceaseCommunicationAt: flagTime(ceaseDay),
    bankruptcyFiledAt: flagTime(bankruptcyDay),
    legalHoldAt: flagTime(legalHoldDay),
    attorneyRepresentedAt: flagTime(attorneyDay),
    legalEscalatedAt: flagTime(legalEscalatedDay),
    creditHoldAt: flagTime(creditHoldDay),
  };
  let updatedAt = createdAt;
  for (const t of Object.values(flagTimes)) if (t && t > updatedAt) updatedAt = t;

  out.customers.push({
    id: customerId,
    externalRef,
    name,
    isConsumer: consumer,
    segment,
    timezone: locale.timezone,
    country: locale.country,
    region: locale.region,
    currency: locale.currency,
    paymentTermsDays: terms,
    creditLimitMinor,
    owner: role.strategic
      ? rng.pick(COLLECTORS)
      : role.flag === "legal_escalated"
        ? "legal"
        : rng.chance(0.15)
          ? rng.pick(COLLECTORS)
          : null,
    strategic: role.strategic,
    automationEnabled: role.flag !== "automation_off",
    ...flagTimes,
    bankAccounts,
    createdAt,
    updatedAt,
  });

  // Contacts.
  const domain = `${slug(name.split(" ").slice(0, 2).join(""))}.${TLD[locale.country] ?? "example"}`;
  const contactCount = consumer
    ? 1
    : rng.weighted([
        [1, 35],
        [2, 45],
        [3, 20],
      ]);
  const contactRows: ContactState[] = [];
  const contactSince = Math.max(sinceDay, ctx.windowStart - 400);
  for (let c = 0; c < contactCount; c++) {
    const first = consumer ? personFirst : rng.pick(firstNames);
    const last = consumer ? name.split(" ").slice(1).join(" ") : rng.pick(lastNames);
    const generic = !consumer && c === 0 && rng.chance(0.2);
    const contactName = generic ? "Accounts Payable" : `${first} ${last}`;
    const email = consumer
      ? rng.chance(0.9)
        ? `${slug(first)}.${slug(last)}${rng.int(1, 99)}@${rng.pick(CONSUMER_MAIL_DOMAINS)}`
        : null
      : generic
        ? `ap@${domain}`
        : `${slug(first)}.${slug(last)}@${domain}`;
    const phone = rng.chance(consumer ? 0.95 : 0.8) ? phoneNumber(rng, locale.country) : null;
    const consentDay = Math.min(asOfDay - 1, contactSince + rng.int(0, 60));
    const consentTime = () => dayTime(consentDay, 9, 18);
    const optOutTime = (after: number) => {
      const lo = Math.max(after, asOfDay - 300);
      return lo >= asOfDay ? null : dayTime(rng.int(lo, Math.max(lo, asOfDay - 5)), 8, 21);
    };
    let preferred = rng.weighted(
      consumer
        ? [
            ["email", 50],
            ["sms", 30],
            ["call", 15],
            ["letter", 5],
          ]
        : [
            ["email", 80],
            ["call", 15],
            ["letter", 5],
          ],
    );
    if (!phone && (preferred === "sms" || preferred === "call")) preferred = "email";
    if (!email && preferred === "email") preferred = phone ? "call" : "letter";
    const smsConsent =
      phone && (preferred === "sms" || rng.chance(consumer ? 0.35 : 0.1)) ? consentTime() : null;
    const smsOptOut = smsConsent && rng.chance(0.12) ? optOutTime(consentDay + 1) : null;
    const callConsent = phone && rng.chance(consumer ? 0.5 : 0.3) ? consentTime() : null;
    const callOptOut = callConsent && rng.chance(0.05) ? optOutTime(consentDay + 1) : null;
    const emailOptOut = email && rng.chance(0.03) ? optOutTime(consentDay + 1) : null;
    const letterOptOut = rng.chance(0.01) ? optOutTime(consentDay + 1) : null;
    const created = new Date(contactSince * DAY_MS + 10 * 3_600_000);
    let contactUpdated = created;
    for (const t of [smsConsent, smsOptOut, callConsent, callOptOut, emailOptOut, letterOptOut]) {
      if (t && t > contactUpdated) contactUpdated = t;
    }
    const row: ContactRow = {
      id: rng.uuid(),
      customerId,
      externalRef: `${externalRef}-${c + 1}`,
      name: contactName,
      email,
      phone,
      role: consumer ? null : generic ? "Accounts Payable" : rng.pick(CONTACT_ROLES),
      isPrimary: c === 0,
      preferredChannel: preferred,
      language: locale.language,
      emailOptedOutAt: emailOptOut,
      smsConsentAt: smsConsent,
      smsOptedOutAt: smsOptOut,
      callConsentAt: callConsent,
      callOptedOutAt: callOptOut,
      letterOptedOutAt: letterOptOut,
      createdAt: created,
      updatedAt: contactUpdated,
    };
    out.contacts.push(row);
    contactRows.push({ row, firstName: generic ? "" : first });
  }
  const primary = contactRows[0] as ContactState;

  // Invoices.
  const startDay = Math.max(sinceDay, ctx.windowStart);
  const activeDays = Math.max(0, invoicingEnd - startDay + 1);
  const issueDays: number[] = [];
  if (activeDays > 0) {
    if (periodic) {
      const interval = rng.pick([28, 30, 31]);
      for (let d = startDay + rng.int(0, interval - 1); d <= invoicingEnd; d += interval) {
        issueDays.push(Math.min(invoicingEnd, d + rng.int(0, 2)));
      }
    } else {
      const expected = (monthlyRate * activeDays) / 30;
      const count = Math.max(1, Math.min(400, Math.round(expected * rng.uniform(0.8, 1.2))));
      for (let i = 0; i < count; i++) issueDays.push(rng.int(startDay, invoicingEnd));
      issueDays.sort((a, b) => a - b);
    }
  }

  const invoicesOut: InvoiceState[] = [];
  for (const issue of issueDays) {
    const due = issue + terms;
    const usd = medianUsd * rng.lognormal(1, 0.5);
    let major = usd * locale.perUsd;
    if (exponent === 0) major = Math.max(10, Math.round(major / 10) * 10);
    else if (wholeUnits) major = Math.max(1, Math.round(major));
    const amount = Math.max(1, Math.round(major * 10 ** exponent));
    const issueDate = isoDate(ctx, issue);
    const month = MONTHS[Number(issueDate.slice(5, 7)) - 1] as string;
    const description = consumer
      ? rng.pick([
          `Monthly service, ${month} ${issueDate.slice(0, 4)}`,
          `Visit on ${issueDate}`,
          `Account charges ${month}`,
        ])
      : rng.pick([
          `Goods per PO ${rng.int(10000, 99999)}`,
          `Services for ${month} ${issueDate.slice(0, 4)}`,
          `Delivery note DN-${rng.int(100000, 999999)}`,
          `Subscription ${month} ${issueDate.slice(0, 4)}`,
          `Replacement parts, PO ${rng.int(10000, 99999)}`,
        ]);
    const created = new Date(issue * DAY_MS + 8 * 3_600_000);
    const row: InvoiceRow = {
      id: rng.uuid(),
      customerId,
      externalRef: invoiceRef(ctx, Number(issueDate.slice(0, 4))),
      currency: locale.currency,
      amountMinor: amount,
      issueDate,
      dueDate: isoDate(ctx, due),
      dunningLevel: 0,
      lastDunnedAt: null,
      description,
      createdAt: created,
      updatedAt: created,
    };
    out.invoices.push(row);
    invoicesOut.push({
      row,
      issue,
      due,
      amount,
      paid: 0,
      lastPaidDay: -1,
      receipts: [],
      fullPaidDay: NEVER,
      dispute: undefined,
      disputedNow: false,
    });
  }

  // When each invoice is (to be) paid, disputes along the way, and the resulting payment events.
  const events: PayEvent[] = [];
  const disputeChance = behaviour === "disputing" ? (role.strategic ? 0.12 : 0.18) : consumer ? 0.01 : 0.006;
  const partialChance = behaviour === "prompt" ? 0.015 : 0.04;
  for (let i = 0; i < invoicesOut.length; i++) {
    const inv = invoicesOut[i] as InvoiceState;
    const late = lateness(rng, profile, inv.issue, asOfDay);
    let planned = late === NEVER ? NEVER : Math.max(inv.issue + 1, inv.due + late);
    if (planned >= bankruptcyDay) planned = NEVER;
    let heldBack = 0; // disputed part, left open
    if (rng.chance(disputeChance)) {
      const opened = inv.issue + rng.int(3, terms + 15);
      if (opened < asOfDay && opened < planned) {
        const resolved = opened + rng.int(10, 120);
        const category = consumer
          ? rng.pick(["pricing", "duplicate_billing", "not_received", "other"] as const)
          : rng.weighted([
              ["pricing", 30],
              ["quantity", 20],
              ["damaged", 12],
              ["not_received", 10],
              ["duplicate_billing", 8],
              ["already_paid", 10],
              ["other", 10],
            ] as const);
        const partial = category === "pricing" || category === "quantity";
        const disputed = partial
          ? Math.max(1, Math.round(inv.amount * rng.uniform(0.05, category === "pricing" ? 0.25 : 0.5)))
          : inv.amount;
        const current = resolved >= asOfDay;
        inv.dispute = { openedDay: opened, resolvedDay: current ? NEVER : resolved };
        inv.disputedNow = current;
        const previous = invoicesOut[i - 1];
        const openedAt = dayTime(opened, 9, 18);
        const words = fill(rng.pick(DISPUTE_TEXTS[consumer ? "consumer" : category] ?? []), {
          inv: inv.row.externalRef,
          other: previous?.row.externalRef ?? inv.row.externalRef,
          price: money(Math.round(inv.amount / 20), locale.currency),
          price2: money(Math.round(inv.amount / 24), locale.currency),
          po: String(rng.int(10000, 99999)),
          month: MONTHS[rng.int(0, 11)] as string,
          n: String(rng.int(4, 9)),
          m: String(rng.int(10, 14)),
          date: isoDate(ctx, Math.max(inv.issue, opened - rng.int(1, 10))),
        });
        const resolvedAt = current ? null : dayTime(resolved, 9, 18);
        const rejected = !current && rng.chance(0.4);
        const slaDays = consumer ? 30 : rng.pick([14, 21, 30]);
        const byCollector = rng.chance(0.2);
        out.disputes.push({
          id: rng.uuid(),
          customerId,
          invoiceId: inv.row.id,
          category,
          status: current
            ? rng.chance(0.75)
              ? "open"
              : "investigating"
            : rejected
              ? "rejected"
              : "resolved",
          description: words,
          currency: locale.currency,
          amountMinor: disputed,
          owner: rng.chance(0.5) ? rng.pick(COLLECTORS) : null,
          openedBy: byCollector ? rng.pick(COLLECTORS) : "customer",
          openedAt,
          slaDueAt: new Date(openedAt.getTime() + slaDays * DAY_MS),
          resolution: current
            ? null
            : rejected
              ? "Customer's claim not supported by delivery records; invoice stands."
              : "Explained and agreed with the customer; invoice to be paid as billed.",
          resolvedAt,
          createdAt: openedAt,
          updatedAt: resolvedAt ?? openedAt,
        });
        if (!byCollector) {
          out.communications.push({
            id: rng.uuid(),
            customerId,
            contactId: primary.row.id,
            direction: "inbound",
            channel: "email",
            status: "received",
            subject: `Re: ${inv.row.externalRef}`,
            body: words,
            invoiceIds: [inv.row.id],
            isConversation: false,
            occurredAt: openedAt,
            createdAt: openedAt,
          });
        }
        if (current) {
          if (partial && planned < asOfDay && rng.chance(0.6)) heldBack = disputed;
          else planned = NEVER;
        } else if (planned !== NEVER) {
          planned = Math.max(planned, resolved + rng.int(1, 10));
          if (planned >= bankruptcyDay) planned = NEVER;
        }
      }
    }
    const payable = inv.amount - heldBack;
    if (planned < asOfDay) {
      const first = planned - rng.int(5, 30);
      if (payable >= 2 && first > inv.issue && rng.chance(partialChance)) {
        const part = Math.max(1, Math.min(payable - 1, Math.round(payable * rng.uniform(0.3, 0.7))));
        events.push({ day: first, invoice: inv, amount: part });
        events.push({ day: planned, invoice: inv, amount: payable - part });
      } else {
        events.push({ day: planned, invoice: inv, amount: payable });
      }
    } else if (inv.amount >= 2 && !inv.disputedNow && rng.chance(planned === NEVER ? 0.2 : 0.05)) {
      const day = inv.due + rng.int(0, 60);
      if (day < asOfDay && day > inv.issue && day < bankruptcyDay) {
        events.push({
          day,
          invoice: inv,
          amount: Math.max(1, Math.min(inv.amount - 1, Math.round(inv.amount * rng.uniform(0.2, 0.6)))),
        });
      }
    }
  }

  // Payments: some customers pay several invoices at once.
  events.sort((a, b) => a.day - b.day || a.invoice.issue - b.invoice.issue);
  const batchPayer = !consumer && rng.chance(role.strategic ? 0.6 : 0.3);
  const payerName = consumer
    ? rng.chance(0.6)
      ? name.toUpperCase()
      : `${name.charAt(0)} ${name.split(" ").slice(1).join(" ")}`.toUpperCase()
    : rng.weighted([
        [name, 50],
        [name.toUpperCase(), 30],
        [name.toUpperCase().slice(0, 18).trim(), 20],
      ]);
  const groups: { day: number; allocations: Map<InvoiceState, number> }[] = [];
  let group: (typeof groups)[number] | undefined;
  let groupStart = 0;
  for (const ev of events) {
    const join =
      group !== undefined &&
      group.allocations.size < 8 &&
      (batchPayer ? ev.day - groupStart <= 10 : ev.day - group.day <= 10 && rng.chance(0.04));
    if (!join || !group) {
      group = { day: ev.day, allocations: new Map() };
      groupStart = ev.day;
      groups.push(group);
    }
    group.day = ev.day;
    group.allocations.set(ev.invoice, (group.allocations.get(ev.invoice) ?? 0) + ev.amount);
  }
  for (const g of groups) {
    const paymentId = rng.uuid();
    const receivedOn = isoDate(ctx, g.day);
    const at = new Date(g.day * DAY_MS + 12 * 3_600_000);
    let total = 0;
    const refs: string[] = [];
    let partial = false;
    for (const [inv, amount] of g.allocations) {
      total += amount;
      refs.push(inv.row.externalRef);
      inv.paid += amount;
      inv.lastPaidDay = g.day;
      inv.receipts.push([g.day, amount]);
      if (inv.paid === inv.amount) inv.fullPaidDay = g.day;
      else partial = true;
      out.applications.push({
        id: rng.uuid(),
        paymentId,
        invoiceId: inv.row.id,
        currency: locale.currency,
        amountMinor: amount,
        method: "demo",
        confidence: 1,
        appliedBy: "demo",
        createdAt: at,
      });
    }
    const joined = refs.join(rng.pick([", ", " / ", "; ", " "]));
    const remittance = partial
      ? `Part payment ${joined}`
      : rng.weighted([
          [joined, 35],
          [`Payment ${joined}`, 25],
          [`Invoice ${joined}`, 15],
          [`${payerName} ${joined}`, 15],
          [`${joined} thank you`, 10],
        ]);
    const ownAccount =
      bankAccounts.length > 1 && rng.chance(0.3) ? (bankAccounts[1] as string) : (bankAccounts[0] as string);
    const viaProcessor = processor !== null && rr.chance(0.5);
    out.payments.push({
      id: paymentId,
      externalRef: `DEMO-PMT-${String(++ctx.paymentSeq).padStart(8, "0")}`,
      customerId,
      payerName: viaProcessor ? processor.name : payerName,
      payerAccount: viaProcessor ? processor.account : ownAccount,
      currency: locale.currency,
      amountMinor: total,
      receivedOn,
      remittanceText: remittance,
      source: "demo",
      sourceFile: null,
      createdAt: at,
    });
  }

  // Promises to pay: kept and broken ones in the history of late payers, and live ones now.
  const promiseProne = behaviour === "slow" || behaviour === "erratic" || behaviour === "deteriorating";
  for (const inv of invoicesOut) {
    if (!promiseProne || inv.fullPaidDay === NEVER || inv.fullPaidDay - inv.due <= 15) continue;
    if (!rng.chance(0.12)) continue;
    const kept = rng.chance(0.8);
    const promised = kept ? inv.fullPaidDay + rng.int(0, 3) : inv.fullPaidDay - rng.int(5, 20);
    const made = promised - rng.int(5, 14);
    if (made <= inv.due || made >= inv.fullPaidDay || promised >= asOfDay) continue;
    const createdAt = dayTime(made, 9, 18);
    out.promises.push({
      id: rng.uuid(),
      customerId,
      invoiceIds: [inv.row.id],
      currency: locale.currency,
      amountMinor: inv.amount,
      promisedDate: isoDate(ctx, promised),
      status: kept ? "kept" : "broken",
      source: rng.chance(0.6) ? "customer" : "collector",
      note: null,
      resolvedAt: kept
        ? new Date(inv.fullPaidDay * DAY_MS + 12 * 3_600_000)
        : new Date((promised + 1) * DAY_MS + 6 * 3_600_000),
      createdAt,
    });
  }

  const openInvoices = invoicesOut.filter((inv) => inv.paid < inv.amount);
  const balanceOf = (inv: InvoiceState) => inv.amount - inv.paid;
  const reachable = stopDay === NEVER;
  const overdue = openInvoices.filter((inv) => !inv.disputedNow && inv.due < asOfDay - 5);
  const promiseChance =
    behaviour === "prompt" ? 0.1 : behaviour === "disputing" ? 0.2 : behaviour === "slow" ? 0.3 : 0.38;
  if (reachable && overdue.length > 0 && rng.chance(promiseChance)) {
    const covered = overdue.slice(0, rng.int(1, Math.min(3, overdue.length)));
    const balance = covered.reduce((sum, inv) => sum + balanceOf(inv), 0);
    const amount = rng.chance(0.8) ? balance : Math.max(1, Math.round(balance / 2));
    const future = rng.chance(0.45);
    const promised = future ? asOfDay + rng.int(1, 21) : asOfDay - rng.int(1, 25);
    const latestDue = Math.max(...covered.map((inv) => inv.due));
    const made = Math.min(asOfDay - 1, Math.max(latestDue + 1, promised - rng.int(3, 14)));
    if (made < promised) {
      const createdAt = dayTime(made, 9, 18);
      const fromCustomer = rng.chance(0.55);
      const amountText = money(amount, locale.currency);
      const words = fill(rng.pick(PROMISE_TEXTS), {
        amount: amountText,
        date: isoDate(ctx, promised),
        day: ordinal(Number(isoDate(ctx, promised).slice(8, 10))),
      });
      out.promises.push({
        id: rng.uuid(),
        customerId,
        invoiceIds: covered.map((inv) => inv.row.id),
        currency: locale.currency,
        amountMinor: amount,
        promisedDate: isoDate(ctx, promised),
        status: "open",
        source: fromCustomer ? "customer" : "collector",
        note: fromCustomer ? words : `Promised on a call: ${amountText} by ${isoDate(ctx, promised)}.`,
        resolvedAt: null,
        createdAt,
      });
      out.communications.push({
        id: rng.uuid(),
        customerId,
        contactId: primary.row.id,
        direction: fromCustomer ? "inbound" : "outbound",
        channel: fromCustomer ? "email" : "call",
        status: fromCustomer ? "received" : "delivered",
        subject: fromCustomer ? `Re: ${covered[0]?.row.externalRef}` : null,
        body: fromCustomer
          ? words
          : `Spoke with ${primary.row.name}; promised ${amountText} by ${isoDate(ctx, promised)}.`,
        invoiceIds: covered.map((inv) => inv.row.id),
        isConversation: !fromCustomer,
        occurredAt: createdAt,
        createdAt,
      });
    }
  }

  // Unapplied receipts waiting for cash application, each with its ground truth (receiptTruth).
  // Drawn from the receipts stream (rr), so the messages below do not depend on them.
  if (discountTerms) {
    for (const inv of invoicesOut) {
      out.earlyDiscounts.push({
        invoiceId: inv.row.id,
        percent: discountTerms.percent,
        until: isoDate(ctx, inv.issue + discountTerms.days),
      });
    }
  }
  const payable = openInvoices.filter((inv) => !inv.disputedNow);
  const receipt = (
    truth: Omit<
      ReceiptTruth,
      | "paymentId"
      | "customerId"
      | "adjustments"
      | "deductions"
      | "partial"
      | "leftUnappliedMinor"
      | "chargesMinor"
      | "original"
    > &
      Partial<ReceiptTruth>,
    row: {
      amount: number;
      day: number;
      text: string | null;
      identified: boolean;
      payerName?: string;
      payerAccount?: string;
    },
  ) => {
    if (row.day >= asOfDay) return; // nothing happens on or after asOf
    const id = rr.uuid();
    out.payments.push({
      id,
      externalRef: `DEMO-PMT-${String(++ctx.paymentSeq).padStart(8, "0")}`,
      customerId: row.identified ? customerId : null,
      payerName:
        row.payerName ??
        (row.identified || rr.chance(0.6) ? payerName : payerName.slice(0, 12).toUpperCase()),
      payerAccount:
        row.payerAccount ??
        (row.identified || rr.chance(0.65) ? (bankAccounts[0] as string) : bankAccount(rr, locale.country)),
      currency: locale.currency,
      amountMinor: row.amount,
      receivedOn: isoDate(ctx, row.day),
      remittanceText: row.text,
      source: "demo",
      sourceFile: null,
      createdAt: new Date(row.day * DAY_MS + 12 * 3_600_000),
    });
    out.unappliedPayments++;
    out.receiptTruth.push({
      paymentId: id,
      customerId,
      adjustments: [],
      deductions: [],
      partial: false,
      leftUnappliedMinor: 0,
      chargesMinor: null,
      original: null,
      ...truth,
    });
  };
  if (bankruptcyDay === NEVER && payable.length > 0 && rr.chance(consumer ? 0.08 : 0.14)) {
    const discountable = discountTerms
      ? payable.filter((inv) => inv.issue + discountTerms.days >= asOfDay - 10 && inv.issue < asOfDay - 1)
      : [];
    // Discount terms are worth taking on a recent invoice, and a processor's customers often pay through it.
    const kind: ReceiptCase =
      discountable.length > 0 && rr.chance(0.6)
        ? "early_discount"
        : processor && rr.chance(0.4)
          ? "processor"
          : rr.weighted<ReceiptCase>([
              ["typo", 20],
              ["confusable", 5],
              ["no_reference", 13],
              ["several", 10],
              ["short", 7],
              ["clean", 17],
              ["bank_charges", 4],
              ["fx", 3],
              ["write_off", 4],
              ["overpay", 3],
              ["deduction", 3],
              ["name_only", 2],
              ["split", 3],
            ]);
    const target = kind === "early_discount" ? rr.pick(discountable) : rr.pick(payable);
    const balance = balanceOf(target);
    const ref = target.row.externalRef;
    const month = MONTHS[Number(target.row.issueDate.slice(5, 7)) - 1] as string;
    const cite = (templates: string[], r = ref) => fill(rr.pick(templates), { ref: r });
    const lastDays = (after: number) => Math.max(after, asOfDay - rr.int(1, 10));
    const identified = kind !== "processor" && kind !== "name_only" && rr.chance(0.6);
    const whole = (
      truthCase: ReceiptCase,
      text: string | null,
      extra: Partial<Parameters<typeof receipt>[1]> = {},
    ) =>
      receipt(
        { case: truthCase, applications: [{ invoiceId: target.row.id, amountMinor: balance }] },
        { amount: balance, day: lastDays(target.issue + 1), text, identified, ...extra },
      );
    const short = (
      truthCase: ReceiptCase,
      paid: number,
      text: string,
      truth: Partial<ReceiptTruth>,
      day = lastDays(target.issue + 1),
    ) =>
      receipt(
        { case: truthCase, applications: [{ invoiceId: target.row.id, amountMinor: paid }], ...truth },
        { amount: paid, day, text, identified },
      );
    const minorPerUsd = locale.perUsd * 10 ** exponent;
    switch (kind) {
      case "typo":
        whole(
          kind,
          cite(
            ["{ref}", "Payment {ref}", "PAYMENT REF {ref}", "Invoice {ref} paid", "{ref} thanks"],
            mangleRef(rr, ref),
          ),
        );
        break;
      case "confusable":
        whole(
          kind,
          cite(["{ref}", "Payment {ref}", "INVOICE {ref}", "{ref} thank you"], confuseRef(rr, ref)),
        );
        break;
      case "no_reference":
        whole(
          kind,
          fill(rr.pick(NO_REFERENCE_REMITTANCES), {
            month: rr.chance(0.5) ? month.toLowerCase() : month,
            payer: payerName.toUpperCase(),
            po: String(rr.int(10000, 99999)),
          }),
        );
        break;
      case "several": {
        const chosen = rr.shuffle([...payable]).slice(0, rr.int(2, 3));
        if (chosen.length < 2) {
          whole("clean", cite(["{ref}", "Payment {ref}"]));
          break;
        }
        const refs = chosen.map((inv) =>
          rr.chance(0.3) ? mangleRef(rr, inv.row.externalRef) : inv.row.externalRef,
        );
        const text = rr.chance(0.25) ? `${refs[0]} and others` : `Payment ${refs.join(", ")}`;
        receipt(
          {
            case: kind,
            applications: chosen.map((inv) => ({ invoiceId: inv.row.id, amountMinor: balanceOf(inv) })),
          },
          {
            amount: chosen.reduce((sum, inv) => sum + balanceOf(inv), 0),
            day: lastDays(Math.max(...chosen.map((inv) => inv.issue + 1))),
            text,
            identified,
          },
        );
        break;
      }
      case "short": {
        const paid = Math.max(1, Math.round(balance * rr.uniform(0.3, 0.8)));
        if (paid >= balance) {
          whole("clean", cite(["{ref}"]));
          break;
        }
        short(
          kind,
          paid,
          cite([
            "part payment {ref}",
            "Partial payment {ref}",
            "Instalment {ref}",
            "Teilzahlung {ref}",
            "Acompte {ref}",
          ]),
          { partial: true },
        );
        break;
      }
      case "early_discount": {
        const terms = discountTerms!;
        const discount = Math.round((balance * terms.percent) / 100);
        const until = target.issue + terms.days;
        const day = rr.int(Math.max(target.issue + 1, asOfDay - 10), Math.min(until, asOfDay - 1));
        if (discount < 1) {
          whole("clean", cite(["{ref}"]));
          break;
        }
        short(
          kind,
          balance - discount,
          cite([
            "{ref}",
            "Payment {ref}",
            `{ref} less ${terms.percent}% discount`,
            "{ref} net of early payment discount",
          ]),
          {
            adjustments: [
              { invoiceId: target.row.id, kind: "early_payment_discount", amountMinor: discount },
            ],
          },
          day,
        );
        break;
      }
      case "bank_charges": {
        const charge = Math.round(rr.pick([10, 15, 20, 25, 30]) * locale.perUsd) * 10 ** exponent;
        if (charge * 4 >= balance) {
          whole("clean", cite(["{ref}"]));
          break;
        }
        const stated = rr.chance(0.5);
        receipt(
          {
            case: kind,
            applications: [{ invoiceId: target.row.id, amountMinor: balance - charge }],
            adjustments: [{ invoiceId: target.row.id, kind: "bank_charges", amountMinor: charge }],
            chargesMinor: stated ? charge : null,
          },
          {
            amount: balance - charge,
            day: lastDays(target.issue + 1),
            text: stated
              ? cite(["{ref}", "Payment {ref}"])
              : cite(["{ref} SHA", "{ref} bank charges deducted", "INV {ref} less bank fee"]),
            identified,
          },
        );
        break;
      }
      case "fx": {
        const gap = Math.max(1, Math.round(balance * rr.uniform(0.001, 0.015)));
        const paid = balance - gap;
        const from = locale.currency === "USD" ? "EUR" : "USD";
        const fromPerUsd = from === "USD" ? 1 : 0.92;
        const fromMinor = Math.round(((paid / minorPerUsd) * fromPerUsd * 100) / rr.uniform(0.995, 1.005));
        if (paid < 1) {
          whole("clean", cite(["{ref}"]));
          break;
        }
        receipt(
          {
            case: kind,
            applications: [{ invoiceId: target.row.id, amountMinor: paid }],
            adjustments: [{ invoiceId: target.row.id, kind: "fx_difference", amountMinor: gap }],
            original: { amountMinor: fromMinor, currency: from },
          },
          {
            amount: paid,
            day: lastDays(target.issue + 1),
            text: cite(["{ref}", "Payment {ref}", "INVOICE {ref}"]),
            identified,
          },
        );
        break;
      }
      case "write_off": {
        // A few units short: rounding, a forgotten small fee — well inside any write-off tolerance.
        const limit = Math.min(Math.floor(balance / 100), Math.round(10 * minorPerUsd));
        if (limit < 1) {
          whole("clean", cite(["{ref}"]));
          break;
        }
        const gap = rr.int(1, limit);
        short(kind, balance - gap, cite(["{ref}", "Payment {ref}", "Invoice {ref}"]), {
          adjustments: [{ invoiceId: target.row.id, kind: "write_off", amountMinor: gap }],
        });
        break;
      }
      case "overpay": {
        const extra = Math.max(1, Math.round(balance * rr.uniform(0.02, 0.25)));
        receipt(
          {
            case: kind,
            applications: [{ invoiceId: target.row.id, amountMinor: balance }],
            leftUnappliedMinor: extra,
          },
          {
            amount: balance + extra,
            day: lastDays(target.issue + 1),
            text: cite(["{ref}", "Payment {ref}", "Invoice {ref}"]),
            identified,
          },
        );
        break;
      }
      case "deduction": {
        const paid = Math.round(balance * rr.uniform(0.5, 0.93));
        if (paid < 1 || paid >= balance) {
          whole("clean", cite(["{ref}"]));
          break;
        }
        short(
          kind,
          paid,
          cite([
            "{ref} less damaged goods",
            "{ref} less returned items",
            "{ref} short shipment",
            "{ref}",
            "Payment {ref}",
          ]),
          { deductions: [{ invoiceId: target.row.id, amountMinor: balance - paid }] },
        );
        break;
      }
      case "processor":
        whole(
          kind,
          cite(["PAYOUT {ref}", "{ref}", "Payment {ref}"], rr.chance(0.3) ? mangleRef(rr, ref) : ref),
          {
            payerName: processor!.name,
            payerAccount: processor!.account,
          },
        );
        break;
      case "name_only":
        whole(
          kind,
          fill(rr.pick(NO_REFERENCE_REMITTANCES), {
            month: month.toLowerCase(),
            payer: payerName.toUpperCase(),
            po: String(rr.int(10000, 99999)),
          }),
          { payerName, payerAccount: bankAccount(rr, locale.country) },
        );
        break;
      case "split": {
        // Two instalments for one invoice, on two days.
        const first = Math.round(balance * rr.uniform(0.3, 0.7));
        const day1 = Math.max(target.issue + 1, asOfDay - rr.int(4, 10));
        const day2 = day1 + rr.int(1, 3);
        if (first < 1 || first >= balance || day2 >= asOfDay) {
          whole("clean", cite(["{ref}"]));
          break;
        }
        short(kind, first, `Instalment 1 of 2 ${ref}`, { partial: true }, day1);
        short(kind, balance - first, `Instalment 2 of 2 ${ref}`, {}, day2);
        break;
      }
      default:
        whole("clean", cite(["{ref}", "Payment {ref}"]));
    }
  }
  if (rr.chance(0.01)) {
    // A receipt from nobody in the ledger: misdirected, or a customer not yet set up.
    const day = asOfDay - rr.int(1, 20);
    receipt(
      { case: "unknown_payer", customerId: null, applications: [] },
      {
        amount: Math.max(1, Math.round(rr.lognormal(800, 1) * locale.perUsd)) * 10 ** exponent,
        day,
        text: rr.pick(["TRANSFER", "REF 000231884", "payment", null]),
        identified: false,
        payerName: rr.pick(UNKNOWN_PAYERS),
        payerAccount: bankAccount(rr, locale.country),
      },
    );
  }

  // Messages: dunning reminders (merged per day), calls on older debts, replies, notices.
  const canUse = (contact: ContactRow, channel: string, at: Date): boolean => {
    switch (channel) {
      case "email":
        return contact.email !== null && (!contact.emailOptedOutAt || contact.emailOptedOutAt > at);
      case "sms":
        return (
          contact.phone !== null &&
          contact.smsConsentAt !== null &&
          contact.smsConsentAt <= at &&
          (!contact.smsOptedOutAt || contact.smsOptedOutAt > at)
        );
      case "call":
        return contact.phone !== null && (!contact.callOptedOutAt || contact.callOptedOutAt > at);
      default:
        return !contact.letterOptedOutAt || contact.letterOptedOutAt > at;
    }
  };
  const balanceOn = (inv: InvoiceState, day: number) => {
    let balance = inv.amount;
    for (const [paidDay, amount] of inv.receipts) if (paidDay < day) balance -= amount;
    return balance;
  };
  const dunnable = (inv: InvoiceState, day: number) =>
    day < asOfDay &&
    day < inv.fullPaidDay &&
    day < stopDay &&
    day >= sinceDay &&
    !(inv.dispute && inv.dispute.openedDay <= day && day < inv.dispute.resolvedDay);
  const reminders = new Map<number, { level: number; invoices: InvoiceState[] }>();
  const OFFSETS = [7, 21, 35, 50];
  for (const inv of invoicesOut) {
    for (let level = 1; level <= OFFSETS.length; level++) {
      const day = inv.due + (OFFSETS[level - 1] as number);
      if (!dunnable(inv, day)) break;
      const entry = reminders.get(day);
      if (entry) {
        entry.level = Math.max(entry.level, level);
        entry.invoices.push(inv);
      } else reminders.set(day, { level, invoices: [inv] });
    }
  }
  const payLink = `https://pay.arc.example/c/${externalRef}`;
  const greeting = primary.firstName ? `Hello ${primary.firstName},` : "Hello,";
  const SUBJECTS = ["Reminder", "Second reminder", "Overdue balance", "Final notice"];
  for (const [day, { level, invoices: due }] of [...reminders].sort((a, b) => a[0] - b[0])) {
    const at = dayTime(day, 8, 17);
    const refs = due.map((inv) => inv.row.externalRef).join(", ");
    const total = money(
      due.reduce((sum, inv) => sum + balanceOn(inv, day), 0),
      locale.currency,
    );
    const preferred = primary.row.preferredChannel;
    const channel = canUse(primary.row, preferred, at)
      ? preferred === "call"
        ? "email"
        : preferred
      : canUse(primary.row, "email", at)
        ? "email"
        : "letter";
    const subject = `${SUBJECTS[level - 1]}: ${due.length === 1 ? `invoice ${refs}` : `${due.length} invoices`} overdue`;
    const body =
      channel === "sms"
        ? `${name}: ${refs} (${total}) is overdue. Pay: ${payLink}`
        : `${greeting}\n\nOur records show ${refs} for ${total} past due (due ${due[0]?.row.dueDate}). ` +
          `Please pay at ${payLink} or reply if there is a problem.\n\nAccounts Receivable`;
    out.communications.push({
      id: rng.uuid(),
      customerId,
      contactId: primary.row.id,
      direction: "outbound",
      channel,
      status:
        channel === "email"
          ? rng.chance(0.03)
            ? "failed"
            : "delivered"
          : channel === "sms"
            ? "delivered"
            : "sent",
      subject: channel === "sms" ? null : subject,
      body,
      invoiceIds: due.map((inv) => inv.row.id),
      isConversation: false,
      occurredAt: at,
      createdAt: at,
    });
    for (const inv of due) {
      inv.row.dunningLevel = Math.max(inv.row.dunningLevel, level);
      inv.row.lastDunnedAt = at;
    }
    if (rng.chance(0.1) && day + 1 < asOfDay) {
      const replyAt = dayTime(Math.min(asOfDay - 1, day + rng.int(1, 3)), 8, 18);
      out.communications.push({
        id: rng.uuid(),
        customerId,
        contactId: primary.row.id,
        direction: "inbound",
        channel: "email",
        status: "received",
        subject: `Re: ${subject}`,
        body: fill(rng.pick(REPLY_TEXTS), { date: isoDate(ctx, day + rng.int(3, 14)) }),
        invoiceIds: due.map((inv) => inv.row.id),
        isConversation: false,
        occurredAt: replyAt,
        createdAt: replyAt,
      });
    }
  }

  // Calls about debts a month or two overdue, and a burst of recent attempts for some accounts.
  const callContact = contactRows.find((c) => c.row.phone !== null);
  const call = (at: Date, invoiceIds: string[], outcome: "conversation" | "voicemail" | "no_answer") => {
    if (!callContact) return;
    out.communications.push({
      id: rng.uuid(),
      customerId,
      contactId: callContact.row.id,
      direction: "outbound",
      channel: "call",
      status: outcome === "no_answer" ? "sent" : "delivered",
      subject: null,
      body:
        outcome === "conversation"
          ? `Spoke with ${callContact.row.name} about the overdue balance.`
          : outcome === "voicemail"
            ? "Left a voicemail asking for a call back about the overdue balance."
            : "No answer.",
      invoiceIds,
      isConversation: outcome === "conversation",
      occurredAt: at,
      createdAt: at,
    });
  };
  const outcome = () =>
    rng.weighted([
      ["conversation", 35],
      ["voicemail", 40],
      ["no_answer", 25],
    ] as const);
  if (callContact) {
    for (const inv of invoicesOut) {
      for (const offset of [28, 56]) {
        const day = inv.due + offset;
        if (!dunnable(inv, day) || !rng.chance(consumer ? 0.6 : 0.35)) continue;
        const at = dayTime(day, 10, 18);
        if (canUse(callContact.row, "call", at)) call(at, [inv.row.id], outcome());
      }
    }
    const overdueNow = openInvoices.filter((inv) => !inv.disputedNow && inv.due < asOfDay - 1);
    if (reachable && overdueNow.length > 0 && rng.chance(consumer ? 0.45 : 0.1)) {
      const attempts = consumer
        ? rng.weighted([
            [1, 20],
            [2, 20],
            [3, 15],
            [4, 10],
            [5, 10],
            [6, 10],
            [7, 15],
          ])
        : rng.int(1, 3);
      const ids = overdueNow.map((inv) => inv.row.id);
      const conversationAt = rng.chance(0.3) ? rng.int(0, attempts - 1) : -1;
      for (let k = 0; k < attempts; k++) {
        // Spread over the last seven days, oldest first; two a day at most.
        const day = asOfDay - 7 + Math.floor((k * 7) / attempts);
        const at = dayTime(day, k % 2 === 0 ? 9 : 14, k % 2 === 0 ? 13 : 19);
        if (canUse(callContact.row, "call", at))
          call(at, ids, k === conversationAt ? "conversation" : "no_answer");
      }
    }
  }

  // Notices that set the flags.
  const notice = (day: number, body: string, contactId: string | null) => {
    if (day === NEVER) return;
    const at = dayTime(day, 9, 17);
    out.communications.push({
      id: rng.uuid(),
      customerId,
      contactId,
      direction: "inbound",
      channel: "letter",
      status: "received",
      subject: null,
      body,
      invoiceIds: [],
      isConversation: false,
      occurredAt: at,
      createdAt: at,
    });
  };
  notice(
    ceaseDay,
    consumer
      ? "Please stop contacting me about this account. Any further contact should be in writing only."
      : "Direct all further communication about these invoices to our outside counsel.",
    primary.row.id,
  );
  notice(
    attorneyDay,
    `This office represents ${name} regarding the account. Please contact us, not our client, from now on.`,
    null,
  );
  notice(
    bankruptcyDay,
    `Notice of Chapter ${consumer ? 7 : rng.pick([7, 11])} bankruptcy filing, case no. ${rng.int(20, 25)}-${rng.int(10000, 99999)}. The automatic stay is in effect.`,
    primary.row.id,
  );

  // Invoices touched by the application triggers get their real closing dates back.
  for (const inv of invoicesOut) {
    if (inv.lastPaidDay < 0) continue;
    const paidAt = new Date(inv.lastPaidDay * DAY_MS + 12 * 3_600_000);
    const dunned = inv.row.lastDunnedAt;
    out.closures.push({
      id: inv.row.id,
      closedAt: inv.fullPaidDay === NEVER ? null : paidAt,
      updatedAt: dunned && dunned > paidAt ? dunned : paidAt,
    });
  }
  for (const inv of invoicesOut) {
    if (inv.row.lastDunnedAt && inv.lastPaidDay < 0) inv.row.updatedAt = inv.row.lastDunnedAt;
  }
}
