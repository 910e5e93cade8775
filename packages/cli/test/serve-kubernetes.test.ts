import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBERNETES_FLAGS } from '@portico/providers';
import { selfSignedCertificate } from '@portico/test-support';
import { PORTICO_BIN, REPO_ROOT, runInProcess } from './helpers.js';

/** A loopback port nothing listens on: bound once by us, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function kubeconfig(port: number): string {
  return `apiVersion: v1
kind: Config
clusters:
  - name: unreachable
    cluster: {server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true}
users:
  - name: tester
    user: {token: not-a-real-token}
contexts:
  - name: unreachable
    context: {cluster: unreachable, user: tester}
current-context: unreachable
`;
}

interface LogLine {
  msg: string;
  port?: number;
  kind?: string;
}

describe('portico serve --provider kubernetes', { timeout: 90_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portico-serve-kube-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('--help lists the provider choice, every Kubernetes flag, xDS TLS, --mesh and the admin address', async () => {
    const result = await runInProcess(['serve', '--help']);
    expect(result.code).toBe(0);
    for (const flag of Object.keys(KUBERNETES_FLAGS)) expect(result.stdout).toContain(`--${flag}`);
    for (const flag of ['--provider', '--xds-tls-cert', '--xds-tls-key', '--xds-tls-ca', '--mesh', '--admin-address']) {
      expect(result.stdout).toContain(flag);
    }
  });

  it('documents every flag the Helm chart\'s controller Deployment passes, and the chart exposes the admin API for probes', async () => {
    const template = await readFile(join(REPO_ROOT, 'charts/portico/templates/deployment.yaml'), 'utf8');
    const flags = [...template.matchAll(/^\s*- (--[a-z][a-z-]*)/gm)].map((match) => match[1]);
    expect(flags.length).toBeGreaterThan(10);
    const help = (await runInProcess(['serve', '--help'])).stdout;
    const documented = new Set([...help.matchAll(/(--[a-z][a-z-]*)/g)].map((match) => match[0]));
    expect(flags.filter((flag) => !documented.has(flag))).toEqual([]);
    expect(template).toMatch(/- --admin-address=0\.0\.0\.0:/);
  });

  it('accepts every flag the Helm chart passes (parsing only: a missing kubeconfig is the first error)', async () => {
    // The TLS files are checked before the kubeconfig loads: real ones, so that it is the first error.
    const server = await selfSignedCertificate('portico.portico-system.svc');
    const ca = await selfSignedCertificate('xds client CA');
    await writeFile(join(dir, 'tls.crt'), server.certificatePem);
    await writeFile(join(dir, 'tls.key'), server.privateKeyPem);
    await writeFile(join(dir, 'ca.crt'), ca.certificatePem);
    const result = await runInProcess([
      'serve',
      '--provider=kubernetes',
      `--kubeconfig=${join(dir, 'absent-kubeconfig')}`,
      '--controller-name=portico.dev/gateway-controller',
      '--xds-address=0.0.0.0:18000',
      '--admin-address=0.0.0.0:19000',
      '--log-level=info',
      '--xds-service-host=portico.portico-system.svc.cluster.local',
      '--xds-service-port=18000',
      '--envoy-image=envoyproxy/envoy:distroless-v1.37.0',
      '--envoy-replicas=1',
      '--envoy-service-type=LoadBalancer',
      '--leader-elect',
      '--leader-election-namespace=portico-system',
      '--leader-election-lease-name=portico-leader',
      '--leader-election-identity=portico-0',
      '--leader-election-lease-duration=15s',
      '--leader-election-renew-deadline=10s',
      '--leader-election-retry-period=2s',
      `--xds-tls-cert=${join(dir, 'tls.crt')}`,
      `--xds-tls-key=${join(dir, 'tls.key')}`,
      `--xds-tls-ca=${join(dir, 'ca.crt')}`,
      '--envoy-xds-tls-secret=portico-xds-client',
      '--mesh',
    ]);
    expect(result.stderr).not.toMatch(/Unknown option|needs --provider/);
    expect(result.stderr).toContain('--kubeconfig: cannot load');
    expect(result.code).toBe(2);
  });

  it('rejects Kubernetes flags in file mode, -f in Kubernetes mode, an unknown provider and half a TLS pair', async () => {
    const stray = await runInProcess(['serve', '--kubeconfig', 'x']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('--kubeconfig needs --provider kubernetes');
    const file = await runInProcess(['serve', '--provider', 'kubernetes', '-f', 'x.yaml']);
    expect(file.code).toBe(2);
    expect(file.stderr).toContain('-f/--file needs --provider file');
    const unknown = await runInProcess(['serve', '--provider', 'consul']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--provider must be file or kubernetes, got 'consul'");
    const half = await runInProcess(['serve', '--xds-tls-cert', 'tls.crt']);
    expect(half.code).toBe(2);
    expect(half.stderr).toContain('--xds-tls-cert and --xds-tls-key must be given together');
    const missing = await runInProcess(['serve', '--xds-tls-cert', join(dir, 'no.crt'), '--xds-tls-key', join(dir, 'no.key')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('--xds-tls-cert: cannot read');
  });

  it('checks what the TLS files hold, naming the flag and file and never quoting them', async () => {
    const server = await selfSignedCertificate('portico');
    const other = await selfSignedCertificate('other');
    const file = async (name: string, text: string) => {
      const path = join(dir, name);
      await writeFile(path, text);
      return path;
    };
    const cert = await file('x.crt', server.certificatePem);
    const key = await file('x.key', server.privateKeyPem);
    const run = (args: string[]) => runInProcess(['serve', '--xds-address', '127.0.0.1:0', '--admin-address', '127.0.0.1:0', ...args]);
    const notPem = await run(['--xds-tls-cert', await file('junk.crt', 'placeholder\n'), '--xds-tls-key', key]);
    expect([notPem.code, notPem.stderr]).toEqual([1, expect.stringContaining(`--xds-tls-cert: ${join(dir, 'junk.crt')} holds no PEM certificate`)]);
    const noKey = await run(['--xds-tls-cert', cert, '--xds-tls-key', await file('junk.key', 'placeholder\n')]);
    expect([noKey.code, noKey.stderr]).toEqual([1, expect.stringContaining('--xds-tls-key:')]);
    const wrongKey = await run(['--xds-tls-cert', cert, '--xds-tls-key', await file('other.key', other.privateKeyPem)]);
    expect([wrongKey.code, wrongKey.stderr]).toEqual([1, expect.stringContaining('is not the key of the certificate')]);
    const caWithKey = await run(['--xds-tls-cert', cert, '--xds-tls-key', key, '--xds-tls-ca', await file('ca.pem', `${other.certificatePem}${other.privateKeyPem}`)]);
    expect([caWithKey.code, caWithKey.stderr]).toEqual([1, expect.stringContaining('--xds-tls-ca:')]);
    for (const result of [notPem, noKey, wrongKey, caWithKey]) expect(result.stderr).not.toContain('PRIVATE KEY-----');
  });

  it('with an unreachable API server keeps both servers up, retries discovery, and exits 0 on SIGTERM', async () => {
    const path = join(dir, 'kubeconfig');
    await writeFile(path, kubeconfig(await closedPort()));
    const child = spawn(
      process.execPath,
      [PORTICO_BIN, 'serve', '--provider', 'kubernetes', '--kubeconfig', path, '--no-provision',
        '--admin-address', '127.0.0.1:0', '--xds-address', '127.0.0.1:0'],
      { cwd: REPO_ROOT },
    );
    const lines: LogLine[] = [];
    let buffer = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      for (const part of parts) if (part.trim()) lines.push(JSON.parse(part) as LogLine);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const waitFor = async (message: string) => {
      const deadline = Date.now() + 60_000;
      while (!lines.some((line) => line.msg === message)) {
        if (child.exitCode !== null) throw new Error(`serve exited (${child.exitCode}) waiting for '${message}': ${stderr}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for '${message}'`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    try {
      await waitFor('xds server listening');
      await waitFor('discovery failed; retrying');
      expect(child.exitCode).toBeNull();
      const adminPort = lines.find((line) => line.msg === 'admin server listening')?.port;
      const health = await fetch(`http://127.0.0.1:${adminPort}/healthz`);
      expect(health.status).toBe(200);
      // Nothing has been read from the cluster, so there is no configuration to serve yet.
      const ready = await fetch(`http://127.0.0.1:${adminPort}/readyz`);
      expect(ready.status).toBe(503);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  });
});
