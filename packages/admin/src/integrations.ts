// Late-bound access to the explain stage: its functions are looked up by their
// documented names when first needed, so the admin API and the CLI report
// plainly what is missing instead of failing to load.
import type { EnvoyResources } from '@portico/xds';

export interface ExplainStage {
  explainRequest(resources: EnvoyResources, request: unknown): unknown;
  formatExplainTrace(trace: unknown): string;
  /** Parses CLI-style request words (`GET http://host/path -H k:v`) into a request. */
  parseRequest?: (args: readonly string[]) => unknown;
}

/** A stage that is not available in this build; the message says which function is missing. */
export class StageUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StageUnavailableError';
  }
}

function pick<T>(module: Record<string, unknown>, pkg: string, names: readonly string[]): T {
  const missing = names.filter((name) => typeof module[name] !== 'function');
  if (missing.length > 0) {
    throw new StageUnavailableError(`${pkg} does not provide ${missing.join(', ')}`);
  }
  return module as T;
}

let explainStage: Promise<ExplainStage> | undefined;

export function loadExplainStage(): Promise<ExplainStage> {
  explainStage ??= import('@portico/explain').then((module: Record<string, unknown>) => {
    const stage = pick<ExplainStage>(module, '@portico/explain', ['explainRequest', 'formatExplainTrace']);
    const parser = ['parseExplainArgs', 'parseRequestArgs', 'parseExplainRequest'].find(
      (name) => typeof module[name] === 'function',
    );
    return {
      explainRequest: stage.explainRequest,
      formatExplainTrace: stage.formatExplainTrace,
      parseRequest: parser ? (module[parser] as (args: readonly string[]) => unknown) : undefined,
    };
  });
  return explainStage;
}

/** Every group's resources in one set (for a dump of all proxies); a name served to several groups appears once. */
export function mergeGroups(groups: Record<string, EnvoyResources>): EnvoyResources {
  const merged: EnvoyResources = { listeners: [], routes: [], clusters: [], endpoints: [], secrets: [] };
  const keys = Object.keys(merged) as Array<keyof EnvoyResources>;
  for (const group of Object.keys(groups).sort()) {
    for (const key of keys) {
      const seen = new Set(merged[key].map((resource) => resource.name));
      for (const resource of groups[group][key]) {
        if (!seen.has(resource.name)) merged[key].push(resource);
      }
    }
  }
  for (const key of keys) merged[key].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return merged;
}
