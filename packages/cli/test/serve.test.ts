import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADS_SERVICE, discoveryPackage, lookupService, type DiscoveryRequest, type DiscoveryResponse } from '@portico/server';
import { selfSignedCertificate } from '@portico/test-support';
import { TYPE_URLS } from '@portico/xds';
import { PORTICO_BIN, QUICKSTART, REPO_ROOT } from './helpers.js';

interface LogLine {
  msg: string;
  port?: number;
  level: number;
}

/** `portico serve` as a child process on ephemeral ports, reading its JSON log lines. */
class ServeProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: LogLine[] = [];
  stderr = '';
  private buffer = '';

  constructor(args: string[]) {
    this.child = spawn(
      process.execPath,
      [PORTICO_BIN, 'serve', '--admin-address', '127.0.0.1:0', '--xds-address', '127.0.0.1:0', ...args],
      { cwd: REPO_ROOT },
    );
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString();
      const parts = this.buffer.split('\n');
      this.buffer = parts.pop() ?? '';
      for (const part of parts) if (part.trim()) this.lines.push(JSON.parse(part) as LogLine);
    });
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
  }

  async waitFor(test: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!test()) {
      if (this.child.exitCode !== null) throw new Error(`serve exited (${this.child.exitCode}) waiting for ${what}: ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  port(message: string): number | undefined {
    return this.lines.find((line) => line.msg === message)?.port;
  }

  exit(): Promise<number | null> {
    if (this.child.exitCode !== null) return Promise.resolve(this.child.exitCode);
    return new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

interface ConfigDump {
  configs: Array<Record<string, unknown> & { '@type': string }>;
}

function dumpSection(dump: ConfigDump, type: string): Array<Record<string, unknown>> {
  const section = dump.configs.find((config) => config['@type'] === `type.googleapis.com/envoy.admin.v3.${type}`);
  expect(section, `${type} in config_dump`).toBeDefined();
  const list = Object.entries(section!).find(([key, value]) => key !== '@type' && Array.isArray(value));
  return (list?.[1] as Array<Record<string, unknown>>) ?? [];
}

// Each case starts a real control plane (proto loading included): give them room on a busy machine.
describe('portico serve', { timeout: 90_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portico-serve-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the quickstart: ready, config_dump with listener, route, cluster and endpoints, exits 0 on SIGTERM', async () => {
    const serve = new ServeProcess([]);
    try {
      await serve.waitFor(() => serve.port('admin server listening') !== undefined, 'admin port');
      await serve.waitFor(() => serve.port('xds server listening') !== undefined, 'xds port');
      expect(serve.port('xds server listening')).toBeGreaterThan(0);
      // Started as `node bin/portico.js`, not through the bin's shebang: it says which flags it lacks.
      const flagsLine = serve.lines.find((line) => line.msg.includes("without the control plane's flags")) as (LogLine & { missing?: string[] }) | undefined;
      expect(flagsLine?.missing).toEqual(['--no-allocation-site-pretenuring']);
      const admin = `http://127.0.0.1:${serve.port('admin server listening')}`;
      expect((await fetch(`${admin}/healthz`)).status).toBe(200);
      await pollReady(admin, serve);

      const dump = (await getJson(`${admin}/config_dump?gateway=default/quickstart`)).body as unknown as ConfigDump;
      for (const entry of dump.configs) expect(entry['@type']).toMatch(/^type\.googleapis\.com\/envoy\.admin\.v3\./);
      expect(dumpSection(dump, 'ListenersConfigDump').length).toBeGreaterThanOrEqual(1);
      expect(dumpSection(dump, 'RoutesConfigDump').length).toBeGreaterThanOrEqual(1);
      expect(dumpSection(dump, 'ClustersConfigDump').length).toBeGreaterThanOrEqual(1);
      expect(dumpSection(dump, 'EndpointsConfigDump').length).toBeGreaterThanOrEqual(1);
      const all = (await getJson(`${admin}/config_dump`)).body as unknown as ConfigDump;
      expect(dumpSection(all, 'ListenersConfigDump').length).toBeGreaterThanOrEqual(1);

      const status = (await getJson(`${admin}/status`)).body as {
        objects: Array<{ kind: string; status?: { conditions?: Array<{ type: string; status: string }> } }>;
        problems: unknown[];
      };
      const gateway = status.objects.find((o) => o.kind === 'Gateway');
      expect(gateway?.status?.conditions?.find((c) => c.type === 'Programmed')?.status).toBe('True');
      expect(status.problems).toEqual([]);

      // A proxy of the quickstart Gateway gets its listener over ADS, and the metrics see the push and the ACK.
      const xdsPort = serve.port('xds server listening')!;
      const listeners = await fetchListenersOverAds(xdsPort, 'default/quickstart');
      expect(listeners.type_url).toBe(TYPE_URLS.listener);
      expect(listeners.resources.length).toBeGreaterThanOrEqual(1);

      const metrics = await (await fetch(`${admin}/metrics`)).text();
      expect(metrics).toMatch(/^portico_xds_resources\{type="listener"\} [1-9]/m);
      expect(metrics).toMatch(/^portico_build_duration_seconds_count [1-9]/m);
      expect(metrics).toMatch(new RegExp(`^portico_xds_pushes_total\\{type_url="${TYPE_URLS.listener}"\\} [1-9]`, 'm'));
      expect(metrics).toMatch(new RegExp(`^portico_xds_acks_total\\{type_url="${TYPE_URLS.listener}"\\} [1-9]`, 'm'));
    } finally {
      serve.child.kill('SIGTERM');
    }
    expect(await serve.exit()).toBe(0);
    expect(serve.lines.at(-1)?.msg).toBe('stopped');
  });

  it('keeps serving the last good config of a file that breaks, and reports it in /status', async () => {
    const file = join(dir, 'quickstart.yaml');
    await copyFile(QUICKSTART, file);
    const serve = new ServeProcess(['-f', dir]);
    try {
      await serve.waitFor(() => serve.port('admin server listening') !== undefined, 'admin port');
      const admin = `http://127.0.0.1:${serve.port('admin server listening')}`;
      await pollReady(admin, serve);

      await writeFile(file, 'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: [broken\n');
      const status = await pollStatus(admin, serve, (body) => (body.problems?.length ?? 0) > 0);
      expect(status.problems?.[0].source).toBe(file);
      expect(status.problems?.[0].message).toMatch(/last good version/);
      const dump = (await getJson(`${admin}/config_dump?gateway=default/quickstart`)).body as unknown as ConfigDump;
      expect(dumpSection(dump, 'ListenersConfigDump').length).toBeGreaterThanOrEqual(1);
    } finally {
      serve.child.kill('SIGTERM');
    }
    expect(await serve.exit()).toBe(0);
  });

  it('serves ADS over mTLS with --xds-tls-cert/--xds-tls-key/--xds-tls-ca: a client without a certificate is refused', async () => {
    const identity = await selfSignedCertificate('portico.test');
    const cert = join(dir, 'xds.crt');
    const key = join(dir, 'xds.key');
    await writeFile(cert, identity.certificatePem);
    await writeFile(key, identity.privateKeyPem);
    const serve = new ServeProcess(['--xds-tls-cert', cert, '--xds-tls-key', key, '--xds-tls-ca', cert]);
    try {
      await serve.waitFor(() => serve.port('xds server listening') !== undefined, 'xds port');
      const admin = `http://127.0.0.1:${serve.port('admin server listening')}`;
      await pollReady(admin, serve);
      const port = serve.port('xds server listening')!;
      const target = { 'grpc.ssl_target_name_override': 'portico.test', 'grpc.default_authority': 'portico.test' };
      const ca = Buffer.from(identity.certificatePem);
      const mutual = grpc.credentials.createSsl(ca, Buffer.from(identity.privateKeyPem), Buffer.from(identity.certificatePem));
      const listeners = await fetchListenersOverAds(port, 'default/quickstart', mutual, target);
      expect(listeners.resources.length).toBeGreaterThanOrEqual(1);
      await expect(fetchListenersOverAds(port, 'default/quickstart', grpc.credentials.createSsl(ca), target)).rejects.toThrow();
      await expect(fetchListenersOverAds(port, 'default/quickstart')).rejects.toThrow();
      expect(JSON.stringify(serve.lines)).not.toContain('PRIVATE KEY');
    } finally {
      serve.child.kill('SIGTERM');
    }
    expect(await serve.exit()).toBe(0);
  });

  it('exits 0 on SIGTERM that arrives while the first build still runs', async () => {
    // Enough Services that loading them takes a while after both servers listen.
    const many = Array.from({ length: 20_000 }, (_, i) => `apiVersion: v1\nkind: Service\nmetadata: {name: svc-${i}, namespace: default}\nspec: {ports: [{port: 80}]}\n`);
    const file = join(dir, 'many.yaml');
    await writeFile(file, many.join('---\n'));
    const serve = new ServeProcess(['-f', file]);
    await serve.waitFor(() => serve.lines.some((line) => line.msg === 'loading manifests'), 'startup');
    serve.child.kill('SIGTERM');
    expect(await serve.exit()).toBe(0);
    expect(serve.lines.map((line) => line.msg)).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
  });

  it('names the flag whose address is taken, for the ADS and the admin server', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      for (const flag of ['--xds-address', '--admin-address']) {
        const serve = new ServeProcess([flag, `127.0.0.1:${port}`]);
        expect(await serve.exit()).toBe(1);
        expect(serve.stderr).toContain(`portico serve: ${flag} 127.0.0.1:${port}: address already in use`);
      }
    } finally {
      taken.close();
    }
  });

  it('fails fast naming a path that does not exist', async () => {
    const missing = join(dir, 'nope.yaml');
    const serve = new ServeProcess(['-f', missing]);
    expect(await serve.exit()).toBe(1);
    expect(serve.stderr).toContain(`portico serve: cannot read ${missing}: no such file or directory`);
  });
});

async function pollReady(admin: string, serve: ServeProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (serve.child.exitCode !== null) throw new Error(`serve exited: ${serve.stderr}`);
    const response = await fetch(`${admin}/readyz`).catch(() => undefined);
    if (response?.status === 200) return;
    if (Date.now() > deadline) throw new Error('not ready in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface StatusBody {
  problems?: Array<{ source: string; message: string }>;
}

async function pollStatus(admin: string, serve: ServeProcess, test: (body: StatusBody) => boolean): Promise<StatusBody> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (serve.child.exitCode !== null) throw new Error(`serve exited: ${serve.stderr}`);
    const body = (await getJson(`${admin}/status`)).body as StatusBody;
    if (test(body)) return body;
    if (Date.now() > deadline) throw new Error('/status did not change in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Opens an ADS stream as a proxy of `gateway`, takes the first LDS response, ACKs it and closes. */
async function fetchListenersOverAds(
  port: number,
  gateway: string,
  credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
  channelOptions: grpc.ChannelOptions = {},
): Promise<DiscoveryResponse> {
  const Client = lookupService(discoveryPackage(), ADS_SERVICE);
  const client = new Client(`127.0.0.1:${port}`, credentials, channelOptions);
  const call = client.StreamAggregatedResources() as grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;
  try {
    const response = await new Promise<DiscoveryResponse>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no LDS response')), 15_000);
      call.on('error', reject);
      call.once('data', (data: DiscoveryResponse) => {
        clearTimeout(timer);
        resolve(data);
      });
      call.write({ node: { id: 'smoke-test', cluster: gateway }, type_url: TYPE_URLS.listener, resource_names: [] });
    });
    call.write({ type_url: TYPE_URLS.listener, version_info: response.version_info, response_nonce: response.nonce, resource_names: [] });
    // The ACK is counted when the server reads it; give it a moment before the metrics are read.
    await new Promise((resolve) => setTimeout(resolve, 300));
    return response;
  } finally {
    call.cancel();
    client.close();
  }
}
