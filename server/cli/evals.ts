import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { formatCashEval, runCashApplicationEval } from "../../evals/cash-application/run.ts";
import { formatForecastEval, runForecastEval } from "../../evals/forecasting.ts";
import { renderPolicyGate, runPolicyGate } from "../../evals/policy-gate.ts";
import { DEFAULT_POLICY, loadPolicyFile } from "../../policies/index.ts";
import { matchSettingsFrom } from "../../tools/cash-application.ts";

/** The cash-application targets (issue 4): auto-applied precision and the share applied without a person. */
export const CASH_TARGETS = { precision: 0.995, autoMatchRate: 0.9 } as const;

export function registerEvalsCommand(program: Command): void {
  program
    .command("evals")
    .description(
      "Run the eval suites and write reports (markdown and JSON); exit 1 if a must-hold metric fails",
    )
    .option("--out <dir>", "where to write the reports", "reports/evals")
    .option("--policy <file>", "evaluate this policy document instead of the default")
    .option("--cash-customers <n>", "demo portfolio size for the cash-application and forecast evals", "2000")
    .option("--seed <s>", "demo seed for the cash-application eval", "7")
    .action((options: { out: string; policy?: string; cashCustomers: string; seed: string }) => {
      let policy = DEFAULT_POLICY;
      if (options.policy) {
        const loaded = loadPolicyFile(options.policy);
        if (!loaded.ok)
          throw new Error(`policy ${options.policy} is invalid:\n  ${loaded.errors.join("\n  ")}`);
        policy = loaded.policy;
      }
      const report = runPolicyGate(policy);
      const markdown = renderPolicyGate(report);
      mkdirSync(options.out, { recursive: true });
      writeFileSync(join(options.out, "policy-gate.md"), `${markdown}\n`);
      writeFileSync(join(options.out, "policy-gate.json"), `${JSON.stringify(report, null, 2)}\n`);
      console.log(markdown.split("\n").slice(0, 7).join("\n"));
      console.log(`\nReports: ${join(options.out, "policy-gate.md")} and policy-gate.json`);
      if (report.violations.length > 0 || report.approvalGate.recall < 1) process.exitCode = 1;

      const customers = Number(options.cashCustomers);
      const seed = Number(options.seed);
      if (!Number.isSafeInteger(customers) || customers < 1)
        throw new Error(`--cash-customers must be a positive whole number, got "${options.cashCustomers}"`);
      if (!Number.isSafeInteger(seed))
        throw new Error(`--seed must be a whole number, got "${options.seed}"`);
      const cash = runCashApplicationEval({ customers, seed, settings: matchSettingsFrom(policy) });
      const cashText = [
        `$ npm run evals -- --cash-customers ${customers} --seed ${seed}`,
        formatCashEval(cash),
        `targets: auto-applied precision ≥ ${CASH_TARGETS.precision * 100}% (payment and invoice level), auto-match rate ≥ ${CASH_TARGETS.autoMatchRate * 100}%, every adversarial case`,
      ].join("\n");
      writeFileSync(
        join(options.out, "cash-application.md"),
        `# Cash application eval\n\n\`\`\`\n${cashText}\n\`\`\`\n`,
      );
      writeFileSync(join(options.out, "cash-application.json"), `${JSON.stringify(cash, null, 2)}\n`);
      console.log(`\n${formatCashEval(cash).split("\n").slice(0, 4).join("\n")}`);
      console.log(`Reports: ${join(options.out, "cash-application.md")} and cash-application.json`);
      const met =
        cash.precision.payment >= CASH_TARGETS.precision &&
        cash.precision.invoice >= CASH_TARGETS.precision &&
        cash.autoMatchRate >= CASH_TARGETS.autoMatchRate &&
        cash.adversarial.every((a) => a.passed);
      if (!met) {
        console.error("cash application: a target was missed (see the report)");
        process.exitCode = 1;
      }

      const forecast = runForecastEval({ customers, seed });
      const forecastText = [
        `$ npm run evals -- --cash-customers ${customers} --seed ${seed}`,
        formatForecastEval(forecast),
      ].join("\n");
      writeFileSync(
        join(options.out, "forecasting.md"),
        `# Pay-date forecast eval\n\n\`\`\`\n${forecastText}\n\`\`\`\n`,
      );
      writeFileSync(join(options.out, "forecasting.json"), `${JSON.stringify(forecast, null, 2)}\n`);
      console.log(`\n${formatForecastEval(forecast).split("\n").slice(0, 5).join("\n")}`);
      console.log(`Reports: ${join(options.out, "forecasting.md")} and forecasting.json`);
      if (forecast.model.maeDays >= forecast.baselines.customerMean.maeDays) {
        console.error(
          "forecasting: the model does not beat the customer-mean baseline on the demo portfolio",
        );
        process.exitCode = 1;
      }
    });
}
