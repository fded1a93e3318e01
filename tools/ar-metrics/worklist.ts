// The collector worklist: which account to work next. Each (account, currency) line is scored by the
// cash that acting on it now is expected to bring forward into the horizon, per minute of collector
// effort the next action takes, and ranked on that.
//
//   for each actionable invoice i (open, not disputed, not under a live promise whose date has not
//   come, not on an active payment plan):
//     unpaid_i   = P(still unpaid HORIZON_DAYS after asOf if we wait)
//                = 1 − (1 − neverPaid_i) × CDF_i(HORIZON_DAYS)        (its pay-day distribution)
//     uplift_i   = CONTACT_UPLIFT_BY_AGE[aging bucket of i] × SEGMENT_RESPONSIVENESS[segment]
//                  × CHANNEL_EFFECT[next action] × (RECENT_CONTACT_FACTOR if contacted in the last
//                  RECENT_CONTACT_DAYS days, else 1)
//     forward_i  = balance_i × unpaid_i × uplift_i
//   brought forward = Σ forward_i;  value per minute = brought forward ÷ EFFORT_MINUTES[next action]
//
// uplift is the share of the money that would slip past the horizon that one contact brings inside
// it. Acting now vs waiting: waiting is the baseline (the pay-day distribution, made with no contact
// in view), acting adds uplift × what would otherwise slip. Disputed amounts, amounts promised for a
// date still to come and plan instalments are excluded: chasing them adds nothing now (and the policy
// engine would refuse most such contacts anyway). A promise whose date has passed is broken: its
// invoices count again.
//
// The constants below are house assumptions, chosen to be plausible and to order accounts sensibly,
// not measured. Replace them with uplift measured on a holdout (accounts not contacted) once ARC has
// the history to do it; every line's explanation names the figures it used, so a collector can see
// why an account is where it is.
import { formatMoney } from "../../db/money.ts";
import type { AgingBucket } from "../aging.ts";
import { assertDate, compareText, daysBetween } from "./dates.ts";
import { assertQuantiles, type PayDayQuantiles, probabilityPaidBy } from "./distribution.ts";
import { agingBucketOf, emptyBuckets } from "./metrics.ts";

/** The ways a collector can act (db/schema.ts's CHANNELS). */
export type ContactChannel = "call" | "email" | "sms" | "letter";

/**
 * Collector minutes per action, including the attempts that reach nobody: a call ≈ 10 (dial, talk,
 * notes; about a third reach someone, contact-centre handling times run 6–8 minutes a conversation);
 * an email ≈ 3 (review and send an agent-drafted message); an SMS ≈ 1; a letter ≈ 5 (review, print and
 * post a generated letter).
 */
export const EFFORT_MINUTES: Readonly<Record<ContactChannel, number>> = {
  call: 10,
  email: 3,
  sms: 1,
  letter: 5,
};

/**
 * How much of a call's effect each channel has. A conversation gets a commitment (a date, an amount,
 * the reason for non-payment); a written reminder is easy to ignore, a text easier still; a letter is
 * slow but formal (it is the channel of final demands).
 */
export const CHANNEL_EFFECT: Readonly<Record<ContactChannel, number>> = {
  call: 1,
  email: 0.4,
  sms: 0.3,
  letter: 0.35,
};

/**
 * Share of the slipping money one call brings inside the horizon, by how far past due the invoice is.
 * Early contact works best: 1–30 days past due is usually an oversight or a process gap a contact
 * fixes; the older the debt, the likelier the cause is cash or a grievance, and collectability falls
 * with age (the collection-rate-by-age curves collection agencies publish drop steeply after 90 days).
 * Not yet due: a pre-due reminder catches missing invoices and approvals, a small effect.
 */
export const CONTACT_UPLIFT_BY_AGE: Readonly<Record<AgingBucket, number>> = {
  current: 0.05,
  "1-30": 0.3,
  "31-60": 0.25,
  "61-90": 0.2,
  "91+": 0.1,
};

/**
 * Responsiveness to contact by segment (db/schema.ts's SEGMENTS; unknown or null → UNKNOWN). Prompt
 * and new payers respond (a late invoice is an oversight; a new customer learns what we expect); slow
 * payers run on their own cycle; strategic accounts are handled gently; problem payers are short of
 * cash or disputing, so a contact moves least.
 */
export const SEGMENT_RESPONSIVENESS: Readonly<Record<string, number>> = {
  prompt: 1,
  new: 1,
  slow: 0.8,
  consumer: 0.8,
  strategic: 0.7,
  problem: 0.6,
};
export const UNKNOWN_SEGMENT_RESPONSIVENESS = 0.8;

/** Contacted this recently (days), another contact does less: uplift × RECENT_CONTACT_FACTOR. */
export const RECENT_CONTACT_DAYS = 7;
export const RECENT_CONTACT_FACTOR = 0.5;

/** Cash brought forward counts if it arrives within this many days of asOf (the "late" threshold). */
export const WORKLIST_HORIZON_DAYS = 30;

/** Next action when the caller names none: email while the oldest actionable debt is ≤ 30 days past due, then a call. */
export const CALL_AFTER_DAYS_PAST_DUE = 30;

export interface WorklistInvoice {
  invoiceId: string;
  currency: string;
  balanceMinor: number;
  dueDate: string;
  /**
   * Predicted pay day relative to asOf. Without it, the account's lateProbability stands in for
   * unpaid_i (the two coincide for an invoice due today with the 30-day horizon).
   */
  payDay?: PayDayQuantiles;
  /** Under an open or investigating dispute. */
  disputed?: boolean;
  /** The date of a live (open) promise to pay covering this invoice, if there is one. */
  promisedDate?: string | null;
  /** On an active payment plan. */
  onActivePlan?: boolean;
}

export interface WorklistAccount {
  accountId: string;
  name: string;
  segment: string | null;
  /** Calibrated P(paid more than 30 days late), 0..1 (calibration.ts). */
  lateProbability: number;
  /** YYYY-MM-DD of the last contact with the customer (any channel), if any. */
  lastContactDate: string | null;
  /** The next action (what consent and the contact strategy allow); default: see CALL_AFTER_DAYS_PAST_DUE. */
  nextAction?: ContactChannel;
  invoices: readonly WorklistInvoice[];
}

export interface WorklistLine {
  /** 1-based position in its list. */
  rank: number;
  accountId: string;
  name: string;
  currency: string;
  segment: string | null;
  nextAction: ContactChannel;
  effortMinutes: number;
  openMinor: number;
  overdueMinor: number;
  agingMinor: Record<AgingBucket, number>;
  /** Days past due of the oldest open invoice (0 when none is overdue). */
  oldestDaysPastDue: number;
  lateProbability: number;
  /** Open balance the score counts (not disputed, promised or on a plan). */
  actionableMinor: number;
  excluded: { disputedMinor: number; promisedMinor: number; planMinor: number };
  /** Balance-weighted P(still unpaid at the horizon if we wait) over the actionable invoices. */
  unpaidAtHorizon: number;
  /** Expected cash brought forward by acting now, rounded to a minor unit. */
  broughtForwardMinor: number;
  /** broughtForward ÷ effort minutes, unrounded (the ranking key). */
  valuePerMinuteMinor: number;
  explanation: string;
}

export interface WorklistOptions {
  horizonDays?: number;
}

const ACTION_WORDS: Record<ContactChannel, string> = {
  call: "calling",
  email: "emailing",
  sms: "texting",
  letter: "sending a letter",
};

const percent = (p: number) => `${Math.round(p * 100)}%`;

/** Highest value per minute first; then more brought forward, riskier, more overdue, account id, currency. */
export function compareLines(a: WorklistLine, b: WorklistLine): number {
  return (
    b.valuePerMinuteMinor - a.valuePerMinuteMinor ||
    b.broughtForwardMinor - a.broughtForwardMinor ||
    b.lateProbability - a.lateProbability ||
    b.overdueMinor - a.overdueMinor ||
    compareText(a.accountId, b.accountId) ||
    compareText(a.currency, b.currency)
  );
}

function scoreLine(
  account: WorklistAccount,
  currency: string,
  invoices: readonly WorklistInvoice[],
  asOf: string,
  horizonDays: number,
): WorklistLine {
  const agingMinor = emptyBuckets();
  let openMinor = 0;
  let oldest = 0;
  let actionableMinor = 0;
  let unpaidWeighted = 0;
  let forward = 0;
  const excluded = { disputedMinor: 0, promisedMinor: 0, planMinor: 0 };
  const promiseDates = new Set<string>();

  const actionable: { invoice: WorklistInvoice; days: number }[] = [];
  for (const invoice of invoices) {
    if (invoice.balanceMinor <= 0) continue;
    const days = daysBetween(invoice.dueDate, asOf);
    agingMinor[agingBucketOf(days)] += invoice.balanceMinor;
    openMinor += invoice.balanceMinor;
    oldest = Math.max(oldest, days);
    if (invoice.disputed) excluded.disputedMinor += invoice.balanceMinor;
    else if (invoice.promisedDate && invoice.promisedDate >= asOf) {
      excluded.promisedMinor += invoice.balanceMinor;
      promiseDates.add(invoice.promisedDate);
    } else if (invoice.onActivePlan) excluded.planMinor += invoice.balanceMinor;
    else actionable.push({ invoice, days });
  }
  const oldestActionable = actionable.reduce((max, a) => Math.max(max, a.days), Number.NEGATIVE_INFINITY);
  const nextAction: ContactChannel =
    account.nextAction ?? (oldestActionable > CALL_AFTER_DAYS_PAST_DUE ? "call" : "email");
  const segmentFactor =
    (account.segment !== null ? SEGMENT_RESPONSIVENESS[account.segment] : undefined) ??
    UNKNOWN_SEGMENT_RESPONSIVENESS;
  const daysSinceContact = account.lastContactDate ? daysBetween(account.lastContactDate, asOf) : null;
  const recent = daysSinceContact !== null && daysSinceContact < RECENT_CONTACT_DAYS;
  const recencyFactor = recent ? RECENT_CONTACT_FACTOR : 1;

  for (const { invoice, days } of actionable) {
    const unpaid = invoice.payDay
      ? 1 - probabilityPaidBy(invoice.payDay, horizonDays)
      : Math.min(1, Math.max(0, account.lateProbability));
    const uplift =
      CONTACT_UPLIFT_BY_AGE[agingBucketOf(days)] * segmentFactor * CHANNEL_EFFECT[nextAction] * recencyFactor;
    actionableMinor += invoice.balanceMinor;
    unpaidWeighted += invoice.balanceMinor * unpaid;
    forward += invoice.balanceMinor * unpaid * uplift;
  }

  const effortMinutes = EFFORT_MINUTES[nextAction];
  const unpaidAtHorizon = actionableMinor > 0 ? unpaidWeighted / actionableMinor : 0;
  const overdueMinor = openMinor - agingMinor.current;
  const money = (minor: number) => formatMoney(Math.round(minor), currency);

  const parts: string[] = [];
  const head =
    overdueMinor > 0
      ? `${money(overdueMinor)} overdue, oldest ${oldest} days`
      : `${money(openMinor)} open, none overdue`;
  parts.push(`${account.name}: ${head}, ${percent(account.lateProbability)} likely >30 days late`);
  if (actionableMinor > 0 && forward > 0) {
    parts.push(
      `${percent(unpaidAtHorizon)} of the ${money(actionableMinor)} we can act on expected unpaid in ${horizonDays} days if we wait` +
        `: ${ACTION_WORDS[nextAction]} now brings forward ≈ ${money(forward)} in expectation for ${effortMinutes} minutes` +
        ` (≈ ${money(forward / effortMinutes)} a minute)`,
    );
  } else {
    parts.push(`nothing to gain by acting now`);
  }
  const exclusions: string[] = [];
  if (excluded.disputedMinor > 0) exclusions.push(`${money(excluded.disputedMinor)} disputed`);
  if (excluded.promisedMinor > 0) {
    exclusions.push(`${money(excluded.promisedMinor)} promised for ${[...promiseDates].sort().join(", ")}`);
  }
  if (excluded.planMinor > 0) exclusions.push(`${money(excluded.planMinor)} on a payment plan`);
  if (exclusions.length) parts.push(`not counted: ${exclusions.join(", ")}`);
  if (recent) parts.push(`contacted ${daysSinceContact} days ago, so the effect is halved`);

  return {
    rank: 0,
    accountId: account.accountId,
    name: account.name,
    currency,
    segment: account.segment,
    nextAction,
    effortMinutes,
    openMinor,
    overdueMinor,
    agingMinor,
    oldestDaysPastDue: Math.max(0, oldest),
    lateProbability: account.lateProbability,
    actionableMinor,
    excluded,
    unpaidAtHorizon,
    broughtForwardMinor: Math.round(forward),
    valuePerMinuteMinor: forward / effortMinutes,
    explanation: `${parts.join("; ")}.`,
  };
}

/**
 * The worklist per currency (sorted by currency), each ranked by value per effort minute with
 * deterministic tie-breaks (compareLines). One line per account and currency it has open invoices
 * in: amounts of different currencies are never added or compared.
 */
export function buildWorklist(
  accounts: readonly WorklistAccount[],
  asOf: string,
  options: WorklistOptions = {},
): { currency: string; lines: WorklistLine[] }[] {
  assertDate(asOf, "asOf");
  const horizonDays = options.horizonDays ?? WORKLIST_HORIZON_DAYS;
  const byCurrency = new Map<string, WorklistLine[]>();
  const seen = new Set<string>();
  for (const account of accounts) {
    if (seen.has(account.accountId)) throw new RangeError(`account ${account.accountId} appears twice`);
    seen.add(account.accountId);
    if (!(account.lateProbability >= 0 && account.lateProbability <= 1)) {
      throw new RangeError(
        `account ${account.accountId}: lateProbability ${account.lateProbability} not in 0..1`,
      );
    }
    if (account.lastContactDate)
      assertDate(account.lastContactDate, `account ${account.accountId} lastContactDate`);
    for (const invoice of account.invoices) {
      assertDate(invoice.dueDate, `invoice ${invoice.invoiceId} dueDate`);
      if (!Number.isSafeInteger(invoice.balanceMinor)) {
        throw new RangeError(
          `invoice ${invoice.invoiceId}: balance ${invoice.balanceMinor} is not minor units`,
        );
      }
      if (invoice.payDay) assertQuantiles(invoice.payDay, `invoice ${invoice.invoiceId}`);
    }
    const currencies = [
      ...new Set(account.invoices.filter((i) => i.balanceMinor > 0).map((i) => i.currency)),
    ];
    for (const currency of currencies) {
      const line = scoreLine(
        account,
        currency,
        account.invoices.filter((i) => i.currency === currency),
        asOf,
        horizonDays,
      );
      byCurrency.set(currency, [...(byCurrency.get(currency) ?? []), line]);
    }
  }
  return [...byCurrency]
    .sort(([a], [b]) => compareText(a, b))
    .map(([currency, lines]) => ({
      currency,
      lines: lines.sort(compareLines).map((line, i) => ({ ...line, rank: i + 1 })),
    }));
}

/**
 * One list across currencies, for a collector who works several: ordered by value per minute
 * converted with `rates` (reporting-currency minor units per minor unit of each currency). The rates
 * only order the lines; every amount on a line stays in its own currency. Throws when a rate is missing.
 */
export function rankAcrossCurrencies(
  lists: readonly { currency: string; lines: readonly WorklistLine[] }[],
  rates: Readonly<Record<string, number>>,
): WorklistLine[] {
  const keyed = lists.flatMap((list) => {
    const rate = rates[list.currency];
    if (rate === undefined || !(rate > 0)) throw new RangeError(`no rate for ${list.currency}`);
    return list.lines.map((line) => ({ line, key: line.valuePerMinuteMinor * rate }));
  });
  return keyed
    .sort((a, b) => b.key - a.key || compareLines(a.line, b.line))
    .map(({ line }, i) => ({ ...line, rank: i + 1 }));
}
