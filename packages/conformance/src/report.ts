// Report shapes and tallies: per assertion, per case, per feature and per profile.

export interface AssertionResult {
  id: string;
  category: 'status' | 'traffic';
  type: string;
  subtest?: string;
  expressible: boolean;
  /** False when the check could not be carried out (counted as failed when expressible). */
  evaluated: boolean;
  passed: boolean;
  reason: string;
  /** How a statistical upstream check was decided here (weights are compared, not sampled). */
  evaluation?: string;
  source?: { file?: string; line?: number };
}

export interface CaseResult {
  shortName: string;
  suite: string;
  features: string[];
  profiles: string[];
  /** `ran`, `skipped` (preconditions not met) or `error` (the replay itself could not proceed). */
  outcome: 'ran' | 'skipped' | 'error';
  skipReason?: string;
  error?: string;
  /** Every declared feature is advertised in the GatewayClass supportedFeatures. */
  featuresAdvertised: boolean;
  assertions: AssertionResult[];
  /** Ran, and every expressible assertion passed. */
  fullyPassing: boolean;
  durationMs: number;
}

export interface Ratio {
  passed: number;
  total: number;
}

export interface Tally {
  status: Ratio;
  traffic: Ratio;
  notExpressible: number;
  cases: Ratio;
}

export interface Report {
  suiteRoot: string;
  controllerName: string;
  supportedFeatures: string[];
  cases: CaseResult[];
  totals: Tally;
  byFeature: Record<string, Tally>;
  byProfile: Record<string, Tally>;
  durationMs: number;
}

export function emptyTally(): Tally {
  return { status: { passed: 0, total: 0 }, traffic: { passed: 0, total: 0 }, notExpressible: 0, cases: { passed: 0, total: 0 } };
}

export function addCase(tally: Tally, result: CaseResult): void {
  if (result.outcome === 'skipped') return;
  tally.cases.total++;
  if (result.fullyPassing) tally.cases.passed++;
  for (const assertion of result.assertions) {
    if (!assertion.expressible) {
      tally.notExpressible++;
      continue;
    }
    const ratio = assertion.category === 'status' ? tally.status : tally.traffic;
    ratio.total++;
    if (assertion.passed) ratio.passed++;
  }
}

export function tallyCases(results: CaseResult[]): Pick<Report, 'totals' | 'byFeature' | 'byProfile'> {
  const totals = emptyTally();
  const byFeature: Record<string, Tally> = {};
  const byProfile: Record<string, Tally> = {};
  for (const result of results) {
    addCase(totals, result);
    for (const feature of result.features) addCase((byFeature[feature] ??= emptyTally()), result);
    for (const profile of result.profiles) addCase((byProfile[profile] ??= emptyTally()), result);
  }
  return { totals, byFeature, byProfile };
}

/** The command's last line; scripts parse it, so its shape is fixed. */
export function summaryLine(totals: Tally): string {
  const { status, traffic, notExpressible, cases } = totals;
  return (
    `conformance: status ${status.passed}/${status.total}, traffic ${traffic.passed}/${traffic.total}, ` +
    `not-expressible ${notExpressible}, cases fully passing ${cases.passed}/${cases.total}`
  );
}

function ratio(r: Ratio): string {
  return `${r.passed}/${r.total}`;
}

/** A fixed-width table: one row per key, status / traffic / cases columns. */
export function formatTable(title: string, rows: Record<string, Tally>): string[] {
  const names = Object.keys(rows).sort();
  const width = Math.max(title.length, ...names.map((n) => n.length));
  const header = `${title.padEnd(width)}  ${'status'.padStart(9)}  ${'traffic'.padStart(9)}  ${'n/e'.padStart(4)}  ${'cases'.padStart(7)}`;
  const lines = [header, '-'.repeat(header.length)];
  for (const name of names) {
    const t = rows[name];
    lines.push(
      `${name.padEnd(width)}  ${ratio(t.status).padStart(9)}  ${ratio(t.traffic).padStart(9)}  ${String(t.notExpressible).padStart(4)}  ${ratio(t.cases).padStart(7)}`,
    );
  }
  return lines;
}

/** Most frequent failure reasons per feature, with object names normalised away so alike failures group. */
export function topFailureReasons(results: CaseResult[], perFeature = 5): Record<string, Array<{ reason: string; count: number }>> {
  const counts = new Map<string, Map<string, number>>();
  for (const result of results) {
    if (result.outcome === 'skipped') continue;
    const reasons =
      result.outcome === 'error'
        ? [`replay error: ${result.error ?? ''}`]
        : result.assertions.filter((a) => a.expressible && !a.passed).map((a) => `${a.type}: ${normaliseReason(a.reason)}`);
    for (const feature of result.features) {
      const bucket = counts.get(feature) ?? new Map<string, number>();
      counts.set(feature, bucket);
      for (const reason of reasons) bucket.set(reason, (bucket.get(reason) ?? 0) + 1);
    }
  }
  const out: Record<string, Array<{ reason: string; count: number }>> = {};
  for (const [feature, bucket] of [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const top = [...bucket.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, perFeature)
      .map(([reason, count]) => ({ reason, count }));
    if (top.length > 0) out[feature] = top;
  }
  return out;
}

function normaliseReason(reason: string): string {
  return reason
    .replace(/^[A-Za-z]+ [a-z0-9-]+\/[a-z0-9.-]+(?: (?:parent|listener|ancestor) [a-z0-9.-]+)?: /, '')
    .replace(/^(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \S+: /, '')
    .replace(/\/[\w.]+\/\w+ @\S+: /, '')
    .replace(/\b\d+ (listeners|parents|status\.addresses)\b/g, 'N $1')
    .slice(0, 160);
}
