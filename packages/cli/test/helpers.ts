import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../src/run.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const PORTICO_BIN = fileURLToPath(new URL('../bin/portico.js', import.meta.url));
export const QUICKSTART = fileURLToPath(new URL('../../../docs/examples/quickstart.yaml', import.meta.url));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node packages/cli/bin/portico.js ...args` to completion, as a user would; with
 * `asProgram`, runs the bin itself (through its first lines, as npx does).
 */
export function runPortico(args: string[], options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv; asProgram?: boolean } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const [command, commandArgs] = options.asProgram ? [PORTICO_BIN, args] : [process.execPath, [PORTICO_BIN, ...args]];
    const child = spawn(command, commandArgs, {
      cwd: options.cwd ?? REPO_ROOT,
      ...(options.env ? { env: options.env } : {}),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Runs a command in this process through the same entry point as the binary (fast: no tsx start-up per case). */
export async function runInProcess(args: string[]): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}
