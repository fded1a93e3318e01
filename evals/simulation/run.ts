// The portfolio simulator: ARC against fixed-schedule ERP dunning over the same simulated customers,
// seed by seed. Assumptions: README.md in this folder.
//
//   runSimulation({ seeds: [1, 2, 3], customers: 120 })  → SimulationReport
//   renderSimulation(report)                             → the report's markdown section
import { DEFAULT_POLICY } from "../../policies/default-policy.ts";
import type { PolicyDocument } from "../../policies/document.ts";
import { addDays } from "../../tools/dates.ts";
import { runArcArm } from "./arc-arm.ts";
import type { ArmRun } from "./arm.ts";
import { DEFAULT_DAYS, DEFAULT_START_DATE } from "./assumptions.ts";
import { runBaselineArm } from "./baseline-arm.ts";
import { COMPLAINT_KINDS, type ComplaintKind } from "./customer.ts";
import {
  type ArmMetrics,
  armMetrics,
  COUNTBACK_BLOCK_DAYS,
  dsoReduction,
  type Stat,
  type SummaryMetric,
  stat,
  summarise,
  summariseComplaints,
} from "./metrics.ts";
import { generatePortfolio, type Portfolio } from "./portfolio.ts";

export type { ArmMetrics, Stat, SummaryMetric } from "./metrics.ts";

export interface SimulationOptions {
  seeds: number[];
  customers: number;
  /** Simulated days, default 90. */
  days?: number;
  /** The first simulated day (YYYY-MM-DD, UTC), default 2026-03-02. */
  startDate?: string;
}

export interface SimulationReport {
  options: Required<SimulationOptions>;
  policyVersion: string;
  perSeed: { seed: number; arc: ArmMetrics; baseline: ArmMetrics; dsoReduction: number | null }[];
  summary: {
    arc: Record<SummaryMetric, Stat>;
    baseline: Record<SummaryMetric, Stat>;
    /** (baseline DSO − ARC DSO) ÷ baseline DSO per seed, countback DSO. */
    dsoReduction: Stat;
    /** ARC's collected share (the same as summary.arc.collectedShare). */
    collectedShare: Stat;
    complaintsByKind: { arc: Record<ComplaintKind, Stat>; baseline: Record<ComplaintKind, Stat> };
  };
  /** Open AR at the end of each day, mean across seeds (minor units), for a chart. */
  series: { day: number; date: string; arcOpenMinor: number; baselineOpenMinor: number }[];
}

/** Both arms on one seed's portfolio, with everything they left behind (tests look inside). */
export async function simulateSeed(
  seed: number,
  options: Omit<SimulationOptions, "seeds">,
  policy: PolicyDocument = DEFAULT_POLICY,
): Promise<{ portfolio: Portfolio; arc: ArmRun; baseline: ArmRun }> {
  const resolved = resolveOptions({ ...options, seeds: [seed] });
  const portfolio = generatePortfolio(seed, resolved.customers, resolved.startDate, resolved.days);
  return { portfolio, arc: await runArcArm(portfolio, policy), baseline: runBaselineArm(portfolio) };
}

export async function runSimulation(
  options: SimulationOptions,
  policy: PolicyDocument = DEFAULT_POLICY,
): Promise<SimulationReport> {
  const resolved = resolveOptions(options);
  const perSeed: SimulationReport["perSeed"] = [];
  const arcOpen: number[][] = [];
  const baselineOpen: number[][] = [];
  for (const seed of resolved.seeds) {
    const { portfolio, arc, baseline } = await simulateSeed(seed, resolved, policy);
    const arcMetrics = armMetrics(portfolio, arc);
    const baselineMetrics = armMetrics(portfolio, baseline);
    perSeed.push({
      seed,
      arc: arcMetrics,
      baseline: baselineMetrics,
      dsoReduction: dsoReduction(arcMetrics, baselineMetrics),
    });
    arcOpen.push(arc.openMinorByDay);
    baselineOpen.push(baseline.openMinorByDay);
  }
  const meanOn = (rows: number[][], day: number) =>
    Math.round(rows.reduce((t, row) => t + (row[day] ?? 0), 0) / rows.length);
  const arcSummary = summarise(perSeed.map((p) => p.arc));
  return {
    options: resolved,
    policyVersion: policy.version,
    perSeed,
    summary: {
      arc: arcSummary,
      baseline: summarise(perSeed.map((p) => p.baseline)),
      dsoReduction: stat(perSeed.map((p) => p.dsoReduction)),
      collectedShare: arcSummary.collectedShare,
      complaintsByKind: {
        arc: summariseComplaints(perSeed.map((p) => p.arc)),
        baseline: summariseComplaints(perSeed.map((p) => p.baseline)),
      },
    },
    series: Array.from({ length: resolved.days }, (_, day) => ({
      day,
      date: addDays(resolved.startDate, day),
      arcOpenMinor: meanOn(arcOpen, day),
      baselineOpenMinor: meanOn(baselineOpen, day),
    })),
  };
}

/** Defaults filled in; a bad option throws a RangeError that names it. */
export function resolveOptions(options: SimulationOptions): Required<SimulationOptions> {
  const { seeds, customers } = options;
  const days = options.days ?? DEFAULT_DAYS;
  const startDate = options.startDate ?? DEFAULT_START_DATE;
  if (!Array.isArray(seeds) || seeds.length === 0)
    throw new RangeError("seeds: give at least one seed (a safe integer)");
  const badSeed = seeds.find((s) => !Number.isSafeInteger(s));
  if (badSeed !== undefined) throw new RangeError(`seeds: ${badSeed} is not a safe integer`);
  if (new Set(seeds).size !== seeds.length) throw new RangeError("seeds: each seed may appear only once");
  if (!Number.isInteger(customers) || customers < 1)
    throw new RangeError(`customers: ${customers} is not a whole number ≥ 1`);
  if (!Number.isInteger(days) || days < 1) throw new RangeError(`days: ${days} is not a whole number ≥ 1`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(startDate) || Number.isNaN(Date.parse(`${startDate}T00:00:00Z`)))
    throw new RangeError(`startDate: "${startDate}" is not a date as YYYY-MM-DD`);
  if (addDays(startDate, 0) !== startDate)
    throw new RangeError(`startDate: "${startDate}" is not a real date`);
  return { seeds: [...seeds], customers, days, startDate };
}

// ---------------------------------------------------------------------------------------------
// Markdown

const ROWS: { label: string; key: SummaryMetric; format: (x: number) => string }[] = [
  {
    label: `DSO, countback (${COUNTBACK_BLOCK_DAYS}-day blocks), days`,
    key: "dsoCountbackDays",
    format: fixed(1),
  },
  { label: "DSO, standard (window), days", key: "dsoStandardDays", format: fixed(1) },
  { label: "collected share of what fell due", key: "collectedShare", format: percent },
  { label: "contacts per 1,000 USD collected", key: "contactsPer1000Collected", format: fixed(2) },
  { label: "contacts delivered", key: "contacts", format: fixed(0) },
  { label: "approvals needed", key: "approvals", format: fixed(0) },
  { label: "complaints", key: "complaints", format: fixed(1) },
  { label: "promises made", key: "promisesMade", format: fixed(1) },
  { label: "promises kept", key: "promisesKept", format: fixed(1) },
  { label: "cease-communication requests", key: "ceaseRequests", format: fixed(1) },
  { label: "legal referrals", key: "legalReferrals", format: fixed(1) },
  { label: "payment plans accepted", key: "paymentPlansAccepted", format: fixed(1) },
];

const COMPLAINT_LABELS: Record<ComplaintKind, string> = {
  night_contact: "contact at night (outside 08–21 local)",
  disputed_invoice_dunned: "dunning a disputed invoice",
  contact_after_cease: "contact after a cease request",
  contact_after_bankruptcy: "contact after a bankruptcy filing",
  over_frequency: "over-frequency",
  no_consent: "SMS without consent",
  tone_or_pressure: "tone or pressure",
};

export function renderSimulation(report: SimulationReport): string {
  const { options, summary } = report;
  const cell = (s: Stat, format: (x: number) => string) =>
    Number.isNaN(s.mean)
      ? "—"
      : options.seeds.length === 1
        ? format(s.mean)
        : `${format(s.mean)} ± ${format(s.sd)} (${format(s.min)}–${format(s.max)})`;
  const lines = [
    "## Portfolio simulation",
    "",
    `ARC (its collection agent and policy engine, policy ${report.policyVersion}) against fixed-schedule ERP dunning, ` +
      `on the same ${options.customers} simulated customers per seed over ${options.days} days from ${options.startDate}, ` +
      `${options.seeds.length} seed(s). Mean ± sample sd (min–max) across seeds.`,
    "",
    "| metric | ARC | fixed-schedule dunning |",
    "| --- | --- | --- |",
    ...ROWS.map(
      (row) =>
        `| ${row.label} | ${cell(summary.arc[row.key], row.format)} | ${cell(summary.baseline[row.key], row.format)} |`,
    ),
    ...COMPLAINT_KINDS.map(
      (kind) =>
        `| – ${COMPLAINT_LABELS[kind]} | ${cell(summary.complaintsByKind.arc[kind], fixed(1))} | ${cell(summary.complaintsByKind.baseline[kind], fixed(1))} |`,
    ),
    "",
    `DSO reduction (baseline − ARC) ÷ baseline: ${cell(summary.dsoReduction, percent)}; ARC's collected share ${cell(summary.collectedShare, percent)}.`,
    "",
    "Customer model and every assumption: [evals/simulation/README.md](evals/simulation/README.md).",
    "",
    `Run: \`npx tsx evals/simulation/cli.ts --seeds ${options.seeds.join(",")} --customers ${options.customers} --days ${options.days} --start ${options.startDate}\` ` +
      `(runSimulation(${JSON.stringify(options)})).`,
    "",
  ];
  return lines.join("\n");
}

function fixed(digits: number): (x: number) => string {
  return (x) => x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
