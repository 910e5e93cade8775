// The benchmarks measure the pipeline as the control plane process runs it: `npm run bench`
// starts Node with the control plane's flags (CONTROL_PLANE_NODE_FLAGS in @portico/server, which
// bin/portico.js and the image use), and the child that holds the control plane's state gets the
// same. Started without them (`node --expose-gc --import tsx bench/src/main.ts`), every process
// runs with Node's defaults instead, to compare; the report says which.

import { loadModule } from './adapters.js';

export interface ProcessSettings {
  /** For the report. */
  description: string;
  /** The control plane's flags this process has, for the children that stand for the control plane. */
  flags: readonly string[];
}

export async function processSettings(): Promise<ProcessSettings> {
  const { mod, problem } = await loadModule('@portico/server');
  const wanted = mod?.CONTROL_PLANE_NODE_FLAGS;
  const missingOf = mod?.missingControlPlaneFlags;
  if (!Array.isArray(wanted) || typeof missingOf !== 'function') {
    return { description: `unknown (${problem ?? '@portico/server does not export CONTROL_PLANE_NODE_FLAGS and missingControlPlaneFlags'})`, flags: [] };
  }
  const missing = (missingOf as () => string[])();
  const flags = (wanted as string[]).filter((flag) => !missing.includes(flag));
  if (missing.length === 0) return { description: `the control plane's Node flags (${flags.join(' ')})`, flags };
  return { description: `Node's defaults, without the control plane's ${missing.join(' ')} (npm run bench passes it)`, flags };
}
