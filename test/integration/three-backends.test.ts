/**
 * Issue 3's integration tests: the real server in front of fake MLX-Textgen, mlx-lm and LM Studio
 * servers on local ports, chosen per request by the router.
 */
import { Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { type Config, loadConfig } from '../../src/config.js'
import { type RunningServer, startServer } from '../../src/server.js'
import {
  llamaServer,
  lmStudioServer,
  mlxLmServer,
  mlxTextgenServer,
} from '../backends/fake-servers.js'
import { parseSse } from '../helpers/sse.js'
import {
  anthropicStream,
  lmStudioChat,
  mlxLmChat,
  mlxTextgenChat,
  type Running,
  start,
} from './servers.js'

const TOOLS = [
  {
    name: 'Bash',
    description: 'Run a command',
    input_schema: {
      type: 'object',
      properties: { command: { type: 'string' } },
      required: ['command'],
    },
  },
]
const sink = () => new Writable({ write: (_c, _e, cb) => cb() })

let opened: { close(): Promise<void> }[] = []
afterEach(async () => {
  for (const o of opened.reverse()) await o.close()
  opened = []
})

async function proxy(
  backends: unknown[],
  extra: Record<string, unknown> = {},
): Promise<RunningServer> {
  const json = JSON.stringify({ backends, probeIntervalMs: 600_000, ...extra })
  const config: Config = loadConfig({ config: 'x.json', port: '0' }, {}, () => json)
  const server = await startServer(config, { stdout: () => {}, logDestination: sink() })
  opened.push(server)
  await server.registry.probeAll({ quiet: true })
  return server
}

async function fake(...args: Parameters<typeof start>): Promise<Running> {
  const f = await start(...args)
  opened.push(f)
  return f
}

const ask = async (server: RunningServer, body: Record<string, unknown>) => {
  const res = await fetch(`${server.url}/v1/messages?beta=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-claude-code-session-id': 'sess-1' },
    body: JSON.stringify({
      model: 'claude-opus-4-8',
      max_tokens: 1000,
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
      ...body,
    }),
  })
  return {
    res,
    frames: res.status === 200 ? parseSse(await res.text()) : [],
    backend: res.headers.get('x-anyclaude-backend'),
  }
}

const toolUses = (frames: ReturnType<typeof parseSse>) =>
  frames.flatMap((f) =>
    f.data.type === 'content_block_start' && f.data.content_block.type === 'tool_use'
      ? [f.data.content_block]
      : [],
  )
const inputJson = (frames: ReturnType<typeof parseSse>) =>
  frames
    .flatMap((f) =>
      f.data.type === 'content_block_delta' && f.data.delta.type === 'input_json_delta'
        ? [f.data.delta.partial_json]
        : [],
    )
    .join('')

describe('three local backends behind the router', () => {
  it('tool requests go to MLX-Textgen, plain requests to mlx-lm, and each answer is a valid Anthropic stream', async () => {
    const textgen = await fake(mlxTextgenServer(), mlxTextgenChat)
    const mlxlm = await fake(mlxLmServer(), mlxLmChat)
    const studio = await fake(lmStudioServer(), lmStudioChat)
    const server = await proxy([
      { kind: 'mlx-textgen', url: textgen.url },
      { kind: 'mlx-lm', url: mlxlm.url },
      { kind: 'lmstudio', url: studio.url },
    ])

    const withTools = await ask(server, { tools: TOOLS })
    expect(withTools.backend).toBe('mlx-textgen')
    expect(toolUses(withTools.frames)).toEqual([
      { type: 'tool_use', id: 'call_1a2b3c4d', name: 'Bash', input: {} },
    ])
    expect(JSON.parse(inputJson(withTools.frames))).toEqual({ command: 'ls -la' })
    expect(withTools.frames.find((f) => f.event === 'message_delta')?.data).toMatchObject({
      delta: { stop_reason: 'tool_use' },
    })
    expect(textgen.requests).toHaveLength(1)

    const plain = await ask(server, {})
    expect(plain.backend).toBe('mlx-lm')
    expect(mlxlm.requests).toHaveLength(1)
    // mlx-lm would load any other name from the hub: the Claude model name never reaches it.
    expect(mlxlm.requests[0]!.model).not.toMatch(/claude/)
    const blocks = plain.frames
      .filter((f) => f.event === 'content_block_start')
      .map((f) => (f.data as { content_block: { type: string } }).content_block.type)
    expect(blocks).toEqual(['thinking', 'text'])
    expect(plain.frames.find((f) => f.event === 'message_delta')?.data).toMatchObject({
      usage: { input_tokens: 100, cache_read_input_tokens: 900, output_tokens: 5 },
    })
  })

  it('a backend killed mid-run fails over to the next tool backend before any content', async () => {
    const textgen = await fake(mlxTextgenServer(), mlxTextgenChat)
    const studio = await fake(lmStudioServer(), lmStudioChat)
    const server = await proxy([
      { kind: 'mlx-textgen', url: textgen.url },
      { kind: 'lmstudio', url: studio.url },
    ])
    expect((await ask(server, { tools: TOOLS })).backend).toBe('mlx-textgen')
    await textgen.close()
    opened = opened.filter((o) => o !== textgen)

    const after = await ask(server, { tools: TOOLS })
    expect(after.res.status).toBe(200)
    // LM Studio's fragments with empty names became one valid tool call.
    expect(toolUses(after.frames)).toHaveLength(1)
    expect(JSON.parse(inputJson(after.frames))).toEqual({ command: 'echo studio' })
    expect(studio.requests).toHaveLength(1)
    const health = (await (await fetch(`${server.url}/health`)).json()) as {
      backends: { name: string; urls?: unknown }[]
    }
    expect(JSON.stringify(health)).toMatch(/mlx-textgen/)
  })

  it("an anthropic backend's stream passes through intact", async () => {
    const native = await fake(lmStudioServer(), () => anthropicStream())
    const server = await proxy([{ name: 'native', kind: 'anthropic', url: native.url }])
    const r = await ask(server, { tools: TOOLS })
    expect(r.backend).toBe('native')
    const text = r.frames
      .flatMap((f) =>
        f.data.type === 'content_block_delta' && f.data.delta.type === 'text_delta'
          ? [f.data.delta.text]
          : [],
      )
      .join('')
    expect(text).toBe('native answer')
    expect(toolUses(r.frames)).toEqual([
      { type: 'tool_use', id: 'toolu_x', name: 'Bash', input: {} },
    ])
    expect(JSON.parse(inputJson(r.frames))).toEqual({ command: 'pwd' })
    expect(r.frames.find((f) => f.event === 'message_delta')?.data).toMatchObject({
      delta: { stop_reason: 'tool_use' },
      usage: { input_tokens: 50, output_tokens: 12 },
    })
    // The request reached the backend as Anthropic JSON.
    expect(native.requests[0]).toMatchObject({
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ name: 'Bash' }],
    })
  })

  it('a llama-server answering on the port configured for mlx-lm is recognised as llama.cpp', async () => {
    const llama = await fake(llamaServer(), mlxLmChat)
    const server = await proxy([{ kind: 'mlx-lm', url: llama.url }])
    const health = (await (await fetch(`${server.url}/health`)).json()) as Record<string, unknown>
    expect(JSON.stringify(health)).toMatch(/llamacpp/)
    await ask(server, { tools: TOOLS })
    // llama.cpp's quirks now apply: it defaults to no parallel tool calls unless told.
    expect(llama.requests[0]!.parallel_tool_calls).toBe(true)
  })
})
