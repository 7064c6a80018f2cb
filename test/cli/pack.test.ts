/**
 * The published package: `npm pack`, installed into an empty folder (dependencies come from the
 * registry or npm's cache), then `npx anyclaude --help` there. Slow, so kept in its own file.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, cleanEnv, ROOT, removeTempDirs, tempDir } from './helpers.js'

const run = promisify(execFile)
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx'

beforeAll(assertBuilt)
afterAll(removeTempDirs)

describe('npm pack', () => {
  it('installs into an empty folder and `npx anyclaude --help` works there', {
    timeout: 300_000,
  }, async () => {
    const env = cleanEnv({
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    })
    const packDir = tempDir('anyclaude-pack-')
    const { stdout } = await run(npm, ['pack', '--json', '--pack-destination', packDir], {
      cwd: ROOT,
      env,
      maxBuffer: 16 * 1024 * 1024,
    })
    const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[]
    const paths = info!.files.map((f) => f.path)
    expect(paths).toContain('dist/cli.js')
    expect(paths).toContain('package.json')
    expect(paths.some((p) => p.startsWith('src/') || p.startsWith('test/'))).toBe(false)

    const app = tempDir('anyclaude-install-')
    await run(
      npm,
      [
        'install',
        join(packDir, info!.filename),
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--omit=dev',
      ],
      {
        cwd: app,
        env,
        maxBuffer: 16 * 1024 * 1024,
      },
    )
    expect(existsSync(join(app, 'node_modules', '.bin', 'anyclaude'))).toBe(true)

    const help = await run(npx, ['--no', '--', 'anyclaude', '--help'], { cwd: app, env })
    expect(help.stdout).toContain('anyclaude: run Claude Code on local models')
    expect(help.stdout).toContain('anyclaude doctor')
    const version = await run(npx, ['--no', '--', 'anyclaude', '--version'], { cwd: app, env })
    expect(version.stdout.trim()).toMatch(/^anyclaude \d+\.\d+\.\d+/)
  })
})
