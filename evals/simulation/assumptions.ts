// Every number the portfolio simulator assumes about customers, collectors and the ERP baseline, in
// one place. README.md in this folder has the same numbers as a table with the reason for each; when
// one changes here, change it there.
import type { DunningTone } from "../../policies/document.ts";

export const CURRENCY = "USD";
export const DEFAULT_DAYS = 90;
/** A Monday; US daylight saving starts on 8 March and EU on 29 March, inside the window. */
export const DEFAULT_START_DATE = "2026-03-02";

/** ARC's nightly run and the ERP's nightly dunning batch both start at this UTC hour. */
export const RUN_HOUR_UTC = 2;

// ---------------------------------------------------------------------------------------------
// The portfolio

export type Habit = "prompt" | "slow" | "chronic" | "hardship";

/** Share of customers by payment habit (hardship: can pay only through a payment plan). */
export const HABIT_SHARES: readonly (readonly [Habit, number])[] = [
  ["prompt", 0.4],
  ["slow", 0.36],
  ["chronic", 0.16],
  ["hardship", 0.08],
];
export const CONSUMER_SHARE = 0.25;
/** Of business customers: flagged strategic (ARC calls them instead of sending firm messages). */
export const STRATEGIC_SHARE = 0.05;
/** Accounts whose automation switch is off: every ARC action on them needs a collector's approval. */
export const AUTOMATION_OFF_SHARE = 0.03;

/** [IANA zone, country, region, weight]. US-MA consumers also get Massachusetts' call/text limit. */
export const TIME_ZONES: readonly (readonly [string, string, string | null, number])[] = [
  ["America/New_York", "US", "NY", 0.22],
  ["America/New_York", "US", "MA", 0.05],
  ["America/Chicago", "US", "IL", 0.15],
  ["America/Denver", "US", "CO", 0.05],
  ["America/Los_Angeles", "US", "CA", 0.15],
  ["Europe/London", "GB", null, 0.1],
  ["Europe/Berlin", "DE", null, 0.1],
  ["Asia/Kolkata", "IN", null, 0.06],
  ["Asia/Tokyo", "JP", null, 0.06],
  ["Australia/Sydney", "AU", null, 0.06],
];

export const PAYMENT_TERMS_DAYS = { business: 30, consumer: 15 } as const;
/** Every customer is invoiced every this many days. */
export const INVOICE_CADENCE_DAYS = 30;
/** Median invoice amount per customer (minor units), lognormal across customers, and per invoice around it. */
export const INVOICE_MEDIAN_MINOR = {
  business: { median: 180_000, sigma: 1.0, min: 20_000, max: 6_000_000 },
  consumer: { median: 25_000, sigma: 0.6, min: 3_000, max: 300_000 },
} as const;
export const INVOICE_AMOUNT_SIGMA = 0.3;
/** Settled invoices in each customer's history (what ARC derives the segment from). */
export const HISTORY_INVOICES = 12;

/** Days late without any contact, per habit. */
export const DAYS_LATE = {
  /** Most pay within a few days of the due date; some simply forget and pay 8–25 days late. */
  prompt: { meanDays: 0, sdDays: 2, forgetShare: 0.15, forgetDays: [8, 25] as const },
  /** Each customer has its own median lateness in this range; invoices scatter around it. */
  slow: { medianDays: [10, 30] as const, sigma: 0.35 },
  chronic: { medianDays: [40, 90] as const, sigma: 0.4 },
  /** Before the hardship began (their history): like a slow payer. */
  hardshipHistory: { medianDays: [20, 40] as const, sigma: 0.35 },
} as const;

/** Base probability that one reminder brings an unpaid invoice's payment forward, per habit. */
export const RESPONSIVENESS: Record<Habit, number> = { prompt: 0.5, slow: 0.3, chronic: 0.12, hardship: 0 };
/** Spread of responsiveness between customers of one habit (lognormal sigma), capped at MAX_RESPONSE. */
export const RESPONSIVENESS_SIGMA = 0.3;
export const MAX_RESPONSE = 0.9;
/** Probability a promise to pay is kept, per habit (± PROMISE_KEEP_SPREAD per customer). */
export const PROMISE_KEEP: Record<Habit, number> = { prompt: 0.9, slow: 0.75, chronic: 0.45, hardship: 0.3 };
export const PROMISE_KEEP_SPREAD = 0.1;
/** Probability a customer accepts a payment plan when one is offered, per habit. */
export const PLAN_ACCEPT: Record<Habit, number> = { prompt: 0.1, slow: 0.2, chronic: 0.3, hardship: 0.75 };
/** Probability each instalment of an accepted plan is paid on its date. */
export const PLAN_INSTALMENT_KEPT: Record<Habit, number> = {
  prompt: 0.95,
  slow: 0.85,
  chronic: 0.7,
  hardship: 0.85,
};

export const CONTACT_DATA = {
  hasEmail: 0.97,
  hasPhone: 0.85,
  smsConsent: { business: 0.25, consumer: 0.5 },
  callConsent: 0.6,
  /** Preferred channel weights; SMS or call without the consent or number falls back to email. */
  preferred: [
    ["email", 0.6],
    ["sms", 0.15],
    ["call", 0.15],
    ["letter", 0.1],
  ] as const,
} as const;

/** Share of invoices the customer disputes, when, how long a dispute takes and how it ends. */
export const DISPUTES = {
  share: { business: 0.06, consumer: 0.04 },
  /** Raised this many days after issue. */
  raisedAfterIssueDays: [5, 35] as const,
  resolvedAfterDays: [15, 45] as const,
  /** Resolved by a credit note for the full amount; otherwise upheld and paid afterwards. */
  creditedShare: 0.5,
  /** After an upheld dispute the customer pays this many days later (or later still if that is its habit). */
  paysAfterResolutionDays: [3, 10] as const,
} as const;

/** Life events during the window. */
export const BANKRUPTCY = { share: 0.01, day: [10, 80] as const };
export const SPONTANEOUS_CEASE = { share: 0.015, day: [5, 85] as const };

// ---------------------------------------------------------------------------------------------
// How a customer responds to one contact

/** Multiplies responsiveness, per channel; a call that reaches the debtor is a conversation. */
export const CHANNEL_EFFECT = { email: 1, sms: 1.2, letter: 0.9, conversation: 2, voicemail: 0.6 } as const;
export const PREFERRED_CHANNEL_EFFECT = 1.3;
/** A call reaches the debtor with this probability (higher when calls are the preferred channel). */
export const CALL_REACH = { default: 0.55, preferred: 0.7 } as const;
/** Firm or final tone helps slow and chronic payers a little. */
export const FIRM_TONE_EFFECT = 1.25;
/** Local-time effect: business hours work best; a contact at night (outside 08–21) is also a complaint. */
export const TIMING_EFFECT = { businessHours: 1, edges: 0.85, night: 0.5 } as const;
export const BUSINESS_HOURS = { start: 9, end: 17 } as const;
export const ALLOWED_HOURS = { start: 8, end: 21 } as const;
/** Fatigue: each contact delivered in the previous FATIGUE_WINDOW_DAYS multiplies response by this. */
export const FATIGUE_WINDOW_DAYS = 14;
export const FATIGUE_FACTOR = 0.8;
/** A responding customer pays this many days after the contact (not earlier than PAY_NOT_BEFORE_DUE_DAYS before due). */
export const RESPONSE_PAY_LAG_DAYS = [1, 4] as const;
export const PAY_NOT_BEFORE_DUE_DAYS = 3;
/** A responding customer promises instead of paying: in a conversation, or in a written reply. */
export const PROMISE_SHARE = { conversation: 0.6, writtenSlow: 0.25, writtenOther: 0.1 } as const;
export const PROMISE_DAYS_AHEAD = [3, 10] as const;
/** Days after the promised date the payment is still counted as keeping it (the policy's grace). */
export const PROMISE_GRACE_DAYS = 2;

/** A complaint about tone or pressure: base, plus firm/final tone to a consumer, plus per contact beyond the first in 14 days. */
export const COMPLAINT_RISK = {
  base: 0.002,
  firmToConsumer: 0.02,
  perRecentContact: 0.008,
  consumerFactor: 1.5,
};
/** A cease-communication request: base, per recent contact beyond the first, at night; consumers ×2. */
export const CEASE_RISK = { base: 0.001, perRecentContact: 0.004, night: 0.01, consumerFactor: 2 };
/** Over-frequency: this many contacts already in the previous 7 days, or the same channel within 20 hours. */
export const OVER_FREQUENCY = { perWeek: 3, sameChannelHours: 20 } as const;

/** Letters arrive this many days after they are posted. */
export const LETTER_POST_DAYS = 3;
/** A legal referral: the debtor pays in full with this probability, this many days later. */
export const LEGAL_RESPONSE = { pays: 0.35, afterDays: [7, 30] as const };

// ---------------------------------------------------------------------------------------------
// People around the systems

/**
 * Days before a person records what arrived on paper or by phone: a bankruptcy notice or a
 * cease-communication request on the account (both arms: no ARC tool sets these flags), and in the
 * baseline also the dunning block on a disputed invoice.
 */
export const PERSON_FLAG_DELAY_DAYS = 7;
/** A collector makes the call a call task asks for on its due day at this local hour. */
export const COLLECTOR_CALL_LOCAL_HOUR = 11;

// ---------------------------------------------------------------------------------------------
// The baseline: fixed-schedule ERP dunning (SAP / ERPNext / Odoo style)

export interface BaselineLevel {
  level: number;
  /** Days past the invoice's due date. */
  offsetDays: number;
  tone: DunningTone;
  action: "email" | "legal_referral";
}

export const BASELINE_LEVELS: readonly BaselineLevel[] = [
  { level: 1, offsetDays: 1, tone: "friendly", action: "email" },
  { level: 2, offsetDays: 15, tone: "friendly", action: "email" },
  { level: 3, offsetDays: 30, tone: "firm", action: "email" },
  { level: 4, offsetDays: 45, tone: "final", action: "email" },
  { level: 5, offsetDays: 60, tone: "final", action: "legal_referral" },
];
