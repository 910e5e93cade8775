// Adapter over @portico/server's SnapshotCache, looked up at run time (see adapters.ts).

import type { XdsBuildResult } from '@portico/xds';
import { loadModule } from './adapters.js';

export interface ServerStage {
  /** A new, empty snapshot cache. */
  createCache?: () => unknown;
  /** Commits a build to the cache: afterwards the new snapshot (and its delta) is ready to serve. */
  commit: (cache: unknown, build: XdsBuildResult) => void;
  startXdsServer?: (options: { host: string; port: number; cache: unknown }) => Promise<unknown>;
  problem?: string;
}

export async function loadServerStage(): Promise<ServerStage> {
  const unavailable = (problem: string): ServerStage => ({
    problem,
    commit: () => {
      throw new Error(problem);
    },
  });
  const { mod, problem } = await loadModule('@portico/server');
  if (!mod) return unavailable(problem ?? '@portico/server failed to load');
  if (typeof mod.SnapshotCache !== 'function') return unavailable('@portico/server does not export SnapshotCache yet');
  return unavailable('@portico/server SnapshotCache adapter not wired yet');
}
