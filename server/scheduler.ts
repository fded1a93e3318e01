// The nightly run, scheduled by `arc serve` with croner: at ARC_NIGHTLY_AT (HH:MM, default 02:00) in
// ARC_NIGHTLY_TIMEZONE (an IANA zone, default UTC), a run for that zone's date starts through the
// same tracker as POST /api/runs (progress, SSE, metrics). A run for that date already working in
// this process is left alone; one left unfinished by a crash is resumed (server/run.ts). "off"
// switches the schedule off (another server, or an external scheduler, runs it).
import { Cron } from "croner";
import type { Logger } from "pino";
import { localDate } from "../tools/schedule.ts";
import type { RunTracker } from "./api/run-tracker.ts";

export interface NightlySchedule {
  /** Cron pattern ("0 2 * * *") and zone, or null when switched off. */
  pattern: string;
  timezone: string;
  concurrency: number;
}

export function nightlyScheduleFromEnv(env: Record<string, string | undefined>): NightlySchedule | null {
  const at = env.ARC_NIGHTLY_AT?.trim() || "02:00";
  if (at === "off") return null;
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(at);
  if (!match)
    throw new Error(`ARC_NIGHTLY_AT: expected a time as HH:MM (24-hour) or "off", got ${JSON.stringify(at)}`);
  const timezone = env.ARC_NIGHTLY_TIMEZONE?.trim() || "UTC";
  try {
    new Intl.DateTimeFormat("en", { timeZone: timezone });
  } catch {
    throw new Error(
      `ARC_NIGHTLY_TIMEZONE: ${JSON.stringify(timezone)} is not an IANA time zone (e.g. America/New_York)`,
    );
  }
  const concurrencyText = env.ARC_NIGHTLY_CONCURRENCY?.trim() || "4";
  const concurrency = Number(concurrencyText);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new Error(
      `ARC_NIGHTLY_CONCURRENCY: expected a whole number from 1 to 64, got ${JSON.stringify(concurrencyText)}`,
    );
  }
  return { pattern: `${Number(match[2])} ${Number(match[1])} * * *`, timezone, concurrency };
}

export interface RunningSchedule {
  /** When the next nightly run starts. */
  next(): Date | null;
  /** Starts the run now, as the schedule would (tests, and `arc serve` operators through a signal later). */
  trigger(): Promise<void>;
  stop(): void;
}

export function startNightlySchedule(
  schedule: NightlySchedule,
  runs: RunTracker,
  logger: Logger,
  clock: () => Date = () => new Date(),
): RunningSchedule {
  const fire = async () => {
    const asOf = localDate(clock(), schedule.timezone);
    try {
      const run = await runs.start({ asOf, concurrency: schedule.concurrency });
      logger.info({ runId: run.runId, asOf, resumed: run.resumed }, "nightly run started");
    } catch (error) {
      // Already working in this process (409), or the server is stopping (503): nothing to do.
      logger.warn({ asOf, err: error }, "nightly run not started");
    }
  };
  const job = new Cron(schedule.pattern, { timezone: schedule.timezone, protect: true }, fire);
  return {
    next: () => job.nextRun(),
    trigger: fire,
    stop: () => job.stop(),
  };
}
