// `arc run`: one autonomous pass over the ledger now, with progress and a report.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { utcDate } from "../../tools/ledger.ts";
import { openArc } from "../context.ts";
import { runAccounts } from "../run.ts";
import { renderReport } from "../run-report.ts";
import { positiveInteger } from "./demo.ts";
import { renderProgress } from "./progress.ts";
import { abortOnStop } from "./signals.ts";

export function registerRunCommand(program: Command): void {
  program
    .command("run")
    .description(
      "Work every account now (or some) through the agents; resumes an interrupted run; writes a report",
    )
    .option("--as-of <date>", "the run's date (YYYY-MM-DD); default today (UTC)")
    .option("--customers <refs...>", "only these customers (external refs or ids)")
    .option("--concurrency <n>", "accounts worked at once", "4")
    .option("--dry-run", "show what each account would get and each action's verdict; change nothing")
    .option("--out <dir>", "where to write the report (markdown and JSON)", "reports/runs")
    .option("--json", "print the report as JSON")
    .option(
      "--report-only",
      "write and print only the run's report, not each account's details (large runs; the details stay in the database)",
    )
    .action(
      async (options: {
        asOf?: string;
        customers?: string[];
        concurrency: string;
        dryRun?: boolean;
        out: string;
        json?: boolean;
        reportOnly?: boolean;
      }) => {
        const asOf = options.asOf ?? utcDate(new Date());
        if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || Number.isNaN(Date.parse(asOf)))
          throw new Error(`--as-of must be a date as YYYY-MM-DD, not "${asOf}"`);
        const concurrency = positiveInteger(options.concurrency, "--concurrency");
        const arc = await openArc();
        // SIGTERM / Ctrl-C: the accounts in hand finish, the rest stay queued (workers may finish
        // the run; the next `arc run` for the date resumes it).
        const stop = abortOnStop();
        try {
          const result = await runAccounts(arc, {
            asOf,
            concurrency,
            signal: stop.signal,
            dryRun: Boolean(options.dryRun),
            brain: arc.brain,
            onProgress: renderProgress(options.dryRun ? "dry run" : "run", "accounts"),
            ...(options.reportOnly ? { returnAccounts: false } : {}),
            ...(options.customers ? { customers: options.customers } : {}),
          });
          if (result.resumed) console.error(`Resumed the unfinished run ${result.runId} for ${asOf}.`);
          if (result.interrupted) {
            console.error(
              `Stopped: run ${result.runId} for ${asOf} is unfinished (${result.accounts.length} accounts worked here); its accounts stay queued for \`arc worker\`s, and the next \`arc run --as-of ${asOf}\` resumes it.`,
            );
            process.exitCode = 130;
            return;
          }
          if (options.dryRun) {
            for (const account of result.accounts) {
              if (account.outcomes.length === 0 && account.steps.length === 0) continue;
              console.log(`\n${account.customerRef} [${account.steps.join(" → ") || "nothing to do"}]`);
              for (const note of account.notes) console.log(`  · ${note}`);
              for (const o of account.outcomes) {
                const reasons = (o.reasons ?? []).map((r) => r.ruleId).join(", ");
                console.log(
                  `  ${o.status.padEnd(14)} ${o.tool.padEnd(22)} ${o.why}${reasons ? ` [${reasons}]` : ""}${o.error ? ` (${o.error})` : ""}`,
                );
              }
            }
          }
          const markdown = renderReport(result.report);
          mkdirSync(options.out, { recursive: true });
          const base = join(options.out, `${asOf}-${result.runId}`);
          writeFileSync(`${base}.md`, `${markdown}\n`);
          writeFileSync(
            `${base}.json`,
            `${JSON.stringify(options.reportOnly ? { report: result.report } : { report: result.report, accounts: result.accounts }, null, 2)}\n`,
          );
          console.log(
            options.json
              ? JSON.stringify(result.report, null, 2)
              : `\n${markdown}\n\nReport: ${base}.md and .json`,
          );
          if (result.report.accounts.failed > 0) process.exitCode = 1;
        } finally {
          stop.dispose();
          await arc.close();
        }
      },
    );
}
