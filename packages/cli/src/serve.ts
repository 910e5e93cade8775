import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import type { AdminServer, PorticoMetrics } from '@portico/admin';
import type { KubernetesFlagValues, Provider } from '@portico/providers';
import type { SnapshotCache, XdsServer, XdsServerTls } from '@portico/server';
import {
  DEFAULT_CONTROLLER_NAME,
  InputError,
  QUICKSTART_PATH,
  UsageError,
  parseAddress,
  type Io,
} from './common.js';

const SERVE_FLAGS = {
  provider: { type: 'string', default: 'file' },
  file: { type: 'string', short: 'f', multiple: true },
  'xds-address': { type: 'string', default: '127.0.0.1:18000' },
  'admin-address': { type: 'string', default: '127.0.0.1:19000' },
  'xds-tls-cert': { type: 'string' },
  'xds-tls-key': { type: 'string' },
  'xds-tls-ca': { type: 'string' },
  'controller-name': { type: 'string', default: DEFAULT_CONTROLLER_NAME },
  mesh: { type: 'boolean' },
  'log-level': { type: 'string', default: 'info' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function serveUsage(kubernetesUsage: string): string {
  return `Usage: portico serve [options]

Runs the control plane: reads Gateway API objects (from files and directories with
--provider file, from the API server with --provider kubernetes), and serves the
translated configuration to Envoy over ADS.

Options:
      --provider file|kubernetes  where Gateway API objects come from (default file)
  -f, --file PATH             manifest file or directory (*.yaml, *.yml, *.json, recursive);
                              repeat for more (default: the bundled docs/examples/quickstart.yaml).
                              File provider only.
      --xds-address H:P       ADS gRPC server address (default 127.0.0.1:18000; port 0 = any free port)
      --xds-tls-cert PATH     PEM certificate chain: serve ADS over TLS (needs --xds-tls-key)
      --xds-tls-key PATH      PEM private key for --xds-tls-cert
      --xds-tls-ca PATH       PEM CA bundle: clients must present a certificate it signed (mTLS)
      --admin-address H:P     admin HTTP API address (default 127.0.0.1:19000, loopback only;
                              0.0.0.0:PORT to expose it, e.g. for probes; port 0 = any free port)
      --controller-name N     GatewayClass controllerName to act for (default ${DEFAULT_CONTROLLER_NAME})
      --mesh                  also act as a service mesh control plane: routes whose parentRef
                              is a Service get status and configure mesh/<namespace> proxy groups
      --log-level LEVEL       trace, debug, info, warn, error (default info)
  -h, --help                  show this help

${kubernetesUsage}
Logs are JSON lines (pino) on stdout. SIGTERM or SIGINT stops the servers and exits 0.
`;
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** The ADS server's events as metrics. */
function wireCacheMetrics(cache: SnapshotCache, metrics: PorticoMetrics): void {
  cache.events.on('push', (event) => metrics.pushes.inc({ type_url: event.typeUrl }));
  cache.events.on('ack', (event) => metrics.acks.inc({ type_url: event.typeUrl }));
  cache.events.on('nack', (event) => metrics.nacks.inc({ type_url: event.typeUrl }));
}

async function checkReadable(path: string, flag: string): Promise<void> {
  try {
    await stat(path);
  } catch (error) {
    throw unreadable(path, flag, error);
  }
}

/** A file's text, or an InputError naming the flag and the file. */
async function readInput(path: string, flag: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw unreadable(path, flag, error);
  }
}

function unreadable(path: string, flag: string, error: unknown): InputError {
  const missing = typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT';
  const where = flag ? `${flag}: ` : '';
  return new InputError(`${where}cannot read ${resolvePath(path)}: ${missing ? 'no such file or directory' : String(error)}`);
}

/** --xds-tls-* as the ADS server's TLS options (undefined: plaintext). */
async function xdsTls(values: { 'xds-tls-cert'?: string; 'xds-tls-key'?: string; 'xds-tls-ca'?: string }): Promise<XdsServerTls | undefined> {
  const certFile = values['xds-tls-cert'];
  const keyFile = values['xds-tls-key'];
  const caFile = values['xds-tls-ca'];
  if (!certFile && !keyFile && !caFile) return undefined;
  if (!certFile || !keyFile) throw new UsageError('--xds-tls-cert and --xds-tls-key must be given together');
  await checkTlsFiles(certFile, keyFile, caFile);
  return caFile ? { certFile, keyFile, caFile, requireClientCert: true } : { certFile, keyFile };
}

/**
 * What the TLS files hold, checked before the server starts: OpenSSL's own errors
 * ("PEM routines::no start line") name neither the flag nor the file. Messages never quote
 * the files' contents.
 */
async function checkTlsFiles(certFile: string, keyFile: string, caFile: string | undefined): Promise<void> {
  const certPem = await readInput(certFile, '--xds-tls-cert');
  const keyPem = await readInput(keyFile, '--xds-tls-key');
  const caPem = caFile ? await readInput(caFile, '--xds-tls-ca') : undefined;
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certPem);
  } catch {
    throw new InputError(`--xds-tls-cert: ${resolvePath(certFile)} holds no PEM certificate`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new InputError(`--xds-tls-key: ${resolvePath(keyFile)} holds no PEM private key`);
  }
  if (!certificate.checkPrivateKey(key)) {
    throw new InputError(`--xds-tls-key: ${resolvePath(keyFile)} is not the key of the certificate in ${resolvePath(certFile)}`);
  }
  if (caFile && caPem !== undefined) {
    if (caPem.includes('PRIVATE KEY')) throw new InputError(`--xds-tls-ca: ${resolvePath(caFile)} holds a private key; give the CA certificates only`);
    try {
      new X509Certificate(caPem);
    } catch {
      throw new InputError(`--xds-tls-ca: ${resolvePath(caFile)} holds no PEM certificate`);
    }
  }
}

export async function runServe(argv: string[], io: Io): Promise<number> {
  // The provider package owns the Kubernetes flag table; it is needed before parsing.
  const providers = await import('@portico/providers');
  const options = { ...SERVE_FLAGS, ...providers.KUBERNETES_FLAGS };
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    io.stdout(serveUsage(providers.KUBERNETES_FLAGS_USAGE));
    return 0;
  }
  if (!LOG_LEVELS.includes(values['log-level'])) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const providerKind = values.provider;
  if (providerKind !== 'file' && providerKind !== 'kubernetes') {
    throw new UsageError(`--provider must be file or kubernetes, got '${providerKind}'`);
  }
  const kubernetesValues: KubernetesFlagValues = {};
  for (const flag of Object.keys(providers.KUBERNETES_FLAGS) as Array<keyof typeof providers.KUBERNETES_FLAGS>) {
    if (values[flag] !== undefined) kubernetesValues[flag] = values[flag];
  }
  if (providerKind === 'file') {
    const stray = Object.keys(kubernetesValues);
    if (stray.length > 0) throw new UsageError(`--${stray[0]} needs --provider kubernetes`);
  } else if (values.file !== undefined) {
    throw new UsageError('-f/--file needs --provider file (the Kubernetes provider reads the API server)');
  }
  const xdsAddress = parseAddress(values['xds-address'], '--xds-address');
  const adminAddress = parseAddress(values['admin-address'], '--admin-address');
  const tls = await xdsTls(values);
  const paths = values.file && values.file.length > 0 ? values.file : [QUICKSTART_PATH];

  // A typo on the command line should fail at once, before the servers load.
  if (providerKind === 'file') for (const path of paths) await checkReadable(path, '');

  // Loaded only now so usage errors answer at once.
  const [{ pino }, { PorticoMetrics, startAdminServer }, { SnapshotCache, missingControlPlaneFlags, startXdsServer }, { ControlPlane }] =
    await Promise.all([
      import('pino'),
      import('@portico/admin'),
      import('@portico/server'),
      import('./control-plane.js'),
    ]);
  const logger: Logger = pino({ name: 'portico', level: values['log-level'] });
  const missingFlags = missingControlPlaneFlags();
  if (missingFlags.length > 0) {
    logger.info({ missing: missingFlags }, "node was started without the control plane's flags: full builds are slower (bin/portico.js and the image pass them)");
  }
  const controllerName = values['controller-name'];

  let provider: Provider;
  if (providerKind === 'kubernetes') {
    try {
      provider = new providers.KubernetesProvider(
        providers.kubernetesProviderOptions(kubernetesValues, {
          controllerName,
          // The port Envoys dial by default; with port 0 the bound port is not known yet.
          xdsPort: xdsAddress.port === 0 ? 18000 : xdsAddress.port,
          logger: logger.child({ component: 'kubernetes-provider' }),
        }),
      );
    } catch (error) {
      if (error instanceof providers.KubernetesFlagError) throw new UsageError(error.message);
      throw error;
    }
  } else {
    provider = new providers.FileProvider({ paths, logger: logger.child({ component: 'file-provider' }) });
  }

  const cache = new SnapshotCache();
  let xdsServer: XdsServer | undefined;
  let admin: AdminServer | undefined;
  const shutdown = async () => {
    await provider.stop().catch(() => undefined);
    await xdsServer?.close().catch(() => undefined);
    await admin?.close().catch(() => undefined);
  };

  // Signals are taken from the start: a pod stopped while its first build runs exits 0 too.
  let stopping = false;
  let stopped!: (code: number) => void;
  const done = new Promise<number>((resolve) => (stopped = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    void shutdown().then(() => {
      logger.info('stopped');
      logger.flush();
      stopped(0);
    });
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  // A server started while the first shutdown ran is closed by a second one.
  const stopAfterStartup = async () => {
    await done;
    await shutdown();
    return 0;
  };

  try {
    const metrics = new PorticoMetrics({ connectedProxies: () => cache.connectedProxies().length });
    wireCacheMetrics(cache, metrics);
    const controlPlane = new ControlPlane({
      controllerName,
      mesh: values.mesh === true,
      logger: logger.child({ component: 'control-plane' }),
      metrics,
      sink: cache,
      onStatus: (statuses) => provider.writeStatus(statuses),
    });

    admin = await startAdminServer({ host: adminAddress.host, port: adminAddress.port, state: controlPlane, metrics }).catch((error: unknown) => {
      throw addressError(error, '--admin-address', adminAddress);
    });
    logger.info({ address: `${admin.host}:${admin.port}`, port: admin.port }, 'admin server listening');
    if (stopping) return await stopAfterStartup();

    xdsServer = await startXdsServer({
      host: xdsAddress.host,
      port: xdsAddress.port,
      cache,
      tls,
      logger: logger.child({ component: 'xds-server' }),
    }).catch((error: unknown) => {
      throw addressError(error, '--xds-address', xdsAddress);
    });
    logger.info({ address: `${xdsAddress.host}:${xdsServer.port}`, port: xdsServer.port, tls: tls !== undefined }, 'xds server listening');
    if (stopping) return await stopAfterStartup();

    if (providerKind === 'file') logger.info({ paths, controllerName }, 'loading manifests');
    else logger.info({ controllerName }, 'watching the Kubernetes API server');
    await provider.start((snapshot) => void controlPlane.apply(snapshot));
    if (stopping) return await stopAfterStartup();
  } catch (error) {
    if (stopping) return await stopAfterStartup();
    await shutdown();
    if (error instanceof providers.FileProviderError) throw new InputError(error.message);
    throw error;
  }
  return done;
}

/**
 * A server that cannot listen, as an input error naming the flag: the HTTP server says
 * EADDRINUSE in its code, grpc-js only in its message ("No address added ... EADDRINUSE").
 */
function addressError(error: unknown, flag: string, address: { host: string; port: number }): unknown {
  const text = error instanceof Error ? error.message : String(error);
  const code = error instanceof Error && 'code' in error ? String(error.code) : '';
  for (const [known, says] of [
    ['EADDRINUSE', 'address already in use'],
    ['EADDRNOTAVAIL', 'address not available on this machine'],
    ['EACCES', 'permission denied (a port below 1024 needs privileges)'],
  ] as const) {
    const host = address.host.includes(':') ? `[${address.host}]` : address.host;
    if (code === known || text.includes(known)) return new InputError(`${flag} ${host}:${address.port}: ${says}`);
  }
  return error;
}
