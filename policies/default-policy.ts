// The shipped policy. This constant is the source; policies/default-policy.yaml is the same document
// as a file to copy and edit, and a test keeps the two equal. Consumer numbers follow the compliance
// anchors (Regulation F, FDCPA, TCPA, 209 CMR 18.16); business numbers are conservative house defaults.
import type { PolicyDocument } from "./document.ts";

export const DEFAULT_POLICY: PolicyDocument = deepFreeze({
  version: "2026.1-default",
  description:
    "ARC default policy: Regulation F / FDCPA / TCPA limits for consumer accounts, house limits for business accounts.",
  strictBusinessMode: false,
  contact: {
    lookbackDays: 30,
    frequency: {
      consumer: {
        call: { max: 7, windowDays: 7 },
        sms: { max: 3, windowDays: 7 },
        email: { max: 3, windowDays: 7 },
        letter: { max: 2, windowDays: 30 },
      },
      business: {
        call: { max: 10, windowDays: 7 },
        sms: { max: 5, windowDays: 7 },
        email: { max: 5, windowDays: 7 },
        letter: { max: 4, windowDays: 30 },
      },
    },
    quietDaysAfterConversation: { consumer: 7, business: 0 },
    localTime: { start: "08:00", end: "21:00" },
    minGapHours: { email: 24, sms: 24, call: 4, letter: 72 },
    jurisdictions: {
      "US-MA": {
        citation: "209 CMR 18.16",
        appliesTo: "consumer",
        callsAndTexts: { max: 2, windowDays: 7 },
      },
    },
  },
  content: {
    payLink: {
      baseUrl: "https://pay.example.com/",
      pattern: "https://pay\\.example\\.com/\\S+",
      channels: ["email", "sms", "letter"],
    },
    optOut: {
      email: {
        pattern: "unsubscribe|opt[ -]?out",
        flags: "i",
        text: "To stop receiving these emails, reply UNSUBSCRIBE.",
      },
      sms: {
        pattern: "\\bSTOP\\b",
        flags: "",
        text: "Reply STOP to opt out.",
      },
    },
    consumerDisclosure: {
      pattern: "attempt\\s+to\\s+collect\\s+a\\s+debt",
      flags: "i",
      text: "This is an attempt to collect a debt, and any information obtained will be used for that purpose.",
    },
    forbiddenLanguage: [
      {
        id: "threat.arrest",
        pattern:
          "\\b(arrest(ed|s)?|jail(ed)?|prison|imprison(ed|ment)?|police|criminal (charges?|prosecution|case)|(arrest|bench) warrant)\\b",
        flags: "i",
        message: "Threatens arrest, jail or criminal action (15 U.S.C. 1692e(4), 1692e(5)).",
        category: "threat",
        severity: "deny",
      },
      {
        id: "threat.violence",
        pattern:
          "\\b(kill|hurt you|harm you|beat (you|up)|break your \\w+|violen(ce|t)|we know where you live|come (to|for) you)\\b",
        flags: "i",
        message: "Threatens violence or harm (15 U.S.C. 1692d(1)).",
        category: "violence",
        severity: "deny",
      },
      {
        id: "urgency.false",
        pattern:
          "\\b(today only|last chance|final chance|act now|or else|now or never|before it'?s too late|immediately or (we|you))\\b",
        flags: "i",
        message:
          "False urgency (15 U.S.C. 1692e(10)); state the real deadline as a date instead of pressure phrases.",
        category: "false_urgency",
        severity: "deny",
      },
      {
        id: "legal.threat",
        pattern:
          "\\b(sue|sued|suing|lawsuits?|legal (action|proceedings)|take you to court|courts?|attorneys?|lawyers?|garnish(ed|es|ing|ment)?|judge?ments?|seiz(e|ed|ure)|liens?)\\b",
        flags: "i",
        message:
          "Mentions legal action, which only an approved legal escalation may do and never for time-barred debt (15 U.S.C. 1692e(5), 12 CFR 1006.26(b)).",
        category: "legal_threat",
        severity: "needs_approval",
      },
      {
        id: "third_party.shaming",
        pattern:
          "\\b((contact|call|tell|inform|notify|visit|email|write to)(ing)? your (employer|boss|workplace|family|relatives|neighbou?rs|friends|co-?workers|colleagues)|wall of shame|publicly (list|name|post)|blacklist(ed)?)\\b",
        flags: "i",
        message: "Threatens to involve third parties or to shame the debtor (15 U.S.C. 1692c(b), 1692d).",
        category: "third_party",
        severity: "deny",
      },
      {
        id: "concession.unapproved",
        pattern:
          "\\b(writ(e|es|ten|ing) off|waiv(e|ed|es|ing|er)|forgiv(e|en|es|ing|eness)|(cancel(l?ed)?|clear(ed)?) (the|your) (debt|balance)|no longer (owe|need to pay)|settle(ment)? for less)\\b",
        flags: "i",
        message:
          "Offers or announces a write-off, waiver or reduced settlement nobody approved: a false representation of the amount owed (15 U.S.C. 1692e(2)(A)). Concessions are tool actions (write_off, issue_credit_note) with their own limits, never words in a message.",
        category: "misrepresentation",
        severity: "deny",
      },
      {
        id: "profanity",
        pattern:
          "\\b(damn(ed)?|hell|shit\\w*|fuck\\w*|crap|bastards?|bitch\\w*|asshole|idiots?|stupid|deadbeats?|losers?|scum)\\b",
        flags: "i",
        message: "Profane or abusive language (15 U.S.C. 1692d(2)).",
        category: "profanity",
        severity: "deny",
      },
    ],
  },
  approval: {
    largeBalanceMinor: { default: 1_000_000, JPY: 1_500_000 },
    expiryHours: 72,
  },
  limits: {
    creditNote: { autoMaxMinor: { default: 50_000, JPY: 75_000 }, hardMaxPercentOfInvoice: 100 },
    writeOff: { autoMaxMinor: { default: 10_000, JPY: 15_000 }, hardMaxPercentOfBalance: 100 },
    settlementDiscount: { autoMaxPercent: 5, hardMaxPercent: 30 },
    paymentPlan: {
      autoMaxInstallments: 6,
      autoMaxDurationDays: 180,
      hardMaxInstallments: 24,
      hardMaxDurationDays: 730,
    },
  },
  legal: { statuteOfLimitationsYears: 3 },
  dunning: {
    levels: [
      { level: 1, name: "reminder", offsetDays: -3, tone: "friendly", action: "message", channel: "email" },
      { level: 2, name: "due_date", offsetDays: 0, tone: "friendly", action: "message", channel: "email" },
      {
        level: 3,
        name: "friendly",
        offsetDays: 7,
        tone: "friendly",
        action: "message",
        channel: "email",
        channels: { consumer: "sms" },
      },
      {
        level: 4,
        name: "firm",
        offsetDays: 15,
        tone: "firm",
        action: "message",
        channel: "email",
        channels: { problem: "call" },
      },
      {
        level: 5,
        name: "second_notice",
        offsetDays: 30,
        tone: "firm",
        action: "message",
        channel: "email",
        channels: { problem: "letter", consumer: "letter" },
      },
      { level: 6, name: "final_demand", offsetDays: 45, tone: "final", action: "message", channel: "letter" },
      { level: 7, name: "legal_referral", offsetDays: 60, tone: "final", action: "legal_referral" },
    ],
    segments: {
      prompt: { offsetShiftDays: 3, skipLevels: ["reminder"] },
      slow: { offsetShiftDays: 0 },
      problem: { offsetShiftDays: -3 },
      strategic: { offsetShiftDays: 0, automatedUpToTone: "friendly" },
      consumer: { offsetShiftDays: 0 },
    },
    minBalanceMinor: { default: 1_000, JPY: 1_000 },
    payWithinDays: 10,
    callTaskDueDays: 1,
    paymentPlans: {
      segments: ["consumer", "problem"],
      offerFromLevel: 4,
      minBalanceMinor: { default: 50_000, JPY: 50_000 },
      installments: 3,
      intervalDays: 30,
      firstDueAfterDays: 7,
      graceDays: 5,
    },
    promises: { graceDays: 2 },
  },
  cashApplication: {
    autoApplyThreshold: 0.95,
    shortPayTolerance: {
      percent: 1,
      maxMinor: { default: 2_500, JPY: 3_000, INR: 200_000, KRW: 30_000, HUF: 9_000 },
    },
    bankChargesMaxMinor: { default: 5_000, JPY: 7_500, INR: 400_000, KRW: 70_000, HUF: 18_000 },
    fxTolerancePercent: 2,
    nameMatchCutoff: 80,
    maxSubsetInvoices: 25,
  },
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
