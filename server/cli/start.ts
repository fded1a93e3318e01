import type { Command } from "commander";
import { sql } from "drizzle-orm";
import { customers } from "../../db/schema.ts";
import type { portfolioSummary } from "../../tools/read/portfolio-summary.ts";
import { openArc } from "../context.ts";
import { DEMO_DEFAULTS, describeDemo, generateAudited } from "./demo.ts";
import { renderSummary } from "./summary.ts";
import { CLI_CALLER, expectOk } from "./tools.ts";

export function registerStartCommand(program: Command): void {
  program
    .command("start")
    .description("Migrate, load the demo portfolio into an empty ledger, and print the portfolio summary")
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
          console.log(describeDemo(await generateAudited(arc.database.db, { ...DEMO_DEFAULTS })));
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
