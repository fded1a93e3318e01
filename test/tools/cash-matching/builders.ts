// Plain-data fixtures for the cash-matching engine: customers, open invoices and payments with
// readable defaults, and a one-call "match these payments against this ledger".
import {
  createDirectory,
  DEFAULT_MATCH_SETTINGS,
  type MatchCustomer,
  type MatchInvoice,
  type MatchPayment,
  type MatchSettings,
  matchPayments,
  type PayerMapping,
  type PaymentMatch,
} from "../../../tools/cash-matching/index.ts";

export const ACME: MatchCustomer = {
  id: "c-acme",
  externalRef: "C-000101",
  name: "Acme Logistics Inc.",
  bankAccounts: ["DE89370400440532013000"],
};
export const SUMMIT: MatchCustomer = {
  id: "c-summit",
  externalRef: "C-000102",
  name: "Summit Foods LLC",
  bankAccounts: ["GB29NWBK60161331926819"],
};
export const NORD: MatchCustomer = {
  id: "c-nord",
  externalRef: "C-000103",
  name: "Nordlicht Logistik GmbH",
  bankAccounts: ["DE02120300000000202051"],
};
/** An account nobody in the ledger has. */
export const STRANGER_ACCOUNT = "NL91ABNA0417164300";

export function invoice(over: Partial<MatchInvoice> & { externalRef: string }): MatchInvoice {
  return {
    id: `i-${over.externalRef}`,
    customerId: ACME.id,
    currency: "USD",
    amountMinor: over.balanceMinor ?? 10_000,
    balanceMinor: 10_000,
    issueDate: "2025-05-01",
    dueDate: "2025-05-31",
    disputed: false,
    earlyDiscount: null,
    ...over,
  };
}

let paymentSeq = 0;
export function payment(over: Partial<MatchPayment> = {}): MatchPayment {
  paymentSeq++;
  const amount = over.amountMinor ?? 10_000;
  return {
    id: `p-${String(paymentSeq).padStart(4, "0")}`,
    externalRef: `BANK-${paymentSeq}`,
    customerId: null,
    payerName: null,
    payerAccount: ACME.bankAccounts[0]!,
    currency: "USD",
    amountMinor: amount,
    unappliedMinor: amount,
    receivedOn: "2025-06-20",
    remittanceText: null,
    chargesMinor: null,
    original: null,
    ...over,
  };
}

export interface Ledger {
  customers?: MatchCustomer[];
  invoices: MatchInvoice[];
  mappings?: PayerMapping[];
}

export function run(
  ledger: Ledger,
  payments: MatchPayment[],
  settings: MatchSettings = DEFAULT_MATCH_SETTINGS,
): PaymentMatch[] {
  const dir = createDirectory({
    customers: ledger.customers ?? [ACME, SUMMIT, NORD],
    openInvoices: ledger.invoices,
    mappings: ledger.mappings ?? [],
  });
  return matchPayments(payments, dir, settings);
}

/** The one payment's match. */
export function one(ledger: Ledger, p: MatchPayment, settings?: MatchSettings): PaymentMatch {
  const [m] = run(ledger, [p], settings);
  return m!;
}

/** "invoiceId:amount" of an allocation, sorted, for concise assertions. */
export const allocation = (applications: readonly { invoiceId: string; amountMinor: number }[] | undefined) =>
  (applications ?? []).map((a) => `${a.invoiceId}:${a.amountMinor}`).sort();

export const THRESHOLD = DEFAULT_MATCH_SETTINGS.autoApplyThreshold;
