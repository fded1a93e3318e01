// What a rule is. A rule is a pure function of the proposed action, the facts and the policy: it
// reads nothing else (no clock, no database, no environment) and returns its objections. An empty
// list means no objection. Ids are stable: actions, audit entries and approvals refer to them.
import type { PolicyDocument } from "../document.ts";
import type { Facts, ProposedAction, Reason } from "../types.ts";

export interface Rule {
  /** Stable dotted id, e.g. "contact.frequency". */
  readonly id: string;
  /** One line: what the rule enforces. */
  readonly description: string;
  /** The regulation or source it follows, when there is one. */
  readonly citation?: string;
  readonly check: (action: ProposedAction, facts: Facts, policy: PolicyDocument) => Reason[];
}

/** Builds this rule's reasons; the citation defaults to the rule's own, `null` gives none. */
export interface ReasonBuilder {
  deny(message: string, citation?: string | null): Reason;
  needsApproval(message: string, citation?: string | null): Reason;
}

export interface RuleDefinition {
  id: string;
  description: string;
  citation?: string;
  check: (action: ProposedAction, facts: Facts, policy: PolicyDocument, say: ReasonBuilder) => Reason[];
}

export function defineRule(definition: RuleDefinition): Rule {
  const { id, description, citation } = definition;
  const reason = (verdict: Reason["verdict"], message: string, cite?: string | null): Reason => {
    const c = cite === undefined ? citation : cite;
    return c == null ? { ruleId: id, verdict, message } : { ruleId: id, verdict, message, citation: c };
  };
  const say: ReasonBuilder = {
    deny: (message, cite) => reason("deny", message, cite),
    needsApproval: (message, cite) => reason("needs_approval", message, cite),
  };
  const rule: Rule = {
    id,
    description,
    ...(citation === undefined ? {} : { citation }),
    check: (action, facts, policy) => definition.check(action, facts, policy, say),
  };
  return Object.freeze(rule);
}
