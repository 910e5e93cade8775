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
}

/**
 * Runs `body` `warmup` times unmeasured, then `runs` times measured, and returns every
 * measured duration in milliseconds. `setup` runs before each iteration outside the clock.
 */
export async function timeRuns<T>(
  options: TimingOptions,
  body: (input: T) => unknown,
  setup: (iteration: number) => T,
): Promise<number[]> {
  const durations: number[] = [];
  for (let i = 0; i < options.warmup + options.runs; i++) {
    const input = setup(i);
    collectGarbage();
    const start = performance.now();
    await body(input);
    const elapsed = performance.now() - start;
    if (i >= options.warmup) durations.push(elapsed);
  }
  return durations;
}

/** Wall-clock time shared by processes on this host (same-host clocks agree to well under a millisecond). */
export function sharedClockMs(): number {
  return performance.timeOrigin + performance.now();
}
