// Adapter over @portico/server (SnapshotCache, startXdsServer), looked up at run time like
// the xds stage (see adapters.ts) so figures that need it skip cleanly until it exists.

import type { XdsBuildResult } from '@portico/xds';
import { loadModule } from './adapters.js';

/** The part of SnapshotCache the benchmarks use. */
export interface CacheLike {
  /** Encodes what changed, computes the per-group delta and notifies streams; synchronous. */
  setSnapshot(result: XdsBuildResult): unknown;
}

export interface RunningServer {
  port: number;
  streams(): number;
  close(): Promise<void>;
}

export interface ServerLimits {
  maxStreams?: number;
  maxConcurrentStreamsPerConnection?: number;
  keepaliveTimeMs?: number;
  keepaliveTimeoutMs?: number;
}

export interface ServerStage {
  createCache?: () => CacheLike;
  startXdsServer?: (options: { host: string; port: number; cache: CacheLike; limits?: ServerLimits }) => Promise<RunningServer>;
  problem?: string;
}

export async function loadServerStage(): Promise<ServerStage> {
  const { mod, problem } = await loadModule('@portico/server');
  if (!mod) return { problem: problem ?? '@portico/server failed to load' };
  if (typeof mod.SnapshotCache !== 'function') return { problem: '@portico/server does not export SnapshotCache yet' };
  const Cache = mod.SnapshotCache as new () => CacheLike;
  const stage: ServerStage = { createCache: () => new Cache() };
  if (typeof mod.startXdsServer === 'function') stage.startXdsServer = mod.startXdsServer as NonNullable<ServerStage['startXdsServer']>;
  else stage.problem = '@portico/server does not export startXdsServer yet';
  return stage;
}
