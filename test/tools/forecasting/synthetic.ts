// A deterministic synthetic payment history for model tests: customers with their own habit (days
// late around a customer mean), disputes that add about two weeks, paper bills a few days, all with
// seeded noise. Small enough to train on in a fraction of a second.
import { addDays } from "../../../tools/forecasting/dates.ts";
import type { HistoryInvoice } from "../../../tools/forecasting/index.ts";

/** Park–Miller LCG: deterministic test noise. */
function lcg(seed: number) {
  let state = seed % 2_147_483_647 || 1;
  return () => {
    state = (state * 48_271) % 2_147_483_647;
    return state / 2_147_483_647;
  };
}

export interface SyntheticOptions {
  customers?: number;
  invoicesPerCustomer?: number;
  seed?: number;
  start?: string;
}

export function syntheticHistory(options: SyntheticOptions = {}): HistoryInvoice[] {
  const random = lcg(options.seed ?? 7);
  const rows: HistoryInvoice[] = [];
  const customers = options.customers ?? 40;
  const perCustomer = options.invoicesPerCustomer ?? 15;
  for (let c = 0; c < customers; c++) {
    const habit = Math.round(-10 + random() * 30); // −10 … +20 days late
    const paperless = random() < 0.5;
    let invoiceDate = addDays(options.start ?? "2024-01-01", Math.floor(random() * 20));
    for (let k = 0; k < perCustomer; k++) {
      const disputed = random() < 0.15;
      const noise = Math.round((random() - 0.5) * 6);
      const late = habit + (disputed ? 14 : 0) + (paperless ? 0 : 3) + noise;
      const dueDate = addDays(invoiceDate, 30);
      const paid = addDays(dueDate, Math.max(-30, late));
      rows.push({
        customerId: `C${String(c).padStart(3, "0")}`,
        invoiceId: `C${c}-${k}`,
        invoiceDate,
        dueDate,
        paidDate: paid,
        amountMinor: 10_000 + Math.floor(random() * 90_000),
        disputed,
        paperless,
      });
      invoiceDate = addDays(invoiceDate, 20 + Math.floor(random() * 20));
    }
  }
  return rows;
}
