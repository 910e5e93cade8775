import { describe, expect, it } from 'vitest';
import { isolateFailingObjects } from '../src/isolate.js';

interface Item {
  kind: string;
  name: string;
}

const items = (count: number, kind = 'HTTPRoute'): Item[] => Array.from({ length: count }, (_, i) => ({ kind, name: `r${i}` }));
const noLimits = { maxLeftOut: 8, deadline: Number.POSITIVE_INFINITY };

/** A build that fails when every name of some culprit group is present. */
function failsWhen(groups: string[][]): { fails: (objects: readonly Item[]) => boolean; calls: () => number } {
  let calls = 0;
  return {
    fails: (objects) => {
      calls++;
      const names = new Set(objects.map((o) => o.name));
      return groups.some((group) => group.every((name) => names.has(name)));
    },
    calls: () => calls,
  };
}

describe('isolateFailingObjects', () => {
  it('finds one culprit among a thousand objects in about log2(n) builds', async () => {
    const build = failsWhen([['r613']]);
    expect((await isolateFailingObjects(items(1000), build.fails, noLimits))?.map((o) => o.name)).toEqual(['r613']);
    expect(build.calls()).toBeLessThanOrEqual(14);
  });

  it('leaves out one object of each failing group, the latest in blame order', async () => {
    // A Gateway and a route fail only together: the route goes, the Gateway (every route's) stays.
    const objects = [{ kind: 'HTTPRoute', name: 'route' }, { kind: 'Gateway', name: 'gateway' }, ...items(50, 'Service'), { kind: 'EndpointSlice', name: 'slice' }];
    const build = failsWhen([['gateway', 'route'], ['slice']]);
    expect((await isolateFailingObjects(objects, build.fails, noLimits))?.map((o) => o.name).sort()).toEqual(['route', 'slice']);
  });

  it('gives up when the build fails with no object at all, or when too many would have to go', async () => {
    expect(await isolateFailingObjects(items(10), () => true, noLimits)).toBeUndefined();
    const many = failsWhen(items(10).map((o) => [o.name]));
    expect(await isolateFailingObjects(items(10), many.fails, { ...noLimits, maxLeftOut: 3 })).toBeUndefined();
    expect(await isolateFailingObjects(items(10), failsWhen([['r1']]).fails, { ...noLimits, deadline: 0 })).toBeUndefined();
  });

  it('leaves nothing out when the build does not fail', async () => {
    expect(await isolateFailingObjects(items(10), () => false, noLimits)).toEqual([]);
  });
});
