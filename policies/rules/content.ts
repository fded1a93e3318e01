// What a message must say and must never say.
import { formatAmount, formatMoney } from "../../db/money.ts";
import {
  balancesByCurrency,
  CHANNEL_NAMES,
  COLLECTION_PURPOSES,
  compilePattern,
  concernedInvoices,
  consumerRulesApply,
  containsToken,
  list,
  matchesOf,
  messageText,
} from "./helpers.ts";
import { defineRule } from "./rule.ts";

const REF_CHAR = /[A-Za-z0-9]/;
const DIGIT = /[0-9]/;

export const contentRequired = defineRule({
  id: "content.required",
  description:
    "Collection messages carry every invoice number, the amount due, a payment link and the channel's opt-out; consumer messages say they are an attempt to collect a debt.",
  citation: "15 U.S.C. 1692e(11); 12 CFR 1006.6(e); 12 CFR 1006.34",
  check(action, facts, policy, say) {
    if (action.kind !== "outreach" || !action.outreach) return [];
    const { channel, purpose } = action.outreach;
    if (!COLLECTION_PURPOSES.includes(purpose)) return [];
    const body = typeof action.outreach.body === "string" ? action.outreach.body : "";
    const reasons = [];

    const invoices = concernedInvoices(action, facts);
    const missingRefs = invoices.filter((invoice) => !containsToken(body, invoice.externalRef, REF_CHAR));
    for (const invoice of missingRefs) {
      reasons.push(
        say.deny(`the message does not mention invoice ${JSON.stringify(invoice.externalRef)}`, null),
      );
    }
    for (const [currency, total] of balancesByCurrency(invoices)) {
      const amount = formatAmount(total, currency);
      if (containsToken(body, amount, DIGIT) || body.includes(formatMoney(total, currency))) continue;
      reasons.push(
        say.deny(
          `the message does not state the amount due, ${amount} ${currency} (the invoices' open balance, written as ${JSON.stringify(amount)} or ${JSON.stringify(formatMoney(total, currency))})`,
          null,
        ),
      );
    }

    const { payLink, optOut, consumerDisclosure } = policy.content;
    if (purpose === "collection" && payLink.channels.includes(channel)) {
      if (!compilePattern(payLink.pattern, "").test(body)) {
        reasons.push(
          say.deny(
            `the message has no payment link (a link matching ${payLink.pattern}, e.g. ${payLink.baseUrl}…)`,
            null,
          ),
        );
      }
    }
    const optOutText = optOut[channel];
    if (optOutText && !compilePattern(optOutText.pattern, optOutText.flags ?? "i").test(body)) {
      reasons.push(
        say.deny(
          `the ${CHANNEL_NAMES[channel]} has no opt-out wording (it must match /${optOutText.pattern}/, e.g. ${JSON.stringify(optOutText.text)})`,
          "12 CFR 1006.6(e)",
        ),
      );
    }
    if (facts.customer && consumerRulesApply(facts.customer, policy)) {
      if (!compilePattern(consumerDisclosure.pattern, consumerDisclosure.flags ?? "i").test(body)) {
        reasons.push(
          say.deny(
            `the message lacks the disclosure that it is an attempt to collect a debt (e.g. ${JSON.stringify(consumerDisclosure.text)})`,
            "15 U.S.C. 1692e(11)",
          ),
        );
      }
    }
    return reasons;
  },
});

export const contentForbiddenLanguage = defineRule({
  id: "content.forbidden_language",
  description:
    "No threats, violence, false urgency, shaming or profanity in subject or body; legal language only with approval.",
  citation: "15 U.S.C. 1692d–1692f",
  check(action, _facts, policy, say) {
    if (action.kind !== "outreach" || !action.outreach) return [];
    const text = messageText(action.outreach);
    const reasons = [];
    for (const phrase of policy.content.forbiddenLanguage) {
      const found = matchesOf(compilePattern(phrase.pattern, phrase.flags ?? "i", true), text);
      if (found.length === 0) continue;
      const message = `${phrase.id}: the message says ${list(found)}. ${phrase.message}`;
      reasons.push(phrase.severity === "deny" ? say.deny(message) : say.needsApproval(message));
    }
    return reasons;
  },
});
