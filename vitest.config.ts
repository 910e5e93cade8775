import { defineConfig } from 'vitest/config';

// `npm run fuzz` runs the property tests with PORTICO_FUZZ_SCALE times their cases
// (packages/test-support/src/fuzz.ts); they get as many times the time.
const fuzzScale = Math.max(1, Number(process.env.PORTICO_FUZZ_SCALE) || 1);

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'bench/test/**/*.test.ts'],
    testTimeout: 20_000 * fuzzScale,
    hookTimeout: 20_000,
    // ADS/e2e tests bind loopback ports; keep files isolated but parallel.
    pool: 'forks',
  },
});
