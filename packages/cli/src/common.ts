import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadManifests, ResourceSet, type LoadProblem } from '@portico/api';
import { loadWarnings } from '@portico/translator';

export const DEFAULT_CONTROLLER_NAME = 'portico.dev/gateway-controller';

/** The example served when `portico serve` gets no -f: found next to the package, not in the working directory. */
export const QUICKSTART_PATH = fileURLToPath(new URL('../../../docs/examples/quickstart.yaml', import.meta.url));

/** Bad command line: exits 2 with the command's usage hint. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Input the command cannot use (unreadable file, unreachable server): exits 1. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `file: document N: Kind ns/name: field: message`, each part only when known. */
export function formatProblem(problem: {
  source: string;
  document?: number;
  object?: string;
  field?: string;
  message: string;
}): string {
  const parts = [problem.source];
  if (problem.document !== undefined) parts.push(`document ${problem.document + 1}`);
  if (problem.object) parts.push(problem.object);
  if (problem.field) parts.push(problem.field);
  return `${parts.join(': ')}: ${problem.message}`;
}

export interface LoadedFiles {
  resources: ResourceSet;
  problems: LoadProblem[];
  /** Objects of kinds Portico does not read, and fields of a wrong type: the rest is used. */
  warnings: LoadProblem[];
}

/** Reads manifest files once (no watching). An unreadable file is an InputError naming it. */
export async function loadFiles(paths: readonly string[]): Promise<LoadedFiles> {
  const objects: Array<{ kind: string }> = [];
  const problems: LoadProblem[] = [];
  const warnings: LoadProblem[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = await readFile(resolve(path), 'utf8');
    } catch (error) {
      const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
      const reason =
        code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory (pass files)' : errorText(error);
      throw new InputError(`cannot read ${path}: ${reason}`);
    }
    const loaded = loadManifests(text, path);
    objects.push(...loaded.objects);
    problems.push(...loaded.problems);
    warnings.push(...loadWarnings(loaded, path));
  }
  return { resources: ResourceSet.from(objects), problems, warnings };
}

/** Parses `host:port` (IPv6 as `[::1]:port`); port 0 means pick a free port. */
export function parseAddress(value: string, flag: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw new UsageError(`${flag} must be HOST:PORT, got '${value}'`);
  return { host: match[1] ?? match[2], port };
}

/** Parses `namespace/name`. */
export function parseGatewayRef(value: string, flag = '--gateway'): { namespace: string; name: string } {
  const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(value);
  if (!match) throw new UsageError(`${flag} must be NAMESPACE/NAME, got '${value}'`);
  return { namespace: match[1], name: match[3] };
}
