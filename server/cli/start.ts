import type { Command } from "commander";
import { sql } from "drizzle-orm";
import { customers } from "../../db/schema.ts";
import type { portfolioSummary } from "../../tools/read/portfolio-summary.ts";
import { callerLabel } from "../../tools/runner.ts";
import { createBootstrapKeyIfNone } from "../api-keys.ts";
import { openArc } from "../context.ts";
import { runAccounts } from "../run.ts";
import { renderReport } from "../run-report.ts";
import { DEMO_DEFAULTS, describeDemo, generateAudited } from "./demo.ts";
import { renderProgress } from "./progress.ts";
import { DEFAULT_HOST, DEFAULT_PORT, parsePort, serveUntilStopped } from "./serve.ts";
import { renderSummary } from "./summary.ts";
import { CLI_CALLER, expectOk } from "./tools.ts";

export function registerStartCommand(program: Command): void {
  program
    .command("start")
    .description(
      "Migrate, load the demo portfolio and run the agents over it if the ledger is empty, print the summary, serve the API",
    )
    .option("--no-serve", "exit after the summary instead of serving the HTTP API")
    .option("--port <port>", "TCP port for the API (0 picks a free one)", String(DEFAULT_PORT))
    .option("--host <host>", "address for the API to listen on", DEFAULT_HOST)
    .action(async (options: { serve: boolean; port: string; host: string }) => {
      const port = parsePort(options.port);
      const arc = await openArc();
      try {
        const where = arc.database.embedded
          ? `embedded database in ${process.env.ARC_DATA_DIR ?? ".arc"}`
          : "the database at DATABASE_URL";
        console.log(`ARC is using the ${where}.`);
        const [{ count } = { count: 0 }] = await arc.database.db
          .select({ count: sql<number>`count(*)::int` })
          .from(customers);
        if (count === 0) {
          console.log(
            `The ledger is empty: generating the demo portfolio (${DEMO_DEFAULTS.customers} customers, seed ${DEMO_DEFAULTS.seed}).`,
          );
          const demo = await generateAudited(arc.database.db, { ...DEMO_DEFAULTS });
          console.log(describeDemo(demo));
          // A first pass by the agents, so there is work queued and approvals waiting.
          console.log(`\nThe agents' first pass over the portfolio (as of ${demo.asOf}):`);
          const run = await runAccounts(arc, {
            asOf: demo.asOf,
            concurrency: 4,
            dryRun: false,
            brain: arc.brain,
            onProgress: renderProgress("run", "accounts"),
          });
          console.log(renderReport(run.report));
        }
        const summary = expectOk<Awaited<ReturnType<typeof portfolioSummary.run>>>(
          await arc.runner.call("portfolio_summary", {}, { caller: CLI_CALLER }),
        );
        console.log(`\n${renderSummary(summary)}`);
        // The first start hands out the first admin key, once: only its hash is kept.
        const bootstrap = await createBootstrapKeyIfNone(arc.database.db, callerLabel(CLI_CALLER));
        if (bootstrap) {
          console.log(
            `\nCreated the first API key (admin, "${bootstrap.key.name}"). It is shown once; keep it now:\n` +
              `  ${bootstrap.secret}\n` +
              "Sign in to the web inbox with it, or send it as `Authorization: Bearer <key>`; create more with " +
              "`arc keys create --role collector`.",
          );
        }
        if (options.serve) await serveUntilStopped(arc, { port, host: options.host });
      } finally {
        await arc.close();
      }
    });
}
