// Money limits: up to the auto limit the action may proceed, above it a person approves, above the
// hard limit it is refused. Missing or malformed amounts are refused by action.well_formed, so these
// rules only judge well-formed values.
import { concernedInvoices, limitFor, money } from "./helpers.ts";
import { defineRule } from "./rule.ts";

function validAmount(amount: unknown): amount is number {
  return typeof amount === "number" && Number.isSafeInteger(amount) && amount >= 0;
}

export const limitsCreditNote = defineRule({
  id: "limits.credit_note",
  description:
    "Credit notes above the auto limit (per currency) need approval; above the hard share of the invoices' amount they are refused.",
  check(action, facts, policy, say) {
    if (action.kind !== "credit_note" || !validAmount(action.amountMinor) || !action.currency) return [];
    const { amountMinor: amount, currency } = action;
    const { autoMaxMinor, hardMaxPercentOfInvoice } = policy.limits.creditNote;
    const invoices = concernedInvoices(action, facts).filter((invoice) => invoice.currency === currency);
    const invoiced = invoices.reduce((sum, invoice) => sum + invoice.amountMinor, 0);
    if (invoices.length > 0 && amount * 100 > hardMaxPercentOfInvoice * invoiced) {
      return [
        say.deny(
          `a credit note of ${money(amount, currency)} is more than ${hardMaxPercentOfInvoice}% of the invoices' amount (${money(invoiced, currency)})`,
        ),
      ];
    }
    const auto = limitFor(autoMaxMinor, currency);
    if (amount <= auto) return [];
    return [
      say.needsApproval(
        `a credit note of ${money(amount, currency)} is above the ${money(auto, currency)} that may be issued without approval`,
      ),
    ];
  },
});

export const limitsWriteOff = defineRule({
  id: "limits.write_off",
  description:
    "Write-offs above the auto limit (per currency) need approval; above the hard share of the open balance they are refused.",
  check(action, facts, policy, say) {
    if (action.kind !== "write_off" || !validAmount(action.amountMinor) || !action.currency) return [];
    const { amountMinor: amount, currency } = action;
    const { autoMaxMinor, hardMaxPercentOfBalance } = policy.limits.writeOff;
    const invoices = concernedInvoices(action, facts).filter((invoice) => invoice.currency === currency);
    const open = invoices.reduce((sum, invoice) => sum + invoice.balanceMinor, 0);
    if (invoices.length > 0 && amount * 100 > hardMaxPercentOfBalance * open) {
      return [
        say.deny(
          `a write-off of ${money(amount, currency)} is more than ${hardMaxPercentOfBalance}% of the open balance (${money(open, currency)})`,
        ),
      ];
    }
    const auto = limitFor(autoMaxMinor, currency);
    if (amount <= auto) return [];
    return [
      say.needsApproval(
        `a write-off of ${money(amount, currency)} is above the ${money(auto, currency)} that may be written off without approval`,
      ),
    ];
  },
});

export const limitsSettlementDiscount = defineRule({
  id: "limits.settlement_discount",
  description:
    "Settlement discounts above the auto percentage need approval; above the hard percentage they are refused.",
  check(action, _facts, policy, say) {
    const percent = action.discountPercent;
    if (action.kind !== "settlement_discount" || typeof percent !== "number" || !Number.isFinite(percent))
      return [];
    const { autoMaxPercent, hardMaxPercent } = policy.limits.settlementDiscount;
    if (percent > hardMaxPercent) {
      return [
        say.deny(
          `a ${percent}% settlement discount is more than the ${hardMaxPercent}% the policy ever allows`,
        ),
      ];
    }
    if (percent > autoMaxPercent) {
      return [
        say.needsApproval(
          `a ${percent}% settlement discount is above the ${autoMaxPercent}% allowed without approval`,
        ),
      ];
    }
    return [];
  },
});

export const limitsPaymentPlan = defineRule({
  id: "limits.payment_plan",
  description:
    "Payment plans longer than the auto limits (installments, duration) need approval; beyond the hard limits they are refused.",
  check(action, _facts, policy, say) {
    const plan = action.paymentPlan;
    if (action.kind !== "payment_plan" || !plan) return [];
    const limits = policy.limits.paymentPlan;
    const { installmentCount: count, durationDays: days } = plan;
    const reasons = [];
    if (count > limits.hardMaxInstallments) {
      reasons.push(say.deny(`${count} installments exceed the hard limit of ${limits.hardMaxInstallments}`));
    }
    if (days > limits.hardMaxDurationDays) {
      reasons.push(
        say.deny(`a plan over ${days} days exceeds the hard limit of ${limits.hardMaxDurationDays} days`),
      );
    }
    if (reasons.length > 0) return reasons;
    if (count > limits.autoMaxInstallments) {
      reasons.push(
        say.needsApproval(
          `${count} installments are above the ${limits.autoMaxInstallments} allowed without approval`,
        ),
      );
    }
    if (days > limits.autoMaxDurationDays) {
      reasons.push(
        say.needsApproval(
          `a plan over ${days} days is above the ${limits.autoMaxDurationDays} days allowed without approval`,
        ),
      );
    }
    return reasons;
  },
});
