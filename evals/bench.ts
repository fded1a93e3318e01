// `npm run bench`: the foundation's throughput and memory, on the embedded database and (with
// --database-url or ARC_BENCH_DATABASE_URL) on a real PostgreSQL. Numbers are printed with the exact
// command that produced them. Benchmarks measure; they never assert, so they live here and not in test/.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, asc, eq, sql } from "drizzle-orm";
import { rulesBrain } from "../agents/rules-brain.ts";
import { createClient, type Database, openDatabase } from "../db/connection.ts";
import { generateDemoPortfolio } from "../db/demo/generate.ts";
import { contacts, customers, invoices } from "../db/schema.ts";
import { DEFAULT_POLICY, evaluate } from "../policies/index.ts";
import type { Caller, ProposedAction } from "../policies/types.ts";
import { runAccounts } from "../server/run.ts";
import { groupByCustomer, predictPayDate, trainPayDateModel } from "../tools/forecasting/index.ts";
import { composeMessage } from "../tools/messages.ts";
import { ALL_TOOLS } from "../tools/registry.ts";
import { ToolRunner } from "../tools/runner.ts";
import { type ApiBenchOptions, benchApi, withScratchDatabase } from "./api-bench.ts";
import type { BenchPart } from "./bench-settings.ts";
import { benchCashMatching } from "./cash-application/bench.ts";
import { demoPaymentHistory } from "./forecasting.ts";
import { benchMcp, benchMcpOn, describeMcpBench } from "./mcp-bench.ts";
import { baseFacts } from "./policy-gate.ts";
import { benchRunAtScale } from "./run-scale-bench.ts";

export interface BenchOptions {
  customers: number;
  calls: number;
  /** Portfolio size for the pay-date model's training and scoring (in memory, no database). */
  forecastCustomers: number;
  databaseUrl?: string;
  seed: number;
  /** The HTTP API under load (evals/api-bench.ts), on each database. */
  api: Omit<ApiBenchOptions, "seed">;
  /** MCP read-tool latency over Streamable HTTP (evals/mcp-bench.ts): concurrent sessions × calls each. */
  mcp: { clients: number; callsPerClient: number };
  /** The nightly run at scale on the real PostgreSQL (evals/run-scale-bench.ts). */
  scale: { customers: number; workers: number; concurrency: number; windowSeconds?: number };
  /** Which parts to run (default all). */
  only?: readonly BenchPart[];
  log?: (line: string) => void;
}

export interface Measurement {
  database: string;
  metric: string;
  value: string;
}

const AGENT: Caller = { kind: "agent", id: "bench", role: "agent" };

export async function runBench(options: BenchOptions): Promise<Measurement[]> {
  const results: Measurement[] = [];
  const wanted = (part: BenchPart) => !options.only || options.only.includes(part);
  if (wanted("policy")) results.push(...benchPolicy());
  if (wanted("cash")) results.push(benchCashApplication());
  if (wanted("forecast")) results.push(...benchPayDateModel(options.forecastCustomers, options.seed));
  if (wanted("database")) {
    const dataDir = mkdtempSync(join(tmpdir(), "arc-bench-"));
    try {
      const embedded = await openDatabase({ dataDir });
      results.push(...(await benchDatabase("embedded", embedded, options)));
      await embedded.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  if (wanted("database") && options.databaseUrl) {
    const name = `arc_bench_${Date.now()}`;
    const admin = createClient(options.databaseUrl, 1);
    await admin.unsafe(`create database ${name}`);
    try {
      const url = new URL(options.databaseUrl);
      url.pathname = `/${name}`;
      const postgres = await openDatabase({ url: url.toString() });
      results.push(...(await benchDatabase("postgres", postgres, options)));
      await postgres.close();
    } finally {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  }
  const api = { ...options.api, seed: options.seed };
  if (wanted("api")) {
    const apiDataDir = mkdtempSync(join(tmpdir(), "arc-api-bench-"));
    try {
      results.push(...(await benchApi("embedded", { dataDir: apiDataDir }, api)));
    } finally {
      rmSync(apiDataDir, { recursive: true, force: true });
    }
  }
  if (wanted("api") && options.databaseUrl) {
    results.push(
      ...(await withScratchDatabase(options.databaseUrl, "arc_api_bench", (url) =>
        benchApi("postgres", { url }, api),
      )),
    );
  }
  const mcp = { ...options.mcp, customers: options.customers, seed: options.seed };
  if (wanted("mcp")) results.push(...(await benchMcp(mcp)).map(describeMcpBench));
  if (wanted("mcp") && options.databaseUrl) {
    const onPostgres = await withScratchDatabase(options.databaseUrl, "arc_mcp_bench", async (url) => {
      const database = await openDatabase({ url });
      try {
        return await benchMcpOn("postgres", database, mcp);
      } finally {
        await database.close();
      }
    });
    results.push(...onPostgres.map(describeMcpBench));
  }
  if (wanted("scale")) {
    if (options.databaseUrl)
      results.push(
        ...(await benchRunAtScale({
          databaseUrl: options.databaseUrl,
          ...options.scale,
          seed: options.seed,
          log: options.log ?? (() => {}),
        })),
      );
    else
      results.push({
        database: "postgres",
        metric: "nightly run at scale",
        value: "not measured: it needs a PostgreSQL (--database-url or ARC_BENCH_DATABASE_URL)",
      });
  }
  results.push({
    database: "-",
    metric: "peak RSS of the bench process",
    value: `${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`,
  });
  return results;
}

/**
 * Training the pay-date model on a demo portfolio's history (generated in memory), and scoring every
 * invoice open at the as-of date with it: issue 5 asks for these on 100,000 customers. Training samples
 * whole customers down to DEFAULT_PARAMS.maxTrainingInvoices settled invoices; scoring covers all.
 */
export function benchPayDateModel(customers: number, seed: number): Measurement[] {
  const asOf = "2026-03-11";
  const generating = performance.now();
  const history = demoPaymentHistory({ customers, seed, asOf });
  const generateSeconds = (performance.now() - generating) / 1000;
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const model = trainPayDateModel(history, { cut: asOf });
  const trainSeconds = (performance.now() - started) / 1000;
  const trainedRss = process.memoryUsage().rss;
  const byCustomer = groupByCustomer(history);
  const open = history.filter((h) => h.paidDate === null || h.paidDate >= asOf);
  const scoring = performance.now();
  let late = 0;
  for (const invoice of open) {
    late += predictPayDate(model, invoice, byCustomer.get(invoice.customerId) ?? [], asOf).lateProbability;
  }
  const scoreSeconds = (performance.now() - scoring) / 1000;
  const json = model.toJSON();
  const sample = json.sample
    ? `${json.sample.customers} of ${json.sample.ofCustomers} customers sampled, ${json.sample.invoices} of ${json.sample.ofInvoices} settled invoices`
    : `${json.trainingInvoices} settled invoices`;
  const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;
  return [
    {
      database: "-",
      metric: `demo payment history of ${customers} customers, generated in memory (${history.length} invoices)`,
      value: `${generateSeconds.toFixed(1)} s`,
    },
    {
      database: "-",
      metric: `pay-date model training on it (${sample}; ${json.trainingExamples} examples)`,
      value: `${trainSeconds.toFixed(1)} s, RSS ${mib(rssBefore)} → ${mib(trainedRss)}`,
    },
    {
      database: "-",
      metric: `pay-date scoring of the ${open.length} invoices open on ${asOf} (mean late probability ${(late / Math.max(1, open.length)).toFixed(3)})`,
      value: `${scoreSeconds.toFixed(1)} s (${Math.round(open.length / scoreSeconds)} invoices/s)`,
    },
  ];
}

/** The matching engine alone (no database): issue 4's target is 10,000 payments × 100,000 invoices in ≤ 10 s on one core. */
function benchCashApplication(): Measurement {
  const r = benchCashMatching({ payments: 10_000, invoices: 100_000, seed: 1 });
  return {
    database: "-",
    metric: `cash matching: ${r.payments} payments against ${r.invoices} open invoices (${r.customers} customers), ${r.autoApplied} auto-applied`,
    value: `${(r.totalMs / 1000).toFixed(2)} s wall (index ${(r.buildMs / 1000).toFixed(2)} s, identify + match ${(r.matchMs / 1000).toFixed(2)} s), ${(r.cpuMs / 1000).toFixed(2)} s CPU, heap ${r.heapUsedMB} MiB, RSS ${r.rssMB} MiB`,
  };
}

function benchPolicy(): Measurement[] {
  const facts = baseFacts({ consumer: true });
  const invoice = facts.invoices[0]!;
  // Twenty earlier emails, one a day, so the frequency and gap rules have history to count.
  facts.recentCommunications = Array.from({ length: 20 }, (_, i) => ({
    channel: "email" as const,
    direction: "outbound" as const,
    status: "sent",
    occurredAt: new Date(Date.parse(facts.now) - (i + 1) * 86_400_000).toISOString(),
    isConversation: false,
    contactId: facts.contact!.id,
  }));
  const message = composeMessage({
    channel: "email",
    invoices: [invoice],
    isConsumer: true,
    policy: DEFAULT_POLICY,
    lead: "Your invoice is past due.",
  });
  const action: ProposedAction = {
    tool: "send_message",
    kind: "outreach",
    caller: AGENT,
    customerId: facts.customer!.id,
    invoiceIds: [invoice.id],
    outreach: {
      channel: "email",
      contactId: facts.contact!.id,
      purpose: "collection",
      body: message.body,
      invoiceIds: [invoice.id],
    },
  };
  const iterations = 20_000;
  const started = performance.now();
  for (let i = 0; i < iterations; i++) evaluate(action, facts, DEFAULT_POLICY);
  const seconds = (performance.now() - started) / 1000;
  return [
    {
      database: "-",
      metric: "policy evaluate() of an email with 20 prior messages",
      value: `${Math.round(iterations / seconds)} /s`,
    },
  ];
}

async function benchDatabase(
  label: string,
  database: Database,
  options: BenchOptions,
): Promise<Measurement[]> {
  const out: Measurement[] = [];
  const demo = await generateDemoPortfolio(database.db, {
    customers: options.customers,
    seed: options.seed,
    asOf: "2026-03-10",
  });
  out.push({
    database: label,
    metric: `demo portfolio: ${demo.customers} customers, ${demo.invoices} invoices`,
    value: `${(demo.ms / 1000).toFixed(1)} s (${Math.round(demo.customers / (demo.ms / 1000))} customers/s, ${Math.round(demo.invoices / (demo.ms / 1000))} invoices/s)`,
  });
  const runner = new ToolRunner({ db: database.db, policy: DEFAULT_POLICY, tools: ALL_TOOLS });
  // Accounts a message may go to: open invoices, an email contact, no stop flags. 15:00 UTC keeps
  // the US and European zones inside their 08:00–21:00 window.
  const targets = await database.db
    .selectDistinctOn([customers.id], {
      customerId: customers.id,
      isConsumer: customers.isConsumer,
      invoiceId: invoices.id,
      externalRef: invoices.externalRef,
      balanceMinor: invoices.balanceMinor,
      currency: invoices.currency,
      dueDate: invoices.dueDate,
      contactId: contacts.id,
    })
    .from(customers)
    .innerJoin(invoices, and(eq(invoices.customerId, customers.id), sql`${invoices.balanceMinor} > 0`))
    .innerJoin(contacts, and(eq(contacts.customerId, customers.id), sql`${contacts.email} is not null`))
    .orderBy(asc(customers.id), asc(invoices.dueDate), asc(invoices.externalRef), asc(contacts.id))
    .limit(options.calls);
  const now = new Date("2026-03-10T15:00:00Z");
  const verdicts: Record<string, number> = {};
  const latencies: number[] = [];
  const started = performance.now();
  for (const [index, t] of targets.entries()) {
    const message = composeMessage({
      channel: "email",
      invoices: [
        {
          externalRef: t.externalRef,
          balanceMinor: t.balanceMinor,
          currency: t.currency,
          dueDate: t.dueDate,
        },
      ],
      isConsumer: t.isConsumer,
      policy: DEFAULT_POLICY,
      lead: "A reminder about your account.",
      subject: "Payment reminder",
    });
    const callStarted = performance.now();
    const result = await runner.call(
      "send_message",
      {
        customerId: t.customerId,
        contactId: t.contactId,
        channel: "email",
        ...message,
        invoiceIds: [t.invoiceId],
      },
      { caller: AGENT, now, idempotencyKey: `bench:${index}` },
    );
    latencies.push(performance.now() - callStarted);
    verdicts[result.status] = (verdicts[result.status] ?? 0) + 1;
  }
  const writeSeconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  out.push({
    database: label,
    metric: `send_message through the runner (${targets.length} calls: ${Object.entries(verdicts)
      .map(([k, v]) => `${v} ${k}`)
      .join(", ")})`,
    value: `${Math.round(targets.length / writeSeconds)} calls/s, p50 ${latencies[Math.floor(latencies.length / 2)]?.toFixed(1)} ms, p95 ${latencies[Math.floor(latencies.length * 0.95)]?.toFixed(1)} ms`,
  });
  const readStarted = performance.now();
  for (const t of targets)
    await runner.call("account_overview", { customerId: t.customerId }, { caller: AGENT, now });
  const readSeconds = (performance.now() - readStarted) / 1000;
  out.push(...(await benchRun(label, database, runner)));
  out.push({
    database: label,
    metric: `account_overview reads (${targets.length})`,
    value: `${Math.round(targets.length / readSeconds)} reads/s`,
  });
  return out;
}

export function renderBench(results: Measurement[], command: string): string {
  const width = Math.max(...results.map((r) => r.metric.length));
  return [
    `Measured with: ${command}`,
    `Machine: ${process.platform} ${process.arch}, Node ${process.version}`,
    "",
    ...results.map((r) => `${r.database.padEnd(9)} ${r.metric.padEnd(width)}  ${r.value}`),
  ].join("\n");
}

/** A whole nightly run over the portfolio (rules brain, checkpoints, reports), as `arc run` does it. */
async function benchRun(label: string, database: Database, runner: ToolRunner): Promise<Measurement[]> {
  const arc = { database, policy: DEFAULT_POLICY, runner, brain: rulesBrain, close: async () => {} };
  const started = performance.now();
  const result = await runAccounts(arc, {
    asOf: "2026-03-11",
    concurrency: 4,
    dryRun: false,
    brain: rulesBrain,
  });
  const seconds = (performance.now() - started) / 1000;
  const a = result.report.accounts;
  return [
    {
      database: label,
      metric: `arc run over ${a.total} accounts (${a.worked} worked, ${a.paused} paused, ${a.failed} failed), concurrency 4`,
      value: `${seconds.toFixed(1)} s, ${Math.round(a.total / seconds)} accounts/s (${Math.round(a.worked / seconds)} worked/s), RSS after ${Math.round(process.memoryUsage().rss / 1048576)} MiB`,
    },
  ];
}
