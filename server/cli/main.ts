// The `arc` command: every entry point an operator or developer uses from a shell.
import { Command, CommanderError } from "commander";
import { reportStatsOnExit } from "../../db/query-count.ts";

type Register = (program: Command) => void;

/**
 * Each top-level command and the module that defines it. A process loads only the module of the
 * command it runs: `arc worker` need not load the MCP SDK, the HTTP server or the bank-file parsers,
 * and every spawned `arc` starts that much sooner. Help and unknown commands load them all.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  start: async () => (await import("./start.ts")).registerStartCommand,
  serve: async () => (await import("./serve.ts")).registerServeCommand,
  keys: async () => (await import("./keys.ts")).registerKeyCommands,
  mcp: async () => (await import("./mcp.ts")).registerMcpCommand,
  migrate: async () => (await import("./migrate.ts")).registerMigrateCommand,
  demo: async () => (await import("./demo.ts")).registerDemoCommand,
  import: async () => (await import("./import.ts")).registerImportCommands,
  inbound: async () => (await import("./inbound.ts")).registerInboundCommand,
  dispatch: async () => (await import("./dispatch.ts")).registerDispatchCommand,
  summary: async () => (await import("./summary.ts")).registerSummaryCommand,
  run: async () => (await import("./run.ts")).registerRunCommand,
  worker: async () => (await import("./worker.ts")).registerWorkerCommand,
  policy: async () => (await import("./policy.ts")).registerPolicyCommands,
  audit: async () => (await import("./audit.ts")).registerAuditCommands,
  // One module defines both.
  tools: async () => (await import("./tools.ts")).registerToolCommands,
  approvals: async () => (await import("./tools.ts")).registerToolCommands,
  bench: async () => (await import("./bench.ts")).registerBenchCommand,
  evals: async () => (await import("./evals.ts")).registerEvalsCommand,
  forecast: async () => (await import("./forecast.ts")).registerForecastCommands,
};

/** The `arc` program with the named top-level commands, or with all of them. */
export async function buildProgram(only?: readonly string[]): Promise<Command> {
  const program = new Command("arc")
    .description("ARC: agentic accounts-receivable collections over a policy-checked tool runner")
    .showHelpAfterError("(run with --help for usage)")
    .configureHelp({ sortSubcommands: true });
  const registers = new Set(
    await Promise.all((only ?? Object.keys(COMMANDS)).map((name) => COMMANDS[name]!())),
  );
  for (const register of registers) register(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  reportStatsOnExit();
  const name = argv[2];
  const program = (
    await buildProgram(name && Object.hasOwn(COMMANDS, name) ? [name] : undefined)
  ).exitOverride();
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
