#!/usr/bin/env node
/**
 * @module scripts/e2e: `npm run test:e2e` (after the build). Runs the end-to-end suite
 * (test/e2e/*.test.ts, vitest.e2e.config.ts): the real Claude Code CLI, installed on first use
 * into .anyclaude-e2e/, against the built proxy and scripted fake backends.
 * Extra arguments go to vitest, e.g. `npm run test:e2e -- -t continue`.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url))
const started = Date.now()

const child = spawn(
  process.execPath,
  [vitest, 'run', '--config', 'vitest.e2e.config.ts', ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
)
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))

child.on('exit', (code, signal) => {
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  const ok = code === 0
  const why = signal ? `killed by ${signal}` : `vitest exit code ${code}`
  process.stdout.write(`\ne2e: ${ok ? 'passed' : `FAILED (${why})`} in ${seconds} s\n`)
  process.exit(ok ? 0 : code || 1)
})
