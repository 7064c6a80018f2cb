/** `anyclaude doctor` as a process, against fake servers on real ports. */
import { describe, expect, it } from 'vitest'
import {
  cleanEnv,
  closedPort,
  type FakeServer,
  runCli,
  tempDir,
  useFakeServers,
  writeConfig,
} from './helpers.js'

let native: FakeServer
let text: FakeServer
useFakeServers([{ tools: 'native' }, { tools: 'text' }], ([nativeServer, textServer]) => {
  native = nativeServer
  text = textServer
})

/** The check lines of the report, e.g. `✓ chat answered in 0.02 s`, whitespace collapsed. */
const checks = (stdout: string) => stdout.split('\n').map((l) => l.trim().replace(/\s+/g, ' '))

describe('anyclaude doctor', () => {
  it("reports a working backend's capabilities: server, model, chat, native tool call, cache", async () => {
    const dir = tempDir()
    const run = await runCli(['doctor', '--config', writeConfig(dir, native.url)], cleanEnv())
    expect(run.stderr).toBe('')
    const lines = checks(run.stdout)
    expect(lines).toContain(`✓ fake (mlx-lm) at ${native.url}`)
    expect(lines).toContain('✓ reachable answers GET /v1/models')
    expect(lines).toContain('✓ server mlx-lm')
    expect(lines).toContain('✓ model default_model')
    expect(lines.find((l) => l.startsWith('✓ chat answered in'))).toBeDefined()
    expect(
      lines.find((l) => l.startsWith('✓ tool call get_weather({"city":"Paris"}), native')),
    ).toBeDefined()
    expect(lines.find((l) => /^✓ prompt cache [\d,]+ tokens reused/.test(l))).toBeDefined()
    expect(lines).toContain('1 of 1 backend URL ready for Claude Code.')
    expect(run.code).toBe(0)
    // The tool check asked for a tool call; the cache check sent the same long prompt twice.
    const withTools = native.requests.filter((r) => Array.isArray(r.tools))
    expect(withTools).toHaveLength(1)
  })

  it('tells a tool call parsed from text apart from a native one', async () => {
    const dir = tempDir()
    const run = await runCli(
      ['doctor', '--no-cache', '--config', writeConfig(dir, text.url)],
      cleanEnv(),
    )
    const lines = checks(run.stdout)
    expect(
      lines.find((l) =>
        l.startsWith('✓ tool call get_weather({"city":"Paris"}), parsed from text by anyclaude'),
      ),
    ).toBeDefined()
    expect(lines).toContain('- prompt cache skipped (--no-cache)')
    expect(run.code).toBe(0)
  })

  it('exits non-zero with a hint when no backend is up, and checks the others', async () => {
    const dir = tempDir()
    const port = await closedPort()
    const config = writeConfig(dir, `http://127.0.0.1:${port}`)
    const down = await runCli(['doctor', '--config', config], cleanEnv())
    const lines = checks(down.stdout)
    expect(lines).toContain(`✗ fake (mlx-lm) at http://127.0.0.1:${port}/v1`)
    expect(lines).toContain('✗ reachable connection refused')
    expect(lines.find((l) => l.startsWith('→ start it: mlx_lm.server --model'))).toBeDefined()
    expect(lines.find((l) => l.startsWith('No backend works (0 of 1 backend URL)'))).toBeDefined()
    expect(down.code).toBe(1)

    // One of two up: exit 0, each reported.
    const both = writeConfig(dir, native.url, {
      backends: [
        { name: 'gone', kind: 'lmstudio', url: `http://127.0.0.1:${port}` },
        { name: 'fake', kind: 'mlx-lm', url: native.url },
      ],
    })
    const some = await runCli(['doctor', '--no-cache', '--config', both], cleanEnv())
    expect(some.stdout).toContain('→ start it: lms server start')
    expect(checks(some.stdout)).toContain('1 of 2 backend URLs ready for Claude Code.')
    expect(some.code).toBe(0)
  })
})
