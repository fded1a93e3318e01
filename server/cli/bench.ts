import type { Command } from "commander";
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
    .action(
      async (options: {
        customers: string;
        calls: string;
        forecastCustomers: string;
        seed: string;
        databaseUrl?: string;
      }) => {
        const databaseUrl = options.databaseUrl ?? process.env.ARC_BENCH_DATABASE_URL;
        const settings = {
          customers: positiveInteger(options.customers, "--customers"),
          calls: positiveInteger(options.calls, "--calls"),
          forecastCustomers: positiveInteger(options.forecastCustomers, "--forecast-customers"),
          seed: Number(options.seed),
          ...(databaseUrl ? { databaseUrl } : {}),
        };
        const command = `npm run bench -- --customers ${settings.customers} --calls ${settings.calls} --forecast-customers ${settings.forecastCustomers} --seed ${settings.seed}${databaseUrl ? ` --database-url ${databaseUrl}` : ""}`;
        const results = await runBench(settings);
        console.log(renderBench(results, command));
      },
    );
}
