import type { Command } from "commander";
import { appendAudit } from "../../db/audit.ts";
import type { Db } from "../../db/connection.ts";
import { type DemoSummary, generateDemoPortfolio } from "../../db/demo/generate.ts";
import { openArc } from "../context.ts";
import { renderProgress } from "./progress.ts";
import { CLI_CALLER } from "./tools.ts";

export const DEMO_DEFAULTS = { customers: 300, seed: 42 } as const;

export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description("Generate a deterministic demo portfolio into an empty ledger")
    .option("--customers <n>", "number of customers", String(DEMO_DEFAULTS.customers))
    .option("--seed <s>", "random seed: the same seed gives the same portfolio", String(DEMO_DEFAULTS.seed))
    .option("--as-of <date>", "the portfolio's 'today' (YYYY-MM-DD); default today (UTC)")
    .action(async (options: { customers: string; seed: string; asOf?: string }) => {
      const customers = positiveInteger(options.customers, "--customers");
      const seed = nonNegativeInteger(options.seed, "--seed");
      if (options.asOf && !/^\d{4}-\d{2}-\d{2}$/.test(options.asOf))
        throw new Error(`--as-of must be YYYY-MM-DD, not "${options.asOf}"`);
      const arc = await openArc();
      try {
        const summary = await generateAudited(arc.database.db, {
          customers,
          seed,
          ...(options.asOf ? { asOf: options.asOf } : {}),
        });
        console.log(describeDemo(summary));
      } finally {
        await arc.close();
      }
    });
}

/** Generates the demo portfolio and records that it did in the audit log. */
export async function generateAudited(
  db: Db,
  options: { customers: number; seed: number; asOf?: string },
): Promise<DemoSummary> {
  const summary = await generateDemoPortfolio(db, {
    ...options,
    onProgress: renderProgress("demo portfolio", "customers"),
  });
  await db.transaction((tx) =>
    appendAudit(tx, { actor: `${CLI_CALLER.kind}:${CLI_CALLER.id}`, event: "demo.generated", data: summary }),
  );
  return summary;
}

export function describeDemo(s: DemoSummary): string {
  return (
    `Generated demo portfolio (seed ${s.seed}, as of ${s.asOf}) in ${(s.ms / 1000).toFixed(1)}s: ${s.customers} customers, ` +
    `${s.contacts} contacts, ${s.invoices} invoices, ${s.payments} payments (${s.unappliedPayments} unapplied), ` +
    `${s.disputes} disputes, ${s.promises} promises to pay, ${s.communications} communications.`
  );
}

export function positiveInteger(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`${flag} must be a whole number of at least 1, not "${text}"`);
  return n;
}

function nonNegativeInteger(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${flag} must be a whole number, not "${text}"`);
  return n;
}
