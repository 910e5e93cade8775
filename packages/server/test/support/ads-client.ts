// A raw ADS client over @grpc/grpc-js for protocol tests: send requests, await responses.
import * as grpc from '@grpc/grpc-js';
import { TYPE_URLS, type ResourceType } from '@portico/xds';
import {
  ADS_SERVICE,
  discoveryPackage,
  lookupService,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from '../../src/protocol.js';

export type WireResponse = DiscoveryResponse & { resources: Array<{ type_url: string; value: Buffer }> };

class Stream<Req, Res> {
  private readonly queue: Res[] = [];
  private readonly waiters: Array<(value: Res) => void> = [];
  ended: grpc.StatusObject | Error | undefined;

  constructor(readonly call: grpc.ClientDuplexStream<Req, Res>) {
    call.on('data', (response: Res) => {
      // Empty repeated fields arrive as undefined (proto-loader defaults are off).
      const fields = response as { resources?: unknown[]; removed_resources?: unknown[] };
      fields.resources ??= [];
      fields.removed_resources ??= [];
      const waiter = this.waiters.shift();
      if (waiter) waiter(response);
      else this.queue.push(response);
    });
    call.on('error', (error: Error) => {
      this.ended = error;
    });
    call.on('status', (status: grpc.StatusObject) => {
      this.ended ??= status;
    });
  }

  send(request: Req): void {
    this.call.write(request);
  }

  next(timeoutMs = 5_000): Promise<Res> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(wrapped);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new Error(`no xDS response within ${timeoutMs} ms`));
      }, timeoutMs);
      const wrapped = (value: Res) => {
        clearTimeout(timer);
        resolve(value);
      };
      this.waiters.push(wrapped);
    });
  }

  /** Resolves true if nothing arrives within the window (to prove the server stays quiet). */
  async quiet(windowMs = 400): Promise<boolean> {
    if (this.queue.length > 0) return false;
    try {
      await this.next(windowMs);
      return false;
    } catch {
      return true;
    }
  }

  pending(): number {
    return this.queue.length;
  }

  close(): void {
    this.call.end();
    this.call.cancel();
  }
}

export class SotwStream extends Stream<DiscoveryRequest, WireResponse> {
  constructor(
    call: grpc.ClientDuplexStream<DiscoveryRequest, WireResponse>,
    readonly node: { id: string; cluster: string },
  ) {
    super(call);
  }

  request(type: ResourceType, names: string[], ack?: { response: WireResponse; error?: string }, withNode = false): void {
    this.send({
      type_url: TYPE_URLS[type],
      resource_names: names,
      node: withNode ? this.node : undefined,
      version_info: ack ? ack.response.version_info : '',
      response_nonce: ack ? ack.response.nonce : '',
      error_detail: ack?.error ? { code: 3, message: ack.error } : undefined,
    });
  }
}

export type WireDeltaResponse = DeltaDiscoveryResponse & {
  resources: Array<{ name: string; version: string; resource: { type_url: string; value: Buffer } }>;
};

export class DeltaStream extends Stream<DeltaDiscoveryRequest, WireDeltaResponse> {
  /** ACKs a response (its type and nonce, no error). */
  ack(response: WireDeltaResponse): void {
    this.send({ type_url: response.type_url, response_nonce: response.nonce });
  }
}

/**
 * What a Delta client holds, per type URL (name → version), kept as a proxy keeps it: every
 * response applied and ACKed in turn.
 */
export class HeldResources {
  private readonly types = new Map<string, Map<string, string>>();

  constructor(private readonly stream: DeltaStream) {}

  /** Names and versions held of one type. */
  of(typeUrl: string): Map<string, string> {
    let held = this.types.get(typeUrl);
    if (!held) this.types.set(typeUrl, (held = new Map()));
    return held;
  }

  /**
   * Applies and ACKs responses until none arrives for `quietMs`: then everything the server
   * sent has been applied. `after` sees each response once it is applied and ACKed.
   */
  async applyUntilQuiet(after?: (response: WireDeltaResponse) => void, quietMs = 300): Promise<void> {
    for (;;) {
      let response: WireDeltaResponse;
      try {
        response = await this.stream.next(quietMs);
      } catch {
        return;
      }
      const held = this.of(response.type_url);
      for (const resource of response.resources) held.set(resource.name, resource.version);
      for (const name of response.removed_resources) held.delete(name);
      this.stream.ack(response);
      after?.(response);
    }
  }
}

export class AdsTestClient {
  private readonly client: grpc.Client & {
    StreamAggregatedResources(): grpc.ClientDuplexStream<DiscoveryRequest, WireResponse>;
    DeltaAggregatedResources(): grpc.ClientDuplexStream<DeltaDiscoveryRequest, WireDeltaResponse>;
  };
  private readonly streams: Array<{ close(): void }> = [];

  constructor(port: number) {
    const Service = lookupService(discoveryPackage(), ADS_SERVICE);
    this.client = new Service(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as AdsTestClient['client'];
  }

  sotw(node: { id: string; cluster: string }): SotwStream {
    const stream = new SotwStream(this.client.StreamAggregatedResources(), node);
    this.streams.push(stream);
    return stream;
  }

  delta(): DeltaStream {
    const stream = new DeltaStream(this.client.DeltaAggregatedResources());
    this.streams.push(stream);
    return stream;
  }

  close(): void {
    for (const stream of this.streams) stream.close();
    this.client.close();
  }
}
