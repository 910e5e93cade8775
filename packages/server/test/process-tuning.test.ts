import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CONTROL_PLANE_NODE_FLAGS, missingControlPlaneFlags } from '../src/process-tuning.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./fixtures/pretenuring-child.ts', import.meta.url));

/** V8's pretenuring decisions in a child, started with `flags`, that allocates surviving objects from one site. */
async function pretenuringDecisions(flags: readonly string[]): Promise<string[]> {
  const { stdout } = await run(process.execPath, [...flags, '--trace-pretenuring-statistics', '--import', 'tsx', CHILD], { timeout: 60_000 });
  expect(stdout).toContain('kept 8');
  return stdout.split('\n').filter((line) => /pretenuring: .*=> (maybe tenure|tenure)$/.test(line));
}

describe('control plane Node flags', () => {
  it('turn allocation-site pretenuring off', async () => {
    // The control run shows the child's allocations make V8 pretenure on this Node: the silence
    // with the flags then means they took effect, not that nothing survived.
    expect((await pretenuringDecisions([])).length).toBeGreaterThan(0);
    expect(await pretenuringDecisions(CONTROL_PLANE_NODE_FLAGS)).toEqual([]);
  });

  it('names the flags a process was started without', () => {
    expect(missingControlPlaneFlags(['--expose-gc'])).toEqual(['--no-allocation-site-pretenuring']);
    expect(missingControlPlaneFlags(['--expose-gc', '--no-allocation-site-pretenuring'])).toEqual([]);
  });
});
