// Why a payment is a little short of an invoice's balance. Each explanation is something the
// payer's terms or banks produce; the first that fits is used, in this order:
//   computed:   early-payment discount taken in time (±1 minor unit), charges the bank file states,
//               an FX difference on a converted payment (within fxTolerancePercent)
//   tolerance:  bank charges on a payment that looks like a wire (≤ bankChargesMaxMinor),
//               a small short pay (≤ writeOffTolerance percent and max)
// A declared part payment sits between the two groups (proposals decide that, see propose.ts).
import { GAP_PENALTY } from "./confidence.ts";
import { mentionsCharges } from "./text.ts";
import type { AdjustmentKind, MatchInvoice, MatchPayment, MatchSettings } from "./types.ts";

export interface GapExplanation {
  kind: AdjustmentKind;
  /** Computed from terms or the bank file (true), or only "small enough" (false). */
  computed: boolean;
  penalty: number;
  why: string;
}

/** The payment looks like a cross-border / wire payment: charges stated, converted, or charge words. */
export function looksLikeWire(payment: MatchPayment): boolean {
  return (
    payment.chargesMinor !== null || payment.original !== null || mentionsCharges(payment.remittanceText)
  );
}

/** Every explanation of `gap` (> 0: the payment is short of the invoice's balance), in order. */
export function gapExplanations(
  invoice: MatchInvoice,
  payment: MatchPayment,
  gap: number,
  settings: MatchSettings,
): GapExplanation[] {
  const out: GapExplanation[] = [];
  if (gap <= 0) return out;
  const balance = invoice.balanceMinor;
  const discount = invoice.earlyDiscount;
  if (discount && payment.receivedOn <= discount.until) {
    const expected = balance - Math.round((balance * discount.percent) / 100);
    if (Math.abs(balance - gap - expected) <= 1) {
      out.push({
        kind: "early_payment_discount",
        computed: true,
        penalty: GAP_PENALTY.earlyDiscount,
        why: `the ${discount.percent}% early-payment discount, taken by ${discount.until}`,
      });
    }
  }
  if (payment.chargesMinor !== null && payment.chargesMinor === gap) {
    out.push({
      kind: "bank_charges",
      computed: true,
      penalty: GAP_PENALTY.statedCharges,
      why: "bank charges, as the bank file states",
    });
  }
  if (
    payment.original !== null &&
    payment.original.currency !== payment.currency &&
    payment.currency === invoice.currency &&
    gap * 100 <= balance * settings.fxTolerancePercent
  ) {
    out.push({
      kind: "fx_difference",
      computed: true,
      penalty: GAP_PENALTY.fx,
      why: `an FX difference: converted from ${payment.original.currency}, within ${settings.fxTolerancePercent}%`,
    });
  }
  if (looksLikeWire(payment) && gap <= settings.bankChargesMaxMinor(payment.currency)) {
    out.push({
      kind: "bank_charges",
      computed: false,
      penalty: GAP_PENALTY.bankCharges,
      why: "bank charges on a wire, within the bank-charges maximum",
    });
  }
  if (
    gap * 100 <= balance * settings.writeOffTolerance.percent &&
    gap <= settings.writeOffTolerance.maxMinor(payment.currency)
  ) {
    out.push({
      kind: "write_off",
      computed: false,
      penalty: GAP_PENALTY.writeOff,
      why: `a small short pay within the write-off tolerance (${settings.writeOffTolerance.percent}%)`,
    });
  }
  return out;
}

export function explainGap(
  invoice: MatchInvoice,
  payment: MatchPayment,
  gap: number,
  settings: MatchSettings,
): GapExplanation | null {
  return gapExplanations(invoice, payment, gap, settings)[0] ?? null;
}
