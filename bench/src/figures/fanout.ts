import { ResourceSet } from '@portico/api';
import type { XdsBuildResult } from '@portico/xds';
import { runChild, srcPath, type ChildHandle } from '../child.js';
import { createMemos, requirePipeline, runPipeline, xdsProblem, type BenchContext } from '../context.js';
import type { ChildMessage, FanoutMode, ParentMessage } from '../fanout-clients.js';
import { editHttpRoute, INFRA_NAMESPACE, type FixtureObject } from '../fixture.js';
import { loadServerStage, type CacheLike, type RunningServer } from '../server-stage.js';
import { collectGarbage, percentile, sharedClockMs } from '../stats.js';

const NAME = 'fanout_1000_streams_p99_ms';
const PROXY_GROUP = `${INFRA_NAMESPACE}/edge-0`;
const GRPC_UNIMPLEMENTED = 12;

/** Waits for IPC messages from a child in order, with a deadline. */
class Inbox {
  private readonly queue: ChildMessage[] = [];
  private waiter: (() => void) | undefined;

  constructor(child: ChildHandle<ChildMessage>) {
    child.onMessage((message) => {
      this.queue.push(message);
      this.waiter?.();
    });
  }

  async next<T extends ChildMessage['type']>(type: T, timeoutMs: number): Promise<Extract<ChildMessage, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.queue.findIndex((m) => m.type === type || m.type === 'error');
      if (index >= 0) {
        const [message] = this.queue.splice(index, 1) as [ChildMessage];
        if (message.type === 'error') throw new Error(message.message);
        return message as Extract<ChildMessage, { type: T }>;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for the clients (${type})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
  }
}

interface Clients {
  child: ChildHandle<ChildMessage>;
  inbox: Inbox;
  mode: FanoutMode;
  synced: Extract<ChildMessage, { type: 'synced' }>;
}

async function stopClients(child: ChildHandle<ChildMessage>): Promise<void> {
  child.send({ type: 'stop' } satisfies ParentMessage);
  const timer = setTimeout(() => child.kill(), 10_000);
  await child.done.catch(() => undefined);
  clearTimeout(timer);
}

async function connectClients(mode: FanoutMode, start: Omit<Extract<ParentMessage, { type: 'start' }>, 'mode' | 'type'>): Promise<Clients> {
  const child = runChild<ChildMessage>(srcPath('./fanout-clients.ts'), []);
  const inbox = new Inbox(child);
  child.send({ type: 'start', mode, ...start } satisfies ParentMessage);
  try {
    const synced = await inbox.next('synced', start.timeoutMs + 5_000);
    return { child, inbox, mode, synced };
  } catch (error) {
    await stopClients(child);
    throw error;
  }
}

function routeNamesChanged(before: XdsBuildResult, after: XdsBuildResult, group: string): string[] {
  const previous = new Map((before.groups[group]?.routes ?? []).map((r) => [r.name, JSON.stringify(r.message)]));
  return (after.groups[group]?.routes ?? []).filter((r) => previous.get(r.name) !== JSON.stringify(r.message)).map((r) => r.name);
}

/**
 * One HTTPRoute edit pushed to N ADS streams of one Gateway's proxies, driven by a separate
 * client process: from the moment the new build is committed to the SnapshotCache to the
 * moment each stream has received the whole response carrying the changed RouteConfiguration.
 */
export async function fanout(context: BenchContext): Promise<void> {
  const pipeline = requirePipeline(context, NAME);
  if (!pipeline) return;
  const buildXds = context.xds.buildXds;
  if (!buildXds) {
    context.reporter.skipped(NAME, xdsProblem(context.xds, 'buildXds'));
    return;
  }
  const server = await loadServerStage();
  if (!server.createCache || !server.startXdsServer) {
    context.reporter.skipped(NAME, server.problem ?? '@portico/server is unavailable');
    return;
  }
  const streams = context.quick ? 50 : 1000;
  // One client process stands in for a fleet: ten proxies per TCP connection keeps its
  // connection count sane; each stream is still its own ADS session with its own node.
  const connections = Math.ceil(streams / 10);
  const changes = context.quick ? 2 : 7;
  const timeoutMs = context.quick ? 30_000 : 120_000;

  const fixture = context.large();
  const objects: FixtureObject[] = [...fixture.objects];
  // Built as the control plane builds, with the memos it keeps: unchanged resources come out as
  // the same objects, which the cache recognises without hashing them again.
  const memos = createMemos(pipeline);
  const build = (): XdsBuildResult => runPipeline(ResourceSet.from(objects), pipeline, memos).xds as XdsBuildResult;
  let current = build();
  const group = current.groups[PROXY_GROUP];
  if (!group) {
    context.reporter.skipped(NAME, `the build has no proxy group ${PROXY_GROUP}`);
    return;
  }
  const editable = fixture.httpRoutes.filter((route) =>
    (route.spec?.parentRefs ?? []).some((ref) => `${ref.namespace ?? route.metadata.namespace}/${ref.name}` === PROXY_GROUP),
  );

  const cache: CacheLike = server.createCache();
  cache.setSnapshot(current);
  let running: RunningServer | undefined;
  let clients: Clients | undefined;
  try {
    // A single client process cannot answer keepalive pings while it decodes the initial sync of
    // every stream at once (a real fleet spreads that over many processes): give it time.
    running = await server.startXdsServer({
      host: '127.0.0.1',
      port: 0,
      cache,
      limits: { maxStreams: streams + 100, keepaliveTimeMs: 600_000, keepaliveTimeoutMs: 120_000 },
    });
    const start = {
      port: running.port,
      streams,
      connections,
      proxyGroup: PROXY_GROUP,
      routeNames: group.routes.map((r) => r.name),
      endpointNames: group.endpoints.map((r) => r.name),
      timeoutMs,
    };

    /** `count` measured changes (after one unmeasured) pushed to the connected clients. */
    const measure = async (connected: Clients, count: number): Promise<{ latencies: number[]; worst: number[]; bytes: number }> => {
      const latencies: number[] = [];
      const worst: number[] = [];
      let bytes = 0;
      // One unmeasured change first: the first push on fresh connections pays one-off costs.
      for (let change = 0; change <= count; change++) {
        const pick = (edits++ * 7919) % editable.length;
        const route = editable[pick];
        if (!route) throw new Error(`no HTTPRoute attaches to ${PROXY_GROUP}`);
        const edited = editHttpRoute(route, 1000 + edits);
        objects[objects.indexOf(route)] = edited;
        editable[pick] = edited;
        const next = build();
        const [routeName] = routeNamesChanged(current, next, PROXY_GROUP);
        if (!routeName) throw new Error(`editing ${route.metadata.namespace}/${route.metadata.name} changed no RouteConfiguration`);
        connected.child.send({ type: 'arm', change, routeName } satisfies ParentMessage);
        await connected.inbox.next('armed', 10_000);

        const committedAt = sharedClockMs();
        cache.setSnapshot(next);
        current = next;
        const received = await connected.inbox.next('received', timeoutMs + 5_000);
        if (received.missing > 0) throw new Error(`change ${change}: ${received.missing}/${streams} streams never received the update`);
        if (change === 0) continue;
        const perStream = received.times.map((t) => t - committedAt);
        latencies.push(...perStream);
        worst.push(Math.max(...perStream));
        bytes = received.bytes / streams;
      }
      return { latencies, worst, bytes };
    };
    let edits = 0;

    // The figure: proxies on VHDS (`portico bootstrap --vhds`), which receive the virtual hosts an
    // edit changed. Proxies that take whole RouteConfigurations are measured after, for the note.
    let vhds = true;
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    try {
      clients = await connectClients('delta', { ...start, vhds });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!message.includes(` ${GRPC_UNIMPLEMENTED} `)) throw error;
      vhds = false;
      clients = await connectClients('sotw', { ...start, vhds });
      context.reporter.note(NAME, `Delta ADS is not available (${message}); measured with SotW ADS streams`);
    }
    collectGarbage();
    const streamHeap = process.memoryUsage().heapUsed - heapBefore;
    const measured = await measure(clients, changes);
    const synced = clients.synced;
    const mode = clients.mode;
    await stopClients(clients.child);
    clients = undefined;

    const { reporter } = context;
    reporter.figure(NAME, percentile(measured.latencies, 99), 'ms');
    reporter.note(
      NAME,
      `${mode === 'delta' ? 'Delta' : 'SotW'} ADS${vhds ? ' with VHDS (node metadata portico.vhds, as `portico bootstrap --vhds` sets)' : ''}, ${streams} streams on ${connections} connections from a separate client process, proxy group ${PROXY_GROUP} of the large fixture; ` +
        `p99 over ${measured.latencies.length} stream receipts of ${changes} one-HTTPRoute changes (commit = SnapshotCache.setSnapshot call, receipt = full response decoded)`,
    );
    reporter.note(
      NAME,
      `p50 ${percentile(measured.latencies, 50).toFixed(1)} ms, worst stream per change ${measured.worst.map((w) => w.toFixed(0)).join('/')} ms; ` +
        `${(measured.bytes / 1024).toFixed(1)} KiB of resources per stream per change; initial sync of all streams took ${(synced.elapsedMs / 1000).toFixed(1)} s ` +
        `(${(synced.bytes / 2 ** 20).toFixed(0)} MiB)`,
    );
    reporter.note(
      NAME,
      `server heap held for the ${streams} streams after their initial sync: ${(streamHeap / 2 ** 20).toFixed(1)} MiB (${(streamHeap / streams / 1024).toFixed(1)} KiB per stream)`,
    );
    if (vhds) {
      // The same fleet without VHDS: every edit ships the whole RouteConfiguration of the port.
      const wholeChanges = context.quick ? 1 : 3;
      collectGarbage();
      const wholeHeapBefore = process.memoryUsage().heapUsed;
      clients = await connectClients('delta', { ...start, vhds: false });
      collectGarbage();
      const wholeHeap = process.memoryUsage().heapUsed - wholeHeapBefore;
      const whole = await measure(clients, wholeChanges);
      reporter.note(
        NAME,
        `without VHDS (whole RouteConfigurations, the default for proxies that do not ask): p99 ${percentile(whole.latencies, 99).toFixed(1)} ms, ` +
          `p50 ${percentile(whole.latencies, 50).toFixed(1)} ms over ${wholeChanges} changes, ${(whole.bytes / 1024).toFixed(1)} KiB per stream per change; ` +
          `server heap ${(wholeHeap / streams / 1024).toFixed(1)} KiB per stream`,
      );
    }
    reporter.note(NAME, 'the clients share the 2 cores with the server: their decoding and ACKs are part of what is measured');
  } finally {
    if (clients) await stopClients(clients.child);
    await running?.close();
  }
}
