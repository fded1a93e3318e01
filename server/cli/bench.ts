import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { API_BENCH_DEFAULTS, BENCH_PARTS, type BenchPart } from "../../evals/bench-settings.ts";
import { positiveInteger } from "./demo.ts";

export function registerBenchCommand(program: Command): void {
  program
    .command("bench")
    .description("Measure throughput and memory on the embedded database (and a real PostgreSQL if given)")
    .option("--customers <n>", "demo portfolio size to generate and work", "2000")
    .option("--calls <n>", "runner write calls to time", "500")
    .option(
      "--forecast-customers <n>",
      "portfolio size (generated in memory) for timing pay-date model training and scoring",
      "100000",
    )
    .option("--seed <s>", "demo seed", "7")
    .option(
      "--database-url <url>",
      "also bench on this PostgreSQL server (a scratch database is created and dropped)",
    )
    .option(
      "--api-actions <n>",
      "actions in the database for the HTTP API load (approval list and approve)",
      String(API_BENCH_DEFAULTS.actions),
    )
    .option(
      "--api-customers <n>",
      "demo portfolio size under the HTTP API load",
      String(API_BENCH_DEFAULTS.customers),
    )
    .option(
      "--run-customers <n>",
      "ledger size for the nightly run at scale (real PostgreSQL only)",
      "100000",
    )
    .option("--run-workers <n>", "`arc worker` processes beside `arc run` in the run at scale", "1")
    .option("--run-concurrency <n>", "accounts worked at once per process in the run at scale", "4")
    .option(
      "--run-window <seconds>",
      "measure the run at scale for this long from its first account, then stop it (default: the whole run)",
    )
    .option("--only <parts>", `comma-separated parts to run: ${BENCH_PARTS.join(", ")} (default all)`)
    .option("--write-docs", "also write the results into docs/performance.md (between its bench markers)")
    .option("--mcp-clients <n>", "concurrent MCP sessions for the MCP latency bench", "20")
    .option("--mcp-calls <n>", "read-tool calls per MCP session", "50")
    .option("--api-rate <n>", "requests per second of the HTTP API load", String(API_BENCH_DEFAULTS.rate))
    .option(
      "--api-approvals <n>",
      "approve requests, each on a different pending action",
      String(API_BENCH_DEFAULTS.approvals),
    )
    .action(
      async (options: {
        customers: string;
        calls: string;
        forecastCustomers: string;
        seed: string;
        databaseUrl?: string;
        apiActions: string;
        apiCustomers: string;
        apiRate: string;
        apiApprovals: string;
        mcpClients: string;
        mcpCalls: string;
        runCustomers: string;
        runWorkers: string;
        runConcurrency: string;
        runWindow?: string;
        only?: string;
        writeDocs?: boolean;
      }) => {
        const only = options.only?.split(",").map((p) => p.trim());
        const unknown = only?.filter((p) => !(BENCH_PARTS as readonly string[]).includes(p)) ?? [];
        if (unknown.length)
          throw new Error(
            `--only: no part ${unknown.map((u) => `"${u}"`).join(", ")} (parts: ${BENCH_PARTS.join(", ")})`,
          );
        const databaseUrl = options.databaseUrl ?? process.env.ARC_BENCH_DATABASE_URL;
        const api = {
          ...API_BENCH_DEFAULTS,
          actions: positiveInteger(options.apiActions, "--api-actions"),
          customers: positiveInteger(options.apiCustomers, "--api-customers"),
          rate: positiveInteger(options.apiRate, "--api-rate"),
          approvals: positiveInteger(options.apiApprovals, "--api-approvals"),
          log: (line: string) => console.error(line),
        };
        const settings = {
          customers: positiveInteger(options.customers, "--customers"),
          calls: positiveInteger(options.calls, "--calls"),
          forecastCustomers: positiveInteger(options.forecastCustomers, "--forecast-customers"),
          seed: Number(options.seed),
          ...(databaseUrl ? { databaseUrl } : {}),
          api,
          mcp: {
            clients: positiveInteger(options.mcpClients, "--mcp-clients"),
            callsPerClient: positiveInteger(options.mcpCalls, "--mcp-calls"),
          },
          scale: {
            customers: positiveInteger(options.runCustomers, "--run-customers"),
            workers: nonNegativeInteger(options.runWorkers, "--run-workers"),
            concurrency: positiveInteger(options.runConcurrency, "--run-concurrency"),
            ...(options.runWindow !== undefined
              ? { windowSeconds: positiveInteger(options.runWindow, "--run-window") }
              : {}),
          },
          ...(only ? { only: only as BenchPart[] } : {}),
          log: (line: string) => console.error(line),
        };
        const command = `npm run bench -- --customers ${settings.customers} --calls ${settings.calls} --forecast-customers ${settings.forecastCustomers} --seed ${settings.seed} --api-actions ${api.actions} --api-customers ${api.customers} --api-rate ${api.rate} --api-approvals ${api.approvals} --mcp-clients ${settings.mcp.clients} --mcp-calls ${settings.mcp.callsPerClient} --run-customers ${settings.scale.customers} --run-workers ${settings.scale.workers} --run-concurrency ${settings.scale.concurrency}${options.runWindow !== undefined ? ` --run-window ${options.runWindow}` : ""}${options.only ? ` --only ${options.only}` : ""}${databaseUrl ? ` --database-url ${shellWord(databaseUrl)}` : ""}`;
        // Loaded here: the benchmarks (autocannon, the MCP client, …) would otherwise load with every command.
        const { renderBench, runBench } = await import("../../evals/bench.ts");
        const results = await runBench(settings);
        const rendered = renderBench(results, command);
        console.log(rendered);
        if (options.writeDocs) {
          writePerformanceDoc(rendered);
          console.error(`Wrote the results into ${PERFORMANCE_DOC}.`);
        }
      },
    );
}

const PERFORMANCE_DOC = join(dirname(fileURLToPath(import.meta.url)), "../../docs/performance.md");
const START = "<!-- bench:start -->";
const END = "<!-- bench:end -->";

/** Replaces the measured block of docs/performance.md, keeping the hand-written text around it. */
function writePerformanceDoc(rendered: string): void {
  const doc = readFileSync(PERFORMANCE_DOC, "utf8");
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${PERFORMANCE_DOC} has no ${START} … ${END} block`);
  const block = `${START}\n\n\`\`\`text\n${rendered}\n\`\`\`\n\n${END}`;
  writeFileSync(PERFORMANCE_DOC, doc.slice(0, start) + block + doc.slice(end + END.length));
}

function nonNegativeInteger(text: string, name: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`${name} must be a whole number ≥ 0, not "${text}"`);
  return value;
}

/** A word as a shell reads it back: quoted when it holds anything but plain URL characters (a socket's `?host=`). */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}
