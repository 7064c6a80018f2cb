/**
 * @module test/e2e/global-setup: once per run, before any test file: the pinned Claude Code is
 * installed (or found in the cache) and anyclaude is built.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { ensureClaude } from './harness/claude.js'
import { REPO_ROOT } from './harness/proxy.js'

export default function setup(): void {
  if (!existsSync(join(REPO_ROOT, 'dist', 'cli.js')))
    throw new Error('dist/cli.js is missing: run `npm run test:e2e` (it builds first)')
  ensureClaude((line) => process.stderr.write(`e2e: ${line}\n`))
}
