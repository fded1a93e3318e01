// What one arm (ARC or the ERP baseline) leaves behind after simulating one seed: the customers'
// books, every contact it delivered, the open AR per day, and ARC's policy statistics.
import type { Channel } from "../../db/schema.ts";
import type { ComplaintKind, CustomerBook } from "./customer.ts";

export interface DeliveryRecord {
  customerIndex: number;
  /** When the collecting side let the contact go: dispatched, dialled, posted (ms since the epoch). */
  executedAt: number;
  /** When the customer received it (a letter arrives days after it is posted). */
  at: number;
  channel: Channel;
  invoiceIds: string[];
  /** The customer's local hour when it was let go, for email, SMS and calls; null for letters. */
  localHour: number | null;
  /** Stop flags on the account record when it was let go (ARC's customer row; none for the ERP). */
  knownStops: string[];
  complaints: ComplaintKind[];
}

/** How ARC's policy engine judged the calls its collection agent planned. */
export interface ArcPolicyStats {
  judged: number;
  allowed: number;
  /** Calls held for a collector's approval at their first judgement. */
  approvals: number;
  approvalsByRule: Record<string, number>;
  denied: number;
  deniedByRule: Record<string, number>;
  /** Approved calls the policy refused when the approval was executed (paid, disputed... meanwhile). */
  blockedAtApproval: number;
  /** Queued messages the outbox's re-check cancelled at delivery time, and held for later. */
  cancelledAtDispatch: number;
  cancelledByRule: Record<string, number>;
  heldAtDispatch: number;
  /** Calls the tools refused as input (should be none: ARC's agent plans valid calls). */
  invalid: number;
  /** The first few refusals, cancellations and invalid calls with their reasons, to read. */
  examples: string[];
  executedByTool: Record<string, number>;
}

export interface ArmRun {
  books: CustomerBook[];
  deliveries: DeliveryRecord[];
  /** Open AR (every issued invoice's balance) at the end of each day. */
  openMinorByDay: number[];
  approvals: number;
  legalReferrals: number;
  policy: ArcPolicyStats | null;
}

export function increment(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}
