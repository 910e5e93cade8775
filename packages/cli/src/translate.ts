import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { STATUS_KINDS, type ResourceSet } from '@portico/api';
import { translate, type TranslationResult } from '@portico/translator';
import { buildXds, redactSecrets, TYPE_URLS, type EnvoyResources, type XdsBuildResult } from '@portico/xds';
import {
  DEFAULT_CONTROLLER_NAME,
  UsageError,
  formatProblem,
  loadFiles,
  type Io,
} from './common.js';

export const TRANSLATE_USAGE = `Usage: portico translate -f FILE... [options]

Translates Gateway API manifests offline (no server) and prints the result.

Options:
  -f, --file FILE          manifest file (YAML or JSON, multi-document); repeat for more
  -o, --format yaml|json   output format (default yaml)
      --output WHAT        status: objects that have a status, with .status filled (default)
                           xds:    Envoy resources per proxy group (Gateway), secrets redacted
                           all:    every input object with its status, plus the Envoy resources
      --controller-name N  GatewayClass controllerName to act for (default ${DEFAULT_CONTROLLER_NAME})
      --mesh               also translate service-mesh routes (parentRef a Service): their status,
                           and mesh/<namespace> proxy groups in the xds output
  -h, --help               show this help

Problems in the input are printed to stderr (file, document, object, field) and make the
exit code 1; the valid objects are still translated.
`;

type OutputKind = 'status' | 'xds' | 'all';

type InputObject = ReturnType<ResourceSet['all']>[number];

/** The annotation kubectl apply keeps the whole applied object in: for a Secret, its data too. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Secret values never leave the process, not even when echoing input back. */
function redactInput(object: InputObject): Record<string, unknown> {
  const copy = structuredClone(object) as unknown as Record<string, unknown>;
  if (object.kind !== 'Secret') return copy;
  const values: string[] = [];
  for (const field of ['data', 'stringData']) {
    const entries = copy[field];
    if (typeof entries !== 'object' || entries === null) continue;
    for (const [key, value] of Object.entries(entries)) {
      if (typeof value === 'string' && value.length >= 8) values.push(value);
      (entries as Record<string, unknown>)[key] = '<redacted>';
    }
  }
  // Annotations can hold the values again: kubectl's last applied configuration of a Secret
  // exported from a cluster does, and so may any annotation that quotes them.
  const annotations = (copy.metadata as { annotations?: Record<string, unknown> } | undefined)?.annotations;
  for (const [key, value] of Object.entries(annotations ?? {})) {
    const text = String(value);
    if (key === LAST_APPLIED || text.includes('PRIVATE KEY') || values.some((secret) => text.includes(secret))) {
      (annotations as Record<string, unknown>)[key] = '<redacted>';
    }
  }
  return copy;
}

export function objectsWithStatus(
  resources: ResourceSet,
  result: TranslationResult,
  which: 'status' | 'all',
): Record<string, unknown>[] {
  const statuses = new Map(result.statuses.map((s) => [`${s.kind}/${s.namespace ?? ''}/${s.name}`, s.status]));
  return resources
    .all()
    .filter((object) => which === 'all' || (STATUS_KINDS as readonly string[]).includes(object.kind))
    .map((object) => {
      const copy = redactInput(object);
      const status = statuses.get(`${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`);
      if (status) copy.status = status;
      else delete copy.status;
      return copy;
    });
}

/** Envoy resources with their `@type`, as in Envoy's own config files. */
export function xdsOutput(xds: XdsBuildResult) {
  const groups: Record<string, Record<string, unknown[]>> = {};
  for (const name of Object.keys(xds.groups).sort()) {
    const group = redactSecrets(xds.groups[name]);
    groups[name] = Object.fromEntries(
      (Object.keys(group) as Array<keyof EnvoyResources>).map((key) => [
        key,
        group[key].map((resource) => ({ '@type': TYPE_URLS[resource.type], ...resource.message })),
      ]),
    );
  }
  return { groups, rejected: xds.rejected };
}

export async function runTranslate(argv: string[], io: Io): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        file: { type: 'string', short: 'f', multiple: true },
        format: { type: 'string', short: 'o', default: 'yaml' },
        output: { type: 'string', default: 'status' },
        'controller-name': { type: 'string', default: DEFAULT_CONTROLLER_NAME },
        mesh: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    io.stdout(TRANSLATE_USAGE);
    return 0;
  }
  const files = values.file ?? [];
  if (files.length === 0) throw new UsageError('at least one -f FILE is required');
  if (values.format !== 'yaml' && values.format !== 'json') {
    throw new UsageError(`-o must be yaml or json, got '${values.format}'`);
  }
  if (!['status', 'xds', 'all'].includes(values.output)) {
    throw new UsageError(`--output must be status, xds or all, got '${values.output}'`);
  }
  const output = values.output as OutputKind;
  const { resources, problems, warnings } = await loadFiles(files);
  for (const problem of problems) io.stderr(`portico translate: ${formatProblem(problem)}\n`);
  for (const warning of warnings) io.stderr(`portico translate: warning: ${formatProblem(warning)}\n`);

  const result = translate(resources, { controllerName: values['controller-name'], ...(values.mesh ? { mesh: true } : {}) });
  for (const diagnostic of result.diagnostics) {
    const field = diagnostic.field ? `: ${diagnostic.field}` : '';
    io.stderr(`portico translate: ${diagnostic.severity}: ${diagnostic.object}${field}: ${diagnostic.message}\n`);
  }

  let xds: ReturnType<typeof xdsOutput> | undefined;
  if (output !== 'status') {
    const built = buildXds(result.ir);
    for (const rejected of built.rejected) {
      io.stderr(
        `portico translate: rejected ${rejected.type} ${rejected.name} (gateway ${rejected.proxyGroup}): ${rejected.field}: ${rejected.message}\n`,
      );
    }
    xds = xdsOutput(built);
  }

  const json = values.format === 'json';
  if (output === 'status') {
    const items = objectsWithStatus(resources, result, 'status');
    io.stdout(
      json
        ? `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 2)}\n`
        : items.map((item) => stringify(item, { lineWidth: 0 })).join('---\n'),
    );
  } else if (output === 'xds') {
    io.stdout(json ? `${JSON.stringify(xds, null, 2)}\n` : stringify(xds, { lineWidth: 0 }));
  } else {
    const all = { items: objectsWithStatus(resources, result, 'all'), diagnostics: result.diagnostics, xds };
    io.stdout(json ? `${JSON.stringify(all, null, 2)}\n` : stringify(all, { lineWidth: 0 }));
  }
  return problems.length > 0 ? 1 : 0;
}
