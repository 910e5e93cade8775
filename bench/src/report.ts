// Output format, one line per fact, stable for scripts:
//   bench: NAME VALUE UNIT
//   target: NAME <= LIMIT UNIT met|not met|not comparable (quick run)
//   note: NAME free text
//   bench-skipped: NAME reason

export interface Target {
  limit: number;
  unit: string;
}

export const TARGETS: Record<string, Target> = {
  translate_large_ms: { limit: 150, unit: 'ms' },
  incremental_one_route_ms: { limit: 20, unit: 'ms' },
  fanout_1000_streams_p99_ms: { limit: 250, unit: 'ms' },
  rss_per_route_kb: { limit: 30, unit: 'kb' },
  encode_floor_ratio: { limit: 3, unit: 'x' },
};

function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 1 : abs >= 1 ? 2 : 3;
  return value.toFixed(digits);
}

export class Reporter {
  constructor(
    private readonly quick: boolean,
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {}

  figure(name: string, value: number, unit: string): void {
    this.write(`bench: ${name} ${formatValue(value)} ${unit}`);
    const target = TARGETS[name];
    if (!target) return;
    const verdict = this.quick ? 'not comparable (quick run)' : value <= target.limit ? 'met' : 'not met';
    this.write(`target: ${name} <= ${target.limit} ${target.unit} ${verdict}`);
  }

  note(name: string, text: string): void {
    this.write(`note: ${name} ${text}`);
  }

  skipped(name: string, reason: string): void {
    this.write(`bench-skipped: ${name} ${reason}`);
  }
}
