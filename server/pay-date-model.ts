// Which pay-date model a run forecasts with: the newest trained one, retrained first when it is older
// than RETRAIN_AFTER_DAYS (the nightly run is the schedule), or the rules model before any training.

import { type PayDateModel, quantilePayDateModel } from "../agents/forecasting/index.ts";
import { daysBetween } from "../agents/forecasting/model.ts";
import { AGENT_CALLER } from "../agents/supervisor.ts";
import { latestPayDateModel } from "../tools/write/train-pay-date-model.ts";
import type { Arc } from "./context.ts";

/** A model a week old is retrained: payment behaviour drifts slowly, and training takes seconds. */
export const RETRAIN_AFTER_DAYS = 7;

/** `run` given: retrain for its as-of date when the stored model is missing or stale. */
export async function payDateModelFor(
  arc: Arc,
  run?: { asOf: string; runId: string; now: string },
): Promise<PayDateModel | undefined> {
  let latest = await latestPayDateModel(arc.database.db);
  if (run && (!latest || daysBetween(latest.trainedThrough, run.asOf) >= RETRAIN_AFTER_DAYS)) {
    const result = await arc.runner.call(
      "train_pay_date_model",
      { asOf: run.asOf },
      {
        caller: AGENT_CALLER,
        now: new Date(run.now),
        runId: run.runId,
        idempotencyKey: `run:${run.runId}:train_pay_date_model`,
      },
    );
    if (result.status !== "executed")
      throw new Error(`the pay-date model was not trained: ${JSON.stringify(result)}`);
    latest = await latestPayDateModel(arc.database.db);
  }
  return latest ? quantilePayDateModel(latest.model) : undefined;
}
