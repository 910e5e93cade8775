// How many cases a property test runs, and from which seed. CI runs each property with the
// count and the fixed seed its test gives, so a run is the same every time. A longer run
// (`npm run fuzz`) finds what those counts do not reach:
//
//   PORTICO_FUZZ_SCALE=N   runs N times as many cases (vitest.config.ts gives each test N
//                          times as long)
//   PORTICO_FUZZ_SEED=S    starts from seed S instead of each test's own; `random` lets
//                          fast-check draw one, which it prints with any failure
//
// A failure prints its seed: the same seed through PORTICO_FUZZ_SEED, at the same scale, draws
// the same cases and fails at the same one.

export interface FuzzParameters {
  numRuns: number;
  seed?: number;
}

/** The factor PORTICO_FUZZ_SCALE asks for (1 when unset); vitest.config.ts scales the time limits with it. */
export function fuzzScale(): number {
  const raw = process.env.PORTICO_FUZZ_SCALE;
  if (raw === undefined || raw === '') return 1;
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`PORTICO_FUZZ_SCALE: "${raw}" is not a positive number`);
  return scale;
}

/** fast-check parameters: the test's own count and seed, unless the environment asks for others. */
export function fuzzParameters(numRuns: number, seed: number): FuzzParameters {
  const runs = Math.max(1, Math.round(numRuns * fuzzScale()));
  const raw = process.env.PORTICO_FUZZ_SEED;
  if (raw === undefined || raw === '') return { numRuns: runs, seed };
  if (raw === 'random') return { numRuns: runs };
  const chosen = Number(raw);
  if (!Number.isInteger(chosen)) throw new Error(`PORTICO_FUZZ_SEED: "${raw}" is not an integer or "random"`);
  return { numRuns: runs, seed: chosen };
}
