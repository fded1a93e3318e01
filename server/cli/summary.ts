import type { Command } from "commander";
import { AGING_BUCKETS } from "../../tools/aging.ts";
import type { portfolioSummary } from "../../tools/read/portfolio-summary.ts";
import { openArc } from "../context.ts";
import { money, table } from "./format.ts";
import { CLI_CALLER, expectOk } from "./tools.ts";

type Summary = Awaited<ReturnType<typeof portfolioSummary.run>>;

export function registerSummaryCommand(program: Command): void {
  program
    .command("summary")
    .description(
      "Print the portfolio summary: customers, aging by currency, disputes, unapplied cash, approvals",
    )
    .option("--as-of <date>", "aging as of this date (YYYY-MM-DD); default today (UTC)")
    .option("--json", "print JSON instead of tables")
    .action(async (options: { asOf?: string; json?: boolean }) => {
      const arc = await openArc();
      try {
        const summary = expectOk<Summary>(
          await arc.runner.call("portfolio_summary", options.asOf ? { asOf: options.asOf } : {}, {
            caller: CLI_CALLER,
          }),
        );
        console.log(options.json ? JSON.stringify(summary, null, 2) : renderSummary(summary));
      } finally {
        await arc.close();
      }
    });
}

export function renderSummary(s: Summary): string {
  const c = s.customers;
  const lines = [
    `Portfolio as of ${s.asOf}`,
    `Customers: ${c.customers} (${c.consumer} consumer, ${c.strategic} strategic; flags: ${c.doNotContact} do-not-contact, ` +
      `${c.ceaseCommunication} cease, ${c.bankruptcy} bankruptcy, ${c.legalHold} legal hold)`,
    "",
    "Open balance by aging bucket (days past due)",
    table(
      ["currency", ...AGING_BUCKETS, "total", "invoices"],
      s.aging.map((a) => [
        a.currency,
        ...AGING_BUCKETS.map((b) => money(a.buckets[b], a.currency)),
        money(a.totalMinor, a.currency),
        a.openInvoices,
      ]),
    ),
    "",
    "Live disputes",
    s.disputes.length
      ? table(
          ["currency", "disputes", "amount"],
          s.disputes.map((d) => [d.currency, d.count, money(d.amountMinor, d.currency)]),
        )
      : "none",
    "",
    "Unapplied cash",
    s.unapplied.length
      ? table(
          ["currency", "payments", "identified", "unidentified"],
          s.unapplied.map((u) => [
            u.currency,
            u.payments,
            money(u.identifiedMinor, u.currency),
            money(u.unidentifiedMinor, u.currency),
          ]),
        )
      : "none",
    "",
    `Approvals waiting: ${s.pendingApprovals}`,
  ];
  return lines.join("\n");
}
