import { parseArgs } from 'node:util';
import { pino, type Logger } from 'pino';
import { PorticoMetrics, startAdminServer, type AdminServer } from '@portico/admin';
import { FileProvider, FileProviderError } from '@portico/providers';
import {
  DEFAULT_CONTROLLER_NAME,
  InputError,
  QUICKSTART_PATH,
  UsageError,
  errorText,
  parseAddress,
  type Io,
} from './common.js';
import { ControlPlane } from './control-plane.js';
import { loadServerStage, type SnapshotCacheLike, type XdsServerHandle } from './integrations.js';

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

/** Translates the server's events into metrics; event names follow @portico/server's cache. */
function wireCacheMetrics(cache: SnapshotCacheLike, metrics: PorticoMetrics): void {
  if (typeof cache.on !== 'function') return;
  const typeUrl = (event: Record<string, unknown>) => String(event.typeUrl ?? event.type_url ?? 'unknown');
  cache.on('push', (event) => metrics.pushes.inc({ type_url: typeUrl(event) }));
  cache.on('ack', (event) => metrics.acks.inc({ type_url: typeUrl(event) }));
  cache.on('nack', (event) => metrics.nacks.inc({ type_url: typeUrl(event) }));
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

  const logger: Logger = pino({ name: 'portico', level: values['log-level'] });
  let cache: SnapshotCacheLike | undefined;
  let xdsServer: XdsServerHandle | undefined;
  let admin: AdminServer | undefined;
  const provider = new FileProvider({ paths, logger: logger.child({ component: 'file-provider' }) });

  const shutdown = async () => {
    await provider.stop().catch(() => undefined);
    await Promise.resolve(xdsServer?.close()).catch(() => undefined);
    await admin?.close().catch(() => undefined);
  };

  try {
    try {
      const stage = await loadServerStage();
      cache = stage.createCache();
    } catch (error) {
      logger.error({ err: errorText(error) }, 'ADS server unavailable: proxies cannot connect; admin API still runs');
    }
    const metrics = new PorticoMetrics({ connectedProxies: () => cache?.connectedProxies?.().length ?? 0 });
    if (cache) wireCacheMetrics(cache, metrics);
    const controlPlane = new ControlPlane({
      controllerName: values['controller-name'],
      logger: logger.child({ component: 'control-plane' }),
      metrics,
      sink: cache,
      onStatus: (statuses) => provider.writeStatus(statuses),
    });

    admin = await startAdminServer({ host: adminAddress.host, port: adminAddress.port, state: controlPlane, metrics });
    logger.info({ address: `${admin.host}:${admin.port}`, port: admin.port }, 'admin server listening');

    if (cache) {
      const stage = await loadServerStage();
      xdsServer = await stage.startXdsServer({
        host: xdsAddress.host,
        port: xdsAddress.port,
        cache,
        logger: logger.child({ component: 'xds-server' }),
      });
      logger.info({ address: `${xdsAddress.host}:${xdsServer.port}`, port: xdsServer.port }, 'xds server listening');
    }

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
