/**
 * Conformance with the official Anthropic SDKs: every kind of stream the proxy produces is read by
 * `@anthropic-ai/sdk` (current) and 0.94.0 (the one Claude Code 2.1.197 bundles, through its beta
 * stream as Claude Code does), through the in-process app in front of a fake OpenAI backend.
 */
import Anthropic from '@anthropic-ai/sdk'
import Anthropic094 from 'anthropic-sdk-0.94'
import type { MiddlewareHandler } from 'hono'
import { describe, expect, it } from 'vitest'
import type {
  AnthropicMessage,
  ContentBlock,
  StopReason,
} from '../../src/translate/anthropic-types.js'
import type { AppEnv } from '../../src/types.js'
import { testApp } from '../helpers/app.js'
import { type FakeHandler, textChunks, toolCallChunks } from '../helpers/fake-openai.js'
import { parseSse, types } from '../helpers/sse.js'

const BASE_URL = 'http://127.0.0.1:8082'
const MODEL = 'claude-sonnet-4-5'
const MB = 'é日本🙂'

/** An app with its own id counter, and the two SDK clients talking to it in process. */
function setup(handler: FakeHandler) {
  let ids = 0
  const hosts: (string | undefined)[] = []
  const recordHost: MiddlewareHandler<AppEnv> = async function recordHost(c, next) {
    hosts.push(c.req.header('host'))
    await next()
  }
  const { app, fetch } = testApp(
    handler,
    {},
    { generateId: (p) => `${p}${++ids}`, middleware: [recordHost] },
  )
  // Over a socket the client sends `Host: 127.0.0.1:8082`; in process it has to be added.
  const viaApp = (url: string | URL | Request, init?: RequestInit) => {
    const href = url instanceof Request ? url.url : String(url)
    const headers = new Headers(init?.headers)
    headers.set('host', new URL(href).host)
    return Promise.resolve(app.request(href, { ...init, headers }))
  }
  const options = { apiKey: 'x', baseURL: BASE_URL, fetch: viaApp, maxRetries: 0 }
  return {
    current: new Anthropic(options),
    old: new Anthropic094(options as ConstructorParameters<typeof Anthropic094>[0]),
    app,
    fetch,
    hosts,
  }
}

const TOOLS = [
  {
    name: 'Bash',
    description: 'Run a command',
    input_schema: {
      type: 'object' as const,
      properties: { command: { type: 'string' } },
      required: ['command'],
    },
  },
  {
    name: 'Read',
    description: 'Read a file',
    input_schema: {
      type: 'object' as const,
      properties: { file_path: { type: 'string' } },
      required: ['file_path'],
    },
  },
]

const params = (tools: boolean) => ({
  model: MODEL,
  max_tokens: 1024,
  messages: [{ role: 'user' as const, content: 'hi' }],
  ...(tools ? { tools: TOOLS } : {}),
})

const USAGE = {
  prompt_tokens: 120,
  completion_tokens: 9,
  total_tokens: 129,
  prompt_tokens_details: { cached_tokens: 100 },
}
const usageChunk = {
  id: 'u',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [],
  usage: USAGE,
}

const expected = (content: ContentBlock[], stop: StopReason): AnthropicMessage => ({
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: MODEL,
  content,
  stop_reason: stop,
  stop_sequence: null,
  usage: {
    input_tokens: 20,
    output_tokens: 9,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 100,
  },
})

/** The message as plain JSON; SDK 1.x adds `parsed_output: null` (no output format asked). */
function plain(message: unknown): unknown {
  const json = JSON.parse(JSON.stringify(message)) as Record<string, unknown>
  delete json.parsed_output
  return json
}

type Scenario = {
  name: string
  tools: boolean
  chunks: () => (Record<string, unknown> | string)[]
  message: AnthropicMessage
}

const scenarios: Scenario[] = [
  {
    name: 'text',
    tools: false,
    chunks: () => [...textChunks(['Hel', 'lo ', MB]), usageChunk],
    message: expected([{ type: 'text', text: `Hello ${MB}` }], 'end_turn'),
  },
  {
    name: 'thinking, then text',
    tools: false,
    chunks: () => [
      ...textChunks(['The answer.'], { reasoning: ['Let me ', `think ${MB}`] }),
      usageChunk,
    ],
    message: expected(
      [
        { type: 'thinking', thinking: `Let me think ${MB}`, signature: '' },
        { type: 'text', text: 'The answer.' },
      ],
      'end_turn',
    ),
  },
  {
    name: 'one tool call',
    tools: true,
    chunks: () => [
      ...toolCallChunks([{ id: 'call_1', name: 'Bash', args: { command: `echo ${MB}` } }], {
        text: 'Running it.',
        fragment: 3,
      }),
      usageChunk,
    ],
    message: expected(
      [
        { type: 'text', text: 'Running it.' },
        { type: 'tool_use', id: 'call_1', name: 'Bash', input: { command: `echo ${MB}` } },
      ],
      'tool_use',
    ),
  },
  {
    name: 'three parallel tool calls',
    tools: true,
    chunks: () => [
      ...toolCallChunks([
        { id: 'call_a', name: 'Read', args: { file_path: '/a' } },
        { id: 'call_b', name: 'Read', args: { file_path: '/b' } },
        { id: 'call_c', name: 'Bash', args: { command: 'ls' } },
      ]),
      usageChunk,
    ],
    message: expected(
      [
        { type: 'tool_use', id: 'call_a', name: 'Read', input: { file_path: '/a' } },
        { type: 'tool_use', id: 'call_b', name: 'Read', input: { file_path: '/b' } },
        { type: 'tool_use', id: 'call_c', name: 'Bash', input: { command: 'ls' } },
      ],
      'tool_use',
    ),
  },
  {
    name: 'max_tokens stop',
    tools: false,
    chunks: () => [...textChunks(['The story goes'], { finish: 'length' }), usageChunk],
    message: expected([{ type: 'text', text: 'The story goes' }], 'max_tokens'),
  },
]

const BACKEND_ERROR = 'CUDA error: out of memory'
const errorChunks = () => [
  ...textChunks(['Partial answer'], { finish: null }),
  { error: { code: 500, message: BACKEND_ERROR, type: 'server_error' } },
]

describe('conformance: streams read by the official SDKs', () => {
  describe.each(scenarios)('$name', ({ tools, chunks, message }) => {
    it('@anthropic-ai/sdk current: messages.stream().finalMessage()', async () => {
      const { current, hosts } = setup(() => ({ chunks: chunks() }))
      const final = await current.messages.stream(params(tools)).finalMessage()
      expect(plain(final)).toEqual(message)
      expect(hosts).toEqual(['127.0.0.1:8082'])
    })

    it('@anthropic-ai/sdk 0.94.0 (Claude Code 2.1.197): beta.messages.stream().finalMessage()', async () => {
      const { old } = setup(() => ({ chunks: chunks() }))
      const final = await old.beta.messages.stream(params(tools)).finalMessage()
      expect(plain(final)).toEqual(message)
    })
  })

  describe('backend error mid-stream', () => {
    it('@anthropic-ai/sdk current throws an APIError carrying the message', async () => {
      const { current } = setup(() => ({ chunks: errorChunks(), noDone: true }))
      const stream = current.messages.stream(params(false))
      const texts: string[] = []
      stream.on('text', (t) => texts.push(t))
      const err = await stream.finalMessage().then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err).toBeInstanceOf(Anthropic.APIError)
      expect((err as InstanceType<typeof Anthropic.APIError>).message).toContain(BACKEND_ERROR)
      expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
        type: 'error',
        error: { type: 'api_error', message: expect.stringContaining(BACKEND_ERROR) },
      })
      // What came before the error was shown as it streamed.
      expect(texts.join('')).toBe('Partial answer')
    })

    it('@anthropic-ai/sdk 0.94.0 throws an APIError carrying the message', async () => {
      const { old } = setup(() => ({ chunks: errorChunks(), noDone: true }))
      const err = await old.beta.messages
        .stream(params(false))
        .finalMessage()
        .then(
          () => undefined,
          (e: unknown) => e,
        )
      expect(err).toBeInstanceOf(Anthropic094.APIError)
      expect((err as InstanceType<typeof Anthropic094.APIError>).message).toContain(BACKEND_ERROR)
      expect((err as InstanceType<typeof Anthropic094.APIError>).error).toMatchObject({
        error: { type: 'api_error', message: expect.stringContaining(BACKEND_ERROR) },
      })
    })

    it('the raw stream ends with that one error event', async () => {
      const { app } = setup(() => ({ chunks: errorChunks(), noDone: true }))
      const res = await app.request(`${BASE_URL}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', host: '127.0.0.1:8082' },
        body: JSON.stringify({ ...params(false), stream: true }),
      })
      const frames = parseSse(await res.text())
      expect(types(frames)).toEqual([
        'message_start',
        'content_block_start',
        'content_block_delta',
        'error',
      ])
    })
  })
})

describe('conformance: non-streaming messages.create', () => {
  const cases = [scenarios[0]!, scenarios[2]!]
  describe.each(cases)('$name', ({ tools, chunks, message }) => {
    it('@anthropic-ai/sdk current: messages.create({ stream: false })', async () => {
      const { current, fetch } = setup(() => ({ chunks: chunks() }))
      const msg = await current.messages.create({ ...params(tools), stream: false })
      expect(plain(msg)).toEqual(message)
      // The backend is still asked to stream (one translation for both paths).
      expect(fetch.calls[0]!.body.stream).toBe(true)
    })

    it('@anthropic-ai/sdk 0.94.0: beta.messages.create({ stream: false })', async () => {
      const { old } = setup(() => ({ chunks: chunks() }))
      const msg = await old.beta.messages.create({ ...params(tools), stream: false })
      expect(plain(msg)).toEqual(message)
    })
  })
})
