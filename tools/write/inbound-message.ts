// A message the customer sent us (an email reply, a text), stored as an inbound communication so
// the account's history, the snapshot and the agents see it. The body is the customer's words: data,
// never instructions. What the reply means for the account (an opt-out, an out-of-office, a promise)
// is applied by other tools, citing the communication this one returns.
//
// Idempotency: a message is stored once. Callers key the call `inbound:<channel>:<externalId>`, so a
// re-fetched email replays the first action; a call under another key for a message already stored
// returns that row (alreadyRecorded: true) and changes nothing; and the unique index on
// (channel, external_id) is the last guard against two racing inserts.
import { and, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import type { Tx } from "../../db/connection.ts";
import { communications, invoices } from "../../db/schema.ts";
import { defineTool } from "../define.ts";
import { ToolInputError } from "../errors.ts";
import { requireContactOf, requireCustomer } from "../ledger.ts";
import { id, isoDateTime } from "../schemas.ts";

/** How far past the runner's clock a receipt time may lie (mail servers' clocks drift). */
const FUTURE_TOLERANCE_MS = 86_400_000;
const MAX_CLASSIFICATION_CHARS = 20_000;

export const INBOUND_CHANNELS = ["email", "sms"] as const;

export const recordInboundMessage = defineTool({
  name: "record_inbound_message",
  description:
    "Store a message a customer sent (an email reply or a text) on their account, with the provider's message id, " +
    "the sender as received and, when there is one, the reply classifier's reading. The same message (channel and " +
    "external id) is stored once; a repeat returns the stored row.",
  effect: "write",
  input: z.object({
    customerId: id("customerId"),
    /** The contact it came from, when the sender is one of the customer's contacts. */
    contactId: id("contactId").optional(),
    channel: z.enum(INBOUND_CHANNELS),
    /** The email's Message-ID or the SMS provider's message id. */
    externalId: z.string().trim().min(1, { message: "must not be empty" }).max(1000),
    /** The From address or phone number exactly as received. */
    sender: z.string().trim().min(1, { message: "must not be empty" }).max(1000),
    subject: z.string().max(2000).optional(),
    /** The customer's text as received (may be empty: a reply with only an attachment). */
    body: z.string().max(200_000),
    /** Invoices the message is about (the customer's own). */
    invoiceIds: z.array(id("invoiceIds[]")).max(200).default([]),
    /** When the message was received. */
    occurredAt: isoDateTime,
    /** The reply classifier's reading: { category, confidence, fields, classifier, ... }. */
    classification: z
      .record(z.string(), z.unknown())
      .refine((value) => JSON.stringify(value).length <= MAX_CLASSIFICATION_CHARS, {
        message: `must serialise to at most ${MAX_CLASSIFICATION_CHARS} characters of JSON`,
      })
      .optional(),
  }),
  async propose(input, tx, ctx) {
    if (Date.parse(input.occurredAt) > ctx.now.getTime() + FUTURE_TOLERANCE_MS) {
      throw new ToolInputError(
        "occurredAt",
        `${input.occurredAt} is more than a day after now (${ctx.now.toISOString()})`,
      );
    }
    await requireCustomer(tx, input.customerId);
    if (input.contactId) await requireContactOf(tx, input.customerId, input.contactId);
    await requireOwnInvoices(tx, input.customerId, input.invoiceIds);
    await alreadyStored(tx, input);
    return {
      kind: "inbound_message",
      customerId: input.customerId,
      ...(input.contactId ? { contactId: input.contactId } : {}),
      invoiceIds: input.invoiceIds,
    };
  },
  async run(input, tx, ctx) {
    const stored = await alreadyStored(tx, input);
    if (stored) return { ...outcome(stored), alreadyRecorded: true };
    const [row] = await tx
      .insert(communications)
      .values({
        customerId: input.customerId,
        contactId: input.contactId ?? null,
        direction: "inbound",
        channel: input.channel,
        status: "received",
        subject: input.subject ?? null,
        body: input.body,
        invoiceIds: input.invoiceIds,
        actionId: ctx.actionId,
        occurredAt: new Date(input.occurredAt),
        externalId: input.externalId,
        sender: input.sender,
        classification: input.classification ?? null,
      })
      // Another transaction stored the same message meanwhile (it held its insert until it committed).
      .onConflictDoNothing({
        target: [communications.channel, communications.externalId],
        where: sql`external_id is not null`,
      })
      .returning(storedColumns);
    if (row) return { ...outcome(row), alreadyRecorded: false };
    const raced = await alreadyStored(tx, input);
    if (!raced) throw new Error(`inbound ${input.channel} ${input.externalId} was neither stored nor found`);
    return { ...outcome(raced), alreadyRecorded: true };
  },
});

const storedColumns = {
  id: communications.id,
  customerId: communications.customerId,
  contactId: communications.contactId,
  channel: communications.channel,
  externalId: communications.externalId,
  occurredAt: communications.occurredAt,
};
interface Stored {
  id: string;
  customerId: string;
  contactId: string | null;
  channel: string;
  externalId: string | null;
  occurredAt: Date;
}

/** What the action records as its result: the row, and where and when the message came in. */
function outcome(row: Stored) {
  return {
    communicationId: row.id,
    channel: row.channel,
    externalId: row.externalId,
    contactId: row.contactId,
    occurredAt: row.occurredAt.toISOString(),
  };
}

/**
 * The row already holding this message, if any. One stored for another customer is refused: the
 * same message cannot be two customers' reply, so the caller has matched the sender wrongly.
 */
async function alreadyStored(
  tx: Tx,
  input: { customerId: string; channel: string; externalId: string },
): Promise<Stored | undefined> {
  const [row] = await tx
    .select(storedColumns)
    .from(communications)
    .where(and(eq(communications.channel, input.channel), eq(communications.externalId, input.externalId)));
  if (row && row.customerId !== input.customerId) {
    throw new ToolInputError(
      "externalId",
      `${input.channel} message ${input.externalId} is already recorded for another customer (communication ${row.id})`,
    );
  }
  return row;
}

/** Every invoice exists and is this customer's (any currency: a reply may be about several). */
async function requireOwnInvoices(tx: Tx, customerId: string, invoiceIds: string[]): Promise<void> {
  if (invoiceIds.length === 0) return;
  const rows = await tx
    .select({ id: invoices.id, customerId: invoices.customerId, externalRef: invoices.externalRef })
    .from(invoices)
    .where(inArray(invoices.id, invoiceIds));
  const byId = new Map(rows.map((r) => [r.id, r]));
  invoiceIds.forEach((invoiceId, index) => {
    const row = byId.get(invoiceId);
    if (!row) throw new ToolInputError(`invoiceIds.${index}`, `no invoice ${invoiceId}`);
    if (row.customerId !== customerId) {
      throw new ToolInputError(
        `invoiceIds.${index}`,
        `invoice ${row.externalRef} belongs to another customer`,
      );
    }
  });
}
