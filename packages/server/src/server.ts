// The ADS gRPC server: aggregated (SotW + Delta) and single-type discovery services.
import fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { SnapshotCache } from './cache.js';
import type { XdsMode } from './events.js';
import {
  ADS_SERVICE,
  PER_TYPE_SERVICES,
  discoveryPackage,
  lookupService,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from './protocol.js';
import { XdsSession, type XdsLogger } from './session.js';
import type { ResourceType } from '@portico/xds';

const MIB = 1024 * 1024;

export interface XdsServerLimits {
  /** Open xDS streams across all connections; further streams fail with RESOURCE_EXHAUSTED. Default 10000. */
  maxStreams?: number;
  /** HTTP/2 concurrent streams per connection (grpc.max_concurrent_streams). Default 100. */
  maxConcurrentStreamsPerConnection?: number;
  /** Largest request accepted. Default 4 MiB. */
  maxReceiveMessageBytes?: number;
  /** Largest response sent; larger ones are dropped with an error log (the proxy keeps its config). Default 64 MiB. */
  maxSendMessageBytes?: number;
  /**
   * Default 3.5 MiB, under the 4 MiB default of gRPC clients. A Delta response, or a SotW response
   * of routes, endpoints or secrets, that would be this large is split into several under it; a
   * SotW response of listeners or clusters (each is the whole state) or a single resource this
   * large is sent with a warning (logger + `large_message` event).
   */
  warnMessageBytes?: number;
  /** Server keepalive ping interval. Default 30 s. */
  keepaliveTimeMs?: number;
  /** Close the connection if a keepalive ping is not answered within this. Default 10 s. */
  keepaliveTimeoutMs?: number;
}

export interface XdsServerTls {
  /** PEM files. */
  certFile: string;
  keyFile: string;
  /** CA bundle to verify client certificates; with it, clients must present one (mTLS) unless requireClientCert is false. */
  caFile?: string;
  requireClientCert?: boolean;
}

export interface XdsServerOptions {
  host?: string;
  port?: number;
  cache: SnapshotCache;
  logger?: XdsLogger;
  limits?: XdsServerLimits;
  tls?: XdsServerTls;
  /** Also serve LDS/RDS/CDS/EDS/SDS as separate services. Default true. */
  perTypeServices?: boolean;
}

export interface XdsServer {
  /** The bound port (useful with port 0). */
  port: number;
  /** Number of open xDS streams. */
  streams(): number;
  close(): Promise<void>;
}

type SotwCall = grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>;
type DeltaCall = grpc.ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;

function credentials(tls: XdsServerTls | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  const ca = tls.caFile ? fs.readFileSync(tls.caFile) : null;
  return grpc.ServerCredentials.createSsl(
    ca,
    [{ cert_chain: fs.readFileSync(tls.certFile), private_key: fs.readFileSync(tls.keyFile) }],
    ca !== null && (tls.requireClientCert ?? true),
  );
}

/** Starts the xDS server; resolves once it listens. */
export async function startXdsServer(options: XdsServerOptions): Promise<XdsServer> {
  const host = options.host ?? '127.0.0.1';
  const limits = options.limits ?? {};
  const maxStreams = limits.maxStreams ?? 10_000;
  const maxSend = limits.maxSendMessageBytes ?? 64 * MIB;
  const warnBytes = limits.warnMessageBytes ?? 3.5 * MIB;
  const { cache, logger } = options;
  const server = new grpc.Server({
    'grpc.max_concurrent_streams': limits.maxConcurrentStreamsPerConnection ?? 100,
    'grpc.max_receive_message_length': limits.maxReceiveMessageBytes ?? 4 * MIB,
    'grpc.max_send_message_length': maxSend,
    'grpc.keepalive_time_ms': limits.keepaliveTimeMs ?? 30_000,
    'grpc.keepalive_timeout_ms': limits.keepaliveTimeoutMs ?? 10_000,
    // No limit on how often clients may ping: grpc-js servers enforce none (they read neither
    // grpc.http2.min_ping_interval_without_data_ms nor grpc.keepalive_permit_without_calls).
  });
  const open = new Map<number, { session: XdsSession; end: () => void }>();
  let nextStreamId = 0;

  function serve(mode: XdsMode, onlyType?: ResourceType) {
    return (call: SotwCall | DeltaCall): void => {
      if (open.size >= maxStreams) {
        logger?.warn({ streams: open.size, peer: call.getPeer() }, 'refusing xDS stream: too many open streams');
        call.emit('error', { code: grpc.status.RESOURCE_EXHAUSTED, details: `more than ${maxStreams} xDS streams` });
        return;
      }
      nextStreamId += 1;
      const streamId = nextStreamId;
      let ended = false;
      const session = new XdsSession({
        cache,
        mode,
        streamId,
        peer: call.getPeer(),
        onlyType,
        logger,
        warnMessageBytes: warnBytes,
        maxMessageBytes: maxSend,
        send: (response) => {
          if (!ended) (call as grpc.ServerDuplexStream<unknown, unknown>).write(response);
        },
        refuse: (details) => {
          if (ended) return;
          call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details });
          finish();
        },
      });
      const finish = () => {
        if (ended) return;
        ended = true;
        open.delete(streamId);
        session.close();
      };
      open.set(streamId, {
        session,
        end: () => {
          finish();
          call.end();
        },
      });
      call.on('data', (request: DiscoveryRequest | DeltaDiscoveryRequest) => {
        try {
          if (mode === 'sotw') session.handleSotw(request as DiscoveryRequest);
          else session.handleDelta(request as DeltaDiscoveryRequest);
        } catch (error) {
          // A bug handling one request must not take the process down; the stream restarts.
          logger?.warn({ streamId, error: error instanceof Error ? error.message : String(error) }, 'xDS request failed');
          call.emit('error', { code: grpc.status.INTERNAL, details: 'internal error handling the xDS request' });
          finish();
        }
      });
      call.on('end', () => {
        finish();
        call.end();
      });
      call.on('cancelled', finish);
      call.on('error', finish);
      call.on('close', finish);
    };
  }

  const pkg = discoveryPackage();
  const ads = lookupService(pkg, ADS_SERVICE);
  server.addService(ads.service, {
    StreamAggregatedResources: serve('sotw'),
    DeltaAggregatedResources: serve('delta'),
  });
  if (options.perTypeServices ?? true) {
    for (const definition of PER_TYPE_SERVICES) {
      const service = lookupService(pkg, definition.service);
      server.addService(service.service, {
        [definition.stream]: serve('sotw', definition.type),
        [definition.delta]: serve('delta', definition.type),
        // Fetch* (unary REST-style discovery) is not offered: proxies use streams.
        [definition.stream.replace('Stream', 'Fetch')]: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
          callback({ code: grpc.status.UNIMPLEMENTED, details: 'use the streaming discovery RPCs' }),
      });
    }
  }

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${options.port ?? 18000}`, credentials(options.tls), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
  // The application announces the address it serves on (portico serve does, at info).
  logger?.debug?.({ host, port, tls: Boolean(options.tls) }, 'xDS server bound');

  let closing: Promise<void> | undefined;
  return {
    port,
    streams: () => open.size,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const stream of [...open.values()]) stream.end();
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2_000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      return closing;
    },
  };
}
