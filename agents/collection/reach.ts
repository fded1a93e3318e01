// Who to write to and on which channel: the primary contact (or the first other one that can be
// reached at all), on the level's channel when the contact has the address and consent for it,
// otherwise on the next channel that works (the contact's own preference, then email, then letter,
// as OCA falls back to letter). Mirrors what contact.channel_consent will check, so the agent does
// not plan a message the policy is bound to refuse.
import type { SnapshotContact } from "../../tools/read/account-snapshot-types.ts";
import { compareText } from "./dates.ts";
import type { Channel } from "./templates.ts";

/** Why a contact cannot be reached on a channel, or null when it can. */
export function unreachableBecause(contact: SnapshotContact, channel: Channel): string | null {
  switch (channel) {
    case "email":
      if (!contact.email?.trim()) return "no email address";
      if (contact.emailOptedOutAt) return "opted out of email";
      return null;
    case "sms":
      if (!contact.phone?.trim()) return "no phone number";
      if (!contact.smsConsentAt) return "no SMS consent";
      if (revoked(contact.smsOptedOutAt, contact.smsConsentAt)) return "revoked SMS consent";
      return null;
    case "call":
      if (!contact.phone?.trim()) return "no phone number";
      if (revoked(contact.callOptedOutAt, contact.callConsentAt)) return "opted out of calls";
      return null;
    case "letter":
      return contact.letterOptedOutAt ? "opted out of letters" : null;
  }
}

function revoked(optedOutAt: string | null, consentAt: string | null): boolean {
  if (!optedOutAt) return false;
  if (!consentAt) return true;
  return Date.parse(optedOutAt) >= Date.parse(consentAt);
}

export interface Reach {
  contact: SnapshotContact;
  channel: Channel;
  /** Set when the channel is not the one the level asked for: why. */
  fallbackFrom?: { channel: Channel; because: string };
}

/** Contacts in the order the agent tries them: primary first, then by id; attorneys are not dunned. */
export function orderedContacts(contacts: readonly SnapshotContact[]): SnapshotContact[] {
  return contacts
    .filter((c) => c.role?.trim().toLowerCase() !== "attorney")
    .sort((a, b) => Number(b.isPrimary) - Number(a.isPrimary) || compareText(a.id, b.id));
}

export function chooseReach(contacts: readonly SnapshotContact[], preferred: Channel): Reach | null {
  for (const contact of orderedContacts(contacts)) {
    const chain = [...new Set<Channel>([preferred, contact.preferredChannel, "email", "letter"])];
    const channel = chain.find((c) => unreachableBecause(contact, c) === null);
    if (!channel) continue;
    if (channel === preferred) return { contact, channel };
    return {
      contact,
      channel,
      fallbackFrom: { channel: preferred, because: unreachableBecause(contact, preferred) ?? "unreachable" },
    };
  }
  return null;
}
