// `arc keys`: API keys for the HTTP API. The shell user acts as an admin (kind "cli"); every change is
// audited. `create` prints the key itself on stdout, alone, so a script can capture it; it is shown once.
import type { Command } from "commander";
import { ROLES, type Role } from "../../db/schema.ts";
import { callerLabel } from "../../tools/runner.ts";
import { createApiKey, listApiKeys, revokeApiKey } from "../api-keys.ts";
import { openArc } from "../context.ts";
import { CLI_CALLER } from "./tools.ts";

export function registerKeyCommands(program: Command): void {
  const keys = program.command("keys").description("Create, list and revoke API keys for the HTTP API");
  keys
    .command("create")
    .description("Create an API key; prints the key once (only its hash is kept)")
    .requiredOption("--role <role>", `what the key may do: ${ROLES.join(", ")}`)
    .option("--name <name>", "a name for the key, shown in listings and the audit log")
    .option("--json", "print the key's record and secret as JSON")
    .action(async (options: { role: string; name?: string; json?: boolean }) => {
      if (!(ROLES as readonly string[]).includes(options.role))
        throw new Error(`--role must be one of ${ROLES.join(", ")}, not "${options.role}"`);
      const role = options.role as Role;
      const name = options.name?.trim() || `${role}-key`;
      const arc = await openArc();
      try {
        const created = await createApiKey(arc.database.db, { name, role }, callerLabel(CLI_CALLER));
        if (options.json) {
          console.log(JSON.stringify(created, null, 2));
          return;
        }
        console.error(
          `Created API key ${created.key.prefix} "${created.key.name}" with role ${role}. It is shown once; keep it now:`,
        );
        console.log(created.secret);
      } finally {
        await arc.close();
      }
    });
  keys
    .command("list")
    .description("List API keys (prefix, name, role, created, last used, revoked); never their secrets")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }) => {
      const arc = await openArc();
      try {
        const rows = await listApiKeys(arc.database.db);
        if (options.json) {
          console.log(JSON.stringify(rows, null, 2));
          return;
        }
        if (rows.length === 0) console.log("No API keys. Create one with `arc keys create --role admin`.");
        for (const key of rows) {
          const state = key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : "active";
          const used = key.lastUsedAt ? `last used ${key.lastUsedAt.toISOString()}` : "never used";
          console.log(
            `${key.id}  ${key.prefix}  ${key.role.padEnd(9)} ${key.name.padEnd(24)} ${state}, ${used}`,
          );
        }
      } finally {
        await arc.close();
      }
    });
  keys
    .command("revoke")
    .description("Revoke an API key by id or prefix; requests with it are refused from then on")
    .argument("<key>", "the key's id or prefix (from arc keys list)")
    .action(async (idOrPrefix: string) => {
      const arc = await openArc();
      try {
        const key = await revokeApiKey(arc.database.db, idOrPrefix, callerLabel(CLI_CALLER));
        console.log(`Revoked API key ${key.prefix} "${key.name}" (role ${key.role}).`);
      } finally {
        await arc.close();
      }
    });
}
