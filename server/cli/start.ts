import type { Command } from "commander";
import { sql } from "drizzle-orm";
import { rulesBrain } from "../../agents/rules-brain.ts";
import { customers } from "../../db/schema.ts";
import type { portfolioSummary } from "../../tools/read/portfolio-summary.ts";
import { openArc } from "../context.ts";
import { renderReport, runAccounts } from "../run.ts";
import { DEMO_DEFAULTS, describeDemo, generateAudited } from "./demo.ts";
import { renderProgress } from "./progress.ts";
import { renderSummary } from "./summary.ts";
import { CLI_CALLER, expectOk } from "./tools.ts";

export function registerStartCommand(program: Command): void {
  program
    .command("start")
    .description(
      "Migrate, load the demo portfolio and run the agents over it if the ledger is empty, print the summary",
    )
    .action(async () => {
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
            brain: rulesBrain,
            onProgress: renderProgress("run", "accounts"),
          });
          console.log(renderReport(run.report));
        }
        const summary = expectOk<Awaited<ReturnType<typeof portfolioSummary.run>>>(
          await arc.runner.call("portfolio_summary", {}, { caller: CLI_CALLER }),
        );
        console.log(`\n${renderSummary(summary)}`);
      } finally {
        await arc.close();
      }
    });
}
