import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CONTROL_PLANE_NODE_FLAGS } from '@portico/server';
import { temporaryDirectory } from '@portico/test-support';
import { describe, expect, it } from 'vitest';
import { PORTICO_BIN, QUICKSTART, REPO_ROOT, runPortico } from './helpers.js';

describe("the control plane's Node flags", () => {
  it('are what bin/portico.js starts Node with, when it runs as a program', async () => {
    const [shebang, start] = readFileSync(PORTICO_BIN, 'utf8').split('\n');
    expect(shebang).toBe('#!/bin/sh');
    expect(start).toBe(`':' //; exec node ${CONTROL_PLANE_NODE_FLAGS.join(' ')} "$0" "$@"`);
    // Run through its shebang (as npx and the npm bin link do), not as `node bin/portico.js`; a
    // preloaded script records the flags Node got.
    const dir = temporaryDirectory('portico-node-flags-');
    const recorder = path.join(dir, 'record-exec-argv.cjs');
    const recorded = path.join(dir, 'exec-argv.json');
    writeFileSync(recorder, `require('node:fs').writeFileSync(${JSON.stringify(recorded)}, JSON.stringify(process.execArgv));\n`);
    const result = await runPortico(['translate', '-f', QUICKSTART, '-o', 'json'], {
      asProgram: true,
      // Quoted: NODE_OPTIONS splits on spaces.
      env: { ...process.env, NODE_OPTIONS: `--require ${JSON.stringify(recorder)}` },
    });
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { items: unknown[] }).items.length).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(recorded, 'utf8'))).toEqual(expect.arrayContaining([...CONTROL_PLANE_NODE_FLAGS]));
  });

  it('are what the benchmarks start Node with', () => {
    const scripts = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'bench', 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    for (const name of ['bench', 'profile']) {
      const args = (scripts[name] ?? '').split(/\s+/);
      expect(args[0], name).toBe('node');
      for (const flag of CONTROL_PLANE_NODE_FLAGS) expect(args, name).toContain(flag);
    }
  });

  it("are in the container image's entrypoint", () => {
    const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const entrypoint = /^ENTRYPOINT (.*)$/m.exec(dockerfile)?.[1];
    expect(entrypoint && JSON.parse(entrypoint)).toEqual(['node', ...CONTROL_PLANE_NODE_FLAGS, 'packages/cli/bin/portico.js']);
  });
});
