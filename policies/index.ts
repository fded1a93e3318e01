// The policy engine's public API. Callers (the tool runner, the CLI, the server) import from here.
export { checkPolicyFile, checkPolicyText, complianceWarnings, type PolicyCheck } from "./check.ts";
export { DEFAULT_POLICY } from "./default-policy.ts";
export {
  type ChannelLimit,
  crossFieldProblems,
  FORBIDDEN_LANGUAGE_CATEGORIES,
  type ForbiddenPhrase,
  type Jurisdiction,
  loadPolicyFile,
  type MoneyLimits,
  type ParseResult,
  POLICY_CHANNELS,
  type PolicyDocument,
  PolicyDocumentSchema,
  parsePolicyDocument,
  type TextRequirement,
  validatePolicyDocument,
} from "./document.ts";
export {
  compareReasons,
  describeRules,
  evaluate,
  evaluateWithRules,
  RULE_ERROR_ID,
  type RuleDescription,
  strictest,
} from "./evaluate.ts";
export { defineRule, type ReasonBuilder, RULES, type Rule, type RuleDefinition } from "./rules/index.ts";
export type * from "./types.ts";
