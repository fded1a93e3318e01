// Disputes, rules brain: triage, evidence-based settlement, expiry, and which invoices stay held out
// of dunning. Pure: (snapshot, policy, options) → planned calls. Dates come from snapshot.asOf.
//
// For each live dispute (open or investigating), oldest first, the first path that applies:
// 1. Evidence (only on an open invoice with a balance):
//    - duplicate billing: another invoice of the customer (open or paid) with the same amount and
//      currency, issued at most DUPLICATE_WINDOW_DAYS apart, and the disputed one is the later →
//      `issue_credit_note` for the disputed invoice's balance, then `resolve_dispute` resolved.
//      A credit above the policy's hard limit is not planned (it would be refused); above the auto
//      limit it is planned all the same — the runner asks a person.
//    - already paid: a payment (the customer's, unidentified, or recent) of exactly the invoice's
//      balance whose remittance cites its number (case, spaces, dashes and leading zeros aside) →
//      never a credit: `apply_payment` when that money is still unapplied, then `resolve_dispute`.
//      When an earlier specialist already planned applications covering the balance, only the resolve.
//      When the invoice is already settled by payments (cash application applied the money earlier in
//      this run, whose next snapshot no longer lists it as open, or on an earlier day) → only
//      `resolve_dispute` resolved: the ledger confirms the customer.
// 2. Expiry: SLA (stored, else opening + the category's SLA days) + EXPIRY_GRACE_DAYS before asOf, no
//    inbound message about it (or about nothing in particular) since it opened, not a consumer
//    account → `resolve_dispute` expired, so the invoice returns to the cadence. Consumer disputes are
//    never expired by the machine: a written dispute halts collection until verified (15 U.S.C. 1692g).
// 3. Triage: a category to set ("other" or a stored category a high-confidence reading contradicts),
//    no owner, no SLA, or an untouched "other" → `triage_dispute` with the category (changed or
//    confirmed), the owner and SLA when missing, and status investigating.
// Customer text is only categorised: nothing here copies it into a call, a reason or a note.
import type { PolicyDocument } from "../../policies/index.ts";
import {
  CONFIDENCE,
  compareText,
  findCitations,
  type ReferenceQuality,
} from "../../tools/cash-matching/index.ts";
import type {
  AccountSnapshot,
  PlannedCall,
  SnapshotDispute,
  SnapshotOpenInvoice,
  SnapshotPaidInvoice,
  SnapshotPayment,
} from "../../tools/read/account-snapshot-types.ts";
import {
  type Categorisation,
  categorizeDispute,
  type DisputeCategory,
  HIGH_CONFIDENCE,
  RECATEGORISE_OTHER_CONFIDENCE,
} from "./categorize.ts";
import { DUPLICATE_WINDOW_DAYS, EXPIRY_GRACE_DAYS, ownerFor, SLA_DAYS_BY_CATEGORY } from "./routing.ts";

export interface DisputeDecision {
  calls: PlannedCall[];
  notes: string[];
  /** Invoices still under a live dispute once the planned calls have run (sorted): collection skips them. */
  heldInvoiceIds: string[];
  /** Call key → keys that must have executed first (a resolve waits for its credit note or payment). */
  dependsOn: Record<string, string[]>;
}

export interface DisputeOptions {
  /**
   * Calls already planned in this pass by earlier specialists (cash application): their
   * `apply_payment` applications count as money already on its way to the invoices.
   */
  plannedCalls?: readonly PlannedCall[];
  /** The categoriser; the rules one by default (the LLM brain may bring its own). */
  categorize?: (text: string) => Categorisation;
}

/** Remittance citations good enough to call an invoice "cited": case, spaces, dashes, leading zeros. */
const CITING_QUALITIES: ReadonlySet<ReferenceQuality> = new Set(["exact", "zeros", "fused"]);

const LIVE = new Set<SnapshotDispute["status"]>(["open", "investigating"]);
const DAY_MS = 86_400_000;

function dateMs(date: string): number {
  return Date.parse(`${date.slice(0, 10)}T00:00:00Z`);
}
const daysBetween = (from: string, to: string) => Math.round((dateMs(to) - dateMs(from)) / DAY_MS);

/** "1,234.56 USD", as the policy engine writes amounts. */
export function money(minor: number, currency: string): string {
  try {
    const digits =
      new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ??
      2;
    const text = new Intl.NumberFormat("en-US", {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(minor / 10 ** digits);
    return `${text} ${currency}`;
  } catch {
    return `${minor} minor units of ${currency}`;
  }
}

/** The category a dispute should carry, and why it changes (null when it stays). */
export function effectiveCategory(
  dispute: Pick<SnapshotDispute, "category">,
  reading: Categorisation,
): { category: DisputeCategory; changed: boolean } {
  const stored = dispute.category;
  if (reading.category === stored || reading.category === "other")
    return { category: stored, changed: false };
  const threshold = stored === "other" ? RECATEGORISE_OTHER_CONFIDENCE : HIGH_CONFIDENCE;
  return reading.confidence >= threshold
    ? { category: reading.category, changed: true }
    : { category: stored, changed: false };
}

/** The invoice the disputed one duplicates, if the ledger shows one. */
export function findDuplicateOriginal(
  disputed: SnapshotOpenInvoice,
  openInvoices: readonly SnapshotOpenInvoice[],
  paidInvoices: readonly SnapshotPaidInvoice[],
): SnapshotOpenInvoice | SnapshotPaidInvoice | null {
  const later = (a: { issueDate: string; externalRef: string; id: string }, b: typeof a) =>
    compareText(a.issueDate, b.issueDate) ||
    compareText(a.externalRef, b.externalRef) ||
    compareText(a.id, b.id);
  const candidates = [...openInvoices, ...paidInvoices].filter(
    (other) =>
      other.id !== disputed.id &&
      other.currency === disputed.currency &&
      other.amountMinor === disputed.amountMinor &&
      Math.abs(daysBetween(other.issueDate, disputed.issueDate)) <= DUPLICATE_WINDOW_DAYS &&
      later(disputed, other) > 0,
  );
  // The closest in time, then the earliest number: one answer whatever the input order.
  candidates.sort(
    (a, b) =>
      Math.abs(daysBetween(a.issueDate, disputed.issueDate)) -
        Math.abs(daysBetween(b.issueDate, disputed.issueDate)) ||
      compareText(a.externalRef, b.externalRef) ||
      compareText(a.id, b.id),
  );
  return candidates[0] ?? null;
}

/** The customer's payments applied to an invoice (recentPayments' applications), oldest first. */
function paymentsAppliedTo(snapshot: AccountSnapshot, invoiceId: string): SnapshotPayment[] {
  const applied = new Map<string, SnapshotPayment>();
  for (const p of snapshot.recentPayments)
    if (p.appliedTo.some((a) => a.invoiceId === invoiceId && a.amountMinor > 0)) applied.set(p.id, p);
  return [...applied.values()].sort(
    (a, b) => compareText(a.receivedOn, b.receivedOn) || compareText(a.id, b.id),
  );
}

export function decideDisputes(
  snapshot: AccountSnapshot,
  policy: PolicyDocument,
  options: DisputeOptions = {},
): DisputeDecision {
  const categorize = options.categorize ?? categorizeDispute;
  const customer = snapshot.customer;
  const calls: PlannedCall[] = [];
  const notes: string[] = [];
  const dependsOn: Record<string, string[]> = {};
  const resolving = new Set<string>();

  // Money already spoken for: earlier specialists' planned applications, then our own.
  const balance = new Map(snapshot.openInvoices.map((i) => [i.id, i.balanceMinor]));
  const unapplied = new Map<string, number>();
  const payments = new Map<string, SnapshotPayment>();
  for (const p of [
    ...snapshot.unappliedPayments,
    ...snapshot.candidatePayments,
    ...snapshot.recentPayments,
  ]) {
    if (p.customerId !== null && p.customerId !== customer.id) continue;
    if (!payments.has(p.id)) {
      payments.set(p.id, p);
      unapplied.set(p.id, p.unappliedMinor);
    }
  }
  const coveredBy = new Map<string, string[]>(); // invoice → keys of earlier planned applications
  for (const call of options.plannedCalls ?? []) {
    if (call.tool !== "apply_payment") continue;
    const input = call.input as {
      paymentId?: string;
      applications?: { invoiceId: string; amountMinor: number }[];
    };
    for (const a of input.applications ?? []) {
      balance.set(a.invoiceId, (balance.get(a.invoiceId) ?? 0) - a.amountMinor);
      if (input.paymentId)
        unapplied.set(input.paymentId, (unapplied.get(input.paymentId) ?? 0) - a.amountMinor);
      coveredBy.set(a.invoiceId, [...(coveredBy.get(a.invoiceId) ?? []), call.key]);
    }
  }

  const invoiceById = new Map(snapshot.openInvoices.map((i) => [i.id, i]));
  // Settled invoices (no balance) that payments were applied to: a dispute on one is about paid money.
  const paidInvoiceById = new Map(snapshot.paidInvoices.map((i) => [i.id, i]));
  const live = snapshot.disputes
    .filter((d) => LIVE.has(d.status))
    .sort((a, b) => compareText(a.openedAt, b.openedAt) || compareText(a.id, b.id));

  for (const dispute of live) {
    const invoice = invoiceById.get(dispute.invoiceId) ?? null;
    const settled = invoice ? null : (paidInvoiceById.get(dispute.invoiceId) ?? null);
    const label = invoice
      ? `dispute on ${invoice.externalRef}`
      : settled
        ? `dispute on ${settled.externalRef}`
        : `dispute ${dispute.id}`;
    const reading = categorize(dispute.description);
    const { category, changed } = effectiveCategory(dispute, reading);
    const resolveKey = `dispute:${dispute.id}:resolve`;
    const open = invoice && (balance.get(invoice.id) ?? 0) > 0 ? invoice : null;

    // 1. Evidence.
    if (invoice && category === "duplicate_billing" && open) {
      const original = findDuplicateOriginal(invoice, snapshot.openInvoices, snapshot.paidInvoices);
      const amount = balance.get(invoice.id)!;
      if (original) {
        const { autoMaxMinor, hardMaxPercentOfInvoice } = policy.limits.creditNote;
        const apart = Math.abs(daysBetween(original.issueDate, invoice.issueDate));
        if (amount * 100 > hardMaxPercentOfInvoice * invoice.amountMinor) {
          notes.push(
            `${label}: duplicates ${original.externalRef}, but a credit of ${money(amount, invoice.currency)} is above the policy's hard limit (${hardMaxPercentOfInvoice}% of the invoice); left for a person`,
          );
        } else {
          const creditKey = `dispute:${dispute.id}:credit`;
          const auto = autoMaxMinor[invoice.currency] ?? autoMaxMinor.default;
          calls.push({
            tool: "issue_credit_note",
            input: {
              invoiceId: invoice.id,
              amountMinor: amount,
              reason: `Duplicate billing: ${invoice.externalRef} repeats ${original.externalRef} (same amount ${money(invoice.amountMinor, invoice.currency)}, issued ${apart} day(s) apart).`,
            },
            key: creditKey,
            why: `${label}: the ledger shows ${original.externalRef} with the same amount issued ${apart} day(s) earlier; credit the duplicate's balance`,
          });
          calls.push({
            tool: "resolve_dispute",
            input: {
              disputeId: dispute.id,
              outcome: "resolved",
              resolution: `Duplicate of ${original.externalRef}: credit note for ${money(amount, invoice.currency)} issued against ${invoice.externalRef}.`,
            },
            key: resolveKey,
            why: `${label}: settled by the credit note`,
          });
          dependsOn[resolveKey] = [creditKey];
          resolving.add(dispute.id);
          balance.set(invoice.id, 0);
          notes.push(
            `${label}: duplicate of ${original.externalRef}; credit note of ${money(amount, invoice.currency)} planned${amount > auto ? ` (above the ${money(auto, invoice.currency)} auto limit: needs approval)` : ""}`,
          );
          continue;
        }
      } else {
        notes.push(
          `${label}: said to be a duplicate, but no invoice of the same amount within ${DUPLICATE_WINDOW_DAYS} days; left for its owner`,
        );
      }
    }

    if (settled && category === "already_paid") {
      const applied = paymentsAppliedTo(snapshot, settled.id);
      const by =
        applied.length > 0
          ? `payment${applied.length > 1 ? "s" : ""} ${applied.map((p) => `${p.externalRef} (${p.receivedOn})`).join(", ")} applied to it`
          : `last payment received ${settled.paidOn}`;
      calls.push({
        tool: "resolve_dispute",
        input: {
          disputeId: dispute.id,
          outcome: "resolved",
          resolution: `Already paid: ${settled.externalRef} is settled (${by}); no balance remains.`,
        },
        key: resolveKey,
        why: `${label}: the ledger shows the invoice paid (${by})`,
      });
      resolving.add(dispute.id);
      notes.push(`${label}: already paid, and the ledger shows it settled (${by}); resolve planned`);
      continue;
    }

    if (invoice && category === "already_paid") {
      const original = invoice.balanceMinor;
      const covering = coveredBy.get(invoice.id) ?? [];
      if (covering.length > 0 && (balance.get(invoice.id) ?? 0) <= 0) {
        calls.push({
          tool: "resolve_dispute",
          input: {
            disputeId: dispute.id,
            outcome: "resolved",
            resolution: `Payment found and applied to ${invoice.externalRef} by cash application; the invoice is settled.`,
          },
          key: resolveKey,
          why: `${label}: the customer's payment is being applied to it`,
        });
        dependsOn[resolveKey] = [...covering];
        resolving.add(dispute.id);
        notes.push(`${label}: already paid, and cash application applies the payment; resolve planned`);
        continue;
      }
      if (open) {
        const evidence = [...payments.values()]
          .map((p) => ({
            payment: p,
            quality: findCitations(p.remittanceText, [invoice]).find((c) => CITING_QUALITIES.has(c.quality))
              ?.quality,
          }))
          .filter(
            (e): e is { payment: SnapshotPayment; quality: ReferenceQuality } =>
              e.quality !== undefined &&
              e.payment.currency === invoice.currency &&
              e.payment.amountMinor === original,
          )
          .sort(
            (a, b) =>
              compareText(a.payment.receivedOn, b.payment.receivedOn) ||
              compareText(a.payment.id, b.payment.id),
          );
        const usable = evidence.find((e) => (unapplied.get(e.payment.id) ?? 0) >= original);
        if (usable && (balance.get(invoice.id) ?? 0) === original) {
          const { payment, quality } = usable;
          const applyKey = `dispute:${dispute.id}:apply`;
          calls.push({
            tool: "apply_payment",
            input: {
              paymentId: payment.id,
              applications: [{ invoiceId: invoice.id, amountMinor: original }],
              method: "reference",
              confidence: CONFIDENCE.REFERENCE_EXACT_AMOUNT[quality],
            },
            key: applyKey,
            why: `${label}: payment ${payment.externalRef} of ${money(payment.amountMinor, payment.currency)} received ${payment.receivedOn} cites ${invoice.externalRef} and equals its balance`,
          });
          calls.push({
            tool: "resolve_dispute",
            input: {
              disputeId: dispute.id,
              outcome: "resolved",
              resolution: `Already paid: payment ${payment.externalRef} (${payment.receivedOn}) applied to ${invoice.externalRef}.`,
            },
            key: resolveKey,
            why: `${label}: settled by applying the customer's payment`,
          });
          dependsOn[resolveKey] = [applyKey];
          resolving.add(dispute.id);
          unapplied.set(payment.id, (unapplied.get(payment.id) ?? 0) - original);
          balance.set(invoice.id, 0);
          notes.push(
            `${label}: already paid by ${payment.externalRef}; apply and resolve planned (no credit note)`,
          );
          continue;
        }
        if (evidence.length > 0) {
          notes.push(
            `${label}: payment ${evidence[0]!.payment.externalRef} cites it for its balance but its money is applied elsewhere; needs a person`,
          );
        } else {
          notes.push(
            `${label}: said to be paid, but no payment of ${money(original, invoice.currency)} citing it; left for its owner`,
          );
        }
      }
    }

    // 2. Expiry.
    const slaDueAt =
      dispute.slaDueAt ??
      new Date(Date.parse(dispute.openedAt) + SLA_DAYS_BY_CATEGORY[category] * DAY_MS).toISOString();
    const pastSla = daysBetween(slaDueAt, snapshot.asOf);
    if (pastSla > EXPIRY_GRACE_DAYS) {
      const heardFrom = snapshot.communications.some(
        (c) =>
          c.direction === "inbound" &&
          Date.parse(c.occurredAt) >= Date.parse(dispute.openedAt) &&
          (c.invoiceIds.length === 0 || c.invoiceIds.includes(dispute.invoiceId)),
      );
      if (customer.isConsumer) {
        notes.push(
          `${label}: ${pastSla} days past its SLA; a consumer dispute is never expired automatically (needs verification)`,
        );
      } else if (heardFrom) {
        notes.push(
          `${label}: ${pastSla} days past its SLA, but the customer has written since it opened; left for its owner`,
        );
      } else {
        calls.push({
          tool: "resolve_dispute",
          input: {
            disputeId: dispute.id,
            outcome: "expired",
            resolution: `Expired: ${pastSla} days past its SLA (grace ${EXPIRY_GRACE_DAYS} days) with no word from the customer since it was opened; the invoice returns to the collection cadence.`,
          },
          key: resolveKey,
          why: `${label}: SLA passed ${pastSla} days ago, nothing heard from the customer`,
        });
        resolving.add(dispute.id);
        notes.push(`${label}: expired ${pastSla} days after its SLA; the invoice returns to the cadence`);
        continue;
      }
    }

    // 3. Triage.
    // The category is always stated (changed or confirmed); owner and SLA only when missing.
    const input: Record<string, unknown> = { disputeId: dispute.id, category };
    const what: string[] = [];
    if (changed) {
      what.push(
        `category ${dispute.category} → ${category} (rules matched ${reading.matched.map((m) => `"${m}"`).join(", ")}; confidence ${reading.confidence})`,
      );
    }
    if (!dispute.owner) {
      const owner = ownerFor(category, customer.owner);
      input["owner"] = owner;
      what.push(`owner ${owner} (${customer.owner?.trim() ? "account owner" : `routing for ${category}`})`);
    }
    if (!dispute.slaDueAt) {
      input["slaDueAt"] = slaDueAt;
      what.push(`SLA ${slaDueAt.slice(0, 10)} (${SLA_DAYS_BY_CATEGORY[category]} days for ${category})`);
    }
    const untouchedOther = dispute.status === "open" && dispute.category === "other";
    if (what.length > 0 || untouchedOther) {
      input["status"] = "investigating";
      if (what.length === 0) what.push("under investigation");
      calls.push({
        tool: "triage_dispute",
        input,
        key: `dispute:${dispute.id}:triage`,
        why: `${label}: ${what.join("; ")}`,
      });
      notes.push(`${label}: triaged (${what.join("; ")})`);
    }
  }

  const released = new Set(live.filter((d) => resolving.has(d.id)).map((d) => d.invoiceId));
  const held = new Set<string>();
  for (const d of live) if (!resolving.has(d.id)) held.add(d.invoiceId);
  for (const i of snapshot.openInvoices) if (i.disputed && !released.has(i.id)) held.add(i.id);
  return { calls, notes, heldInvoiceIds: [...held].sort(compareText), dependsOn };
}
