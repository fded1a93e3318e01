// Every rule the engine runs, in a fixed order (the order does not change the verdict; evaluate()
// sorts reasons). To add a rule: write it with defineRule in the file for its area, add it here,
// give it tests for its allow and deny/approval paths, and list it in policies/README.md.
import {
  accountAttorneyRepresented,
  accountAutomationDisabled,
  accountBankruptcy,
  accountCeaseCommunication,
  accountDoNotContact,
  accountLegalHold,
} from "./account.ts";
import { actionWellFormed } from "./action.ts";
import { approvalLargeBalance } from "./approval.ts";
import { callerRole } from "./caller.ts";
import { cashAutoApplyThreshold } from "./cash.ts";
import {
  contactChannelConsent,
  contactFrequency,
  contactJurisdiction,
  contactLocalTime,
  contactMinGap,
  contactQuietAfterConversation,
} from "./contact.ts";
import { contentForbiddenLanguage, contentRequired } from "./content.ts";
import { invoiceDisputed, invoiceSettled } from "./invoice.ts";
import { legalEscalationApproval, legalTimeBarred } from "./legal.ts";
import { limitsCreditNote, limitsPaymentPlan, limitsSettlementDiscount, limitsWriteOff } from "./limits.ts";
import type { Rule } from "./rule.ts";

export type { ReasonBuilder, Rule, RuleDefinition } from "./rule.ts";
export { defineRule } from "./rule.ts";

export const RULES: readonly Rule[] = Object.freeze([
  actionWellFormed,
  callerRole,
  accountBankruptcy,
  accountCeaseCommunication,
  accountDoNotContact,
  accountLegalHold,
  accountAttorneyRepresented,
  accountAutomationDisabled,
  invoiceDisputed,
  invoiceSettled,
  contactChannelConsent,
  contactFrequency,
  contactQuietAfterConversation,
  contactJurisdiction,
  contactLocalTime,
  contactMinGap,
  contentRequired,
  contentForbiddenLanguage,
  legalEscalationApproval,
  legalTimeBarred,
  approvalLargeBalance,
  limitsCreditNote,
  limitsWriteOff,
  limitsSettlementDiscount,
  limitsPaymentPlan,
  cashAutoApplyThreshold,
]);
