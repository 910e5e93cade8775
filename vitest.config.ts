import { defineConfig } from 'vitest/config';
import { fuzzScale } from './packages/test-support/src/fuzz.js';

// `npm run fuzz` runs the property tests with PORTICO_FUZZ_SCALE times their cases; they get as
// many times the time (never less than the usual).
const timeScale = Math.max(1, fuzzScale());

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'bench/test/**/*.test.ts'],
    testTimeout: 20_000 * timeScale,
    hookTimeout: 20_000,
    // ADS/e2e tests bind loopback ports; keep files isolated but parallel.
    pool: 'forks',
  },
});
