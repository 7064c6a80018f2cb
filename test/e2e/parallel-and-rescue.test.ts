/**
 * Two tool calls in one answer (LM Studio streams argument fragments, mlx-lm sends whole calls in
 * one chunk), and tool calls that a backend leaves as text in `content` (Hermes JSON, Qwen3-Coder
 * XML), which only anyclaude's rescue turns into tools Claude Code runs.
 */
import { randomInt } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { describeRun, makeWorkspace, runClaude } from './harness/claude.js'
import { type ChatBody, FakeBackend, steps, textOf, turnOf } from './harness/fake-backend.js'
import { type RunningProxy, startProxy } from './harness/proxy.js'

const lmstudio = new FakeBackend('lmstudio')
const mlxLm = new FakeBackend('mlx-lm')
let viaLmStudio: RunningProxy
let viaMlxLm: RunningProxy
let ws: ReturnType<typeof makeWorkspace>

beforeAll(async () => {
  await lmstudio.start()
  await mlxLm.start()
  viaLmStudio = await startProxy({
    backends: [{ name: 'lmstudio', kind: 'lmstudio', url: lmstudio.url }],
  })
  viaMlxLm = await startProxy({ backends: [{ name: 'mlx-lm', kind: 'mlx-lm', url: mlxLm.url }] })
})

afterAll(async () => {
  await viaLmStudio?.stop()
  await viaMlxLm?.stop()
  await lmstudio.stop()
  await mlxLm.stop()
})

afterEach(() => {
  ws?.cleanup()
  lmstudio.requests.length = 0
  mlxLm.requests.length = 0
})

const run = (proxy: RunningProxy, prompt: string) =>
  runClaude({ baseUrl: proxy.url, prompt, cwd: ws.cwd, home: ws.home })

/**
 * The last answer's calls, each with the result that names its id. Claude Code runs parallel Bash
 * calls concurrently and sends the results in the order they finish, so pair them by id.
 */
function pairedResults(body: ChatBody): { command: unknown; result: string | undefined }[] {
  const calls =
    body.messages.filter((m) => m.role === 'assistant' && m.tool_calls?.length).at(-1)
      ?.tool_calls ?? []
  const results = new Map(
    body.messages
      .filter((m) => m.role === 'tool')
      .map((m) => [m.tool_call_id, textOf(m.content).trim()]),
  )
  return calls.map((c) => ({
    command: (JSON.parse(c.function?.arguments ?? '{}') as { command?: unknown }).command,
    result: results.get(c.id),
  }))
}

/** Two Bash calls with outputs the test can recognise. */
const twoBashCalls = (a: string, b: string) => [
  { name: 'Bash', arguments: { command: `echo ${a}`, description: 'First marker' } },
  { name: 'Bash', arguments: { command: `echo ${b}`, description: 'Second marker' } },
]

describe('two tool calls in one answer', () => {
  it('LM Studio (arguments streamed in fragments, name "" repeated): both results come back', async () => {
    ws = makeWorkspace('lms-parallel')
    const [a, b] = [`e2e-a-${randomInt(1e6)}`, `e2e-b-${randomInt(1e6)}`]
    lmstudio.script = steps([{ text: 'Running both.', toolCalls: twoBashCalls(a, b) }])
    const r = await run(viaLmStudio, 'run both marker commands')
    expect(r.code, describeRun(r)).toBe(0)
    expect(r.json?.is_error).toBe(false)
    expect(lmstudio.chats).toHaveLength(2)
    expect(pairedResults(lmstudio.chats[1]!.body)).toEqual([
      { command: `echo ${a}`, result: a },
      { command: `echo ${b}`, result: b },
    ])
    expect(r.json?.result).toMatch(new RegExp(`^TOOL_RESULT_SEEN: (${a} \\| ${b}|${b} \\| ${a})$`))
    expect(viaLmStudio.messageLogs().every((l) => l.backend === 'lmstudio')).toBe(true)
  })

  it('mlx-lm (whole calls in one chunk, reasoning, usage with cached_tokens): both results come back', async () => {
    ws = makeWorkspace('mlxlm-parallel')
    const [a, b] = [`e2e-c-${randomInt(1e6)}`, `e2e-d-${randomInt(1e6)}`]
    mlxLm.script = steps([
      { reasoning: 'Two commands, run them together.', toolCalls: twoBashCalls(a, b) },
    ])
    const r = await run(viaMlxLm, 'run both marker commands')
    expect(r.code, describeRun(r)).toBe(0)
    expect(r.json?.is_error).toBe(false)
    expect(mlxLm.chats).toHaveLength(2)
    expect(mlxLm.chats[0]!.body.model).toBe('default_model')
    expect(pairedResults(mlxLm.chats[1]!.body)).toEqual([
      { command: `echo ${a}`, result: a },
      { command: `echo ${b}`, result: b },
    ])
    expect(r.json?.result).toMatch(new RegExp(`^TOOL_RESULT_SEEN: (${a} \\| ${b}|${b} \\| ${a})$`))
    // mlx-lm's cached_tokens reached Claude Code as cache reads.
    const usage = r.json?.usage as { cache_read_input_tokens?: number } | undefined
    expect(usage?.cache_read_input_tokens).toBeGreaterThan(0)
  })
})

describe('tool calls left as text in content (rescued by anyclaude)', () => {
  it('Hermes <tool_call>{json}</tool_call> after some text: the Write runs', async () => {
    ws = makeWorkspace('hermes')
    const file = join(ws.cwd, 'hermes.txt')
    const content = `hermes ${randomInt(1e9)}\n`
    mlxLm.script = steps([
      {
        text: "I'll create the file now.",
        toolFormat: 'hermes',
        toolCalls: [{ name: 'Write', arguments: { file_path: file, content } }],
        textChunks: 9,
      },
    ])
    const r = await run(viaMlxLm, 'create hermes.txt')
    expect(r.code, describeRun(r)).toBe(0)
    expect(r.json?.is_error).toBe(false)
    expect(readFileSync(file, 'utf8')).toBe(content)
    expect(mlxLm.chats).toHaveLength(2)
    const { toolResults } = turnOf(mlxLm.chats[1]!.body)
    expect(toolResults).toHaveLength(1)
    expect(toolResults[0]).toMatch(/created|success/i)
    // The markup never reaches Claude Code as text.
    expect(r.json?.result).not.toContain('<tool_call>')
  })

  it('Qwen3-Coder <tool_call><function=Write><parameter=...> XML: the Write runs', async () => {
    ws = makeWorkspace('qwen3coder')
    const file = join(ws.cwd, 'src', 'main.py')
    const content = `def main():\n    print("qwen3 coder ${randomInt(1e6)}")\n`
    mlxLm.script = steps([
      {
        toolFormat: 'qwen3-coder',
        toolCalls: [{ name: 'Write', arguments: { file_path: file, content } }],
        textChunks: 12,
      },
    ])
    const r = await run(viaMlxLm, 'create src/main.py')
    expect(r.code, describeRun(r)).toBe(0)
    expect(r.json?.is_error).toBe(false)
    expect(existsSync(file)).toBe(true)
    // Parameter values are raw text between newlines (protocol.md §7.9): the file is exact.
    expect(readFileSync(file, 'utf8')).toBe(content)
    expect(mlxLm.chats).toHaveLength(2)
    expect(turnOf(mlxLm.chats[1]!.body).toolResults).toHaveLength(1)
    expect(r.json?.result).toContain('TOOL_RESULT_SEEN:')
  })
})
