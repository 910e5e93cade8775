import { PerformanceObserver } from 'node:perf_hooks';

/** Median of a non-empty sample. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile (p in 0..100) of a non-empty sample. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of an empty sample');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
}

export function gcExposed(): boolean {
  return typeof (globalThis as { gc?: unknown }).gc === 'function';
}

export interface TimingOptions {
  warmup: number;
  runs: number;
  /**
   * Wall-clock budget in ms for the whole measurement. When the first iteration shows the
   * requested runs would not fit, remaining warmups are dropped and fewer runs are taken
   * (at least one): a slow pipeline still gets a measured figure in bounded time.
   */
  budgetMs?: number;
  /** Force a full collection before each iteration (collectGarbage), as the bench did before. */
  fullCollection?: boolean;
}

export interface Timing {
  durations: number[];
  warmup: number;
  runs: number;
}

/**
 * Warmups and runs that fit `budgetMs`, decided after the first iteration took `sampleMs`.
 * The first iteration is the (only remaining) warmup when warmups were requested and fit.
 */
export function fitRuns(options: TimingOptions, sampleMs: number): { warmup: number; runs: number } {
  const budget = options.budgetMs ?? Number.POSITIVE_INFINITY;
  if (sampleMs * (options.warmup + options.runs) <= budget) return { warmup: options.warmup, runs: options.runs };
  const affordable = Math.floor(budget / Math.max(sampleMs, 1));
  // When not even a warmup and one run fit, the first iteration is the measurement: a run that
  // long is dominated by the work, not by JIT warmup.
  const warmup = options.warmup > 0 && affordable >= 2 ? 1 : 0;
  return { warmup, runs: Math.max(1, Math.min(options.runs, affordable - warmup)) };
}

/**
 * Runs `body` `warmup` times unmeasured, then `runs` times measured (both possibly cut down
 * by the budget), and returns every measured duration in milliseconds.
 */
export async function timeRuns(options: TimingOptions, body: () => unknown): Promise<Timing> {
  const durations: number[] = [];
  let plan = { warmup: options.warmup, runs: options.runs };
  for (let i = 0; i < plan.warmup + plan.runs; i++) {
    // Back to back: each run pays for the collections its own garbage causes, when V8 decides
    // to run them, as a control plane's builds do (see docs/bench.md, "Forced full collections").
    if (options.fullCollection) collectGarbage();
    const start = performance.now();
    await body();
    const elapsed = performance.now() - start;
    if (i === 0) plan = fitRuns(options, elapsed);
    if (i >= plan.warmup) durations.push(elapsed);
  }
  return { durations, warmup: plan.warmup, runs: plan.runs };
}

/** How a timing was taken, for a note line. */
export function describeTiming(timing: Timing, requested: TimingOptions): string {
  const budget = `${((requested.budgetMs ?? 0) / 1000).toFixed(0)} s budget`;
  const cut =
    timing.runs < requested.runs
      ? ` (cut from ${requested.runs} runs to fit the ${budget})`
      : timing.warmup < requested.warmup
        ? ` (warmup cut from ${requested.warmup} to fit the ${budget})`
        : '';
  return `median of ${timing.runs} runs after ${timing.warmup} warmup${cut}`;
}

/** Wall-clock time shared by processes on this host (same-host clocks agree to well under a millisecond). */
export function sharedClockMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Garbage collection pauses, from V8's `gc` performance entries, so that a figure can say how
 * much of a timed window was spent collecting. Entries arrive after the pause, asynchronously:
 * `stop()` waits for them.
 */
export class CollectionPauses {
  private readonly pauses: Array<[start: number, end: number]> = [];
  private readonly observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) this.pauses.push([entry.startTime, entry.startTime + entry.duration]);
  });

  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 50));
    this.observer.disconnect();
  }

  /** Milliseconds of pauses inside [start, end] (performance.now() times). */
  within(start: number, end: number): number {
    return overlapMs(this.pauses, start, end);
  }
}

/** How much of [start, end] the intervals cover (they do not overlap one another). */
export function overlapMs(intervals: ReadonlyArray<readonly [number, number]>, start: number, end: number): number {
  let total = 0;
  for (const [from, to] of intervals) total += Math.max(0, Math.min(end, to) - Math.max(start, from));
  return total;
}

/** Arithmetic mean of a non-empty sample. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new Error('mean of an empty sample');
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}
