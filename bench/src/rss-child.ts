// Child process for rss_per_route_kb: a fresh heap so the baseline holds only loaded code and
// a warmed-up pipeline, then the state the control plane keeps for N routes.

import { ResourceSet } from '@portico/api';
import { allResources } from './adapters.js';
import { createMemos, loadPipeline, runPipeline } from './context.js';
import { generateFixture, QUICK_LARGE_SHAPE, QUICK_TEN_K_SHAPE, TEN_K_SHAPE } from './fixture.js';
import { loadServerStage } from './server-stage.js';
import { collectGarbage, gcExposed } from './stats.js';

export interface RssResult {
  routes: number;
  baselineRss: number;
  stateRss: number;
  baselineHeap: number;
  stateHeap: number;
  gc: boolean;
  /** What the retained state consists of. */
  state: string[];
  /** RSS before the whole RouteConfigurations were written (only the VHDS views held). */
  vhdsOnlyRss?: number;
}

function settle(): { rss: number; heap: number } {
  collectGarbage();
  const usage = process.memoryUsage();
  return { rss: usage.rss, heap: usage.heapUsed };
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const { pipeline, problem, xds } = await loadPipeline();
  if (!pipeline) throw new Error(problem ?? 'translator unavailable');
  const server = await loadServerStage();

  // Warm up every stage on a small input so lazily loaded code and protos count as baseline.
  const warm = runPipeline(ResourceSet.from(generateFixture(QUICK_LARGE_SHAPE).objects), pipeline);
  if (warm.xds && xds.encodeResource) for (const resource of allResources(warm.xds)) xds.encodeResource(resource);
  if (warm.xds && server.createCache) {
    server.createCache().setSnapshot(warm.xds);
  }
  const baseline = settle();

  const shape = quick ? QUICK_TEN_K_SHAPE : TEN_K_SHAPE;
  const resources = ResourceSet.from(generateFixture(shape).objects);
  // The control plane keeps a translation memo and a build memo between builds: they count.
  const memos = createMemos(pipeline);
  const output = runPipeline(resources, pipeline, memos);
  const state = ['ResourceSet (input objects)', 'TranslationResult (IR + statuses)'];
  if (memos.translation) state.push('TranslationMemo');
  if (memos.xds) state.push('xds build memo');
  let cache: unknown;
  let vhdsOnly: { rss: number } | undefined;
  if (output.xds) {
    state.push('XdsBuildResult');
    if (server.createCache) {
      // A fleet with both kinds of proxy: the VHDS views, and every RouteConfiguration written
      // whole (a stream without VHDS asks for it); the larger of the states the cache can hold.
      const snapshotCache = server.createCache({ vhds: true });
      const change = snapshotCache.setSnapshot(output.xds);
      cache = snapshotCache;
      state.push('SnapshotCache snapshot with VHDS views');
      vhdsOnly = settle();
      const groups = (change as { groups?: Map<string, unknown> }).groups;
      for (const group of groups?.keys() ?? []) {
        for (const route of snapshotCache.group?.(group).route?.values() ?? []) void route.any;
      }
      state.push('whole RouteConfigurations written');
    }
  }
  const after = settle();
  // Keep the state reachable until after the measurement.
  const retained = [resources, output, cache, memos];
  const result: RssResult = {
    routes: shape.httpRoutes,
    baselineRss: baseline.rss,
    stateRss: after.rss,
    baselineHeap: baseline.heap,
    stateHeap: after.heap,
    gc: gcExposed(),
    state,
    ...(vhdsOnly ? { vhdsOnlyRss: vhdsOnly.rss } : {}),
  };
  process.send?.(result);
  if (retained.length === 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
