// One-click unsubscribe (RFC 8058): every email ARC sends carries a link with a random token that
// belongs to that message. Following it shows a confirmation; the POST — from that page, or from the
// mail client's own unsubscribe button (List-Unsubscribe-Post) — revokes email consent for the
// contact the message went to, through the revoke_contact_channel tool, audited like any action.
import { eq } from "drizzle-orm";
import { communications, contacts, customers } from "../db/schema.ts";
import type { Caller } from "../policies/types.ts";
import type { Arc } from "./context.ts";

export const UNSUBSCRIBE_CALLER: Caller = { kind: "system", id: "unsubscribe-link", role: "agent" };

const TOKEN = /^[A-Za-z0-9_-]{20,64}$/;

export interface UnsubscribeTarget {
  communicationId: string;
  customerId: string;
  contactId: string;
  /** "j•••@example.com": enough for the reader to recognise, not a lookup service. */
  maskedAddress: string;
  accountRef: string;
  alreadyOptedOut: boolean;
}

export async function findUnsubscribe(arc: Arc, token: string): Promise<UnsubscribeTarget | null> {
  if (!TOKEN.test(token)) return null;
  const [row] = await arc.database.db
    .select({
      communicationId: communications.id,
      customerId: communications.customerId,
      contactId: communications.contactId,
      email: contacts.email,
      optedOutAt: contacts.emailOptedOutAt,
      accountRef: customers.externalRef,
    })
    .from(communications)
    .innerJoin(contacts, eq(contacts.id, communications.contactId))
    .innerJoin(customers, eq(customers.id, communications.customerId))
    .where(eq(communications.unsubscribeToken, token));
  if (!row?.contactId) return null;
  return {
    communicationId: row.communicationId,
    customerId: row.customerId,
    contactId: row.contactId,
    maskedAddress: mask(row.email ?? ""),
    accountRef: row.accountRef,
    alreadyOptedOut: row.optedOutAt !== null,
  };
}

/** Revokes email consent for the message's contact; the same link used twice changes nothing more. */
export async function unsubscribe(
  arc: Arc,
  target: UnsubscribeTarget,
): Promise<{ ok: boolean; error?: string }> {
  const result = await arc.runner.call(
    "revoke_contact_channel",
    {
      customerId: target.customerId,
      contactId: target.contactId,
      channel: "email",
      reason: "opt_out",
      note: "one-click unsubscribe link in an email",
      sourceCommunicationId: target.communicationId,
    },
    { caller: UNSUBSCRIBE_CALLER, idempotencyKey: `unsubscribe:${target.communicationId}` },
  );
  return result.status === "executed" ? { ok: true } : { ok: false, error: JSON.stringify(result) };
}

function mask(address: string): string {
  const at = address.indexOf("@");
  if (at <= 0) return "your address";
  return `${address[0]}•••${address.slice(at)}`;
}
