// Echo backends and xDS-resolved echo clients for end-to-end tests.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PROTO = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'echo.proto');

interface EchoReply {
  backend: string;
  text: string;
}

type EchoClient = grpc.Client & {
  Say(
    request: { text: string },
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, reply?: EchoReply) => void,
  ): grpc.ClientUnaryCall;
};

function echoService(): grpc.ServiceClientConstructor {
  const definition = protoLoader.loadSync(PROTO, { keepCase: true });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    portico: { test: { Echo: grpc.ServiceClientConstructor } };
  };
  return pkg.portico.test.Echo;
}

export interface EchoBackend {
  name: string;
  port: number;
  close(): Promise<void>;
}

export async function startEchoBackend(name: string): Promise<EchoBackend> {
  const server = new grpc.Server();
  server.addService(echoService().service, {
    Say: (call: grpc.ServerUnaryCall<{ text: string }, EchoReply>, callback: grpc.sendUnaryData<EchoReply>) =>
      callback(null, { backend: name, text: call.request.text }),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    name,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1_000).unref();
      }),
  };
}

/** A channel-local xDS bootstrap (the env var would be read once per process). */
export function bootstrap(adsPort: number, proxyGroup: string, nodeId = 'echo-client'): string {
  return JSON.stringify({
    xds_servers: [
      { server_uri: `127.0.0.1:${adsPort}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] },
    ],
    node: { id: nodeId, cluster: proxyGroup, locality: { region: 'local', zone: 'local' } },
  });
}

export class XdsEchoClient {
  private readonly client: EchoClient;

  constructor(target: string, adsPort: number, proxyGroup: string) {
    const Echo = echoService();
    this.client = new Echo(target, grpc.credentials.createInsecure(), {
      'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config': bootstrap(adsPort, proxyGroup),
    }) as unknown as EchoClient;
  }

  /** One call; resolves with the backend name or the error code. */
  say(headers: Record<string, string> = {}, deadlineMs = 2_000): Promise<string> {
    const metadata = new grpc.Metadata();
    for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
    return new Promise((resolve) => {
      this.client.Say({ text: 'hi' }, metadata, { deadline: Date.now() + deadlineMs }, (error, reply) => {
        resolve(error ? `error:${grpc.status[error.code]}` : (reply?.backend ?? 'error:empty'));
      });
    });
  }

  /** Retries until a call reaches `expected` (configuration propagates asynchronously). */
  async until(expected: string, headers: Record<string, string> = {}, timeoutMs = 15_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < end) {
      last = await this.say(headers, 1_000);
      if (last === expected) return last;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return last;
  }

  async count(calls: number, headers: Record<string, string> = {}): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (let i = 0; i < calls; i += 10) {
      const batch = await Promise.all(Array.from({ length: Math.min(10, calls - i) }, () => this.say(headers)));
      for (const backend of batch) counts[backend] = (counts[backend] ?? 0) + 1;
    }
    return counts;
  }

  close(): void {
    this.client.close();
  }
}
