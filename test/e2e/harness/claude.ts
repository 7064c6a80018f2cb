/**
 * @module test/e2e/harness/claude: installs the pinned Claude Code into a cache folder and runs it
 * headless (`-p ... --output-format json`) against anyclaude, in a hermetic environment.
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { captureOutput } from '../../helpers/output.js'
import { CLAUDE_CODE_VERSION } from '../claude-version.js'
import { REPO_ROOT } from './proxy.js'

/** `.anyclaude-e2e/claude-<version>/` in the repository (gitignored). */
export const CLAUDE_DIR = join(REPO_ROOT, '.anyclaude-e2e', `claude-${CLAUDE_CODE_VERSION}`)
export const CLAUDE_BIN = join(CLAUDE_DIR, 'node_modules', '.bin', 'claude')

function installedVersion(): string | undefined {
  try {
    const pkg = join(CLAUDE_DIR, 'node_modules', '@anthropic-ai', 'claude-code', 'package.json')
    return (JSON.parse(readFileSync(pkg, 'utf8')) as { version?: string }).version
  } catch {
    return undefined
  }
}

/**
 * Installs `@anthropic-ai/claude-code@CLAUDE_CODE_VERSION` into {@link CLAUDE_DIR} unless that
 * version is already there, and checks that the binary runs.
 * @returns the path of the `claude` executable
 */
export function ensureClaude(log: (line: string) => void = () => {}): string {
  if (installedVersion() !== CLAUDE_CODE_VERSION || !existsSync(CLAUDE_BIN)) {
    log(`installing @anthropic-ai/claude-code@${CLAUDE_CODE_VERSION} into ${CLAUDE_DIR}`)
    rmSync(CLAUDE_DIR, { recursive: true, force: true })
    mkdirSync(CLAUDE_DIR, { recursive: true })
    // Indented like npm writes it, so Biome's `check .` accepts the file npm rewrites.
    writeFileSync(
      join(CLAUDE_DIR, 'package.json'),
      `${JSON.stringify({ private: true }, null, 2)}\n`,
    )
    execFileSync(
      'npm',
      [
        'install',
        '--prefix',
        CLAUDE_DIR,
        `@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}`,
        '--save-exact',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
      ],
      { stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 },
    )
  }
  const version = execFileSync(CLAUDE_BIN, ['--version'], {
    encoding: 'utf8',
    timeout: 60_000,
  }).trim()
  if (!version.startsWith(CLAUDE_CODE_VERSION))
    throw new Error(`${CLAUDE_BIN} --version says "${version}", expected ${CLAUDE_CODE_VERSION}`)
  return CLAUDE_BIN
}

/** Claude Code's `--output-format json` result (the fields the suite reads). */
export type ClaudeResult = {
  type?: string
  subtype?: string
  is_error?: boolean
  result?: string
  num_turns?: number
  session_id?: string
  [key: string]: unknown
}

export type ClaudeRun = {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** The parsed result line, when stdout has one. */
  json: ClaudeResult | undefined
  ms: number
}

export type RunOptions = {
  /** anyclaude's base URL. */
  baseUrl: string
  prompt: string
  /** The working folder (Claude Code's tools act there). */
  cwd: string
  /** HOME for Claude Code; reuse it (with the same cwd) for `--continue`. */
  home: string
  args?: string[]
  timeoutMs?: number
  /** Called with the running process (e.g. to kill it mid-answer). */
  onSpawn?: (kill: (signal?: NodeJS.Signals) => void) => void
}

/** A fresh working folder and HOME under the system temp folder. */
export function makeWorkspace(label: string): { cwd: string; home: string; cleanup(): void } {
  const root = mkdtempSync(join(tmpdir(), `anyclaude-e2e-${label}-`))
  const cwd = join(root, 'work')
  const home = join(root, 'home')
  mkdirSync(cwd)
  mkdirSync(home)
  return { cwd, home, cleanup: () => rmSync(root, { recursive: true, force: true }) }
}

/**
 * The environment every Claude Code run here starts from (`env -i`-style, temp HOME): IS_SANDBOX=1
 * (the skip-permissions flag refuses root without it), no retries, no telemetry or updates.
 */
export const baseClaudeEnv = (home: string): Record<string, string> => ({
  PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
  HOME: home,
  LANG: 'C.UTF-8',
  TERM: 'dumb',
  SHELL: '/bin/bash',
  IS_SANDBOX: '1',
  // Fail fast: with its default retries Claude Code keeps retrying a dead server for minutes.
  CLAUDE_CODE_MAX_RETRIES: '0',
  DISABLE_TELEMETRY: '1',
  DISABLE_AUTOUPDATER: '1',
})

/**
 * Runs `claude -p PROMPT --dangerously-skip-permissions --output-format json < /dev/null` the way
 * ../shared/fixtures/claude-code/README.md records it: `env -i`-style environment, temp HOME,
 * IS_SANDBOX=1 (the skip-permissions flag refuses root without it), no retries, no telemetry.
 */
export function runClaude(opts: RunOptions): Promise<ClaudeRun> {
  const env: Record<string, string> = {
    ...baseClaudeEnv(opts.home),
    ANTHROPIC_BASE_URL: opts.baseUrl,
    ANTHROPIC_AUTH_TOKEN: 'anyclaude',
    ANTHROPIC_MODEL: 'anyclaude-local',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_ATTRIBUTION_HEADER: '0',
  }
  const args = [
    '-p',
    opts.prompt,
    '--dangerously-skip-permissions',
    '--output-format',
    'json',
    ...(opts.args ?? []),
  ]
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(CLAUDE_BIN, args, { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    const out = captureOutput(child)
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 90_000)
    opts.onSpawn?.((signal = 'SIGTERM') => child.kill(signal))
    child.once('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      let json: ClaudeResult | undefined
      const { stdout, stderr } = out
      for (const line of stdout.split('\n').reverse()) {
        if (!line.trim().startsWith('{')) continue
        try {
          json = JSON.parse(line) as ClaudeResult
          break
        } catch {
          // not the result line
        }
      }
      resolve({ code, signal, stdout, stderr, json, ms: Date.now() - started })
    })
  })
}

/** For assertion messages: what Claude Code said. */
export const describeRun = (run: ClaudeRun): string =>
  `exit ${run.code ?? run.signal} after ${run.ms} ms\nstdout: ${run.stdout.slice(0, 2000)}\nstderr: ${run.stderr.slice(0, 2000)}`
