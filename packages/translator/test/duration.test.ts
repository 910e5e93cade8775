import { describe, expect, it } from 'vitest';
import { parseDurationMs } from '../src/routes/duration.js';
import { sortInPlace } from '../src/util.js';

describe('parseDurationMs', () => {
  it.each([
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['10s', 10_000],
    ['250ms', 250],
    ['1m1ms', 60_001],
    ['0s', 0],
    ['1s500ms', 1500],
    ['99999h', 99_999 * 3_600_000],
    ['1h1m1s1ms', 3_661_001],
  ])('%s is %d ms', (value, ms) => expect(parseDurationMs(value)).toBe(ms));

  // Past the CRD's ^([0-9]{1,5}(h|m|s|ms)){1,4}$: six digits, five parts.
  it.each(['', 's', '1', '1d', '1.5s', '-1s', ' 1s', '1s ', '1mss', '1S', '1m s', '3000000h', '1h1m1s1ms1h'])('%j is not a duration', (value) => {
    expect(parseDurationMs(value)).toBeUndefined();
  });
});

describe('sortInPlace', () => {
  it('orders like a stable Array.prototype.sort, short and long', () => {
    for (const length of [0, 1, 2, 5, 16, 17, 40]) {
      const items = Array.from({ length }, (_, i) => ({ key: (i * 7919) % 5, index: i }));
      const expected = [...items].sort((a, b) => a.key - b.key);
      expect(sortInPlace([...items], (a, b) => a.key - b.key)).toEqual(expected);
    }
  });
});
