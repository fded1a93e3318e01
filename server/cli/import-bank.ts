// `arc import bank FILE`: a bank statement's receipts into the ledger through the import_bank_file
// tool, then payer identification for what arrived. `--dry-run` parses and reports, writing nothing.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { BANK_FILE_FORMATS } from "../../db/schema.ts";
import type { BankFileFormat } from "../../tools/bank-files/index.ts";
import { type BankImportInput, bankImportInput } from "../../tools/write/import-bank-file.ts";
import { fileDigest } from "../../tools/write/import-ledger.ts";
import { type BankImportPreview, importBankStatement, previewBankImport } from "../bank-import.ts";
import { openArc } from "../context.ts";
import { CLI_CALLER } from "./tools.ts";

interface BankOptions {
  verifyTotals: boolean;
  format?: BankFileFormat;
  mapping?: string;
  dryRun?: boolean;
  json?: boolean;
}

export function registerBankImport(importCommand: Command): void {
  importCommand
    .command("bank")
    .description(
      "Import a bank statement (camt.052/053/054, BAI2, MT940, or CSV with --mapping): receipts become payments for cash application",
    )
    .argument("<file>", "the bank file")
    .option("--format <format>", `the file's format (${BANK_FILE_FORMATS.join(", ")}); detected when omitted`)
    .option("--mapping <file>", "CSV only: a YAML/JSON document naming the columns (date, amount, ...)")
    .option(
      "--no-verify-totals",
      "import even when the file's control totals or balances do not add up (reported as warnings)",
    )
    .option("--dry-run", "parse and print what would be imported, writing nothing")
    .option("--json", "print JSON")
    .action(async (file: string, options: BankOptions) => {
      if (options.format && !(BANK_FILE_FORMATS as readonly string[]).includes(options.format)) {
        throw new Error(`--format ${options.format} is not one of ${BANK_FILE_FORMATS.join(", ")}`);
      }
      const path = resolve(file);
      let bytes: Buffer;
      try {
        bytes = readFileSync(path);
      } catch (error) {
        throw new Error(`cannot read ${path}: ${(error as Error).message}`);
      }
      let csvMapping: string | undefined;
      if (options.mapping) {
        try {
          csvMapping = readFileSync(options.mapping, "utf8");
        } catch (error) {
          throw new Error(`--mapping: cannot read ${options.mapping}: ${(error as Error).message}`);
        }
      }
      const input = {
        file: { path, sha256: fileDigest(bytes) },
        verifyTotals: options.verifyTotals,
        ...(options.format ? { format: options.format } : {}),
        ...(csvMapping ? { csvMapping } : {}),
      };
      if (options.dryRun) {
        await dryRun(input, options);
        return;
      }
      const arc = await openArc();
      try {
        const { result, identification: identified } = await importBankStatement(arc, input, {
          caller: CLI_CALLER,
        });
        if (result.status === "invalid") {
          for (const issue of result.issues) console.error(`Nothing was imported: ${issue.message}`);
          process.exitCode = 1;
          return;
        }
        if (result.status !== "executed" || !identified) {
          console.error(`Import ${result.status}: ${JSON.stringify(result, null, 2)}`);
          process.exitCode = 1;
          return;
        }
        if (options.json) {
          console.log(
            JSON.stringify(
              {
                ...result.output,
                replayed: result.replayed,
                identification: identified.status === "executed" ? identified.output : identified,
              },
              null,
              2,
            ),
          );
          return;
        }
        const out = result.output;
        if (result.replayed) console.log(`This exact file was already imported (action ${result.actionId}).`);
        console.log(
          `${out.file} (${out.format}, ${out.statements} statement(s)): ${out.imported} payment(s) imported, ` +
            `${out.duplicates} already in the ledger, ${out.skipped.length} not receipts.`,
        );
        for (const warning of out.warnings) console.log(`  warning: ${warning}`);
        for (const s of out.skipped)
          console.log(`  skipped ${s.location}: ${s.date} ${s.amountMinor} ${s.currency} — ${s.why}`);
        if (identified.status === "executed") {
          const byMethod = identified.output.byMethod;
          console.log(
            `Payer identification: ${Object.entries(byMethod)
              .map(([method, count]) => `${count} by ${method}`)
              .join(", ")}. Cash application applies them in the next run (arc run).`,
          );
        }
      } finally {
        await arc.close();
      }
    });
}

/** What the file holds, in the issue's JSON shape; marks transactions already in the ledger. */
async function dryRun(
  input: Omit<BankImportInput, "verifyTotals"> & { verifyTotals?: boolean },
  options: BankOptions,
): Promise<void> {
  let report: BankImportPreview;
  const arc = await openArc();
  try {
    report = await previewBankImport(arc.database.db, bankImportInput.parse(input));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`The file would be refused: ${message}`);
    if (/total|balance/i.test(message))
      console.error("(--no-verify-totals imports it anyway, reporting the mismatch.)");
    process.exitCode = 1;
    return;
  } finally {
    await arc.close();
  }
  if (options.json) {
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  console.log(`Dry run: ${report.file} is ${report.format}; nothing was written.`);
  for (const warning of report.warnings) console.log(`  warning: ${warning}`);
  for (const statement of report.statements) {
    console.log(
      `Statement ${statement.statement_id ?? "(no id)"} for account ${statement.account} (${statement.currency}):`,
    );
    for (const t of statement.transactions) {
      console.log(
        `  ${t.date} ${String(t.amount_minor).padStart(12)} ${t.currency} ${t.import.padEnd(16)} ${t.counterparty ?? ""}${t.remittance ? ` — ${t.remittance}` : ""}`,
      );
    }
  }
}
