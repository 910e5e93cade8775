import type { KindName } from '@portico/api';
import { pipelineLabel, requirePipeline, resourceSetOf, runPipeline, type BenchContext } from '../context.js';
import type { Fixture } from '../fixture.js';
import { irRouteCount, routeKindsInIr } from '../inspect.js';
import { describeTiming, median, timeRuns, type TimingOptions } from '../stats.js';

const ROUTE_KINDS: readonly KindName[] = ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'];

async function timeFullTranslation(
  context: BenchContext,
  name: string,
  fixture: Fixture,
  runs: TimingOptions,
  compareFullCollection = false,
): Promise<void> {
  const pipeline = requirePipeline(context, name);
  if (!pipeline) return;
  const resources = resourceSetOf(fixture);
  const timing = await timeRuns(runs, () => runPipeline(resources, pipeline));
  const { translation, xds } = runPipeline(resources, pipeline);
  const { reporter } = context;
  reporter.figure(name, median(timing.durations), 'ms');
  reporter.note(name, `time = ${pipelineLabel(context.xds)}; ${describeTiming(timing, runs)}, back to back (no collection forced between runs)`);
  if (compareFullCollection) {
    const full = await timeRuns({ ...runs, fullCollection: true }, () => runPipeline(resources, pipeline));
    reporter.note(
      name,
      `each after a forced full collection instead (how this figure was measured before; see docs/bench.md): median ${median(full.durations).toFixed(1)} ms`,
    );
  }

  const inputKinds = ROUTE_KINDS.filter((kind) => (fixture.counts[kind] ?? 0) > 0);
  const produced = routeKindsInIr(translation.ir);
  const missing = inputKinds.filter((kind) => !produced.includes(kind));
  reporter.note(
    name,
    `input: ${inputKinds.map((kind) => `${fixture.counts[kind]} ${kind}`).join(', ')} over ${fixture.counts.Service ?? 0} Services, ` +
      `${fixture.counts.EndpointSlice ?? 0} EndpointSlices, ${fixture.counts.Gateway ?? 0} Gateways`,
  );
  reporter.note(
    name,
    `IR produced for: ${produced.join(', ') || 'none'}` +
      (missing.length > 0 ? `; no IR for: ${missing.join(', ')}` : '') +
      `; ${irRouteCount(translation.ir)} IR routes/L4 chains, ${translation.ir.clusters.length} clusters`,
  );
  if (xds) {
    const groups = Object.values(xds.groups);
    const total = groups.reduce(
      (sum, g) => sum + g.listeners.length + g.routes.length + g.clusters.length + g.endpoints.length + g.secrets.length,
      0,
    );
    reporter.note(name, `xds: ${groups.length} proxy groups, ${total} resources, ${xds.rejected.length} rejected`);
  }
}

export async function translateLarge(context: BenchContext): Promise<void> {
  await timeFullTranslation(context, 'translate_large_ms', context.large(), context.quick ? { warmup: 1, runs: 3 } : { warmup: 10, runs: 15, budgetMs: 60_000 }, true);
}

export async function translateTenK(context: BenchContext): Promise<void> {
  await timeFullTranslation(context, 'translate_10k_routes_ms', context.tenK(), context.quick ? { warmup: 1, runs: 3, budgetMs: 30_000 } : { warmup: 1, runs: 5, budgetMs: 120_000 });
}
