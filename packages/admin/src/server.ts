import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { configDump, type EnvoyResources } from '@portico/xds';
import { ExplainArgsError, explainRequest, formatExplainTrace, parseExplainArgs } from '@portico/explain';
import { mergeGroups } from './groups.js';
import { PorticoMetrics } from './metrics.js';
import type { AdminState, ControlPlaneSnapshot } from './state.js';

export interface AdminServerOptions {
  /** Default 127.0.0.1: the admin API shows configuration and must not be exposed by accident. */
  host?: string;
  /** Default 19000; 0 picks a free port (read it from the result). */
  port?: number;
  state: AdminState;
  metrics?: PorticoMetrics;
  logger?: FastifyBaseLogger;
}

export interface AdminServer {
  host: string;
  port: number;
  app: FastifyInstance;
  close(): Promise<void>;
}

interface GatewayQuery {
  gateway?: string;
}

function problemResponse(status: number, message: string) {
  return { status, body: { error: message } };
}

/** The `?gateway=ns/name` group, or all groups merged; an error when the group is unknown. */
function selectResources(
  snapshot: ControlPlaneSnapshot,
  gateway: string | undefined,
): EnvoyResources | { status: number; body: { error: string } } {
  const groups = snapshot.xds.groups;
  if (gateway === undefined || gateway === '') return mergeGroups(groups);
  // An own entry only: `__proto__`, `constructor` and the like are no proxy group.
  const group = Object.hasOwn(groups, gateway) ? groups[gateway] : undefined;
  if (!group) {
    const known = Object.keys(groups).sort();
    return problemResponse(
      404,
      `no proxy group for gateway '${gateway}'; known: ${known.length > 0 ? known.join(', ') : '(none)'}`,
    );
  }
  return group;
}

function isProblem(value: unknown): value is { status: number; body: { error: string } } {
  return typeof value === 'object' && value !== null && 'status' in value && 'body' in value;
}

/** Input objects with their computed status; only metadata and status, never spec or data (Secrets). */
function statusObjects(snapshot: ControlPlaneSnapshot) {
  const statuses = new Map(
    snapshot.statuses.map((status) => [`${status.kind}/${status.namespace ?? ''}/${status.name}`, status]),
  );
  return snapshot.resources.all().map((object) => {
    const computed = statuses.get(`${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`);
    const metadata: Record<string, unknown> = { name: object.metadata.name };
    if (object.metadata.namespace) metadata.namespace = object.metadata.namespace;
    if (object.metadata.generation !== undefined) metadata.generation = object.metadata.generation;
    return {
      apiVersion: object.apiVersion,
      kind: object.kind,
      metadata,
      ...(computed ? { status: computed.status } : {}),
    };
  });
}

/** Every endpoint of the admin API, as `GET /` lists them (docs/admin.md has the details). */
export const ADMIN_ENDPOINTS: ReadonlyArray<{ path: string; description: string }> = [
  { path: '/healthz', description: 'the process is up' },
  { path: '/readyz', description: '200 once the first full build is served, 503 before' },
  { path: '/config_dump?gateway=ns/name', description: "Envoy admin ConfigDump of one proxy group (or all), private keys redacted" },
  { path: '/status', description: 'every input object with its computed status, input problems, rejected resources, NACKs, proxies' },
  { path: '/explain?gateway=ns/name&method=GET&url=http://host/path&header=name:value', description: 'a request traced through the live configuration' },
  { path: '/metrics', description: 'Prometheus metrics' },
];

/** Builds the admin app without listening, for tests (fastify.inject) and for startAdminServer. */
export function buildAdminApp(options: Omit<AdminServerOptions, 'host' | 'port'>): FastifyInstance {
  const { state } = options;
  const metrics = options.metrics ?? new PorticoMetrics({ connectedProxies: () => state.connectedProxies?.().length ?? 0 });
  const app = options.logger ? Fastify({ loggerInstance: options.logger }) : Fastify({ logger: false });

  // The index, as Envoy's admin has one: what a developer who opens the admin address can ask.
  app.get('/', async () => ({ endpoints: ADMIN_ENDPOINTS }));

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const snapshot = state.current();
    if (!snapshot) {
      const error = state.lastBuildError?.();
      return reply.code(503).send({ status: 'not ready', reason: error ?? 'waiting for the first build' });
    }
    return { status: 'ready', version: snapshot.version, builtAt: snapshot.builtAt };
  });

  app.get<{ Querystring: GatewayQuery }>('/config_dump', async (request, reply) => {
    const snapshot = state.current();
    if (!snapshot) return reply.code(503).send({ error: 'no configuration built yet' });
    const selected = selectResources(snapshot, request.query.gateway);
    if (isProblem(selected)) return reply.code(selected.status).send(selected.body);
    // configDump redacts private keys itself; the version is the build's, so it changes with the snapshot.
    return configDump(selected, { versionInfo: String(snapshot.version), lastUpdated: snapshot.builtAt });
  });

  app.get('/status', async (_request, reply) => {
    const snapshot = state.current();
    const buildError = state.lastBuildError?.();
    if (!snapshot) {
      return reply.code(503).send({ ready: false, ...(buildError ? { buildError } : {}) });
    }
    return {
      ready: true,
      version: snapshot.version,
      builtAt: snapshot.builtAt,
      ...(buildError ? { buildError } : {}),
      objects: statusObjects(snapshot),
      problems: snapshot.problems,
      diagnostics: snapshot.diagnostics,
      rejected: snapshot.xds.rejected,
      nackErrors: state.nackErrors?.() ?? [],
      proxies: state.connectedProxies?.() ?? [],
      proxyGroups: Object.keys(snapshot.xds.groups).sort(),
    };
  });

  app.get<{ Querystring: Record<string, string | string[] | undefined> }>('/explain', async (request, reply) => {
    const snapshot = state.current();
    if (!snapshot) return reply.code(503).send({ error: 'no configuration built yet' });
    const query = request.query;
    const gateway = typeof query.gateway === 'string' ? query.gateway : undefined;
    const groups = Object.keys(snapshot.xds.groups).sort();
    const chosen = gateway ?? (groups.length === 1 ? groups[0] : undefined);
    if (!chosen && groups.length === 0) {
      return reply.code(404).send({ error: 'no Gateway is served: nothing to explain (see /status for why)' });
    }
    if (!chosen) {
      return reply
        .code(400)
        .send({ error: `?gateway=ns/name is required when several gateways are served: ${groups.join(', ')}` });
    }
    const selected = selectResources(snapshot, chosen);
    if (isProblem(selected)) return reply.code(selected.status).send(selected.body);
    let requestSpec;
    try {
      requestSpec = parseExplainArgs(explainWords(query));
    } catch (error) {
      if (error instanceof ExplainArgsError) return reply.code(400).send({ error: error.message });
      throw error;
    }
    const trace = explainRequest(selected, requestSpec);
    const verbose = query.verbose === '1' || query.verbose === 'true';
    return { gateway: chosen, trace, text: formatExplainTrace(trace, { verbose }) };
  });

  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  return app;
}

/**
 * Turns `/explain?method=GET&url=http://host/path&header=k:v` (or the raw
 * words as repeated `arg=`) into the words `portico explain` takes on its
 * command line, so both go through one parser.
 */
export function explainWords(query: Record<string, string | string[] | undefined>): string[] {
  const list = (value: string | string[] | undefined): string[] =>
    value === undefined ? [] : Array.isArray(value) ? value : [value];
  const words: string[] = [];
  for (const method of list(query.method)) words.push('-X', method);
  for (const header of list(query.header)) words.push('-H', header);
  for (const port of list(query.port)) words.push('--port', port);
  for (const sni of list(query.sni)) words.push('--sni', sni);
  for (const url of list(query.url)) words.push(url);
  words.push(...list(query.arg));
  return words;
}

export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const host = options.host ?? '127.0.0.1';
  const app = buildAdminApp(options);
  await app.listen({ host, port: options.port ?? 19000 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 19000);
  return { host, port, app, close: () => app.close() };
}
