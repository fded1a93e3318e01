// AR metrics as of any date, from plain invoices and the payments / credits applied to them: DSO
// (standard and countback), aging, at-risk rate and the collection effectiveness index. Every figure
// is per currency; nothing here reads the ledger or the clock.
//
// Period convention (DSO standard, CEI): the period is the `periodDays` days ending at asOf,
// inclusive: [asOf − periodDays + 1, asOf]. Beginning AR is the balance at the end of the day before
// the period starts (asOf − periodDays); ending AR is the balance at the end of asOf; credit sales are
// the invoices issued inside the period. So beginning AR + credit sales − ending AR is exactly what
// was collected, credited or written off during the period.
import { assertCurrency } from "../../db/money.ts";
import { AGING_BUCKETS, type AgingBucket, type AgingRow, agingBucketOf } from "../aging.ts";
import { addDays, assertDate, compareText, daysBetween, monthStart } from "./dates.ts";

export interface LedgerInvoice {
  id: string;
  currency: string;
  /** YYYY-MM-DD; the invoice is a credit sale on this day. */
  issueDate: string;
  /** YYYY-MM-DD; past due from the next day on. */
  dueDate: string;
  /** The invoiced amount in minor units (> 0). */
  amountMinor: number;
  /**
   * YYYY-MM-DD it was voided, if it was. A void corrects a mistake: as of a date on or after it the
   * invoice is treated as never issued (no sale, no receivable, in any period); as of an earlier date
   * it counts in full, as it did then.
   */
  voidedOn?: string | null;
}

/**
 * Something that reduced an invoice's balance on a date: cash applied, a credit note, a write-off.
 * In the invoice's currency; amountMinor > 0 reduces the balance. The kind is informational (all
 * three reduce AR; none is a sale).
 */
export interface LedgerEvent {
  invoiceId: string;
  kind: "payment" | "credit" | "write_off";
  /** YYYY-MM-DD; the balance at the end of this day includes it. */
  date: string;
  amountMinor: number;
}

export interface Ledger {
  invoices: readonly LedgerInvoice[];
  events: readonly LedgerEvent[];
}

/** A ratio that may be undefined; when it is, `reason` says why (never Infinity or NaN). */
export type Figure = { value: number; reason: null } | { value: null; reason: string };

export type CountbackPeriod = { unit: "month" } | { unit: "days"; days: number };

export interface MetricsOptions {
  /** Length of the DSO-standard and CEI period, ending at asOf. Default 90. */
  periodDays?: number;
  /** DSO countback step: calendar months (default) or fixed blocks of days ending at asOf. */
  countback?: CountbackPeriod;
  /** Countback gives up (value null) when AR is not exhausted after this many periods. Default 24. */
  maxCountbackPeriods?: number;
}

export const DEFAULT_PERIOD_DAYS = 90;
export const DEFAULT_MAX_COUNTBACK_PERIODS = 24;

export interface CurrencyMetrics {
  currency: string;
  asOf: string;
  /** First day of the DSO-standard / CEI period (inclusive). */
  periodStart: string;
  periodDays: number;
  /** AR at the end of the day before periodStart. */
  beginningArMinor: number;
  /** Invoices issued in [periodStart, asOf]. */
  creditSalesMinor: number;
  /** AR at the end of asOf. */
  endingArMinor: number;
  /** The part of endingArMinor not yet past due (aging bucket "current"). */
  endingCurrentArMinor: number;
  /** endingAR ÷ creditSales × periodDays. */
  dsoStandard: Figure;
  dsoCountback: Figure;
  /** Collection effectiveness index, 0..100 (percent). */
  cei: Figure;
  /** Open balance by aging bucket at asOf (the same buckets and shape as tools/aging.ts). */
  aging: AgingRow;
  /** Share (0..1) of the AR balance more than 90 days past due (bucket "91+"). */
  atRiskRate: Figure;
}

const figure = (value: number): Figure => ({ value, reason: null });
const undefinedFigure = (reason: string): Figure => ({ value: null, reason });

export { agingBucketOf };

export const emptyBuckets = (): Record<AgingBucket, number> =>
  Object.fromEntries(AGING_BUCKETS.map((b) => [b, 0])) as Record<AgingBucket, number>;

function assertMinor(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${what}: ${value} is not a non-negative integer amount in minor units`);
  }
}

/** Ledger checked once, as known at asOf: voided invoices left out, events grouped and sorted by date. */
interface IndexedLedger {
  invoices: readonly LedgerInvoice[];
  eventsByInvoice: Map<string, LedgerEvent[]>;
}

function indexLedger(ledger: Ledger, asOf: string): IndexedLedger {
  const ids = new Set<string>();
  for (const invoice of ledger.invoices) {
    if (ids.has(invoice.id)) throw new RangeError(`invoice ${invoice.id} appears twice`);
    ids.add(invoice.id);
    assertCurrency(invoice.currency);
    assertDate(invoice.issueDate, `invoice ${invoice.id} issueDate`);
    assertDate(invoice.dueDate, `invoice ${invoice.id} dueDate`);
    if (invoice.voidedOn) assertDate(invoice.voidedOn, `invoice ${invoice.id} voidedOn`);
    assertMinor(invoice.amountMinor, `invoice ${invoice.id} amountMinor`);
  }
  const eventsByInvoice = new Map<string, LedgerEvent[]>();
  for (const event of ledger.events) {
    if (!ids.has(event.invoiceId)) throw new RangeError(`event for unknown invoice ${event.invoiceId}`);
    assertDate(event.date, `event on invoice ${event.invoiceId} date`);
    assertMinor(event.amountMinor, `event on invoice ${event.invoiceId} amountMinor`);
    const list = eventsByInvoice.get(event.invoiceId) ?? [];
    list.push(event);
    eventsByInvoice.set(event.invoiceId, list);
  }
  for (const list of eventsByInvoice.values()) list.sort((a, b) => compareText(a.date, b.date));
  const invoices = ledger.invoices.filter((i) => !(i.voidedOn && i.voidedOn <= asOf));
  return { invoices, eventsByInvoice };
}

/**
 * An invoice's balance at the end of `date`: its amount less the events dated on or before it, never
 * below 0 (money applied beyond the amount is unapplied cash, not negative AR). 0 before it is issued
 * and from the day it is voided.
 */
function balanceOn(index: IndexedLedger, invoice: LedgerInvoice, date: string): number {
  if (invoice.issueDate > date) return 0;
  let balance = invoice.amountMinor;
  for (const event of index.eventsByInvoice.get(invoice.id) ?? []) {
    if (event.date > date) break;
    balance -= event.amountMinor;
  }
  return Math.max(0, balance);
}

/** Every invoice's balance at the end of `date` (0 for those not yet issued, voided or settled). */
export function balancesAsOf(ledger: Ledger, date: string): Map<string, number> {
  assertDate(date, "date");
  const index = indexLedger(ledger, date);
  const live = new Set(index.invoices);
  return new Map(ledger.invoices.map((i) => [i.id, live.has(i) ? balanceOn(index, i, date) : 0]));
}

/** Open balance per currency and aging bucket at the end of asOf: tools/aging.ts's rows, from plain data. */
export function agingAsOf(ledger: Ledger, asOf: string): AgingRow[] {
  assertDate(asOf, "asOf");
  return agingOf(indexLedger(ledger, asOf), asOf);
}

function agingOf(index: IndexedLedger, asOf: string): AgingRow[] {
  const rows = new Map<string, AgingRow>();
  for (const invoice of index.invoices) {
    const balance = balanceOn(index, invoice, asOf);
    if (balance <= 0) continue;
    let row = rows.get(invoice.currency);
    if (!row) {
      row = { currency: invoice.currency, buckets: emptyBuckets(), totalMinor: 0, openInvoices: 0 };
      rows.set(invoice.currency, row);
    }
    row.buckets[agingBucketOf(daysBetween(invoice.dueDate, asOf))] += balance;
    row.totalMinor += balance;
    row.openInvoices += 1;
  }
  return [...rows.values()].sort((a, b) => compareText(a.currency, b.currency));
}

/** Credit sales: the amounts of the invoices issued in [from, to] (inclusive; voids already left out). */
function salesBetween(invoices: readonly LedgerInvoice[], from: string, to: string): number {
  let sum = 0;
  for (const invoice of invoices) {
    if (invoice.issueDate >= from && invoice.issueDate <= to) {
      sum += invoice.amountMinor;
    }
  }
  return sum;
}

/** DSO standard = ending AR ÷ credit sales in the period × days in the period. */
export function dsoStandard(endingArMinor: number, creditSalesMinor: number, periodDays: number): Figure {
  if (creditSalesMinor <= 0) {
    return undefinedFigure(
      endingArMinor > 0
        ? `no credit sales in the ${periodDays}-day period: receivables outstanding against no sales`
        : `no credit sales and no receivables in the ${periodDays}-day period`,
    );
  }
  return figure((endingArMinor / creditSalesMinor) * periodDays);
}

/** One countback step, newest first: its length in days and its credit sales. */
export interface CountbackStep {
  days: number;
  salesMinor: number;
}

/**
 * DSO by the countback (exhaustion) method: start from the ending AR and subtract each period's
 * credit sales, newest period first; every period whose sales are used up in full adds its days, and
 * the period that exhausts the balance adds the fraction remaining ÷ its sales of its days. As
 * practitioners define it (e.g. the Credit Research Foundation's and AR benchmarking guides'
 * "countback" or "exhaustion" DSO): it counts how many days of the most recent sales the AR represents,
 * so it is not distorted by a sales spike or dip the way the averaging method is.
 */
export function dsoCountback(endingArMinor: number, steps: readonly CountbackStep[]): Figure {
  if (endingArMinor <= 0) return figure(0);
  let remaining = endingArMinor;
  let days = 0;
  for (const step of steps) {
    if (step.salesMinor >= remaining) return figure(days + (remaining / step.salesMinor) * step.days);
    remaining -= step.salesMinor;
    days += step.days;
  }
  return undefinedFigure(
    steps.every((s) => s.salesMinor === 0)
      ? `no credit sales in the last ${steps.length} countback periods`
      : `AR exceeds the credit sales of the last ${steps.length} countback periods (more than ${days} days)`,
  );
}

/** The countback periods ending at asOf, newest first, with their credit sales. */
export function countbackSteps(
  invoices: readonly LedgerInvoice[],
  asOf: string,
  period: CountbackPeriod,
  count: number,
): CountbackStep[] {
  const live = invoices.filter((i) => !(i.voidedOn && i.voidedOn <= asOf));
  const steps: CountbackStep[] = [];
  let end = asOf;
  for (let k = 0; k < count; k++) {
    const start = period.unit === "month" ? monthStart(asOf, k) : addDays(end, 1 - period.days);
    steps.push({ days: daysBetween(start, end) + 1, salesMinor: salesBetween(live, start, end) });
    end = addDays(start, -1);
  }
  return steps;
}

/**
 * Collection effectiveness index (Credit Research Foundation):
 *   CEI = (beginning AR + credit sales − ending total AR) ÷ (beginning AR + credit sales − ending current AR) × 100
 * What was collected over what was collectable; 100 = everything that fell due was collected.
 */
export function collectionEffectivenessIndex(
  beginningArMinor: number,
  creditSalesMinor: number,
  endingArMinor: number,
  endingCurrentArMinor: number,
): Figure {
  const collectable = beginningArMinor + creditSalesMinor - endingCurrentArMinor;
  if (collectable <= 0) {
    return undefinedFigure(
      "nothing was collectable in the period (beginning AR + sales − ending current AR ≤ 0)",
    );
  }
  return figure(((beginningArMinor + creditSalesMinor - endingArMinor) / collectable) * 100);
}

/** Every metric for every currency with an invoice issued on or before asOf (sorted by currency). */
export function arMetrics(ledger: Ledger, asOf: string, options: MetricsOptions = {}): CurrencyMetrics[] {
  assertDate(asOf, "asOf");
  const periodDays = options.periodDays ?? DEFAULT_PERIOD_DAYS;
  const maxPeriods = options.maxCountbackPeriods ?? DEFAULT_MAX_COUNTBACK_PERIODS;
  const countback = options.countback ?? { unit: "month" };
  if (!Number.isInteger(periodDays) || periodDays < 1) throw new RangeError(`periodDays ${periodDays} < 1`);
  if (!Number.isInteger(maxPeriods) || maxPeriods < 1) throw new RangeError(`maxCountbackPeriods < 1`);
  if (countback.unit === "days" && (!Number.isInteger(countback.days) || countback.days < 1)) {
    throw new RangeError(`countback days ${countback.days} < 1`);
  }
  const index = indexLedger(ledger, asOf);
  const periodStart = addDays(asOf, 1 - periodDays);
  const dayBefore = addDays(periodStart, -1);
  const aging = new Map(agingOf(index, asOf).map((row) => [row.currency, row]));

  const currencies = [
    ...new Set(index.invoices.filter((i) => i.issueDate <= asOf).map((i) => i.currency)),
  ].sort(compareText);
  return currencies.map((currency) => {
    const invoices = index.invoices.filter((i) => i.currency === currency);
    const beginningArMinor = invoices.reduce((sum, i) => sum + balanceOn(index, i, dayBefore), 0);
    const creditSalesMinor = salesBetween(invoices, periodStart, asOf);
    const row = aging.get(currency) ?? { currency, buckets: emptyBuckets(), totalMinor: 0, openInvoices: 0 };
    const endingArMinor = row.totalMinor;
    const endingCurrentArMinor = row.buckets.current;
    return {
      currency,
      asOf,
      periodStart,
      periodDays,
      beginningArMinor,
      creditSalesMinor,
      endingArMinor,
      endingCurrentArMinor,
      dsoStandard: dsoStandard(endingArMinor, creditSalesMinor, periodDays),
      dsoCountback: dsoCountback(endingArMinor, countbackSteps(invoices, asOf, countback, maxPeriods)),
      cei: collectionEffectivenessIndex(
        beginningArMinor,
        creditSalesMinor,
        endingArMinor,
        endingCurrentArMinor,
      ),
      aging: row,
      atRiskRate:
        endingArMinor > 0
          ? figure(row.buckets["91+"] / endingArMinor)
          : undefinedFigure("no open receivables"),
    };
  });
}
