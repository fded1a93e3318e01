// The customer side of the simulation: one book per customer and arm holding what the customer owes,
// pays, promises and puts up with, and how it reacts to each contact. The same code plays customers
// for both arms; the arms differ only in the contacts they deliver.
//
// Randomness: every reaction draws from a stream of its own, keyed by (seed, customer, day, purpose,
// n-th of the day) with a fixed draw order. A contact on the same day in both arms therefore sees the
// same numbers (common random numbers), and nothing one arm does shifts any other customer's draws.
import { type Rng, streamFor } from "../../db/demo/random.ts";
import type { Channel } from "../../db/schema.ts";
import type { DunningTone } from "../../policies/document.ts";
import { localClock } from "../../policies/rules/helpers.ts";
import {
  ALLOWED_HOURS,
  BUSINESS_HOURS,
  CALL_REACH,
  CEASE_RISK,
  CHANNEL_EFFECT,
  COMPLAINT_RISK,
  FATIGUE_FACTOR,
  FATIGUE_WINDOW_DAYS,
  FIRM_TONE_EFFECT,
  LEGAL_RESPONSE,
  MAX_RESPONSE,
  OVER_FREQUENCY,
  PAY_NOT_BEFORE_DUE_DAYS,
  PREFERRED_CHANNEL_EFFECT,
  PROMISE_DAYS_AHEAD,
  PROMISE_SHARE,
  RESPONSE_PAY_LAG_DAYS,
  TIMING_EFFECT,
} from "./assumptions.ts";
import type { SimCustomer, SimInvoice } from "./portfolio.ts";

export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Policy-adjacent events a customer experiences as a complaint, by kind. */
export const COMPLAINT_KINDS = [
  "night_contact",
  "disputed_invoice_dunned",
  "contact_after_cease",
  "contact_after_bankruptcy",
  "over_frequency",
  "no_consent",
  "tone_or_pressure",
] as const;
export type ComplaintKind = (typeof COMPLAINT_KINDS)[number];

/** One contact as the customer receives it. */
export interface Contact {
  /** The instant it reaches the customer (ms since the epoch). */
  at: number;
  /** Simulation day of `at` (UTC). */
  day: number;
  channel: Channel;
  tone: DunningTone;
  invoiceIds: readonly string[];
}

export interface CustomerPromise {
  invoiceIds: string[];
  amountMinor: number;
  madeAt: number;
  madeDay: number;
  promisedDay: number;
  /** Drawn when the promise is made: whether the customer will pay by the date. */
  willKeep: boolean;
  channel: Channel;
}

export interface Reaction {
  complaints: ComplaintKind[];
  /** A call that reached the debtor. */
  conversation: boolean;
  ceaseRequested: boolean;
  promise: CustomerPromise | null;
}

export interface BookPayment {
  id: string;
  day: number;
  appliedTo: { invoiceId: string; amountMinor: number }[];
}

export interface PlanOffer {
  id: string;
  invoiceIds: string[];
  installments: { day: number; amountMinor: number }[];
}

interface AcceptedPlan {
  id: string;
  invoiceIds: string[];
  installments: { day: number; amountMinor: number; willPay: boolean }[];
}

/** What happened on the customer's side at the end of one day. */
export interface DayEvents {
  payment: BookPayment | null;
  disputesRaised: SimInvoice[];
  disputesResolved: SimInvoice[];
  bankruptcyFiled: boolean;
  spontaneousCease: boolean;
}

const PURPOSE = { contact: 0, plan: 1, legal: 2 } as const;

export class CustomerBook {
  readonly balances = new Map<string, number>();
  /** The day each invoice was paid in full (by payments; a credit note does not count). */
  readonly paidDay = new Map<string, number>();
  readonly payments: BookPayment[] = [];
  readonly credits: { invoiceId: string; day: number; amountMinor: number }[] = [];
  readonly promises: CustomerPromise[] = [];
  readonly complaints: Record<ComplaintKind, number> = Object.fromEntries(
    COMPLAINT_KINDS.map((k) => [k, 0]),
  ) as Record<ComplaintKind, number>;
  readonly contactsByChannel: Record<Channel, number> = { email: 0, sms: 0, call: 0, letter: 0 };
  contactsReceived = 0;
  conversations = 0;
  ceaseRequests = 0;
  plansAccepted = 0;
  /** When the customer asked us to stop communicating, and on which channel. */
  cease: { at: number; day: number; channel: Channel } | null = null;

  readonly invoiceById: Map<string, SimInvoice>;
  /** The day a contact, promise or legal letter made the customer mean to pay each invoice. */
  private readonly intended = new Map<string, number>();
  private readonly seen: { at: number; channel: Channel }[] = [];
  private readonly plans: AcceptedPlan[] = [];
  private readonly drawsOnDay = new Map<string, number>();

  constructor(
    readonly customer: SimCustomer,
    private readonly seed: number,
  ) {
    this.invoiceById = new Map(customer.invoices.map((i) => [i.id, i]));
    for (const invoice of customer.invoices) this.balances.set(invoice.id, invoice.amountMinor);
  }

  balance(invoiceId: string): number {
    return this.balances.get(invoiceId) ?? 0;
  }

  /** Issued by `day` and not settled. */
  isOpen(invoice: SimInvoice, day: number): boolean {
    return invoice.issueDay <= day && this.balance(invoice.id) > 0;
  }

  openInvoices(day: number): SimInvoice[] {
    return this.customer.invoices.filter((i) => this.isOpen(i, day));
  }

  openMinor(day: number): number {
    let total = 0;
    for (const invoice of this.customer.invoices)
      if (invoice.issueDay <= day) total += this.balance(invoice.id);
    return total;
  }

  /** Under a dispute the customer has raised and that is not resolved yet (as seen during `day`). */
  disputeLive(invoice: SimInvoice, day: number): boolean {
    const d = invoice.dispute;
    return d !== null && d.raisedDay < day && day <= d.resolvedDay;
  }

  bankrupt(day: number): boolean {
    return this.customer.bankruptcyDay !== null && day >= this.customer.bankruptcyDay;
  }

  /** A customer who will dispute an invoice withholds payment on it until the dispute is resolved. */
  private paymentWithheld(invoice: SimInvoice, day: number): boolean {
    return invoice.dispute !== null && day <= invoice.dispute.resolvedDay;
  }

  /** The customer receives one contact: complaints, fatigue, a possible cease request, payment or promise. */
  receive(contact: Contact): Reaction {
    const c = this.customer;
    const rng = this.stream(contact.day, PURPOSE.contact);
    // A fixed draw order, so the same contact on the same day draws the same numbers in both arms.
    const uReach = rng.next();
    const uComplaint = rng.next();
    const uCease = rng.next();
    const uRespond = rng.next();
    const uPromise = rng.next();
    const payLag = rng.int(...RESPONSE_PAY_LAG_DAYS);
    const promiseDays = rng.int(...PROMISE_DAYS_AHEAD);
    const uKeep = rng.next();

    const complaints: ComplaintKind[] = [];
    const timed = contact.channel !== "letter";
    const hour = timed ? localClock(contact.at, c.timezone).hour : 12;
    const night = timed && (hour < ALLOWED_HOURS.start || hour >= ALLOWED_HOURS.end);
    if (night) complaints.push("night_contact");
    const ceasedBefore = this.cease !== null && contact.at >= this.cease.at;
    if (ceasedBefore) complaints.push("contact_after_cease");
    if (this.bankrupt(contact.day)) complaints.push("contact_after_bankruptcy");
    const named = contact.invoiceIds.map((id) => this.invoiceById.get(id)).filter((i) => i !== undefined);
    if (named.some((i) => this.disputeLive(i, contact.day))) complaints.push("disputed_invoice_dunned");
    const lastWeek = this.seen.filter((s) => s.at >= contact.at - 7 * DAY_MS && s.at < contact.at);
    if (
      lastWeek.length >= OVER_FREQUENCY.perWeek ||
      lastWeek.some(
        (s) => s.channel === contact.channel && s.at > contact.at - OVER_FREQUENCY.sameChannelHours * HOUR_MS,
      )
    )
      complaints.push("over_frequency");
    if (contact.channel === "sms" && !c.contact.smsConsent) complaints.push("no_consent");

    const recent = this.seen.filter(
      (s) => s.at >= contact.at - FATIGUE_WINDOW_DAYS * DAY_MS && s.at < contact.at,
    ).length;
    const beyondFirst = Math.max(0, recent - 1);
    const consumer = c.isConsumer;
    const complaintRisk =
      (COMPLAINT_RISK.base +
        (consumer && contact.tone !== "friendly" ? COMPLAINT_RISK.firmToConsumer : 0) +
        COMPLAINT_RISK.perRecentContact * beyondFirst) *
      (consumer ? COMPLAINT_RISK.consumerFactor : 1);
    if (uComplaint < complaintRisk) complaints.push("tone_or_pressure");
    for (const kind of complaints) this.complaints[kind] += 1;

    let ceaseRequested = false;
    if (this.cease === null) {
      const ceaseRisk =
        (CEASE_RISK.base + CEASE_RISK.perRecentContact * beyondFirst + (night ? CEASE_RISK.night : 0)) *
        (consumer ? CEASE_RISK.consumerFactor : 1);
      if (uCease < ceaseRisk) {
        this.cease = { at: contact.at, day: contact.day, channel: contact.channel };
        this.ceaseRequests += 1;
        ceaseRequested = true;
      }
    }

    this.seen.push({ at: contact.at, channel: contact.channel });
    this.contactsReceived += 1;
    this.contactsByChannel[contact.channel] += 1;
    const conversation =
      contact.channel === "call" &&
      uReach < (c.contact.preferredChannel === "call" ? CALL_REACH.preferred : CALL_REACH.default);
    if (conversation) this.conversations += 1;

    const reaction: Reaction = { complaints, conversation, ceaseRequested, promise: null };
    if (this.bankrupt(contact.day) || this.cease !== null) return reaction;
    const payable = named.filter((i) => this.isOpen(i, contact.day) && !this.paymentWithheld(i, contact.day));
    if (payable.length === 0) return reaction;

    const channelEffect =
      contact.channel === "call"
        ? conversation
          ? CHANNEL_EFFECT.conversation
          : CHANNEL_EFFECT.voicemail
        : CHANNEL_EFFECT[contact.channel];
    const toneEffect =
      contact.tone !== "friendly" && (c.habit === "slow" || c.habit === "chronic") ? FIRM_TONE_EFFECT : 1;
    const timingEffect = !timed
      ? TIMING_EFFECT.businessHours
      : night
        ? TIMING_EFFECT.night
        : hour >= BUSINESS_HOURS.start && hour < BUSINESS_HOURS.end
          ? TIMING_EFFECT.businessHours
          : TIMING_EFFECT.edges;
    const respond = Math.min(
      MAX_RESPONSE,
      c.responsiveness *
        channelEffect *
        (contact.channel === c.contact.preferredChannel ? PREFERRED_CHANNEL_EFFECT : 1) *
        toneEffect *
        timingEffect *
        FATIGUE_FACTOR ** recent,
    );
    if (uRespond >= respond) return reaction;

    const promiseShare = conversation
      ? PROMISE_SHARE.conversation
      : c.habit === "slow" || c.habit === "chronic"
        ? PROMISE_SHARE.writtenSlow
        : PROMISE_SHARE.writtenOther;
    if (uPromise < promiseShare) {
      const promise: CustomerPromise = {
        invoiceIds: payable.map((i) => i.id),
        amountMinor: payable.reduce((t, i) => t + this.balance(i.id), 0),
        madeAt: contact.at,
        madeDay: contact.day,
        promisedDay: contact.day + promiseDays,
        willKeep: uKeep < c.promiseKeep,
        channel: contact.channel,
      };
      this.promises.push(promise);
      if (promise.willKeep) for (const invoice of payable) this.intend(invoice, promise.promisedDay);
      reaction.promise = promise;
    } else {
      for (const invoice of payable)
        this.intend(invoice, Math.max(contact.day + payLag, invoice.dueDay - PAY_NOT_BEFORE_DUE_DAYS));
    }
    return reaction;
  }

  /** Invoices referred to legal collection: a lawyer's letter makes some debtors pay. */
  referToLegal(day: number, invoiceIds: readonly string[]): ComplaintKind[] {
    const rng = this.stream(day, PURPOSE.legal);
    const pays = rng.next() < LEGAL_RESPONSE.pays;
    const after = rng.int(...LEGAL_RESPONSE.afterDays);
    const invoices = invoiceIds.map((id) => this.invoiceById.get(id)).filter((i) => i !== undefined);
    const complaints: ComplaintKind[] = [];
    if (this.bankrupt(day)) complaints.push("contact_after_bankruptcy");
    if (invoices.some((i) => this.disputeLive(i, day))) complaints.push("disputed_invoice_dunned");
    for (const kind of complaints) this.complaints[kind] += 1;
    // A hardship customer cannot pay a lump sum, whoever writes; only a payment plan works.
    if (pays && !this.bankrupt(day) && this.customer.habit !== "hardship") {
      for (const invoice of invoices)
        if (this.isOpen(invoice, day) && !this.paymentWithheld(invoice, day))
          this.intend(invoice, day + after);
    }
    return complaints;
  }

  /** A payment plan offered on `day`: accepted or not; an accepted plan's instalments are paid or missed. */
  considerPlan(day: number, offer: PlanOffer): boolean {
    const rng = this.stream(day, PURPOSE.plan);
    const accepts = rng.next() < this.customer.planAccept;
    const installments = offer.installments.map((i) => ({
      ...i,
      willPay: rng.next() < this.customer.planInstalmentKept,
    }));
    if (!accepts || this.bankrupt(day) || this.cease !== null) return false;
    this.plans.push({ id: offer.id, invoiceIds: offer.invoiceIds, installments });
    this.plansAccepted += 1;
    return true;
  }

  /** The customer's own day: disputes raised and resolved, payments, life events. */
  endOfDay(day: number, endOfDayMs: number): DayEvents {
    const c = this.customer;
    const events: DayEvents = {
      payment: null,
      disputesRaised: [],
      disputesResolved: [],
      bankruptcyFiled: c.bankruptcyDay === day,
      spontaneousCease: false,
    };
    const applied: { invoiceId: string; amountMinor: number }[] = [];
    const bankrupt = this.bankrupt(day);
    for (const invoice of c.invoices) {
      if (!this.isOpen(invoice, day)) continue;
      const dispute = invoice.dispute;
      if (dispute?.raisedDay === day) events.disputesRaised.push(invoice);
      if (dispute?.resolvedDay === day) {
        events.disputesResolved.push(invoice);
        if (dispute.outcome === "credited") {
          const amount = this.balance(invoice.id);
          this.balances.set(invoice.id, 0);
          this.credits.push({ invoiceId: invoice.id, day, amountMinor: amount });
          continue;
        }
      }
      if (bankrupt || this.paymentWithheld(invoice, day)) continue;
      const intended = this.intended.get(invoice.id);
      const natural = invoice.unpromptedPayDay;
      if ((natural !== null && natural <= day) || (intended !== undefined && intended <= day)) {
        applied.push({ invoiceId: invoice.id, amountMinor: this.balance(invoice.id) });
      }
    }
    if (!bankrupt) {
      for (const plan of this.plans) {
        for (const installment of plan.installments) {
          if (installment.day !== day || !installment.willPay) continue;
          let left = installment.amountMinor;
          for (const id of plan.invoiceIds) {
            const invoice = this.invoiceById.get(id);
            if (!invoice || left <= 0 || this.paymentWithheld(invoice, day)) continue;
            const already = applied.find((a) => a.invoiceId === id)?.amountMinor ?? 0;
            const part = Math.min(left, this.balance(id) - already);
            if (part <= 0) continue;
            const entry = applied.find((a) => a.invoiceId === id);
            if (entry) entry.amountMinor += part;
            else applied.push({ invoiceId: id, amountMinor: part });
            left -= part;
          }
        }
      }
    }
    if (applied.length > 0) {
      for (const { invoiceId, amountMinor } of applied) {
        const left = this.balance(invoiceId) - amountMinor;
        this.balances.set(invoiceId, left);
        if (left === 0) this.paidDay.set(invoiceId, day);
      }
      events.payment = { id: simId(c.index, 2, this.payments.length), day, appliedTo: applied };
      this.payments.push(events.payment);
    }
    if (c.spontaneousCeaseDay === day && this.cease === null) {
      this.cease = { at: endOfDayMs, day, channel: "email" };
      this.ceaseRequests += 1;
      events.spontaneousCease = true;
    }
    return events;
  }

  private intend(invoice: SimInvoice, day: number): void {
    const earlier = this.intended.get(invoice.id);
    if (earlier === undefined || day < earlier) this.intended.set(invoice.id, day);
  }

  /** The stream for the n-th draw of this purpose on this day. */
  private stream(day: number, purpose: number): Rng {
    const key = `${day}:${purpose}`;
    const n = this.drawsOnDay.get(key) ?? 0;
    this.drawsOnDay.set(key, n + 1);
    return streamFor(this.seed, this.customer.index, 100 + ((day + 1000) * 4 + purpose) * 64 + n);
  }
}

/** A deterministic UUID-shaped id: customer index, kind and sequence (the tools' schemas want UUIDs). */
export function simId(customerIndex: number, kind: number, sequence: number): string {
  const hex = (value: number, width: number) => value.toString(16).padStart(width, "0").slice(-width);
  return `${hex(customerIndex, 8)}-${hex(kind, 4)}-4000-8000-${hex(sequence, 12)}`;
}
