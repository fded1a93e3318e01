// The HTTP API under load (issue 6's benchmark): with 100,000 actions in the database, the latency of the
// approval queue's list and of approve at 200 requests/s, from a load process separate from the server.
//
//   seed      a scratch database: the demo portfolio (db/demo) for customers and invoices, then actions
//             written in bulk (one INSERT per few thousand rows, not one runner call each): the history
//             of some weeks of nightly runs, and the queue, every row with its audit entries, hash-chained
//             as appendAudit chains them. What the policy says of a proposal is what the real policy
//             engine says: queued and blocked proposals, and the history's decided and blocked ones, are
//             judged by evaluate() on facts built from the ledger as the runner's loadFacts builds them.
//   serve     `arc serve` in a process of its own (for the embedded database, the process that opens the
//             data folder, as `arc serve` does in production), with a collector's API key.
//   load      autocannon, in this process: the queue's first page in priority order, a filtered page, and
//             approve, each request on a different pending action.
//   check     the approved actions are executed in the database, and the audit log verifies.
//
// Benchmarks measure and print; the test (test/evals/api-bench.test.ts) runs this at a tiny scale and
// asserts only what happened, never how fast.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import autocannon from "autocannon";
import {
  and,
  asc,
  desc,
  eq,
  getTableColumns,
  getTableName,
  gte,
  inArray,
  notInArray,
  type SQL,
  sql,
  type Table,
} from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { renderMessage, type TemplateInvoice } from "../agents/collection/templates.ts";
import { GENESIS_HASH, hashEntry, verifyAudit } from "../db/audit.ts";
import { createClient, type Db, openDatabase } from "../db/connection.ts";
import { generateDemoPortfolio } from "../db/demo/generate.ts";
import { type Rng, streamFor } from "../db/demo/random.ts";
import { currencyExponent } from "../db/money.ts";
import {
  actions,
  auditLog,
  communications,
  contacts,
  customers,
  invoices,
  paymentApplications,
} from "../db/schema.ts";
import type { DunningLevel, DunningSegment, PolicyDocument } from "../policies/document.ts";
import { DEFAULT_POLICY, evaluate } from "../policies/index.ts";
import { limitFor } from "../policies/rules/helpers.ts";
import type {
  Caller,
  CommunicationFacts,
  ContactFacts,
  CustomerFacts,
  Facts,
  InvoiceFacts,
  ProposedAction,
  Reason,
  Verdict,
} from "../policies/types.ts";
import { apiCaller, createApiKey } from "../server/api-keys.ts";
import { communicationFactColumns, contactFacts, customerFacts } from "../tools/facts.ts";
import { invoiceIsDisputed } from "../tools/ledger.ts";
import { ALL_TOOLS } from "../tools/registry.ts";
import { callerLabel } from "../tools/runner.ts";
import { nextLocalTime } from "../tools/schedule.ts";
import type { Measurement } from "./bench.ts";

export interface ApiBenchOptions {
  /** Actions in the database when the load starts. */
  actions: number;
  /** Demo portfolio the actions are about. */
  customers: number;
  /** At most this many proposals waiting for approval. */
  pending: number;
  /** Requests per second the load process sends (autocannon's overallRate). */
  rate: number;
  /** Seconds each list load lasts. */
  seconds: number;
  /** Approve requests, each on a different pending action. */
  approvals: number;
  connections: number;
  seed: number;
  /** Progress lines (the bench takes minutes). */
  log?: (line: string) => void;
}

const AGENT: Caller = { kind: "agent", id: "supervisor", role: "agent" };
const AGENT_LABEL = callerLabel(AGENT);
/** The people who decided the history's proposals (through `arc approvals decide`). */
const DECIDERS = ["cli:li.chen", "cli:maria.garcia", "cli:sam.okafor"];
const REJECTION_NOTES = [
  "customer paid by cheque, clearing this week",
  "account manager is handling this directly",
  "customer disputed this by phone; logging the dispute",
  "promise to pay taken on a call",
  "balance under review with sales",
];
const HOUR_MS = 3_600_000;
/** History messages are pooled per account and period of this many days (see historicMessage). */
const PERIOD_DAYS = 28;
const DAY_MS = 24 * HOUR_MS;
const TOOLS = new Map(ALL_TOOLS.map((tool) => [tool.name, tool]));

// ---------------------------------------------------------------------------------------------------
// Seeding

export interface SeedOptions {
  /** Actions in the database when seeding ends: history plus the queue. */
  actions: number;
  /** Demo portfolio size (the ledger must be empty). */
  customers: number;
  /** At most this many proposals left waiting for approval. */
  pending: number;
  seed: number;
  /** Real time by default: the server judges approvals by its own clock. */
  now?: Date;
  policy?: PolicyDocument;
}

export interface SeedSummary {
  customers: number;
  invoices: number;
  actions: number;
  byStatus: Record<string, number>;
  /** The approval queue: pending proposals not yet expired, in the order they were generated. */
  queue: { id: string; tool: string; expiresAt: string }[];
  auditEntries: number;
  demoMs: number;
  actionsMs: number;
}

interface LedgerInvoice extends InvoiceFacts {
  customerId: string;
}

interface LedgerCustomer {
  id: string;
  externalRef: string;
  owner: string | null;
  segment: DunningSegment;
  facts: CustomerFacts;
  /** The contact send_message writes to when none is named (primary first). */
  contact?: ContactFacts;
  /** Oldest due first. */
  invoices: LedgerInvoice[];
  communications: CommunicationFacts[];
  applications: { paymentId: string; invoiceId: string; amountMinor: number; currency: string }[];
  /** The account's long-run risk, which its forecasts scatter around. */
  risk: number;
}

/** An action as the runner would have left it, before it has an id. */
interface Draft {
  key: string;
  tool: string;
  input: Record<string, unknown>;
  customerId: string;
  outcome: "executed" | "blocked" | "pending" | "approved" | "rejected" | "expired";
  reasons: Reason[];
  policyVersion: string;
  at: Date;
  rationale?: string;
  result?: unknown;
  decidedAt?: Date;
  decidedBy?: string;
  note?: string;
  expiresAt?: Date;
}

interface AuditDraft {
  at: Date;
  order: number;
  actor: string;
  event: string;
  actionId: string;
  data: unknown;
}

/**
 * Fills an empty ledger with the demo portfolio and `actions` actions, `pending` (at most) of them
 * waiting for approval. Every row is what the runner would have written; see the top of this file.
 */
export async function seedActions(db: Db, options: SeedOptions): Promise<SeedSummary> {
  const policy = options.policy ?? DEFAULT_POLICY;
  const now = options.now ?? new Date();
  const today = now.toISOString().slice(0, 10);
  const demoStarted = performance.now();
  const demo = await generateDemoPortfolio(db, {
    customers: options.customers,
    seed: options.seed,
    asOf: today,
  });
  const demoMs = performance.now() - demoStarted;

  const started = performance.now();
  const ledger = await loadLedger(db, now, policy, options.seed);
  const rng = streamFor(options.seed, 0, 0x0a91);
  const seeder = new Seeder(ledger, policy, now, rng);
  const queue = seeder.queueProposals();
  const pending = queue.pending.slice(0, Math.min(options.pending, options.actions));
  const blocked = queue.blocked.slice(0, Math.max(0, options.actions - pending.length));
  const history = seeder.history(options.actions - pending.length - blocked.length);
  const drafts = [...history, ...blocked, ...pending];

  const rows: Record<string, unknown>[] = [];
  const audit: AuditDraft[] = [];
  const queueRows: SeedSummary["queue"] = [];
  const byStatus: Record<string, number> = {};
  for (const draft of drafts) {
    const id = rng.uuid();
    const row = actionRow(id, draft);
    rows.push(row);
    byStatus[row.status as string] = (byStatus[row.status as string] ?? 0) + 1;
    audit.push(...auditFor(id, draft, audit.length));
    if (draft.outcome === "pending" && draft.expiresAt! > now)
      queueRows.push({ id, tool: draft.tool, expiresAt: draft.expiresAt!.toISOString() });
  }
  // The forecasting specialist leaves each account's newest risk score on the customer.
  const risk = [...seeder.latestRisk].map(([id, r]) => ({ id, riskScore: r.score, at: r.at.toISOString() }));

  let auditEntries = 0;
  await db.transaction(async (tx) => {
    // The lock appendAudit takes: the chain continues from the newest entry, with no one in between.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('arc.audit'))`);
    await insertRows(tx as unknown as Db, actions, ACTION_KEYS, rows);
    const [head] = await tx
      .select({ seq: auditLog.seq, hash: auditLog.hash })
      .from(auditLog)
      .orderBy(desc(auditLog.seq))
      .limit(1);
    const entries = chainAudit(audit, head?.seq ?? 0, head?.hash ?? GENESIS_HASH);
    auditEntries = entries.length;
    await insertRows(tx as unknown as Db, auditLog, AUDIT_KEYS, entries);
    for (let i = 0; i < risk.length; i += ROWS_PER_STATEMENT) {
      const json = JSON.stringify(risk.slice(i, i + ROWS_PER_STATEMENT));
      await tx.execute(sql`update ${customers} as c
        set risk_score = r."riskScore", risk_scored_at = r."at", updated_at = r."at"
        from json_to_recordset(${json}::json) as r(id uuid, "riskScore" real, "at" timestamptz)
        where c.id = r.id`);
    }
  });
  return {
    customers: demo.customers,
    invoices: demo.invoices,
    actions: rows.length,
    byStatus,
    queue: queueRows,
    auditEntries,
    demoMs,
    actionsMs: performance.now() - started,
  };
}

async function loadLedger(
  db: Db,
  now: Date,
  policy: PolicyDocument,
  seed: number,
): Promise<LedgerCustomer[]> {
  const customerRows = await db.select().from(customers).orderBy(asc(customers.externalRef));
  // send_message's primaryContact: primary first, then the oldest.
  const contactRows = await db
    .selectDistinctOn([contacts.customerId])
    .from(contacts)
    .orderBy(asc(contacts.customerId), desc(contacts.isPrimary), asc(contacts.createdAt), asc(contacts.id));
  const invoiceRows = await db
    .select({
      id: invoices.id,
      customerId: invoices.customerId,
      externalRef: invoices.externalRef,
      currency: invoices.currency,
      amountMinor: invoices.amountMinor,
      balanceMinor: invoices.balanceMinor,
      issueDate: invoices.issueDate,
      dueDate: invoices.dueDate,
      disputed: invoiceIsDisputed,
    })
    .from(invoices)
    .orderBy(asc(invoices.dueDate), asc(invoices.externalRef));
  const since = new Date(now.getTime() - (policy.contact.lookbackDays + 8) * DAY_MS);
  const communicationRows = await db
    .select({ customerId: communications.customerId, ...communicationFactColumns })
    .from(communications)
    .where(gte(communications.occurredAt, since));
  const applicationRows = await db
    .select({
      paymentId: paymentApplications.paymentId,
      invoiceId: paymentApplications.invoiceId,
      amountMinor: paymentApplications.amountMinor,
      currency: paymentApplications.currency,
      customerId: invoices.customerId,
    })
    .from(paymentApplications)
    .innerJoin(invoices, eq(invoices.id, paymentApplications.invoiceId))
    .orderBy(asc(paymentApplications.createdAt), asc(paymentApplications.id));

  const byId = new Map<string, LedgerCustomer>();
  const rng = streamFor(seed, 1, 0x0a91);
  for (const row of customerRows) {
    const segment = (["prompt", "slow", "problem", "strategic", "consumer"] as const).find(
      (s) => s === row.segment,
    );
    byId.set(row.id, {
      id: row.id,
      externalRef: row.externalRef,
      owner: row.owner,
      segment: segment ?? (row.isConsumer ? "consumer" : "slow"),
      facts: customerFacts(row),
      invoices: [],
      communications: [],
      applications: [],
      risk: Math.min(100, 100 * rng.next() ** 1.6 + (segment === "problem" ? 30 : 0)),
    });
  }
  for (const row of contactRows) {
    const customer = byId.get(row.customerId);
    if (!customer) continue;
    customer.contact = contactFacts(row);
  }
  for (const row of invoiceRows) byId.get(row.customerId)?.invoices.push(row);
  for (const row of communicationRows) {
    byId.get(row.customerId)?.communications.push({
      channel: row.channel as CommunicationFacts["channel"],
      direction: row.direction as CommunicationFacts["direction"],
      status: row.status,
      occurredAt: row.occurredAt.toISOString(),
      isConversation: row.isConversation,
      contactId: row.contactId,
    });
  }
  for (const row of applicationRows) byId.get(row.customerId)?.applications.push(row);
  return [...byId.values()].filter((c) => c.invoices.length > 0);
}

/** The history kinds and how often each appears, roughly as nightly runs over a portfolio produce them. */
const HISTORY_KINDS = [
  ["forecast", 38],
  ["message", 27],
  ["message_blocked", 6],
  ["cash", 8],
  ["call_task", 5],
  ["message_decided", 7.5],
  ["legal_decided", 6.5],
] as const;

class Seeder {
  private readonly keys = new Set<string>();
  /** An account's history message (or referral) of a period: its invoices and the date it was written for. */
  private readonly pooled = new Map<string, { about: LedgerInvoice[]; asOf: string }>();
  private readonly verdicts = new Map<string, Verdict>();
  /** The next 09:00 in a zone after a run's day starts (Intl is slow to ask). */
  private readonly nineAm = new Map<string, Date>();
  /** Rendered words by account, invoices and date. */
  private readonly rendered = new Map<string, { subject?: string; body: string }>();
  /** The newest forecast's risk score per customer. */
  readonly latestRisk = new Map<string, { score: number; at: Date }>();
  private readonly today: string;
  /** The newest nightly run (06:00 UTC) at least an hour before now. */
  private readonly latestRun: number;

  constructor(
    private readonly ledger: LedgerCustomer[],
    private readonly policy: PolicyDocument,
    private readonly now: Date,
    private readonly rng: Rng,
  ) {
    this.today = now.toISOString().slice(0, 10);
    const sixToday = Date.parse(`${this.today}T06:00:00Z`);
    this.latestRun = sixToday + HOUR_MS <= now.getTime() ? sixToday : sixToday - DAY_MS;
  }

  /** When the run `nightsAgo` nights back judged an account (a run takes up to an hour). */
  private runAt(nightsAgo: number): Date {
    return new Date(this.latestRun - nightsAgo * DAY_MS + this.rng.int(0, 50 * 60) * 1000);
  }

  private key(at: Date, customerId: string, callKey: string): string {
    const base = `asof:${at.toISOString().slice(0, 10)}:account:${customerId}:${callKey}`;
    let key = base;
    for (let n = 2; this.keys.has(key); n++) key = `${base}:${n}`;
    this.keys.add(key);
    return key;
  }

  /**
   * What the last three nightly runs left for collectors: legal referrals of invoices 30+ days overdue
   * and messages about balances above the approval threshold. Each is judged by the policy as the runner
   * would judge it; a proposal the policy refuses is a blocked action, and one is queued only if its
   * approval, judged again now with its approval requirements waived, would execute.
   */
  queueProposals(): { pending: Draft[]; blocked: Draft[] } {
    const pending: Draft[] = [];
    const blocked: Draft[] = [];
    const keep = (draft: Draft | undefined) => {
      if (draft?.outcome === "pending") pending.push(draft);
      else if (draft?.outcome === "blocked") blocked.push(draft);
    };
    const cutoff = addDays(this.today, -30);
    for (const customer of this.ledger) {
      const overdue = customer.invoices.filter(
        (i) => i.balanceMinor > 0 && !i.disputed && i.dueDate <= cutoff,
      );
      for (const group of byCurrency(overdue)) {
        for (const invoice of group) keep(this.queuedLegal(customer, [invoice]));
      }
      keep(this.queuedMessage(customer));
    }
    return { pending: this.rng.shuffle(pending), blocked };
  }

  private queuedLegal(customer: LedgerCustomer, chunk: LedgerInvoice[]): Draft | undefined {
    const at = this.runAt(this.rng.int(0, 2));
    const oldest = chunk[0]!;
    const overdueDays = daysBetween(oldest.dueDate, this.today);
    const total = chunk.reduce((sum, i) => sum + i.balanceMinor, 0);
    const input = parseInput("escalate_to_legal", {
      customerId: customer.id,
      invoiceIds: chunk.map((i) => i.id),
      reason: `Dunning ladder level 7 (legal_referral) reached: ${oldest.externalRef} is ${overdueDays} days past due; ${chunk.length} invoice(s), ${formatTotal(total, oldest.currency)} outstanding after level 6. Proposed by the collection agent for a collector's decision.`,
    });
    const proposal: ProposedAction = {
      tool: "escalate_to_legal",
      kind: "legal_escalation",
      caller: AGENT,
      customerId: customer.id,
      invoiceIds: chunk.map((i) => i.id),
      amountMinor: total,
      currency: oldest.currency,
    };
    return this.queued(customer, proposal, input, at, {
      judgedAt: at,
      approvedAt: this.now,
      key: `collection:legal:L7`,
      rationale: `level 7 "legal_referral" (final tone) for a ${customer.segment} account: ${oldest.externalRef} is ${overdueDays} days past due; a legal referral is a person's decision`,
    });
  }

  private queuedMessage(customer: LedgerCustomer): Draft | undefined {
    const contact = customer.contact;
    if (!contact?.email) return undefined;
    const open = customer.invoices.filter((i) => i.balanceMinor > 0 && !i.disputed);
    const group = byCurrency(open)
      .map((g) => g.slice(0, 20))
      .find((g) => sumBalance(g) > limitFor(this.policy.approval.largeBalanceMinor, g[0]!.currency));
    if (!group) return undefined;
    const at = this.runAt(0);
    // The agent schedules messages for the next 09:00 in the debtor's zone; late enough that the
    // approval still finds it in the future.
    const scheduledFor = nextLocalTime(
      new Date(Math.max(at.getTime(), this.now.getTime()) + 15 * 60_000),
      customer.facts.timezone,
      "09:00",
    );
    const { input, proposal, level, oldest } = this.message(
      customer,
      contact,
      group,
      this.today,
      scheduledFor,
    );
    return this.queued(customer, proposal, input, at, {
      judgedAt: scheduledFor,
      approvedAt: scheduledFor,
      key: `collection:message:L${level.level}`,
      rationale: `level ${level.level} "${level.name}" (${level.tone} tone) for a ${customer.segment} account: ${pastDue(oldest.dueDate, this.today)}; ${formatTotal(sumBalance(group), oldest.currency)} open`,
    });
  }

  private queued(
    customer: LedgerCustomer,
    proposal: ProposedAction,
    input: Record<string, unknown>,
    at: Date,
    o: { judgedAt: Date; approvedAt: Date; key: string; rationale: string },
  ): Draft | undefined {
    const verdict = evaluate(proposal, this.facts(customer, proposal, o.judgedAt), this.policy);
    const base = {
      key: this.key(at, customer.id, o.key),
      tool: proposal.tool,
      input,
      customerId: customer.id,
      reasons: verdict.reasons,
      policyVersion: verdict.policyVersion,
      at,
      rationale: o.rationale,
    };
    if (verdict.verdict === "deny") return { ...base, outcome: "blocked" };
    if (verdict.verdict !== "needs_approval") return undefined;
    // What runner.decide will judge: the same facts, this proposal's approval requirements waived.
    const approvedRuleIds = verdict.reasons
      .filter((r) => r.verdict === "needs_approval")
      .map((r) => r.ruleId);
    const onApproval = evaluate(proposal, this.facts(customer, proposal, o.approvedAt), this.policy, {
      approvedRuleIds,
    });
    if (onApproval.verdict !== "allow") return undefined;
    return {
      ...base,
      outcome: "pending",
      expiresAt: new Date(at.getTime() + this.policy.approval.expiryHours * HOUR_MS),
    };
  }

  /** The facts loadFacts would load for the proposal, judged at `at`. */
  private facts(customer: LedgerCustomer, proposal: ProposedAction, at: Date, asUnpaid = false): Facts {
    const named = new Set([...(proposal.invoiceIds ?? []), ...(proposal.outreach?.invoiceIds ?? [])]);
    const byId = new Map(customer.invoices.map((i) => [i.id, i]));
    const asFacts = ({ customerId: _owner, ...facts }: LedgerInvoice): InvoiceFacts =>
      asUnpaid ? { ...facts, balanceMinor: facts.amountMinor, disputed: false } : facts;
    const since = at.getTime() - this.policy.contact.lookbackDays * DAY_MS;
    const contactId = proposal.outreach?.contactId;
    return {
      now: at.toISOString(),
      customer: customer.facts,
      ...(contactId && customer.contact?.id === contactId ? { contact: customer.contact } : {}),
      invoices: [...named].map((id) => asFacts(byId.get(id)!)),
      recentCommunications:
        asUnpaid || proposal.kind !== "outreach"
          ? []
          : customer.communications.filter((c) => Date.parse(c.occurredAt) >= since),
    };
  }

  /** A collection email (or letter, without an address) about `group`, as the collection agent writes it. */
  private message(
    customer: LedgerCustomer,
    contact: ContactFacts,
    group: LedgerInvoice[],
    asOf: string,
    scheduledFor: Date,
  ): {
    input: Record<string, unknown>;
    proposal: ProposedAction;
    level: DunningLevel;
    oldest: LedgerInvoice;
  } {
    const oldest = group[0]!;
    const overdueDays = daysBetween(oldest.dueDate, asOf);
    const levels = this.policy.dunning.levels.filter((l) => l.action === "message" && l.channel === "email");
    const level = levels.filter((l) => l.offsetDays <= overdueDays).at(-1) ?? levels[0]!;
    const channel = contact.email ? ("email" as const) : ("letter" as const);
    const templateInvoices: TemplateInvoice[] = group.map((i) => ({
      id: i.id,
      externalRef: i.externalRef,
      currency: i.currency,
      balanceMinor: i.balanceMinor > 0 ? i.balanceMinor : i.amountMinor,
      dueDate: i.dueDate,
    }));
    const renderKey = `${customer.id}|${asOf}|${group.map((i) => i.id).join(",")}`;
    const text =
      this.rendered.get(renderKey) ??
      renderMessage({
        level,
        segment: customer.segment,
        channel,
        isConsumer: customer.facts.isConsumer,
        accountRef: customer.externalRef,
        invoices: templateInvoices,
        asOf,
        policy: this.policy,
        reminded: level.level > 1,
      });
    this.rendered.set(renderKey, text);
    const input = parseInput("send_message", {
      customerId: customer.id,
      contactId: contact.id,
      channel,
      purpose: "collection",
      ...(text.subject ? { subject: text.subject } : {}),
      body: text.body,
      invoiceIds: group.map((i) => i.id),
      scheduledFor: scheduledFor.toISOString(),
      dunningLevel: level.level,
    });
    const proposal: ProposedAction = {
      tool: "send_message",
      kind: "outreach",
      caller: AGENT,
      customerId: customer.id,
      invoiceIds: group.map((i) => i.id),
      outreach: {
        channel,
        contactId: contact.id,
        purpose: "collection",
        ...(text.subject ? { subject: text.subject } : {}),
        body: text.body,
        invoiceIds: group.map((i) => i.id),
        autodialed: false,
        scheduledFor: scheduledFor.toISOString(),
      },
    };
    return { input, proposal, level, oldest };
  }

  /**
   * `count` actions of earlier nightly runs (4 or more nights back, so everything decided has been
   * decided): forecasts, messages sent and blocked, cash applied, call tasks, and proposals a
   * collector approved, rejected or let expire (a few still pending, long expired).
   */
  history(count: number): Draft[] {
    const drafts: Draft[] = [];
    const nights = Math.max(7, Math.ceil(count / Math.max(1, this.ledger.length)));
    for (let attempts = 0; drafts.length < count && attempts < count * 20 + 100; attempts++) {
      const customer = this.rng.pick(this.ledger);
      const at = this.runAt(this.rng.int(4, nights + 3));
      const day = at.toISOString().slice(0, 10);
      const issued = customer.invoices.filter((i) => i.issueDate <= day);
      if (issued.length === 0) continue;
      const kind = this.rng.weighted(HISTORY_KINDS);
      const draft =
        (kind === "message" && this.sentMessage(customer, issued, at)) ||
        (kind === "message_blocked" && this.blockedMessage(customer, issued, at)) ||
        (kind === "cash" && this.appliedCash(customer, at)) ||
        (kind === "call_task" && this.callTask(customer, issued, at)) ||
        (kind === "message_decided" && this.decidedMessage(customer, issued, at)) ||
        ((kind === "legal_decided" || kind === "message_decided") &&
          this.decidedLegal(customer, issued, at)) ||
        this.forecast(customer, issued, at);
      drafts.push(draft);
    }
    return drafts;
  }

  private forecast(customer: LedgerCustomer, issued: LedgerInvoice[], at: Date): Draft {
    const day = at.toISOString().slice(0, 10);
    const open = issued.filter((i) => i.dueDate >= addDays(day, -90)).slice(-3);
    const predictions = (open.length ? open : issued.slice(-1)).map((invoice) => {
      const predicted = addDays(invoice.dueDate, this.rng.int(-5, 30));
      return {
        invoiceId: invoice.id,
        predictedPayDate: predicted,
        p10PayDate: addDays(predicted, -this.rng.int(1, 7)),
        p90PayDate: addDays(predicted, this.rng.int(3, 21)),
        lateProbability: Math.round(this.rng.next() * 1000) / 1000,
      };
    });
    const score = Math.round(Math.min(100, Math.max(0, customer.risk + this.rng.uniform(-8, 8))) * 10) / 10;
    const monday = addDays(day, -((new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7));
    const modelVersion = `gbq1@${monday}`;
    const input = parseInput("record_forecast", {
      customerId: customer.id,
      asOf: day,
      modelVersion,
      riskScore: score,
      predictions,
    });
    const latest = this.latestRisk.get(customer.id);
    if (!latest || latest.at < at) this.latestRisk.set(customer.id, { score, at });
    return this.executed(customer, "record_forecast", input, at, `forecast:${day}`, {
      customerId: customer.id,
      predictions: predictions.length,
      riskScore: score,
      modelVersion,
    });
  }

  private sentMessage(customer: LedgerCustomer, issued: LedgerInvoice[], at: Date): Draft | undefined {
    const prepared = this.historicMessage(customer, issued, at);
    if (!prepared) return undefined;
    return this.executed(
      customer,
      "send_message",
      prepared.input,
      at,
      `collection:message:L${prepared.level.level}`,
      this.queuedResult(prepared.proposal),
      prepared.rationale,
    );
  }

  /** A message the policy refused: sent too often already, or too soon after the last one. */
  private blockedMessage(customer: LedgerCustomer, issued: LedgerInvoice[], at: Date): Draft | undefined {
    const prepared = this.historicMessage(customer, issued, at);
    if (!prepared) return undefined;
    const { proposal } = prepared;
    const judgedAt = new Date(proposal.outreach!.scheduledFor!);
    const facts = this.facts(customer, proposal, judgedAt, true);
    const frequency = this.policy.contact.frequency[customer.facts.isConsumer ? "consumer" : "business"];
    const max = frequency[proposal.outreach!.channel]?.max ?? 3;
    const earlier = this.rng.chance(0.6)
      ? Array.from({ length: max }, (_, j) => judgedAt.getTime() - (26 + j * 30) * HOUR_MS)
      : [judgedAt.getTime() - this.rng.int(2, 20) * HOUR_MS];
    facts.recentCommunications = earlier.map((t) => ({
      channel: proposal.outreach!.channel,
      direction: "outbound" as const,
      status: "sent",
      occurredAt: new Date(t).toISOString(),
      isConversation: false,
      contactId: proposal.outreach!.contactId ?? null,
    }));
    const verdict = evaluate(proposal, facts, this.policy);
    if (verdict.verdict !== "deny") return undefined;
    return {
      key: this.key(at, customer.id, `collection:message:L${prepared.level.level}`),
      tool: "send_message",
      input: prepared.input,
      customerId: customer.id,
      outcome: "blocked",
      reasons: verdict.reasons,
      policyVersion: verdict.policyVersion,
      at,
      rationale: prepared.rationale,
    };
  }

  /** The 4-week period a history day falls in, and the day it starts. */
  private period(day: string): { n: number; start: string } {
    const n = Math.floor(Date.parse(`${day}T00:00:00Z`) / (PERIOD_DAYS * DAY_MS));
    return { n, start: new Date(n * PERIOD_DAYS * DAY_MS).toISOString().slice(0, 10) };
  }

  /**
   * A message of an earlier run. Rendering is the costly part of seeding, so an account's history
   * messages of one 4-week period share their invoices (issued before it began) and their words.
   */
  private historicMessage(
    customer: LedgerCustomer,
    issued: LedgerInvoice[],
    at: Date,
    pooled?: { about: LedgerInvoice[]; asOf: string },
  ) {
    const contact = customer.contact;
    if (!contact) return undefined;
    const day = at.toISOString().slice(0, 10);
    let chosen = pooled;
    if (!chosen) {
      const { n, start } = this.period(day);
      const slot = `${customer.id}#m${n}`;
      chosen = this.pooled.get(slot);
      if (!chosen) {
        const before = issued.filter((i) => i.issueDate <= start);
        const asOf = before.length > 0 ? start : day;
        const from = before.length > 0 ? before : issued;
        const due = from.filter((i) => i.dueDate <= addDays(asOf, 3) && i.dueDate >= addDays(asOf, -60));
        const pool = due.length > 0 ? due : from.slice(-1);
        const currency = pool.at(-1)!.currency;
        chosen = { about: pool.filter((i) => i.currency === currency).slice(-this.rng.int(1, 2)), asOf };
        if (before.length > 0) this.pooled.set(slot, chosen);
      }
    }
    const tz = customer.facts.timezone;
    let scheduledFor = this.nineAm.get(`${tz}|${day}`);
    if (!scheduledFor) {
      scheduledFor = nextLocalTime(new Date(`${day}T07:00:00Z`), tz, "09:00");
      this.nineAm.set(`${tz}|${day}`, scheduledFor);
    }
    const prepared = this.message(customer, contact, chosen.about, chosen.asOf, scheduledFor);
    const rationale = `level ${prepared.level.level} "${prepared.level.name}" (${prepared.level.tone} tone) for a ${customer.segment} account: ${pastDue(prepared.oldest.dueDate, chosen.asOf)}`;
    return { ...prepared, rationale };
  }

  private appliedCash(customer: LedgerCustomer, at: Date): Draft | undefined {
    const application = customer.applications.pop();
    if (!application) return undefined;
    const confidence = this.rng.pick([0.95, 0.975, 0.99, 1]);
    const input = parseInput("apply_payment", {
      paymentId: application.paymentId,
      applications: [{ invoiceId: application.invoiceId, amountMinor: application.amountMinor }],
      method: "reference",
      confidence,
    });
    const invoice = customer.invoices.find((i) => i.id === application.invoiceId);
    return this.executed(
      customer,
      "apply_payment",
      input,
      at,
      `cash:${application.paymentId}`,
      {
        paymentId: application.paymentId,
        customerId: customer.id,
        applicationIds: [this.rng.uuid()],
        appliedMinor: application.amountMinor,
        currency: application.currency,
      },
      `payment assigned to the customer; remittance: invoice ${invoice?.externalRef ?? "?"} cited exactly (confidence ${confidence})`,
    );
  }

  private callTask(customer: LedgerCustomer, issued: LedgerInvoice[], at: Date): Draft {
    const about = issued.slice(-2);
    const day = at.toISOString().slice(0, 10);
    const input = parseInput("create_task", {
      customerId: customer.id,
      kind: "call",
      title: `Call account ${customer.externalRef} about ${about.length} overdue invoice(s) (level 4, firm)`,
      detail: `Why a call: ${customer.segment} accounts get a call at the firm level. ${pastDue(about[0]!.dueDate, day)}.`,
      ...(customer.owner ? { owner: customer.owner } : {}),
      dueAt: `${addDays(day, 1)}T23:59:59.000Z`,
      invoiceIds: about.map((i) => i.id),
      dunningLevel: 4,
    });
    return this.executed(
      customer,
      "create_task",
      input,
      at,
      "collection:task:L4",
      { taskId: this.rng.uuid() },
      `level 4 "firm" (firm tone) for a ${customer.segment} account: a collector calls`,
    );
  }

  /** A large-balance message a collector decided on (or let expire). */
  private decidedMessage(customer: LedgerCustomer, issued: LedgerInvoice[], at: Date): Draft | undefined {
    const { n, start } = this.period(at.toISOString().slice(0, 10));
    const slot = `${customer.id}#d${n}`;
    let pooled = this.pooled.get(slot);
    if (!pooled) {
      const recent = issued.filter((i) => i.issueDate <= start && i.dueDate <= addDays(start, 3)).slice(-8);
      const group = byCurrency(recent).find(
        (g) =>
          g.reduce((s, i) => s + i.amountMinor, 0) >
          limitFor(this.policy.approval.largeBalanceMinor, g[0]!.currency),
      );
      pooled = { about: group ?? [], asOf: start };
      this.pooled.set(slot, pooled);
    }
    if (pooled.about.length === 0) return undefined;
    const prepared = this.historicMessage(customer, issued, at, pooled);
    if (!prepared) return undefined;
    const judgedAt = new Date(prepared.proposal.outreach!.scheduledFor!);
    return this.decided(customer, prepared.proposal, prepared.input, at, judgedAt, {
      callKey: `collection:message:L${prepared.level.level}`,
      rationale: prepared.rationale,
      verdictKey: slot,
      result: () => this.queuedResult(prepared.proposal),
    });
  }

  /** A legal referral a collector decided on (or let expire). */
  private decidedLegal(customer: LedgerCustomer, issued: LedgerInvoice[], at: Date): Draft | undefined {
    const day = at.toISOString().slice(0, 10);
    const { n, start } = this.period(day);
    const slot = `${customer.id}#l${n}`;
    let pooled = this.pooled.get(slot);
    if (!pooled) {
      const before = issued.filter((i) => i.issueDate <= start);
      const old = before.filter((i) => i.dueDate <= addDays(start, -60));
      const pool = old.length > 0 ? old : before.length > 0 ? before.slice(0, 1) : issued.slice(0, 1);
      pooled = {
        about: pool.filter((i) => i.currency === pool[0]!.currency).slice(0, this.rng.int(1, 3)),
        asOf: start,
      };
      this.pooled.set(slot, pooled);
    }
    const chunk = pooled.about;
    const total = chunk.reduce((s, i) => s + i.amountMinor, 0);
    const input = parseInput("escalate_to_legal", {
      customerId: customer.id,
      invoiceIds: chunk.map((i) => i.id),
      reason: `Dunning ladder level 7 (legal_referral) reached: ${chunk[0]!.externalRef} is ${daysBetween(chunk[0]!.dueDate, day)} days past due; ${chunk.length} invoice(s), ${formatTotal(total, chunk[0]!.currency)} outstanding after level 6. Proposed by the collection agent for a collector's decision.`,
    });
    const proposal: ProposedAction = {
      tool: "escalate_to_legal",
      kind: "legal_escalation",
      caller: AGENT,
      customerId: customer.id,
      invoiceIds: chunk.map((i) => i.id),
      amountMinor: total,
      currency: chunk[0]!.currency,
    };
    return this.decided(customer, proposal, input, at, at, {
      callKey: "collection:legal:L7",
      rationale: `level 7 "legal_referral" (final tone) for a ${customer.segment} account: ${pastDue(chunk[0]!.dueDate, day)}; a legal referral is a person's decision`,
      verdictKey: slot,
      result: (decidedAt) => ({
        customerId: customer.id,
        legalTaskId: this.rng.uuid(),
        escalatedAt: decidedAt.toISOString(),
      }),
    });
  }

  private decided(
    customer: LedgerCustomer,
    proposal: ProposedAction,
    input: Record<string, unknown>,
    at: Date,
    judgedAt: Date,
    o: { callKey: string; rationale: string; verdictKey: string; result: (decidedAt: Date) => unknown },
  ): Draft | undefined {
    // The same proposal in the same period gets the same verdict (judged as issued, before any payment).
    let verdict = this.verdicts.get(o.verdictKey);
    if (!verdict) {
      verdict = evaluate(proposal, this.facts(customer, proposal, judgedAt, true), this.policy);
      this.verdicts.set(o.verdictKey, verdict);
    }
    if (verdict.verdict === "allow") return undefined;
    const base = {
      key: this.key(at, customer.id, o.callKey),
      tool: proposal.tool,
      input,
      customerId: customer.id,
      reasons: verdict.reasons,
      policyVersion: verdict.policyVersion,
      at,
      rationale: o.rationale,
    };
    if (verdict.verdict === "deny") return { ...base, outcome: "blocked" };
    const expiresAt = new Date(at.getTime() + this.policy.approval.expiryHours * HOUR_MS);
    const outcome = this.rng.weighted([
      ["approved", 50],
      ["rejected", 22],
      ["expired", 22],
      ["pending", 6],
    ] as const);
    if (outcome === "pending") return { ...base, outcome, expiresAt };
    if (outcome === "expired") {
      // Nobody decided in time; the first decision after expiry found it expired.
      return {
        ...base,
        outcome,
        expiresAt,
        decidedAt: new Date(expiresAt.getTime() + this.rng.int(1, 24) * HOUR_MS),
      };
    }
    const decidedAt = new Date(at.getTime() + this.rng.int(20, 60 * 60) * 60_000);
    const decidedBy = this.rng.pick(DECIDERS);
    if (outcome === "rejected")
      return { ...base, outcome, expiresAt, decidedAt, decidedBy, note: this.rng.pick(REJECTION_NOTES) };
    return { ...base, outcome, expiresAt, decidedAt, decidedBy, result: o.result(decidedAt) };
  }

  private executed(
    customer: LedgerCustomer,
    tool: string,
    input: Record<string, unknown>,
    at: Date,
    callKey: string,
    result: unknown,
    rationale?: string,
  ): Draft {
    return {
      key: this.key(at, customer.id, callKey),
      tool,
      input,
      customerId: customer.id,
      outcome: "executed",
      reasons: [],
      policyVersion: this.policy.version,
      at,
      result,
      ...(rationale ? { rationale } : {}),
    };
  }

  private queuedResult(proposal: ProposedAction): unknown {
    return {
      communicationId: this.rng.uuid(),
      status: "queued",
      channel: proposal.outreach!.channel,
      contactId: proposal.outreach!.contactId,
      scheduledFor: proposal.outreach!.scheduledFor,
    };
  }
}

/** The tool's own validation, so every seeded input is one the tool accepts (defaults filled in, as stored). */
function parseInput(tool: string, input: Record<string, unknown>): Record<string, unknown> {
  return TOOLS.get(tool)!.input.parse(input) as Record<string, unknown>;
}

function actionRow(id: string, d: Draft): Record<string, unknown> {
  const status = d.outcome === "approved" ? "executed" : d.outcome;
  const verdict = d.outcome === "blocked" ? "deny" : d.reasons.length > 0 ? "needs_approval" : "allow";
  const updatedAt = d.decidedAt ?? d.at;
  return {
    id,
    idempotencyKey: d.key,
    tool: d.tool,
    input: d.input,
    customerId: d.customerId,
    status,
    verdict,
    reasons: d.reasons,
    policyVersion: d.policyVersion,
    caller: AGENT,
    rationale: d.rationale ?? null,
    result: d.result === undefined ? null : JSON.parse(JSON.stringify(d.result)),
    decidedBy: d.decidedBy ?? null,
    decidedAt: d.decidedBy ? d.decidedAt!.toISOString() : null,
    decisionNote: d.note ?? null,
    expiresAt: d.expiresAt?.toISOString() ?? null,
    executedAt: status === "executed" ? updatedAt.toISOString() : null,
    createdAt: d.at.toISOString(),
    updatedAt: updatedAt.toISOString(),
  };
}

const ACTION_KEYS = [
  "id",
  "idempotencyKey",
  "tool",
  "input",
  "customerId",
  "status",
  "verdict",
  "reasons",
  "policyVersion",
  "caller",
  "rationale",
  "result",
  "decidedBy",
  "decidedAt",
  "decisionNote",
  "expiresAt",
  "executedAt",
  "createdAt",
  "updatedAt",
] as const;

const AUDIT_KEYS = [
  "seq",
  "at",
  "actor",
  "event",
  "entityType",
  "entityId",
  "actionId",
  "data",
  "prevHash",
  "hash",
] as const;

/** The audit entries the runner writes for the draft's course (runner.ts: callWrite, decide, markExecuted). */
function auditFor(id: string, d: Draft, order: number): AuditDraft[] {
  const entry = (at: Date, actor: string, event: string, data: unknown, n: number): AuditDraft => ({
    at,
    order: order + n,
    actor,
    event,
    actionId: id,
    data,
  });
  const proposed = entry(d.at, AGENT_LABEL, "action.proposed", { tool: d.tool, reasons: d.reasons }, 0);
  switch (d.outcome) {
    case "executed":
      return [entry(d.at, AGENT_LABEL, "action.executed", { result: d.result }, 0)];
    case "blocked":
      return [entry(d.at, AGENT_LABEL, "action.blocked", { tool: d.tool, reasons: d.reasons }, 0)];
    case "pending":
      return [proposed];
    case "rejected":
      return [proposed, entry(d.decidedAt!, d.decidedBy!, "action.rejected", { note: d.note }, 1)];
    case "expired":
      return [proposed, entry(d.decidedAt!, "system", "action.expired", {}, 1)];
    case "approved":
      return [
        proposed,
        entry(d.decidedAt!, d.decidedBy!, "action.approved", { note: null, editedInput: null }, 1),
        entry(new Date(d.decidedAt!.getTime() + 4), d.decidedBy!, "action.executed", { result: d.result }, 2),
      ];
  }
}

/** Orders the entries by time and chains them after the newest existing entry, exactly as appendAudit does. */
function chainAudit(drafts: AuditDraft[], lastSeq: number, lastHash: string): Record<string, unknown>[] {
  drafts.sort((a, b) => a.at.getTime() - b.at.getTime() || a.order - b.order);
  let prevHash = lastHash;
  return drafts.map((d, index) => {
    const content = {
      seq: lastSeq + index + 1,
      at: d.at.toISOString(),
      actor: d.actor,
      event: d.event,
      entityType: "action",
      entityId: d.actionId,
      actionId: d.actionId,
      data: JSON.parse(JSON.stringify(d.data ?? {})),
    };
    const hash = hashEntry(prevHash, content);
    const row = { ...content, prevHash, hash };
    prevHash = hash;
    return row;
  });
}

/** Rows per INSERT statement (one JSON parameter each). */
const ROWS_PER_STATEMENT = 2000;

/** INSERT … SELECT FROM json_to_recordset, the column types from the drizzle schema (as db/demo does). */
async function insertRows(
  db: Db,
  table: Table,
  keys: readonly string[],
  rows: readonly object[],
): Promise<void> {
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const head: SQL = sql.raw(
    `insert into ${quote(getTableName(table))} (${keys.map((k) => quote(columns[k]!.name)).join(", ")}) ` +
      `select ${keys.map(quote).join(", ")} from json_to_recordset(`,
  );
  const tail: SQL = sql.raw(
    `::json) as r(${keys.map((k) => `${quote(k)} ${columns[k]!.getSQLType()}`).join(", ")})`,
  );
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const json = JSON.stringify(rows.slice(i, i + ROWS_PER_STATEMENT));
    await db.execute(sql`${head}${json}${tail}`);
  }
}

function byCurrency(list: LedgerInvoice[]): LedgerInvoice[][] {
  const groups = new Map<string, LedgerInvoice[]>();
  for (const invoice of list) {
    const group = groups.get(invoice.currency) ?? [];
    group.push(invoice);
    groups.set(invoice.currency, group);
  }
  return [...groups.values()];
}

const sumBalance = (list: LedgerInvoice[]) => list.reduce((sum, i) => sum + i.balanceMinor, 0);

const shiftedDates = new Map<string, string>();

function addDays(date: string, days: number): string {
  const key = `${date}${days}`;
  let shifted = shiftedDates.get(key);
  if (shifted === undefined) {
    shifted = new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
    if (shiftedDates.size > 100_000) shiftedDates.clear();
    shiftedDates.set(key, shifted);
  }
  return shifted;
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

function pastDue(dueDate: string, asOf: string): string {
  const days = daysBetween(dueDate, asOf);
  return days > 0 ? `due ${dueDate}, ${days} days past due` : `due ${dueDate}`;
}

const amountFormats = new Map<string, Intl.NumberFormat>();

/** "1,647.00 EUR", as the collection agent writes totals (formatAmount's text, its formatter kept). */
function formatTotal(minor: number, currency: string): string {
  const exponent = currencyExponent(currency);
  let format = amountFormats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat("en-US", {
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
    });
    amountFormats.set(currency, format);
  }
  return `${format.format(minor / 10 ** exponent)} ${currency}`;
}

// ---------------------------------------------------------------------------------------------------
// The server process

const ARC_BIN = join(import.meta.dirname, "../bin/arc.js");

export interface BenchServer {
  url: string;
  pid: number;
  /** Resident and peak resident memory of the server process, in MiB (Linux /proc, else ps). */
  memory(): { rssMiB: number; peakMiB?: number } | undefined;
  /** SIGTERM, and the exit code once it has stopped. */
  stop(): Promise<number | null>;
}

/**
 * `arc serve --port 0` in a process of its own, with `env` (DATABASE_URL, or ARC_DATA_DIR for the
 * embedded database), resolved once it answers /healthz. Its request log goes to /dev/null.
 */
export async function startApiServer(env: NodeJS.ProcessEnv, timeoutMs = 180_000): Promise<BenchServer> {
  const child: ChildProcess = spawn(
    process.execPath,
    [ARC_BIN, "serve", "--port", "0", "--host", "127.0.0.1"],
    {
      env,
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`arc serve did not listen within ${timeoutMs / 1000} s:\n${stderr}`));
    }, timeoutMs);
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-20_000);
      const match = /listening on (http:\/\/\S+) /.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`arc serve exited (${code}) before listening:\n${stderr}`));
    });
  });
  const health = await fetch(`${url}/healthz`);
  if (health.status !== 200)
    throw new Error(`arc serve is unhealthy: ${health.status} ${await health.text()}`);
  const pid = child.pid!;
  return {
    url,
    pid,
    memory: () => processMemory(pid),
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

function processMemory(pid: number): { rssMiB: number; peakMiB?: number } | undefined {
  const status = `/proc/${pid}/status`;
  if (existsSync(status)) {
    const text = readFileSync(status, "utf8");
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1]);
    const rss = kib("VmRSS");
    const peak = kib("VmHWM");
    if (Number.isFinite(rss))
      return { rssMiB: rss / 1024, ...(Number.isFinite(peak) ? { peakMiB: peak / 1024 } : {}) };
  }
  try {
    const rss = Number(execFileSync("ps", ["-o", "rss=", "-p", String(pid)], { encoding: "utf8" }).trim());
    return Number.isFinite(rss) ? { rssMiB: rss / 1024 } : undefined;
  } catch {
    return undefined;
  }
}

/** The environment for `arc serve` on the bench's database: nothing of the caller's own ARC settings. */
export function serverEnv(target: { url: string } | { dataDir: string }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  delete env.ARC_DATA_DIR;
  delete env.ARC_POLICY_FILE;
  if ("url" in target) env.DATABASE_URL = target.url;
  else env.ARC_DATA_DIR = target.dataDir;
  return env;
}

// ---------------------------------------------------------------------------------------------------
// Load

export interface LoadResult {
  requests: number;
  seconds: number;
  perSecond: number;
  /** Milliseconds, nearest-rank over every response. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Responses by HTTP status. */
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  /** The first non-2xx responses, for diagnosis. */
  failures: string[];
}

interface LoadOptions {
  url: string;
  key: string;
  rate: number;
  connections: number;
  /** Seconds; or `amount` requests. */
  duration?: number;
  amount?: number;
  request: { method: "GET" | "POST"; path?: string; body?: string; nextPath?: () => string };
}

/**
 * One autocannon run from this process. Latencies are recorded per response as autocannon measures them
 * (its own histogram under overallRate "corrects" for coordinated omission with an expected interval of
 * 1 ms, which fills it with invented samples, so it is switched off).
 */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const failures: string[] = [];
  const headers: Record<string, string> = { authorization: `Bearer ${o.key}` };
  if (o.request.body !== undefined) headers["content-type"] = "application/json";
  const nextPath = o.request.nextPath;
  const connections = Math.max(1, Math.min(o.connections, o.amount ?? o.connections));
  const started = performance.now();
  const instance = autocannon({
    url: o.url,
    connections,
    overallRate: o.rate,
    ...(o.amount !== undefined ? { amount: o.amount } : { duration: o.duration ?? 10 }),
    timeout: 60,
    ignoreCoordinatedOmission: true,
    requests: [
      {
        method: o.request.method,
        headers,
        ...(o.request.path ? { path: o.request.path } : {}),
        ...(o.request.body !== undefined ? { body: o.request.body } : {}),
        ...(nextPath ? { setupRequest: (request) => ({ ...request, path: nextPath() }) } : {}),
        onResponse: (status, body) => {
          if ((status < 200 || status >= 300) && failures.length < 5)
            failures.push(`${status} ${body.slice(0, 300)}`);
        },
      },
    ],
  });
  instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
    latencies.push(ms);
    statuses[status] = (statuses[status] ?? 0) + 1;
  });
  const result = await instance;
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.max(0, Math.ceil((p / 100) * latencies.length) - 1)] ?? Number.NaN;
  return {
    requests: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    max: latencies.at(-1) ?? Number.NaN,
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
    failures,
  };
}

export const LIST_PATH = "/api/approvals?order=priority";
export const FILTERED_PATH = "/api/approvals?order=priority&ruleId=approval.large_balance";

export interface DriveOptions {
  url: string;
  key: string;
  /** Pending actions to approve, each once: a few warm the server up, the rest are the measured load. */
  approve: string[];
  rate: number;
  seconds: number;
  connections: number;
  /** Approvals sent one at a time before the load (default WARM_UP_APPROVALS). */
  warmUpApprovals?: number;
  log?: (line: string) => void;
}

export interface DriveResult {
  list: LoadResult;
  filtered: LoadResult;
  approve: LoadResult;
  /** Every action an approve request was sent for (warm-up included). */
  approveSent: string[];
  afterLists?: { rssMiB: number; peakMiB?: number };
  /** Median milliseconds of requests sent one at a time (no queueing), before each load. */
  oneAtATime: { list: number; filtered: number; approve: number };
}

export const WARM_UP_APPROVALS = 10;

/** The queue's first page, a filtered page, then approve on distinct actions, at `rate` requests/s. */
export async function driveApi(
  o: DriveOptions,
  memory?: () => { rssMiB: number; peakMiB?: number } | undefined,
): Promise<DriveResult> {
  const auth = { authorization: `Bearer ${o.key}` };
  // One request at a time first: warms the server up, and is the latency without any queueing.
  const timed = async (path: string, init: RequestInit = {}): Promise<number> => {
    const started = performance.now();
    const response = await fetch(`${o.url}${path}`, { ...init, headers: { ...auth, ...init.headers } });
    const text = await response.text();
    if (response.status !== 200)
      throw new Error(`${init.method ?? "GET"} ${path}: ${response.status} ${text}`);
    return performance.now() - started;
  };
  const sequential = { list: [] as number[], filtered: [] as number[], approve: [] as number[] };
  for (let i = 0; i < 40; i++) {
    const list = await timed(LIST_PATH);
    const filtered = await timed(FILTERED_PATH);
    if (i >= 10) {
      sequential.list.push(list);
      sequential.filtered.push(filtered);
    }
  }
  const common = { url: o.url, key: o.key, rate: o.rate, connections: o.connections };
  o.log?.(`  GET ${LIST_PATH} at ${o.rate}/s for ${o.seconds} s`);
  const list = await runLoad({ ...common, duration: o.seconds, request: { method: "GET", path: LIST_PATH } });
  o.log?.(`  GET ${FILTERED_PATH} at ${o.rate}/s for ${o.seconds} s`);
  const filtered = await runLoad({
    ...common,
    duration: o.seconds,
    request: { method: "GET", path: FILTERED_PATH },
  });
  const afterLists = memory?.();

  const warmUp = o.approve.slice(
    0,
    Math.min(o.warmUpApprovals ?? WARM_UP_APPROVALS, Math.floor(o.approve.length / 4)),
  );
  const measured = o.approve.slice(warmUp.length);
  const body = JSON.stringify({ note: "bench: approved under load" });
  for (const id of warmUp) {
    sequential.approve.push(
      await timed(`/api/approvals/${id}/approve`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      }),
    );
  }
  const sent: string[] = [...warmUp];
  let next = 0;
  o.log?.(`  POST /api/approvals/:id/approve on ${measured.length} pending actions at ${o.rate}/s`);
  const approve = await runLoad({
    ...common,
    amount: measured.length,
    request: {
      method: "POST",
      body,
      nextPath: () => {
        // More requests than actions would be a bench bug; an id no action has makes it a visible 404.
        const id = measured[next++] ?? "00000000-0000-4000-8000-000000000000";
        sent.push(id);
        return `/api/approvals/${id}/approve`;
      },
    },
  });
  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  return {
    list,
    filtered,
    approve,
    approveSent: sent,
    oneAtATime: {
      list: median(sequential.list),
      filtered: median(sequential.filtered),
      approve: median(sequential.approve),
    },
    ...(afterLists ? { afterLists } : {}),
  };
}

/** Pending actions to approve: `count` of the queue, spread over it, none close to expiring. */
export function pickApprovals(
  queue: SeedSummary["queue"],
  count: number,
  seed: number,
  now = new Date(),
): string[] {
  const rng = streamFor(seed, 2, 0x0a91);
  const safe = queue.filter((q) => Date.parse(q.expiresAt) > now.getTime() + 2 * HOUR_MS);
  return rng.shuffle(safe.map((q) => q.id)).slice(0, count);
}

export interface ApprovalCheck {
  /** Of the actions approve was sent for: how many are executed, decided by the bench's key. */
  executed: number;
  stillPending: number;
  /** Actions decided by the key that approve was not sent for (must be 0). */
  others: number;
  auditOk: boolean;
  auditEntries: number;
}

export async function checkApprovals(db: Db, decidedBy: string, ids: string[]): Promise<ApprovalCheck> {
  const unique = [...new Set(ids)];
  const [sent] = await db
    .select({
      executed: sql<number>`count(*) filter (where ${actions.status} = 'executed' and ${actions.decidedBy} = ${decidedBy})::int`,
      stillPending: sql<number>`count(*) filter (where ${actions.status} = 'pending')::int`,
    })
    .from(actions)
    .where(inArray(actions.id, unique));
  const [others] = await db
    .select({ decided: sql<number>`count(*)::int` })
    .from(actions)
    .where(and(eq(actions.decidedBy, decidedBy), notInArray(actions.id, unique)));
  const audit = await verifyAudit(db);
  return {
    executed: Number(sent?.executed ?? 0),
    stillPending: Number(sent?.stillPending ?? 0),
    others: Number(others?.decided ?? 0),
    auditOk: audit.ok,
    auditEntries: audit.entries,
  };
}

// ---------------------------------------------------------------------------------------------------
// The benchmark

/** The whole API bench on one database: the embedded one in `dataDir`, or the PostgreSQL at `url`. */
export async function benchApi(
  label: string,
  target: { dataDir: string } | { url: string },
  options: ApiBenchOptions,
): Promise<Measurement[]> {
  const log = options.log ?? (() => {});
  log(`API bench (${label}): seeding ${options.customers} customers and ${options.actions} actions`);
  const seeding = await openDatabase("url" in target ? { url: target.url } : { dataDir: target.dataDir });
  let seeded: SeedSummary;
  let secret: string;
  let decidedBy: string;
  try {
    seeded = await seedActions(seeding.db, {
      actions: options.actions,
      customers: options.customers,
      pending: options.pending,
      seed: options.seed,
    });
    const created = await createApiKey(seeding.db, { name: "bench", role: "collector" }, "cli:bench");
    secret = created.secret;
    decidedBy = callerLabel(apiCaller(created.key));
  } finally {
    // The embedded database is closed here, so the server is the process that opens it.
    await seeding.close();
  }
  const approve = pickApprovals(seeded.queue, options.approvals + WARM_UP_APPROVALS, options.seed);
  log(`API bench (${label}): starting arc serve`);
  const server = await startApiServer(serverEnv(target));
  let drive: DriveResult;
  let check: ApprovalCheck;
  let memory: ReturnType<BenchServer["memory"]>;
  try {
    drive = await driveApi(
      {
        url: server.url,
        key: secret,
        approve,
        rate: options.rate,
        seconds: options.seconds,
        connections: options.connections,
        log,
      },
      server.memory,
    );
    memory = server.memory();
    log(`API bench (${label}): checking the database and the audit log`);
    // The embedded database joins the server's (server.json); PostgreSQL is connected to anew.
    const checking = await openDatabase(
      "url" in target
        ? { url: target.url, migrate: false, maxConnections: 1 }
        : { dataDir: target.dataDir, migrate: false },
    );
    try {
      check = await checkApprovals(checking.db, decidedBy, drive.approveSent);
    } finally {
      await checking.close();
    }
  } finally {
    await server.stop();
  }

  const statusText = Object.entries(seeded.byStatus)
    .sort((a, b) => b[1] - a[1])
    .map(([status, n]) => `${n} ${status}`)
    .join(", ");
  const shape = `${options.rate} req/s, ${Math.min(options.connections, options.rate)} connections`;
  const out: Measurement[] = [
    {
      database: label,
      metric: `API bench ledger: ${seeded.customers} customers, ${seeded.invoices} invoices, ${seeded.actions} actions (${statusText}; ${seeded.queue.length} in the approval queue), ${seeded.auditEntries} audit entries`,
      value: `seeded in ${((seeded.demoMs + seeded.actionsMs) / 1000).toFixed(1)} s (demo ${(seeded.demoMs / 1000).toFixed(1)} s, actions and audit log ${(seeded.actionsMs / 1000).toFixed(1)} s)`,
    },
    {
      database: label,
      metric: `API GET ${LIST_PATH} (first page: 50 of ${seeded.queue.length}), ${shape}, ${options.seconds} s`,
      value: describeLoad(drive.list, drive.oneAtATime.list),
    },
    {
      database: label,
      metric: `API GET ${FILTERED_PATH}, ${shape}, ${options.seconds} s`,
      value: describeLoad(drive.filtered, drive.oneAtATime.filtered),
    },
    {
      database: label,
      metric: `API POST /api/approvals/:id/approve, ${drive.approve.requests} distinct pending actions, ${shape}`,
      value: `${describeLoad(drive.approve, drive.oneAtATime.approve)}; in the database ${check.executed} of the ${drive.approveSent.length} sent are executed, ${check.stillPending} still pending, ${check.others} others decided; audit log ${check.auditOk ? "verifies" : "DOES NOT VERIFY"} (${check.auditEntries} entries)`,
    },
  ];
  if (memory) {
    out.push({
      database: label,
      metric: `API arc serve process memory${label === "embedded" ? " (the embedded database runs inside it)" : ""}`,
      value: `RSS ${mib(drive.afterLists?.rssMiB)} after the list loads, ${mib(memory.rssMiB)} after approve${memory.peakMiB ? `, peak ${mib(memory.peakMiB)}` : ""}`,
    });
  }
  return out;
}

function mib(value: number | undefined): string {
  return value === undefined ? "?" : `${Math.round(value)} MiB`;
}

function describeLoad(r: LoadResult, oneAtATime: number): string {
  const ms = (v: number) => `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`;
  const non2xx = Object.entries(r.statuses).filter(([status]) => !status.startsWith("2"));
  const non2xxText =
    non2xx.length === 0
      ? "0 non-2xx"
      : `${non2xx.reduce((s, [, n]) => s + n, 0)} non-2xx (${non2xx.map(([s, n]) => `${n}× ${s}`).join(", ")}; first: ${r.failures[0] ?? "?"})`;
  return `p50 ${ms(r.p50)}, p90 ${ms(r.p90)}, p99 ${ms(r.p99)}, max ${ms(r.max)}; ${r.perSecond.toFixed(0)} req/s achieved (${r.requests} responses in ${r.seconds.toFixed(1)} s), ${non2xxText}, ${r.errors} errors, ${r.timeouts} timeouts; one at a time: p50 ${ms(oneAtATime)}`;
}

/** A scratch database on the PostgreSQL server at `serverUrl`, dropped after `work`. */
export async function withScratchDatabase<T>(
  serverUrl: string,
  prefix: string,
  work: (url: string) => Promise<T>,
): Promise<T> {
  const name = `${prefix}_${Date.now()}`;
  const admin = createClient(serverUrl, 1);
  await admin.unsafe(`create database ${name}`);
  try {
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return await work(url.toString());
  } finally {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}
