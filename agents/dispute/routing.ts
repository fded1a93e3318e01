// Who works a dispute and by when: the routing and SLA tables of the dispute specialist.
import type { DisputeCategory } from "./categorize.ts";

/**
 * The team that owns a dispute when the customer has no account owner: billing fixes prices and
 * paperwork, fulfilment checks deliveries, cash application checks payments and duplicates.
 */
export const OWNER_BY_CATEGORY: Readonly<Record<DisputeCategory, string>> = {
  pricing: "billing",
  quantity: "fulfilment",
  damaged: "fulfilment",
  not_received: "fulfilment",
  duplicate_billing: "cash-application",
  already_paid: "cash-application",
  short_payment: "cash-application",
  other: "billing",
};

/**
 * Days from opening to the SLA. Ledger checks (duplicate, already paid) are quick; price and quantity
 * need the contract or the receiving record; damage and non-delivery need the carrier or a visit;
 * "other" is paperwork that often waits on the customer. open_dispute's own default is 14.
 */
export const SLA_DAYS_BY_CATEGORY: Readonly<Record<DisputeCategory, number>> = {
  already_paid: 7,
  duplicate_billing: 7,
  pricing: 14,
  quantity: 14,
  damaged: 21,
  not_received: 21,
  short_payment: 14,
  other: 30,
};

/**
 * Days after the SLA a dispute may sit with no word from the customer before it expires and its
 * invoice returns to the cadence. Policy-independent on purpose: it is about our own follow-through,
 * and a customer who writes again keeps the dispute alive.
 */
export const EXPIRY_GRACE_DAYS = 30;

/** Duplicate billing: two invoices of one amount issued at most this many days apart. */
export const DUPLICATE_WINDOW_DAYS = 7;

export function ownerFor(category: DisputeCategory, customerOwner: string | null): string {
  return customerOwner?.trim() ? customerOwner.trim() : OWNER_BY_CATEGORY[category];
}
