// Loads what the policy engine needs to judge a proposal, inside the runner's transaction. The
// customer row is locked FOR UPDATE, so two writers acting on one account (say, two messages)
// are judged one after the other and a frequency cap cannot be raced.
import { and, eq, gte, inArray, ne } from "drizzle-orm";
import type { Tx } from "../db/connection.ts";
import { communications, contacts, customers, invoices } from "../db/schema.ts";
import type { PolicyDocument } from "../policies/index.ts";
import type {
  CommunicationFacts,
  ContactFacts,
  CustomerFacts,
  Facts,
  InvoiceFacts,
} from "../policies/types.ts";
import type { Proposal } from "./define.ts";
import { ToolInputError } from "./errors.ts";
import { invoiceIsDisputed } from "./ledger.ts";

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

/** The columns of a communications row the contact rules read (shared with the API bench's bulk judging). */
export const communicationFactColumns = {
  channel: communications.channel,
  direction: communications.direction,
  status: communications.status,
  occurredAt: communications.occurredAt,
  isConversation: communications.isConversation,
  contactId: communications.contactId,
};

export async function loadFacts(
  tx: Tx,
  proposal: Proposal,
  now: Date,
  policy: PolicyDocument,
  /** A queued message judged again at dispatch is not its own earlier contact. */
  options: { excludeCommunicationId?: string } = {},
): Promise<Facts> {
  const customerId = proposal.customerId;
  // A ledger-wide action (an import) concerns no account: the rules judge it on caller and kind.
  if (!customerId) return { now: now.toISOString(), invoices: [], recentCommunications: [] };
  // The customer's lock and the reads go out together: postgres.js pipelines them on the transaction's
  // connection (one write, one wait). The server runs them in order, so the reads start once the lock
  // is held, each with a fresh snapshot (read committed) that sees what the writer before us committed.
  const invoiceIds = [...new Set([...(proposal.invoiceIds ?? []), ...(proposal.outreach?.invoiceIds ?? [])])];
  const since = new Date(now.getTime() - policy.contact.lookbackDays * 86_400_000);
  const [customer, contact, invoiceFacts, recent] = await Promise.all([
    lockCustomer(tx, customerId),
    proposal.contactId ? loadContact(tx, customerId, proposal.contactId) : undefined,
    loadInvoices(tx, customerId, invoiceIds),
    // Only the contact rules read the account's messages, and they judge only outreach.
    proposal.kind === "outreach"
      ? tx
          .select(communicationFactColumns)
          .from(communications)
          .where(
            and(
              eq(communications.customerId, customerId),
              gte(communications.occurredAt, since),
              options.excludeCommunicationId
                ? ne(communications.id, options.excludeCommunicationId)
                : undefined,
            ),
          )
      : [],
  ]);
  return {
    now: now.toISOString(),
    customer,
    ...(contact ? { contact } : {}),
    invoices: invoiceFacts,
    recentCommunications: recent.map(
      (c): CommunicationFacts => ({
        channel: c.channel as CommunicationFacts["channel"],
        direction: c.direction as CommunicationFacts["direction"],
        status: c.status,
        occurredAt: c.occurredAt.toISOString(),
        isConversation: c.isConversation,
        contactId: c.contactId,
      }),
    ),
  };
}

async function lockCustomer(tx: Tx, customerId: string): Promise<CustomerFacts> {
  const [row] = await tx.select().from(customers).where(eq(customers.id, customerId)).for("update");
  if (!row) throw new ToolInputError("customerId", `no customer ${customerId}`);
  return customerFacts(row);
}

/** A customers row as the policy engine sees it (shared with the API bench's bulk judging). */
export function customerFacts(row: typeof customers.$inferSelect): CustomerFacts {
  return {
    id: row.id,
    isConsumer: row.isConsumer,
    timezone: row.timezone,
    country: row.country,
    region: row.region,
    strategic: row.strategic,
    automationEnabled: row.automationEnabled,
    doNotContactAt: iso(row.doNotContactAt),
    ceaseCommunicationAt: iso(row.ceaseCommunicationAt),
    bankruptcyFiledAt: iso(row.bankruptcyFiledAt),
    legalHoldAt: iso(row.legalHoldAt),
    attorneyRepresentedAt: iso(row.attorneyRepresentedAt),
  };
}

async function loadContact(tx: Tx, customerId: string, contactId: string): Promise<ContactFacts> {
  const [row] = await tx.select().from(contacts).where(eq(contacts.id, contactId));
  if (!row || row.customerId !== customerId) {
    throw new ToolInputError("contactId", `no contact ${contactId} for customer ${customerId}`);
  }
  return contactFacts(row);
}

/** A contacts row as the policy engine sees it. */
export function contactFacts(row: typeof contacts.$inferSelect): ContactFacts {
  return {
    id: row.id,
    email: row.email,
    phone: row.phone,
    role: row.role,
    emailOptedOutAt: iso(row.emailOptedOutAt),
    smsConsentAt: iso(row.smsConsentAt),
    smsOptedOutAt: iso(row.smsOptedOutAt),
    callConsentAt: iso(row.callConsentAt),
    callOptedOutAt: iso(row.callOptedOutAt),
    letterOptedOutAt: iso(row.letterOptedOutAt),
  };
}

async function loadInvoices(tx: Tx, customerId: string, ids: string[]): Promise<InvoiceFacts[]> {
  if (ids.length === 0) return [];
  const rows = await tx
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
    .where(inArray(invoices.id, ids));
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id, index) => {
    const row = byId.get(id);
    if (!row) throw new ToolInputError(`invoiceIds.${index}`, `no invoice ${id}`);
    if (row.customerId !== customerId) {
      throw new ToolInputError(
        `invoiceIds.${index}`,
        `invoice ${row.externalRef} belongs to another customer`,
      );
    }
    const { customerId: _owner, ...facts } = row;
    return facts;
  });
}
