/** `anyclaude check-cache` on the recorded Claude Code sessions. */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, cleanEnv, removeTempDirs, runCli, tempDir } from './helpers.js'

const fixture = (name: string) => join('test', 'fixtures', 'claude-code', `${name}.jsonl`)

beforeAll(assertBuilt)
afterAll(removeTempDirs)

describe('anyclaude check-cache', () => {
  it('reports every follow-up of a session as keeping the previous prompt as its prefix', async () => {
    const run = await runCli(
      ['check-cache', fixture('03-tool-bash'), '--mode', 'llamacpp'],
      cleanEnv(),
    )
    expect(run.stderr).toBe('')
    expect(run.stdout).toContain('translated for llamacpp (llamacpp)')
    expect(run.stdout).toMatch(
      /✓ \d+ after \d+: [\d,]+ of [\d,]+ bytes shared \(100\.0%\), 2 of 2 messages, system\+tools identical/,
    )
    expect(run.stdout).toContain('1 of 1 follow-up keep the previous prompt as their prefix')
    expect(run.code).toBe(0)
  })

  it('finds the break of a --continue run with the default model, and says why (exit 1)', async () => {
    const run = await runCli(['check-cache', fixture('04-continue')], cleanEnv())
    expect(run.stdout).toContain('✗')
    expect(run.stdout).toContain('the system prompt or the tools changed')
    expect(run.code).toBe(1)
  })

  it('reads bare request bodies and prints JSON with --json', async () => {
    const dir = tempDir()
    const file = join(dir, 'bodies.jsonl')
    const first = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'one' }] }
    const second = {
      ...first,
      messages: [
        ...first.messages,
        { role: 'assistant', content: 'two' },
        { role: 'user', content: 'three' },
      ],
    }
    writeFileSync(file, `${JSON.stringify(first)}\n${JSON.stringify({ body: second })}\n`)
    const run = await runCli(['check-cache', file, '--json'], cleanEnv())
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout) as {
      groups: { followUps: { sharedMessages: number; extendsPrefix: boolean }[] }[]
    }
    expect(report.groups).toHaveLength(1)
    expect(report.groups[0]!.followUps).toEqual([
      expect.objectContaining({ sharedMessages: 1, extendsPrefix: true }),
    ])
  })

  it('exits 2 with a usage line when given nothing to read', async () => {
    const run = await runCli(['check-cache'], cleanEnv())
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('usage: anyclaude check-cache')
  })
})
