// Load-generator child for fanout_1000_streams_p99_ms: opens N ADS streams (Delta or SotW)
// to the server under test, subscribes like an Envoy (LDS/CDS wildcard, RDS/EDS by name),
// ACKs every response, and reports when each stream received a watched change. It runs in
// its own process so the server's event loop only does server work. Receive times use
// performance.timeOrigin + performance.now(), the clock the parent uses for commit times.

import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { sharedClockMs } from './stats.js';

export type FanoutMode = 'delta' | 'sotw';

export interface FanoutStart {
  type: 'start';
  port: number;
  streams: number;
  /** TCP connections the streams are spread over; equal to `streams` for one connection per proxy. */
  connections: number;
  mode: FanoutMode;
  /** node.cluster: the proxy group (Gateway `namespace/name`) every stream belongs to. */
  proxyGroup: string;
  /** Names subscribed explicitly (types without wildcard). */
  routeNames: string[];
  endpointNames: string[];
  /** Give up waiting for the initial sync or for a change after this long. */
  timeoutMs: number;
  /**
   * Delta only: ask for VHDS (node metadata portico.vhds), as `portico bootstrap --vhds` does,
   * and subscribe to each RouteConfiguration's virtual hosts by its name, as Envoy does.
   */
  vhds: boolean;
}

/** Parent → child: record the next response carrying this RDS resource on every stream. */
export interface FanoutArm {
  type: 'arm';
  change: number;
  routeName: string;
}

export interface FanoutStop {
  type: 'stop';
}

export type ParentMessage = FanoutStart | FanoutArm | FanoutStop;

export type ChildMessage =
  | { type: 'synced'; streams: number; elapsedMs: number; bytes: number }
  | { type: 'armed'; change: number }
  | { type: 'received'; change: number; times: number[]; missing: number; bytes: number }
  | { type: 'error'; message: string };

const TYPE_URLS = {
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  endpoint: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  virtualHost: 'type.googleapis.com/envoy.config.route.v3.VirtualHost',
} as const;

interface AnyMessage {
  type_url: string;
  value: Buffer;
}

interface NodeMessage {
  id: string;
  cluster: string;
  locality: { zone: string };
  user_agent_name: string;
  metadata?: { fields: Record<string, { boolValue: boolean }> };
}

interface DeltaRequest {
  node?: NodeMessage;
  type_url: string;
  resource_names_subscribe?: string[];
  response_nonce?: string;
}

interface DeltaResponse {
  system_version_info?: string;
  type_url?: string;
  nonce?: string;
  resources?: Array<{ name?: string; version?: string; resource?: AnyMessage }>;
  removed_resources?: string[];
}

interface SotwRequest {
  node?: NodeMessage;
  type_url: string;
  version_info?: string;
  resource_names?: string[];
  response_nonce?: string;
}

interface SotwResponse {
  version_info?: string;
  type_url?: string;
  nonce?: string;
  resources?: AnyMessage[];
}

interface AdsClient extends grpc.Client {
  DeltaAggregatedResources(): grpc.ClientDuplexStream<DeltaRequest, DeltaResponse>;
  StreamAggregatedResources(): grpc.ClientDuplexStream<SotwRequest, SotwResponse>;
}

type AdsClientConstructor = new (address: string, credentials: grpc.ChannelCredentials, options: grpc.ChannelOptions) => AdsClient;

function loadAdsClient(): AdsClientConstructor {
  const require = createRequire(import.meta.url);
  const deps = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
  const definition = protoLoader.loadSync('envoy/service/discovery/v3/ads.proto', {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
    includeDirs: ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((dir) => path.join(deps, dir)),
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: AdsClientConstructor } } } };
  };
  return pkg.envoy.service.discovery.v3.AggregatedDiscoveryService;
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

function responseBytes(resources: ReadonlyArray<AnyMessage | undefined>): number {
  let bytes = 0;
  for (const any of resources) bytes += any?.value.length ?? 0;
  return bytes;
}

interface Watch {
  change: number;
  routeName: string;
  times: Array<number | undefined>;
  pending: number;
  bytes: number;
  timer: NodeJS.Timeout;
}

class FanoutDriver {
  private readonly clients: AdsClient[] = [];
  private readonly calls: Array<grpc.ClientDuplexStream<DeltaRequest, DeltaResponse> | grpc.ClientDuplexStream<SotwRequest, SotwResponse>> = [];
  private readonly typesSeen: Array<Set<string>>;
  private syncedStreams = 0;
  private syncBytes = 0;
  private readonly startedAt = performance.now();
  private watch: Watch | undefined;
  private stopping = false;

  constructor(private readonly config: FanoutStart) {
    this.typesSeen = Array.from({ length: config.streams }, () => new Set<string>());
  }

  private subscribedTypes(): string[] {
    const types: string[] = [TYPE_URLS.cluster, TYPE_URLS.listener];
    if (this.config.endpointNames.length > 0) types.push(TYPE_URLS.endpoint);
    if (this.config.routeNames.length > 0) types.push(TYPE_URLS.route);
    if (this.config.vhds && this.config.routeNames.length > 0) types.push(TYPE_URLS.virtualHost);
    return types;
  }

  private namesFor(typeUrl: string): string[] {
    // VHDS: a RouteConfiguration's name is the namespace of its virtual hosts.
    if (typeUrl === TYPE_URLS.route || typeUrl === TYPE_URLS.virtualHost) return this.config.routeNames;
    if (typeUrl === TYPE_URLS.endpoint) return this.config.endpointNames;
    return [];
  }

  start(): void {
    const Ads = loadAdsClient();
    const target = `127.0.0.1:${this.config.port}`;
    for (let c = 0; c < this.config.connections; c++) {
      // A local subchannel pool per client gives each its own TCP connection, as separate proxies would have.
      this.clients.push(
        new Ads(target, grpc.credentials.createInsecure(), {
          'grpc.use_local_subchannel_pool': 1,
          'grpc.max_receive_message_length': -1,
        }),
      );
    }
    const timer = setTimeout(() => {
      if (this.syncedStreams < this.config.streams) {
        send({ type: 'error', message: `initial sync: only ${this.syncedStreams}/${this.config.streams} streams synced in ${this.config.timeoutMs} ms` });
      }
    }, this.config.timeoutMs);
    timer.unref();
    for (let s = 0; s < this.config.streams; s++) this.openStream(s);
  }

  private node(stream: number): NodeMessage {
    const node: NodeMessage = { id: `bench-proxy-${stream}`, cluster: this.config.proxyGroup, locality: { zone: 'bench' }, user_agent_name: 'envoy' };
    if (this.config.vhds) node.metadata = { fields: { 'portico.vhds': { boolValue: true } } };
    return node;
  }

  private openStream(stream: number): void {
    const client = this.clients[stream % this.clients.length] as AdsClient;
    const types = this.subscribedTypes();
    if (this.config.mode === 'delta') {
      const call = client.DeltaAggregatedResources();
      this.calls.push(call);
      call.on('data', (response: DeltaResponse) => {
        const at = sharedClockMs();
        call.write({ type_url: response.type_url ?? '', response_nonce: response.nonce ?? '' });
        const resources = response.resources ?? [];
        const watched = this.watch?.routeName;
        const carriesWatched =
          watched !== undefined &&
          ((response.type_url === TYPE_URLS.route && resources.some((r) => r.name === watched)) ||
            (response.type_url === TYPE_URLS.virtualHost && resources.some((r) => r.name !== undefined && r.name.slice(0, r.name.lastIndexOf('/')) === watched)));
        this.onResponse(stream, response.type_url ?? '', at, carriesWatched, responseBytes(resources.map((r) => r.resource)));
      });
      call.on('error', (error: grpc.ServiceError) => this.onStreamError(stream, error));
      types.forEach((typeUrl, index) => {
        const request: DeltaRequest = { type_url: typeUrl, resource_names_subscribe: this.namesFor(typeUrl) };
        if (index === 0) request.node = this.node(stream);
        call.write(request);
      });
    } else {
      const call = client.StreamAggregatedResources();
      this.calls.push(call);
      call.on('data', (response: SotwResponse) => {
        const at = sharedClockMs();
        const typeUrl = response.type_url ?? '';
        call.write({ type_url: typeUrl, version_info: response.version_info ?? '', resource_names: this.namesFor(typeUrl), response_nonce: response.nonce ?? '' });
        const carriesWatched = typeUrl === TYPE_URLS.route && this.watch !== undefined;
        this.onResponse(stream, typeUrl, at, carriesWatched, responseBytes(response.resources ?? []));
      });
      call.on('error', (error: grpc.ServiceError) => this.onStreamError(stream, error));
      types.forEach((typeUrl, index) => {
        const request: SotwRequest = { type_url: typeUrl, resource_names: this.namesFor(typeUrl), version_info: '', response_nonce: '' };
        if (index === 0) request.node = this.node(stream);
        call.write(request);
      });
    }
  }

  private onStreamError(stream: number, error: grpc.ServiceError): void {
    if (this.stopping) return;
    send({ type: 'error', message: `stream ${stream}: ${error.code} ${error.details || error.message}` });
  }

  private onResponse(stream: number, typeUrl: string, at: number, carriesWatched: boolean, bytes: number): void {
    const seen = this.typesSeen[stream] as Set<string>;
    if (!seen.has(typeUrl)) {
      seen.add(typeUrl);
      this.syncBytes += bytes;
      if (seen.size === this.subscribedTypes().length) {
        this.syncedStreams += 1;
        if (this.syncedStreams === this.config.streams) {
          send({ type: 'synced', streams: this.syncedStreams, elapsedMs: performance.now() - this.startedAt, bytes: this.syncBytes });
        }
      }
      return;
    }
    const watch = this.watch;
    if (!watch || !carriesWatched || watch.times[stream] !== undefined) return;
    watch.times[stream] = at;
    watch.bytes += bytes;
    watch.pending -= 1;
    if (watch.pending === 0) this.finishWatch();
  }

  arm(message: FanoutArm): void {
    if (this.watch) this.finishWatch();
    const timer = setTimeout(() => this.finishWatch(), this.config.timeoutMs);
    this.watch = { change: message.change, routeName: message.routeName, times: new Array(this.config.streams), pending: this.config.streams, bytes: 0, timer };
    send({ type: 'armed', change: message.change });
  }

  private finishWatch(): void {
    const watch = this.watch;
    if (!watch) return;
    this.watch = undefined;
    clearTimeout(watch.timer);
    const times = watch.times.filter((t): t is number => t !== undefined);
    send({ type: 'received', change: watch.change, times, missing: this.config.streams - times.length, bytes: watch.bytes });
  }

  stop(): void {
    this.stopping = true;
    for (const call of this.calls) call.cancel();
    for (const client of this.clients) client.close();
  }
}

let driver: FanoutDriver | undefined;

process.on('message', (raw: unknown) => {
  const message = raw as ParentMessage;
  try {
    if (message.type === 'start') {
      driver = new FanoutDriver(message);
      driver.start();
    } else if (message.type === 'arm') {
      driver?.arm(message);
    } else if (message.type === 'stop') {
      driver?.stop();
      process.disconnect?.();
    }
  } catch (error) {
    send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  }
});
