// `arc import ledger`: real ledgers from CSV exports, through the import_ledger tool.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { parse as parseYaml } from "yaml";
import {
  checkLedgerImport,
  ENTITIES,
  type Entity,
  MappingError,
  PRESET_NAMES,
  prepareLedgerImport,
} from "../../tools/ledger-import/index.ts";
import { fileDigest } from "../../tools/write/import-ledger.ts";
import { openArc } from "../context.ts";
import { registerBankImport } from "./import-bank.ts";
import { CLI_CALLER } from "./tools.ts";

type FileOptions = Partial<Record<Entity, string>> & { mapping: string; dryRun?: boolean };

export function registerImportCommands(program: Command): void {
  const importCommand = program.command("import").description("Bring data into the ledger from files");
  registerBankImport(importCommand);
  importCommand
    .command("ledger")
    .description(
      "Import customers, contacts, invoices and payments from CSV exports; a file with any bad row imports nothing",
    )
    .option("--customers <file>", "customer list CSV")
    .option("--contacts <file>", "contacts CSV")
    .option("--invoices <file>", "open invoices / aging CSV")
    .option("--payments <file>", "payments / receipts CSV")
    .requiredOption(
      "--mapping <preset|file>",
      `column mapping: a preset (${PRESET_NAMES.join(", ")}) or a YAML/JSON mapping file`,
    )
    .option("--dry-run", "check everything against the ledger and report, writing nothing")
    .action(async (options: FileOptions) => {
      const given = ENTITIES.filter((entity) => options[entity]);
      if (given.length === 0)
        throw new Error("give at least one of --customers, --contacts, --invoices, --payments");
      const mapping = loadMappingOption(options.mapping);
      const files = Object.fromEntries(
        given.map((entity) => {
          const path = resolve(options[entity]!);
          let bytes: Buffer;
          try {
            bytes = readFileSync(path);
          } catch (error) {
            throw new Error(`--${entity}: cannot read ${path}: ${(error as Error).message}`);
          }
          return [entity, { path, sha256: fileDigest(bytes), bytes }];
        }),
      ) as Record<Entity, { path: string; sha256: string; bytes: Buffer }>;
      const arc = await openArc();
      try {
        if (options.dryRun) {
          await dryRun(arc.database.db, files, mapping, given);
          return;
        }
        const input = {
          mapping,
          files: Object.fromEntries(given.map((e) => [e, { path: files[e].path, sha256: files[e].sha256 }])),
        };
        const result = await arc.runner.call("import_ledger", input, { caller: CLI_CALLER });
        if (result.status === "invalid") {
          console.error(`Nothing was imported: ${result.issues.length} problem(s).`);
          for (const issue of result.issues)
            console.error(`  ${labelFor(issue.path, files)}${issue.message}`);
          process.exitCode = 1;
          return;
        }
        if (result.status !== "executed") {
          console.error(`Import ${result.status}: ${JSON.stringify(result, null, 2)}`);
          process.exitCode = 1;
          return;
        }
        if (result.replayed)
          console.log(`These exact files were already imported (action ${result.actionId}); nothing to do.`);
        else console.log(`Imported (action ${result.actionId}).`);
        console.log(JSON.stringify(result.output, null, 2));
      } finally {
        await arc.close();
      }
    });
}

function loadMappingOption(option: string): string | Record<string, unknown> {
  if ((PRESET_NAMES as string[]).includes(option)) return option;
  let text: string;
  try {
    text = readFileSync(option, "utf8");
  } catch {
    throw new Error(
      `--mapping "${option}" is neither a preset (${PRESET_NAMES.join(", ")}) nor a readable file`,
    );
  }
  try {
    const parsed = parseYaml(text);
    if (!parsed || typeof parsed !== "object") throw new Error("not a mapping document");
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new Error(`--mapping ${option} is not valid YAML or JSON: ${(error as Error).message}`);
  }
}

function labelFor(path: string, files: Partial<Record<Entity, { path: string }>>): string {
  const entity = path.split(".")[1] as Entity | undefined;
  return entity && files[entity] ? `${files[entity]!.path}: ` : `${path}: `;
}

async function dryRun(
  db: Parameters<typeof checkLedgerImport>[0],
  files: Record<Entity, { path: string; bytes: Buffer }>,
  mapping: string | Record<string, unknown>,
  given: Entity[],
): Promise<void> {
  let prepared: ReturnType<typeof prepareLedgerImport>;
  try {
    prepared = prepareLedgerImport(
      Object.fromEntries(given.map((e) => [e, new Uint8Array(files[e].bytes)])),
      mapping as never,
    );
  } catch (error) {
    if (error instanceof MappingError) throw new Error(error.message);
    throw error;
  }
  const errors = prepared.ok ? await checkLedgerImport(db, prepared.plan) : prepared.errors;
  if (errors.length > 0) {
    console.error(`Dry run: the import would be refused, ${errors.length} problem(s):`);
    for (const e of errors) console.error(`  ${files[e.entity]?.path ?? e.entity}: ${e.message}`);
    process.exitCode = 1;
    return;
  }
  if (!prepared.ok) return;
  console.log("Dry run: every row is valid; nothing was written. Rows per file:");
  for (const entity of given)
    console.log(`  ${entity}: ${(prepared.plan[entity] as unknown[] | undefined)?.length ?? 0}`);
}
