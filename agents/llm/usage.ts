// What the model cost a run: calls, retries, tokens, estimated spend, and every decision the rules
// brain took over because the model failed. One instance per run; the run report carries its summary.

export interface ModelPrice {
  /** US dollars per million input (prompt) tokens and per million output (completion) tokens. */
  inputPerMillion: number;
  outputPerMillion: number;
}

export interface ModelFallback {
  /** What the model was asked to do: "draft", "choose", "classify_reply". */
  task: string;
  customerId: string | null;
  reason: string;
}

export interface ModelUsageSummary {
  model: string;
  calls: number;
  failedCalls: number;
  retries: number;
  inputTokens: number;
  outputTokens: number;
  /** Estimated from the configured price; null when the model's price is not known. */
  estimatedCostUsd: number | null;
  byTask: Record<string, number>;
  fallbacks: number;
  /** The first fallbacks with their reasons (all are counted above). */
  fallbackSamples: ModelFallback[];
}

const FALLBACK_SAMPLES = 50;

export class ModelUsage {
  private calls = 0;
  private failedCalls = 0;
  private retries = 0;
  private inputTokens = 0;
  private outputTokens = 0;
  private readonly byTask: Record<string, number> = {};
  private fallbackCount = 0;
  private readonly samples: ModelFallback[] = [];

  constructor(
    readonly model: string,
    private readonly price: ModelPrice | null,
  ) {}

  recordCall(task: string, tokens: { input: number; output: number }, retries: number): void {
    this.calls++;
    this.retries += retries;
    this.inputTokens += tokens.input;
    this.outputTokens += tokens.output;
    this.byTask[task] = (this.byTask[task] ?? 0) + 1;
  }

  recordFailure(task: string, retries: number): void {
    this.failedCalls++;
    this.retries += retries;
    this.byTask[task] = (this.byTask[task] ?? 0) + 1;
  }

  recordFallback(fallback: ModelFallback): void {
    this.fallbackCount++;
    if (this.samples.length < FALLBACK_SAMPLES) this.samples.push(fallback);
  }

  summary(): ModelUsageSummary {
    const cost = this.price
      ? (this.inputTokens * this.price.inputPerMillion + this.outputTokens * this.price.outputPerMillion) /
        1e6
      : null;
    return {
      model: this.model,
      calls: this.calls,
      failedCalls: this.failedCalls,
      retries: this.retries,
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      estimatedCostUsd: cost === null ? null : Math.round(cost * 1e6) / 1e6,
      byTask: { ...this.byTask },
      fallbacks: this.fallbackCount,
      fallbackSamples: [...this.samples],
    };
  }
}

/** Several summaries (one per account of a run, worked by any process) as one; null when there are none. */
export function combineUsage(summaries: readonly ModelUsageSummary[]): ModelUsageSummary | null {
  if (summaries.length === 0) return null;
  const byTask: Record<string, number> = {};
  let cost: number | null = 0;
  for (const s of summaries) {
    for (const [task, n] of Object.entries(s.byTask)) byTask[task] = (byTask[task] ?? 0) + n;
    cost = cost === null || s.estimatedCostUsd === null ? null : cost + s.estimatedCostUsd;
  }
  const sum = (pick: (s: ModelUsageSummary) => number) => summaries.reduce((t, s) => t + pick(s), 0);
  return {
    model: summaries[0]!.model,
    calls: sum((s) => s.calls),
    failedCalls: sum((s) => s.failedCalls),
    retries: sum((s) => s.retries),
    inputTokens: sum((s) => s.inputTokens),
    outputTokens: sum((s) => s.outputTokens),
    estimatedCostUsd: cost === null ? null : Math.round(cost * 1e6) / 1e6,
    byTask,
    fallbacks: sum((s) => s.fallbacks),
    fallbackSamples: summaries.flatMap((s) => s.fallbackSamples).slice(0, FALLBACK_SAMPLES),
  };
}
