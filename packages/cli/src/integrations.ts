// Late-bound access to the ADS server and the conformance runner, by their
// documented names, so `portico serve` and `portico conformance` say plainly
// what is missing instead of failing to load.
import type { Logger } from 'pino';
import type { NackError } from '@portico/admin';
import type { XdsBuildResult } from '@portico/xds';
import type { Io } from './common.js';

export interface SnapshotCacheLike {
  setSnapshot(result: XdsBuildResult): void;
  connectedProxies?(): readonly unknown[];
  nackErrors?(): readonly NackError[];
  on?(event: string, listener: (event: Record<string, unknown>) => void): unknown;
}

export interface XdsServerHandle {
  port: number;
  close(): Promise<void> | void;
}

export interface ServerStage {
  createCache(): SnapshotCacheLike;
  startXdsServer(options: {
    host: string;
    port: number;
    cache: SnapshotCacheLike;
    logger: Logger;
  }): Promise<XdsServerHandle>;
}

export async function loadServerStage(): Promise<ServerStage> {
  const module: Record<string, unknown> = await import('@portico/server');
  const Cache = module.SnapshotCache;
  const start = module.startXdsServer;
  const missing = [
    typeof Cache === 'function' ? undefined : 'SnapshotCache',
    typeof start === 'function' ? undefined : 'startXdsServer',
  ].filter((name) => name !== undefined);
  if (missing.length > 0) throw new Error(`@portico/server does not provide ${missing.join(', ')}`);
  const CacheClass = Cache as new () => SnapshotCacheLike;
  const startServer = start as ServerStage['startXdsServer'];
  return {
    createCache: () => new CacheClass(),
    startXdsServer: async (options) => startServer(options),
  };
}

export type ConformanceCommand = (argv: string[], io: Io) => Promise<number>;

export async function loadConformanceCommand(): Promise<ConformanceCommand> {
  const module: Record<string, unknown> = await import('@portico/conformance');
  if (typeof module.runConformanceCommand !== 'function') {
    throw new Error('@portico/conformance does not provide runConformanceCommand');
  }
  return module.runConformanceCommand as ConformanceCommand;
}
