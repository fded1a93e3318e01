// The directory: customers, their open invoices and the learned payer mappings, indexed once so each
// payment costs a few map look-ups (bank account, invoice-number forms, name blocks, amounts).
// Built from plain data in any order: everything is sorted by id first, so shuffled input gives the
// same directory and the same answers.
import { type NameEntry, NameIndex, normalizeName } from "./names.ts";
import { ReferenceIndex } from "./references.ts";
import { atomize, compareText, normalizeAccount, stripZeros } from "./text.ts";
import type { MatchCustomer, MatchInvoice, PayerMapping } from "./types.ts";

export interface Directory {
  readonly customers: ReadonlyMap<string, MatchCustomer>;
  /** Open invoices by id (as given: balances at build time). */
  readonly invoices: ReadonlyMap<string, MatchInvoice>;
  /** Each customer's open invoices, oldest first (`byAge`). */
  readonly invoicesByCustomer: ReadonlyMap<string, readonly MatchInvoice[]>;
  /** Normalized account → customers it belongs to (own bank accounts and learned account mappings). */
  readonly accounts: ReadonlyMap<string, { customerId: string; learned: boolean }[]>;
  readonly references: ReferenceIndex;
  readonly names: NameIndex;
  /** Compact customer reference ("C-000123" → "C|123") → customer id. */
  readonly customerRefs: ReadonlyMap<string, string>;
  /** `${currency}:${balance}` → open invoice ids (balances at build time), for payers nobody identifies. */
  readonly byAmount: ReadonlyMap<string, readonly string[]>;
}

/** Oldest first: due date, then issue date, then number, then id — a total order. */
export function byAge(a: MatchInvoice, b: MatchInvoice): number {
  return (
    compareText(a.dueDate, b.dueDate) ||
    compareText(a.issueDate, b.issueDate) ||
    compareText(a.externalRef, b.externalRef) ||
    compareText(a.id, b.id)
  );
}

export function customerRefKey(ref: string): string {
  return atomize(ref)
    .map((a) => (a.digits ? stripZeros(a.text) : a.text))
    .join("|");
}

export function createDirectory(input: {
  customers: readonly MatchCustomer[];
  openInvoices: readonly MatchInvoice[];
  mappings: readonly PayerMapping[];
}): Directory {
  const customers = [...input.customers].sort((a, b) => compareText(a.id, b.id));
  const invoices = [...input.openInvoices].sort((a, b) => compareText(a.id, b.id));
  const mappings = [...input.mappings].sort(
    (a, b) =>
      compareText(a.kind, b.kind) || compareText(a.value, b.value) || compareText(a.customerId, b.customerId),
  );

  const customerMap = new Map(customers.map((c) => [c.id, c]));
  const invoiceMap = new Map(invoices.map((invoice) => [invoice.id, invoice]));
  // Built when first asked: matching a customer's payments asks, identifying payers across the whole
  // ledger does not (two maps the size of the ledger's open invoices).
  let grouped: Map<string, MatchInvoice[]> | undefined;
  const invoicesByCustomer = () => {
    if (!grouped) {
      grouped = new Map();
      for (const invoice of invoices) {
        const list = grouped.get(invoice.customerId);
        if (list) list.push(invoice);
        else grouped.set(invoice.customerId, [invoice]);
      }
      for (const list of grouped.values()) list.sort(byAge);
    }
    return grouped;
  };
  let byAmount: Map<string, string[]> | undefined;
  const invoicesByAmount = () => {
    if (!byAmount) {
      byAmount = new Map();
      for (const invoice of invoices) {
        if (invoice.balanceMinor <= 0) continue;
        const key = `${invoice.currency}:${invoice.balanceMinor}`;
        const same = byAmount.get(key);
        if (same) same.push(invoice.id);
        else byAmount.set(key, [invoice.id]);
      }
    }
    return byAmount;
  };

  const accounts = new Map<string, { customerId: string; learned: boolean }[]>();
  const addAccount = (account: string, customerId: string, learned: boolean) => {
    const key = normalizeAccount(account);
    if (key.length === 0) return;
    const list = accounts.get(key) ?? [];
    const existing = list.find((e) => e.customerId === customerId);
    if (existing) existing.learned &&= learned;
    else list.push({ customerId, learned });
    accounts.set(key, list);
  };
  const nameEntries: NameEntry[] = [];
  const customerRefs = new Map<string, string>();
  const sharedRefs = new Set<string>();
  for (const c of customers) {
    for (const account of c.bankAccounts) addAccount(account, c.id, false);
    nameEntries.push({ customerId: c.id, name: normalizeName(c.name), source: "customer" });
    const key = customerRefKey(c.externalRef);
    if (key.length > 0) {
      if (customerRefs.has(key) && customerRefs.get(key) !== c.id) sharedRefs.add(key);
      customerRefs.set(key, c.id);
    }
  }
  for (const key of sharedRefs) customerRefs.delete(key);
  for (const m of mappings) {
    if (m.kind === "account") addAccount(m.value, m.customerId, true);
    else nameEntries.push({ customerId: m.customerId, name: normalizeName(m.value), source: "mapping" });
  }
  for (const list of accounts.values()) list.sort((a, b) => compareText(a.customerId, b.customerId));

  return {
    customers: customerMap,
    invoices: invoiceMap,
    get invoicesByCustomer() {
      return invoicesByCustomer();
    },
    accounts,
    references: new ReferenceIndex(invoices),
    names: new NameIndex(nameEntries),
    customerRefs,
    get byAmount() {
      return invoicesByAmount();
    },
  };
}
