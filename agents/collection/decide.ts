// The collection specialist's rules brain: from one account's snapshot and the policy document, the
// tool calls to plan today. Pure and deterministic — no clock (dates come from snapshot.asOf), no
// I/O, inputs sorted before use — so the same snapshot and policy always give the same decision,
// and a re-run on the same day plans nothing new (a level is recorded on the invoices it was sent
// for, and is never sent twice).
//
// The order of reasoning:
//   1. bookkeeping: open promises kept or broken, active plans completed or defaulted;
//   2. the carrying invoice: the oldest-due undisputed invoice with a balance, in a currency whose
//      dunnable balance reaches the dunning minimum; none → nothing to do;
//   3. stop flags (bankruptcy, cease, do-not-contact, legal hold, attorney, already with legal);
//   4. the tolerance for tiny balances, per currency: a currency below it is left out, and when every
//      currency is below it nothing is dunned;
//   5. pauses: outreach paused until a date (pause_outreach: out of office...), a live promise, a
//      current payment plan or a proposal not yet lapsed (plans.ts) covering the carrying invoice;
//   6. the ladder level due (segment-shifted, raised past a broken promise) against the level reached;
//   7. one action for the level: a message grouping every due invoice, a call task, or a legal
//      referral proposal; and, where the policy offers one, a payment-plan proposal that depends on
//      the contact carrying the offer (made only once that contact executed). A contact carries
//      what it is worth: the account's worklist line for that channel (worklist.ts) — the cash acting
//      now is expected to bring into the next 30 days and per collector minute — in its reason, and a
//      call task carries the line's full explanation for the collector who makes the call.
import type { DunningTone, MoneyLimits, PolicyDocument } from "../../policies/document.ts";
import { totalsText } from "../../tools/messages.ts";
import type {
  AccountSnapshot,
  PlannedCall,
  SnapshotOpenInvoice,
  SnapshotPaymentPlan,
  SnapshotPromise,
} from "../../tools/read/account-snapshot-types.ts";
import type { PayDateModel } from "../forecasting/index.ts";
import { addDays, compareText, daysBetween, utcDateOf } from "./dates.ts";
import { segmentLadder } from "./ladder.ts";
import { firstInstallmentDue, planCovers, proposalLapsed } from "./plans.ts";
import { chooseReach } from "./reach.ts";
import { type CollectionSegment, deriveSegment } from "./segment.ts";
import { renderMessage } from "./templates.ts";
import { accountWorklistLine } from "./worklist.ts";

export type PausedBy =
  | "outreach_paused"
  | "promise"
  | "plan"
  | "dispute_only"
  | "min_balance"
  | "flag"
  | "nothing_due";

export interface CollectionDecision {
  calls: PlannedCall[];
  /** What the agent saw and why it did (or did not) act, for the run report and the collector. */
  notes: string[];
  segment: CollectionSegment;
  carryingInvoiceId: string | null;
  /** The ladder level the account is at today (null when paused before the ladder or none is due yet). */
  level: number | null;
  pausedBy?: PausedBy;
  /**
   * For a contact planned today: expected cash brought into the next 30 days by it, and that per
   * collector minute (minor units of the carrying invoice's currency).
   */
  worth?: {
    currency: string;
    broughtForwardMinor: number;
    valuePerMinuteMinor: number;
    effortMinutes: number;
  };
}

export interface CollectionOptions {
  /** The pay-date model the forecasting specialist uses (BrainContext); default its rules model. */
  payDateModel?: PayDateModel;
}

const TONE_RANK: Record<DunningTone, number> = { friendly: 0, firm: 1, final: 2 };

export function decideCollection(
  snapshot: AccountSnapshot,
  policy: PolicyDocument,
  options: CollectionOptions = {},
): CollectionDecision {
  const { customer, asOf } = snapshot;
  const dunning = policy.dunning;
  const assessment = deriveSegment(snapshot);
  const segment = assessment.segment;
  const notes: string[] = [`segment ${segment}: ${assessment.why}`];
  const calls: PlannedCall[] = [];
  const decision = (
    rest: Pick<CollectionDecision, "carryingInvoiceId" | "level" | "worth"> & { pausedBy?: PausedBy },
  ) => ({
    calls,
    notes,
    segment,
    ...rest,
  });

  const open = [...snapshot.openInvoices].filter((i) => i.balanceMinor > 0).sort(byDue);
  const openById = new Map(open.map((i) => [i.id, i]));
  const applied = paymentsApplied(snapshot);

  // 1. Bookkeeping on promises and plans (it is not outreach, so stop flags do not bar it).
  let levelFloor = 0;
  const pendingPromises: SnapshotPromise[] = [];
  for (const promise of [...snapshot.promises].sort(byId)) {
    if (promise.status !== "open") continue;
    const state = promiseState(promise, openById, applied, asOf, dunning.promises.graceDays);
    if (state === "kept") {
      calls.push({
        tool: "record_promise_status",
        input: { promiseId: promise.id, status: "kept", note: `paid as promised (checked on ${asOf})` },
        key: `collection:promise:${promise.id}:kept`,
        why: `promise of ${promise.promisedDate} was kept: ${money(promise.amountMinor, promise.currency)} paid since it was made, or its invoices are paid`,
      });
    } else if (state === "broken") {
      const reached = Math.max(0, ...promise.invoiceIds.map((id) => openById.get(id)?.dunningLevel ?? 0));
      levelFloor = Math.max(levelFloor, reached + 1);
      calls.push({
        tool: "record_promise_status",
        input: {
          promiseId: promise.id,
          status: "broken",
          note: `not paid by ${promise.promisedDate} (+${dunning.promises.graceDays} days' grace); dunning resumes above level ${reached}`,
        },
        key: `collection:promise:${promise.id}:broken`,
        why: `promise to pay ${money(promise.amountMinor, promise.currency)} by ${promise.promisedDate} was not kept`,
      });
      notes.push(`broken promise ${promise.id}: the ladder resumes at level ${reached + 1} or above`);
    } else {
      pendingPromises.push(promise);
    }
  }
  const currentPlans: SnapshotPaymentPlan[] = [];
  const defaultedNow = new Set<string>();
  for (const plan of [...snapshot.paymentPlans].sort(byId)) {
    if (plan.status !== "active") continue;
    const state = planState(plan, openById, applied, asOf, dunning.paymentPlans.graceDays);
    if (state.kind === "completed") {
      calls.push({
        tool: "record_plan_status",
        input: {
          paymentPlanId: plan.id,
          status: "completed",
          note: `all its invoices are paid (checked on ${asOf})`,
        },
        key: `collection:plan:${plan.id}:completed`,
        why: "every invoice of the payment plan is paid",
      });
    } else if (state.kind === "defaulted") {
      defaultedNow.add(plan.id);
      calls.push({
        tool: "record_plan_status",
        input: {
          paymentPlanId: plan.id,
          status: "defaulted",
          note: `instalment due ${state.missedDueDate} missed: ${money(state.paidMinor, plan.currency)} paid since the plan began, ${money(state.dueMinor, plan.currency)} due by then`,
        },
        key: `collection:plan:${plan.id}:defaulted`,
        why: `payment plan instalment due ${state.missedDueDate} was missed`,
      });
      notes.push(`payment plan ${plan.id} defaulted: the ladder resumes`);
    } else {
      currentPlans.push(plan);
    }
  }
  // Offers the customer has not answered yet cover their invoices until they lapse (plans.ts).
  const offeredPlans: SnapshotPaymentPlan[] = [];
  for (const plan of [...snapshot.paymentPlans].sort(byId)) {
    if (plan.status !== "proposed") continue;
    if (planCovers(plan, asOf)) offeredPlans.push(plan);
    else if (proposalLapsed(plan, asOf))
      notes.push(
        `payment plan ${plan.id} proposed ${utcDateOf(plan.createdAt)} lapsed unaccepted (first instalment due ${firstInstallmentDue(plan) ?? "never"}); its invoices are dunned again`,
      );
  }

  // 2. The carrying invoice: the oldest-due undisputed one in a currency worth dunning. The tolerance
  // is per currency, so a tiny remainder in one currency never hides real debt in another.
  const undisputed = open.filter((i) => !i.disputed);
  const balanceByCurrency = new Map<string, number>();
  for (const i of undisputed)
    balanceByCurrency.set(i.currency, (balanceByCurrency.get(i.currency) ?? 0) + i.balanceMinor);
  const tiny = [...balanceByCurrency]
    .map(([currency, balance]) => ({
      currency,
      balance,
      minimum: limitFor(dunning.minBalanceMinor, currency),
    }))
    .filter((c) => c.balance < c.minimum)
    .sort((a, b) => compareText(a.currency, b.currency));
  const tinyCurrencies = new Set(tiny.map((c) => c.currency));
  const dunnable = undisputed.filter((i) => !tinyCurrencies.has(i.currency));
  const carrying = dunnable[0] ?? undisputed[0];
  if (!carrying) {
    if (open.length > 0) {
      notes.push(
        `every open invoice (${open.length}) is disputed; nothing to dun until the disputes are resolved`,
      );
      return decision({ carryingInvoiceId: null, level: null, pausedBy: "dispute_only" });
    }
    notes.push("no open invoice with a balance");
    return decision({ carryingInvoiceId: null, level: null, pausedBy: "nothing_due" });
  }
  const carryingDays = daysBetween(carrying.dueDate, asOf);
  notes.push(
    `carrying invoice ${carrying.externalRef} (due ${carrying.dueDate}, ${carryingDays} days past due, level ${carrying.dunningLevel} reached)`,
  );
  const carried = { carryingInvoiceId: carrying.id };

  // 3. Stop flags: the policy would refuse outreach anyway; the agent does not try.
  const flags = stopFlags(snapshot, policy);
  if (flags.length > 0) {
    notes.push(`no outreach: ${flags.join("; ")}`);
    return decision({ ...carried, level: null, pausedBy: "flag" });
  }
  if (!customer.automationEnabled) {
    notes.push("automation is switched off for this account: the runner will hold these calls for approval");
  }

  // 4. Tolerance: a tiny dunnable balance (per currency) is not worth a message.
  const belowMinimum = tiny.map(
    (c) =>
      `undisputed balance ${money(c.balance, c.currency)} is below the dunning minimum ${money(c.minimum, c.currency)}`,
  );
  if (dunnable.length === 0) {
    notes.push(`${belowMinimum.join("; ")}; no dunning`);
    return decision({ ...carried, level: null, pausedBy: "min_balance" });
  }
  if (tiny.length > 0) {
    const left = undisputed.filter((i) => tinyCurrencies.has(i.currency)).map((i) => i.externalRef);
    notes.push(`${belowMinimum.join("; ")}: left out (${left.join(", ")})`);
  }

  // 5. Pauses. The bookkeeping above has already been planned: a pause stops outreach only.
  const pausedUntil = customer.outreachPausedUntil;
  if (pausedUntil && asOf < pausedUntil) {
    notes.push(`paused until ${pausedUntil}: ${customer.outreachPauseReason ?? "no reason recorded"}`);
    return decision({ ...carried, level: null, pausedBy: "outreach_paused" });
  }
  const promiseOnCarrying = pendingPromises.find((p) => p.invoiceIds.includes(carrying.id));
  if (promiseOnCarrying) {
    const until = promiseOnCarrying.promisedDate;
    notes.push(
      until >= asOf
        ? `paused until ${until}: promise to pay ${money(promiseOnCarrying.amountMinor, promiseOnCarrying.currency)} by then`
        : `paused: promise of ${until} is within its ${dunning.promises.graceDays} days' grace (money may be in transit)`,
    );
    return decision({ ...carried, level: null, pausedBy: "promise" });
  }
  const planOnCarrying = currentPlans.find((p) => p.invoiceIds.includes(carrying.id));
  if (planOnCarrying) {
    notes.push(`paused: payment plan ${planOnCarrying.id} covers the carrying invoice and is up to date`);
    return decision({ ...carried, level: null, pausedBy: "plan" });
  }
  const offerOnCarrying = offeredPlans.find((p) => p.invoiceIds.includes(carrying.id));
  if (offerOnCarrying) {
    notes.push(
      `paused: payment plan ${offerOnCarrying.id} was proposed ${utcDateOf(offerOnCarrying.createdAt)} and awaits the customer's answer until its first instalment's date (${firstInstallmentDue(offerOnCarrying)})`,
    );
    return decision({ ...carried, level: null, pausedBy: "plan" });
  }

  // 6. The level due.
  const segmentPolicy = dunning.segments[segment];
  const ladder = segmentLadder(policy, segment);
  const earliest = ladder[0]?.at ?? 0;
  const covered = new Set(
    [...pendingPromises, ...currentPlans, ...offeredPlans].flatMap((x) => x.invoiceIds),
  );
  const group = dunnable.filter((i) => daysBetween(i.dueDate, asOf) >= earliest && !covered.has(i.id));
  const excluded = dunnable.filter((i) => daysBetween(i.dueDate, asOf) >= earliest && covered.has(i.id));
  if (excluded.length > 0) {
    notes.push(`left out (under a live promise or plan): ${excluded.map((i) => i.externalRef).join(", ")}`);
  }

  let target = ladder.filter((l) => l.at <= carryingDays).at(-1);
  if (levelFloor > 0 && (!target || target.level < levelFloor)) {
    target = ladder.find((l) => l.level >= levelFloor) ?? ladder.at(-1);
  }
  if (!target) {
    notes.push(
      ladder[0]
        ? `nothing due yet: the first level (${ladder[0].name}) comes ${ladder[0].at} days from the due date`
        : "the ladder has no level for this segment",
    );
    return decision({ ...carried, level: null, pausedBy: "nothing_due" });
  }
  if (group.length === 0) {
    // Only reachable when a broken promise lifts the level before any invoice is due.
    notes.push(`level ${target.level} (${target.name}) is due, but no invoice is due yet to write about`);
    return decision({ ...carried, level: target.level, pausedBy: "nothing_due" });
  }
  const reached = Math.max(0, ...group.map((i) => i.dunningLevel));
  if (target.level <= reached) {
    notes.push(`level ${target.level} (${target.name}) already reached; nothing new today`);
    return decision({ ...carried, level: target.level, pausedBy: "nothing_due" });
  }

  // 7. The level's action, for the whole group.
  const why = `level ${target.level} "${target.name}" (${target.tone} tone) for a ${segment} account: ${carrying.externalRef} is ${carryingDays} days past due${levelFloor > 0 ? " and a promise was broken" : ""}`;
  const planInvoices = group.filter((i) => i.currency === carrying.currency);
  const planBalance = sumMinor(planInvoices);
  const plans = dunning.paymentPlans;
  const offerPlan =
    target.action !== "legal_referral" &&
    plans.segments.includes(segment) &&
    target.level >= plans.offerFromLevel &&
    planBalance >= limitFor(plans.minBalanceMinor, carrying.currency) &&
    planInvoices.length > 0 &&
    !blockingPlan(snapshot.paymentPlans, defaultedNow, asOf, notes);

  const automatedUpTo = segmentPolicy.automatedUpToTone;
  const personCalls =
    target.action === "call_task" ||
    (target.action === "message" &&
      automatedUpTo !== undefined &&
      TONE_RANK[target.tone] > TONE_RANK[automatedUpTo]);

  const messageFor = (channel: Parameters<typeof renderMessage>[0]["channel"]) =>
    renderMessage({
      level: target,
      segment,
      channel,
      isConsumer: customer.isConsumer,
      accountRef: customer.externalRef,
      invoices: group,
      asOf,
      policy,
      reminded: reached > 0,
      ...(offerPlan ? { planOfferInstallments: plans.installments } : {}),
    });

  // What the contact is worth, in the carrying invoice's currency; kept for the decision's `worth`.
  let worth: CollectionDecision["worth"];
  const worthOf = (channel: Parameters<typeof accountWorklistLine>[1]) => {
    const line = accountWorklistLine(snapshot, channel, carrying.currency, {
      model: options.payDateModel,
      segment,
    });
    if (line) {
      worth = {
        currency: line.currency,
        broughtForwardMinor: line.broughtForwardMinor,
        valuePerMinuteMinor: line.valuePerMinuteMinor,
        effortMinutes: line.effortMinutes,
      };
      notes.push(`worklist: ${line.explanation}`);
    }
    return line;
  };
  const worthClause = (line: ReturnType<typeof worthOf>) =>
    line
      ? `; worth ≈ ${money(line.broughtForwardMinor, line.currency)} brought into the next 30 days for ${line.effortMinutes} collector minutes`
      : "";

  // The call that carries a plan offer to the customer (message or call task): the proposal waits for it.
  let contactKey: string | undefined;
  if (target.action === "legal_referral") {
    const invoiceIds = planInvoices.map((i) => i.id);
    calls.push({
      tool: "escalate_to_legal",
      input: {
        customerId: customer.id,
        invoiceIds,
        reason:
          `Dunning ladder level ${target.level} (${target.name}) reached: ${carrying.externalRef} is ${carryingDays} days past due; ` +
          `${invoiceIds.length} invoice(s), ${money(planBalance, carrying.currency)} outstanding after level ${reached}. ` +
          "Proposed by the collection agent for a collector's decision.",
      },
      key: `collection:legal:L${target.level}`,
      why: `${why}; a legal referral is a person's decision`,
    });
  } else if (personCalls) {
    const script = messageFor("call");
    const dueAt = `${addDays(asOf, dunning.callTaskDueDays)}T23:59:59.000Z`;
    const because =
      target.action === "call_task"
        ? "this level is a call"
        : `${segment} accounts are automated only up to ${automatedUpTo} messages`;
    const line = worthOf("call");
    contactKey = `collection:task:L${target.level}`;
    calls.push({
      tool: "create_task",
      input: {
        customerId: customer.id,
        kind: "call",
        title:
          `Call account ${customer.externalRef} about ${plural(group.length, "overdue invoice")} (level ${target.level}, ${target.name})` +
          // Only a positive figure: "worth ≈ 0.00" would read as "do not call" on a call the ladder requires.
          (line && line.broughtForwardMinor > 0
            ? `: worth ≈ ${money(line.broughtForwardMinor, carrying.currency)}`
            : ""),
        detail: `Why a call: ${because}.${line ? `\nWhat it is worth: ${line.explanation}` : ""}\n\n${script.body}`,
        ...(customer.owner ? { owner: customer.owner } : {}),
        dueAt,
        invoiceIds: group.map((i) => i.id),
        dunningLevel: target.level,
      },
      key: contactKey,
      why: `${why}; ${because}${worthClause(line)}`,
    });
  } else {
    const preferred = target.channels?.[segment] ?? target.channel;
    const reach = preferred ? chooseReach(snapshot.contacts, preferred) : null;
    if (!preferred || !reach) {
      notes.push(
        preferred
          ? `no contact can be reached on any channel for level ${target.level}; fix the account's contact data`
          : `level ${target.level} has no channel for the ${segment} segment`,
      );
    } else {
      if (reach.fallbackFrom) {
        notes.push(
          `${reach.fallbackFrom.channel} not possible (${reach.fallbackFrom.because}); sending by ${reach.channel}`,
        );
      }
      const message = messageFor(reach.channel);
      const line = worthOf(reach.channel);
      contactKey = `collection:message:L${target.level}`;
      calls.push({
        tool: "send_message",
        input: {
          customerId: customer.id,
          contactId: reach.contact.id,
          channel: reach.channel,
          purpose: "collection",
          ...(message.subject ? { subject: message.subject } : {}),
          body: message.body,
          invoiceIds: group.map((i) => i.id),
          dunningLevel: target.level,
        },
        key: contactKey,
        why: `${why}; ${plural(group.length, "invoice")} in one ${reach.channel}${reach.fallbackFrom ? ` (fallback from ${reach.fallbackFrom.channel})` : ""}${worthClause(line)}`,
      });
    }
  }

  if (offerPlan && contactKey) {
    const installments = splitInstallments(planBalance, plans.installments).map((amountMinor, index) => ({
      dueDate: addDays(asOf, plans.firstDueAfterDays + index * plans.intervalDays),
      amountMinor,
    }));
    calls.push({
      tool: "propose_payment_plan",
      input: { customerId: customer.id, invoiceIds: planInvoices.map((i) => i.id), installments },
      key: `collection:plan-proposal:L${target.level}`,
      why: `${segment} account at level ${target.level} with ${money(planBalance, carrying.currency)} overdue: the policy offers ${plans.installments} instalments`,
      // An offer the customer never hears of must not be recorded (a proposed plan covers its invoices):
      // it is made once the contact carrying it executed — not when that is refused, and only after a
      // collector approves it when it is held. With automation off nothing executes without a
      // collector, who is shown the proposal beside the contact that carries it.
      ...(customer.automationEnabled ? { dependsOn: [contactKey] } : {}),
    });
  }
  return decision({ ...carried, level: target.level, ...(worth ? { worth } : {}) });
}

// ---------------------------------------------------------------------------------------------

/** Stops that bar collection outreach for this account, each as a short phrase; empty when none. */
export function stopFlags(snapshot: AccountSnapshot, policy: PolicyDocument): string[] {
  const c = snapshot.customer;
  const flags: string[] = [];
  if (c.bankruptcyFiledAt) flags.push(`bankruptcy filed ${c.bankruptcyFiledAt} (automatic stay)`);
  if (c.ceaseCommunicationAt) flags.push(`cease-communication request ${c.ceaseCommunicationAt}`);
  if (c.doNotContactAt) flags.push(`do-not-contact since ${c.doNotContactAt}`);
  if (c.legalHoldAt) flags.push(`legal hold since ${c.legalHoldAt}`);
  // Consumer rules (the attorney rule among them) cover business accounts in strict mode too.
  if (c.attorneyRepresentedAt && (c.isConsumer || policy.strictBusinessMode))
    flags.push(`represented by an attorney since ${c.attorneyRepresentedAt}`);
  if (c.legalEscalatedAt) flags.push(`already referred to legal ${c.legalEscalatedAt}`);
  return flags;
}

/** Equal instalments summing exactly to `total`, the remainder (in minor units) in the first. */
export function splitInstallments(total: number, count: number): number[] {
  const base = Math.floor(total / count);
  const remainder = total - base * count;
  return Array.from({ length: count }, (_, index) => (index === 0 ? base + remainder : base));
}

type AppliedPayment = { invoiceId: string; amountMinor: number; receivedOn: string };

/** Every application of a recent payment to an invoice, with the day the money arrived. */
function paymentsApplied(snapshot: AccountSnapshot): AppliedPayment[] {
  return snapshot.recentPayments.flatMap((p) =>
    p.appliedTo.map((a) => ({
      invoiceId: a.invoiceId,
      amountMinor: a.amountMinor,
      receivedOn: p.receivedOn,
    })),
  );
}

function paidSince(applied: AppliedPayment[], invoiceIds: readonly string[], sinceIso: string): number {
  const since = utcDateOf(sinceIso);
  const ids = new Set(invoiceIds);
  return applied
    .filter((a) => ids.has(a.invoiceId) && a.receivedOn >= since)
    .reduce((t, a) => t + a.amountMinor, 0);
}

/** Kept: all its invoices are paid, or money covering the amount arrived since it was made. */
function promiseState(
  promise: SnapshotPromise,
  openById: Map<string, SnapshotOpenInvoice>,
  applied: AppliedPayment[],
  asOf: string,
  graceDays: number,
): "kept" | "broken" | "pending" {
  const allPaid = promise.invoiceIds.every((id) => !openById.has(id));
  if (allPaid || paidSince(applied, promise.invoiceIds, promise.createdAt) >= promise.amountMinor)
    return "kept";
  return daysBetween(promise.promisedDate, asOf) > graceDays ? "broken" : "pending";
}

type PlanState =
  | { kind: "current" | "completed" }
  | { kind: "defaulted"; missedDueDate: string; dueMinor: number; paidMinor: number };

/** Missed: an instalment past its grace while less than the cumulative amount due has been paid. */
function planState(
  plan: SnapshotPaymentPlan,
  openById: Map<string, SnapshotOpenInvoice>,
  applied: AppliedPayment[],
  asOf: string,
  graceDays: number,
): PlanState {
  if (plan.invoiceIds.every((id) => !openById.has(id))) return { kind: "completed" };
  const paid = paidSince(applied, plan.invoiceIds, plan.createdAt);
  let due = 0;
  for (const installment of [...plan.installments].sort((a, b) => compareText(a.dueDate, b.dueDate))) {
    if (daysBetween(installment.dueDate, asOf) <= graceDays) break;
    due += installment.amountMinor;
    if (paid < due)
      return { kind: "defaulted", missedDueDate: installment.dueDate, dueMinor: due, paidMinor: paid };
  }
  return { kind: "current" };
}

/**
 * A plan that stops a new proposal: one live (proposed or active), or one that failed recently — a
 * proposal that lapsed unanswered among them (a person may offer another).
 */
function blockingPlan(
  plans: readonly SnapshotPaymentPlan[],
  defaultedNow: Set<string>,
  asOf: string,
  notes: string[],
): boolean {
  const blocking = [...plans]
    .sort(byId)
    .find(
      (p) =>
        p.status === "proposed" ||
        p.status === "active" ||
        p.status === "defaulted" ||
        p.status === "cancelled",
    );
  if (!blocking) return false;
  const status = defaultedNow.has(blocking.id) ? "defaulted" : blocking.status;
  notes.push(
    proposalLapsed(blocking, asOf)
      ? `no new payment plan: plan ${blocking.id} is proposed but lapsed unaccepted; a person may offer another`
      : status === "proposed" || status === "active"
        ? `no new payment plan: plan ${blocking.id} is ${status}`
        : `no new payment plan: plan ${blocking.id} was ${status} recently; a person may offer another`,
  );
  return true;
}

/** "1,234.56 USD", as messages write amounts. */
function money(minor: number, currency: string): string {
  return totalsText([{ externalRef: "", dueDate: "", balanceMinor: minor, currency }]);
}

function limitFor(limits: MoneyLimits, currency: string): number {
  return limits[currency] ?? limits.default;
}

function sumMinor(invoices: readonly { balanceMinor: number }[]): number {
  return invoices.reduce((t, i) => t + i.balanceMinor, 0);
}

function byDue(a: SnapshotOpenInvoice, b: SnapshotOpenInvoice): number {
  return (
    compareText(a.dueDate, b.dueDate) || compareText(a.externalRef, b.externalRef) || compareText(a.id, b.id)
  );
}

function byId(a: { id: string }, b: { id: string }): number {
  return compareText(a.id, b.id);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
