// Database round trips counted per process, for the benchmark (`npm run bench` sets
// ARC_COUNT_QUERIES=1 on the processes it measures). Off, it costs nothing: no hook is installed.
// Both drivers are counted: postgres.js (the tools, via createClient's debug hook) and pg
// (LangGraph's checkpointer and pg-boss, by wrapping pg.Client#query).
import pg from "pg";

export const countingQueries = process.env.ARC_COUNT_QUERIES === "1";

let queries = 0;
let pgWrapped = false;

export function countQuery(): void {
  queries++;
}

/** Queries this process has sent so far (0 unless counting). */
export function queriesSent(): number {
  return queries;
}

/** Wraps pg's Client#query once, when counting. */
export function countPgQueries(): void {
  if (!countingQueries || pgWrapped) return;
  pgWrapped = true;
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    queries++;
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
}

/**
 * When counting, prints one line `arc-stats {"queries":…,"peakRssMiB":…}` on stderr as the process
 * exits, for the benchmark to read.
 */
export function reportStatsOnExit(): void {
  if (!countingQueries) return;
  process.once("exit", () => {
    const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
    process.stderr.write(`arc-stats ${JSON.stringify({ queries, peakRssMiB })}\n`);
  });
}
