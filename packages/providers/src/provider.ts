import type { ResourceSet } from '@portico/api';
import type { ObjectStatus } from '@portico/translator';

/** A problem with provider input (a file that does not parse, an object that fails validation). */
export interface ProviderProblem {
  /** File path or `Kind namespace/name`. */
  source: string;
  /** 0-based index of the YAML document within a file source. */
  document?: number;
  object?: string;
  field?: string;
  message: string;
}

export interface ProviderSnapshot {
  resources: ResourceSet;
  /** Problems found in the input; the last good objects are still in `resources`. */
  problems: ProviderProblem[];
}

/**
 * Where Gateway API objects come from and where their status goes back to.
 * The control plane calls start() once; the provider calls onSnapshot with a
 * complete, consistent view each time its input changes (debounced), and only
 * after its initial load/sync is complete.
 */
export interface Provider {
  readonly name: string;
  start(onSnapshot: (snapshot: ProviderSnapshot) => void): Promise<void>;
  /** Report computed status; providers write only what changed. */
  writeStatus(statuses: readonly ObjectStatus[]): Promise<void>;
  stop(): Promise<void>;
}
