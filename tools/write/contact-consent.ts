// Withdrawing a contact's consent to be reached on a channel: the customer said STOP, asked not to be
// emailed, or the number or address reaches someone else. It sets the channel's opt-out time, which
// the policy's contact.channel_consent rule and the collection agent's channel choice both read.
//
// Revocation is honoured whatever the account's state. Under the TCPA a called party may revoke
// consent by any reasonable means, and the FCC's 2024 rule (47 CFR 64.1200(a)(10)) requires honouring
// it promptly; Regulation F's opt-out (12 CFR 1006.6(e)) likewise. So the policy never holds it: its
// action kind (consent_revocation) is one the automation switch does not hold
// (policies/rules/account.ts), no account stop (bankruptcy, cease, legal hold...) bars it, and no
// limit applies. An agent or a collector gets `allow`; only an MCP client's call waits for a collector,
// as every MCP write does, and a viewer writes nothing.
import { eq } from "drizzle-orm";
import { z } from "zod";
import { type Channel, type Contact, contacts } from "../../db/schema.ts";
import { defineTool } from "../define.ts";
import { requireCommunicationOf, requireContactOf, requireCustomer } from "../ledger.ts";
import { channel, id } from "../schemas.ts";

/** Each channel's opt-out column, and the consent column that a later consent re-opens it with. */
const CHANNEL_COLUMNS = {
  email: { optedOut: "emailOptedOutAt", consent: null },
  sms: { optedOut: "smsOptedOutAt", consent: "smsConsentAt" },
  call: { optedOut: "callOptedOutAt", consent: "callConsentAt" },
  letter: { optedOut: "letterOptedOutAt", consent: null },
} as const satisfies Record<Channel, { optedOut: keyof Contact; consent: keyof Contact | null }>;

/** When the channel's revocation in force was made, or null when the channel is open. */
export function revokedAt(contact: Contact, on: Channel): Date | null {
  const columns = CHANNEL_COLUMNS[on];
  const optedOut = contact[columns.optedOut];
  if (!optedOut) return null;
  // A consent given after the opt-out re-opened the channel (as the policy reads it).
  const consent = columns.consent ? contact[columns.consent] : null;
  return consent && consent > optedOut ? null : optedOut;
}

export const revokeContactChannel = defineTool({
  name: "revoke_contact_channel",
  description:
    "Record that a contact may no longer be reached on a channel (email, sms, call or letter): the customer opted " +
    "out, or the address or number reaches someone else. Always honoured; revoking an already revoked channel " +
    "changes nothing.",
  effect: "write",
  input: z.object({
    customerId: id("customerId"),
    contactId: id("contactId"),
    channel,
    reason: z.enum(["opt_out", "wrong_contact"]),
    note: z.string().trim().max(2000).optional(),
    /** The inbound message the revocation was read from. */
    sourceCommunicationId: id("sourceCommunicationId").optional(),
  }),
  async propose(input, tx) {
    await requireCustomer(tx, input.customerId);
    await requireContactOf(tx, input.customerId, input.contactId);
    if (input.sourceCommunicationId)
      await requireCommunicationOf(tx, input.customerId, input.sourceCommunicationId);
    return { kind: "consent_revocation", customerId: input.customerId, contactId: input.contactId };
  },
  async run(input, tx, ctx) {
    const before = await requireContactOf(tx, input.customerId, input.contactId);
    const inForce = revokedAt(before, input.channel);
    const result = {
      customerId: input.customerId,
      contactId: input.contactId,
      channel: input.channel,
      reason: input.reason,
      sourceCommunicationId: input.sourceCommunicationId ?? null,
    };
    if (inForce) return { ...result, alreadyRevoked: true, revokedAt: inForce.toISOString() };
    const column = CHANNEL_COLUMNS[input.channel].optedOut;
    await tx
      .update(contacts)
      .set({ [column]: ctx.now, updatedAt: ctx.now })
      .where(eq(contacts.id, input.contactId));
    return { ...result, alreadyRevoked: false, revokedAt: ctx.now.toISOString() };
  },
});
