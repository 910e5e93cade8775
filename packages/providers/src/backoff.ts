/**
 * The wait before retrying after `failures` failures in a row (1 for the first): `baseMs`,
 * doubled for each failure before it, at most `maxMs`. Both providers' watches back off so.
 */
export function retryDelayMs(failures: number, baseMs: number, maxMs: number): number {
  // The exponent has a cap of its own: a long outage must not reach 2 ** 1024 (Infinity).
  return Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(0, failures - 1), 30));
}
