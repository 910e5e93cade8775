import { runChild, srcPath } from '../child.js';
import type { BenchContext } from '../context.js';
import type { RssResult } from '../rss-child.js';

const NAME = 'rss_per_route_kb';

export async function rssPerRoute(context: BenchContext): Promise<void> {
  const child = runChild<RssResult>(srcPath('./rss-child.ts'), context.quick ? ['--quick'] : [], context.controlPlaneFlags);
  const [result] = await child.done;
  if (!result) {
    context.reporter.skipped(NAME, 'memory child reported nothing');
    return;
  }
  const perRouteKb = (result.stateRss - result.baselineRss) / result.routes / 1024;
  const heapPerRouteKb = (result.stateHeap - result.baselineHeap) / result.routes / 1024;
  context.reporter.figure(NAME, perRouteKb, 'kb');
  context.reporter.note(
    NAME,
    `(RSS with state for ${result.routes} HTTPRoutes ${(result.stateRss / 2 ** 20).toFixed(1)} MiB − baseline ${(result.baselineRss / 2 ** 20).toFixed(1)} MiB) / ${result.routes}; ` +
      `heapUsed ${heapPerRouteKb.toFixed(2)} kb/route; gc ${result.gc ? 'forced before each reading' : 'NOT exposed (run node with --expose-gc)'}`,
  );
  context.reporter.note(NAME, `state retained: ${result.state.join(', ')}`);
  if (result.vhdsOnlyRss !== undefined) {
    const vhdsOnly = (result.vhdsOnlyRss - result.baselineRss) / result.routes / 1024;
    context.reporter.note(NAME, `before the whole RouteConfigurations were written (a fleet all on VHDS): ${vhdsOnly.toFixed(2)} kb/route`);
  }
}
