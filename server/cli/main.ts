// The `arc` command: every entry point an operator or developer uses from a shell.
import { Command, CommanderError } from "commander";
import { reportStatsOnExit } from "../../db/query-count.ts";
import { registerAuditCommands } from "./audit.ts";
import { registerBenchCommand } from "./bench.ts";
import { registerDemoCommand } from "./demo.ts";
import { registerDispatchCommand } from "./dispatch.ts";
import { registerEvalsCommand } from "./evals.ts";
import { registerForecastCommands } from "./forecast.ts";
import { registerImportCommands } from "./import.ts";
import { registerInboundCommand } from "./inbound.ts";
import { registerKeyCommands } from "./keys.ts";
import { registerMcpCommand } from "./mcp.ts";
import { registerMigrateCommand } from "./migrate.ts";
import { registerPolicyCommands } from "./policy.ts";
import { registerRunCommand } from "./run.ts";
import { registerServeCommand } from "./serve.ts";
import { registerStartCommand } from "./start.ts";
import { registerSummaryCommand } from "./summary.ts";
import { registerToolCommands } from "./tools.ts";
import { registerWorkerCommand } from "./worker.ts";

export function buildProgram(): Command {
  const program = new Command("arc")
    .description("ARC: agentic accounts-receivable collections over a policy-checked tool runner")
    .showHelpAfterError("(run with --help for usage)")
    .configureHelp({ sortSubcommands: true });
  registerStartCommand(program);
  registerServeCommand(program);
  registerKeyCommands(program);
  registerMcpCommand(program);
  registerMigrateCommand(program);
  registerDemoCommand(program);
  registerImportCommands(program);
  registerInboundCommand(program);
  registerDispatchCommand(program);
  registerSummaryCommand(program);
  registerRunCommand(program);
  registerWorkerCommand(program);
  registerPolicyCommands(program);
  registerAuditCommands(program);
  registerToolCommands(program);
  registerBenchCommand(program);
  registerEvalsCommand(program);
  registerForecastCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  reportStatsOnExit();
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    console.error(`arc: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
