import { defineConfig } from 'vitest/config'

// End-to-end: the real Claude Code CLI → built anyclaude (dist/) → scripted fake backends.
// Run with `npm run test:e2e`; the unit config excludes test/e2e/**.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Each claude run is a native process: two test files at a time suit a 2-core machine.
    maxWorkers: 2,
    // Scenarios inside a file share a proxy and run in order.
    sequence: { concurrent: false },
  },
})
