import { requirePipeline, xdsProblem, type BenchContext } from '../context.js';
import { loadServerStage } from '../server-stage.js';

const NAME = 'incremental_one_route_ms';

export async function incrementalOneRoute(context: BenchContext): Promise<void> {
  if (!requirePipeline(context, NAME)) return;
  if (!context.xds.buildXds) {
    context.reporter.skipped(NAME, xdsProblem(context.xds, 'buildXds'));
    return;
  }
  const server = await loadServerStage();
  if (!server.createCache) {
    context.reporter.skipped(NAME, server.problem ?? '@portico/server SnapshotCache unavailable');
    return;
  }
  context.reporter.skipped(NAME, 'not wired yet');
}
