// How, when and how often a customer may be contacted: consent per channel, frequency caps, quiet
// periods, local-time windows and gaps between messages.
import type { Channel } from "../../db/schema.ts";
import type { ContactFacts } from "../types.ts";
import {
  CHANNEL_NAMES,
  DAY_MS,
  HOUR_MS,
  iso,
  jurisdictionsOf,
  localClock,
  minutesOfDay,
  nextSlotMs,
  segmentOf,
  sentWithin,
  timeMs,
} from "./helpers.ts";
import { defineRule } from "./rule.ts";

const A_CHANNEL: Record<Channel, string> = {
  email: "an email",
  sms: "an SMS",
  call: "a call",
  letter: "a letter",
};

/** Opted out and not re-consented since. */
function optedOut(optOutAt: string | null, consentAt: string | null, what: string): boolean {
  if (!optOutAt) return false;
  if (!consentAt) return true;
  return timeMs(optOutAt, `contact.${what}OptedOutAt`) >= timeMs(consentAt, `contact.${what}ConsentAt`);
}

export const contactChannelConsent = defineRule({
  id: "contact.channel_consent",
  description:
    "Each channel needs its address and no opt-out; SMS and autodialled calls need recorded consent not revoked since.",
  citation: "47 U.S.C. 227; 12 CFR 1006.6(e)",
  check(action, facts, _policy, say) {
    if (action.kind !== "outreach" || !action.outreach) return [];
    const { channel, contactId, autodialed } = action.outreach;
    const contact: ContactFacts | undefined = facts.contact;
    if (contactId && !contact) {
      return [
        say.deny(`the facts carry no contact, but the message is addressed to contact ${contactId}`, null),
      ];
    }
    if (contactId && contact && contact.id !== contactId) {
      return [
        say.deny(
          `the message is addressed to contact ${contactId} but the facts describe contact ${contact.id}`,
          null,
        ),
      ];
    }
    if (channel === "letter") {
      return contact?.letterOptedOutAt
        ? [say.deny(`the contact opted out of letters (${contact.letterOptedOutAt})`, null)]
        : [];
    }
    if (!contact) return [say.deny(`${A_CHANNEL[channel]} needs a contact to send it to; none given`, null)];
    const reasons = [];
    if (channel === "email") {
      if (!contact.email?.trim()) reasons.push(say.deny("the contact has no email address", null));
      if (contact.emailOptedOutAt) {
        reasons.push(
          say.deny(`the contact opted out of email (${contact.emailOptedOutAt})`, "12 CFR 1006.6(e)"),
        );
      }
      return reasons;
    }
    if (!contact.phone?.trim())
      reasons.push(say.deny(`the contact has no phone number for ${A_CHANNEL[channel]}`, null));
    if (channel === "sms") {
      if (!contact.smsConsentAt) {
        reasons.push(
          say.deny("no recorded consent to text this contact (prior express consent)", "47 U.S.C. 227"),
        );
      } else if (optedOut(contact.smsOptedOutAt, contact.smsConsentAt, "sms")) {
        reasons.push(
          say.deny(
            `the contact revoked SMS consent (${contact.smsOptedOutAt}) after giving it`,
            "47 U.S.C. 227; 12 CFR 1006.6(e)",
          ),
        );
      }
      return reasons;
    }
    // call
    if (optedOut(contact.callOptedOutAt, contact.callConsentAt, "call")) {
      reasons.push(
        say.deny(
          `the contact opted out of calls (${contact.callOptedOutAt})`,
          "47 U.S.C. 227; 12 CFR 1006.6(e)",
        ),
      );
    }
    if (autodialed && !contact.callConsentAt) {
      reasons.push(
        say.deny(
          "an autodialled call needs recorded prior express consent, and there is none",
          "47 U.S.C. 227(b)(1)(A)",
        ),
      );
    }
    return reasons;
  },
});

export const contactFrequency = defineRule({
  id: "contact.frequency",
  description:
    "At most `max` outbound messages per channel in a rolling window (consumer calls: 7 in 7 days); cancelled ones do not count.",
  citation: "12 CFR 1006.14(b)(2)",
  check(action, facts, policy, say) {
    if (action.kind !== "outreach" || !action.outreach || !facts.customer) return [];
    const { channel } = action.outreach;
    const segment = segmentOf(facts.customer, policy);
    const limit = policy.contact.frequency[segment][channel];
    if (!limit) return [];
    const nowMs = timeMs(facts.now, "facts.now");
    const windowMs = limit.windowDays * DAY_MS;
    const sent = sentWithin(facts, [channel], windowMs, nowMs);
    if (sent.length < limit.max) return [];
    const next = nextSlotMs(
      sent.map((s) => s.at),
      limit.max,
      windowMs,
    );
    return [
      say.deny(
        `${sent.length} outbound ${CHANNEL_NAMES[channel]} message(s) in the last ${limit.windowDays} days reach the ${segment} limit of ${limit.max}; the next fits after ${iso(next)}`,
        segment === "consumer" && channel === "call" ? "12 CFR 1006.14(b)(2)(i)" : null,
      ),
    ];
  },
});

export const contactQuietAfterConversation = defineRule({
  id: "contact.quiet_after_conversation",
  description: "No call for N days (consumer: 7) after a telephone conversation with the debtor.",
  citation: "12 CFR 1006.14(b)(2)(ii)",
  check(action, facts, policy, say) {
    if (action.kind !== "outreach" || action.outreach?.channel !== "call" || !facts.customer) return [];
    const segment = segmentOf(facts.customer, policy);
    const days = policy.contact.quietDaysAfterConversation[segment];
    if (days <= 0) return [];
    const nowMs = timeMs(facts.now, "facts.now");
    let latest = Number.NEGATIVE_INFINITY;
    facts.recentCommunications.forEach((comm, index) => {
      if (comm.channel !== "call" || !comm.isConversation || comm.status === "cancelled") return;
      const at = timeMs(comm.occurredAt, `recentCommunications[${index}].occurredAt`);
      if (at > nowMs - days * DAY_MS && at > latest) latest = at;
    });
    if (latest === Number.NEGATIVE_INFINITY) return [];
    return [
      say.deny(
        `a telephone conversation took place at ${iso(latest)}; no calls for ${days} days after it, so not before ${iso(latest + days * DAY_MS)}`,
        segment === "consumer" ? undefined : null,
      ),
    ];
  },
});

export const contactJurisdiction = defineRule({
  id: "contact.jurisdiction",
  description:
    "Jurisdiction limits on collector-initiated calls and texts together (Massachusetts: 2 per 7 days).",
  citation: "209 CMR 18.16",
  check(action, facts, policy, say) {
    if (action.kind !== "outreach" || !action.outreach || !facts.customer) return [];
    const { channel } = action.outreach;
    if (channel !== "call" && channel !== "sms") return [];
    const nowMs = timeMs(facts.now, "facts.now");
    const reasons = [];
    for (const { key, entry } of jurisdictionsOf(facts.customer, policy)) {
      const limit = entry.callsAndTexts;
      if (!limit) continue;
      const windowMs = limit.windowDays * DAY_MS;
      const sent = sentWithin(facts, ["call", "sms"], windowMs, nowMs);
      if (sent.length < limit.max) continue;
      const next = nextSlotMs(
        sent.map((s) => s.at),
        limit.max,
        windowMs,
      );
      reasons.push(
        say.deny(
          `${key}: ${sent.length} calls and texts in the last ${limit.windowDays} days reach the limit of ${limit.max}; the next fits after ${iso(next)}`,
          entry.citation ?? null,
        ),
      );
    }
    return reasons;
  },
});

const TIMED_CHANNELS: readonly Channel[] = ["email", "sms", "call"];

export const contactLocalTime = defineRule({
  id: "contact.local_time",
  description:
    "Email, SMS and calls only inside the local-time window (08:00 inclusive to 21:00 exclusive) in the customer's time zone; letters are exempt.",
  citation: "15 U.S.C. 1692c(a)(1); 12 CFR 1006.6(b)(1)(i)",
  check(action, facts, policy, say) {
    if (action.kind !== "outreach" || !action.outreach || !facts.customer) return [];
    const { channel } = action.outreach;
    if (!TIMED_CHANNELS.includes(channel)) return [];
    const zone = facts.customer.timezone;
    const nowMs = timeMs(facts.now, "facts.now");
    let clock: ReturnType<typeof localClock>;
    try {
      if (typeof zone !== "string" || zone.trim() === "") throw new RangeError("empty");
      clock = localClock(nowMs, zone);
    } catch {
      return [
        say.deny(
          `the customer's time zone ${JSON.stringify(zone)} is not a valid IANA time zone, so the local time is unknown`,
          null,
        ),
      ];
    }
    const { start, end } = policy.contact.localTime;
    const seconds = clock.hour * 3600 + clock.minute * 60 + clock.second;
    if (seconds >= minutesOfDay(start) * 60 && seconds < minutesOfDay(end) * 60) return [];
    const hhmm = `${String(clock.hour).padStart(2, "0")}:${String(clock.minute).padStart(2, "0")}`;
    return [
      say.deny(
        `it is ${hhmm} in ${zone}; ${CHANNEL_NAMES[channel]} only from ${start} to before ${end} local time`,
      ),
    ];
  },
});

export const contactMinGap = defineRule({
  id: "contact.min_gap",
  description: "A minimum number of hours between two outbound messages on the same channel.",
  check(action, facts, policy, say) {
    if (action.kind !== "outreach" || !action.outreach) return [];
    const { channel } = action.outreach;
    const hours = policy.contact.minGapHours[channel];
    if (!hours || hours <= 0) return [];
    const nowMs = timeMs(facts.now, "facts.now");
    const gapMs = hours * HOUR_MS;
    const close = sentWithin(facts, [channel], gapMs, nowMs).filter((s) => s.at < nowMs + gapMs);
    const last = close.at(-1);
    if (!last) return [];
    return [
      say.deny(
        `an outbound ${CHANNEL_NAMES[channel]} is recorded at ${iso(last.at)}; ${hours} hours must pass between ${CHANNEL_NAMES[channel]} messages, so not before ${iso(last.at + gapMs)}`,
      ),
    ];
  },
});
