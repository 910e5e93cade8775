import { describe, expect, it } from 'vitest';
import { hostnamesOverlap } from '../src/gateway/conflicts.js';
import { effectiveHostnames, hostnameCovers, intersectHostnames, moreSpecific } from '../src/routes/hostnames.js';

describe('hostname intersection', () => {
  it('wildcards match one or more labels but never the bare suffix', () => {
    expect(hostnameCovers('*.example.com', 'foo.example.com')).toBe(true);
    expect(hostnameCovers('*.example.com', 'a.b.example.com')).toBe(true);
    expect(hostnameCovers('*.example.com', 'example.com')).toBe(false);
    expect(hostnameCovers('*.example.com', 'fooexample.com')).toBe(false);
    expect(hostnameCovers('*.example.com', '*.foo.example.com')).toBe(true);
    expect(hostnameCovers('*.foo.example.com', '*.example.com')).toBe(false);
  });

  it('intersects listener and route hostnames per the spec table', () => {
    expect(intersectHostnames(undefined, 'foo.com')).toBe('foo.com');
    expect(intersectHostnames('foo.com', undefined)).toBe('foo.com');
    expect(intersectHostnames('foo.com', 'foo.com')).toBe('foo.com');
    expect(intersectHostnames('foo.com', 'bar.com')).toBeNull();
    expect(intersectHostnames('*.example.com', 'foo.example.com')).toBe('foo.example.com');
    expect(intersectHostnames('foo.example.com', '*.example.com')).toBe('foo.example.com');
    expect(intersectHostnames('*.example.com', '*.foo.example.com')).toBe('*.foo.example.com');
    expect(intersectHostnames('*.foo.example.com', '*.example.com')).toBe('*.foo.example.com');
    expect(intersectHostnames('*.example.com', '*.example.org')).toBeNull();
  });

  it('keeps only the intersecting route hostnames, lower-cased and deduplicated', () => {
    expect(effectiveHostnames('*.example.com', ['Foo.Example.com', 'foo.example.com', 'bar.org', '*.example.com'])).toEqual([
      'foo.example.com',
      '*.example.com',
    ]);
    expect(effectiveHostnames(undefined, [])).toEqual(['*']);
    expect(effectiveHostnames('a.com', [])).toEqual(['a.com']);
    expect(effectiveHostnames('a.com', ['b.com'])).toEqual([]);
  });

  it('orders listener hostnames exact > longer wildcard > shorter wildcard > empty', () => {
    expect(moreSpecific('foo.example.com', '*.example.com')).toBe(true);
    expect(moreSpecific('*.foo.example.com', '*.example.com')).toBe(true);
    expect(moreSpecific('*.example.com', undefined)).toBe(true);
    expect(moreSpecific(undefined, '*.example.com')).toBe(false);
    expect(moreSpecific('a.com', 'b.com')).toBe(false);
  });
});

describe('hostnamesOverlap (OverlappingTLSConfig)', () => {
  it('matches Gateway API listener semantics', () => {
    expect(hostnamesOverlap('foo.example.com', '*.example.com')).toBe(true);
    expect(hostnamesOverlap('*.example.com', 'a.b.example.com')).toBe(true);
    expect(hostnamesOverlap('*.example.com', '*.foo.example.com')).toBe(true);
    expect(hostnamesOverlap(undefined, 'foo.example.org')).toBe(true);
    expect(hostnamesOverlap('foo.example.com', 'foo.example.org')).toBe(false);
    expect(hostnamesOverlap('*.example.com', 'example.com')).toBe(false);
    expect(hostnamesOverlap('*.example.com', '*.example.org')).toBe(false);
    expect(hostnamesOverlap('*.example.com', 'fooexample.com')).toBe(false);
  });
});
