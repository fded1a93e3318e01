import type { Command } from "commander";
import { stringify } from "yaml";
import { checkPolicyFile, DEFAULT_POLICY, describeRules } from "../../policies/index.ts";

export function registerPolicyCommands(program: Command): void {
  const policy = program.command("policy").description("Validate and inspect policy documents and rules");
  policy
    .command("check")
    .description("Validate a policy document (YAML or JSON); exit 1 with every error named by its path")
    .argument("<file>", "the policy document")
    .action(async (file: string) => {
      const result = await checkPolicyFile(file);
      for (const warning of result.warnings) console.error(`  warning: ${warning}`);
      if (result.ok) {
        console.log(`${file}: valid policy, version ${result.policy!.version}`);
        return;
      }
      console.error(`${file}: ${result.errors.length} error(s)`);
      for (const error of result.errors) console.error(`  ${error}`);
      process.exitCode = 1;
    });
  policy
    .command("show")
    .description("Print the default policy document as YAML (a starting point for your own)")
    .action(() => {
      process.stdout.write(stringify(DEFAULT_POLICY));
    });
  policy
    .command("rules")
    .description("List every rule with its id, description and regulation citation")
    .action(() => {
      for (const rule of describeRules()) {
        console.log(`${rule.id.padEnd(34)} ${rule.description}${rule.citation ? ` [${rule.citation}]` : ""}`);
      }
    });
}
