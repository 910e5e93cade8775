import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../src/backoff.js';

describe('retryDelayMs', () => {
  it('doubles from the base with each failure in a row, up to the cap, however long the outage', () => {
    expect([1, 2, 3, 4].map((failures) => retryDelayMs(failures, 500, 30_000))).toEqual([500, 1000, 2000, 4000]);
    expect(retryDelayMs(7, 500, 30_000)).toBe(30_000);
    expect(retryDelayMs(5000, 500, 30_000)).toBe(30_000);
    // A retry before any failure (a directory that went away between scan and watch) waits the base.
    expect(retryDelayMs(0, 250, 60_000)).toBe(250);
  });
});
