import { and, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { customers, invoices, predictions } from "../../db/schema.ts";
import { defineTool } from "../define.ts";
import { ToolInputError } from "../errors.ts";
import { id, isoDate } from "../schemas.ts";

export const recordForecast = defineTool({
  name: "record_forecast",
  description:
    "Store pay-date predictions for a customer's open invoices (with the model version that made them) and the " +
    "account's risk score. Re-recording the same model and date replaces the earlier predictions.",
  effect: "write",
  // Predictions and the customer's risk score: neither is in the snapshot.
  changes: [],
  input: z.object({
    customerId: id("customerId"),
    asOf: isoDate,
    modelVersion: z.string().trim().min(1).max(100),
    riskScore: z.number().min(0).max(100),
    riskFactors: z
      .array(z.object({ name: z.string(), weight: z.number(), value: z.number() }))
      .max(50)
      .default([]),
    predictions: z
      .array(
        z.object({
          invoiceId: id("invoiceId"),
          /** The median pay date; a quantile model also gives the 10th and 90th percentile dates. */
          predictedPayDate: isoDate,
          p10PayDate: isoDate.optional(),
          p90PayDate: isoDate.optional(),
          lateProbability: z.number().min(0).max(1).optional(),
          features: z.record(z.string(), z.number()).optional(),
        }),
      )
      .max(10_000),
  }),
  async propose(input, tx) {
    input.predictions.forEach((p, index) => {
      if (
        (p.p10PayDate && p.p10PayDate > p.predictedPayDate) ||
        (p.p90PayDate && p.p90PayDate < p.predictedPayDate)
      ) {
        throw new ToolInputError(
          `predictions.${index}`,
          "quantile dates must be ordered: p10PayDate ≤ predictedPayDate ≤ p90PayDate",
        );
      }
    });
    const ids = input.predictions.map((p) => p.invoiceId);
    if (ids.length > 0) {
      const owned = await tx
        .select({ id: invoices.id })
        .from(invoices)
        .where(and(inArray(invoices.id, ids), eq(invoices.customerId, input.customerId)));
      const known = new Set(owned.map((o) => o.id));
      const missing = ids.findIndex((invoiceId) => !known.has(invoiceId));
      if (missing >= 0)
        throw new ToolInputError(
          `predictions.${missing}.invoiceId`,
          `no invoice ${ids[missing]} for this customer`,
        );
    }
    return { kind: "forecast", customerId: input.customerId };
  },
  async run(input, tx, ctx) {
    if (input.predictions.length > 0) {
      await tx
        .insert(predictions)
        .values(
          input.predictions.map((p) => ({
            invoiceId: p.invoiceId,
            customerId: input.customerId,
            asOf: input.asOf,
            predictedPayDate: p.predictedPayDate,
            p10PayDate: p.p10PayDate ?? null,
            p90PayDate: p.p90PayDate ?? null,
            lateProbability: p.lateProbability ?? null,
            modelVersion: input.modelVersion,
            features: { ...(p.features ?? {}) },
          })),
        )
        .onConflictDoUpdate({
          target: [predictions.invoiceId, predictions.modelVersion, predictions.asOf],
          set: {
            predictedPayDate: sql`excluded.predicted_pay_date`,
            p10PayDate: sql`excluded.p10_pay_date`,
            p90PayDate: sql`excluded.p90_pay_date`,
            lateProbability: sql`excluded.late_probability`,
            features: sql`excluded.features`,
          },
        });
    }
    await tx
      .update(customers)
      .set({ riskScore: input.riskScore, riskScoredAt: ctx.now, updatedAt: ctx.now })
      .where(eq(customers.id, input.customerId));
    return {
      customerId: input.customerId,
      predictions: input.predictions.length,
      riskScore: input.riskScore,
      modelVersion: input.modelVersion,
    };
  },
});
