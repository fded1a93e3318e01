// The scenario suite: every labelled situation in evals/data/scenarios.json is written into a
// fresh eval ledger, worked once by the real supervisor (router, specialists, tool runner, policy)
// with the chosen brain, and compared with its label: the route, and every action the run took on
// the account (forecasts aside) with its status and, where labelled, the rule and input fields.
// The safety oracle (../safety.ts) then checks everything the run did.
import { readFileSync } from "node:fs";
import { MemorySaver } from "@langchain/langgraph";
import { asc, eq } from "drizzle-orm";
import type { Brain } from "../../agents/brain.ts";
import { AGENT_CALLER, buildSupervisor, threadIdFor } from "../../agents/supervisor.ts";
import { openScratchDatabase, type ScratchDatabase } from "../../db/connection.ts";
import { actions } from "../../db/schema.ts";
import { DEFAULT_POLICY, type PolicyDocument } from "../../policies/index.ts";
import { ALL_TOOLS } from "../../tools/registry.ts";
import { ToolRunner } from "../../tools/runner.ts";
import { checkAccountSafety, type SafetyCheck } from "../safety.ts";
import { clearLedger, type ScenarioClock, seedScenario } from "./ledger.ts";
import { type ExpectedAction, parseScenarios, type Scenario } from "./schema.ts";

export const SCENARIOS_FILE = new URL("../data/scenarios.json", import.meta.url);

/** Wednesday 15 April 2026, 06:00 UTC: a nightly run's instant (02:00 in New York). */
export const SCENARIO_CLOCK: ScenarioClock = { asOf: "2026-04-15", now: "2026-04-15T06:00:00.000Z" };

export function loadScenarios(file: URL | string = SCENARIOS_FILE): Scenario[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`scenarios: cannot read ${String(file)}: ${(error as Error).message}`);
  }
  return parseScenarios(raw);
}

export interface TakenAction {
  tool: string;
  status: "executed" | "pending_approval" | "blocked" | "rejected" | "expired" | "failed";
  rules: string[];
  input: Record<string, unknown>;
}

export interface AccountRun {
  route: string[];
  actions: TakenAction[];
  notes: string[];
  safety: SafetyCheck;
}

/** An eval ledger: a scratch database and the real runner on it, at the scenario clock. */
export interface EvalLedger {
  database: ScratchDatabase;
  clock: ScenarioClock;
  policy: PolicyDocument;
  runner: ToolRunner;
  close(): Promise<void>;
}

export async function openEvalLedger(
  options: { databaseUrl?: string; clock?: ScenarioClock; policy?: PolicyDocument } = {},
): Promise<EvalLedger> {
  const database = await openScratchDatabase(options.databaseUrl, "arc_eval");
  const clock = options.clock ?? SCENARIO_CLOCK;
  const policy = options.policy ?? DEFAULT_POLICY;
  const runner = new ToolRunner({
    db: database.db,
    policy,
    tools: ALL_TOOLS,
    clock: () => new Date(clock.now),
  });
  return { database, clock, policy, runner, close: () => database.close() };
}

const STATUS: Record<string, TakenAction["status"]> = {
  executed: "executed",
  pending: "pending_approval",
  blocked: "blocked",
  rejected: "rejected",
  expired: "expired",
  failed: "failed",
};

/** Works one account once with `brain`, as a nightly run would, and reads back what it did. */
export async function workAccount(ledger: EvalLedger, brain: Brain, customerId: string): Promise<AccountRun> {
  const runId = crypto.randomUUID();
  const supervisor = buildSupervisor({ runner: ledger.runner, brain, checkpointer: new MemorySaver() });
  const state = (await supervisor.invoke(
    { customerId, asOf: ledger.clock.asOf, now: ledger.clock.now, runId, dryRun: false },
    { configurable: { thread_id: threadIdFor(runId, customerId) } },
  )) as { plan: { steps: string[] } | null; notes: string[] };
  const rows = await ledger.database.db
    .select()
    .from(actions)
    .where(eq(actions.customerId, customerId))
    .orderBy(asc(actions.createdAt), asc(actions.id));
  return {
    route: state.plan?.steps ?? [],
    notes: state.notes ?? [],
    actions: rows.map((row) => ({
      tool: row.tool,
      status: STATUS[row.status] ?? "failed",
      rules: ((row.reasons as { ruleId: string }[]) ?? []).map((r) => r.ruleId),
      input: (row.editedInput ?? row.input) as Record<string, unknown>,
    })),
    safety: await checkAccountSafety(ledger.database.db, customerId, ledger.policy),
  };
}

/**
 * Payer identification, as a nightly run does before working any account (server/run.ts): each
 * unidentified payment gets its suggested customer, so that customer's cash-application specialist
 * finds it. The action concerns no account, so it is not among the scenario's actions.
 */
export async function identifyPayers(ledger: EvalLedger, scenarioId: string): Promise<void> {
  const result = await ledger.runner.call(
    "identify_payments",
    {},
    {
      caller: AGENT_CALLER,
      now: new Date(ledger.clock.now),
      idempotencyKey: `scenario:${scenarioId}:identify_payments`,
    },
  );
  if (result.status !== "executed")
    throw new Error(`payer identification did not run: ${JSON.stringify(result)}`);
}

/** The invoices an action names, by id: invoiceIds, invoiceId, or its payment applications'. */
function namedInvoices(input: Record<string, unknown>): string[] {
  const ids = new Set<string>();
  if (Array.isArray(input.invoiceIds)) for (const id of input.invoiceIds) ids.add(String(id));
  if (typeof input.invoiceId === "string") ids.add(input.invoiceId);
  if (Array.isArray(input.applications))
    for (const a of input.applications as { invoiceId?: unknown }[])
      if (a?.invoiceId) ids.add(String(a.invoiceId));
  return [...ids];
}

/**
 * What differs between the label and the run (empty: the scenario passed). `refsById` (invoice id →
 * ref, from the seeding) lets labels name invoices by ref; an id it does not know reads as "?".
 */
export function compareToLabel(
  scenario: Scenario,
  run: AccountRun,
  refsById: ReadonlyMap<string, string> = new Map(),
): string[] {
  const problems: string[] = [];
  const route = run.route.join(" → ") || "(none)";
  const expectedRoute = scenario.expected.route.join(" → ") || "(none)";
  if (route !== expectedRoute) problems.push(`route: expected ${expectedRoute}, got ${route}`);
  const taken = run.actions.filter((a) => a.tool !== "record_forecast");
  const describe = (a: { tool: string; status: string }) => `${a.tool} ${a.status}`;
  // An expected refusal is also met when the brain never attempted the call (the LLM brain is only
  // offered what the policy allows): either way nothing went out. Attempted, it must be refused by
  // the labelled rule.
  const expected: ExpectedAction[] = [];
  let next = 0;
  for (const e of scenario.expected.actions) {
    const got = taken[next];
    if (got && sameAction(e, got)) {
      expected.push(e);
      next++;
    } else if (e.status !== "blocked") {
      expected.push(e);
      next++;
    }
  }
  if (taken.length !== expected.length || expected.some((e, i) => !sameAction(e, taken[i]!)))
    problems.push(
      `actions: expected [${scenario.expected.actions.map(describe).join(", ") || "none"}], got [${taken.map(describe).join(", ") || "none"}]`,
    );
  else
    expected.forEach((e, i) => {
      const got = taken[i]!;
      if (e.rule && !got.rules.includes(e.rule))
        problems.push(`${e.tool}: expected rule ${e.rule}, got ${got.rules.join(", ") || "none"}`);
      if (e.invoices) {
        const want = [...e.invoices].sort();
        const named = namedInvoices(got.input)
          .map((id) => refsById.get(id) ?? "?")
          .sort();
        if (JSON.stringify(named) !== JSON.stringify(want))
          problems.push(`${e.tool}: expected invoices ${want.join(", ")}, got ${named.join(", ") || "none"}`);
      }
      for (const [field, value] of Object.entries(e.input ?? {}))
        if (JSON.stringify(got.input[field]) !== JSON.stringify(value))
          problems.push(
            `${e.tool}.${field}: expected ${JSON.stringify(value)}, got ${JSON.stringify(got.input[field])}`,
          );
    });
  return problems;
}

const sameAction = (e: ExpectedAction, got: TakenAction) => e.tool === got.tool && e.status === got.status;

export interface ScenarioResult {
  id: string;
  specialist: string;
  title: string;
  covers: string[];
  passed: boolean;
  problems: string[];
  route: string[];
  actions: { tool: string; status: string; rules: string[] }[];
}

export interface ScenarioSuiteReport {
  brain: string;
  scenarios: number;
  passed: number;
  accuracy: number;
  perSpecialist: Record<string, { scenarios: number; passed: number; accuracy: number }>;
  coverage: Record<string, number>;
  results: ScenarioResult[];
  safety: SafetyCheck[];
}

/** Runs every scenario with `brain` on one eval ledger, emptied between scenarios. */
export async function runScenarioSuite(
  brain: Brain,
  options: { scenarios?: Scenario[]; databaseUrl?: string; policy?: PolicyDocument } = {},
): Promise<ScenarioSuiteReport> {
  const scenarios = options.scenarios ?? loadScenarios();
  const ledger = await openEvalLedger(options);
  const results: ScenarioResult[] = [];
  const safety: SafetyCheck[] = [];
  try {
    for (const scenario of scenarios) {
      await clearLedger(ledger.database.db);
      const { customerId, invoiceIds } = await seedScenario(ledger.database.db, scenario, ledger.clock);
      await identifyPayers(ledger, scenario.id);
      const run = await workAccount(ledger, brain, customerId);
      const problems = compareToLabel(scenario, run, new Map([...invoiceIds].map(([ref, id]) => [id, ref])));
      safety.push(run.safety);
      results.push({
        id: scenario.id,
        specialist: scenario.specialist,
        title: scenario.title,
        covers: scenario.covers,
        passed: problems.length === 0,
        problems,
        route: run.route,
        actions: run.actions.map(({ tool, status, rules }) => ({ tool, status, rules })),
      });
    }
  } finally {
    await ledger.close();
  }
  const perSpecialist: ScenarioSuiteReport["perSpecialist"] = {};
  for (const r of results) {
    const entry = perSpecialist[r.specialist] ?? { scenarios: 0, passed: 0, accuracy: 0 };
    perSpecialist[r.specialist] = entry;
    entry.scenarios++;
    if (r.passed) entry.passed++;
  }
  for (const entry of Object.values(perSpecialist)) entry.accuracy = entry.passed / entry.scenarios;
  const coverage: Record<string, number> = {};
  for (const r of results) for (const tag of r.covers) coverage[tag] = (coverage[tag] ?? 0) + 1;
  const passed = results.filter((r) => r.passed).length;
  return {
    brain: brain.name,
    scenarios: results.length,
    passed,
    accuracy: results.length ? passed / results.length : 0,
    perSpecialist,
    coverage,
    results,
    safety,
  };
}
