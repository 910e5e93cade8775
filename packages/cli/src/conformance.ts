import type { Io } from './common.js';

/** `portico conformance ...`: the runner and its options belong to @portico/conformance. */
export async function runConformance(argv: string[], io: Io): Promise<number> {
  const { runConformanceCommand } = await import('@portico/conformance');
  return runConformanceCommand(argv, {
    stdout: { write: (text: string) => io.stdout(text) },
    stderr: { write: (text: string) => io.stderr(text) },
  });
}
