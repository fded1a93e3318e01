// The collectors' worklist: accounts ranked by the cash that acting now is expected to bring forward,
// per minute of collector effort, each line explained (scoring in tools/ar-metrics/worklist.ts).
import { z } from "zod";
import { accountLateRisk, buildWorklist, type WorklistAccount } from "../ar-metrics/index.ts";
import { defineTool } from "../define.ts";
import { utcDate } from "../ledger.ts";
import { id, isoDate } from "../schemas.ts";
import { loadForecastAccounts, loadForecastInputs } from "./forecast-inputs.ts";

/**
 * P(paid more than 30 days late) for an account with neither a risk score nor a prediction yet: a
 * middling prior — an unscored account is neither safe nor hopeless.
 */
export const UNSCORED_LATE_PROBABILITY = 0.3;

export const worklist = defineTool({
  name: "worklist",
  description:
    "Accounts ranked by the expected cash brought forward by contacting them now rather than waiting, per minute of " +
    "collector effort, per currency; each line says why (amounts, days overdue, late probability, what is excluded: " +
    "disputed, promised, on a plan).",
  effect: "read",
  input: z.object({
    asOf: isoDate.optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, { message: "must be a 3-letter ISO 4217 code like USD" })
      .optional(),
    customerIds: z.array(id("customerIds[]")).max(1000).optional(),
    limit: z.number().int().min(1).max(1000).default(50),
  }),
  async run(input, db, ctx) {
    const asOf = input.asOf ?? utcDate(ctx.now);
    const open = await loadForecastInputs(db, asOf, input.customerIds);
    const customerIds = [...new Set(open.map((i) => i.customerId))];
    const accounts = await loadForecastAccounts(db, asOf, customerIds);
    const invoicesOf = new Map<string, typeof open>();
    for (const invoice of open) {
      const list = invoicesOf.get(invoice.customerId) ?? [];
      list.push(invoice);
      invoicesOf.set(invoice.customerId, list);
    }
    const input_: WorklistAccount[] = accounts.map((account) => {
      const own = invoicesOf.get(account.id) ?? [];
      // The account risk the forecasting specialist stored with its predictions (account-risk.ts);
      // for predictions stored without one, the same measure from them; else the prior.
      const predicted = own.flatMap((i) =>
        i.lateProbability === null
          ? []
          : [
              {
                invoiceId: i.invoiceId,
                currency: i.currency,
                balanceMinor: i.balanceMinor,
                lateProbability: i.lateProbability,
              },
            ],
      );
      const lateProbability =
        account.riskScore !== null
          ? account.riskScore / 100
          : predicted.length > 0
            ? accountLateRisk(predicted).probability
            : UNSCORED_LATE_PROBABILITY;
      return {
        accountId: account.id,
        name: account.name,
        segment: account.segment,
        lateProbability,
        lastContactDate: account.lastContact,
        invoices: own.map((i) => ({
          invoiceId: i.invoiceId,
          currency: i.currency,
          balanceMinor: i.balanceMinor,
          dueDate: i.dueDate,
          disputed: i.disputed,
          promisedDate: i.promisedDate,
          onActivePlan: i.onActivePlan,
          ...(i.payDay ? { payDay: i.payDay } : {}),
        })),
      };
    });
    const lists = buildWorklist(input_, asOf)
      .filter((list) => !input.currency || list.currency === input.currency)
      .map((list) => ({
        currency: list.currency,
        accounts: list.lines.length,
        lines: list.lines.slice(0, input.limit),
      }));
    return { asOf, lists };
  },
});
