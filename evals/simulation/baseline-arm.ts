// The baseline arm: fixed-schedule dunning as an ERP runs it (SAP dunning run, ERPNext Dunning, Odoo
// follow-up levels). A nightly batch at a fixed UTC hour, whatever the customer's local time; each
// invoice climbs levels at fixed days past due; one email per customer per batch lists every invoice
// whose level came due (a letter when there is no email address); the last level refers the invoice
// to legal. No consent, fatigue, promise or plan awareness, and no policy engine: a dispute or a
// cease/bankruptcy notice stops dunning only once a person sets the block, PERSON_FLAG_DELAY_DAYS later.
import { localClock } from "../../policies/rules/helpers.ts";
import type { ArmRun, DeliveryRecord } from "./arm.ts";
import { BASELINE_LEVELS, LETTER_POST_DAYS, PERSON_FLAG_DELAY_DAYS } from "./assumptions.ts";
import { EventQueue, SimClock } from "./clock.ts";
import { type Contact, CustomerBook, DAY_MS } from "./customer.ts";
import type { Portfolio, SimInvoice } from "./portfolio.ts";

const TONE_RANK = { friendly: 0, firm: 1, final: 2 } as const;

interface ErpAccount {
  book: CustomerBook;
  /** The dunning level each invoice has reached. */
  levels: Map<string, number>;
  /** Invoices handed to legal: the ERP dunns them no more. */
  referred: Set<string>;
}

/** The block a person puts on a customer after a cease request or a bankruptcy notice. */
function customerBlocked(book: CustomerBook, day: number): boolean {
  const { cease, customer } = book;
  return (
    (cease !== null && day > cease.day + PERSON_FLAG_DELAY_DAYS) ||
    (customer.bankruptcyDay !== null && day > customer.bankruptcyDay + PERSON_FLAG_DELAY_DAYS)
  );
}

/** The dunning block a person sets on a disputed invoice, lifted when the dispute is resolved. */
function invoiceBlocked(invoice: SimInvoice, day: number): boolean {
  const d = invoice.dispute;
  return d !== null && day > d.raisedDay + PERSON_FLAG_DELAY_DAYS && day <= d.resolvedDay;
}

export function runBaselineArm(portfolio: Portfolio): ArmRun {
  const clock = new SimClock(portfolio.startDate);
  const accounts: ErpAccount[] = portfolio.customers.map((customer) => ({
    book: new CustomerBook(customer, portfolio.seed),
    levels: new Map(),
    referred: new Set(),
  }));
  const deliveries: DeliveryRecord[] = [];
  const openMinorByDay: number[] = [];
  const letters = new EventQueue<{ account: ErpAccount; contact: Contact; postedAt: number }>();
  let legalReferrals = 0;

  const deliver = (account: ErpAccount, contact: Contact, executedAt: number) => {
    const reaction = account.book.receive(contact);
    deliveries.push({
      customerIndex: account.book.customer.index,
      executedAt,
      at: contact.at,
      channel: contact.channel,
      invoiceIds: [...contact.invoiceIds],
      localHour:
        contact.channel === "letter" ? null : localClock(executedAt, account.book.customer.timezone).hour,
      knownStops: [],
      complaints: reaction.complaints,
    });
  };
  const deliverLettersBefore = (until: number) => {
    for (let next = letters.popBefore(until); next; next = letters.popBefore(until))
      deliver(next.item.account, next.item.contact, next.item.postedAt);
  };

  for (let day = 0; day < portfolio.days; day++) {
    const runAt = clock.runAt(day);
    deliverLettersBefore(runAt);
    for (const account of accounts) {
      const { book } = account;
      if (customerBlocked(book, day)) continue;
      const dunned: { invoice: SimInvoice; level: (typeof BASELINE_LEVELS)[number] }[] = [];
      for (const invoice of book.customer.invoices) {
        if (!book.isOpen(invoice, day) || account.referred.has(invoice.id) || invoiceBlocked(invoice, day))
          continue;
        const overdue = day - invoice.dueDay;
        const level = BASELINE_LEVELS.filter((l) => l.offsetDays <= overdue).at(-1);
        if (level && level.level > (account.levels.get(invoice.id) ?? 0)) dunned.push({ invoice, level });
      }
      if (dunned.length === 0) continue;
      for (const { invoice, level } of dunned) account.levels.set(invoice.id, level.level);

      const toLegal = dunned.filter((d) => d.level.action === "legal_referral").map((d) => d.invoice.id);
      if (toLegal.length > 0) {
        legalReferrals += 1;
        for (const id of toLegal) account.referred.add(id);
        book.referToLegal(day, toLegal);
      }
      const notices = dunned.filter((d) => d.level.action === "email");
      if (notices.length === 0) continue;
      const tone = notices
        .map((d) => d.level.tone)
        .reduce((a, b) => (TONE_RANK[b] > TONE_RANK[a] ? b : a), "friendly" as const);
      const invoiceIds = notices.map((d) => d.invoice.id);
      if (book.customer.contact.email) {
        deliver(account, { at: runAt, day, channel: "email", tone, invoiceIds }, runAt);
      } else {
        const at = runAt + LETTER_POST_DAYS * DAY_MS;
        letters.push(at, {
          account,
          contact: { at, day: clock.dayOfMs(at), channel: "letter", tone, invoiceIds },
          postedAt: runAt,
        });
      }
    }
    deliverLettersBefore(clock.dayStartMs(day + 1));
    let open = 0;
    const endMs = clock.dayStartMs(day + 1) - 1;
    for (const account of accounts) {
      account.book.endOfDay(day, endMs);
      open += account.book.openMinor(day);
    }
    openMinorByDay.push(open);
  }
  return {
    books: accounts.map((a) => a.book),
    deliveries,
    openMinorByDay,
    approvals: 0,
    legalReferrals,
    policy: null,
  };
}
