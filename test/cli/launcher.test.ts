/**
 * The launcher as a process, with a stand-in `claude` (a node script) that records what it was
 * given: arguments, environment, a live proxy; exit codes and signals pass through.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  cleanEnv,
  type FakeServer,
  kill,
  runCli,
  startCli,
  tempDir,
  useFakeServers,
  writeConfig,
  writeStandInClaude,
} from './helpers.js'

type Seen = {
  argv: string[]
  env: Record<string, string>
  health: { status?: string; backends?: { name: string; up: boolean }[] }
  answer?: { content?: { type: string; text?: string }[] }
}

let fake: FakeServer
let bin: string
let config: string
useFakeServers([{}], ([server]) => {
  fake = server
  const dir = tempDir()
  bin = join(dir, 'bin')
  mkdirSync(bin)
  writeStandInClaude(bin)
  config = writeConfig(dir, fake.url)
})

/** The stand-in first on PATH; TMPDIR (where the launcher's log file goes) a fresh folder. */
const envFor = (out: string, extra: Record<string, string | undefined> = {}) =>
  cleanEnv({
    PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
    TMPDIR: tempDir(),
    STANDIN_OUT: out,
    ...extra,
  })

describe('anyclaude (launcher)', () => {
  it('runs claude with its arguments and the proxy environment, and passes its exit code on', async () => {
    const out = join(tempDir(), 'seen.json')
    const run = await runCli(
      ['--config', config, '-p', 'hi', '--output-format', 'json'],
      envFor(out, {
        STANDIN_CODE: '7',
        STANDIN_ASK: 'hello',
        ANTHROPIC_API_KEY: 'sk-ant-real-key',
        ANTHROPIC_AUTH_TOKEN: 'real-token',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '0',
        CLAUDE_CODE_USE_BEDROCK: '1',
      }),
    )
    expect(run.code).toBe(7)
    // stdout belongs to Claude Code: nothing of anyclaude's own may be mixed in.
    expect(run.stdout).toBe('stand-in claude output\n')
    expect(run.stderr).toMatch(/anyclaude listening on http:\/\/127\.0\.0\.1:\d+/)
    expect(run.stderr).toContain(`✓ fake (mlx-lm) at ${fake.url}`)
    expect(run.stderr).toMatch(/anyclaude: log file \S+anyclaude-\d+\.log/)

    const seen = JSON.parse(readFileSync(out, 'utf8')) as Seen
    expect(seen.argv).toEqual(['-p', 'hi', '--output-format', 'json'])
    const port = Number(new URL(seen.env.ANTHROPIC_BASE_URL!).port)
    expect(seen.env.ANTHROPIC_BASE_URL).toBe(`http://127.0.0.1:${port}`)
    // Any free port, not the proxy-only default.
    expect(port).not.toBe(8082)
    expect(seen.env).toMatchObject({
      ANTHROPIC_AUTH_TOKEN: 'anyclaude',
      ANTHROPIC_MODEL: 'anyclaude-local',
      ANTHROPIC_SMALL_FAST_MODEL: 'anyclaude-local',
      CLAUDE_CODE_ATTRIBUTION_HEADER: '0',
      // The user's own setting wins.
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '0',
    })
    expect(seen.env.ANTHROPIC_API_KEY).toBeUndefined()
    expect(seen.env.CLAUDE_CODE_USE_BEDROCK).toBeUndefined()
    // The proxy was serving while Claude Code ran, in front of the configured backend.
    expect(seen.health.backends).toEqual([expect.objectContaining({ name: 'fake', up: true })])
    expect(seen.answer?.content).toEqual([{ type: 'text', text: 'Hello from the fake.' }])
    // Its request line went to the log file, not to the terminal.
    const logFile = run.stderr.match(/anyclaude: log file (\S+)/)![1]!
    expect(readFileSync(logFile, 'utf8')).toMatch(/"path":"\/v1\/messages".*"status":200/)
    expect(run.stderr).not.toContain('/v1/messages')
  })

  it('keeps user-set model variables, passes the proxy key, takes ANYCLAUDE_CLAUDE_BIN and --', async () => {
    const dir = tempDir()
    const out = join(dir, 'seen.json')
    const log = join(dir, 'proxy.log')
    const env = envFor(out, {
      PATH: process.env.PATH,
      ANYCLAUDE_CLAUDE_BIN: join(bin, 'claude'),
      ANYCLAUDE_API_KEY: 'proxy-key',
      ANYCLAUDE_LOG_FILE: log,
      ANTHROPIC_MODEL: 'my-model',
    })
    const run = await runCli(['--config', config, '--', '--version', '--port', '1'], env)
    expect(run.code).toBe(0)
    const seen = JSON.parse(readFileSync(out, 'utf8')) as Seen
    expect(seen.argv).toEqual(['--version', '--port', '1'])
    expect(seen.env.ANTHROPIC_MODEL).toBe('my-model')
    expect(seen.env.ANTHROPIC_SMALL_FAST_MODEL).toBe('anyclaude-local')
    expect(seen.env.ANTHROPIC_AUTH_TOKEN).toBe('proxy-key')
    expect(seen.health.status).toBeDefined()
    expect(run.stderr).toContain(`anyclaude: log file ${log}`)
    // The proxy's own log lines go to the file, not the terminal.
    expect(readFileSync(log, 'utf8')).toContain('anyclaude listening on')
  })

  it('passes SIGTERM on to claude and exits with its code', async () => {
    const out = join(tempDir(), 'seen.json')
    const cli = startCli(['--config', config, '-p', 'wait'], envFor(out, { STANDIN_WAIT: '1' }))
    try {
      await cli.waitFor(/stand-in claude output/)
      kill(cli.child, 'SIGTERM')
      const run = await cli.done
      expect(readFileSync(`${out}.sigterm`, 'utf8')).toBe('SIGTERM')
      expect(run.signal).toBeNull()
      expect(run.code).toBe(42)
    } finally {
      kill(cli.child, 'SIGKILL')
    }
  })

  it('ignores SIGINT (the terminal gives it to Claude Code) and reports 128+signal', async () => {
    const out = join(tempDir(), 'seen.json')
    const cli = startCli(['--config', config], envFor(out, { STANDIN_WAIT: '1' }))
    try {
      await cli.waitFor(/stand-in claude output/)
      kill(cli.child, 'SIGINT')
      await new Promise((r) => setTimeout(r, 300))
      expect(cli.child.exitCode).toBeNull()
      expect(existsSync(`${out}.sigterm`)).toBe(false)
      // Claude Code killed from outside: anyclaude answers like a shell would.
      const seen = JSON.parse(readFileSync(out, 'utf8')) as Seen
      expect(seen.argv).toEqual([])
      kill(cli.child, 'SIGHUP')
      const run = await cli.done
      // The stand-in does not trap SIGHUP: it dies of it, 128 + 1.
      expect(run.code).toBe(129)
    } finally {
      kill(cli.child, 'SIGKILL')
    }
  })

  it('says how to install Claude Code when it is missing, and exits 127', async () => {
    const dir = tempDir()
    const run = await runCli(
      ['--config', config, '-p', 'hi'],
      cleanEnv({ ANYCLAUDE_CLAUDE_BIN: join(dir, 'no-such-claude'), TMPDIR: dir }),
    )
    expect(run.code).toBe(127)
    expect(run.stderr).toContain('npm install -g @anthropic-ai/claude-code')
    expect(run.stdout).toBe('')
  })
})
