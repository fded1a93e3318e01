// Wires one ARC instance: the database (embedded or DATABASE_URL, migrated), the policy document
// (ARC_POLICY_FILE, else the newest version uploaded through the API, else the default; see
// policy-store.ts) and the tool runner every interface calls through.

import type { Brain } from "../agents/brain.ts";
import { type Database, type OpenOptions, openDatabase } from "../db/connection.ts";
import type { PolicyDocument } from "../policies/index.ts";
import { ALL_TOOLS } from "../tools/registry.ts";
import { ToolRunner } from "../tools/runner.ts";
import { brainFromEnv } from "./brain.ts";
import { type PolicySource, resolveActivePolicy } from "./policy-store.ts";

export interface Arc {
  database: Database;
  policy: PolicyDocument;
  /**
   * Where the policy came from; an API upload switches policy, runner and source together (usePolicy).
   * Absent when code built the instance with a policy in hand (benchmarks).
   */
  policySource?: PolicySource;
  runner: ToolRunner;
  /** The brain agents decide with (ARC_BRAIN / ARC_MODEL; see server/brain.ts). */
  brain: Brain;
  close(): Promise<void>;
}

export async function openArc(
  options: OpenOptions & { policyFile?: string; brain?: Brain } = {},
): Promise<Arc> {
  // Configuration errors first: a bad model setting is named before the database is touched.
  const brain = options.brain ?? brainFromEnv(process.env);
  const database = await openDatabase(options);
  try {
    const { policy, source } = await resolveActivePolicy(
      database.db,
      options.policyFile ?? process.env.ARC_POLICY_FILE,
    );
    const runner = new ToolRunner({ db: database.db, policy, tools: ALL_TOOLS });
    return { database, policy, policySource: source, runner, brain, close: () => database.close() };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/**
 * Judges everything from now on by `policy`. Calls already under way finish with the runner they
 * started with; a run captures its runner when it starts.
 */
export function usePolicy(arc: Arc, policy: PolicyDocument, source: PolicySource): void {
  arc.runner = arc.runner.withPolicy(policy);
  arc.policy = policy;
  arc.policySource = source;
}
