import type { Command } from "commander";
import { verifyAudit } from "../../db/audit.ts";
import { openDatabase } from "../../db/connection.ts";

export function registerAuditCommands(program: Command): void {
  const audit = program.command("audit").description("Inspect and verify the hash-chained audit log");
  audit
    .command("verify")
    .description("Walk the audit chain; exit 1 and name each entry that was edited, deleted or reordered")
    .option("--json", "print the verification as JSON")
    .action(async (options: { json?: boolean }) => {
      const database = await openDatabase();
      try {
        const result = await verifyAudit(database.db);
        if (options.json) console.log(JSON.stringify(result, null, 2));
        else if (result.ok) {
          console.log(
            `Audit log intact: ${result.entries} entries. Head #${result.headSeq} ${result.headHash}`,
          );
          console.log("Keep the head hash outside the database to detect removal of the newest entries.");
        } else {
          console.log(
            `Audit log TAMPERED: ${result.problems.length} problem(s) in ${result.entries} entries`,
          );
          for (const p of result.problems) console.log(`  entry #${p.seq}: ${p.problem}`);
        }
        if (!result.ok) process.exitCode = 1;
      } finally {
        await database.close();
      }
    });
}
