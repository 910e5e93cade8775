import { describe, expect, it } from 'vitest';
import { summarizeProfile, type CpuProfile } from '../src/profile.js';
import { Reporter } from '../src/report.js';
import { CollectionPauses, fitRuns, median, overlapMs, percentile } from '../src/stats.js';

describe('percentile', () => {
  it('uses nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile(values, 1)).toBe(1);
    expect(median([5, 1, 3])).toBe(3);
    expect(() => percentile([], 50)).toThrow();
  });
});

describe('fitRuns', () => {
  it('keeps the request when it fits the budget', () => {
    expect(fitRuns({ warmup: 2, runs: 5, budgetMs: 1000 }, 100)).toEqual({ warmup: 2, runs: 5 });
    expect(fitRuns({ warmup: 2, runs: 5 }, 1e9)).toEqual({ warmup: 2, runs: 5 });
  });

  it('cuts runs, then the warmup, but always measures once', () => {
    expect(fitRuns({ warmup: 3, runs: 15, budgetMs: 1000 }, 200)).toEqual({ warmup: 1, runs: 4 });
    expect(fitRuns({ warmup: 1, runs: 5, budgetMs: 1000 }, 600)).toEqual({ warmup: 0, runs: 1 });
    expect(fitRuns({ warmup: 0, runs: 5, budgetMs: 1000 }, 5000)).toEqual({ warmup: 0, runs: 1 });
  });
});

describe('collection pauses', () => {
  it('counts only the part of each pause inside the window', () => {
    const pauses: Array<[number, number]> = [
      [0, 10],
      [20, 30],
      [45, 60],
    ];
    expect(overlapMs(pauses, 5, 50)).toBe(5 + 10 + 5);
    expect(overlapMs(pauses, 10, 20)).toBe(0);
    expect(overlapMs(pauses, 21, 22)).toBe(1);
    expect(overlapMs([], 0, 100)).toBe(0);
  });

  it('sees the pauses V8 reports while it observes', async () => {
    const pauses = new CollectionPauses();
    const start = performance.now();
    // Enough short-lived garbage for the young generation to be collected at least once: lists
    // that escape into a holder dropped every thousand, so the compiler cannot elide them.
    let holder: number[][] = [];
    let made = 0;
    for (let i = 0; i < 2_000_000; i++) {
      holder.push([i, i + 1]);
      if (holder.length === 1000) {
        made += holder.length;
        holder = [];
      }
    }
    const end = performance.now();
    await pauses.stop();
    expect(made).toBe(2_000_000);
    expect(pauses.within(start, end)).toBeGreaterThan(0);
  });
});

describe('Reporter', () => {
  it('prints figures, targets and skips in the documented format', () => {
    const lines: string[] = [];
    const reporter = new Reporter(false, (line) => lines.push(line));
    reporter.figure('translate_large_ms', 123.44, 'ms');
    reporter.figure('incremental_one_route_ms', 25, 'ms');
    reporter.figure('translate_10k_routes_ms', 1500, 'ms');
    reporter.skipped('fanout_1000_streams_p99_ms', 'no server');
    expect(lines).toEqual([
      'bench: translate_large_ms 123.4 ms',
      'target: translate_large_ms <= 150 ms met',
      'bench: incremental_one_route_ms 25.00 ms',
      'target: incremental_one_route_ms <= 20 ms not met',
      'bench: translate_10k_routes_ms 1500.0 ms',
      'bench-skipped: fanout_1000_streams_p99_ms no server',
    ]);
    for (const line of lines.filter((l) => l.startsWith('bench: '))) expect(line).toMatch(/^bench: [a-z0-9_]+ -?[0-9.]+ \S+$/);
  });
});

describe('summarizeProfile', () => {
  it('splits self and total time and counts recursion once', () => {
    const frame = (functionName: string) => ({ functionName, url: '', lineNumber: 0 });
    // root → a → b → a (recursive) ; samples: a(2) 1ms each, b 3ms, inner a 4ms
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2] },
        { id: 2, callFrame: frame('a'), children: [3] },
        { id: 3, callFrame: frame('b'), children: [4] },
        { id: 4, callFrame: frame('a'), children: [] },
      ],
      samples: [2, 2, 3, 4],
      timeDeltas: [1000, 1000, 3000, 4000],
      startTime: 0,
      endTime: 9000,
    };
    const costs = new Map(summarizeProfile(profile).map((c) => [c.name, c]));
    expect(costs.get('a')).toMatchObject({ selfMs: 6, totalMs: 9 });
    expect(costs.get('b')).toMatchObject({ selfMs: 3, totalMs: 7 });
  });
});
