// Writes one scenario's account into an eval database as rows (the givens, like a test's fixtures:
// what an ERP import or earlier runs would have left), and empties the ledger between scenarios so
// each is judged alone — an unidentified payment in one must not look like another's.
import { sql } from "drizzle-orm";
import type { Db } from "../../db/connection.ts";
import {
  communications,
  contacts,
  customers,
  disputes,
  invoices,
  paymentApplications,
  paymentPlans,
  payments,
  promisesToPay,
} from "../../db/schema.ts";
import type { Scenario } from "./schema.ts";

export interface ScenarioClock {
  /** The run's as-of date (YYYY-MM-DD). */
  asOf: string;
  /** The run's instant (ISO, UTC). */
  now: string;
}

const DAY = 86_400_000;
const dayOffset = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
const daysAgo = (clock: ScenarioClock, days: number | undefined) =>
  days === undefined ? null : new Date(Date.parse(clock.now) - days * DAY);

export interface SeededAccount {
  customerId: string;
  invoiceIds: Map<string, string>;
}

/**
 * Empties every table of the scratch ledger (the migrations' own schema is elsewhere). The audit
 * log refuses TRUNCATE by trigger, as it should in a real ledger; here, in a throwaway database, the
 * trigger is switched off for this one transaction and the chain starts again from empty.
 */
export async function clearLedger(db: Db): Promise<void> {
  const rows = await db.execute<{ name: string }>(
    sql`select quote_ident(tablename) as name from pg_tables where schemaname = 'public'`,
  );
  const names = rows.map((r) => r.name);
  if (names.length === 0) return;
  await db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    await tx.execute(sql.raw(`truncate ${names.join(", ")} cascade`));
  });
}

export async function seedScenario(db: Db, scenario: Scenario, clock: ScenarioClock): Promise<SeededAccount> {
  const { account } = scenario;
  const c = account.customer;
  return db.transaction(async (tx) => {
    const [customer] = await tx
      .insert(customers)
      .values({
        externalRef: `SCN-${scenario.id}`.slice(0, 60),
        name: c.name,
        isConsumer: c.isConsumer,
        timezone: c.timezone,
        country: c.country,
        region: c.region,
        currency: c.currency,
        paymentTermsDays: c.paymentTermsDays,
        strategic: c.strategic,
        automationEnabled: c.automationEnabled,
        creditLimitMinor: c.creditLimitMinor,
        bankAccounts: c.bankAccounts,
        owner: "dana.collector",
        doNotContactAt: daysAgo(clock, c.doNotContactDaysAgo),
        ceaseCommunicationAt: daysAgo(clock, c.ceaseCommunicationDaysAgo),
        bankruptcyFiledAt: daysAgo(clock, c.bankruptcyFiledDaysAgo),
        legalHoldAt: daysAgo(clock, c.legalHoldDaysAgo),
        attorneyRepresentedAt: daysAgo(clock, c.attorneyRepresentedDaysAgo),
        legalEscalatedAt: daysAgo(clock, c.legalEscalatedDaysAgo),
        outreachPausedUntil:
          c.outreachPausedForDays === undefined ? null : dayOffset(clock.asOf, c.outreachPausedForDays),
        outreachPauseReason: c.outreachPausedForDays === undefined ? null : "out of office",
      })
      .returning({ id: customers.id });
    const customerId = customer!.id;

    const contactIds = new Map<string, string>();
    for (const k of account.contacts) {
      const consentAt = new Date(Date.parse(clock.now) - 200 * DAY);
      const [row] = await tx
        .insert(contacts)
        .values({
          customerId,
          name: k.name,
          email: k.email,
          phone: k.phone,
          isPrimary: k.isPrimary,
          preferredChannel: k.preferredChannel,
          smsConsentAt: k.smsConsent ? consentAt : null,
          callConsentAt: k.callConsent ? consentAt : null,
          emailOptedOutAt: k.emailOptedOut ? daysAgo(clock, 3) : null,
          smsOptedOutAt: k.smsOptedOut ? daysAgo(clock, 3) : null,
          callOptedOutAt: k.callOptedOut ? daysAgo(clock, 3) : null,
        })
        .returning({ id: contacts.id });
      contactIds.set(k.key, row!.id);
    }

    // The history's applications, worked out first: the payment_applications trigger adds each one to
    // its invoice's paid amount and its payment's applied amount, so the rows start from what the
    // applications do not already account for.
    const historyApplications = spreadHistory(scenario);
    const appliedToInvoice = new Map<string, number>();
    for (const a of historyApplications)
      appliedToInvoice.set(a.invoiceRef, (appliedToInvoice.get(a.invoiceRef) ?? 0) + a.amountMinor);

    const invoiceIds = new Map<string, string>();
    const currencyOf = new Map<string, string>();
    for (const inv of account.invoices) {
      const due = dayOffset(clock.asOf, -inv.daysOverdue);
      const balance = inv.balanceMinor ?? inv.amountMinor;
      const currency = inv.currency ?? c.currency;
      const [row] = await tx
        .insert(invoices)
        .values({
          customerId,
          externalRef: inv.ref,
          currency,
          amountMinor: inv.amountMinor,
          paidMinor: inv.amountMinor - balance - (appliedToInvoice.get(inv.ref) ?? 0),
          issueDate: dayOffset(due, -inv.issueDaysBeforeDue),
          dueDate: due,
          dunningLevel: inv.dunningLevel,
          lastDunnedAt: daysAgo(clock, inv.lastDunnedDaysAgo),
          closedAt: balance === 0 ? daysAgo(clock, 1) : null,
        })
        .returning({ id: invoices.id });
      invoiceIds.set(inv.ref, row!.id);
      currencyOf.set(inv.ref, currency);
    }
    const idsOf = (refs: readonly string[]) => refs.map((r) => invoiceIds.get(r)!);

    for (const p of account.payments) {
      const currency = p.currency ?? c.currency;
      const [row] = await tx
        .insert(payments)
        .values({
          externalRef: p.ref,
          customerId: p.identified ? customerId : null,
          payerName: p.payerName,
          payerAccount: p.payerAccount,
          currency,
          amountMinor: p.amountMinor,
          appliedMinor: 0,
          receivedOn: dayOffset(clock.asOf, -p.receivedDaysAgo),
          remittanceText: p.remittance,
          source: "import",
        })
        .returning({ id: payments.id });
      for (const a of historyApplications.filter((h) => h.paymentRef === p.ref)) {
        await tx.insert(paymentApplications).values({
          paymentId: row!.id,
          invoiceId: invoiceIds.get(a.invoiceRef)!,
          currency,
          amountMinor: a.amountMinor,
          method: "import",
          confidence: 1,
          appliedBy: "import",
        });
      }
    }

    for (const d of account.disputes) {
      const inv = account.invoices.find((i) => i.ref === d.invoice)!;
      await tx.insert(disputes).values({
        customerId,
        invoiceId: invoiceIds.get(d.invoice)!,
        category: d.category,
        status: d.status,
        description: d.description,
        currency: currencyOf.get(d.invoice)!,
        amountMinor: d.amountMinor ?? inv.balanceMinor ?? inv.amountMinor,
        owner: d.owner ?? null,
        openedBy: "customer",
        openedAt: daysAgo(clock, d.openedDaysAgo)!,
        slaDueAt:
          d.slaDueInDays === undefined ? null : new Date(Date.parse(clock.now) + d.slaDueInDays * DAY),
        resolvedAt: d.status === "resolved" || d.status === "rejected" ? daysAgo(clock, 1) : null,
      });
    }

    for (const p of account.promises) {
      await tx.insert(promisesToPay).values({
        customerId,
        invoiceIds: idsOf(p.invoices),
        currency: currencyOf.get(p.invoices[0]!)!,
        amountMinor: p.amountMinor,
        promisedDate: dayOffset(clock.asOf, p.promisedInDays),
        status: p.status,
        source: "customer",
        createdAt: daysAgo(clock, p.madeDaysAgo)!,
        // A kept, broken or cancelled promise was settled on its date (or yesterday, if that is still ahead).
        resolvedAt: p.status === "open" ? null : daysAgo(clock, Math.max(1, -p.promisedInDays)),
      });
    }

    for (const p of account.plans) {
      await tx.insert(paymentPlans).values({
        customerId,
        invoiceIds: idsOf(p.invoices),
        currency: currencyOf.get(p.invoices[0]!)!,
        totalMinor: p.installments.reduce((sum, i) => sum + i.amountMinor, 0),
        installments: p.installments.map((i) => ({
          dueDate: dayOffset(clock.asOf, i.dueInDays),
          amountMinor: i.amountMinor,
        })),
        status: p.status,
        createdAt: daysAgo(clock, p.madeDaysAgo)!,
      });
    }

    const primaryContact = contactIds.values().next().value ?? null;
    for (const m of account.communications) {
      await tx.insert(communications).values({
        customerId,
        contactId: primaryContact,
        direction: m.direction,
        channel: m.channel,
        status: m.direction === "inbound" ? "received" : "sent",
        body: m.body,
        isConversation: m.isConversation,
        occurredAt: new Date(Date.parse(clock.now) - m.hoursAgo * 3_600_000),
      });
    }
    return { customerId, invoiceIds };
  });
}

/**
 * A paid history entry's applications: each payment with `appliedTo` is spread over those invoices in
 * order, each taking what of it is paid (amount − balance) and not yet taken by an earlier payment.
 * The whole payment must be absorbed (it is history, not cash to apply) and no invoice's paid part
 * may be exceeded; otherwise the scenario is inconsistent and says so.
 */
function spreadHistory(
  scenario: Scenario,
): { paymentRef: string; invoiceRef: string; amountMinor: number }[] {
  const { invoices, payments } = scenario.account;
  const room = new Map(invoices.map((i) => [i.ref, i.amountMinor - (i.balanceMinor ?? i.amountMinor)]));
  const out: { paymentRef: string; invoiceRef: string; amountMinor: number }[] = [];
  for (const p of payments) {
    if (!p.appliedTo) continue;
    let left = p.amountMinor;
    for (const invoiceRef of p.appliedTo) {
      const amount = Math.min(left, room.get(invoiceRef) ?? 0);
      if (amount <= 0) continue;
      room.set(invoiceRef, room.get(invoiceRef)! - amount);
      left -= amount;
      out.push({ paymentRef: p.ref, invoiceRef, amountMinor: amount });
    }
    if (left > 0)
      throw new Error(
        `scenario ${scenario.id}: payment ${p.ref} is applied to ${p.appliedTo.join(", ")}, whose paid amounts (amount − balance) leave ${left} of it unabsorbed`,
      );
  }
  return out;
}
