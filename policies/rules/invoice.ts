// Invoice-level stops: what the invoices themselves say about whether they may be pursued.
import { concernedInvoices, list, namedInvoiceIds } from "./helpers.ts";
import { defineRule } from "./rule.ts";

export const invoiceDisputed = defineRule({
  id: "invoice.disputed",
  description:
    "Disputed invoices are not dunned or escalated until the dispute is resolved (receipts and cease acknowledgements may still go).",
  citation: "15 U.S.C. 1692g(b)",
  check(action, facts, _policy, say) {
    const outreachBarred =
      action.kind === "outreach" &&
      action.outreach?.purpose !== "receipt" &&
      action.outreach?.purpose !== "cease_acknowledgement";
    if (!outreachBarred && action.kind !== "legal_escalation") return [];
    const disputed = concernedInvoices(action, facts).filter((invoice) => invoice.disputed);
    if (disputed.length === 0) return [];
    const what =
      action.kind === "outreach"
        ? `${action.outreach?.purpose ?? "unspecified"} outreach`
        : "legal escalation";
    return [
      say.deny(
        `${list(disputed.map((invoice) => invoice.externalRef))} ${disputed.length === 1 ? "is" : "are"} under dispute; no ${what} until the dispute is resolved`,
      ),
    ];
  },
});

export const invoiceSettled = defineRule({
  id: "invoice.settled",
  description:
    "Collection messages and legal escalation need open invoices: nothing is collected on a zero balance.",
  check(action, facts, _policy, say) {
    const collecting =
      (action.kind === "outreach" && action.outreach?.purpose === "collection") ||
      action.kind === "legal_escalation";
    if (!collecting) return [];
    const what = action.kind === "outreach" ? "a collection message" : "a legal escalation";
    if (namedInvoiceIds(action).length === 0 && (action.kind === "outreach" || facts.invoices.length === 0)) {
      return [say.deny(`${what} must name the invoices it is about; none given`)];
    }
    const settled = concernedInvoices(action, facts).filter((invoice) => invoice.balanceMinor <= 0);
    if (settled.length === 0) return [];
    return [
      say.deny(
        `${list(settled.map((invoice) => invoice.externalRef))} ${settled.length === 1 ? "has" : "have"} no open balance; there is nothing to collect`,
      ),
    ];
  },
});
