// The ARC arm: every simulated night, each account with something open gets an AccountSnapshot built
// from the simulation state, ARC's collection agent (decideCollection) plans tool calls, the supervisor's
// scheduling puts messages at 09:00 local, the tools' own `propose` turns each call into a
// ProposedAction, and ARC's policy engine judges it on Facts built the way tools/facts.ts builds them.
// allow → executed; needs_approval → a collector approves it by the next night's run; deny → not done.
// Queued email and SMS are judged again when they go out, as the outbox's dispatcher does. The
// simulator only plays the customers, the collectors and the clock; every decision is ARC's code.
import { decideCollection } from "../../agents/collection/decide.ts";
import { AGENT_CALLER, runSendTime } from "../../agents/supervisor.ts";
import type { Tx } from "../../db/connection.ts";
import {
  type Channel,
  contacts,
  type customers,
  invoices,
  paymentPlans,
  promisesToPay,
} from "../../db/schema.ts";
import type { DunningTone, PolicyDocument } from "../../policies/document.ts";
import { evaluate } from "../../policies/index.ts";
import { localClock } from "../../policies/rules/helpers.ts";
import type { Facts, Reason, Verdict } from "../../policies/types.ts";
import type { Proposal, WriteTool } from "../../tools/define.ts";
import { ToolInputError } from "../../tools/errors.ts";
import { contactFacts, customerFacts } from "../../tools/facts.ts";
import { DISPATCH_CALLER, MAX_HOLD_DAYS } from "../../tools/outbox/dispatch.ts";
import type {
  AccountSnapshot,
  PlannedCall,
  SnapshotCommunication,
  SnapshotDispute,
  SnapshotOpenInvoice,
  SnapshotPaidInvoice,
  SnapshotPaymentPlan,
  SnapshotPromise,
} from "../../tools/read/account-snapshot-types.ts";
import { WRITE_TOOLS } from "../../tools/registry.ts";
import { nextLocalTime } from "../../tools/schedule.ts";
import { sendMessage } from "../../tools/write/send-message.ts";
import { type ArcPolicyStats, type ArmRun, type DeliveryRecord, increment } from "./arm.ts";
import {
  COLLECTOR_CALL_LOCAL_HOUR,
  CURRENCY,
  LETTER_POST_DAYS,
  PERSON_FLAG_DELAY_DAYS,
} from "./assumptions.ts";
import { EventQueue, SimClock } from "./clock.ts";
import { CustomerBook, type CustomerPromise, DAY_MS, type PlanOffer, simId } from "./customer.ts";
import { memoryTx, type Row } from "./memory-tx.ts";
import type { Portfolio } from "./portfolio.ts";

type CustomerRow = typeof customers.$inferSelect;
type ContactRow = typeof contacts.$inferSelect;

interface ArcCommunication extends SnapshotCommunication {
  contactId: string | null;
  atMs: number;
}
interface ArcPromise extends SnapshotPromise {
  resolvedAt: string | null;
}
interface ArcPlan extends SnapshotPaymentPlan {
  updatedAt: string;
}

/** Rules that mean "not now" to the outbox (tools/outbox/dispatch.ts TIMING_RULES, not exported). */
const TIMING_RULES = new Set([
  "contact.local_time",
  "contact.min_gap",
  "contact.frequency",
  "contact.quiet_after_conversation",
  "contact.jurisdiction",
]);

const TOOLS = new Map<string, WriteTool>(
  WRITE_TOOLS.map((tool) => [tool.name, tool as unknown as WriteTool]),
);
const ID_KIND = { communication: 10, promise: 11, plan: 12, payment: 13 } as const;
const iso = (ms: number | Date | null): string | null =>
  ms === null ? null : (typeof ms === "number" ? new Date(ms) : ms).toISOString();

/** One customer as ARC's ledger knows it: rows, dunning levels, disputes, promises, plans, messages. */
class ArcAccount {
  readonly customerRow: CustomerRow;
  readonly contactRow: ContactRow;
  readonly levels = new Map<string, { level: number; at: Date | null }>();
  readonly disputes: SnapshotDispute[] = [];
  readonly promises: ArcPromise[] = [];
  readonly plans: ArcPlan[] = [];
  readonly comms: ArcCommunication[] = [];
  readonly payments: AccountSnapshot["recentPayments"] = [];
  /** Calls waiting for a collector's approval. */
  /** Held for a collector; `waitsFor` calls wait for those keys' approval (the supervisor's dependsOn). */
  pending: { call: PlannedCall; reasons: Reason[]; waitsFor?: string[] }[] = [];
  /** Plan offers the customer answered today (recorded on the plan at the end of the day). */
  planAnswers: { plan: ArcPlan; accepted: boolean }[] = [];
  /** The simulation day the ledger is at (invoices issued after it are not in the ledger yet). */
  today = 0;
  readonly tx: Tx;
  private sequence = 0;

  constructor(
    readonly book: CustomerBook,
    private readonly clock: SimClock,
    private readonly policy: PolicyDocument,
  ) {
    const c = book.customer;
    const since = new Date(clock.dayStartMs(-400));
    this.customerRow = {
      id: c.id,
      externalRef: c.externalRef,
      name: `Customer ${c.externalRef}`,
      isConsumer: c.isConsumer,
      segment: null,
      timezone: c.timezone,
      country: c.country,
      region: c.region,
      currency: CURRENCY,
      paymentTermsDays: c.termsDays,
      creditLimitMinor: null,
      owner: "collector",
      strategic: c.strategic,
      automationEnabled: c.automationEnabled,
      doNotContactAt: null,
      ceaseCommunicationAt: null,
      bankruptcyFiledAt: null,
      legalHoldAt: null,
      attorneyRepresentedAt: null,
      legalEscalatedAt: null,
      creditHoldAt: null,
      riskScore: null,
      riskScoredAt: null,
      bankAccounts: [],
      outreachPausedUntil: null,
      outreachPauseReason: null,
      createdAt: since,
      updatedAt: since,
    };
    const k = c.contact;
    this.contactRow = {
      id: k.id,
      customerId: c.id,
      externalRef: null,
      name: "Accounts payable",
      email: k.email,
      phone: k.phone,
      role: null,
      isPrimary: true,
      preferredChannel: k.preferredChannel,
      language: "en",
      emailOptedOutAt: null,
      smsConsentAt: k.smsConsent ? since : null,
      smsOptedOutAt: null,
      callConsentAt: k.callConsent ? since : null,
      callOptedOutAt: null,
      letterOptedOutAt: null,
      createdAt: since,
      updatedAt: since,
    };
    this.tx = memoryTx((table) => {
      if (table === invoices) return this.invoiceRows();
      if (table === promisesToPay) return this.promises.map((p) => ({ ...p, customerId: c.id }) as Row);
      if (table === paymentPlans) return this.plans.map((p) => ({ ...p, customerId: c.id }) as Row);
      if (table === contacts) return [this.contactRow as unknown as Row];
      return undefined;
    });
  }

  nextId(kind: number): string {
    return simId(this.book.customer.index, kind, this.sequence++);
  }

  /** Something for the collection agent to look at: an open invoice, an open promise or a live plan. */
  hasWork(day: number): boolean {
    return (
      this.book.customer.invoices.some((i) => this.book.isOpen(i, day)) ||
      this.promises.some((p) => p.status === "open") ||
      this.plans.some((p) => p.status === "active")
    );
  }

  disputed(invoiceId: string): boolean {
    return this.disputes.some(
      (d) => d.invoiceId === invoiceId && (d.status === "open" || d.status === "investigating"),
    );
  }

  /** Stop flags on the customer row: what the policy and a collector looking at the account know. */
  knownStops(): string[] {
    const r = this.customerRow;
    const stops: string[] = [];
    if (r.bankruptcyFiledAt) stops.push("bankruptcy");
    if (r.ceaseCommunicationAt) stops.push("cease_communication");
    if (r.doNotContactAt) stops.push("do_not_contact");
    if (r.legalHoldAt) stops.push("legal_hold");
    if (r.legalEscalatedAt) stops.push("legal_escalated");
    return stops;
  }

  private invoiceRows(): Row[] {
    const c = this.book.customer;
    return c.invoices
      .filter((i) => i.issueDay <= this.today)
      .map((i) => ({
        id: i.id,
        customerId: c.id,
        externalRef: i.externalRef,
        currency: CURRENCY,
        amountMinor: i.amountMinor,
        balanceMinor: this.book.balance(i.id),
        issueDate: i.issueDate,
        dueDate: i.dueDate,
        dunningLevel: this.levels.get(i.id)?.level ?? 0,
      }));
  }

  /** The account_snapshot read tool's answer, from the simulation state (same filters and order). */
  snapshot(day: number, runAt: number): AccountSnapshot {
    const c = this.book.customer;
    const r = this.customerRow;
    const asOf = this.clock.date(day);
    const since = (days: number) => this.clock.dayStartMs(day) - days * DAY_MS;
    const openInvoices: SnapshotOpenInvoice[] = [];
    const paidInvoices: SnapshotPaidInvoice[] = [...c.history];
    for (const i of c.invoices) {
      if (i.issueDay > day) continue;
      const balance = this.book.balance(i.id);
      const level = this.levels.get(i.id);
      if (balance > 0) {
        openInvoices.push({
          id: i.id,
          externalRef: i.externalRef,
          currency: CURRENCY,
          amountMinor: i.amountMinor,
          balanceMinor: balance,
          issueDate: i.issueDate,
          dueDate: i.dueDate,
          dunningLevel: level?.level ?? 0,
          lastDunnedAt: iso(level?.at ?? null),
          disputed: this.disputed(i.id),
          earlyDiscount: null,
        });
      } else {
        const paidDay = this.book.paidDay.get(i.id);
        if (paidDay === undefined) continue; // settled by a credit note: no payment date
        paidInvoices.push({
          id: i.id,
          externalRef: i.externalRef,
          currency: CURRENCY,
          amountMinor: i.amountMinor,
          issueDate: i.issueDate,
          dueDate: i.dueDate,
          paidOn: this.clock.date(paidDay),
          daysLate: paidDay - i.dueDay,
        });
      }
    }
    const byDue = (
      a: { dueDate: string; externalRef: string },
      b: { dueDate: string; externalRef: string },
    ) => (a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : a.externalRef < b.externalRef ? -1 : 1);
    openInvoices.sort(byDue);
    paidInvoices.sort(byDue);
    const after = (value: string | null, ms: number) => value !== null && Date.parse(value) >= ms;
    return {
      asOf,
      now: new Date(runAt).toISOString(),
      customer: {
        id: r.id,
        externalRef: r.externalRef,
        name: r.name,
        isConsumer: r.isConsumer,
        segment: null,
        timezone: r.timezone,
        country: r.country,
        region: r.region,
        currency: r.currency,
        paymentTermsDays: r.paymentTermsDays,
        creditLimitMinor: r.creditLimitMinor,
        owner: r.owner,
        strategic: r.strategic,
        automationEnabled: r.automationEnabled,
        doNotContactAt: iso(r.doNotContactAt),
        ceaseCommunicationAt: iso(r.ceaseCommunicationAt),
        bankruptcyFiledAt: iso(r.bankruptcyFiledAt),
        legalHoldAt: iso(r.legalHoldAt),
        attorneyRepresentedAt: iso(r.attorneyRepresentedAt),
        legalEscalatedAt: iso(r.legalEscalatedAt),
        creditHoldAt: iso(r.creditHoldAt),
        outreachPausedUntil: r.outreachPausedUntil,
        outreachPauseReason: r.outreachPauseReason,
        bankAccounts: r.bankAccounts,
      },
      contacts: [
        {
          id: this.contactRow.id,
          name: this.contactRow.name,
          email: this.contactRow.email,
          phone: this.contactRow.phone,
          role: this.contactRow.role,
          isPrimary: this.contactRow.isPrimary,
          preferredChannel: this.contactRow.preferredChannel as Channel,
          language: this.contactRow.language,
          emailOptedOutAt: iso(this.contactRow.emailOptedOutAt),
          smsConsentAt: iso(this.contactRow.smsConsentAt),
          smsOptedOutAt: iso(this.contactRow.smsOptedOutAt),
          callConsentAt: iso(this.contactRow.callConsentAt),
          callOptedOutAt: iso(this.contactRow.callOptedOutAt),
          letterOptedOutAt: iso(this.contactRow.letterOptedOutAt),
        },
      ],
      openInvoices,
      paidInvoices,
      disputes: this.disputes.filter(
        (d) => d.status === "open" || d.status === "investigating" || after(d.resolvedAt, since(90)),
      ),
      promises: this.promises
        .filter((p) => p.status === "open" || after(p.resolvedAt, since(180)))
        .map(({ resolvedAt: _resolved, ...p }) => p),
      paymentPlans: this.plans
        .filter((p) => p.status === "proposed" || p.status === "active" || after(p.updatedAt, since(180)))
        .map(({ updatedAt: _updated, ...p }) => p),
      communications: this.comms
        .filter((m) => m.atMs >= since(90))
        .sort((a, b) => b.atMs - a.atMs || (a.id < b.id ? 1 : -1))
        .map(({ contactId: _contact, atMs: _at, ...m }) => m),
      unappliedPayments: [],
      candidatePayments: [],
      recentPayments: this.payments,
    };
  }

  /** What tools/facts.ts loadFacts reads for a proposal, from the simulation state. */
  facts(proposal: Proposal, atMs: number, excludeCommunicationId?: string): Facts {
    let contact: Facts["contact"];
    if (proposal.contactId) {
      if (proposal.contactId !== this.contactRow.id)
        throw new ToolInputError("contactId", `no contact ${proposal.contactId} for this customer`);
      contact = contactFacts(this.contactRow);
    }
    const ids = [...new Set([...(proposal.invoiceIds ?? []), ...(proposal.outreach?.invoiceIds ?? [])])];
    const invoiceFacts = ids.map((id, index) => {
      const invoice = this.book.invoiceById.get(id);
      if (!invoice || invoice.issueDay > this.today)
        throw new ToolInputError(`invoiceIds.${index}`, `no invoice ${id}`);
      return {
        id,
        externalRef: invoice.externalRef,
        currency: CURRENCY,
        amountMinor: invoice.amountMinor,
        balanceMinor: this.book.balance(id),
        issueDate: invoice.issueDate,
        dueDate: invoice.dueDate,
        disputed: this.disputed(id),
      };
    });
    const since = atMs - this.policy.contact.lookbackDays * DAY_MS;
    return {
      now: new Date(atMs).toISOString(),
      customer: customerFacts(this.customerRow),
      ...(contact ? { contact } : {}),
      invoices: invoiceFacts,
      recentCommunications: (proposal.kind === "outreach" ? this.comms : [])
        .filter((m) => m.atMs >= since && m.id !== excludeCommunicationId)
        .map((m) => ({
          channel: m.channel,
          direction: m.direction,
          status: m.status,
          occurredAt: m.occurredAt,
          isConversation: m.isConversation,
          contactId: m.contactId,
        })),
    };
  }

  addCommunication(
    fields: Pick<ArcCommunication, "channel" | "status" | "subject" | "body" | "invoiceIds" | "contactId"> & {
      atMs: number;
    },
  ): ArcCommunication {
    const comm: ArcCommunication = {
      id: this.nextId(ID_KIND.communication),
      direction: "outbound",
      isConversation: false,
      occurredAt: new Date(fields.atMs).toISOString(),
      ...fields,
    };
    this.comms.push(comm);
    return comm;
  }

  /** tools/ledger.ts recordDunningLevel: the level reached on each invoice, never lowered. */
  recordDunningLevel(invoiceIds: readonly string[], level: number, at: number): void {
    for (const id of invoiceIds) {
      const before = this.levels.get(id)?.level ?? 0;
      this.levels.set(id, { level: Math.max(before, level), at: new Date(at) });
    }
  }

  /** A promise the customer made in a reply or on a call, recorded as ARC records one. */
  recordPromise(promise: CustomerPromise, source: "customer" | "collector"): void {
    this.promises.push({
      id: this.nextId(ID_KIND.promise),
      invoiceIds: promise.invoiceIds,
      currency: CURRENCY,
      amountMinor: promise.amountMinor,
      promisedDate: this.clock.date(promise.promisedDay),
      status: "open",
      source,
      createdAt: new Date(promise.madeAt).toISOString(),
      resolvedAt: null,
    });
  }

  /** An opt-out on the channel the customer asked on (ARC's reply handling revokes that channel). */
  revokeChannel(channel: Channel, atMs: number): void {
    const at = new Date(atMs);
    if (channel === "email") this.contactRow.emailOptedOutAt ??= at;
    else if (channel === "sms") this.contactRow.smsOptedOutAt ??= at;
    else if (channel === "call") this.contactRow.callOptedOutAt ??= at;
    // A request on paper is read by a person: it reaches the account with the cease flag, later.
  }
}

type Outbound =
  /** Email or SMS in the outbox, judged again when it goes out. */
  | { kind: "outbox"; account: ArcAccount; comm: ArcCommunication; tone: DunningTone }
  /** A scripted call (send_message on the call channel), placed at its scheduled time. */
  | { kind: "dial"; account: ArcAccount; comm: ArcCommunication; tone: DunningTone }
  /** A call task, made by a collector on its due day. */
  | { kind: "collector_call"; account: ArcAccount; invoiceIds: string[]; tone: DunningTone }
  | {
      kind: "letter_arrives";
      account: ArcAccount;
      comm: ArcCommunication;
      tone: DunningTone;
      postedAt: number;
      knownStops: string[];
    };

type Judged =
  | { kind: "invalid"; error: string }
  | { kind: "judged"; input: Record<string, unknown>; verdict: Verdict };

class ArcArm {
  readonly deliveries: DeliveryRecord[] = [];
  readonly openMinorByDay: number[] = [];
  readonly stats: ArcPolicyStats = {
    judged: 0,
    allowed: 0,
    approvals: 0,
    approvalsByRule: {},
    denied: 0,
    deniedByRule: {},
    blockedAtApproval: 0,
    cancelledAtDispatch: 0,
    cancelledByRule: {},
    heldAtDispatch: 0,
    invalid: 0,
    examples: [],
    executedByTool: {},
  };
  legalReferrals = 0;
  private readonly queue = new EventQueue<Outbound>();
  private readonly sendAtCache = new Map<string, string>();

  constructor(
    readonly accounts: ArcAccount[],
    private readonly clock: SimClock,
    private readonly policy: PolicyDocument,
  ) {}

  /** The night's run: every account with something open, through ARC's collection agent. */
  async run(day: number, runAt: number): Promise<void> {
    for (const account of this.accounts) {
      account.today = day;
      if (!account.hasWork(day)) continue;
      const decision = decideCollection(account.snapshot(day, runAt), this.policy);
      const executed = new Set<string>();
      for (const planned of decision.calls) {
        // As the supervisor: a proposal from an earlier run still waiting for a collector is not queued twice.
        if (account.pending.some((p) => p.call.key === planned.key)) continue;
        // dependsOn, as the supervisor honours it: a call waits for its dependencies; one held for
        // a collector takes the dependent with it, one refused drops it until the next run.
        const waitsFor = (planned.dependsOn ?? []).filter((key) => !executed.has(key));
        if (waitsFor.length > 0) {
          if (waitsFor.every((key) => account.pending.some((p) => p.call.key === key)))
            account.pending.push({ call: this.scheduled(planned, account, runAt), reasons: [], waitsFor });
          continue;
        }
        const call = this.scheduled(planned, account, runAt);
        const judged = await this.judge(account, call, runAt);
        if (judged.kind === "invalid") {
          this.stats.invalid += 1;
          this.example(day, account, `invalid ${call.tool}: ${judged.error}`);
          continue;
        }
        this.stats.judged += 1;
        const { verdict } = judged;
        if (verdict.verdict === "allow") {
          this.stats.allowed += 1;
          this.execute(account, call.tool, judged.input, day, runAt);
          executed.add(call.key);
        } else if (verdict.verdict === "needs_approval") {
          this.stats.approvals += 1;
          for (const reason of verdict.reasons) increment(this.stats.approvalsByRule, reason.ruleId);
          account.pending.push({ call, reasons: verdict.reasons });
        } else {
          this.stats.denied += 1;
          for (const reason of verdict.reasons)
            if (reason.verdict === "deny") increment(this.stats.deniedByRule, reason.ruleId);
          this.example(day, account, `denied ${call.tool} (${call.key}): ${describe(verdict.reasons)}`);
        }
      }
    }
  }

  /**
   * Yesterday's held calls: a collector approves each by this run; ARC executes it as the runner's
   * decide() does (proposed again, judged with the approved rules waived). A message keeps the run's
   * send time, moved to the next 09:00 local (an assumption: see README).
   */
  async decideApprovals(day: number, now: number): Promise<void> {
    for (const account of this.accounts) {
      if (account.pending.length === 0) continue;
      account.today = day;
      const pending = account.pending;
      account.pending = [];
      const approved = new Set<string>();
      for (const { call, reasons, waitsFor } of pending) {
        if (waitsFor?.some((key) => !approved.has(key))) continue; // its dependency did not go out
        const rescheduled =
          call.tool === "send_message" && call.input.channel !== "letter"
            ? {
                ...call,
                input: {
                  ...call.input,
                  scheduledFor: this.sendAt(account, now),
                },
              }
            : call;
        const approvedRuleIds = reasons.filter((r) => r.verdict === "needs_approval").map((r) => r.ruleId);
        const judged = await this.judge(account, rescheduled, now, approvedRuleIds);
        // A dependent call (no reasons of its own) is judged as a fresh call once its dependency is out.
        if (judged.kind === "judged" && judged.verdict.verdict === "allow") {
          this.execute(account, call.tool, judged.input, day, now);
          approved.add(call.key);
        } else if (waitsFor && judged.kind === "judged" && judged.verdict.verdict === "needs_approval") {
          this.stats.approvals += 1;
          account.pending.push({ call, reasons: judged.verdict.reasons });
        } else {
          this.stats.blockedAtApproval += 1;
          this.example(
            day,
            account,
            `blocked at approval ${call.tool} (${call.key}): ${judged.kind === "invalid" ? judged.error : describe(judged.verdict.reasons)}`,
          );
        }
      }
    }
  }

  /** Bankruptcy notices and cease requests reach the account when a person records them. */
  recordPersonFlags(day: number): void {
    for (const account of this.accounts) {
      const row = account.customerRow;
      const { cease, customer } = account.book;
      if (cease && !row.ceaseCommunicationAt && day >= cease.day + PERSON_FLAG_DELAY_DAYS)
        row.ceaseCommunicationAt = new Date(cease.at);
      const filed = customer.bankruptcyDay;
      if (filed !== null && !row.bankruptcyFiledAt && day >= filed + PERSON_FLAG_DELAY_DAYS)
        row.bankruptcyFiledAt = new Date(this.clock.dayStartMs(filed));
    }
  }

  /** Everything due to go out before `until`, in time order. */
  async deliverBefore(until: number): Promise<void> {
    for (let next = this.queue.popBefore(until); next; next = this.queue.popBefore(until)) {
      const { at, item } = next;
      const { account } = item;
      switch (item.kind) {
        case "outbox": {
          const recheck = await this.recheck(account, item.comm, at);
          if (recheck.kind === "send") {
            item.comm.status = "sent";
            this.deliver(account, item.comm.channel, at, at, item.tone, item.comm.invoiceIds, item.comm);
          } else if (recheck.kind === "hold") {
            item.comm.status = "held";
            this.stats.heldAtDispatch += 1;
            this.queue.push(recheck.until, item);
          } else {
            item.comm.status = "cancelled";
            this.stats.cancelledAtDispatch += 1;
            for (const rule of recheck.rules) increment(this.stats.cancelledByRule, rule);
            this.example(this.clock.dayOfMs(at), account, `cancelled at dispatch: ${recheck.why}`);
          }
          break;
        }
        case "dial":
          if (this.collectorWouldSkip(account, item.comm.invoiceIds)) item.comm.status = "cancelled";
          else {
            item.comm.status = "sent";
            this.deliver(account, "call", at, at, item.tone, item.comm.invoiceIds, item.comm);
          }
          break;
        case "collector_call":
          if (this.collectorWouldSkip(account, item.invoiceIds)) break;
          this.deliver(
            account,
            "call",
            at,
            at,
            item.tone,
            item.invoiceIds,
            account.addCommunication({
              channel: "call",
              status: "sent",
              subject: null,
              body: "Call by the account's collector (call task).",
              invoiceIds: item.invoiceIds,
              contactId: account.contactRow.id,
              atMs: at,
            }),
          );
          break;
        case "letter_arrives":
          this.deliver(
            account,
            "letter",
            item.postedAt,
            at,
            item.tone,
            item.comm.invoiceIds,
            null,
            item.knownStops,
          );
          break;
      }
    }
  }

  /** The customer's day, and what ARC learns of it by the next run (cash applied, disputes, answers). */
  endOfDay(day: number): void {
    const endMs = this.clock.dayStartMs(day + 1) - 1;
    let open = 0;
    for (const account of this.accounts) {
      const events = account.book.endOfDay(day, endMs);
      const at = new Date(endMs).toISOString();
      if (events.payment) {
        const amount = events.payment.appliedTo.reduce((t, a) => t + a.amountMinor, 0);
        account.payments.push({
          id: events.payment.id,
          externalRef: `PAY-${events.payment.id.slice(-6)}`,
          customerId: account.customerRow.id,
          payerName: account.customerRow.name,
          payerAccount: null,
          currency: CURRENCY,
          amountMinor: amount,
          unappliedMinor: 0,
          receivedOn: this.clock.date(day),
          remittanceText: null,
          chargesMinor: null,
          original: null,
          identification: null,
          appliedTo: events.payment.appliedTo,
        });
      }
      for (const invoice of events.disputesRaised) {
        const dispute = invoice.dispute!;
        account.disputes.push({
          id: dispute.id,
          invoiceId: invoice.id,
          category: dispute.category,
          status: "open",
          description: "The customer disputes this invoice.",
          currency: CURRENCY,
          amountMinor: account.book.balance(invoice.id),
          owner: null,
          openedAt: at,
          slaDueAt: null,
          resolvedAt: null,
        });
      }
      for (const invoice of events.disputesResolved) {
        const recorded = account.disputes.find((d) => d.invoiceId === invoice.id && d.resolvedAt === null);
        if (!recorded) continue;
        recorded.status = invoice.dispute!.outcome === "credited" ? "resolved" : "rejected";
        recorded.resolvedAt = at;
      }
      if (events.spontaneousCease) account.revokeChannel("email", endMs);
      for (const { plan, accepted } of account.planAnswers) {
        plan.status = accepted ? "active" : "cancelled";
        plan.updatedAt = at;
      }
      account.planAnswers = [];
      open += account.book.openMinor(day);
    }
    this.openMinorByDay.push(open);
  }

  /** The supervisor's schedule(): messages (not letters) go out at the run's send time in the customer's zone. */
  private scheduled(call: PlannedCall, account: ArcAccount, now: number): PlannedCall {
    if (call.tool !== "send_message" || call.input.scheduledFor || call.input.channel === "letter")
      return call;
    return { ...call, input: { ...call.input, scheduledFor: this.sendAt(account, now) } };
  }

  /** The supervisor's runSendTime in the customer's zone; memoised per zone and instant (it is pure and slow). */
  private sendAt(account: ArcAccount, now: number): string {
    const zone = account.customerRow.timezone;
    const key = `${zone}|${now}`;
    let at = this.sendAtCache.get(key);
    if (at === undefined) {
      at = runSendTime(new Date(now), zone, this.policy).toISOString();
      this.sendAtCache.set(key, at);
    }
    return at;
  }

  /** The runner's judgement: validate, propose with the tool's own builder, load facts, evaluate. */
  private async judge(
    account: ArcAccount,
    call: PlannedCall,
    now: number,
    approvedRuleIds?: string[],
  ): Promise<Judged> {
    const tool = TOOLS.get(call.tool);
    if (!tool) return { kind: "invalid", error: `no write tool ${call.tool}` };
    const parsed = tool.input.safeParse(call.input);
    if (!parsed.success)
      return { kind: "invalid", error: parsed.error.issues.map((i) => i.message).join("; ") };
    let proposal: Proposal;
    let facts: Facts;
    try {
      proposal = await tool.propose(parsed.data, account.tx, {
        caller: AGENT_CALLER,
        now: new Date(now),
        policy: this.policy,
      });
      facts = account.facts(proposal, judgedAt(proposal, now));
    } catch (error) {
      if (error instanceof ToolInputError) return { kind: "invalid", error: error.message };
      throw error;
    }
    const verdict = evaluate(
      { ...proposal, tool: tool.name, caller: AGENT_CALLER },
      facts,
      this.policy,
      approvedRuleIds ? { approvedRuleIds } : {},
    );
    return { kind: "judged", input: parsed.data as Record<string, unknown>, verdict };
  }

  /** What each tool's run() does to the ledger, on the simulation state. */
  private execute(
    account: ArcAccount,
    tool: string,
    input: Record<string, unknown>,
    day: number,
    now: number,
  ) {
    increment(this.stats.executedByTool, tool);
    const invoiceIds = (input.invoiceIds as string[] | undefined) ?? [];
    const level = input.dunningLevel as number | undefined;
    const tone = this.toneOf(level);
    switch (tool) {
      case "send_message": {
        const channel = input.channel as Channel;
        const atMs = typeof input.scheduledFor === "string" ? Date.parse(input.scheduledFor) : now;
        const comm = account.addCommunication({
          channel,
          status: channel === "letter" ? "sent" : "queued",
          subject: (input.subject as string | undefined) ?? null,
          body: input.body as string,
          invoiceIds,
          contactId: (input.contactId as string | undefined) ?? account.contactRow.id,
          atMs,
        });
        if (level !== undefined) account.recordDunningLevel(invoiceIds, level, now);
        if (channel === "letter")
          this.queue.push(now + LETTER_POST_DAYS * DAY_MS, {
            kind: "letter_arrives",
            account,
            comm,
            tone,
            postedAt: now,
            knownStops: account.knownStops(),
          });
        else this.queue.push(atMs, { kind: channel === "call" ? "dial" : "outbox", account, comm, tone });
        return;
      }
      case "create_task": {
        if (level !== undefined) account.recordDunningLevel(invoiceIds, level, now);
        if (input.kind !== "call") return;
        const dueDay = this.clock.dayStartMs(day + this.policy.dunning.callTaskDueDays);
        const hour = `${String(COLLECTOR_CALL_LOCAL_HOUR).padStart(2, "0")}:00`;
        const at = nextLocalTime(new Date(dueDay), account.customerRow.timezone, hour).getTime();
        this.queue.push(at, { kind: "collector_call", account, invoiceIds, tone });
        return;
      }
      case "propose_payment_plan": {
        const installments = input.installments as { dueDate: string; amountMinor: number }[];
        const plan: ArcPlan = {
          id: account.nextId(ID_KIND.plan),
          invoiceIds,
          currency: CURRENCY,
          totalMinor: installments.reduce((t, i) => t + i.amountMinor, 0),
          installments,
          status: "proposed",
          createdAt: new Date(now).toISOString(),
          updatedAt: new Date(now).toISOString(),
        };
        account.plans.push(plan);
        const offer: PlanOffer = {
          id: plan.id,
          invoiceIds,
          installments: installments.map((i) => ({
            day: this.clock.dayOfDate(i.dueDate),
            amountMinor: i.amountMinor,
          })),
        };
        account.planAnswers.push({ plan, accepted: account.book.considerPlan(day, offer) });
        return;
      }
      case "escalate_to_legal":
        account.customerRow.legalEscalatedAt = new Date(now);
        this.legalReferrals += 1;
        account.book.referToLegal(day, invoiceIds);
        return;
      case "record_promise_status": {
        const promise = account.promises.find((p) => p.id === input.promiseId);
        if (promise) {
          promise.status = input.status as ArcPromise["status"];
          promise.resolvedAt = new Date(now).toISOString();
        }
        return;
      }
      case "record_plan_status": {
        const plan = account.plans.find((p) => p.id === input.paymentPlanId);
        if (plan) {
          plan.status = input.status as ArcPlan["status"];
          plan.updatedAt = new Date(now).toISOString();
        }
        return;
      }
    }
  }

  /** The outbox's re-check at sending time (tools/outbox/dispatch.ts recheck): send, hold or cancel. */
  private async recheck(
    account: ArcAccount,
    comm: ArcCommunication,
    at: number,
  ): Promise<
    { kind: "send" } | { kind: "hold"; until: number } | { kind: "cancel"; rules: string[]; why: string }
  > {
    if (at - comm.atMs >= MAX_HOLD_DAYS * DAY_MS)
      return { kind: "cancel", rules: ["outbox.stale"], why: `stale: more than ${MAX_HOLD_DAYS} days late` };
    const input = sendMessage.input.parse({
      customerId: account.customerRow.id,
      contactId: comm.contactId,
      channel: comm.channel,
      subject: comm.subject ?? undefined,
      body: comm.body,
      invoiceIds: comm.invoiceIds,
      purpose: "collection",
    });
    const proposal = await sendMessage.propose(input, account.tx, {
      caller: DISPATCH_CALLER,
      now: new Date(at),
      policy: this.policy,
    });
    const facts = account.facts(proposal, at, comm.id);
    const verdict = evaluate(
      { ...proposal, tool: sendMessage.name, caller: DISPATCH_CALLER },
      facts,
      this.policy,
    );
    // Approval was given (or not needed) when it was queued; at dispatch only refusals matter.
    const refusals = verdict.reasons.filter((r) => r.verdict === "deny");
    if (refusals.length === 0) return { kind: "send" };
    if (refusals.every((r) => TIMING_RULES.has(r.ruleId))) {
      const until = refusals.some((r) => r.ruleId === "contact.local_time")
        ? nextLocalTime(
            new Date(at),
            account.customerRow.timezone,
            this.policy.contact.localTime.start,
          ).getTime()
        : at + DAY_MS;
      return { kind: "hold", until };
    }
    return { kind: "cancel", rules: refusals.map((r) => r.ruleId), why: describe(refusals) };
  }

  /** A collector looks at the account before calling: no call under a stop flag or about nothing due. */
  private collectorWouldSkip(account: ArcAccount, invoiceIds: readonly string[]): boolean {
    if (account.knownStops().length > 0) return true;
    return invoiceIds.every((id) => account.book.balance(id) <= 0 || account.disputed(id));
  }

  private deliver(
    account: ArcAccount,
    channel: Channel,
    executedAt: number,
    at: number,
    tone: DunningTone,
    invoiceIds: string[],
    comm: ArcCommunication | null,
    knownStops = account.knownStops(),
  ): void {
    const reaction = account.book.receive({ at, day: this.clock.dayOfMs(at), channel, tone, invoiceIds });
    if (comm && reaction.conversation) comm.isConversation = true;
    // ARC hears of it at once: a reply is classified on arrival, a collector logs what a call gave.
    if (reaction.promise)
      account.recordPromise(reaction.promise, channel === "call" ? "collector" : "customer");
    if (reaction.ceaseRequested) account.revokeChannel(channel, at);
    this.deliveries.push({
      customerIndex: account.book.customer.index,
      executedAt,
      at,
      channel,
      invoiceIds,
      localHour: channel === "letter" ? null : localClock(executedAt, account.customerRow.timezone).hour,
      knownStops,
      complaints: reaction.complaints,
    });
  }

  private example(day: number, account: ArcAccount, text: string): void {
    if (this.stats.examples.length < MAX_EXAMPLES)
      this.stats.examples.push(`day ${day}, ${account.customerRow.externalRef}: ${text}`);
  }

  private toneOf(level: number | undefined): DunningTone {
    return this.policy.dunning.levels.find((l) => l.level === level)?.tone ?? "friendly";
  }
}

const MAX_EXAMPLES = 20;

function describe(reasons: readonly Reason[]): string {
  return reasons.map((r) => `${r.ruleId} (${r.verdict}): ${r.message}`).join("; ");
}

/** The runner's judgedAt: a scheduled message is judged as of when it goes out. */
function judgedAt(proposal: Proposal, now: number): number {
  const scheduled = proposal.outreach?.scheduledFor;
  return scheduled && Date.parse(scheduled) > now ? Date.parse(scheduled) : now;
}

export async function runArcArm(portfolio: Portfolio, policy: PolicyDocument): Promise<ArmRun> {
  const clock = new SimClock(portfolio.startDate);
  const accounts = portfolio.customers.map(
    (customer) => new ArcAccount(new CustomerBook(customer, portfolio.seed), clock, policy),
  );
  const arm = new ArcArm(accounts, clock, policy);
  for (let day = 0; day < portfolio.days; day++) {
    const runAt = clock.runAt(day);
    await arm.deliverBefore(runAt);
    arm.recordPersonFlags(day);
    await arm.decideApprovals(day, runAt);
    await arm.run(day, runAt);
    await arm.deliverBefore(clock.dayStartMs(day + 1));
    arm.endOfDay(day);
  }
  return {
    books: accounts.map((a) => a.book),
    deliveries: arm.deliveries,
    openMinorByDay: arm.openMinorByDay,
    approvals: arm.stats.approvals,
    legalReferrals: arm.legalReferrals,
    policy: arm.stats,
  };
}
