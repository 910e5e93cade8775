// The cache patches a group's virtual_host view in place from one snapshot to the next. Through
// a sequence of edits (hosts changed, added, removed, a whole Gateway gone and back), the view
// and the change set must be what a fresh cache computes: the hosts of each snapshot, and the
// difference between two consecutive ones.
import { describe, expect, it } from 'vitest';
import type { XdsBuildResult } from '@portico/xds';
import { SnapshotCache } from '../src/index.js';
import { pipeline } from './support/pipeline.js';

const GROUP = 'e2e/mesh';

function build(edit: (yaml: string) => string = (yaml) => yaml): XdsBuildResult {
  return pipeline({ fixture: 'echo-routes.yaml', values: { PORT_A: 1001, PORT_B: 1002 }, edit }).xds;
}

const hostsOf = (cache: SnapshotCache, group = GROUP) => new Map([...cache.group(group).virtual_host].map(([name, host]) => [name, host.version]));

function fresh(result: XdsBuildResult): SnapshotCache {
  const cache = new SnapshotCache({ vhds: true });
  cache.setSnapshot(result);
  return cache;
}

const withoutSplit = (yaml: string) => yaml.replace(/# Weighted split[\s\S]*?---\n/, '');
const moreHosts = (yaml: string) => yaml.replace('hostnames: ["split.test"]', 'hostnames: ["split.test", "a.test", "z.test"]');
const weights = (a: number, b: number) => (yaml: string) => yaml.replace('weight: 80', `weight: ${a}`).replace('weight: 20', `weight: ${b}`);
const noGateway = (yaml: string) => yaml.replace('name: mesh\n  namespace: e2e', 'name: other\n  namespace: e2e');

describe('SnapshotCache VHDS views', () => {
  it('patches the virtual_host view to what a fresh cache holds, with the change set between them', () => {
    const steps = [
      build(),
      build(weights(50, 50)),
      build(moreHosts),
      build((yaml) => weights(10, 90)(moreHosts(yaml))),
      build(withoutSplit),
      build(noGateway),
      build(),
      build(weights(50, 50)),
    ];
    const cache = new SnapshotCache({ vhds: true });
    let previous = new Map<string, string>();
    steps.forEach((result, step) => {
      const change = cache.setSnapshot(result);
      const reference = fresh(result);
      const expected = hostsOf(reference);
      expect(hostsOf(cache), `step ${step}`).toEqual(expected);
      // Versions computed from the last build's hashes by position equal those computed afresh.
      for (const type of ['route', 'vhds_route'] as const) {
        const versions = (c: SnapshotCache) => new Map([...c.group(GROUP)[type]].map(([name, r]) => [name, r.version]));
        expect(versions(cache), `step ${step} ${type}`).toEqual(versions(reference));
      }
      const hostChange = change.groups.get(GROUP)?.virtual_host;
      const changed = [...expected].filter(([name, version]) => previous.get(name) !== version).map(([name]) => name);
      const removed = [...previous.keys()].filter((name) => !expected.has(name));
      expect([...(hostChange?.changed ?? [])].sort(), `step ${step} changed`).toEqual(changed.sort());
      expect([...(hostChange?.removed ?? [])].sort(), `step ${step} removed`).toEqual(removed.sort());
      previous = expected;
    });
    // The sequence did exercise edits, additions, removals and a group going away.
    expect(steps.length).toBe(8);
  });

  it('fills the views for the current snapshot when the first VHDS stream arrives', () => {
    const cache = new SnapshotCache();
    cache.setSnapshot(build(moreHosts));
    expect(cache.group(GROUP).virtual_host.size).toBe(0);
    cache.enableVhds();
    expect(hostsOf(cache)).toEqual(hostsOf(fresh(build(moreHosts))));
    expect(hostsOf(cache).size).toBe(4);
    const [route] = [...cache.group(GROUP).vhds_route.values()];
    expect(route?.version).not.toBe(cache.group(GROUP).route.get(route?.name ?? '')?.version);
  });
});
