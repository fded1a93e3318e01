// The bench's parts and the API bench's defaults, apart from the benches themselves: the CLI names
// them in its options without loading the benchmarks (and their dependencies) on every command.

export const BENCH_PARTS = ["policy", "cash", "forecast", "database", "api", "mcp", "scale"] as const;
export type BenchPart = (typeof BENCH_PARTS)[number];

export const API_BENCH_DEFAULTS = {
  actions: 100_000,
  customers: 4000,
  pending: 3000,
  rate: 200,
  seconds: 10,
  approvals: 1000,
  connections: 10,
} as const;
