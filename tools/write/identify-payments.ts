// Payer identification as a tool: for each unidentified payment, whose it most likely is (bank
// account seen before, invoice numbers cited, fuzzy payer name) and how sure. It moves no money: it
// records a suggestion the cash-application specialist of that customer then matches and applies.
import { sql } from "drizzle-orm";
import { z } from "zod";
import { type PaymentIdentification, payments } from "../../db/schema.ts";
import { loadUnidentifiedPayments, toMatchPayment } from "../cash-application.ts";
import { defineTool } from "../define.ts";
import { identifyPayersInLedger } from "../payer-identification.ts";
import { id } from "../schemas.ts";

const SUGGESTIONS_PER_STATEMENT = 1_000;

export const identifyPayments = defineTool({
  name: "identify_payments",
  description:
    "Suggest the customer behind each unidentified payment (all of them, or those named) from its bank account, the " +
    "invoice numbers its remittance cites and its payer name; a tie or a shared account identifies nobody. No money moves. " +
    "Like every write, the same input from the same caller replays the first result: give an idempotency key per pass " +
    "(a run uses one per run) or name the payments.",
  effect: "write",
  input: z.object({
    paymentIds: z.array(id("paymentIds[]")).max(100_000).optional(),
  }),
  async propose() {
    return { kind: "payment_identification" };
  },
  async run(input, tx, ctx) {
    const unidentified = await loadUnidentifiedPayments(tx, input.paymentIds);
    const byMethod: Record<string, number> = {};
    if (unidentified.length === 0) return { payments: 0, byMethod };
    const identified = await identifyPayersInLedger(tx, unidentified.map(toMatchPayment), ctx.policy);
    const suggestions: { id: string; customerId: string | null; identification: PaymentIdentification }[] =
      [];
    for (const row of unidentified) {
      const payer = identified.get(row.id)!;
      const method = payer.method === "assigned" ? "none" : payer.method;
      byMethod[method] = (byMethod[method] ?? 0) + 1;
      suggestions.push({
        id: row.id,
        customerId: payer.customerId,
        identification: {
          method,
          confidence: payer.confidence,
          why: payer.why,
          candidates: payer.candidates.slice(0, 5),
        },
      });
    }
    // A statement per thousand payments, not one per payment (a night's backlog is thousands).
    for (let at = 0; at < suggestions.length; at += SUGGESTIONS_PER_STATEMENT) {
      const chunk = JSON.stringify(suggestions.slice(at, at + SUGGESTIONS_PER_STATEMENT));
      await tx.execute(sql`
        update ${payments} set suggested_customer_id = s."customerId", identification = s.identification,
          identified_at = ${ctx.now.toISOString()}::timestamptz
        from jsonb_to_recordset(${chunk}::jsonb) as s(id uuid, "customerId" uuid, identification jsonb)
        where ${payments.id} = s.id`);
    }
    return { payments: unidentified.length, byMethod };
  },
});
