import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { PorticoMetrics } from '@portico/admin';
import type { ResourceSet } from '@portico/api';
import type { XdsBuildResult } from '@portico/xds';
import { loadFiles } from '../src/common.js';
import { ControlPlane } from '../src/control-plane.js';
import { QUICKSTART } from './helpers.js';

// A stand-in for a translator bug: translate throws whenever its input holds the object the test
// names. Everything else is the real translator.
const fault = vi.hoisted(() => ({ when: (_resources: ResourceSet, _options: { memo?: unknown }): boolean => false, calls: 0 }));
vi.mock('@portico/translator', async (importOriginal) => {
  const original = await importOriginal<typeof import('@portico/translator')>();
  return {
    ...original,
    translate: (resources: ResourceSet, options: Parameters<typeof original.translate>[1]) => {
      fault.calls++;
      if (fault.when(resources, options)) throw new Error('simulated translator bug');
      return original.translate(resources, options);
    },
  };
});

function controlPlane(served: XdsBuildResult[], onStatus?: () => Promise<void>, metrics = new PorticoMetrics({ defaultMetrics: false })): ControlPlane {
  return new ControlPlane({
    controllerName: 'portico.dev/gateway-controller',
    logger: pino({ level: 'silent' }),
    metrics,
    sink: { setSnapshot: (result) => void served.push(result) },
    ...(onStatus ? { onStatus } : {}),
  });
}

async function quickstartWithPoison(): Promise<{ resources: ResourceSet; problems: [] }> {
  const { resources } = await loadFiles([QUICKSTART]);
  const web = resources.get('HTTPRoute', 'default', 'web');
  expect(web).toBeDefined();
  resources.upsert({ ...web!, metadata: { ...web!.metadata, name: 'poison' }, spec: { ...web!.spec, hostnames: ['poison.example.com'] } });
  return { resources, problems: [] };
}

const holdsPoison = (resources: ResourceSet): boolean => resources.get('HTTPRoute', 'default', 'poison') !== undefined;
const routeNames = (plane: ControlPlane): string[] =>
  (plane.current()?.statuses ?? []).filter((s) => s.kind === 'HTTPRoute').map((s) => s.name).sort();

describe('ControlPlane: a build that throws', () => {
  it('leaves out the object that sets it off, reports it, and serves everything else', async () => {
    fault.when = holdsPoison;
    const served: XdsBuildResult[] = [];
    const metrics = new PorticoMetrics({ defaultMetrics: false });
    const plane = controlPlane(served, undefined, metrics);
    const snapshot = await quickstartWithPoison();
    // The search lets other work (the servers') run between its builds.
    let otherWorkRan = false;
    setImmediate(() => (otherWorkRan = true));
    await plane.apply(snapshot);
    expect(otherWorkRan).toBe(true);
    // The failed attempt counts as a failed build, and the input problem is counted.
    const exposition = await metrics.registry.metrics();
    expect(exposition).toMatch(/^portico_translate_errors_total 1$/m);
    expect(exposition).toMatch(/^portico_input_problems 1$/m);
    expect(plane.lastBuildError()).toBeUndefined();
    expect(served).toHaveLength(1);
    expect(routeNames(plane)).toEqual(['redirect-old', 'web']);
    expect(plane.current()?.problems).toEqual([
      expect.objectContaining({ object: 'HTTPRoute default/poison', message: expect.stringContaining('left out of the configuration: building with it failed (simulated translator bug)') }),
    ]);

    // The same object in the next snapshot is left out at once: one translation, no search.
    fault.calls = 0;
    await plane.apply(snapshot);
    expect(fault.calls).toBe(1);
    expect(routeNames(plane)).toEqual(['redirect-old', 'web']);
    expect(plane.current()?.problems).toHaveLength(1);

    // Once the object changes it is tried again; fixed, it is served and the problem goes.
    fault.when = () => false;
    const fixed = snapshot.resources.clone();
    const poison = fixed.get('HTTPRoute', 'default', 'poison')!;
    fixed.upsert({ ...poison, metadata: { ...poison.metadata, generation: 2 } });
    await plane.apply({ resources: fixed, problems: [] });
    expect(routeNames(plane)).toEqual(['poison', 'redirect-old', 'web']);
    expect(plane.current()?.problems).toEqual([]);
  });

  it('builds again from scratch when only the memos of earlier builds make it fail', async () => {
    // A memo that fails once it has been through a build, as one left inconsistent would.
    const used = new WeakSet<object>();
    fault.when = (_resources, { memo }) => {
      if (!memo || typeof memo !== 'object') return false;
      if (used.has(memo)) return true;
      used.add(memo);
      return false;
    };
    const served: XdsBuildResult[] = [];
    const plane = controlPlane(served);
    const snapshot = await quickstartWithPoison();
    await plane.apply(snapshot);
    await plane.apply(snapshot);
    expect(plane.lastBuildError()).toBeUndefined();
    expect(served).toHaveLength(2);
    expect(routeNames(plane)).toEqual(['poison', 'redirect-old', 'web']);
    expect(plane.current()?.problems).toEqual([]);
  });

  it('does not look for objects to blame when writing status fails: the build itself got through', async () => {
    fault.when = () => false;
    const served: XdsBuildResult[] = [];
    const plane = controlPlane(served, () => Promise.reject(new Error('status write refused')));
    fault.calls = 0;
    await plane.apply(await quickstartWithPoison());
    expect(fault.calls).toBe(1);
    expect(served).toHaveLength(1);
    expect(plane.lastBuildError()).toBe('status write refused');
  });

  it('keeps the last configuration served when the build fails whatever the input', async () => {
    fault.when = () => false;
    const served: XdsBuildResult[] = [];
    const plane = controlPlane(served);
    const snapshot = await quickstartWithPoison();
    await plane.apply(snapshot);
    const version = plane.current()?.version;
    fault.when = () => true;
    await plane.apply(snapshot);
    expect(plane.lastBuildError()).toBe('simulated translator bug');
    expect(plane.current()?.version).toBe(version);
    expect(served).toHaveLength(1);
    // Fixed, the next build starts from fresh memos and serves again.
    fault.when = () => false;
    await plane.apply(snapshot);
    expect(plane.lastBuildError()).toBeUndefined();
    expect(routeNames(plane)).toEqual(['poison', 'redirect-old', 'web']);
  });
});
