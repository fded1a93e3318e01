// Pausing outreach to an account until a date: the customer is out of office until then, or asked for
// time. The collection agent plans no outreach while its run's date is before the date; promise and
// plan bookkeeping go on (agents/collection/decide.ts). It binds the agents, not people: a collector
// may still write during a pause.
//
// A pause only ever lengthens: one ending later replaces the pause in force, one ending on or before
// it changes nothing (a second out-of-office reply does not shorten the first). Each is bounded to
// 90 days ahead so a reply cannot stop collection indefinitely in one step.
import { eq } from "drizzle-orm";
import { z } from "zod";
import { customers } from "../../db/schema.ts";
import { addDays, daysBetween } from "../dates.ts";
import { defineTool } from "../define.ts";
import { ToolInputError } from "../errors.ts";
import { requireCommunicationOf, requireCustomer, utcDate } from "../ledger.ts";
import { id, isoDate, nonEmptyText } from "../schemas.ts";

export const MAX_PAUSE_DAYS = 90;

export const pauseOutreach = defineTool({
  name: "pause_outreach",
  description:
    "Pause the agents' outreach to a customer until a date (at most 90 days ahead), e.g. while they are out of " +
    "office. Promise and plan bookkeeping continue. A pause ending later replaces the one in force; an earlier " +
    "one changes nothing.",
  effect: "write",
  input: z.object({
    customerId: id("customerId"),
    /** Outreach resumes on this date (YYYY-MM-DD, UTC like the runs' dates). */
    until: isoDate,
    reason: nonEmptyText(500),
    /** The inbound message the pause was read from (an out-of-office reply). */
    sourceCommunicationId: id("sourceCommunicationId").optional(),
  }),
  async propose(input, tx, ctx) {
    const today = utcDate(ctx.now);
    if (input.until <= today) {
      throw new ToolInputError("until", `${input.until} is not after today (${today})`);
    }
    if (daysBetween(today, input.until) > MAX_PAUSE_DAYS) {
      throw new ToolInputError(
        "until",
        `${input.until} is more than ${MAX_PAUSE_DAYS} days ahead; pause until ${addDays(today, MAX_PAUSE_DAYS)} at the latest`,
      );
    }
    await requireCustomer(tx, input.customerId);
    if (input.sourceCommunicationId)
      await requireCommunicationOf(tx, input.customerId, input.sourceCommunicationId);
    return { kind: "account_update", customerId: input.customerId };
  },
  async run(input, tx, ctx) {
    // The runner's facts locked the customer row, so a concurrent pause waits for this one.
    const before = await requireCustomer(tx, input.customerId);
    const previous =
      before.outreachPausedUntil !== null
        ? { until: before.outreachPausedUntil, reason: before.outreachPauseReason }
        : null;
    const result = {
      customerId: input.customerId,
      sourceCommunicationId: input.sourceCommunicationId ?? null,
    };
    if (previous && previous.until >= input.until) {
      return { ...result, changed: false, pausedUntil: previous.until, reason: previous.reason, previous };
    }
    await tx
      .update(customers)
      .set({ outreachPausedUntil: input.until, outreachPauseReason: input.reason, updatedAt: ctx.now })
      .where(eq(customers.id, input.customerId));
    return { ...result, changed: true, pausedUntil: input.until, reason: input.reason, previous };
  },
});
