import type { BenchContext } from '../context.js';
import { loadServerStage } from '../server-stage.js';

const NAME = 'fanout_1000_streams_p99_ms';

export async function fanout(context: BenchContext): Promise<void> {
  const server = await loadServerStage();
  if (!server.createCache || !server.startXdsServer) {
    context.reporter.skipped(NAME, server.problem ?? '@portico/server startXdsServer unavailable');
    return;
  }
  context.reporter.skipped(NAME, 'not wired yet');
}
