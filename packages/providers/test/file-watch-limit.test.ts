import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

// fs.watch failing as it does once the inotify watch limit is reached (ENOSPC).
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  return {
    ...actual,
    watch: () => {
      throw Object.assign(new Error('ENOSPC: System limit for number of file watchers reached, watch'), { code: 'ENOSPC' });
    },
  };
});

const { FileProvider } = await import('../src/index.js');

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('FileProvider when a directory cannot be watched', () => {
  it('says so once, serves what it read, and tries again less and less often', async () => {
    dir = await mkdtemp(join(tmpdir(), 'portico-watch-limit-'));
    await writeFile(join(dir, 'svc.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\nspec: {ports: [{port: 80}]}\n');
    const warnings: string[] = [];
    const logger = { info: () => undefined, warn: (_fields: object, message: string) => void warnings.push(message), error: () => undefined, debug: () => undefined };
    const provider = new FileProvider({ paths: [dir], debounceMs: 10, logger: logger as never });
    let snapshots = 0;
    await provider.start(() => snapshots++);
    expect(snapshots).toBe(1);
    const rescans: number[] = [];
    const start = Date.now();
    const rescan = (provider as unknown as { rescan(): Promise<void> }).rescan.bind(provider);
    (provider as unknown as { rescan(): Promise<void> }).rescan = async () => {
      rescans.push(Date.now() - start);
      await rescan();
    };
    await new Promise((resolve) => setTimeout(resolve, 3600));
    await provider.stop();
    expect(warnings).toEqual(['cannot watch directory; trying again, less and less often']);
    // After 1 s, then 2 s more (then 4, 8 ... up to a minute): two rescans in 3.6 s, not one a second.
    expect(rescans.length).toBe(2);
  });
});
