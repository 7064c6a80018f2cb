import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // 2-core machines: keep parallelism modest so timing-based tests stay calm.
    maxWorkers: 2,
    // global.gc for the soak test's heap check (test/reliability/soak.test.ts).
    execArgv: ['--expose-gc'],
  },
})
