// Builders for AccountSnapshot: a clean baseline (a US business customer, one primary contact
// reachable on every channel, no invoices, no history) that a test changes one thing at a time.
// Ids are stable UUIDs derived from a readable key (invoice INV-1 → the same UUID in every test), so
// tests can name things by their references and the tools' UUID checks would accept them.
import { createHash } from "node:crypto";
import type {
  AccountSnapshot,
  SnapshotCommunication,
  SnapshotContact,
  SnapshotCustomer,
  SnapshotDispute,
  SnapshotOpenInvoice,
  SnapshotPaidInvoice,
  SnapshotPayment,
  SnapshotPaymentPlan,
  SnapshotPromise,
} from "../../tools/read/account-snapshot-types.ts";

/** Wednesday 15 April 2026. */
export const AS_OF = "2026-04-15";
export const NOW = `${AS_OF}T12:00:00.000Z`;

/** A stable UUID (version 4 layout) for a kind and a key: uuidFor("invoice", "INV-1"). */
export function uuidFor(kind: string, key: string): string {
  const hex = createHash("sha256").update(`${kind}:${key}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export const CUSTOMER_ID = uuidFor("customer", "C-1001");

/** The date `days` after `date` (negative: before), UTC. */
export function day(days: number, date = AS_OF): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export function customer(over: Partial<SnapshotCustomer> = {}): SnapshotCustomer {
  return {
    id: CUSTOMER_ID,
    externalRef: "C-1001",
    name: "Acme Supplies Inc.",
    isConsumer: false,
    segment: null,
    timezone: "America/New_York",
    country: "US",
    region: "NY",
    currency: "USD",
    paymentTermsDays: 30,
    creditLimitMinor: null,
    owner: "dana.collector",
    strategic: false,
    automationEnabled: true,
    doNotContactAt: null,
    ceaseCommunicationAt: null,
    bankruptcyFiledAt: null,
    legalHoldAt: null,
    attorneyRepresentedAt: null,
    legalEscalatedAt: null,
    creditHoldAt: null,
    outreachPausedUntil: null,
    outreachPauseReason: null,
    bankAccounts: [],
    ...over,
  };
}

/** A contact reachable on every channel (email, SMS and call consent), primary unless told otherwise. */
export function contact(over: Partial<SnapshotContact> & { key?: string } = {}): SnapshotContact {
  const { key = "ap", ...rest } = over;
  return {
    id: uuidFor("contact", key),
    name: "Accounts Payable",
    email: "ap@acme.example",
    phone: "+12125550100",
    role: "accounts payable",
    isPrimary: true,
    preferredChannel: "email",
    language: "en",
    emailOptedOutAt: null,
    smsConsentAt: "2026-01-10T12:00:00.000Z",
    smsOptedOutAt: null,
    callConsentAt: "2026-01-10T12:00:00.000Z",
    callOptedOutAt: null,
    letterOptedOutAt: null,
    ...rest,
  };
}

/** An open invoice; its id derives from externalRef unless given. Defaults: 1,250.00 USD due on AS_OF. */
export function invoice(over: Partial<SnapshotOpenInvoice> = {}): SnapshotOpenInvoice {
  const externalRef = over.externalRef ?? "INV-1001";
  const dueDate = over.dueDate ?? AS_OF;
  const amountMinor = over.amountMinor ?? over.balanceMinor ?? 125_000;
  return {
    id: uuidFor("invoice", externalRef),
    externalRef,
    currency: "USD",
    amountMinor,
    balanceMinor: amountMinor,
    issueDate: day(-30, dueDate),
    dueDate,
    dunningLevel: 0,
    lastDunnedAt: null,
    earlyDiscount: null,
    disputed: false,
    ...over,
  };
}

/** An invoice `daysPastDue` days past its due date on AS_OF (negative: not yet due). */
export function overdue(
  externalRef: string,
  daysPastDue: number,
  over: Partial<SnapshotOpenInvoice> = {},
): SnapshotOpenInvoice {
  return invoice({ externalRef, dueDate: day(-daysPastDue), ...over });
}

/** A settled invoice; give daysLate (and optionally dueDate) or paidOn. */
export function paid(over: Partial<SnapshotPaidInvoice> = {}): SnapshotPaidInvoice {
  const externalRef = over.externalRef ?? "PAID-1";
  const dueDate = over.dueDate ?? day(-60);
  const daysLate =
    over.daysLate ??
    (over.paidOn ? Math.round((Date.parse(over.paidOn) - Date.parse(dueDate)) / 86_400_000) : 0);
  return {
    id: uuidFor("invoice", externalRef),
    externalRef,
    currency: "USD",
    amountMinor: 100_000,
    issueDate: day(-30, dueDate),
    dueDate,
    paidOn: over.paidOn ?? day(daysLate, dueDate),
    daysLate,
    ...over,
  };
}

/**
 * A payment history, oldest first: one settled invoice per entry with that many days late, due
 * monthly, the last one due `lastDueDaysAgo` days before AS_OF.
 */
export function history(daysLate: readonly number[], lastDueDaysAgo = 45): SnapshotPaidInvoice[] {
  return daysLate.map((late, index) =>
    paid({
      externalRef: `PAID-${index + 1}`,
      dueDate: day(-(lastDueDaysAgo + (daysLate.length - 1 - index) * 30)),
      daysLate: late,
    }),
  );
}

export function promise(over: Partial<SnapshotPromise> & { key?: string } = {}): SnapshotPromise {
  const { key = "P-1", ...rest } = over;
  return {
    id: uuidFor("promise", key),
    invoiceIds: [uuidFor("invoice", "INV-1001")],
    currency: "USD",
    amountMinor: 125_000,
    promisedDate: day(5),
    status: "open",
    source: "customer",
    createdAt: `${day(-5)}T15:00:00.000Z`,
    ...rest,
  };
}

export function plan(over: Partial<SnapshotPaymentPlan> & { key?: string } = {}): SnapshotPaymentPlan {
  const { key = "PLAN-1", ...rest } = over;
  const installments = rest.installments ?? [
    { dueDate: day(-30), amountMinor: 50_000 },
    { dueDate: day(0), amountMinor: 50_000 },
    { dueDate: day(30), amountMinor: 50_000 },
  ];
  return {
    id: uuidFor("plan", key),
    invoiceIds: [uuidFor("invoice", "INV-1001")],
    currency: "USD",
    totalMinor: installments.reduce((t, i) => t + i.amountMinor, 0),
    installments,
    status: "active",
    createdAt: `${day(-40)}T15:00:00.000Z`,
    ...rest,
  };
}

export function dispute(over: Partial<SnapshotDispute> & { key?: string } = {}): SnapshotDispute {
  const { key = "D-1", ...rest } = over;
  return {
    id: uuidFor("dispute", key),
    invoiceId: uuidFor("invoice", "INV-1001"),
    category: "pricing",
    status: "open",
    description: "The unit price is not what we agreed.",
    currency: "USD",
    amountMinor: 125_000,
    owner: null,
    openedAt: `${day(-3)}T10:00:00.000Z`,
    slaDueAt: null,
    resolvedAt: null,
    ...rest,
  };
}

/** A received payment applied to invoices: `applied` maps invoice ids to minor units. */
export function payment(
  over: Partial<SnapshotPayment> & { key?: string; applied?: Record<string, number> } = {},
): AccountSnapshot["recentPayments"][number] {
  const { key = "PAY-1", applied = {}, ...rest } = over;
  const appliedTo = Object.entries(applied).map(([invoiceId, amountMinor]) => ({ invoiceId, amountMinor }));
  const amountMinor = rest.amountMinor ?? appliedTo.reduce((t, a) => t + a.amountMinor, 0);
  return {
    id: uuidFor("payment", key),
    externalRef: key,
    customerId: CUSTOMER_ID,
    payerName: "ACME SUPPLIES",
    payerAccount: null,
    currency: "USD",
    amountMinor,
    unappliedMinor: 0,
    receivedOn: AS_OF,
    remittanceText: null,
    chargesMinor: null,
    original: null,
    identification: null,
    ...rest,
    appliedTo,
  };
}

export function communication(
  over: Partial<SnapshotCommunication> & { key?: string } = {},
): SnapshotCommunication {
  const { key = "COMM-1", ...rest } = over;
  return {
    id: uuidFor("communication", key),
    direction: "outbound",
    channel: "email",
    status: "sent",
    subject: null,
    body: "",
    occurredAt: `${day(-7)}T14:00:00.000Z`,
    isConversation: false,
    invoiceIds: [],
    ...rest,
  };
}

export type SnapshotOverrides = Partial<Omit<AccountSnapshot, "customer">> & {
  customer?: Partial<SnapshotCustomer>;
};

/** A snapshot on AS_OF: the baseline customer and contact, nothing else unless given. */
export function makeSnapshot(overrides: SnapshotOverrides = {}): AccountSnapshot {
  const { customer: customerOver, ...rest } = overrides;
  const asOf = rest.asOf ?? AS_OF;
  return {
    asOf,
    now: rest.now ?? `${asOf}T12:00:00.000Z`,
    customer: customer(customerOver),
    contacts: [contact()],
    openInvoices: [],
    paidInvoices: [],
    disputes: [],
    promises: [],
    paymentPlans: [],
    communications: [],
    unappliedPayments: [],
    candidatePayments: [],
    recentPayments: [],
    ...rest,
  };
}
