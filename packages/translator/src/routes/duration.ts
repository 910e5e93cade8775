// Gateway API durations (GEP-2257): one or more <number><unit> with units h, m, s, ms.
const PART = /(\d+)(h|ms|m|s)/g;
const WHOLE = /^(\d+(h|ms|m|s))+$/;

/** Milliseconds, or undefined when the string is not a valid Gateway API duration. */
export function parseDurationMs(value: string): number | undefined {
  if (!WHOLE.test(value)) return undefined;
  let total = 0;
  for (const match of value.matchAll(PART)) {
    const amount = Number(match[1]);
    switch (match[2]) {
      case 'h':
        total += amount * 3_600_000;
        break;
      case 'm':
        total += amount * 60_000;
        break;
      case 's':
        total += amount * 1000;
        break;
      default:
        total += amount;
    }
  }
  return total;
}
