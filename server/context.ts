// Wires one ARC instance: the database (embedded or DATABASE_URL, migrated), the policy document
// (ARC_POLICY_FILE or the default) and the tool runner every interface calls through.
import { type Database, type OpenOptions, openDatabase } from "../db/connection.ts";
import { DEFAULT_POLICY, loadPolicyFile, type PolicyDocument } from "../policies/index.ts";
import { ALL_TOOLS } from "../tools/registry.ts";
import { ToolRunner } from "../tools/runner.ts";

export interface Arc {
  database: Database;
  policy: PolicyDocument;
  runner: ToolRunner;
  close(): Promise<void>;
}

export async function openArc(options: OpenOptions & { policyFile?: string } = {}): Promise<Arc> {
  const policy = await resolvePolicy(options.policyFile ?? process.env.ARC_POLICY_FILE);
  const database = await openDatabase(options);
  const runner = new ToolRunner({ db: database.db, policy, tools: ALL_TOOLS });
  return { database, policy, runner, close: () => database.close() };
}

async function resolvePolicy(path: string | undefined): Promise<PolicyDocument> {
  if (!path) return DEFAULT_POLICY;
  const loaded = await loadPolicyFile(path);
  if (!loaded.ok) throw new Error(`policy file ${path} is invalid:\n  ${loaded.errors.join("\n  ")}`);
  return loaded.policy;
}
