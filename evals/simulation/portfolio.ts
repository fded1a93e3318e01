// The simulated portfolio: customers with latent payment behaviour, their invoices over the window,
// a settled history, and the events that happen to them whoever collects (disputes, bankruptcy, a
// spontaneous cease request). Everything is drawn once per seed from one stream per customer, so both
// arms see exactly the same customers, invoices and events; they differ only by outreach.
import { type Rng, streamFor } from "../../db/demo/random.ts";
import type { Channel, DisputeCategory } from "../../db/schema.ts";
import { addDays } from "../../tools/dates.ts";
import type { SnapshotPaidInvoice } from "../../tools/read/account-snapshot-types.ts";
import {
  AUTOMATION_OFF_SHARE,
  BANKRUPTCY,
  CONSUMER_SHARE,
  CONTACT_DATA,
  DAYS_LATE,
  DISPUTES,
  HABIT_SHARES,
  type Habit,
  HISTORY_INVOICES,
  INVOICE_AMOUNT_SIGMA,
  INVOICE_CADENCE_DAYS,
  INVOICE_MEDIAN_MINOR,
  MAX_RESPONSE,
  PAYMENT_TERMS_DAYS,
  PLAN_ACCEPT,
  PLAN_INSTALMENT_KEPT,
  PROMISE_KEEP,
  PROMISE_KEEP_SPREAD,
  RESPONSIVENESS,
  RESPONSIVENESS_SIGMA,
  SPONTANEOUS_CEASE,
  STRATEGIC_SHARE,
  TIME_ZONES,
} from "./assumptions.ts";

export interface SimDispute {
  id: string;
  /** The customer raises it during this day (effective from the next). */
  raisedDay: number;
  /** Resolved at the end of this day. */
  resolvedDay: number;
  outcome: "credited" | "upheld";
  category: DisputeCategory;
}

export interface SimInvoice {
  id: string;
  externalRef: string;
  amountMinor: number;
  /** Days from the start date (day 0); negative = before the window. */
  issueDay: number;
  dueDay: number;
  issueDate: string;
  dueDate: string;
  /**
   * The day the customer pays it if nobody ever contacts them (after any dispute is resolved); null
   * when it is never paid that way (a hardship customer, a dispute ending in a credit note).
   */
  unpromptedPayDay: number | null;
  dispute: SimDispute | null;
}

export interface SimContact {
  id: string;
  email: string | null;
  phone: string | null;
  smsConsent: boolean;
  callConsent: boolean;
  preferredChannel: Channel;
}

export interface SimCustomer {
  index: number;
  id: string;
  externalRef: string;
  habit: Habit;
  isConsumer: boolean;
  strategic: boolean;
  automationEnabled: boolean;
  timezone: string;
  country: string;
  region: string | null;
  termsDays: number;
  contact: SimContact;
  /** Probability one reminder brings a payment forward, before channel, tone, timing and fatigue. */
  responsiveness: number;
  promiseKeep: number;
  planAccept: number;
  planInstalmentKept: number;
  /** Settled invoices before the window, oldest first (ARC derives the segment from them). */
  history: SnapshotPaidInvoice[];
  invoices: SimInvoice[];
  bankruptcyDay: number | null;
  /** A cease-communication request unrelated to our contacts (by email). */
  spontaneousCeaseDay: number | null;
}

export interface Portfolio {
  seed: number;
  startDate: string;
  days: number;
  customers: SimCustomer[];
}

/** The salt of the stream a customer's profile, invoices and events are drawn from. */
const PROFILE_SALT = 1;

export function generatePortfolio(
  seed: number,
  customers: number,
  startDate: string,
  days: number,
): Portfolio {
  return {
    seed,
    startDate,
    days,
    customers: Array.from({ length: customers }, (_, index) =>
      generateCustomer(streamFor(seed, index, PROFILE_SALT), index, startDate, days),
    ),
  };
}

function generateCustomer(rng: Rng, index: number, startDate: string, days: number): SimCustomer {
  const habit = rng.weighted(HABIT_SHARES);
  const isConsumer = rng.chance(CONSUMER_SHARE);
  const strategic = !isConsumer && rng.chance(STRATEGIC_SHARE);
  const automationEnabled = !rng.chance(AUTOMATION_OFF_SHARE);
  const [timezone, country, region] = rng.weighted(TIME_ZONES.map(([z, c, r, w]) => [[z, c, r] as const, w]));
  const kind = isConsumer ? "consumer" : "business";
  const termsDays = PAYMENT_TERMS_DAYS[kind];
  const id = rng.uuid();
  const externalRef = `C-${String(index + 1).padStart(5, "0")}`;

  const hasPhone = rng.chance(CONTACT_DATA.hasPhone);
  const smsConsent = hasPhone && rng.chance(CONTACT_DATA.smsConsent[kind]);
  const callConsent = hasPhone && rng.chance(CONTACT_DATA.callConsent);
  const email = rng.chance(CONTACT_DATA.hasEmail) ? `ap+${index}@customer.example` : null;
  let preferredChannel: Channel = rng.weighted(CONTACT_DATA.preferred);
  if ((preferredChannel === "sms" && !smsConsent) || (preferredChannel === "call" && !hasPhone))
    preferredChannel = "email";
  if (preferredChannel === "email" && !email) preferredChannel = "letter";
  const contact: SimContact = {
    id: rng.uuid(),
    email,
    phone: hasPhone ? `+1555${String(1_000_000 + index).slice(-7)}` : null,
    smsConsent,
    callConsent,
    preferredChannel,
  };

  const responsiveness = Math.min(
    MAX_RESPONSE,
    RESPONSIVENESS[habit] * Math.exp(RESPONSIVENESS_SIGMA * rng.normal()),
  );
  const promiseKeep = clamp(
    PROMISE_KEEP[habit] + rng.uniform(-PROMISE_KEEP_SPREAD, PROMISE_KEEP_SPREAD),
    0,
    1,
  );

  const amounts = INVOICE_MEDIAN_MINOR[kind];
  const medianAmount = clamp(rng.lognormal(amounts.median, amounts.sigma), amounts.min, amounts.max);
  const amount = () => Math.max(100, Math.round(rng.lognormal(medianAmount, INVOICE_AMOUNT_SIGMA)));
  // Each slow or chronic customer has its own typical lateness; invoices scatter around it.
  const typicalLateness =
    habit === "slow"
      ? rng.uniform(...DAYS_LATE.slow.medianDays)
      : habit === "chronic"
        ? rng.uniform(...DAYS_LATE.chronic.medianDays)
        : habit === "hardship"
          ? rng.uniform(...DAYS_LATE.hardshipHistory.medianDays)
          : 0;
  const daysLate = (history: boolean): number | null => {
    switch (habit) {
      case "prompt":
        return rng.chance(DAYS_LATE.prompt.forgetShare)
          ? rng.int(...DAYS_LATE.prompt.forgetDays)
          : clamp(Math.round(DAYS_LATE.prompt.meanDays + DAYS_LATE.prompt.sdDays * rng.normal()), -5, 3);
      case "slow":
        return Math.round(rng.lognormal(typicalLateness, DAYS_LATE.slow.sigma));
      case "chronic":
        return Math.round(rng.lognormal(typicalLateness, DAYS_LATE.chronic.sigma));
      case "hardship":
        // Before the hardship began they paid like a slow payer; now only a payment plan works.
        return history ? Math.round(rng.lognormal(typicalLateness, DAYS_LATE.hardshipHistory.sigma)) : null;
    }
  };

  // History: monthly invoices due 120 to 450 days before the window, all settled before it starts.
  const history: SnapshotPaidInvoice[] = [];
  for (let k = HISTORY_INVOICES - 1; k >= 0; k--) {
    const dueDay = -120 - INVOICE_CADENCE_DAYS * k;
    const late = Math.min(daysLate(true) ?? 0, 115);
    history.push({
      id: rng.uuid(),
      externalRef: `H-${index + 1}-${HISTORY_INVOICES - k}`,
      currency: "USD",
      amountMinor: amount(),
      issueDate: addDays(startDate, dueDay - termsDays),
      dueDate: addDays(startDate, dueDay),
      paidOn: addDays(startDate, dueDay + late),
      daysLate: late,
    });
  }

  // The window: every open invoice at the start is not yet due, so both arms start a clean ladder.
  const invoices: SimInvoice[] = [];
  const disputeShare = DISPUTES.share[kind];
  for (let issueDay = -termsDays + rng.int(0, INVOICE_CADENCE_DAYS - 1); issueDay < days; ) {
    const dueDay = issueDay + termsDays;
    const late = daysLate(false);
    let unpromptedPayDay = late === null ? null : dueDay + late;
    let dispute: SimDispute | null = null;
    if (rng.chance(disputeShare)) {
      // Raised inside the window (day 0 on), so both arms' ledgers start without open disputes.
      const raisedDay = Math.max(0, issueDay + rng.int(...DISPUTES.raisedAfterIssueDays));
      const resolvedDay = raisedDay + rng.int(...DISPUTES.resolvedAfterDays);
      const outcome = rng.chance(DISPUTES.creditedShare) ? "credited" : "upheld";
      const paysAfter = rng.int(...DISPUTES.paysAfterResolutionDays);
      dispute = {
        id: rng.uuid(),
        raisedDay,
        resolvedDay,
        outcome,
        category: rng.pick(["pricing", "quantity", "damaged", "not_received"] as const),
      };
      unpromptedPayDay =
        outcome === "credited" || unpromptedPayDay === null
          ? null
          : Math.max(resolvedDay + paysAfter, unpromptedPayDay);
    }
    invoices.push({
      id: rng.uuid(),
      externalRef: `INV-${index + 1}-${invoices.length + 1}`,
      amountMinor: amount(),
      issueDay,
      dueDay,
      issueDate: addDays(startDate, issueDay),
      dueDate: addDays(startDate, dueDay),
      unpromptedPayDay,
      dispute,
    });
    issueDay += INVOICE_CADENCE_DAYS;
  }

  return {
    index,
    id,
    externalRef,
    habit,
    isConsumer,
    strategic,
    automationEnabled,
    timezone,
    country,
    region,
    termsDays,
    contact,
    responsiveness,
    promiseKeep,
    planAccept: PLAN_ACCEPT[habit],
    planInstalmentKept: PLAN_INSTALMENT_KEPT[habit],
    history,
    invoices,
    bankruptcyDay: rng.chance(BANKRUPTCY.share) ? rng.int(...BANKRUPTCY.day) : null,
    spontaneousCeaseDay: rng.chance(SPONTANEOUS_CEASE.share) ? rng.int(...SPONTANEOUS_CEASE.day) : null,
  };
}

function clamp(value: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, value));
}
