// The engine judges only what it can see. An action or facts snapshot missing what the rules need
// (the customer, the invoices it names, the plan's terms, a readable clock) is refused here rather
// than waved through by rules that find nothing to object to.
import { POLICY_CHANNELS } from "../document.ts";
import type { ActionKind, OutreachPurpose } from "../types.ts";
import { list, namedInvoiceIds } from "./helpers.ts";
import { defineRule } from "./rule.ts";

/** Kinds that act on one customer's account and so need that customer's facts. */
const CUSTOMER_KINDS: readonly ActionKind[] = [
  "outreach",
  "promise_to_pay",
  "payment_plan",
  "credit_note",
  "write_off",
  "settlement_discount",
  "legal_escalation",
  "credit_hold",
  "account_update",
  "forecast",
  "inbound_message",
  "consent_revocation",
];

const PURPOSES: readonly OutreachPurpose[] = [
  "collection",
  "receipt",
  "validation_notice",
  "cease_acknowledgement",
  "remedy_notice",
];

const isPositiveInt = (value: unknown) =>
  typeof value === "number" && Number.isSafeInteger(value) && value > 0;

export const actionWellFormed = defineRule({
  id: "action.well_formed",
  description:
    "The action and its facts carry what the rules need (customer, named invoices, amounts, plan terms, valid timestamps); otherwise it is refused.",
  check(action, facts, _policy, say) {
    const reasons = [];
    if (typeof facts.now !== "string" || Number.isNaN(Date.parse(facts.now))) {
      reasons.push(say.deny(`facts.now is not a valid timestamp: ${JSON.stringify(facts.now)}`));
    }
    const badTimes = facts.recentCommunications
      .map((comm, index) => (Number.isNaN(Date.parse(comm.occurredAt)) ? index : -1))
      .filter((index) => index >= 0);
    if (badTimes.length > 0) {
      reasons.push(
        say.deny(`recentCommunications[${badTimes.join(", ")}] have no valid occurredAt timestamp`),
      );
    }

    if (CUSTOMER_KINDS.includes(action.kind) && !facts.customer) {
      reasons.push(say.deny(`a ${action.kind} action needs the customer's facts, and there are none`));
    }
    if (action.customerId && facts.customer && facts.customer.id !== action.customerId) {
      reasons.push(
        say.deny(
          `the action is for customer ${action.customerId} but the facts describe customer ${facts.customer.id}`,
        ),
      );
    }

    if (action.kind === "outreach") {
      const outreach = action.outreach;
      if (!outreach) {
        reasons.push(
          say.deny("an outreach action must describe the message (channel, purpose, body, invoices)"),
        );
      } else {
        if (!POLICY_CHANNELS.includes(outreach.channel)) {
          reasons.push(say.deny(`unknown channel ${JSON.stringify(outreach.channel)}`));
        }
        if (!PURPOSES.includes(outreach.purpose)) {
          reasons.push(say.deny(`unknown outreach purpose ${JSON.stringify(outreach.purpose)}`));
        }
        if (typeof outreach.body !== "string" || outreach.body.trim() === "") {
          reasons.push(say.deny("the message body is empty"));
        }
        if (!Array.isArray(outreach.invoiceIds)) {
          reasons.push(
            say.deny("outreach.invoiceIds must be a list (empty when the message is about no invoice)"),
          );
        }
      }
    }

    const known = new Set(facts.invoices.map((invoice) => invoice.id));
    const unknown = namedInvoiceIds(action).filter((id) => !known.has(id));
    if (unknown.length > 0) {
      reasons.push(say.deny(`the facts carry no invoice ${list(unknown)}; cannot judge an action about it`));
    }

    if (action.kind === "payment_plan") {
      const plan = action.paymentPlan;
      if (!plan || !isPositiveInt(plan.installmentCount) || !isPositiveInt(plan.durationDays)) {
        reasons.push(
          say.deny(
            "a payment plan needs its terms: installmentCount and durationDays as positive whole numbers",
          ),
        );
      }
    }
    if (action.kind === "settlement_discount") {
      const percent = action.discountPercent;
      if (typeof percent !== "number" || !Number.isFinite(percent) || percent <= 0 || percent > 100) {
        reasons.push(
          say.deny(`a settlement discount needs discountPercent between 0 and 100, got ${String(percent)}`),
        );
      }
    }
    if (action.kind === "credit_note" || action.kind === "write_off") {
      const amount = action.amountMinor;
      if (!isPositiveInt(amount)) {
        reasons.push(
          say.deny(
            `a ${action.kind.replace("_", " ")} needs amountMinor as a positive whole number, got ${String(amount)}`,
          ),
        );
      }
      if (typeof action.currency !== "string" || !/^[A-Z]{3}$/.test(action.currency)) {
        reasons.push(
          say.deny(
            `a ${action.kind.replace("_", " ")} needs an ISO 4217 currency, got ${String(action.currency)}`,
          ),
        );
      } else {
        const named = new Set(namedInvoiceIds(action));
        const other = facts.invoices.filter(
          (invoice) => named.has(invoice.id) && invoice.currency !== action.currency,
        );
        if (other.length > 0) {
          reasons.push(
            say.deny(
              `the ${action.kind.replace("_", " ")} is in ${action.currency} but ${list(other.map((invoice) => invoice.externalRef))} ${other.length === 1 ? "is" : "are"} not`,
            ),
          );
        }
      }
    }
    return reasons;
  },
});
