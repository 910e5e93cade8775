// `portico conformance`: runs the replay and prints per-feature and per-profile
// tables, optionally every failing assertion, and a fixed-format summary line last.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runConformance, DEFAULT_CONTROLLER_NAME } from './runner.js';
import { formatTable, summaryLine, topFailureReasons, type Report } from './report.js';

export interface CommandIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

const USAGE = `Usage: portico conformance --cases DIR [--json FILE] [--filter REGEX]
                           [--expected-passing FILE] [--controller-name NAME] [-v]

  --cases DIR               conformance data: the suite root or its cases/ folder
  --json FILE               write the full per-assertion report as JSON
  --filter REGEX            only cases whose shortName matches
  --expected-passing FILE   shortNames (one per line, # comments) that must pass fully;
                            exit 1 when any of them does not
  --controller-name NAME    GatewayClass controllerName (default ${DEFAULT_CONTROLLER_NAME})
  -v, --verbose             list every failing assertion with its reason
`;

/** Reads an expected-passing list: one shortName per line, `#` starts a comment. */
export function parseExpectedPassing(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line.length > 0);
}

export function formatReport(report: Report, verbose: boolean): string[] {
  const lines: string[] = [];
  lines.push(...formatTable('feature', report.byFeature), '');
  lines.push(...formatTable('profile', report.byProfile), '');
  const skipped = report.cases.filter((c) => c.outcome === 'skipped');
  if (skipped.length > 0) lines.push(`skipped (preconditions): ${skipped.map((c) => c.shortName).join(', ')}`, '');
  const errored = report.cases.filter((c) => c.outcome === 'error');
  for (const c of errored) lines.push(`ERROR ${c.shortName}: ${c.error ?? ''}`);
  if (verbose) {
    for (const c of report.cases) {
      if (c.outcome !== 'ran' || c.fullyPassing) continue;
      lines.push(`FAIL ${c.shortName}`);
      for (const a of c.assertions) {
        if (!a.expressible || a.passed) continue;
        lines.push(`  ${a.id} ${a.category}/${a.type}${a.subtest ? ` [${a.subtest}]` : ''}: ${a.reason}`);
      }
    }
    const reasons = topFailureReasons(report.cases, 3);
    if (Object.keys(reasons).length > 0) {
      lines.push('', 'top failure reasons per feature:');
      for (const [feature, top] of Object.entries(reasons)) {
        lines.push(`  ${feature}:`);
        for (const { reason, count } of top) lines.push(`    ${count}x ${reason}`);
      }
    }
    const unadvertised = report.cases.filter((c) => c.outcome === 'ran' && c.fullyPassing && !c.featuresAdvertised);
    if (unadvertised.length > 0) {
      lines.push('', `fully passing although a declared feature is not advertised: ${unadvertised.map((c) => c.shortName).join(', ')}`);
    }
    const weighted = report.cases.flatMap((c) => c.assertions).filter((a) => a.evaluation);
    if (weighted.length > 0) lines.push('', `note: ${weighted.length} statistical traffic checks evaluated deterministically (configured weights/percentages, no sampling)`);
    lines.push('');
  }
  lines.push(summaryLine(report.totals));
  return lines;
}

export async function runConformanceCommand(argv: string[], io: CommandIO): Promise<number> {
  let values: { cases?: string; json?: string; filter?: string; 'expected-passing'?: string; 'controller-name'?: string; verbose?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        cases: { type: 'string' },
        json: { type: 'string' },
        filter: { type: 'string' },
        'expected-passing': { type: 'string' },
        'controller-name': { type: 'string' },
        verbose: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
    }));
  } catch (error) {
    io.stderr.write(`portico conformance: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (!values.cases) {
    io.stderr.write(`portico conformance: --cases DIR is required\n\n${USAGE}`);
    return 2;
  }
  let filter: RegExp | undefined;
  try {
    filter = values.filter ? new RegExp(values.filter) : undefined;
  } catch (error) {
    io.stderr.write(`portico conformance: --filter: ${(error as Error).message}\n`);
    return 2;
  }
  let expected: string[] | undefined;
  if (values['expected-passing']) {
    try {
      expected = parseExpectedPassing(readFileSync(values['expected-passing'], 'utf8'));
    } catch (error) {
      io.stderr.write(`portico conformance: --expected-passing: ${(error as Error).message}\n`);
      // Unusable input (a file that cannot be read) is exit 1, as for every command; 2 is usage.
      return 1;
    }
  }
  let report: Report;
  try {
    report = await runConformance({
      dataDir: values.cases,
      ...(filter ? { filter } : {}),
      controllerName: values['controller-name'] ?? DEFAULT_CONTROLLER_NAME,
    });
  } catch (error) {
    io.stderr.write(`portico conformance: ${(error as Error).message}\n`);
    return 1;
  }
  if (values.json) {
    try {
      writeFileSync(values.json, `${JSON.stringify({ ...report, topFailureReasons: topFailureReasons(report.cases) }, null, 2)}\n`);
    } catch (error) {
      io.stderr.write(`portico conformance: --json: ${(error as Error).message}\n`);
      return 1;
    }
  }
  const lines = formatReport(report, values.verbose === true);
  let exitCode = 0;
  if (expected) {
    const byName = new Map(report.cases.map((c) => [c.shortName, c]));
    const regressions = expected.filter((name) => {
      if (filter && !filter.test(name)) return false;
      return !byName.get(name)?.fullyPassing;
    });
    if (regressions.length > 0) {
      exitCode = 1;
      const explain = (name: string): string => {
        const c = byName.get(name);
        if (!c) return 'case not found';
        if (c.outcome !== 'ran') return c.outcome === 'skipped' ? `skipped: ${c.skipReason ?? ''}` : `error: ${c.error ?? ''}`;
        const first = c.assertions.find((a) => a.expressible && !a.passed);
        return first ? `${first.id} ${first.type}: ${first.reason}` : 'not fully passing';
      };
      io.stderr.write(`regressions (${regressions.length} expected-passing cases not fully passing):\n`);
      for (const name of regressions) io.stderr.write(`  ${name}: ${explain(name)}\n`);
    }
  }
  io.stdout.write(`${lines.join('\n')}\n`);
  return exitCode;
}
