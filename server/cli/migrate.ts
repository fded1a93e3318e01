import type { Command } from "commander";
import { openDatabase } from "../../db/connection.ts";

export function registerMigrateCommand(program: Command): void {
  program
    .command("migrate")
    .description("Apply pending database migrations (every arc command also does this first)")
    .action(async () => {
      const database = await openDatabase();
      const rows = await database.sql`select count(*)::int as n from arc_meta.__drizzle_migrations`;
      console.log(`Database ${database.embedded ? "(embedded)" : ""} is at migration ${rows[0]!.n}.`);
      await database.close();
    });
}
