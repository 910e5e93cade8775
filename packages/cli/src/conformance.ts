import { InputError, type Io } from './common.js';
import { loadConformanceCommand } from './integrations.js';

/** `portico conformance ...`: the runner and its options belong to @portico/conformance. */
export async function runConformance(argv: string[], io: Io): Promise<number> {
  let run;
  try {
    run = await loadConformanceCommand();
  } catch (error) {
    throw new InputError(`conformance is not available: ${error instanceof Error ? error.message : String(error)}`);
  }
  return run(argv, io);
}
