// The policy document: every threshold the rules use, in one versioned YAML or JSON file. A document
// is complete (no field falls back to a value in code), so the version recorded on an action names
// exactly the numbers that judged it, however the code's defaults change later. DEFAULT_POLICY
// (default-policy.ts) is the shipped document; policies/default-policy.yaml is the same document as a
// file to copy and edit.
import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { z } from "zod";
import type { Channel } from "../db/schema.ts";

/**
 * The channels a policy speaks of. A copy of db/schema.ts CHANNELS, because policies/ imports only
 * types from db/ (schema.ts would bring drizzle along); a test keeps the two lists equal.
 */
export const POLICY_CHANNELS = ["email", "sms", "call", "letter"] as const satisfies readonly Channel[];
const CHANNELS = POLICY_CHANNELS;

// ---------------------------------------------------------------------------------------------
// Field helpers: each carries the message a person reads when the value is wrong.

const positiveInt = (what = "a positive integer") =>
  z
    .number({ error: `expected ${what}` })
    .int({ error: `expected ${what}` })
    .min(1, { error: `expected ${what}` });

const nonNegativeInt = (what = "a whole number ≥ 0") =>
  z
    .number({ error: `expected ${what}` })
    .int({ error: `expected ${what}` })
    .min(0, { error: `expected ${what}` });

const nonNegativeNumber = (what = "a number ≥ 0") =>
  z.number({ error: `expected ${what}` }).min(0, { error: `expected ${what}` });

const percent = () =>
  z
    .number({ error: "expected a percentage from 0 to 100" })
    .min(0, { error: "expected a percentage from 0 to 100" })
    .max(100, { error: "expected a percentage from 0 to 100" });

const nonEmptyText = (what = "a non-empty string") =>
  z
    .string({ error: `expected ${what}` })
    .trim()
    .min(1, { error: `expected ${what}` });

/** Flags a policy pattern may carry: case-insensitive, multiline, dotAll, unicode. */
const regexFlags = () =>
  z
    .string({ error: 'expected regular-expression flags (any of "i", "m", "s", "u")' })
    .regex(/^(?!.*(.).*\1)[imsu]*$/, {
      error: 'expected regular-expression flags (any of "i", "m", "s", "u", each at most once)',
    });

/** A JavaScript regular expression, as text; it must compile. */
const regexSource = () =>
  nonEmptyText("a regular expression").superRefine((source, ctx) => {
    try {
      new RegExp(source, "u");
    } catch (error) {
      ctx.addIssue({
        code: "custom",
        message: `not a valid regular expression (${(error as Error).message}), got ${JSON.stringify(source)}`,
      });
    }
  });

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
const clockTime = () =>
  z.string({ error: 'expected a time "HH:MM" (24-hour)' }).regex(HH_MM, {
    error: 'expected a time "HH:MM" (24-hour, 00:00–23:59)',
  });

/** Minor units per currency, with a `default` for currencies not listed: `{ default: 1000000, JPY: 1500000 }`. */
const moneyLimits = () =>
  z
    .strictObject({ default: nonNegativeInt("an amount in minor units (a whole number ≥ 0)") })
    .catchall(nonNegativeInt("an amount in minor units (a whole number ≥ 0)"))
    .superRefine((limits, ctx) => {
      for (const key of Object.keys(limits)) {
        if (key !== "default" && !isCurrencyCode(key)) {
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: `expected "default" or an ISO 4217 currency code as the key, got ${JSON.stringify(key)}`,
          });
        }
      }
    });

function isCurrencyCode(code: string): boolean {
  if (!/^[A-Z]{3}$/.test(code)) return false;
  try {
    new Intl.NumberFormat("en", { style: "currency", currency: code });
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// The document.

const channelLimit = z.strictObject({
  /** Most outbound messages on the channel within the window; the next one is refused at this count. */
  max: positiveInt(),
  windowDays: positiveInt(),
});

/** Per channel; a channel left out has no frequency limit. */
const channelLimits = z.strictObject({
  email: channelLimit.optional(),
  sms: channelLimit.optional(),
  call: channelLimit.optional(),
  letter: channelLimit.optional(),
});

const textRequirement = z.strictObject({
  /** What must match in the message body (a regular expression). */
  pattern: regexSource(),
  /** Flags for `pattern`; "i" (case-insensitive) when left out. */
  flags: regexFlags().optional(),
  /** The wording templates insert; it must itself satisfy `pattern`. */
  text: nonEmptyText(),
});

export const FORBIDDEN_LANGUAGE_CATEGORIES = [
  "threat",
  "violence",
  "false_urgency",
  "legal_threat",
  "third_party",
  "profanity",
  "misrepresentation",
  "other",
] as const;

const forbiddenPhrase = z.strictObject({
  /** Stable id, quoted in refusals, e.g. "threat.arrest". */
  id: nonEmptyText().regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*$/, {
    error: 'expected a dotted lower-case id such as "threat.arrest"',
  }),
  pattern: regexSource(),
  /** Flags for `pattern`; "i" (case-insensitive) when left out. */
  flags: regexFlags().optional(),
  /** Why it is forbidden, shown to the agent or collector. */
  message: nonEmptyText(),
  category: z.enum(FORBIDDEN_LANGUAGE_CATEGORIES, {
    error: `expected one of ${FORBIDDEN_LANGUAGE_CATEGORIES.join(", ")}`,
  }),
  /**
   * deny: never send. needs_approval: a person may approve it (legal language, which is only
   * acceptable as part of an approved legal escalation).
   */
  severity: z.enum(["deny", "needs_approval"], { error: 'expected "deny" or "needs_approval"' }),
});

const JURISDICTION_KEY = /^[A-Z]{2}(-[A-Z0-9]{1,3})?$/;

const jurisdiction = z.strictObject({
  citation: nonEmptyText().optional(),
  /** consumer: consumer accounts (and business accounts in strictBusinessMode); all: every account. */
  appliesTo: z.enum(["consumer", "all"], { error: 'expected "consumer" or "all"' }),
  /** Collector-initiated calls and texts together, e.g. Massachusetts: 2 per 7 days. */
  callsAndTexts: channelLimit.optional(),
  /** Overrides legal.statuteOfLimitationsYears for customers here. */
  statuteOfLimitationsYears: positiveInt().optional(),
});

const paymentPlanLimits = z.strictObject({
  autoMaxInstallments: positiveInt(),
  autoMaxDurationDays: positiveInt(),
  hardMaxInstallments: positiveInt(),
  hardMaxDurationDays: positiveInt(),
});

// The dunning ladder: what the collection agent plans, level by level, from the due date of the
// account's oldest unpaid undisputed ("carrying") invoice. The rules above judge each planned call.

/** Payment-behaviour segments the collection agent derives; each has its own cadence. */
export const DUNNING_SEGMENTS = ["prompt", "slow", "problem", "strategic", "consumer"] as const;
export const DUNNING_TONES = ["friendly", "firm", "final"] as const;
export const DUNNING_ACTIONS = ["message", "call_task", "legal_referral"] as const;

const channelField = () => z.enum(CHANNELS, { error: `expected one of ${CHANNELS.join(", ")}` });
const toneField = () => z.enum(DUNNING_TONES, { error: `expected one of ${DUNNING_TONES.join(", ")}` });
const levelName = () =>
  nonEmptyText("a level name").regex(/^[a-z][a-z0-9_]*$/, {
    error: 'expected a lower-case level name such as "final_demand"',
  });
const integer = (what = "a whole number") =>
  z.number({ error: `expected ${what}` }).int({ error: `expected ${what}` });

const dunningLevel = z.strictObject({
  /** 1..n in ladder order; invoices remember the highest level they reached. */
  level: positiveInt(),
  name: levelName(),
  /** Days after the carrying invoice's due date (negative: before it). */
  offsetDays: integer(),
  tone: toneField(),
  /** message: send one; call_task: a call task for the account owner; legal_referral: propose it to a person. */
  action: z.enum(DUNNING_ACTIONS, { error: `expected one of ${DUNNING_ACTIONS.join(", ")}` }),
  /** The channel messages at this level go on; may be left out when `channels` names one for every segment. */
  channel: channelField().optional(),
  /** Per-segment channel overrides. */
  channels: z
    .strictObject({
      prompt: channelField().optional(),
      slow: channelField().optional(),
      problem: channelField().optional(),
      strategic: channelField().optional(),
      consumer: channelField().optional(),
    })
    .optional(),
});

const dunningSegment = z.strictObject({
  /** Added to every level's offsetDays for this segment: positive is later, negative earlier. */
  offsetShiftDays: integer(),
  /** Level names this segment skips (e.g. prompt payers need no pre-due reminder). */
  skipLevels: z.array(levelName()).optional(),
  /** Tones above this one are not automated: the account owner gets a call task instead. */
  automatedUpToTone: toneField().optional(),
});

const dunningShape = z.strictObject({
  /** Strictly increasing in offsetDays, numbered 1..n, unique names. */
  levels: z.array(dunningLevel).min(1, { error: "expected at least one level" }),
  segments: z.strictObject({
    prompt: dunningSegment,
    slow: dunningSegment,
    problem: dunningSegment,
    strategic: dunningSegment,
    consumer: dunningSegment,
  }),
  /** Dunnable balance (per currency) below which no dunning happens: a tolerance for tiny balances. */
  minBalanceMinor: moneyLimits(),
  /** Firm and final messages ask for payment by asOf + this many days (a real date, not pressure). */
  payWithinDays: positiveInt(),
  /** Call tasks (strategic accounts, call_task levels) are due this many days after the run. */
  callTaskDueDays: nonNegativeInt(),
  paymentPlans: z.strictObject({
    /** Segments the agent proposes plans to. */
    segments: z.array(z.enum(DUNNING_SEGMENTS, { error: `expected one of ${DUNNING_SEGMENTS.join(", ")}` })),
    /** From this ladder level on. */
    offerFromLevel: positiveInt(),
    /** Only for a dunnable balance of at least this (per currency). */
    minBalanceMinor: moneyLimits(),
    /** Equal instalments (the remainder in the first); at least 2. */
    installments: positiveInt("a whole number ≥ 2").min(2, { error: "expected a whole number ≥ 2" }),
    intervalDays: positiveInt(),
    /** The first instalment is due this many days after the run. */
    firstDueAfterDays: positiveInt(),
    /** An instalment is missed when unpaid this many days after its due date. */
    graceDays: nonNegativeInt(),
  }),
  promises: z.strictObject({
    /** A promise is broken when unpaid this many days after the promised date. */
    graceDays: nonNegativeInt(),
  }),
});

const documentShape = z.strictObject({
  /** Recorded on every judged action. */
  version: z
    .string({ error: 'expected a string (quote it in YAML, e.g. version: "1")' })
    .trim()
    .min(1, { error: "expected a non-empty string" }),
  description: z.string({ error: "expected a string" }).optional(),
  /** Apply the consumer rules (Regulation F limits, quiet days, attorney, disclosure) to business accounts too. */
  strictBusinessMode: z.boolean({ error: "expected true or false" }),
  contact: z.strictObject({
    /** How far back the runner loads communications; must cover every window below. */
    lookbackDays: positiveInt(),
    frequency: z.strictObject({ consumer: channelLimits, business: channelLimits }),
    /** No call within this many days after a call that reached the debtor (0 = off). */
    quietDaysAfterConversation: z.strictObject({ consumer: nonNegativeInt(), business: nonNegativeInt() }),
    /** Email, SMS and calls only from `start` (inclusive) to `end` (exclusive) in the customer's time zone. */
    localTime: z.strictObject({ start: clockTime(), end: clockTime() }),
    /** Least hours between two outbound messages on the same channel; a channel left out has none. */
    minGapHours: z.strictObject({
      email: nonNegativeNumber().optional(),
      sms: nonNegativeNumber().optional(),
      call: nonNegativeNumber().optional(),
      letter: nonNegativeNumber().optional(),
    }),
    /** Keyed by ISO 3166 country, or country-region: "US", "US-MA". */
    jurisdictions: z.record(
      z.string().regex(JURISDICTION_KEY, {
        error: 'expected a key "COUNTRY" or "COUNTRY-REGION" in capitals, such as "US-MA"',
      }),
      jurisdiction,
    ),
  }),
  content: z.strictObject({
    payLink: z.strictObject({
      /** Where templates point payment links; a link built on it must match `pattern`. */
      baseUrl: z.url({ protocol: /^https?$/, error: "expected an http(s) URL" }),
      pattern: regexSource(),
      /** Channels whose collection messages must carry the link. */
      channels: z.array(z.enum(CHANNELS, { error: `expected one of ${CHANNELS.join(", ")}` })),
    }),
    /** Opt-out wording each channel's messages must carry; a channel left out needs none. */
    optOut: z.strictObject({
      email: textRequirement.optional(),
      sms: textRequirement.optional(),
      call: textRequirement.optional(),
      letter: textRequirement.optional(),
    }),
    /** 15 U.S.C. 1692e(11): consumer messages say they are an attempt to collect a debt. */
    consumerDisclosure: textRequirement,
    forbiddenLanguage: z.array(forbiddenPhrase),
  }),
  approval: z.strictObject({
    /** Outreach about more than this (per currency, in minor units) needs a person's approval. */
    largeBalanceMinor: moneyLimits(),
    /** A pending approval lapses after this many hours. */
    expiryHours: positiveInt(),
  }),
  limits: z.strictObject({
    creditNote: z.strictObject({
      autoMaxMinor: moneyLimits(),
      /** Never more than this share of the credited invoices' amount. */
      hardMaxPercentOfInvoice: percent(),
    }),
    writeOff: z.strictObject({
      autoMaxMinor: moneyLimits(),
      /** Never more than this share of the invoices' open balance. */
      hardMaxPercentOfBalance: percent(),
    }),
    settlementDiscount: z.strictObject({ autoMaxPercent: percent(), hardMaxPercent: percent() }),
    paymentPlan: paymentPlanLimits,
  }),
  legal: z.strictObject({
    /** Years after the due date after which a debt is time-barred (no suit, no threat of suit). */
    statuteOfLimitationsYears: positiveInt(),
  }),
  dunning: dunningShape,
  cashApplication: z.strictObject({
    /** Matches at least this confident (0..1) are applied without a person; below, they wait for review. */
    autoApplyThreshold: z
      .number({ error: "expected a confidence from 0 to 1" })
      .min(0, { error: "expected a confidence from 0 to 1" })
      .max(1, { error: "expected a confidence from 0 to 1" }),
    /** A short pay within both limits is applied and the gap written off (still judged by limits.writeOff). */
    shortPayTolerance: z.strictObject({ percent: percent(), maxMinor: moneyLimits() }),
    /** A wire's shortfall up to this is taken as the banks' charges. */
    bankChargesMaxMinor: moneyLimits(),
    /** A converted payment's gap up to this share of the balance is an FX difference. */
    fxTolerancePercent: percent(),
    /** Fuzzy payer-name score (0–100, token-set ratio) below which a name identifies nobody. */
    nameMatchCutoff: percent(),
    /** One payment for several invoices: how many of the oldest open invoices the subset search considers. */
    maxSubsetInvoices: positiveInt(),
  }),
});

export type PolicyDocument = z.output<typeof documentShape>;
export type ChannelLimit = z.output<typeof channelLimit>;
export type MoneyLimits = PolicyDocument["approval"]["largeBalanceMinor"];
export type ForbiddenPhrase = PolicyDocument["content"]["forbiddenLanguage"][number];
export type TextRequirement = z.output<typeof textRequirement>;
export type Jurisdiction = PolicyDocument["contact"]["jurisdictions"][string];
export type DunningPolicy = PolicyDocument["dunning"];
export type DunningLevel = DunningPolicy["levels"][number];
export type DunningSegment = (typeof DUNNING_SEGMENTS)[number];
export type DunningTone = (typeof DUNNING_TONES)[number];
export type DunningAction = (typeof DUNNING_ACTIONS)[number];

/** Checks between fields that each look fine alone. Messages name the fields involved. */
export function crossFieldProblems(policy: PolicyDocument): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const { contact, limits, content } = policy;

  const start = minutesOf(contact.localTime.start);
  const end = minutesOf(contact.localTime.end);
  if (start >= end) {
    problems.push({
      path: "contact.localTime",
      message: `start (${contact.localTime.start}) must be earlier than end (${contact.localTime.end})`,
    });
  }

  const windows: { path: string; days: number }[] = [];
  for (const segment of ["consumer", "business"] as const) {
    for (const channel of CHANNELS) {
      const limit = contact.frequency[segment][channel];
      if (limit)
        windows.push({ path: `contact.frequency.${segment}.${channel}.windowDays`, days: limit.windowDays });
    }
    windows.push({
      path: `contact.quietDaysAfterConversation.${segment}`,
      days: contact.quietDaysAfterConversation[segment],
    });
  }
  for (const channel of CHANNELS) {
    const hours = contact.minGapHours[channel];
    if (hours !== undefined) windows.push({ path: `contact.minGapHours.${channel}`, days: hours / 24 });
  }
  for (const [key, entry] of Object.entries(contact.jurisdictions)) {
    if (entry.callsAndTexts) {
      windows.push({
        path: `contact.jurisdictions.${key}.callsAndTexts.windowDays`,
        days: entry.callsAndTexts.windowDays,
      });
    }
  }
  const widest = windows.reduce<{ path: string; days: number } | undefined>(
    (best, window) => (best === undefined || window.days > best.days ? window : best),
    undefined,
  );
  if (widest && widest.days > contact.lookbackDays) {
    problems.push({
      path: "contact.lookbackDays",
      message: `must cover the widest window it feeds (${widest.path}: ${formatDays(widest.days)}), got ${contact.lookbackDays}`,
    });
  }

  const { settlementDiscount, paymentPlan } = limits;
  if (settlementDiscount.autoMaxPercent > settlementDiscount.hardMaxPercent) {
    problems.push({
      path: "limits.settlementDiscount.autoMaxPercent",
      message: `the auto limit (${settlementDiscount.autoMaxPercent}%) exceeds the hard limit hardMaxPercent (${settlementDiscount.hardMaxPercent}%)`,
    });
  }
  if (paymentPlan.autoMaxInstallments > paymentPlan.hardMaxInstallments) {
    problems.push({
      path: "limits.paymentPlan.autoMaxInstallments",
      message: `the auto limit (${paymentPlan.autoMaxInstallments}) exceeds the hard limit hardMaxInstallments (${paymentPlan.hardMaxInstallments})`,
    });
  }
  if (paymentPlan.autoMaxDurationDays > paymentPlan.hardMaxDurationDays) {
    problems.push({
      path: "limits.paymentPlan.autoMaxDurationDays",
      message: `the auto limit (${paymentPlan.autoMaxDurationDays}) exceeds the hard limit hardMaxDurationDays (${paymentPlan.hardMaxDurationDays})`,
    });
  }

  // Templates build links on baseUrl and write the required texts; the rules must accept what they write.
  const sampleLink = `${content.payLink.baseUrl}${content.payLink.baseUrl.endsWith("/") ? "" : "/"}inv-123`;
  if (!new RegExp(content.payLink.pattern, "u").test(sampleLink)) {
    problems.push({
      path: "content.payLink.pattern",
      message: `does not match a link built on baseUrl (${sampleLink}); messages carrying the configured link would be refused`,
    });
  }
  const texts: { path: string; requirement: TextRequirement }[] = [
    { path: "content.consumerDisclosure", requirement: content.consumerDisclosure },
  ];
  for (const channel of CHANNELS) {
    const requirement = content.optOut[channel];
    if (requirement) texts.push({ path: `content.optOut.${channel}`, requirement });
  }
  for (const { path, requirement } of texts) {
    if (!new RegExp(requirement.pattern, `${requirement.flags ?? "i"}u`).test(requirement.text)) {
      problems.push({
        path: `${path}.text`,
        message: `does not satisfy its own pattern (${requirement.pattern}); messages using it would be refused`,
      });
    }
  }

  const seen = new Set<string>();
  content.forbiddenLanguage.forEach((phrase, index) => {
    if (seen.has(phrase.id)) {
      problems.push({
        path: `content.forbiddenLanguage[${index}].id`,
        message: `duplicate id ${JSON.stringify(phrase.id)}; ids must be unique`,
      });
    }
    seen.add(phrase.id);
  });

  problems.push(...dunningProblems(policy));
  return problems;
}

/** The ladder must be a ladder, reachable on some channel by every segment, and its plans proposable. */
function dunningProblems(policy: PolicyDocument): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const { levels, segments, paymentPlans } = policy.dunning;
  const names = new Set<string>();
  levels.forEach((entry, index) => {
    const at = `dunning.levels[${index}]`;
    if (entry.level !== index + 1) {
      problems.push({
        path: `${at}.level`,
        message: `levels are numbered 1..n in ladder order; expected ${index + 1}, got ${entry.level}`,
      });
    }
    if (names.has(entry.name)) {
      problems.push({
        path: `${at}.name`,
        message: `duplicate level name ${JSON.stringify(entry.name)}; names must be unique`,
      });
    }
    names.add(entry.name);
    const previous = levels[index - 1];
    if (previous && entry.offsetDays <= previous.offsetDays) {
      problems.push({
        path: `${at}.offsetDays`,
        message: `levels must be strictly increasing in offsetDays; ${entry.offsetDays} does not follow ${previous.offsetDays} (level ${previous.name})`,
      });
    }
    if (entry.action === "message") {
      const missing = DUNNING_SEGMENTS.filter((segment) => !(entry.channels?.[segment] ?? entry.channel));
      if (missing.length > 0) {
        problems.push({
          path: `${at}.channel`,
          message: `a message level needs a channel for every segment; none for ${missing.join(", ")} (set channel, or channels for each)`,
        });
      }
    }
  });
  for (const segment of DUNNING_SEGMENTS) {
    (segments[segment].skipLevels ?? []).forEach((name, index) => {
      if (!names.has(name)) {
        problems.push({
          path: `dunning.segments.${segment}.skipLevels[${index}]`,
          message: `no level is named ${JSON.stringify(name)}`,
        });
      }
    });
  }
  if (paymentPlans.offerFromLevel > levels.length) {
    problems.push({
      path: "dunning.paymentPlans.offerFromLevel",
      message: `the ladder has ${levels.length} levels; got ${paymentPlans.offerFromLevel}`,
    });
  }
  const hard = policy.limits.paymentPlan;
  if (paymentPlans.installments > hard.hardMaxInstallments) {
    problems.push({
      path: "dunning.paymentPlans.installments",
      message: `exceeds limits.paymentPlan.hardMaxInstallments (${hard.hardMaxInstallments}); every proposal would be refused`,
    });
  }
  const duration =
    paymentPlans.firstDueAfterDays + (paymentPlans.installments - 1) * paymentPlans.intervalDays;
  if (duration > hard.hardMaxDurationDays) {
    problems.push({
      path: "dunning.paymentPlans.intervalDays",
      message: `plans would last ${duration} days, beyond limits.paymentPlan.hardMaxDurationDays (${hard.hardMaxDurationDays}); every proposal would be refused`,
    });
  }
  return problems;
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

function formatDays(days: number): string {
  return Number.isInteger(days) ? `${days} days` : `${(days * 24).toString()} hours`;
}

/** The zod schema of a policy document, cross-field checks included. */
export const PolicyDocumentSchema = documentShape.superRefine((policy, ctx) => {
  for (const problem of crossFieldProblems(policy)) {
    ctx.addIssue({ code: "custom", path: problem.path.split("."), message: problem.message });
  }
});

// ---------------------------------------------------------------------------------------------
// Parsing.

export type ParseResult = { ok: true; policy: PolicyDocument } | { ok: false; errors: string[] };

/** Validates an already-parsed value (e.g. from JSON.parse or a database column). */
export function validatePolicyDocument(value: unknown): ParseResult {
  const result = PolicyDocumentSchema.safeParse(value, { reportInput: true });
  if (result.success) return { ok: true, policy: result.data };
  return { ok: false, errors: result.error.issues.flatMap((issue) => formatIssue(issue)) };
}

/**
 * Parses a policy document from YAML or JSON text (JSON is YAML). `sourceName` (a file name) prefixes
 * syntax errors; field errors name the field's path, e.g.
 * `contact.frequency.consumer.call.max: expected a positive integer, got -1`.
 */
export function parsePolicyDocument(text: string, sourceName: string): ParseResult {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      errors: document.errors.map((error) => {
        const at = error.linePos?.[0];
        const where = at ? `${sourceName}:${at.line}:${at.col}` : sourceName;
        const message = (error.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
        return `${where}: ${message}`;
      }),
    };
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return { ok: false, errors: [`${sourceName}: ${(error as Error).message}`] };
  }
  if (value === null || value === undefined) {
    return { ok: false, errors: [`${sourceName}: the document is empty`] };
  }
  return validatePolicyDocument(value);
}

/** Reads and parses a policy file; a file that cannot be read is reported like any other error. */
export function loadPolicyFile(path: string): ParseResult {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : (error as Error).message;
    return { ok: false, errors: [`${path}: cannot read the policy file (${why})`] };
  }
  return parsePolicyDocument(text, path);
}

// ---------------------------------------------------------------------------------------------
// Error text.

interface IssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  input?: unknown;
  keys?: string[];
  issues?: IssueLike[];
}

function formatIssue(issue: IssueLike, prefix: PropertyKey[] = []): string[] {
  const path = [...prefix, ...issue.path];
  const where = formatPath(path);
  switch (issue.code) {
    case "unrecognized_keys":
      return (issue.keys ?? []).map(
        (key) =>
          `${formatPath([...path, key])}: unknown field (check the spelling; unknown fields are refused)`,
      );
    case "invalid_key":
      return (issue.issues ?? []).map(
        (inner) => `${where}: ${cleanMessage(inner.message)}, got ${describe(issue.input)}`,
      );
    case "invalid_element":
    case "invalid_union":
      if (issue.issues && issue.issues.length > 0)
        return issue.issues.flatMap((inner) => formatIssue(inner, path));
      return [`${where}: ${cleanMessage(issue.message)}`];
    case "custom":
      return [`${where}: ${issue.message}`];
    default: {
      const message = cleanMessage(issue.message);
      if (!("input" in issue) || issue.input === undefined) return [`${where}: missing; ${message}`];
      return [`${where}: ${message}, got ${describe(issue.input)}`];
    }
  }
}

/** zod's own messages ("Invalid input: expected string, received number") lose their "received" part. */
function cleanMessage(message: string): string {
  return message
    .replace(/^Invalid input: /, "")
    .replace(/, received \w+$/, "")
    .replace(
      /^expected (string|number|boolean|object|array|record)$/,
      (_, type: string) => `expected ${article(type)}`,
    );
}

function article(type: string): string {
  if (type === "object" || type === "record") return "an object";
  return type === "array" ? "a list" : `a ${type}`;
}

function formatPath(path: PropertyKey[]): string {
  if (path.length === 0) return "(document)";
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
    case "number":
    case "boolean":
    case "bigint":
      return String(value);
    case "object":
      return "an object";
    default:
      return typeof value;
  }
}
