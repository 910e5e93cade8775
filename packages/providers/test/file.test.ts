import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileProvider, FileProviderError, type ProviderSnapshot } from '../src/index.js';

const gatewayClass = (name: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: ${name}
spec:
  controllerName: portico.dev/gateway-controller
`;

const service = (name: string, port = 80) => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: default
spec:
  ports:
    - port: ${port}
`;

/** Collects snapshots and lets a test wait for the next one matching a predicate. */
class Recorder {
  readonly snapshots: ProviderSnapshot[] = [];
  private waiters: Array<{ test: (s: ProviderSnapshot) => boolean; resolve: (s: ProviderSnapshot) => void }> = [];

  readonly push = (snapshot: ProviderSnapshot): void => {
    this.snapshots.push(snapshot);
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.test(snapshot)) return true;
      waiter.resolve(snapshot);
      return false;
    });
  };

  get latest(): ProviderSnapshot {
    return this.snapshots[this.snapshots.length - 1];
  }

  next(test: (s: ProviderSnapshot) => boolean, timeoutMs = 5000): Promise<ProviderSnapshot> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for a snapshot')), timeoutMs);
      this.waiters.push({
        test,
        resolve: (s) => {
          clearTimeout(timer);
          resolve(s);
        },
      });
    });
  }
}

const names = (snapshot: ProviderSnapshot, kind: 'GatewayClass' | 'Service') =>
  snapshot.resources.list(kind).map((object) => object.metadata.name);

let dir: string;
let provider: FileProvider | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portico-file-'));
});

afterEach(async () => {
  await provider?.stop();
  provider = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('FileProvider', () => {
  it('loads a directory recursively, only manifest extensions, before start() resolves', async () => {
    await mkdir(join(dir, 'nested', 'deeper'), { recursive: true });
    await writeFile(join(dir, 'a.yaml'), gatewayClass('one'));
    await writeFile(join(dir, 'nested', 'b.yml'), service('svc-b'));
    await writeFile(join(dir, 'nested', 'deeper', 'c.json'), JSON.stringify({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc-c', namespace: 'default' }, spec: { ports: [{ port: 8 }] },
    }));
    await writeFile(join(dir, 'notes.txt'), gatewayClass('ignored'));
    const recorder = new Recorder();
    provider = new FileProvider({ paths: [dir], watch: false });
    await provider.start(recorder.push);
    expect(recorder.snapshots).toHaveLength(1);
    expect(names(recorder.latest, 'GatewayClass')).toEqual(['one']);
    expect(names(recorder.latest, 'Service')).toEqual(['svc-b', 'svc-c']);
    expect(recorder.latest.problems).toEqual([]);
  });

  it('rejects a root path that does not exist, naming it', async () => {
    provider = new FileProvider({ paths: [join(dir, 'missing.yaml')], watch: false });
    const started = provider.start(() => undefined);
    await expect(started).rejects.toBeInstanceOf(FileProviderError);
    await expect(started).rejects.toThrow(/missing\.yaml: no such file or directory/);
  });

  it('hands over an object that did not change as the same object, also when its file changed', async () => {
    const file = join(dir, 'objects.yaml');
    await writeFile(file, `${gatewayClass('portico')}---\n${service('web', 80)}`);
    const recorder = new Recorder();
    provider = new FileProvider({ paths: [dir], debounceMs: 50 });
    await provider.start(recorder.push);
    const first = recorder.latest;
    await writeFile(file, `${gatewayClass('portico')}---\n${service('web', 8080)}`);
    const second = await recorder.next((s) => s.resources.list('Service')[0]?.spec?.ports?.[0]?.port === 8080);
    expect(second.resources.list('GatewayClass')[0]).toBe(first.resources.list('GatewayClass')[0]);
    expect(second.resources.list('Service')[0]).not.toBe(first.resources.list('Service')[0]);
  });

  it('debounces a burst of writes into one snapshot with the final content', async () => {
    const file = join(dir, 'services.yaml');
    await writeFile(file, service('v0'));
    const recorder = new Recorder();
    provider = new FileProvider({ paths: [dir], debounceMs: 150 });
    await provider.start(recorder.push);
    expect(recorder.snapshots).toHaveLength(1);
    for (let i = 1; i <= 5; i++) await writeFile(file, service(`v${i}`));
    await recorder.next((s) => names(s, 'Service')[0] === 'v5');
    // Allow any straggling event to fire; a second reload of the same content must not emit.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(recorder.snapshots).toHaveLength(2);
    expect(names(recorder.latest, 'Service')).toEqual(['v5']);
  });

  it('keeps serving the last good objects of a broken file and reports the problem', async () => {
    const good = join(dir, 'good.yaml');
    const flaky = join(dir, 'flaky.yaml');
    await writeFile(good, gatewayClass('stable'));
    await writeFile(flaky, service('svc-a'));
    const recorder = new Recorder();
    provider = new FileProvider({ paths: [dir], debounceMs: 50 });
    await provider.start(recorder.push);
    expect(names(recorder.latest, 'Service')).toEqual(['svc-a']);

    await writeFile(flaky, `${service('svc-renamed')}---\nkind: [unclosed\n`);
    const broken = await recorder.next((s) => s.problems.length > 0);
    expect(names(broken, 'Service')).toEqual(['svc-a']);
    expect(names(broken, 'GatewayClass')).toEqual(['stable']);
    expect(broken.problems[0].source).toBe(flaky);
    expect(broken.problems[0].document).toBe(1);
    expect(broken.problems[0].message).toMatch(/last good version/);

    await writeFile(flaky, service('svc-fixed'));
    const fixed = await recorder.next((s) => s.problems.length === 0);
    expect(names(fixed, 'Service')).toEqual(['svc-fixed']);
  });

  it('reports a validation problem with object and field', async () => {
    await writeFile(join(dir, 'bad.yaml'), 'apiVersion: v1\nkind: Service\nmetadata:\n  namespace: default\n');
    const recorder = new Recorder();
    provider = new FileProvider({ paths: [dir], watch: false });
    await provider.start(recorder.push);
    expect(recorder.latest.problems).toEqual([
      expect.objectContaining({ source: join(dir, 'bad.yaml'), document: 0, field: 'metadata.name' }),
    ]);
  });

  it('removes the objects of a deleted file and picks up new files and directories', async () => {
    const first = join(dir, 'first.yaml');
    await writeFile(first, service('from-first'));
    await writeFile(join(dir, 'second.yaml'), service('from-second'));
    const recorder = new Recorder();
    provider = new FileProvider({ paths: [dir], debounceMs: 50 });
    await provider.start(recorder.push);
    expect(names(recorder.latest, 'Service')).toEqual(['from-first', 'from-second']);

    await rm(first);
    const removed = await recorder.next((s) => !names(s, 'Service').includes('from-first'));
    expect(names(removed, 'Service')).toEqual(['from-second']);

    await mkdir(join(dir, 'later'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await writeFile(join(dir, 'later', 'third.yaml'), service('from-third'));
    const added = await recorder.next((s) => names(s, 'Service').includes('from-third'));
    expect(names(added, 'Service')).toEqual(['from-second', 'from-third']);
  });

  it('keeps following a watched directory replaced by a new one (rm -rf, mkdir, copy)', async () => {
    const root = join(dir, 'config');
    await mkdir(join(root, 'team'), { recursive: true });
    await writeFile(join(root, 'team', 'web.yaml'), service('first'));
    const recorder = new Recorder();
    provider = new FileProvider({ paths: [root], debounceMs: 50 });
    await provider.start(recorder.push);
    // The root and a subdirectory replaced at once, as a deploy script or a checkout does.
    await rm(root, { recursive: true });
    await mkdir(join(root, 'team'), { recursive: true });
    await writeFile(join(root, 'team', 'web.yaml'), service('second'));
    await recorder.next((s) => names(s, 'Service')[0] === 'second');
    // The new directories are the ones watched now.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await writeFile(join(root, 'team', 'web.yaml'), service('third'));
    await recorder.next((s) => names(s, 'Service')[0] === 'third');
    await writeFile(join(root, 'more.yaml'), service('fourth'));
    const latest = await recorder.next((s) => names(s, 'Service').includes('fourth'));
    expect(names(latest, 'Service')).toEqual(['fourth', 'third']);
  });

  it('follows a file whose directory is removed and made again', async () => {
    const file = join(dir, 'gone', 'one.yaml');
    await mkdir(join(dir, 'gone'));
    await writeFile(file, service('before'));
    const recorder = new Recorder();
    provider = new FileProvider({ paths: [file], debounceMs: 50 });
    await provider.start(recorder.push);
    await rm(join(dir, 'gone'), { recursive: true });
    await recorder.next((s) => names(s, 'Service').length === 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await mkdir(join(dir, 'gone'));
    await writeFile(file, service('after'));
    const back = await recorder.next((s) => names(s, 'Service')[0] === 'after');
    expect(names(back, 'Service')).toEqual(['after']);
  });

  it('reads only regular files: a FIFO named like a manifest neither blocks reloads nor shutdown', async () => {
    const fifo = join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    await writeFile(join(dir, 'web.yaml'), service('before'));
    const recorder = new Recorder();
    provider = new FileProvider({ paths: [dir], debounceMs: 50 });
    await provider.start(recorder.push);
    expect(names(recorder.latest, 'Service')).toEqual(['before']);
    await writeFile(join(dir, 'web.yaml'), service('after'));
    await recorder.next((s) => names(s, 'Service')[0] === 'after');
    const stopping = provider.stop();
    provider = undefined;
    await expect(Promise.race([stopping.then(() => 'stopped'), new Promise((resolve) => setTimeout(() => resolve('hung'), 2000))])).resolves.toBe('stopped');
  });

  it('follows a single file replaced by rename, as editors save', async () => {
    const file = join(dir, 'one.yaml');
    await writeFile(file, service('before'));
    const recorder = new Recorder();
    provider = new FileProvider({ paths: [file], debounceMs: 50 });
    await provider.start(recorder.push);
    await writeFile(join(dir, 'one.yaml.tmp'), service('after'));
    await rename(join(dir, 'one.yaml.tmp'), file);
    const updated = await recorder.next((s) => names(s, 'Service')[0] === 'after');
    expect(names(updated, 'Service')).toEqual(['after']);
  });

  it('serves an object with a wrong-typed field without it, and says which field', async () => {
    await writeFile(join(dir, 'svc.yaml'), service('web', '"80"' as unknown as number));
    const recorder = new Recorder();
    provider = new FileProvider({ paths: [dir], watch: false });
    await provider.start(recorder.push);
    expect(names(recorder.latest, 'Service')).toEqual(['web']);
    expect(recorder.latest.problems).toEqual([
      expect.objectContaining({ source: join(dir, 'svc.yaml'), object: 'Service default/web', field: 'spec.ports[0].port', message: expect.stringMatching(/expected a number, got a string \("80"\)/) }),
    ]);
  });

  it('reports an object defined in two files and keeps the later one', async () => {
    await writeFile(join(dir, 'a.yaml'), service('dup', 80));
    await writeFile(join(dir, 'b.yaml'), service('dup', 81));
    const recorder = new Recorder();
    const warned: string[] = [];
    const logger = { info: () => undefined, warn: (_fields: object, message: string) => void warned.push(message), error: () => undefined, debug: () => undefined };
    provider = new FileProvider({ paths: [dir], watch: false, logger: logger as unknown as ConstructorParameters<typeof FileProvider>[0]['logger'] });
    await provider.start(recorder.push);
    const [svc] = recorder.latest.resources.list('Service');
    expect(svc.spec?.ports?.[0].port).toBe(81);
    expect(warned).toEqual([`Service default/dup is also defined in ${join(dir, 'a.yaml')}; the definition in ${join(dir, 'b.yaml')} is used`]);
    expect(recorder.latest.problems).toEqual([
      expect.objectContaining({ object: 'Service default/dup', message: expect.stringMatching(/also defined in/) }),
    ]);
  });

  it('keeps the statuses written back for the admin API', async () => {
    provider = new FileProvider({ paths: [dir], watch: false });
    await provider.start(() => undefined);
    const status = { apiVersion: 'v1', kind: 'Gateway', namespace: 'default', name: 'g', status: { conditions: [] } };
    await provider.writeStatus([status]);
    expect(provider.statuses()).toEqual([status]);
  });
});
