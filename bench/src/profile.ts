// `npm run profile -w @portico/bench -- <figure> [--quick] [--top N]`: runs one figure under
// `node --cpu-prof` and prints the functions with the most self and total time, with paths
// relative to the repository so the owners of each package can find their hotspots.

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { processSettings } from './tuning.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface FunctionCost {
  name: string;
  location: string;
  selfMs: number;
  totalMs: number;
}

const REPO_ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));

function location(frame: CallFrame): string {
  if (!frame.url) return '(native)';
  let file = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url;
  if (path.isAbsolute(file)) file = path.relative(REPO_ROOT, file);
  // Code loaded through tsx reports line 0 for everything; the file alone is the useful part then.
  return frame.lineNumber > 0 ? `${file}:${frame.lineNumber + 1}` : file;
}

/** Self and total (inclusive, recursion counted once) milliseconds per function. */
export function summarizeProfile(profile: CpuProfile): FunctionCost[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, index) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));

  const costs = new Map<string, FunctionCost>();
  const keyOf = (node: ProfileNode): string => `${node.callFrame.functionName}\0${location(node.callFrame)}`;
  const costOf = (node: ProfileNode): FunctionCost => {
    const key = keyOf(node);
    let cost = costs.get(key);
    if (!cost) {
      cost = { name: node.callFrame.functionName || '(anonymous)', location: location(node.callFrame), selfMs: 0, totalMs: 0 };
      costs.set(key, cost);
    }
    return cost;
  };

  const root = profile.nodes[0];
  if (!root) return [];
  // Iterative post-order walk: inclusive time of a node is its self time plus its children's.
  const inclusive = new Map<number, number>();
  const stack: Array<{ node: ProfileNode; expanded: boolean }> = [{ node: root, expanded: false }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { node: ProfileNode; expanded: boolean };
    if (!top.expanded) {
      top.expanded = true;
      for (const child of top.node.children ?? []) {
        const childNode = byId.get(child);
        if (childNode) stack.push({ node: childNode, expanded: false });
      }
      continue;
    }
    stack.pop();
    let total = selfUs.get(top.node.id) ?? 0;
    for (const child of top.node.children ?? []) total += inclusive.get(child) ?? 0;
    inclusive.set(top.node.id, total);
  }
  // Attribute inclusive time to a function once per call path (skip nested recursive frames).
  const walk: Array<{ node: ProfileNode; onPath: ReadonlySet<string> }> = [{ node: root, onPath: new Set() }];
  while (walk.length > 0) {
    const { node, onPath } = walk.pop() as { node: ProfileNode; onPath: ReadonlySet<string> };
    const key = keyOf(node);
    const cost = costOf(node);
    cost.selfMs += (selfUs.get(node.id) ?? 0) / 1000;
    if (!onPath.has(key)) cost.totalMs += (inclusive.get(node.id) ?? 0) / 1000;
    const nextPath = onPath.has(key) ? onPath : new Set([...onPath, key]);
    for (const child of node.children ?? []) {
      const childNode = byId.get(child);
      if (childNode) walk.push({ node: childNode, onPath: nextPath });
    }
  }
  return [...costs.values()];
}

function formatTable(title: string, rows: FunctionCost[], pick: (c: FunctionCost) => number, totalMs: number): string {
  const lines = [`${title}`];
  for (const row of rows) {
    const ms = pick(row);
    lines.push(`  ${ms.toFixed(0).padStart(7)} ms ${((ms / totalMs) * 100).toFixed(1).padStart(5)}%  ${row.name}  ${row.location}`);
  }
  return lines.join('\n');
}

const IDLE = new Set(['(idle)', '(program)', '(root)', '(garbage collector)']);

export function renderProfile(profile: CpuProfile, top: number): string {
  const costs = summarizeProfile(profile);
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const gc = costs.find((c) => c.name === '(garbage collector)')?.selfMs ?? 0;
  const bySelf = costs.filter((c) => !IDLE.has(c.name)).sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
  const byTotal = costs
    .filter((c) => !IDLE.has(c.name) && c.location !== '(native)' && !c.location.includes('node_modules/tsx'))
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, top);
  return [
    `profile: ${totalMs.toFixed(0)} ms sampled, garbage collector ${gc.toFixed(0)} ms (${((gc / totalMs) * 100).toFixed(1)}%)`,
    formatTable(`top ${top} by self time:`, bySelf, (c) => c.selfMs, totalMs),
    formatTable(`top ${top} by total time:`, byTotal, (c) => c.totalMs, totalMs),
  ].join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const figure = args.find((a) => !a.startsWith('--'));
  if (!figure) throw new Error('usage: profile <figure> [--quick] [--top N]');
  const topIndex = args.indexOf('--top');
  const top = topIndex >= 0 ? Number(args[topIndex + 1]) : 25;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portico-cpuprof-'));
  try {
    const entry = fileURLToPath(new URL('./main.ts', import.meta.url));
    const benchArgs = ['--only', figure, ...(args.includes('--quick') ? ['--quick'] : [])];
    const child = spawn(
      process.execPath,
      // The control plane's Node flags when this process has them, as `npm run bench` does (src/tuning.ts).
      ['--expose-gc', ...(await processSettings()).flags, '--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '500', '--import', 'tsx', entry, ...benchArgs],
      { stdio: 'inherit' },
    );
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    if (code !== 0) throw new Error(`bench exited with ${code}`);
    // Child processes (memory, fan-out clients) write their own profiles; the largest is the figure's own process.
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
    if (files.length === 0) throw new Error('no profile was written');
    const profiles = files.map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as CpuProfile);
    profiles.sort((a, b) => b.endTime - b.startTime - (a.endTime - a.startTime));
    process.stdout.write(`${renderProfile(profiles[0] as CpuProfile, top)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
