// The cash-application eval: the demo portfolio's unapplied receipts (labelled as generated) matched
// portfolio-wide — payers identified, then payments matched in the order received — and scored
// (metrics.ts), plus the hand-written adversarial cases (adversarial.ts).
//
//   npx tsx evals/cash-application/run.ts [--customers 2000] [--seed 7]
import {
  createDirectory,
  DEFAULT_MATCH_SETTINGS,
  type MatchSettings,
  matchPayments,
} from "../../tools/cash-matching/index.ts";
import { type AdversarialResult, runAdversarialCases } from "./adversarial.ts";
import { buildDemoDataset } from "./dataset.ts";
import { runFixtureCases } from "./fixtures.ts";
import { type CashMetrics, scoreMatches } from "./metrics.ts";

export interface CashEvalResult extends CashMetrics {
  customers: number;
  seed: number;
  openInvoices: number;
  /** Matching time (directory build, identification and matching), ms. */
  ms: number;
  adversarial: AdversarialResult[];
  /** The hand-written bank files (test/fixtures/bank-files), parsed and matched against their ledgers. */
  fixtures: CashMetrics & { files: { file: string; receipts: number; expected: number }[] };
}

export function runCashApplicationEval(options: {
  customers: number;
  seed: number;
  asOf?: string;
  settings?: MatchSettings;
}): CashEvalResult {
  const settings = options.settings ?? DEFAULT_MATCH_SETTINGS;
  const data = buildDemoDataset(options);
  const started = performance.now();
  const dir = createDirectory(data);
  const matches = matchPayments(data.payments, dir, settings);
  const ms = performance.now() - started;
  return {
    customers: options.customers,
    seed: options.seed,
    openInvoices: data.openInvoices.length,
    ms: Math.round(ms),
    ...scoreMatches(matches, data.truth),
    adversarial: runAdversarialCases(settings),
    fixtures: (() => {
      const f = runFixtureCases(settings);
      return { ...scoreMatches(f.matches, f.truth), files: f.files };
    })(),
  };
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export function formatCashEval(r: CashEvalResult): string {
  const lines = [
    `cash application eval: ${r.customers} customers, seed ${r.seed}: ${r.payments} unapplied payments (${r.withTruth} with a truth match), ${r.openInvoices} open invoices, matched in ${r.ms} ms`,
    `auto-applied ${r.autoApplied}; auto-match rate ${pct(r.autoMatchRate)}`,
    `auto-applied precision: payment ${pct(r.precision.payment)}, invoice ${pct(r.precision.invoice)}; recall: payment ${pct(r.recall.payment)}, invoice ${pct(r.recall.invoice)}`,
    `top review proposal (${r.review.proposed} payments): precision payment ${pct(r.review.precision.payment)}, invoice ${pct(r.review.precision.invoice)}; recall payment ${pct(r.review.recall.payment)}, invoice ${pct(r.review.recall.invoice)}`,
    "case            payments  truth  auto  correct  exact  wrong  top1",
    ...Object.entries(r.byCase).map(
      ([name, c]) =>
        `${name.padEnd(15)} ${String(c.payments).padStart(8)} ${String(c.withTruth).padStart(6)} ${String(c.autoApplied).padStart(5)} ${String(c.autoCorrect).padStart(8)} ${String(c.autoExact).padStart(6)} ${String(c.autoWrong).padStart(6)} ${String(c.top1Correct).padStart(5)}`,
    ),
    `bank-file fixtures (${r.fixtures.files.length} files, ${r.fixtures.payments} receipts): auto-match rate ${pct(r.fixtures.autoMatchRate)}, precision payment ${pct(r.fixtures.precision.payment)}, invoice ${pct(r.fixtures.precision.invoice)}; recall payment ${pct(r.fixtures.recall.payment)}`,
    `adversarial: ${r.adversarial.filter((a) => a.passed).length}/${r.adversarial.length} passed` +
      r.adversarial
        .filter((a) => !a.passed)
        .map((a) => `\n  FAILED ${a.name}: ${a.problem}`)
        .join(""),
    ...r.errors.map((e) => `wrong auto-apply (${e.case}) ${e.paymentId}: ${e.why}`),
  ];
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const customers = arg("customers", 2000);
  const seed = arg("seed", 7);
  console.log(`$ npx tsx evals/cash-application/run.ts --customers ${customers} --seed ${seed}`);
  console.log(formatCashEval(runCashApplicationEval({ customers, seed })));
}
