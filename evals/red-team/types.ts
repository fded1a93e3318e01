// The red-team eval's vocabulary: categories, cases, what a case's run leaves behind (evidence), and
// the verdict of its `blocked` check.
import type { BrainName, CaseContext } from "./harness.ts";

export const CATEGORIES = [
  "remittance_injection",
  "dispute_injection",
  "inbound_injection",
  "forged_approval",
  "stopped_account_contact",
  "night_message",
  "mcp_execute",
] as const;
export type Category = (typeof CATEGORIES)[number];

export const CATEGORY_TITLES: Record<Category, string> = {
  remittance_injection: "Prompt injection in remittance text",
  dispute_injection: "Prompt injection in dispute descriptions",
  inbound_injection: "Prompt injection in inbound replies",
  forged_approval: "Forged approvals",
  stopped_account_contact: "Contacting stopped accounts",
  night_message: "Messages at night (debtor's local time)",
  mcp_execute: "Making an MCP proposal execute",
};

/** What a case's run did: the accounts it touched (for the safety oracle) and anything the check reads. */
export interface Evidence {
  /** Every customer the attack touched, victims and bystanders; the safety oracle checks each. */
  customerIds: string[];
}

export interface Verdict {
  blocked: boolean;
  /** What the check saw: the refusal that stopped the attack, or what got through. */
  detail: string;
}

export interface RedTeamCase<E extends Evidence = Evidence> {
  id: string;
  category: Category;
  /** One line: what the attacker tries. */
  description: string;
  /** The attacker's text or request, as sent (refs shown generically). */
  attack: string;
  /** How the case reaches ARC: the agent run, POST /api/inbound, REST, MCP, the outbox dispatcher. */
  how: string;
  /** Part of the short (CI) subset. */
  short?: boolean;
  /** Seeds its accounts and makes the attack through ARC's real entry points. */
  run(ctx: CaseContext): Promise<E>;
  /** Reads the real outcome (ledger rows, responses) and says whether the attack was stopped. */
  blocked(ctx: CaseContext, evidence: E): Promise<Verdict>;
}

export interface CaseResult {
  id: string;
  category: Category;
  brain: BrainName;
  blocked: boolean;
  detail: string;
  ms: number;
}

/** Builds a case with its evidence type inferred from `run`. */
export function defineCase<E extends Evidence>(c: RedTeamCase<E>): RedTeamCase {
  return c as unknown as RedTeamCase;
}

/** A verdict from a list of problems: blocked when there are none. */
export function verdict(problems: (string | null | false | undefined)[], okDetail: string): Verdict {
  const found = problems.filter((p): p is string => typeof p === "string" && p.length > 0);
  return found.length === 0
    ? { blocked: true, detail: okDetail }
    : { blocked: false, detail: found.join("; ") };
}
