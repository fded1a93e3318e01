// Cash-matching throughput: a synthetic ledger of `invoices` open invoices over invoices/10
// customers (skewed: the largest accounts hold hundreds of invoices), `payments` unapplied payments
// of the demo's shapes (clean and mangled references, none, several invoices, part payments,
// discounts, charges, FX, overpayments, payers known by account, by name or not at all), then the
// engine as the product runs it: directory built once, every payer identified portfolio-wide, then
// every payment matched. Measures only; asserts nothing.
//
//   npx tsx evals/cash-application/bench.ts [--payments 10000] [--invoices 100000] [--seed 1]
import { streamFor } from "../../db/demo/random.ts";
import { companyName } from "../../db/demo/vocabulary.ts";
import {
  createDirectory,
  DEFAULT_MATCH_SETTINGS,
  identifyPayer,
  type MatchCustomer,
  type MatchInvoice,
  type MatchPayment,
  matchPayments,
  type PayerIdentification,
  type PayerMapping,
} from "../../tools/cash-matching/index.ts";

export interface CashBenchResult {
  buildMs: number;
  /** Identification (portfolio-wide) and matching. */
  matchMs: number;
  totalMs: number;
  /** CPU time (user + system) of build, identification and matching: robust to a busy machine. */
  cpuMs: number;
  heapUsedMB: number;
  rssMB: number;
  payments: number;
  invoices: number;
  customers: number;
  autoApplied: number;
}

const DAY_MS = 86_400_000;
const AS_OF = Date.parse("2025-06-30T00:00:00Z");
const day = (offset: number) => new Date(AS_OF + offset * DAY_MS).toISOString().slice(0, 10);
const CURRENCIES = [
  ["USD", 60],
  ["EUR", 20],
  ["GBP", 10],
  ["CAD", 10],
] as const;

export function syntheticLedger(options: { payments: number; invoices: number; seed: number }): {
  customers: MatchCustomer[];
  openInvoices: MatchInvoice[];
  mappings: PayerMapping[];
  payments: MatchPayment[];
} {
  const rng = streamFor(options.seed, 0, 0xca5);
  const customerCount = Math.max(1, Math.round(options.invoices / 10));
  const customers: MatchCustomer[] = [];
  const currencyOf: string[] = [];
  const mappings: PayerMapping[] = [];
  const account = () =>
    `GB${rng.int(10, 99)}BANK${String(rng.int(0, 99_999_999)).padStart(8, "0")}${String(rng.int(0, 999_999)).padStart(6, "0")}`;
  for (let i = 0; i < customerCount; i++) {
    const id = rng.uuid();
    const name = companyName("en", "US", (items) => rng.pick(items));
    customers.push({
      id,
      externalRef: `C-${String(i + 1).padStart(6, "0")}`,
      name,
      bankAccounts: [account()],
    });
    currencyOf.push(rng.weighted(CURRENCIES));
    mappings.push({ kind: "name", value: name.toUpperCase().slice(0, 18).trim(), customerId: id });
    if (rng.chance(0.2)) mappings.push({ kind: "account", value: account(), customerId: id });
  }
  // A shared processor account, learned for 2% of customers.
  const processor = "GB33BUKB20201555555555";
  for (const c of customers)
    if (rng.chance(0.02)) mappings.push({ kind: "account", value: processor, customerId: c.id });

  const openInvoices: MatchInvoice[] = [];
  const byCustomer: MatchInvoice[][] = customers.map(() => []);
  for (let k = 0; k < options.invoices; k++) {
    // Skewed: density ∝ 1/√i, so the first accounts hold hundreds of invoices.
    const c = Math.min(customerCount - 1, Math.floor(customerCount * rng.next() ** 2));
    const issue = -rng.int(1, 180);
    const amount = Math.max(100, Math.round(rng.lognormal(150_000, 1)));
    const balance = rng.chance(0.05) ? Math.max(1, Math.round(amount * rng.uniform(0.2, 0.8))) : amount;
    const invoice: MatchInvoice = {
      id: rng.uuid(),
      customerId: customers[c]!.id,
      externalRef: `INV-2025-${String(k + 1).padStart(6, "0")}`,
      currency: currencyOf[c]!,
      amountMinor: amount,
      balanceMinor: balance,
      issueDate: day(issue),
      dueDate: day(issue + 30),
      disputed: rng.chance(0.02),
      earlyDiscount: rng.chance(0.1) ? { percent: 2, until: day(issue + 10) } : null,
    };
    openInvoices.push(invoice);
    byCustomer[c]!.push(invoice);
  }

  const withInvoices = customers.map((_, i) => i).filter((i) => byCustomer[i]!.length > 0);
  const payments: MatchPayment[] = [];
  for (let k = 0; k < options.payments; k++) {
    const c = rng.pick(withInvoices);
    const customer = customers[c]!;
    const invoices = byCustomer[c]!;
    const target = rng.pick(invoices);
    let amount = target.balanceMinor;
    let text: string | null = target.externalRef;
    let chargesMinor: number | null = null;
    const shape = rng.next();
    if (shape < 0.3) text = rng.pick([`Payment ${target.externalRef}`, target.externalRef]);
    else if (shape < 0.5) text = target.externalRef.replace(/-(\d{4})-0*/, (_, y: string) => `${y} `);
    else if (shape < 0.62) text = rng.pick(["SUPPLIER PAYMENT", "payment for may", null]);
    else if (shape < 0.72) {
      const more = invoices
        .filter((i) => i.currency === target.currency && i !== target)
        .slice(0, rng.int(1, 3));
      amount = [target, ...more].reduce((s, i) => s + i.balanceMinor, 0);
      text = `Payment ${[target, ...more].map((i) => i.externalRef).join(", ")}`;
    } else if (shape < 0.79) {
      amount = Math.max(1, Math.round(amount * 0.5));
      text = `part payment ${target.externalRef}`;
    } else if (shape < 0.87) {
      chargesMinor = Math.min(amount - 1, 1500);
      amount -= chargesMinor;
    } else if (shape < 0.9) amount += Math.round(amount * 0.1);
    else if (shape < 0.93) amount = Math.max(1, Math.round(rng.lognormal(150_000, 1)));
    const known = rng.next();
    payments.push({
      id: rng.uuid(),
      externalRef: `BANK-${String(k + 1).padStart(8, "0")}`,
      customerId: known < 0.3 ? customer.id : null,
      payerName: known < 0.97 ? customer.name.toUpperCase().slice(0, 18).trim() : "UNKNOWN PAYER",
      payerAccount: known < 0.75 ? customer.bankAccounts[0]! : known < 0.8 ? processor : account(),
      currency: target.currency,
      amountMinor: amount,
      unappliedMinor: amount,
      receivedOn: day(-rng.int(1, 10)),
      remittanceText: text,
      chargesMinor,
      original: null,
    });
  }
  return { customers, openInvoices, mappings, payments };
}

export function benchCashMatching(options: {
  payments: number;
  invoices: number;
  seed: number;
}): CashBenchResult {
  const ledger = syntheticLedger(options);
  const settings = DEFAULT_MATCH_SETTINGS;
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const dir = createDirectory(ledger);
  const t1 = performance.now();
  const payers = new Map<string, PayerIdentification>();
  for (const p of ledger.payments) payers.set(p.id, identifyPayer(p, dir, settings));
  const matches = matchPayments(ledger.payments, dir, settings, { payers });
  const t2 = performance.now();
  const used = process.cpuUsage(cpu);
  const memory = process.memoryUsage();
  return {
    buildMs: Math.round(t1 - t0),
    matchMs: Math.round(t2 - t1),
    totalMs: Math.round(t2 - t0),
    cpuMs: Math.round((used.user + used.system) / 1000),
    heapUsedMB: Math.round(memory.heapUsed / 1_048_576),
    rssMB: Math.round(memory.rss / 1_048_576),
    payments: ledger.payments.length,
    invoices: ledger.openInvoices.length,
    customers: ledger.customers.length,
    autoApplied: matches.filter((m) => m.autoApply !== null).length,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const options = {
    payments: arg("payments", 10_000),
    invoices: arg("invoices", 100_000),
    seed: arg("seed", 1),
  };
  console.log(
    `$ npx tsx evals/cash-application/bench.ts --payments ${options.payments} --invoices ${options.invoices} --seed ${options.seed}`,
  );
  console.log(JSON.stringify(benchCashMatching(options), null, 2));
}
