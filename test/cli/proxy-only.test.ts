/**
 * `anyclaude --proxy-only` as a process: the listening line on stdout, /health, a clean SIGTERM;
 * `--debug 3` trace files (redacted), and `anyclaude replay` on them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { HELPER_NICE } from '../../src/thread-priority.js'
import {
  cleanEnv,
  type FakeServer,
  kill,
  runCli,
  startCli,
  tempDir,
  useFakeServers,
  writeConfig,
} from './helpers.js'

let fake: FakeServer
useFakeServers([{}], ([server]) => {
  fake = server
})

describe('anyclaude --proxy-only', () => {
  it('prints the listening line then the export lines, serves /health, stops on SIGTERM with 0', async () => {
    const dir = tempDir()
    const cli = startCli(
      ['--proxy-only', '--port', '0', '--config', writeConfig(dir, fake.url)],
      cleanEnv(),
    )
    try {
      const [, port] = await cli.waitFor(/^anyclaude listening on http:\/\/127\.0\.0\.1:(\d+)$/m)
      await cli.waitFor(/ANTHROPIC_AUTH_TOKEN/)
      const lines = cli.stdout.trim().split('\n')
      expect(lines).toEqual([
        `anyclaude listening on http://127.0.0.1:${port}`,
        `export ANTHROPIC_BASE_URL=http://127.0.0.1:${port}`,
        'export ANTHROPIC_AUTH_TOKEN=anyclaude',
      ])
      expect(Number(port)).toBeGreaterThan(0)
      const health = await fetch(`http://127.0.0.1:${port}/health`)
      expect(health.status).toBe(200)
      const body = (await health.json()) as { backends: { name: string }[] }
      expect(body.backends.map((b) => b.name)).toEqual(['fake'])
    } finally {
      kill(cli.child, 'SIGTERM')
    }
    const run = await cli.done
    expect(run.signal).toBeNull()
    expect(run.code).toBe(0)
  })

  it.runIf(existsSync('/proc/self/task'))(
    'runs its helper threads at the lowest priority, its main thread at the normal one',
    async () => {
      const dir = tempDir()
      const cli = startCli(
        ['--proxy-only', '--port', '0', '--config', writeConfig(dir, fake.url)],
        cleanEnv(),
      )
      try {
        await cli.waitFor(/ANTHROPIC_AUTH_TOKEN/)
        const pid = cli.child.pid!
        // Field 19 of /proc/<pid>/task/<tid>/stat (after the parenthesised name) is the nice value.
        const nice = (tid: string) => {
          const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])
        }
        const helpers = readdirSync(`/proc/${pid}/task`).filter((t) => t !== String(pid))
        expect(helpers.length).toBeGreaterThan(0)
        expect(nice(String(pid))).toBe(0)
        expect(helpers.map(nice)).toEqual(helpers.map(() => HELPER_NICE))
      } finally {
        kill(cli.child, 'SIGTERM')
      }
      expect((await cli.done).code).toBe(0)
    },
  )

  it('--debug 3 writes one redacted JSONL trace per exchange, and replay re-sends it', async () => {
    const dir = tempDir()
    const traces = join(dir, 'traces')
    const config = writeConfig(dir, fake.url)
    const env = cleanEnv({ ANYCLAUDE_TRACE_DIR: traces, ANYCLAUDE_API_KEY: 'proxy-secret' })
    const cli = startCli(['--proxy-only', '--port', '0', '--debug', '3', '--config', config], env)
    let traceFile: string
    try {
      const [, url] = await cli.waitFor(/listening on (http:\S+)/)
      await cli.waitFor(/writing traces to/, 5000, 'stderr')
      const res = await fetch(`${url}/v1/messages`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': 'proxy-secret',
          'x-claude-code-session-id': 's-1',
        },
        body: JSON.stringify({
          model: 'anyclaude-local',
          max_tokens: 50,
          stream: true,
          messages: [{ role: 'user', content: 'hi' }],
        }),
      })
      expect(res.status).toBe(200)
      expect(await res.text()).toContain('message_stop')
      // The last record is written when the response body ends.
      for (let i = 0; i < 50 && readdirSync(traces).length === 0; i++)
        await new Promise((r) => setTimeout(r, 20))
      const files = readdirSync(traces)
      expect(files).toHaveLength(1)
      traceFile = join(traces, files[0]!)
      let text = readFileSync(traceFile, 'utf8')
      for (let i = 0; i < 50 && !text.includes('anthropic-stream'); i++) {
        await new Promise((r) => setTimeout(r, 20))
        text = readFileSync(traceFile, 'utf8')
      }
      const kinds = text
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { kind: string }).kind)
      expect(kinds).toEqual([
        'anthropic-request',
        'upstream-request',
        'upstream-stream',
        'anthropic-stream',
      ])
      expect(text).not.toContain('proxy-secret')
      expect(text).not.toContain('backend-secret')
      expect(text).toContain('[redacted]')
      expect(text).toContain('Hello from the fake.'.slice(0, 5))

      // Through the running proxy: same answer, exit code 0.
      const viaUrl = await runCli(['replay', traceFile, '--url', url!], env)
      expect(viaUrl.stderr).toBe('')
      expect(viaUrl.stdout).toContain('no difference in the folded messages')
      expect(viaUrl.code).toBe(0)
    } finally {
      kill(cli.child)
    }
    expect((await cli.done).code).toBe(0)

    // In-process against a backend that now answers differently: the diff, exit code 1.
    fake.options.text = 'Goodbye from the fake.'
    try {
      const again = await runCli(
        ['replay', traceFile, '--config', config],
        cleanEnv({ ANYCLAUDE_API_KEY: 'proxy-secret' }),
      )
      expect(again.code).toBe(1)
      expect(again.stdout).toContain('-Hello from the fake.')
      expect(again.stdout).toContain('+Goodbye from the fake.')
    } finally {
      fake.options.text = 'Hello from the fake.'
    }
  })
})
