// The dispatcher: drains the outbox (outbound email and SMS rows of `communications`) through the
// delivery transports, exactly once as far as the channel allows.
//
//   queued/held ──claim──► sending ──channel accepted──► sent
//        ▲                    │ ├──transient failure──► queued (next_attempt_at, backoff) … failed after maxAttempts
//        │                    │ ├──permanent failure (bounce, invalid number)──► failed + a task for a person
//        │                    │ └──policy re-check: not now──► held (until an allowed time) / no longer──► cancelled
//        └──lease expired (the dispatcher died) ── idempotent channel: resend with the same id
//                                                   other channels: unconfirmed + a task (never resent)
//
// Claims take rows with FOR UPDATE SKIP LOCKED and a lease, so any number of dispatchers (arc serve,
// arc dispatch, on many machines) share one outbox. Every message keeps one id for all its attempts:
// the email's Message-ID and the SMS provider's idempotency key are both the row's id, and the local
// mailbox writes one file per id. An outcome is recorded only by the attempt that claimed the row
// (status and attempt number checked), in one transaction with its audit entry. The policy is asked
// again just before sending, as of that moment: consent revoked, a dispute opened, the invoices paid,
// a bankruptcy or cease request, or a local time outside the allowed hours stop the message.
import { randomBytes } from "node:crypto";
import { and, asc, eq, inArray, lte, sql } from "drizzle-orm";
import { appendAudit } from "../../db/audit.ts";
import type { Db, Tx } from "../../db/connection.ts";
import { actions, communications, contacts, customers } from "../../db/schema.ts";
import { evaluate, type PolicyDocument } from "../../policies/index.ts";
import { compilePattern } from "../../policies/rules/helpers.ts";
import type { Caller, Reason } from "../../policies/types.ts";
import { ToolInputError } from "../errors.ts";
import { loadFacts } from "../facts.ts";
import type { ToolRunner } from "../runner.ts";
import { nextLocalTime } from "../schedule.ts";
import { sendMessage } from "../write/send-message.ts";
import type { DeliveryConfig, DeliveryResult, OutboundEmail, OutboundSms } from "./transports.ts";

export const DISPATCH_CALLER: Caller = { kind: "system", id: "dispatcher", role: "agent" };

/** Rules that say "not now" rather than "not at all": the message waits instead of being dropped. */
const TIMING_RULES = new Set([
  "contact.local_time",
  "contact.min_gap",
  "contact.frequency",
  "contact.quiet_after_conversation",
  "contact.jurisdiction",
]);

/** A message this long past the time it was meant to go is cancelled: it no longer says something timely. */
export const MAX_HOLD_DAYS = 7;

export interface DispatchOptions {
  db: Db;
  runner: ToolRunner;
  delivery: DeliveryConfig;
  /** Where ARC is reachable by customers, for unsubscribe links (ARC_PUBLIC_URL). */
  publicUrl: string;
  now?: () => Date;
  batchSize?: number;
  leaseMs?: number;
  maxAttempts?: number;
  retryBaseMs?: number;
  /** Checked before each batch: a server shutting down stops after the batch in hand. */
  stopping?: () => boolean;
  /** Tests only: runs after the channel accepted a message and before the outcome is recorded. */
  afterSend?: (communicationId: string) => void | Promise<void>;
}

export interface DispatchSummary {
  sent: number;
  held: number;
  cancelled: number;
  failed: number;
  retrying: number;
  unconfirmed: number;
  /** Interrupted attempts found and requeued for an idempotent resend. */
  resumed: number;
}

type Row = typeof communications.$inferSelect;

const DEFAULTS = { batchSize: 50, leaseMs: 5 * 60_000, maxAttempts: 8, retryBaseMs: 60_000 };
const MAX_BACKOFF_MS = 6 * 3_600_000;

/** Drains what is due now, batch after batch, until nothing due is left. */
export async function dispatchOnce(options: DispatchOptions): Promise<DispatchSummary> {
  const settings = { ...DEFAULTS, ...options };
  const now = options.now ?? (() => new Date());
  const summary: DispatchSummary = {
    sent: 0,
    held: 0,
    cancelled: 0,
    failed: 0,
    retrying: 0,
    unconfirmed: 0,
    resumed: 0,
  };
  await recoverInterrupted(options, now(), summary);
  for (;;) {
    if (options.stopping?.()) return summary;
    const claimed = await claim(options.db, now(), settings.batchSize, settings.leaseMs);
    if (claimed.length === 0) return summary;
    for (const row of claimed) {
      const outcome = await deliver(options, row, now, settings);
      summary[outcome]++;
    }
  }
}

/** Rows a dead dispatcher left in `sending`: resend where the channel deduplicates, else ask a person. */
async function recoverInterrupted(
  options: DispatchOptions,
  at: Date,
  summary: DispatchSummary,
): Promise<void> {
  const stale = await options.db
    .select()
    .from(communications)
    .where(and(eq(communications.status, "sending"), lte(communications.leaseUntil, at)));
  for (const row of stale) {
    const transport = row.channel === "email" ? options.delivery.email : options.delivery.sms;
    if (transport.idempotent) {
      const moved = await transition(options.db, row, "queued", {
        reason: `resending after an interrupted attempt: ${transport.describe} delivers one message per id`,
        event: "delivery.resumed",
        extra: { nextAttemptAt: at },
      });
      if (moved) summary.resumed++;
      continue;
    }
    const reason = `the dispatcher stopped after attempt ${row.attempts} started and before its outcome was recorded; ${transport.describe} cannot deduplicate, so ARC does not send it again`;
    const moved = await transition(options.db, row, "unconfirmed", { reason, event: "delivery.unconfirmed" });
    if (!moved) continue;
    summary.unconfirmed++;
    await taskFor(
      options,
      row,
      "unconfirmed",
      `Check whether the ${row.channel} reached the customer`,
      reason,
      at,
    );
  }
}

async function claim(db: Db, at: Date, limit: number, leaseMs: number): Promise<Row[]> {
  return db.transaction(async (tx) => {
    const due = await tx
      .select({ id: communications.id })
      .from(communications)
      .where(
        and(
          eq(communications.direction, "outbound"),
          inArray(communications.channel, ["email", "sms"]),
          inArray(communications.status, ["queued", "held"]),
          sql`coalesce(${communications.nextAttemptAt}, ${communications.occurredAt}) <= ${at.toISOString()}::timestamptz`,
        ),
      )
      .orderBy(asc(communications.occurredAt), asc(communications.id))
      .limit(limit)
      .for("update", { skipLocked: true });
    if (due.length === 0) return [];
    return tx
      .update(communications)
      .set({
        status: "sending",
        attempts: sql`${communications.attempts} + 1`,
        leaseUntil: new Date(at.getTime() + leaseMs),
      })
      .where(
        inArray(
          communications.id,
          due.map((d) => d.id),
        ),
      )
      .returning();
  });
}

type Outcome = "sent" | "held" | "cancelled" | "failed" | "retrying";

async function deliver(
  options: DispatchOptions,
  row: Row,
  now: () => Date,
  settings: typeof DEFAULTS,
): Promise<Outcome> {
  const at = now();
  const check = await recheck(options.db, options.runner.policy, row, at);
  if (check.kind === "cancel") {
    await transition(options.db, row, "cancelled", {
      reason: check.reason,
      event: "delivery.cancelled",
      reasons: check.reasons,
    });
    return "cancelled";
  }
  if (check.kind === "hold") {
    await transition(options.db, row, "held", {
      reason: check.reason,
      event: "delivery.held",
      reasons: check.reasons,
      extra: { nextAttemptAt: check.until, leaseUntil: null },
    });
    return "held";
  }

  let result: DeliveryResult;
  if (row.channel === "email") {
    const message = await emailFor(options, row, check.address, check.name);
    result = await options.delivery.email.send(message);
  } else {
    const message: OutboundSms = {
      to: check.address,
      body: withSmsOptOut(row.body, options.runner.policy),
      idempotencyKey: row.id,
    };
    result = await options.delivery.sms.send(message);
  }
  await options.afterSend?.(row.id);

  const recordedAt = now();
  if (result.ok) {
    await transition(options.db, row, "sent", {
      reason: null,
      event: "delivery.sent",
      extra: { providerMessageId: result.providerMessageId, sentAt: recordedAt, leaseUntil: null },
    });
    return "sent";
  }
  if (!result.permanent && row.attempts < settings.maxAttempts) {
    const backoff = Math.min(settings.retryBaseMs * 2 ** (row.attempts - 1), MAX_BACKOFF_MS);
    const next = new Date(recordedAt.getTime() + Math.max(result.retryAfterMs ?? 0, backoff));
    await transition(options.db, row, "queued", {
      reason: `attempt ${row.attempts} failed (${result.error}); next attempt at ${next.toISOString()}`,
      event: "delivery.retry",
      extra: { nextAttemptAt: next, leaseUntil: null },
    });
    return "retrying";
  }
  const reason = result.permanent
    ? `${row.channel === "email" ? "bounced" : "refused by the SMS provider"}: ${result.error}`
    : `gave up after ${row.attempts} attempts: ${result.error}`;
  const moved = await transition(options.db, row, "failed", {
    reason,
    event: "delivery.failed",
    extra: { leaseUntil: null },
  });
  if (moved) {
    await taskFor(
      options,
      row,
      "failed",
      `Fix the contact's ${row.channel === "email" ? "email address" : "phone number"}: a message could not be delivered`,
      reason,
      recordedAt,
    );
  }
  return "failed";
}

type Recheck =
  | { kind: "send"; address: string; name: string }
  | { kind: "hold"; reason: string; reasons: Reason[]; until: Date }
  | { kind: "cancel"; reason: string; reasons: Reason[] };

/** The policy again, as of the moment of sending, on the message exactly as it was approved. */
async function recheck(db: Db, policy: PolicyDocument, row: Row, at: Date): Promise<Recheck> {
  if (at.getTime() - row.occurredAt.getTime() >= MAX_HOLD_DAYS * 86_400_000) {
    // Its dates and asks belong to when it was written: a week late, it is no longer the message to send.
    return cancel(
      `stale: it was due at ${row.occurredAt.toISOString()}, more than ${MAX_HOLD_DAYS} days ago`,
      [],
    );
  }
  return db.transaction(async (tx) => {
    const [action] = row.actionId ? await tx.select().from(actions).where(eq(actions.id, row.actionId)) : [];
    const input = { ...((action?.editedInput ?? action?.input ?? {}) as Record<string, unknown>) };
    delete input.scheduledFor; // judged now, not at the time it was scheduled for
    const [contact] = row.contactId
      ? await tx.select().from(contacts).where(eq(contacts.id, row.contactId))
      : [];
    const address = row.channel === "email" ? contact?.email : contact?.phone;
    if (!contact || !address) {
      return cancel(
        `the contact has no ${row.channel === "email" ? "email address" : "phone number"} any more`,
        [],
      );
    }
    let verdict: ReturnType<typeof evaluate>;
    try {
      const proposal = await sendMessage.propose(
        sendMessage.input.parse({
          customerId: row.customerId,
          contactId: row.contactId,
          channel: row.channel,
          subject: row.subject ?? undefined,
          body: row.body,
          invoiceIds: row.invoiceIds,
          ...(typeof input.purpose === "string" ? { purpose: input.purpose } : {}),
        }),
        tx,
        { caller: DISPATCH_CALLER, now: at, policy },
      );
      const facts = await loadFacts(tx, proposal, at, policy, { excludeCommunicationId: row.id });
      verdict = evaluate({ ...proposal, tool: sendMessage.name, caller: DISPATCH_CALLER }, facts, policy);
    } catch (error) {
      if (error instanceof ToolInputError)
        return cancel(`the message no longer fits its account: ${error.message}`, []);
      throw error;
    }
    // Approval was given (or not needed) when it was queued; at dispatch only refusals matter.
    const refusals = verdict.reasons.filter((r) => r.verdict === "deny");
    if (refusals.length === 0) return { kind: "send", address, name: contact.name };
    const text = refusals.map((r) => `${r.ruleId}: ${r.message}`).join("; ");
    if (refusals.every((r) => TIMING_RULES.has(r.ruleId))) {
      const [customer] = await tx
        .select({ timezone: customers.timezone })
        .from(customers)
        .where(eq(customers.id, row.customerId));
      return {
        kind: "hold",
        reason: `not now: ${text}`,
        reasons: refusals,
        until: nextAllowed(refusals, at, customer?.timezone ?? "UTC", policy),
      };
    }
    return cancel(`no longer allowed: ${text}`, refusals);
  });
}

const cancel = (reason: string, reasons: Reason[]): Recheck => ({ kind: "cancel", reason, reasons });

/** Outside the allowed local hours: the next start of them; other timing rules: a day later. */
function nextAllowed(refusals: Reason[], at: Date, timeZone: string, policy: PolicyDocument): Date {
  if (refusals.some((r) => r.ruleId === "contact.local_time")) {
    try {
      return nextLocalTime(at, timeZone, policy.contact.localTime.start);
    } catch {
      // an invalid zone: fall through to a day later (the rule will say why again)
    }
  }
  return new Date(at.getTime() + 86_400_000);
}

async function emailFor(
  options: DispatchOptions,
  row: Row,
  to: string,
  name: string,
): Promise<OutboundEmail> {
  let token = row.unsubscribeToken;
  if (!token) {
    token = randomBytes(24).toString("base64url");
    // Kept with the row before sending, so a resend carries the same link.
    await options.db
      .update(communications)
      .set({ unsubscribeToken: token })
      .where(eq(communications.id, row.id));
  }
  const link = `${options.publicUrl.replace(/\/+$/, "")}/unsubscribe/${token}`;
  return {
    messageId: `${row.id}@${domainOf(options.delivery.mailFrom)}`,
    from: options.delivery.mailFrom,
    to,
    toName: name,
    subject: row.subject ?? "A message about your account",
    text: `${row.body}\n\nTo stop receiving these emails: ${link}`,
    headers: {
      "List-Unsubscribe": `<${link}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    },
  };
}

/**
 * Every text tells the reader how to stop them (TCPA, 12 CFR 1006.6(e)). Collection texts already do
 * (content.required); a receipt or an acknowledgement may not, so the policy's instruction is added.
 */
export function withSmsOptOut(body: string, policy: PolicyDocument): string {
  const optOut = policy.content.optOut.sms;
  // Read exactly as content.required reads it (same flags default, unicode on).
  if (!optOut || compilePattern(optOut.pattern, optOut.flags ?? "i").test(body)) return body;
  return `${body.trimEnd()} ${optOut.text}`;
}

function domainOf(from: string): string {
  const match = /@([^>\s]+)>?\s*$/.exec(from);
  return match?.[1] ?? "arc.invalid";
}

/**
 * Moves a row out of `sending` (or `sending` back to `queued`), only if this attempt still owns it:
 * a dispatcher whose lease ran out and whose row another dispatcher took over changes nothing.
 */
async function transition(
  db: Db,
  row: Row,
  status: Row["status"],
  change: {
    reason: string | null;
    event: string;
    reasons?: Reason[];
    extra?: Partial<Pick<Row, "nextAttemptAt" | "leaseUntil" | "providerMessageId" | "sentAt">>;
  },
): Promise<boolean> {
  return db.transaction(async (tx: Tx) => {
    const updated = await tx
      .update(communications)
      .set({ status, statusReason: change.reason, ...change.extra })
      .where(
        and(
          eq(communications.id, row.id),
          eq(communications.status, "sending"),
          eq(communications.attempts, row.attempts),
        ),
      )
      .returning({ id: communications.id });
    if (updated.length === 0) return false;
    await appendAudit(tx, {
      actor: `${DISPATCH_CALLER.kind}:${DISPATCH_CALLER.id}`,
      event: change.event,
      entityType: "communication",
      entityId: row.id,
      ...(row.actionId ? { actionId: row.actionId } : {}),
      data: {
        channel: row.channel,
        attempt: row.attempts,
        status,
        ...(change.reason ? { reason: change.reason } : {}),
        ...(change.reasons?.length ? { rules: change.reasons.map((r) => r.ruleId) } : {}),
        ...(change.extra?.providerMessageId ? { providerMessageId: change.extra.providerMessageId } : {}),
      },
    });
    return true;
  });
}

async function taskFor(
  options: DispatchOptions,
  row: Row,
  kind: string,
  title: string,
  detail: string,
  at: Date,
): Promise<void> {
  const result = await options.runner.call(
    "create_task",
    {
      customerId: row.customerId,
      kind: "follow_up",
      title,
      detail: `${detail}\n\nMessage ${row.id} (${row.channel}${row.subject ? `, "${row.subject}"` : ""}).`,
      dueAt: new Date(at.getTime() + 86_400_000).toISOString(),
      invoiceIds: row.invoiceIds,
    },
    { caller: DISPATCH_CALLER, now: at, idempotencyKey: `delivery:${row.id}:${kind}:${row.attempts}` },
  );
  if (result.status !== "executed" && result.status !== "pending_approval") {
    throw new Error(`the follow-up task for message ${row.id} was not created: ${JSON.stringify(result)}`);
  }
}
