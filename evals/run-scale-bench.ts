// The nightly run at scale on a real PostgreSQL, run the way production runs it: a demo ledger of
// `customers` customers in a scratch database, the weekly pay-date training (timed on its own), then
// `arc run` and `workers` × `arc worker` as separate processes sharing the database. Each process
// counts its database round trips and reports its peak RSS (ARC_COUNT_QUERIES=1, db/query-count.ts).
// Next to it, the machine's own pgbench TPS in the same bench, so the numbers can be compared
// across machines.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createClient, openDatabase } from "../db/connection.ts";
import { generateDemoPortfolio } from "../db/demo/generate.ts";
import { withScratchDatabase } from "./api-bench.ts";
import type { Measurement } from "./bench.ts";

const ARC = join(import.meta.dirname, "../bin/arc.js");
const DEMO_AS_OF = "2026-03-10";
const RUN_AS_OF = "2026-03-11";

export interface RunScaleOptions {
  databaseUrl: string;
  customers: number;
  /** `arc worker` processes beside `arc run`. */
  workers: number;
  /** Accounts worked at once in each process. */
  concurrency: number;
  /**
   * Measure this many seconds of the run, from its first finished account, then stop it (SIGTERM):
   * a 100k ledger's whole run takes longer than its window's steady state needs to show.
   */
  windowSeconds?: number;
  seed: number;
  log: (line: string) => void;
}

interface ProcessStats {
  queries: number;
  peakRssMiB: number;
}

interface Finished {
  code: number | null;
  seconds: number;
  stats: ProcessStats | null;
  stdout: string;
  stderr: string;
}

function arc(args: string[], url: string): { child: ChildProcess; finished: Promise<Finished> } {
  const started = performance.now();
  const child = spawn(process.execPath, [ARC, ...args], {
    env: { ...process.env, DATABASE_URL: url, ARC_COUNT_QUERIES: "1", ARC_NIGHTLY_AT: "off" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => {
    stdout += d;
  });
  child.stderr!.on("data", (d) => {
    // The progress bar redraws constantly; keep only the tail.
    stderr = (stderr + d).slice(-20_000);
  });
  const finished = new Promise<Finished>((resolve) =>
    child.on("exit", (code) => {
      const line = /arc-stats (\{.*\})/.exec(stderr)?.[1];
      resolve({
        code,
        seconds: (performance.now() - started) / 1000,
        stats: line ? (JSON.parse(line) as ProcessStats) : null,
        stdout,
        stderr,
      });
    }),
  );
  return { child, finished };
}

/** pgbench's default (TPC-B-like) transaction rate on the same server: scale 10, 2 clients, 30 s. */
async function pgbenchTps(serverUrl: string): Promise<string> {
  const run = promisify(execFile);
  return withScratchDatabase(serverUrl, "arc_pgbench", async (url) => {
    await run("pgbench", ["-i", "-s", "10", "-q", url], { maxBuffer: 1 << 24 });
    const { stdout } = await run("pgbench", ["-c", "2", "-j", "2", "-T", "30", "-n", url], {
      maxBuffer: 1 << 24,
    });
    const tps = /tps = ([\d.]+)/.exec(stdout)?.[1];
    return tps ? `${Math.round(Number(tps))} TPS` : `unparsed: ${stdout.slice(-200)}`;
  });
}

export async function benchRunAtScale(options: RunScaleOptions): Promise<Measurement[]> {
  const out: Measurement[] = [];
  const label = "postgres";
  options.log(`scale: pgbench on the same server…`);
  out.push({
    database: label,
    metric: "pgbench (TPC-B-like, scale 10, 2 clients, 2 threads, 30 s)",
    value: await pgbenchTps(options.databaseUrl),
  });
  const outDir = mkdtempSync(join(tmpdir(), "arc-scale-"));
  try {
    await withScratchDatabase(options.databaseUrl, "arc_scale_bench", async (url) => {
      options.log(`scale: generating ${options.customers} customers…`);
      const database = await openDatabase({ url });
      let demo: Awaited<ReturnType<typeof generateDemoPortfolio>>;
      try {
        demo = await generateDemoPortfolio(database.db, {
          customers: options.customers,
          seed: options.seed,
          asOf: DEMO_AS_OF,
        });
      } finally {
        await database.close();
      }
      out.push({
        database: label,
        metric: `demo ledger: ${demo.customers} customers, ${demo.invoices} invoices`,
        value: `${(demo.ms / 1000).toFixed(1)} s`,
      });

      options.log("scale: weekly pay-date training (arc forecast train)…");
      const train = await arc(["forecast", "train", "--as-of", RUN_AS_OF, "--json"], url).finished;
      if (train.code !== 0) throw new Error(`arc forecast train failed: ${train.stderr.slice(-2000)}`);
      out.push({
        database: label,
        metric: "pay-date training (weekly; a nightly run reuses the model for 7 days)",
        value: `${train.seconds.toFixed(1)} s, peak RSS ${train.stats?.peakRssMiB ?? "?"} MiB`,
      });

      options.log(
        `scale: arc run + ${options.workers} arc worker(s), concurrency ${options.concurrency} each…`,
      );
      const owner = arc(
        [
          "run",
          "--as-of",
          RUN_AS_OF,
          "--concurrency",
          String(options.concurrency),
          "--report-only",
          "--json",
          "--out",
          outDir,
        ],
        url,
      );
      const workers = Array.from({ length: options.workers }, () =>
        arc(["worker", "--concurrency", String(options.concurrency)], url),
      );
      if (options.windowSeconds !== undefined) {
        out.push(...(await measureWindow(url, owner, workers, options.windowSeconds, options.customers)));
        return;
      }
      const run = await owner.finished;
      for (const w of workers) w.child.kill("SIGTERM");
      const workerResults = await Promise.all(workers.map((w) => w.finished));
      if (run.code !== 0) throw new Error(`arc run failed: ${run.stderr.slice(-2000)}`);
      const report = JSON.parse(run.stdout) as {
        accounts: { total: number; worked: number; paused: number; failed: number };
      };
      const a = report.accounts;
      const queries = [run, ...workerResults].reduce((t, p) => t + (p.stats?.queries ?? 0), 0);
      const rss = [run, ...workerResults].map((p) => p.stats?.peakRssMiB ?? 0);
      out.push(
        {
          database: label,
          metric: `nightly run: ${a.total} accounts (${a.worked} worked, ${a.paused} paused, ${a.failed} failed), arc run + ${options.workers} worker(s) × concurrency ${options.concurrency}`,
          value: `${run.seconds.toFixed(1)} s, ${(a.total / run.seconds).toFixed(1)} accounts/s`,
        },
        {
          database: label,
          metric: "nightly run: database round trips per account (all processes, both drivers)",
          value: `${(queries / a.total).toFixed(1)} (${queries} in all)`,
        },
        {
          database: label,
          metric: "nightly run: peak RSS per process (arc run, then each worker)",
          value: rss.map((r) => `${r} MiB`).join(", "),
        },
      );
    });
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
  return out;
}

/** Busy CPU seconds of the machine so far, all cores (Linux /proc/stat: all but idle and iowait), or null elsewhere. */
function machineCpu(): { busy: number } | null {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    return { busy: (total - fields[3]! - fields[4]!) / 100 };
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The run's steady state: accounts finished (by every process, from run_items) in `seconds` after
 * the first one, then every process stopped with SIGTERM (each finishes the accounts in hand and
 * reports its peak RSS as it exits).
 */
async function measureWindow(
  url: string,
  owner: ReturnType<typeof arc>,
  workers: ReturnType<typeof arc>[],
  seconds: number,
  customers: number,
): Promise<Measurement[]> {
  const label = "postgres";
  const started = performance.now();
  const client = createClient(url, 1);
  let ownerExited = false;
  void owner.finished.then(() => {
    ownerExited = true;
  });
  try {
    const finished = async () =>
      Number((await client`select count(*)::int as n from run_items where finished_at is not null`)[0]!.n);
    for (;;) {
      if (ownerExited) {
        const run = await owner.finished;
        throw new Error(`arc run ended before the window (code ${run.code}): ${run.stderr.slice(-2000)}`);
      }
      if ((await finished().catch(() => 0)) > 0) break;
      await sleep(250);
    }
    const firstAccountSeconds = (performance.now() - started) / 1000;
    const before = { accounts: await finished(), cpu: machineCpu(), at: performance.now() };
    await sleep(seconds * 1000);
    const after = { accounts: await finished(), cpu: machineCpu(), at: performance.now() };
    if (ownerExited)
      throw new Error("arc run ended during the window: measure a larger ledger or a shorter window");
    for (const p of [owner, ...workers]) p.child.kill("SIGTERM");
    const stopped = await Promise.all([owner, ...workers].map((p) => p.finished));
    const accounts = after.accounts - before.accounts;
    const elapsed = (after.at - before.at) / 1000;
    const cpu =
      before.cpu && after.cpu
        ? `, machine CPU ${(((after.cpu.busy - before.cpu.busy) * 1000) / accounts).toFixed(1)} ms per account (${((after.cpu.busy - before.cpu.busy) / elapsed).toFixed(2)} cores busy)`
        : "";
    return [
      {
        database: label,
        metric: `nightly run of ${customers} accounts: the first account finished after (payer identification, the pay-date model, queueing)`,
        value: `${firstAccountSeconds.toFixed(1)} s`,
      },
      {
        database: label,
        metric: `nightly run: ${elapsed.toFixed(0)} s window from the first account, arc run + ${workers.length} worker(s)`,
        value: `${accounts} accounts, ${(accounts / elapsed).toFixed(1)} accounts/s${cpu}`,
      },
      {
        database: label,
        metric: "nightly run: peak RSS per process (arc run, then each worker), stopped after the window",
        value: stopped.map((p) => `${p.stats?.peakRssMiB ?? "?"} MiB`).join(", "),
      },
    ];
  } finally {
    for (const p of [owner, ...workers]) p.child.kill("SIGKILL");
    await client.end();
  }
}
