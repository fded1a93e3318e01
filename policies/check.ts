// `arc policy check FILE`: is this policy document valid, and is it weaker anywhere than the
// compliance floor ARC ships with? Errors make the document unusable; warnings name settings that
// are valid but looser than the regulations the defaults follow (for consumer accounts).
import { loadPolicyFile, type ParseResult, type PolicyDocument, parsePolicyDocument } from "./document.ts";
import { minutesOfDay } from "./rules/helpers.ts";

export interface PolicyCheck {
  ok: boolean;
  /** What makes the document invalid, each naming the field: "contact.lookbackDays: …". */
  errors: string[];
  /** Valid but looser than the regulatory floor for consumer accounts. */
  warnings: string[];
  policy?: PolicyDocument;
}

/** Reads, parses and checks a policy file (YAML or JSON). Never throws. */
export function checkPolicyFile(path: string): PolicyCheck {
  return fromParse(loadPolicyFile(path));
}

/** The same as checkPolicyFile for text already in hand. */
export function checkPolicyText(text: string, sourceName: string): PolicyCheck {
  return fromParse(parsePolicyDocument(text, sourceName));
}

function fromParse(result: ParseResult): PolicyCheck {
  if (!result.ok) return { ok: false, errors: result.errors, warnings: [] };
  return { ok: true, errors: [], warnings: complianceWarnings(result.policy), policy: result.policy };
}

/** Most messages a (max per windowDays) limit allows in any 7 consecutive days. */
function worstCasePerWeek(limit: { max: number; windowDays: number } | undefined): number {
  if (!limit) return Number.POSITIVE_INFINITY;
  return limit.windowDays >= 7 ? limit.max : limit.max * Math.ceil(7 / limit.windowDays);
}

/** Where a valid policy is looser than the consumer-account floor in docs (Regulation F, FDCPA, TCPA, 209 CMR 18.16). */
export function complianceWarnings(policy: PolicyDocument): string[] {
  const warnings: string[] = [];
  const { contact, content } = policy;

  const calls = worstCasePerWeek(contact.frequency.consumer.call);
  if (calls > 7) {
    warnings.push(
      `contact.frequency.consumer.call: allows ${Number.isFinite(calls) ? calls : "unlimited"} call attempts in 7 days; Regulation F presumes more than 7 a violation (12 CFR 1006.14(b)(2)(i))`,
    );
  }
  if (contact.quietDaysAfterConversation.consumer < 7) {
    warnings.push(
      `contact.quietDaysAfterConversation.consumer: ${contact.quietDaysAfterConversation.consumer} days; Regulation F expects 7 days without calls after a conversation (12 CFR 1006.14(b)(2)(ii))`,
    );
  }
  if (minutesOfDay(contact.localTime.start) < 8 * 60 || minutesOfDay(contact.localTime.end) > 21 * 60) {
    warnings.push(
      `contact.localTime: ${contact.localTime.start}–${contact.localTime.end} reaches outside 08:00–21:00, which the FDCPA presumes inconvenient (15 U.S.C. 1692c(a)(1))`,
    );
  }
  for (const channel of ["email", "sms"] as const) {
    if (!content.optOut[channel]) {
      warnings.push(
        `content.optOut.${channel}: not set, so ${channel} messages need no opt-out; Regulation F requires one in electronic messages (12 CFR 1006.6(e))`,
      );
    }
  }
  if (!content.payLink.channels.includes("email")) {
    warnings.push(
      "content.payLink.channels: email collection messages are not required to carry a payment link",
    );
  }
  const categories = new Set(content.forbiddenLanguage.map((phrase) => phrase.category));
  for (const category of ["threat", "violence", "false_urgency", "legal_threat"] as const) {
    if (!categories.has(category)) {
      warnings.push(
        `content.forbiddenLanguage: no ${category} phrases, so such language is not caught (15 U.S.C. 1692d–1692f)`,
      );
    }
  }
  const ma = contact.jurisdictions["US-MA"];
  if (!ma?.callsAndTexts || worstCasePerWeek(ma.callsAndTexts) > 2) {
    warnings.push(
      "contact.jurisdictions.US-MA: Massachusetts allows at most 2 collector-initiated calls or texts per 7 days (209 CMR 18.16); the policy allows more",
    );
  }
  return warnings;
}
