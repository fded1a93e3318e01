import { asc, desc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Tx } from "../../db/connection.ts";
import { communications, contacts, customers } from "../../db/schema.ts";
import { localClock, minutesOfDay } from "../../policies/rules/helpers.ts";
import { defineTool } from "../define.ts";
import { ToolInputError } from "../errors.ts";
import { recordDunningLevel } from "../ledger.ts";
import { nextLocalTime } from "../schedule.ts";
import { channel, id, isoDateTime, nonEmptyText } from "../schemas.ts";

export const sendMessage = defineTool({
  name: "send_message",
  description:
    "Queue an outbound message (email, SMS, call script or letter) to a customer's contact about the given invoices. " +
    "It goes to the outbox for delivery; policy checks consent, contact limits, local time, content and approval needs.",
  effect: "write",
  // A queued message, and the dunning level it records on its invoices.
  changes: ["communications", "openInvoices"],
  input: z.object({
    customerId: id("customerId"),
    contactId: id("contactId").optional(),
    channel,
    purpose: z
      .enum(["collection", "receipt", "validation_notice", "cease_acknowledgement", "remedy_notice"])
      .default("collection"),
    subject: z.string().trim().max(300).optional(),
    body: nonEmptyText(20_000),
    invoiceIds: z.array(id("invoiceIds[]")).max(200).default([]),
    autodialed: z.boolean().default(false),
    /**
     * When the message is to go out (at most 7 days ahead): the outbox holds it until then, and the
     * policy judges it as of then (local time, frequency, gaps). Default: now.
     */
    scheduledFor: isoDateTime.optional(),
    /** The dunning level this message is: recorded on its invoices so a level is never sent twice. */
    dunningLevel: z.number().int().min(1).max(50).optional(),
  }),
  async propose(input, tx, ctx) {
    if (input.scheduledFor) {
      const at = Date.parse(input.scheduledFor);
      if (at < ctx.now.getTime() - 60_000)
        throw new ToolInputError("scheduledFor", `${input.scheduledFor} is in the past`);
      if (at > ctx.now.getTime() + 7 * 86_400_000)
        throw new ToolInputError("scheduledFor", "schedule at most 7 days ahead");
    }
    const contactId = input.contactId ?? (await primaryContact(tx, input.customerId));
    if (!contactId)
      throw new ToolInputError("contactId", `customer ${input.customerId} has no contact to write to`);
    return {
      kind: "outreach",
      customerId: input.customerId,
      contactId,
      invoiceIds: input.invoiceIds,
      outreach: {
        channel: input.channel,
        contactId,
        purpose: input.purpose,
        ...(input.subject ? { subject: input.subject } : {}),
        body: input.body,
        invoiceIds: input.invoiceIds,
        autodialed: input.autodialed,
        ...(input.scheduledFor ? { scheduledFor: new Date(input.scheduledFor).toISOString() } : {}),
      },
    };
  },
  async refresh(input, tx, ctx) {
    if (!input.scheduledFor || Date.parse(input.scheduledFor) >= ctx.now.getTime() - 60_000) return input;
    // Approved after the time the run chose (a collector's morning queue): now, if the debtor's
    // clock allows contact, else the next start of the allowed hours. An unknown zone: now, and the
    // policy refuses it saying why.
    const [row] = await tx
      .select({ timezone: customers.timezone })
      .from(customers)
      .where(eq(customers.id, input.customerId));
    const { start, end } = ctx.policy.contact.localTime;
    let sendAt = ctx.now;
    try {
      const clock = localClock(ctx.now.getTime(), row?.timezone ?? "UTC");
      const minutes = clock.hour * 60 + clock.minute;
      if (minutes < minutesOfDay(start) || minutes >= minutesOfDay(end))
        sendAt = nextLocalTime(ctx.now, row?.timezone ?? "UTC", start);
    } catch {
      sendAt = ctx.now;
    }
    return { ...input, scheduledFor: sendAt.toISOString() };
  },
  async run(input, tx, ctx) {
    const contactId = input.contactId ?? (await primaryContact(tx, input.customerId));
    const [row] = await tx
      .insert(communications)
      .values({
        customerId: input.customerId,
        contactId: contactId ?? null,
        direction: "outbound",
        channel: input.channel,
        status: "queued",
        subject: input.subject ?? null,
        body: input.body,
        invoiceIds: input.invoiceIds,
        actionId: ctx.actionId,
        occurredAt: input.scheduledFor ? new Date(input.scheduledFor) : ctx.now,
      })
      .returning({ id: communications.id });
    if (input.dunningLevel !== undefined)
      await recordDunningLevel(tx, input.invoiceIds, input.dunningLevel, ctx.now);
    return {
      communicationId: row!.id,
      status: "queued" as const,
      channel: input.channel,
      contactId,
      scheduledFor: (input.scheduledFor ? new Date(input.scheduledFor) : ctx.now).toISOString(),
    };
  },
});

async function primaryContact(tx: Tx, customerId: string): Promise<string | undefined> {
  const [row] = await tx
    .select({ id: contacts.id })
    .from(contacts)
    .where(eq(contacts.customerId, customerId))
    .orderBy(desc(contacts.isPrimary), asc(contacts.createdAt), asc(contacts.id))
    .limit(1);
  return row?.id;
}
