import type { Command } from "commander";
import { brainConfigFromEnv } from "../../agents/llm/config.ts";
import { DEFAULT_POLICY, loadPolicyFile } from "../../policies/index.ts";

export function registerEvalsCommand(program: Command): void {
  program
    .command("evals")
    .description(
      "Run every eval suite and write report.md, report.json and charts/; exit 1 if a must-hold target is missed",
    )
    .option("--out <dir>", "where to write the report", "evals")
    .option("--short", "the CI mode: smaller portfolios and every third scenario and reply, same code paths")
    .option("--policy <file>", "evaluate this policy document instead of the default")
    .option(
      "--cash-customers <n>",
      "demo portfolio size for the cash-application and forecast evals (default 2000; --short: 400 for the forecast)",
    )
    .option("--seed <s>", "seed for the demo portfolio and the first simulation seed", "7")
    .action(
      async (options: {
        out: string;
        short?: boolean;
        policy?: string;
        cashCustomers?: string;
        seed: string;
      }) => {
        const seed = Number(options.seed);
        if (!Number.isSafeInteger(seed))
          throw new Error(`--seed must be a whole number, got "${options.seed}"`);
        let cashCustomers: number | undefined;
        if (options.cashCustomers !== undefined) {
          cashCustomers = Number(options.cashCustomers);
          if (!Number.isSafeInteger(cashCustomers) || cashCustomers < 1)
            throw new Error(
              `--cash-customers must be a positive whole number, got "${options.cashCustomers}"`,
            );
        }
        let policy = DEFAULT_POLICY;
        if (options.policy) {
          const loaded = loadPolicyFile(options.policy);
          if (!loaded.ok)
            throw new Error(`policy ${options.policy} is invalid:\n  ${loaded.errors.join("\n  ")}`);
          policy = loaded.policy;
        }
        // ARC_EVAL_MODEL measures a real model's reply classification (with OPENAI_BASE_URL /
        // OPENAI_API_KEY as for the LLM brain); without it the LLM brain runs against a local stand-in.
        const evalModel = process.env.ARC_EVAL_MODEL?.trim();
        const model = evalModel
          ? (brainConfigFromEnv({ ...process.env, ARC_BRAIN: "llm", ARC_MODEL: evalModel }).model ??
            undefined)
          : undefined;

        // Loaded here, not at the top: the eval suites (and the charting library) would otherwise load
        // with every `arc` command.
        const { evalOptions, runEvals, writeReport } = await import("../../evals/report.ts");
        const report = await runEvals(
          {
            ...evalOptions({ short: options.short, seed, cashCustomers }),
            policy,
            ...(model ? { model } : {}),
          },
          (line) => console.log(line),
        );
        const written = await writeReport(report, options.out);
        console.log("");
        for (const t of report.targets)
          console.log(`${t.met ? "ok  " : "MISS"} ${t.name}: ${t.value} (${t.target})`);
        const m = report.metrics;
        console.log(
          `replies macro-F1: rules ${m.replies.rules.macro_f1.toFixed(3)}, LLM ${m.replies.llm.macro_f1.toFixed(3)} (${m.replies.llm.model})`,
        );
        console.log(
          `simulation: DSO reduction ${(m.simulation.dso_reduction * 100).toFixed(1)}% ± ${(m.simulation.dso_reduction_sd * 100).toFixed(1)}%, collected ${(m.simulation.collected_share * 100).toFixed(1)}% (baseline ${(m.simulation.baseline_collected_share * 100).toFixed(1)}%)`,
        );
        console.log(`\nWrote ${written.join(", ")}`);
        if (report.targets.some((t) => !t.met)) {
          console.error("evals: a must-hold target was missed (see the report)");
          process.exitCode = 1;
        }
      },
    );
}
