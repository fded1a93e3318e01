// Small additions to snapshot-builder.ts for the dispute, forecasting and cash-application tests:
// an unapplied or unidentified payment, the calls of one tool, and a seeded shuffle for determinism.
import type {
  AccountSnapshot,
  PlannedCall,
  SnapshotPayment,
} from "../../tools/read/account-snapshot-types.ts";
import { AS_OF, CUSTOMER_ID, uuidFor } from "./snapshot-builder.ts";

/** A payment with all its money unapplied; the customer's unless customerId is given (null = unidentified). */
export function unapplied(
  key: string,
  amountMinor: number,
  remittanceText: string | null,
  over: Partial<SnapshotPayment> = {},
): SnapshotPayment {
  return {
    id: uuidFor("payment", key),
    externalRef: key,
    customerId: CUSTOMER_ID,
    payerName: "ACME SUPPLIES",
    payerAccount: null,
    currency: "USD",
    amountMinor,
    unappliedMinor: amountMinor,
    receivedOn: AS_OF,
    remittanceText,
    chargesMinor: null,
    original: null,
    identification: null,
    ...over,
  };
}

/** The same payment as `recentPayments` lists it. */
export function recent(
  payment: SnapshotPayment,
  appliedTo: { invoiceId: string; amountMinor: number }[] = [],
) {
  return { ...payment, appliedTo } satisfies AccountSnapshot["recentPayments"][number];
}

export const callsOf = (calls: readonly PlannedCall[], tool: string) => calls.filter((c) => c.tool === tool);

/** A deterministic permutation (mulberry32), different per seed. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Every array of a snapshot shuffled, so a decision that depends on input order shows it. */
export function shuffleSnapshot(snapshot: AccountSnapshot, seed: number): AccountSnapshot {
  return {
    ...snapshot,
    openInvoices: shuffled(snapshot.openInvoices, seed),
    paidInvoices: shuffled(snapshot.paidInvoices, seed + 1),
    disputes: shuffled(snapshot.disputes, seed + 2),
    promises: shuffled(snapshot.promises, seed + 3),
    communications: shuffled(snapshot.communications, seed + 4),
    unappliedPayments: shuffled(snapshot.unappliedPayments, seed + 5),
    candidatePayments: shuffled(snapshot.candidatePayments, seed + 6),
    recentPayments: shuffled(snapshot.recentPayments, seed + 7),
  };
}
