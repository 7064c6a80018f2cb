/**
 * The one-step command with the real client: `anyclaude -p PROMPT …` starts the proxy, then the
 * real Claude Code pointed at it, and exits with Claude Code's exit code.
 */
import { spawn } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureOutput } from '../helpers/output.js'
import { baseClaudeEnv, CLAUDE_BIN, makeWorkspace } from './harness/claude.js'
import { FakeBackend, steps, turnOf } from './harness/fake-backend.js'
import { REPO_ROOT } from './harness/proxy.js'

const textgen = new FakeBackend('mlx-textgen')

beforeAll(() => textgen.start())
afterAll(() => textgen.stop())

describe('anyclaude -p (launcher mode) with the real Claude Code', () => {
  it('runs a Bash round trip through the proxy it started, and passes the exit code on', async () => {
    const ws = makeWorkspace('launcher')
    try {
      const marker = `launcher-${randomInt(1e9)}`
      textgen.script = steps(
        [{ toolCalls: [{ name: 'Bash', arguments: { command: `echo ${marker}` } }] }],
        (results) => ({
          text: results.some((r) => r.includes(marker)) ? `saw ${marker}` : 'no output',
        }),
      )
      const config = join(ws.home, 'anyclaude.json')
      writeFileSync(
        config,
        JSON.stringify({
          backends: [{ name: 'mlx-textgen', kind: 'mlx-textgen', url: textgen.url }],
          probeIntervalMs: 600_000,
        }),
      )
      const logFile = join(ws.home, 'anyclaude.log')
      const env: Record<string, string> = {
        ...baseClaudeEnv(ws.home),
        ANYCLAUDE_CLAUDE_BIN: CLAUDE_BIN,
        ANYCLAUDE_LOG_FILE: logFile,
      }
      const args = [
        join(REPO_ROOT, 'dist', 'cli.js'),
        '--config',
        config,
        '-p',
        'run the echo',
        '--dangerously-skip-permissions',
        '--output-format',
        'json',
      ]
      const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
        (resolve) => {
          const child = spawn(process.execPath, args, {
            cwd: ws.cwd,
            env,
            stdio: ['ignore', 'pipe', 'pipe'],
          })
          const out = captureOutput(child)
          const timer = setTimeout(() => child.kill('SIGKILL'), 90_000)
          child.once('close', (code) => {
            clearTimeout(timer)
            resolve({ code, ...out })
          })
        },
      )
      expect(result.code, result.stderr).toBe(0)
      const json = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as {
        is_error: boolean
        result: string
      }
      expect(json).toMatchObject({ is_error: false, result: `saw ${marker}` })
      // The command's output went back to the backend through the proxy the launcher started.
      expect(turnOf(textgen.chats[1]!.body).toolResults.join('\n')).toContain(marker)
      // The launcher printed the detection summary and the log file's path, not over Claude Code's output.
      expect(result.stderr).toMatch(/mlx-textgen at http:\/\/127\.0\.0\.1:\d+\/v1/)
      expect(result.stderr).toContain(logFile)
      expect(readFileSync(logFile, 'utf8')).toMatch(/"backend":"mlx-textgen"/)
    } finally {
      ws.cleanup()
    }
  })
})
