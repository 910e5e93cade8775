import { describe, expect, it } from 'vitest';
import { re2Problem } from '../src/routes/matches.js';

describe('re2Problem', () => {
  it('judges by RE2, and gives the same answer when asked again (answers are remembered)', () => {
    for (let round = 0; round < 2; round++) {
      expect(re2Problem('(?i)/API/(?P<v>v[[:digit:]]+)\\z')).toBeUndefined();
      expect(re2Problem('/docs(?!/private)')).toBe('invalid or unsupported Perl syntax: `(?!`');
      expect(re2Problem('(a)\\1')).toBe('invalid escape sequence: `\\1`');
      expect(re2Problem('a{1001}')).toBe('invalid repeat count: `{1001}`');
      expect(re2Problem('')).toBe('an empty pattern');
    }
  });

  it('keeps answering once more patterns were asked than it remembers', () => {
    for (let i = 0; i < 9000; i++) expect(re2Problem(`/p${i}/[0-9]+`)).toBeUndefined();
    expect(re2Problem('/p1/[0-9')).toMatch(/missing closing \]/);
    expect(re2Problem('/p1/[0-9]+')).toBeUndefined();
  });
});
