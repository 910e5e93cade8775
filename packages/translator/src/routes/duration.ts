// Gateway API durations (GEP-2257): one to four <number><unit> parts, numbers of one to five
// digits, units h, m, s, ms (the CRD's ^([0-9]{1,5}(h|m|s|ms)){1,4}$).

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** Milliseconds, or undefined when the string is not a valid Gateway API duration. */
export function parseDurationMs(value: string): number | undefined {
  // Scanned by hand: every rule's timeouts and retry backoff are parsed, and a regular
  // expression iterator allocated match objects for each part.
  let total = 0;
  let i = 0;
  let parts = 0;
  if (value.length === 0) return undefined;
  while (i < value.length) {
    const start = i;
    while (i < value.length && value.charCodeAt(i) >= 48 && value.charCodeAt(i) <= 57) i++;
    // Past the CRD's bounds a duration can outgrow what Envoy takes (it refuses the route table).
    if (i === start || i - start > 5 || ++parts > 4) return undefined;
    const amount = Number(value.slice(start, i));
    let unit: string;
    const c = value[i];
    if (c === 'm' && value[i + 1] === 's') unit = 'ms';
    else if (c === 'h' || c === 'm' || c === 's') unit = c;
    else return undefined;
    i += unit.length;
    total += amount * (UNIT_MS[unit] as number);
  }
  return total;
}
