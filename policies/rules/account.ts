// Account-level stops: states of the customer that bar collection or contact whatever the message says.
import type { ActionKind, ProposedAction } from "../types.ts";
import { consumerRulesApply } from "./helpers.ts";
import { defineRule } from "./rule.ts";

/** Acts to collect a claim (11 U.S.C. 362(a)(6)). Receipts, credit notes and write-offs are not. */
function isCollectionAct(action: ProposedAction): boolean {
  const kinds: ActionKind[] = ["legal_escalation", "payment_plan", "promise_to_pay", "settlement_discount"];
  if (kinds.includes(action.kind)) return true;
  if (action.kind !== "outreach") return false;
  // Outreach without details is refused by action.well_formed; judge it as the strictest case here too.
  const purpose = action.outreach?.purpose ?? "collection";
  return purpose === "collection" || purpose === "validation_notice" || purpose === "remedy_notice";
}

function describeAct(action: ProposedAction): string {
  return action.kind === "outreach" ? `${action.outreach?.purpose ?? "unspecified"} outreach` : action.kind;
}

export const accountBankruptcy = defineRule({
  id: "account.bankruptcy",
  description:
    "After a bankruptcy filing the automatic stay bars every act to collect (collection, validation and remedy messages, legal escalation, plans, promises, discounts).",
  citation: "11 U.S.C. 362(a)(6)",
  check(action, facts, _policy, say) {
    const customer = facts.customer;
    if (!customer?.bankruptcyFiledAt || !isCollectionAct(action)) return [];
    return [
      say.deny(
        `the customer filed for bankruptcy (${customer.bankruptcyFiledAt}); the automatic stay bars ${describeAct(action)}`,
      ),
    ];
  },
});

export const accountCeaseCommunication = defineRule({
  id: "account.cease_communication",
  description:
    "After a cease-communication request only a cease acknowledgement or a notice of a specific remedy may be sent.",
  citation: "15 U.S.C. 1692c(c)",
  check(action, facts, _policy, say) {
    const customer = facts.customer;
    if (!customer?.ceaseCommunicationAt || action.kind !== "outreach") return [];
    const purpose = action.outreach?.purpose;
    if (purpose === "cease_acknowledgement" || purpose === "remedy_notice") return [];
    return [
      say.deny(
        `the customer asked us to stop communicating (${customer.ceaseCommunicationAt}); only a cease acknowledgement or a remedy notice may be sent, not ${purpose ?? "unspecified"} outreach`,
      ),
    ];
  },
});

export const accountDoNotContact = defineRule({
  id: "account.do_not_contact",
  description: "A do-not-contact account gets no outreach except the acknowledgement of the request.",
  check(action, facts, _policy, say) {
    const customer = facts.customer;
    if (!customer?.doNotContactAt || action.kind !== "outreach") return [];
    if (action.outreach?.purpose === "cease_acknowledgement") return [];
    return [say.deny(`the account is marked do-not-contact (${customer.doNotContactAt}); no outreach`)];
  },
});

export const accountLegalHold = defineRule({
  id: "account.legal_hold",
  description:
    "Under legal hold the matter is with legal: no outreach, legal escalation, write-off or settlement discount.",
  check(action, facts, _policy, say) {
    const customer = facts.customer;
    const barred: ActionKind[] = ["outreach", "legal_escalation", "write_off", "settlement_discount"];
    if (!customer?.legalHoldAt || !barred.includes(action.kind)) return [];
    return [
      say.deny(
        `the account is under legal hold (${customer.legalHoldAt}); the matter is with legal, so no ${action.kind.replace("_", " ")}`,
      ),
    ];
  },
});

export const accountAttorneyRepresented = defineRule({
  id: "account.attorney_represented",
  description:
    "A consumer represented by an attorney is contacted only through the attorney (a contact whose role is attorney).",
  citation: "15 U.S.C. 1692c(a)(2)",
  check(action, facts, policy, say) {
    const customer = facts.customer;
    if (!customer?.attorneyRepresentedAt || action.kind !== "outreach") return [];
    if (!consumerRulesApply(customer, policy)) return [];
    if (facts.contact?.role?.trim().toLowerCase() === "attorney") return [];
    return [
      say.deny(
        `the debtor is represented by an attorney (since ${customer.attorneyRepresentedAt}); communicate through the attorney's contact, not the debtor`,
      ),
    ];
  },
});

/**
 * Agent actions the automation switch does not hold. A forecast and a stored inbound message only
 * record what is so. A consent revocation is honoured whatever the account's state: a consumer may
 * revoke consent by any reasonable means (TCPA; FCC 2024 revocation order, 47 CFR 64.1200(a)(10)),
 * and holding an opt-out in an approval queue would keep contacting someone who said stop.
 */
const NOT_HELD_BY_AUTOMATION_SWITCH: readonly ActionKind[] = [
  "forecast",
  "inbound_message",
  "consent_revocation",
];

export const accountAutomationDisabled = defineRule({
  id: "account.automation_disabled",
  description:
    "When the customer's automation switch is off, every agent action that acts on the account needs a person's approval (forecasts and stored replies only record; consent revocations are always honoured).",
  check(action, facts, _policy, say) {
    if (action.caller.kind !== "agent" || !facts.customer || facts.customer.automationEnabled) return [];
    if (NOT_HELD_BY_AUTOMATION_SWITCH.includes(action.kind)) return [];
    return [
      say.needsApproval(
        `automation is switched off for this customer; a collector must approve ${action.kind}`,
      ),
    ];
  },
});
