// `npm run bench [-- --quick] [-- --only name,name]`: measures every figure whose
// dependencies exist and prints one `bench:` line per figure (see report.ts for the format).

import { createContext, type BenchContext } from './context.js';
import { encodeFloor } from './figures/encode.js';
import { fanout } from './figures/fanout.js';
import { incrementalOneRoute } from './figures/incremental.js';
import { rssPerRoute } from './figures/rss.js';
import { translateLarge, translateTenK } from './figures/translate.js';
import { Reporter } from './report.js';
import { collectGarbage, gcExposed } from './stats.js';
import { processSettings } from './tuning.js';

interface Figure {
  name: string;
  run: (context: BenchContext) => Promise<void>;
}

export const FIGURES: readonly Figure[] = [
  { name: 'translate_large_ms', run: translateLarge },
  { name: 'translate_10k_routes_ms', run: translateTenK },
  { name: 'incremental_one_route_ms', run: incrementalOneRoute },
  { name: 'encode_floor_ratio', run: encodeFloor },
  { name: 'rss_per_route_kb', run: rssPerRoute },
  { name: 'fanout_1000_streams_p99_ms', run: fanout },
];

function parseArgs(argv: readonly string[]): { quick: boolean; only?: Set<string> } {
  // The root script forwards to this workspace with `npm run bench -w @portico/bench`, so
  // `npm run bench -- --quick` at the root reaches npm as a config flag: npm exports it as npm_config_quick.
  const quick = argv.includes('--quick') || process.env.npm_config_quick === 'true';
  const index = argv.indexOf('--only');
  const value = index >= 0 ? argv[index + 1] : argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  if (value === undefined) return { quick };
  const only = new Set(value.split(',').filter(Boolean));
  for (const name of only) {
    if (!FIGURES.some((f) => f.name === name)) throw new Error(`--only: unknown figure ${name} (known: ${FIGURES.map((f) => f.name).join(', ')})`);
  }
  return { quick, only };
}

async function main(): Promise<void> {
  const { quick, only } = parseArgs(process.argv.slice(2));
  const reporter = new Reporter(quick);
  const settings = await processSettings();
  reporter.note('run', `node: ${settings.description}`);
  if (quick) reporter.note('run', '--quick: reduced fixture sizes and run counts; figures are a smoke test, not comparable to targets');
  if (!gcExposed()) reporter.note('run', 'global.gc is not exposed; run node with --expose-gc for steadier timings');
  const context = await createContext(quick, reporter, settings.flags);
  let failures = 0;
  for (const figure of FIGURES) {
    if (only && !only.has(figure.name)) continue;
    try {
      await figure.run(context);
    } catch (error) {
      failures++;
      const message = error instanceof Error ? error.message : String(error);
      reporter.skipped(figure.name, `failed: ${message.split('\n')[0]}`);
    }
    collectGarbage();
  }
  if (failures > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
