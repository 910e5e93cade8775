// Shared test helpers: IR fixtures from YAML next to the tests.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { IR } from '@portico/ir';

const here = path.dirname(fileURLToPath(import.meta.url));

export function fixturePath(name: string): string {
  return path.join(here, 'fixtures', name);
}

export function loadYaml<T>(name: string): T {
  return parse(readFileSync(fixturePath(name), 'utf8')) as T;
}

export function loadIR(name: string): IR {
  return loadYaml<IR>(name);
}
