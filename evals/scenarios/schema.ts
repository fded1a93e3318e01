// The scenario suite's data format: one labelled account situation per entry of
// evals/data/scenarios.json. Everything is relative to the eval's as-of date (days ago / days
// overdue), so the data never goes stale. Labels (route, actions) say what a careful collector
// following DESIGN.md and the default policy would expect ARC to do — written from the rules, not
// read off ARC's output.
import { z } from "zod";
import { SPECIALISTS } from "../../agents/brain.ts";
import {
  CHANNELS,
  DISPUTE_CATEGORIES,
  DISPUTE_STATUSES,
  PLAN_STATUSES,
  PROMISE_STATUSES,
} from "../../db/schema.ts";

const minor = z.number().int().positive();
const ref = z.string().min(1);

const customer = z
  .object({
    name: z.string().default("Acme Supplies Inc."),
    isConsumer: z.boolean().default(false),
    timezone: z.string().default("America/New_York"),
    country: z.string().default("US"),
    region: z.string().nullable().default("NY"),
    currency: z.string().length(3).default("USD"),
    paymentTermsDays: z.number().int().min(0).default(30),
    strategic: z.boolean().default(false),
    automationEnabled: z.boolean().default(true),
    creditLimitMinor: minor.nullable().default(null),
    bankAccounts: z.array(z.string()).default([]),
    /** Flags, each as days ago it was set. */
    doNotContactDaysAgo: z.number().int().min(0).optional(),
    ceaseCommunicationDaysAgo: z.number().int().min(0).optional(),
    bankruptcyFiledDaysAgo: z.number().int().min(0).optional(),
    legalHoldDaysAgo: z.number().int().min(0).optional(),
    attorneyRepresentedDaysAgo: z.number().int().min(0).optional(),
    legalEscalatedDaysAgo: z.number().int().min(0).optional(),
    /** Outreach paused until this many days from the as-of date. */
    outreachPausedForDays: z.number().int().optional(),
  })
  .strict();

const contact = z
  .object({
    key: z.string().default("ap"),
    name: z.string().default("Accounts Payable"),
    email: z.string().nullable().default("ap@acme.example"),
    phone: z.string().nullable().default("+12125550100"),
    isPrimary: z.boolean().default(true),
    preferredChannel: z.enum(CHANNELS).default("email"),
    smsConsent: z.boolean().default(true),
    callConsent: z.boolean().default(true),
    emailOptedOut: z.boolean().default(false),
    smsOptedOut: z.boolean().default(false),
    callOptedOut: z.boolean().default(false),
  })
  .strict();

const invoice = z
  .object({
    ref,
    amountMinor: minor,
    /** What is still owed (default: all of it). */
    balanceMinor: z.number().int().min(0).optional(),
    currency: z.string().length(3).optional(),
    /** Days past due on the as-of date (negative: due in that many days). */
    daysOverdue: z.number().int(),
    dunningLevel: z.number().int().min(0).default(0),
    lastDunnedDaysAgo: z.number().int().min(0).optional(),
    issueDaysBeforeDue: z.number().int().min(0).default(30),
  })
  .strict();

const payment = z
  .object({
    ref,
    amountMinor: minor,
    currency: z.string().length(3).optional(),
    receivedDaysAgo: z.number().int().min(0).default(1),
    remittance: z.string().nullable().default(null),
    payerName: z.string().nullable().default(null),
    payerAccount: z.string().nullable().default(null),
    /** Identified as this customer's (false: unidentified, a candidate by remittance/account/name). */
    identified: z.boolean().default(true),
    /** Already applied to these invoices in full (a paid history entry, not cash to apply). */
    appliedTo: z.array(ref).optional(),
  })
  .strict();

const dispute = z
  .object({
    invoice: ref,
    category: z.enum(DISPUTE_CATEGORIES).default("other"),
    status: z.enum(DISPUTE_STATUSES).default("open"),
    description: z.string().min(1),
    amountMinor: minor.optional(),
    /** Who works it (default: nobody yet, so the dispute specialist triages it). */
    owner: z.string().min(1).optional(),
    openedDaysAgo: z.number().int().min(0).default(2),
    /** SLA due this many days from the as-of date (negative: breached). */
    slaDueInDays: z.number().int().optional(),
  })
  .strict();

const promise = z
  .object({
    invoices: z.array(ref).min(1),
    amountMinor: minor,
    /** Promised date relative to the as-of date (negative: in the past). */
    promisedInDays: z.number().int(),
    status: z.enum(PROMISE_STATUSES).default("open"),
    madeDaysAgo: z.number().int().min(0).default(5),
  })
  .strict();

const plan = z
  .object({
    invoices: z.array(ref).min(1),
    status: z.enum(PLAN_STATUSES).default("active"),
    /** Instalments: due relative to the as-of date, amounts summing to the plan's total. */
    installments: z.array(z.object({ dueInDays: z.number().int(), amountMinor: minor }).strict()).min(1),
    madeDaysAgo: z.number().int().min(0).default(20),
  })
  .strict();

const communication = z
  .object({
    channel: z.enum(CHANNELS),
    direction: z.enum(["inbound", "outbound"]).default("outbound"),
    /** Hours before the run's instant. */
    hoursAgo: z.number().min(0),
    isConversation: z.boolean().default(false),
    body: z.string().default("Reminder about your open invoices."),
  })
  .strict();

/** An action the scenario expects, in the order the run takes them (forecasts aside). */
const expectedAction = z
  .object({
    tool: z.string(),
    /**
     * executed | pending_approval | blocked (the runner's status; pending_approval = held for a
     * person). An expected `blocked` call is also met when it was never attempted: nothing went out.
     */
    status: z.enum(["executed", "pending_approval", "blocked"]),
    /** A rule that must be among the reasons (for held or blocked actions). */
    rule: z.string().optional(),
    /** Checks on the planned input, e.g. { "dunningLevel": 3, "channel": "sms" }. */
    input: z.record(z.string(), z.unknown()).optional(),
    /**
     * The invoices the action names, by ref, in any order: its `invoiceIds`, its `invoiceId`, or the
     * invoices of its payment `applications` (ids are only known once the scenario is seeded).
     */
    invoices: z.array(ref).optional(),
  })
  .strict();

export const scenarioSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/, "lowercase letters, digits and dashes"),
    /** The specialist this situation is about (accuracy is reported per specialist). */
    specialist: z.enum(SPECIALISTS as unknown as [string, ...string[]]),
    title: z.string().min(1),
    /** What it covers, for the coverage table: "level:3", "rule:account.bankruptcy", "approval:large_balance". */
    covers: z.array(z.string()).default([]),
    /** Why the label is right (the rule or practice it comes from). */
    why: z.string().min(1),
    account: z
      .object({
        customer: customer.prefault({}),
        contacts: z.array(contact).prefault([{}]),
        invoices: z.array(invoice).default([]),
        payments: z.array(payment).default([]),
        disputes: z.array(dispute).default([]),
        promises: z.array(promise).default([]),
        plans: z.array(plan).default([]),
        communications: z.array(communication).default([]),
      })
      .strict(),
    expected: z
      .object({
        route: z.array(z.enum(SPECIALISTS as unknown as [string, ...string[]])),
        /** Every action of the run on this account except forecasts, in order; [] = nothing to do. */
        actions: z.array(expectedAction),
      })
      .strict(),
  })
  .strict();

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type ExpectedAction = z.infer<typeof expectedAction>;

/** Parses the scenario file; an error names the scenario (by index and id) and the field. */
export function parseScenarios(raw: unknown): Scenario[] {
  if (!Array.isArray(raw)) throw new Error("scenarios: expected a JSON array of scenarios");
  const seen = new Set<string>();
  return raw.map((entry, index) => {
    const parsed = scenarioSchema.safeParse(entry);
    const label = `scenario ${index} (${(entry as { id?: string })?.id ?? "no id"})`;
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
      throw new Error(`${label}: ${issues.join("; ")}`);
    }
    if (seen.has(parsed.data.id)) throw new Error(`${label}: duplicate id`);
    seen.add(parsed.data.id);
    const refs = new Set(parsed.data.account.invoices.map((i) => i.ref));
    const cited = [
      ...parsed.data.account.disputes.map((d) => d.invoice),
      ...parsed.data.account.promises.flatMap((p) => p.invoices),
      ...parsed.data.account.plans.flatMap((p) => p.invoices),
      ...parsed.data.account.payments.flatMap((p) => p.appliedTo ?? []),
    ];
    for (const invoiceRef of cited)
      if (!refs.has(invoiceRef))
        throw new Error(`${label}: cites invoice ${invoiceRef}, which it does not define`);
    return parsed.data;
  });
}
