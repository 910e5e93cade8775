// Adapter over @portico/server (SnapshotCache, startXdsServer), looked up at run time like
// the xds stage (see adapters.ts) so figures that need it skip cleanly until it exists.

import type { XdsBuildResult } from '@portico/xds';
import { loadModule } from './adapters.js';

/** The part of SnapshotCache the benchmarks use. */
export interface CacheLike {
  /** Encodes what changed, computes the per-group delta and notifies streams; synchronous. */
  setSnapshot(result: XdsBuildResult): unknown;
  /** A group's served resources by type (`any` is what a stream sends). */
  group?(name: string): Readonly<Record<string, ReadonlyMap<string, { readonly any: unknown }>>>;
}

export interface CacheOptions {
  /** Keep the VHDS views from the start, as once a VHDS proxy has connected. */
  vhds?: boolean;
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
  createCache?: (options?: CacheOptions) => CacheLike;
  startXdsServer?: (options: { host: string; port: number; cache: CacheLike; limits?: ServerLimits }) => Promise<RunningServer>;
  problem?: string;
}

export async function loadServerStage(): Promise<ServerStage> {
  const { mod, problem } = await loadModule('@portico/server');
  if (!mod) return { problem: problem ?? '@portico/server failed to load' };
  if (typeof mod.SnapshotCache !== 'function') return { problem: '@portico/server does not export SnapshotCache yet' };
  const Cache = mod.SnapshotCache as new (options?: CacheOptions) => CacheLike;
  const stage: ServerStage = { createCache: (options) => new Cache(options) };
  if (typeof mod.startXdsServer === 'function') stage.startXdsServer = mod.startXdsServer as NonNullable<ServerStage['startXdsServer']>;
  else stage.problem = '@portico/server does not export startXdsServer yet';
  return stage;
}
