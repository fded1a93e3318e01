import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { renderPolicyGate, runPolicyGate } from "../../evals/policy-gate.ts";
import { DEFAULT_POLICY, loadPolicyFile } from "../../policies/index.ts";

export function registerEvalsCommand(program: Command): void {
  program
    .command("evals")
    .description(
      "Run the eval suites and write reports (markdown and JSON); exit 1 if a must-hold metric fails",
    )
    .option("--out <dir>", "where to write the reports", "reports/evals")
    .option("--policy <file>", "evaluate this policy document instead of the default")
    .action((options: { out: string; policy?: string }) => {
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
    });
}
