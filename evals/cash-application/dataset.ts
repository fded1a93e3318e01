// The labelled cash-application set: the demo portfolio generated in memory (no database), turned
// into the engine's plain inputs, with each unapplied receipt's ground truth (db/demo/model.ts
// records it as it generates the receipt). What the engine sees is only what the ledger would hold:
// customers with their bank accounts, open invoices (balances after the history's applications,
// disputed when a dispute is open or investigating, discount terms where the customer invoices
// with them), the unapplied payments, and payer mappings learned from the applied history (the
// account and payer name of every applied payment → its customer).
import { createContext, emptyBatch, generateCustomer, type ReceiptTruth } from "../../db/demo/model.ts";
import type {
  MatchCustomer,
  MatchInvoice,
  MatchPayment,
  PayerMapping,
} from "../../tools/cash-matching/index.ts";

export const DEFAULT_EVAL_AS_OF = "2025-06-30";

export interface CashDataset {
  seed: number;
  asOf: string;
  customers: MatchCustomer[];
  openInvoices: MatchInvoice[];
  mappings: PayerMapping[];
  /** The unapplied receipts, in generation order. */
  payments: MatchPayment[];
  /** Ground truth by payment id. */
  truth: Map<string, ReceiptTruth>;
}

export function buildDemoDataset(options: { customers: number; seed: number; asOf?: string }): CashDataset {
  const asOf = options.asOf ?? DEFAULT_EVAL_AS_OF;
  const ctx = createContext(options.seed, asOf);
  const batch = emptyBatch();
  for (let index = 0; index < options.customers; index++) generateCustomer(ctx, index, batch);

  const paid = new Map<string, number>();
  const appliedPayments = new Set<string>();
  for (const a of batch.applications) {
    paid.set(a.invoiceId, (paid.get(a.invoiceId) ?? 0) + a.amountMinor);
    appliedPayments.add(a.paymentId);
  }
  const disputed = new Set(
    batch.disputes.filter((d) => d.status === "open" || d.status === "investigating").map((d) => d.invoiceId),
  );
  const discounts = new Map(batch.earlyDiscounts.map((d) => [d.invoiceId, d]));

  const customers: MatchCustomer[] = batch.customers.map((c) => ({
    id: c.id,
    externalRef: c.externalRef,
    name: c.name,
    bankAccounts: [...c.bankAccounts],
  }));
  const openInvoices: MatchInvoice[] = [];
  for (const inv of batch.invoices) {
    const balance = inv.amountMinor - (paid.get(inv.id) ?? 0);
    if (balance <= 0) continue;
    const terms = discounts.get(inv.id);
    openInvoices.push({
      id: inv.id,
      customerId: inv.customerId,
      externalRef: inv.externalRef,
      currency: inv.currency,
      amountMinor: inv.amountMinor,
      balanceMinor: balance,
      issueDate: inv.issueDate,
      dueDate: inv.dueDate,
      disputed: disputed.has(inv.id),
      earlyDiscount: terms ? { percent: terms.percent, until: terms.until } : null,
    });
  }

  const truth = new Map(batch.receiptTruth.map((t) => [t.paymentId, t]));
  const payments: MatchPayment[] = [];
  const mappingKeys = new Set<string>();
  const mappings: PayerMapping[] = [];
  const learn = (kind: PayerMapping["kind"], value: string | null, customerId: string | null) => {
    if (!value || !customerId) return;
    const key = `${kind}\u0000${value}\u0000${customerId}`;
    if (mappingKeys.has(key)) return;
    mappingKeys.add(key);
    mappings.push({ kind, value, customerId });
  };
  for (const p of batch.payments) {
    if (appliedPayments.has(p.id)) {
      learn("account", p.payerAccount, p.customerId);
      learn("name", p.payerName, p.customerId);
      continue;
    }
    const t = truth.get(p.id);
    payments.push({
      id: p.id,
      externalRef: p.externalRef,
      customerId: p.customerId,
      payerName: p.payerName,
      payerAccount: p.payerAccount,
      currency: p.currency,
      amountMinor: p.amountMinor,
      unappliedMinor: p.amountMinor,
      receivedOn: p.receivedOn,
      remittanceText: p.remittanceText,
      chargesMinor: t?.chargesMinor ?? null,
      original: t?.original ?? null,
    });
  }
  return { seed: options.seed, asOf, customers, openInvoices, mappings, payments, truth };
}
