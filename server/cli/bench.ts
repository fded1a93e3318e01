import type { Command } from "commander";
import { API_BENCH_DEFAULTS } from "../../evals/api-bench.ts";
import { renderBench, runBench } from "../../evals/bench.ts";
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
      }) => {
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
        };
        const command = `npm run bench -- --customers ${settings.customers} --calls ${settings.calls} --forecast-customers ${settings.forecastCustomers} --seed ${settings.seed} --api-actions ${api.actions} --api-customers ${api.customers} --api-rate ${api.rate} --api-approvals ${api.approvals} --mcp-clients ${settings.mcp.clients} --mcp-calls ${settings.mcp.callsPerClient}${databaseUrl ? ` --database-url ${databaseUrl}` : ""}`;
        const results = await runBench(settings);
        console.log(renderBench(results, command));
      },
    );
}
