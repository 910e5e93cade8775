import { describe, expect, it } from 'vitest';
import { ResourceSet, type Service } from '../src/index.js';

function service(namespace: string, name: string, label = ''): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace, name, labels: { label } } } as Service;
}

const keys = (set: ResourceSet): string[] => set.list('Service').map((s) => `${s.metadata.namespace}/${s.metadata.name}=${s.metadata.labels?.label ?? ''}`);

describe('ResourceSet', () => {
  it('keeps the last object of a key, as upsert does, in lists, lookups and the size', () => {
    const set = ResourceSet.from([service('ns', 'b', '1'), service('ns', 'a'), service('ns', 'b', '2'), { kind: 'Unknown' }]);
    expect(keys(set)).toEqual(['ns/a=', 'ns/b=2']);
    expect(set.get('Service', 'ns', 'b')?.metadata.labels?.label).toBe('2');
    expect(set.size).toBe(2);
    set.upsert(service('ns', 'a', '3'));
    set.upsert(service('a', 'z'));
    expect(keys(set)).toEqual(['a/z=', 'ns/a=3', 'ns/b=2']);
    expect(set.delete('Service', 'ns', 'b')).toBe(true);
    expect(set.delete('Service', 'ns', 'b')).toBe(false);
    expect(keys(set)).toEqual(['a/z=', 'ns/a=3']);
    expect(set.size).toBe(2);
  });

  it('maps objects, reusing what an earlier mapping gave for objects at the same position', () => {
    const a = service('ns', 'a');
    const b = service('ns', 'b');
    const first = ResourceSet.from([b, a]);
    const calls: string[] = [];
    const atPosition: Array<string | undefined> = [];
    const replace = (object: Service, before?: Service): Service => {
      calls.push(object.metadata.name);
      atPosition.push(before && `${before.metadata.name}=${before.metadata.labels?.label ?? ''}`);
      return { ...object, metadata: { ...object.metadata, labels: { label: `mapped-${object.metadata.labels?.label ?? ''}` } } };
    };
    const mapped = first.mapObjects((object, before) => replace(object as Service, before as Service | undefined));
    expect(keys(mapped)).toEqual(['ns/a=mapped-', 'ns/b=mapped-']);
    expect(atPosition).toEqual([undefined, undefined]);
    const b2 = service('ns', 'b', 'new');
    calls.length = 0;
    atPosition.length = 0;
    const again = ResourceSet.from([b2, a]).mapObjects((object, before) => replace(object as Service, before as Service | undefined), mapped);
    expect(calls).toEqual(['b']);
    // What the earlier mapping gave at the position of the new object.
    expect(atPosition).toEqual(['b=mapped-']);
    expect(again.get('Service', 'ns', 'a')).toBe(mapped.get('Service', 'ns', 'a'));
    expect(keys(again)).toEqual(['ns/a=mapped-', 'ns/b=mapped-new']);
    // Another order of the same objects: positions no longer match, so everything is mapped again.
    calls.length = 0;
    atPosition.length = 0;
    ResourceSet.from([a, b2]).mapObjects((object, before) => replace(object as Service, before as Service | undefined), again);
    expect(calls).toEqual(['a', 'b']);
    expect(atPosition).toEqual(['b=mapped-new', 'a=mapped-']);
  });

  it('takes over an earlier order only where the keys are the same at the same positions', () => {
    const earlier = ResourceSet.from([service('ns', 'c'), service('ns', 'a'), service('ns', 'b')]);
    expect(keys(earlier)).toEqual(['ns/a=', 'ns/b=', 'ns/c=']);
    const changed = ResourceSet.from([service('ns', 'c', '1'), service('ns', 'a'), service('ns', 'b', '2')]);
    changed.adoptOrderFrom(earlier);
    expect(keys(changed)).toEqual(['ns/a=', 'ns/b=2', 'ns/c=1']);
    const renamed = ResourceSet.from([service('ns', 'c'), service('ns', 'd'), service('ns', 'b')]);
    renamed.adoptOrderFrom(earlier);
    expect(keys(renamed)).toEqual(['ns/b=', 'ns/c=', 'ns/d=']);
    const same = ResourceSet.from(earlier.list('Service').reverse());
    same.adoptOrderFrom(earlier);
    expect(keys(same)).toEqual(['ns/a=', 'ns/b=', 'ns/c=']);
    // Objects added and removed between a common beginning and end: the others keep their order.
    const base = ['m', 'c', 'x', 'a', 'q'].map((name) => service('ns', name));
    const previous = ResourceSet.from(base);
    expect(keys(previous)).toEqual(['ns/a=', 'ns/c=', 'ns/m=', 'ns/q=', 'ns/x=']);
    const grown = ResourceSet.from([...base.slice(0, 2), service('ns', 'b'), service('ns', 'z'), ...base.slice(3), service('ns', '0')]);
    grown.adoptOrderFrom(previous);
    expect(keys(grown)).toEqual(['ns/0=', 'ns/a=', 'ns/b=', 'ns/c=', 'ns/m=', 'ns/q=', 'ns/z=']);
    const shrunk = ResourceSet.from(base.slice(1, 4));
    shrunk.adoptOrderFrom(previous);
    expect(keys(shrunk)).toEqual(['ns/a=', 'ns/c=', 'ns/x=']);
    const duplicated = ResourceSet.from([...base, service('ns', 'c', 'again')]);
    duplicated.adoptOrderFrom(previous);
    expect(keys(duplicated)).toEqual(['ns/a=', 'ns/c=again', 'ns/m=', 'ns/q=', 'ns/x=']);
    expect(duplicated.size).toBe(5);
    // A set that took over a lookup table can still change without changing the other.
    const objects = [service('ns', 'c'), service('ns', 'a')];
    const one = ResourceSet.from(objects);
    expect(one.get('Service', 'ns', 'a')).toBe(objects[1]);
    expect(one.list('Service')).toEqual([objects[1], objects[0]]);
    const two = ResourceSet.from(objects);
    two.adoptOrderFrom(one);
    two.upsert(service('ns', 'a', 'x'));
    expect(one.get('Service', 'ns', 'a')?.metadata.labels?.label).toBe('');
    expect(two.get('Service', 'ns', 'a')?.metadata.labels?.label).toBe('x');
  });
});
