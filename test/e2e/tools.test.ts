/**
 * The real Claude Code CLI through anyclaude to three fake backends (MLX-Textgen, mlx-lm, LM
 * Studio) in mode auto: tool turns go to MLX-Textgen, tool-less ones to mlx-lm; the tools run for
 * real in a temporary working folder.
 */
import { randomInt } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { describeRun, makeWorkspace, runClaude } from './harness/claude.js'
import { FakeBackend, historyCalls, historyResults, steps, turnOf } from './harness/fake-backend.js'
import { type RunningProxy, startProxy } from './harness/proxy.js'
import { type RunningTap, startTap } from './harness/tap.js'

const textgen = new FakeBackend('mlx-textgen')
const mlxLm = new FakeBackend('mlx-lm')
const lmstudio = new FakeBackend('lmstudio')
const fakes = [textgen, mlxLm, lmstudio]
let proxy: RunningProxy
let tap: RunningTap
let logsBefore = 0
let ws: ReturnType<typeof makeWorkspace>

beforeAll(async () => {
  for (const f of fakes) await f.start()
  proxy = await startProxy({
    backends: [
      { name: 'mlx-textgen', kind: 'mlx-textgen', url: textgen.url },
      { name: 'mlx-lm', kind: 'mlx-lm', url: mlxLm.url },
      { name: 'lmstudio', kind: 'lmstudio', url: lmstudio.url },
    ],
  })
  tap = await startTap(proxy.url)
})

afterAll(async () => {
  await tap?.stop()
  await proxy?.stop()
  for (const f of fakes) await f.stop()
})

beforeEach(() => {
  logsBefore = proxy.messageLogs().length
  tap.seen.length = 0
})

afterEach(() => {
  ws?.cleanup()
  for (const f of fakes) f.requests.length = 0
})

// Claude Code talks to the tap, which forwards to anyclaude and keeps the answers' headers.
const run = (prompt: string, args: string[] = []) =>
  runClaude({ baseUrl: tap.url, prompt, cwd: ws.cwd, home: ws.home, args })

/**
 * Who answered each POST /v1/messages since the test began: the `x-anyclaude-backend` header
 * Claude Code received, and the backend named by anyclaude's log line.
 */
async function answeredBy(): Promise<{
  header: (string | undefined)[]
  log: (string | undefined)[]
}> {
  const header = tap.seen
    .filter((t) => t.method === 'POST' && t.path.startsWith('/v1/messages'))
    .map((t) => t.headers['x-anyclaude-backend'])
  const logs = await proxy.waitForMessageLogs(logsBefore + header.length)
  return { header, log: logs.slice(logsBefore).map((l) => l.backend) }
}

const all = (name: string, n: number) => ({
  header: Array<string>(n).fill(name),
  log: Array<string>(n).fill(name),
})

describe('Claude Code → anyclaude → fake backends', () => {
  it('plain answer: the backend answers text only', async () => {
    ws = makeWorkspace('plain')
    textgen.script = () => ({ text: 'Hello from the fake MLX-Textgen.' })
    const r = await run('say hello')
    expect(r.code, describeRun(r)).toBe(0)
    expect(r.json?.is_error).toBe(false)
    expect(r.json?.result).toBe('Hello from the fake MLX-Textgen.')
    // Claude Code always offers tools: the tool-capable backend answered.
    expect(textgen.chats).toHaveLength(1)
    expect(textgen.chats[0]!.body.tools?.length).toBeGreaterThan(5)
    expect(turnOf(textgen.chats[0]!.body).prompt).toContain('say hello')
    expect(mlxLm.chats).toHaveLength(0)
    expect(lmstudio.chats).toHaveLength(0)
    expect(await answeredBy()).toEqual(all('mlx-textgen', 1))
  })

  it('read a file: the Read result reaches the backend; the final text is what it said', async () => {
    ws = makeWorkspace('read')
    const token = `secret-${randomInt(1e9)}`
    const file = join(ws.cwd, 'notes.txt')
    writeFileSync(file, `the token is ${token}\n`)
    textgen.script = steps(
      [{ toolCalls: [{ name: 'Read', arguments: { file_path: file } }] }],
      (results) => ({
        text: results.some((r) => r.includes(token))
          ? `The file says ${token}.`
          : 'I could not read it.',
      }),
    )
    const r = await run('what does notes.txt say?')
    expect(r.code, describeRun(r)).toBe(0)
    expect(r.json?.is_error).toBe(false)
    expect(r.json?.result).toBe(`The file says ${token}.`)
    expect(textgen.chats).toHaveLength(2)
    expect(await answeredBy()).toEqual(all('mlx-textgen', 2))
    const second = turnOf(textgen.chats[1]!.body)
    expect(second.toolResults).toHaveLength(1)
    expect(second.toolResults[0]).toContain(`the token is ${token}`)
  })

  it('write a new file: the file exists with the content the backend asked for', async () => {
    ws = makeWorkspace('write')
    const file = join(ws.cwd, 'hello.txt')
    const content = `written by the fake backend ${randomInt(1e9)}\n`
    textgen.script = steps([
      {
        text: 'Writing it.',
        toolCalls: [{ name: 'Write', arguments: { file_path: file, content } }],
      },
    ])
    const r = await run('create hello.txt')
    expect(r.code, describeRun(r)).toBe(0)
    expect(r.json?.is_error).toBe(false)
    expect(readFileSync(file, 'utf8')).toBe(content)
    expect(textgen.chats).toHaveLength(2)
    expect(await answeredBy()).toEqual(all('mlx-textgen', 2))
    const { toolResults } = turnOf(textgen.chats[1]!.body)
    expect(toolResults).toHaveLength(1)
    expect(toolResults[0]).toMatch(/created|written|success/i)
    expect(r.json?.result).toContain('TOOL_RESULT_SEEN:')
  })

  it('edit a file (Read, then Edit): the content changed', async () => {
    ws = makeWorkspace('edit')
    const file = join(ws.cwd, 'config.ini')
    writeFileSync(file, '[server]\nport = 8080\nhost = localhost\n')
    textgen.script = steps([
      { toolCalls: [{ name: 'Read', arguments: { file_path: file } }] },
      {
        toolCalls: [
          {
            name: 'Edit',
            arguments: { file_path: file, old_string: 'port = 8080', new_string: 'port = 9090' },
          },
        ],
      },
    ])
    const r = await run('change the port to 9090 in config.ini')
    expect(r.code, describeRun(r)).toBe(0)
    expect(r.json?.is_error).toBe(false)
    expect(readFileSync(file, 'utf8')).toBe('[server]\nport = 9090\nhost = localhost\n')
    expect(textgen.chats).toHaveLength(3)
    expect(await answeredBy()).toEqual(all('mlx-textgen', 3))
    expect(turnOf(textgen.chats[1]!.body).toolResults[0]).toContain('port = 8080')
    const edited = turnOf(textgen.chats[2]!.body).toolResults
    expect(edited).toHaveLength(1)
    expect(edited[0]).toMatch(/updated|edited|success/i)
  })

  it("run a Bash command: the command's output comes back in the tool result", async () => {
    ws = makeWorkspace('bash')
    textgen.script = steps([
      {
        toolCalls: [
          {
            name: 'Bash',
            arguments: { command: 'echo e2e-$RANDOM', description: 'Print a marker' },
          },
        ],
      },
    ])
    const r = await run('run the marker command')
    expect(r.code, describeRun(r)).toBe(0)
    expect(r.json?.is_error).toBe(false)
    expect(textgen.chats).toHaveLength(2)
    expect(await answeredBy()).toEqual(all('mlx-textgen', 2))
    const { toolResults } = turnOf(textgen.chats[1]!.body)
    expect(toolResults).toHaveLength(1)
    // $RANDOM expanded: a real shell ran it.
    const out = toolResults[0]!.trim()
    expect(out).toMatch(/^e2e-\d+$/)
    expect(r.json?.result).toBe(`TOOL_RESULT_SEEN: ${out}`)
  })

  it('a request without tools (--tools "") goes to mlx-lm, the fastest chat backend', async () => {
    ws = makeWorkspace('notools')
    mlxLm.script = () => ({
      reasoning: 'The user wants a haiku.',
      text: 'Quiet fake server / answers without any tools / tokens drift like leaves',
    })
    const r = await run('write a haiku', ['--tools', ''])
    expect(r.code, describeRun(r)).toBe(0)
    expect(r.json?.is_error).toBe(false)
    expect(r.json?.result).toBe(
      'Quiet fake server / answers without any tools / tokens drift like leaves',
    )
    expect(textgen.chats).toHaveLength(0)
    expect(lmstudio.chats).toHaveLength(0)
    expect(mlxLm.chats).toHaveLength(1)
    expect(mlxLm.chats[0]!.body.tools ?? []).toHaveLength(0)
    // mlx-lm: never a Claude model name (any other string makes it load a model).
    expect(mlxLm.chats[0]!.body.model).toBe('default_model')
    expect(await answeredBy()).toEqual(all('mlx-lm', 1))
  })

  it("multi-turn with --continue: the second run sends the first run's messages", async () => {
    ws = makeWorkspace('continue')
    const word = `pelican-${randomInt(1e6)}`
    textgen.script = steps(
      [{ toolCalls: [{ name: 'Bash', arguments: { command: `echo ${word}` } }] }],
      (results) => ({
        text: `Noted: ${results[0]?.trim()}.`,
      }),
    )
    const first = await run(`remember the word from: echo ${word}`)
    expect(first.code, describeRun(first)).toBe(0)
    expect(first.json?.result).toBe(`Noted: ${word}.`)
    expect(textgen.chats).toHaveLength(2)

    textgen.script = (body) => {
      const seen = JSON.stringify(body.messages)
      return {
        text: seen.includes(`Noted: ${word}.`)
          ? `You asked me to remember ${word}.`
          : 'No history.',
      }
    }
    const second = await run('what word did I ask you to remember?', ['--continue'])
    expect(second.code, describeRun(second)).toBe(0)
    expect(second.json?.is_error).toBe(false)
    expect(second.json?.result).toBe(`You asked me to remember ${word}.`)
    expect(textgen.chats).toHaveLength(3)
    expect(await answeredBy()).toEqual(all('mlx-textgen', 3))
    // Run 1's prompt, its Bash call and result (as text for MLX-Textgen, §7.2), then run 2's prompt.
    const history = textgen.chats[2]!.body
    expect(JSON.stringify(history.messages)).toContain(`remember the word from: echo ${word}`)
    expect(historyCalls(history)).toEqual([
      { name: 'Bash', arguments: { command: `echo ${word}` } },
    ])
    expect(historyResults(history).map((r) => r.trim())).toEqual([word])
    expect(turnOf(textgen.chats[2]!.body).prompt).toContain('what word did I ask you to remember?')
  })

  it('MLX-Textgen down: the tool turn fails over to LM Studio, the next tool backend', async () => {
    ws = makeWorkspace('failover')
    const port = textgen.port
    await textgen.stop()
    try {
      lmstudio.script = steps([
        { toolCalls: [{ name: 'Bash', arguments: { command: 'echo via-lmstudio' } }] },
      ])
      const r = await run('run it')
      expect(r.code, describeRun(r)).toBe(0)
      expect(r.json?.result).toBe('TOOL_RESULT_SEEN: via-lmstudio')
      expect(lmstudio.chats).toHaveLength(2)
      expect(mlxLm.chats).toHaveLength(0)
      expect(await answeredBy()).toEqual(all('lmstudio', 2))
      // The first request tried MLX-Textgen (connection refused) before LM Studio answered.
      const [first] = (await proxy.waitForMessageLogs(logsBefore + 1)).slice(logsBefore)
      expect(first?.tried).toEqual(['mlx-textgen', 'lmstudio'])
    } finally {
      await textgen.start(port)
    }
  })
})
