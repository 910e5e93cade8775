import { stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import type { AdminServer, PorticoMetrics } from '@portico/admin';
import type { SnapshotCache, XdsServer } from '@portico/server';
import {
  DEFAULT_CONTROLLER_NAME,
  InputError,
  QUICKSTART_PATH,
  UsageError,
  parseAddress,
  type Io,
} from './common.js';

export const SERVE_USAGE = `Usage: portico serve [options]

Runs the control plane in file mode: reads Gateway API manifests from files and
directories, watches them, and serves the translated configuration to Envoy over ADS.

Options:
  -f, --file PATH             manifest file or directory (*.yaml, *.yml, *.json, recursive);
                              repeat for more (default: the bundled docs/examples/quickstart.yaml)
      --xds-address H:P       ADS gRPC server address (default 127.0.0.1:18000; port 0 = any free port)
      --admin-address H:P     admin HTTP API address (default 127.0.0.1:19000; port 0 = any free port)
      --controller-name N     GatewayClass controllerName to act for (default ${DEFAULT_CONTROLLER_NAME})
      --log-level LEVEL       trace, debug, info, warn, error (default info)
  -h, --help                  show this help

Logs are JSON lines (pino) on stdout. SIGTERM or SIGINT stops the servers and exits 0.
`;

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** The ADS server's events as metrics. */
function wireCacheMetrics(cache: SnapshotCache, metrics: PorticoMetrics): void {
  cache.events.on('push', (event) => metrics.pushes.inc({ type_url: event.typeUrl }));
  cache.events.on('ack', (event) => metrics.acks.inc({ type_url: event.typeUrl }));
  cache.events.on('nack', (event) => metrics.nacks.inc({ type_url: event.typeUrl }));
}

export async function runServe(argv: string[], _io: Io): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        file: { type: 'string', short: 'f', multiple: true },
        'xds-address': { type: 'string', default: '127.0.0.1:18000' },
        'admin-address': { type: 'string', default: '127.0.0.1:19000' },
        'controller-name': { type: 'string', default: DEFAULT_CONTROLLER_NAME },
        'log-level': { type: 'string', default: 'info' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    _io.stdout(SERVE_USAGE);
    return 0;
  }
  if (!LOG_LEVELS.includes(values['log-level'])) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const xdsAddress = parseAddress(values['xds-address'], '--xds-address');
  const adminAddress = parseAddress(values['admin-address'], '--admin-address');
  const paths = values.file && values.file.length > 0 ? values.file : [QUICKSTART_PATH];

  // A typo on the command line should fail at once, before the servers load.
  for (const path of paths) {
    try {
      await stat(path);
    } catch (error) {
      const missing = typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT';
      throw new InputError(`cannot read ${resolvePath(path)}: ${missing ? 'no such file or directory' : String(error)}`);
    }
  }

  // Loaded only now so `serve --help` and usage errors answer at once.
  const [{ pino }, { PorticoMetrics, startAdminServer }, { FileProvider, FileProviderError }, { SnapshotCache, startXdsServer }, { ControlPlane }] =
    await Promise.all([
      import('pino'),
      import('@portico/admin'),
      import('@portico/providers'),
      import('@portico/server'),
      import('./control-plane.js'),
    ]);
  const logger: Logger = pino({ name: 'portico', level: values['log-level'] });
  const cache = new SnapshotCache();
  let xdsServer: XdsServer | undefined;
  let admin: AdminServer | undefined;
  const provider = new FileProvider({ paths, logger: logger.child({ component: 'file-provider' }) });

  const shutdown = async () => {
    await provider.stop().catch(() => undefined);
    await xdsServer?.close().catch(() => undefined);
    await admin?.close().catch(() => undefined);
  };

  try {
    const metrics = new PorticoMetrics({ connectedProxies: () => cache.connectedProxies().length });
    wireCacheMetrics(cache, metrics);
    const controlPlane = new ControlPlane({
      controllerName: values['controller-name'],
      logger: logger.child({ component: 'control-plane' }),
      metrics,
      sink: cache,
      onStatus: (statuses) => provider.writeStatus(statuses),
    });

    admin = await startAdminServer({ host: adminAddress.host, port: adminAddress.port, state: controlPlane, metrics });
    logger.info({ address: `${admin.host}:${admin.port}`, port: admin.port }, 'admin server listening');

    xdsServer = await startXdsServer({
      host: xdsAddress.host,
      port: xdsAddress.port,
      cache,
      logger: logger.child({ component: 'xds-server' }),
    });
    logger.info({ address: `${xdsAddress.host}:${xdsServer.port}`, port: xdsServer.port }, 'xds server listening');

    logger.info({ paths, controllerName: values['controller-name'] }, 'loading manifests');
    await provider.start((snapshot) => void controlPlane.apply(snapshot));
  } catch (error) {
    await shutdown();
    if (error instanceof FileProviderError) throw new InputError(error.message);
    if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
      throw new InputError(`address in use: ${error.message}`);
    }
    throw error;
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      void shutdown().then(() => {
        logger.info('stopped');
        logger.flush();
        resolve(0);
      });
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}
