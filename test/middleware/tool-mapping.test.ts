import { Hono } from 'hono'
import { beforeEach, describe, expect, it } from 'vitest'
import type { Backend } from '../../src/backends/types.js'
import { toolMapping } from '../../src/middleware/tool-mapping.js'
import type { MessagesRequest } from '../../src/schemas/anthropic.js'
import type { AppEnv } from '../../src/types.js'
import { makeBackend } from '../helpers/backend.js'
import { onError, postJson } from '../helpers/middleware.js'

const openai = makeBackend({
  name: 'generic',
  kind: 'openai',
  textToolFormats: ['hermes', 'qwen3-coder'],
  thinkTags: false,
})
const plain = makeBackend({ name: 'plain', kind: 'vllm', textToolFormats: [], thinkTags: false })
const anthropic = makeBackend({
  name: 'native',
  kind: 'anthropic',
  textToolFormats: [],
  thinkTags: false,
})

const BASH = {
  name: 'Bash',
  description: 'Run a shell command',
  input_schema: {
    type: 'object',
    properties: { command: { type: 'string' }, timeout: { type: 'number' } },
    required: ['command'],
  },
}

const request = (over: Partial<MessagesRequest> = {}): MessagesRequest => ({
  model: 'claude-sonnet-4-5',
  max_tokens: 4096,
  system: [{ type: 'text', text: 'Be brief.' }],
  messages: [{ role: 'user', content: 'list files' }],
  tools: [BASH],
  ...over,
})

/** What the handler reports from c.var.upstream for the given backends. */
function build() {
  const app = new Hono<AppEnv>()
  app.post(
    '/v1/messages',
    async function body(c, next) {
      c.set('request', (await c.req.json()) as MessagesRequest)
      await next()
    },
    toolMapping(),
    (c) => {
      const plan = c.var.upstream
      const of = (b: Backend) => plan.transforms(b).length
      return c.json({
        hasTools: plan.hasTools,
        toolNames: plan.toolNames,
        openai: plan.build(openai, { model: 'qwen3-coder-30b', stream: true }),
        anthropic: plan.build(anthropic, { model: 'local', stream: true, maxTokens: 1000 }),
        transforms: { openai: of(openai), plain: of(plain), anthropic: of(anthropic) },
        repaired: plan.toolInput('Bash', '{"command": "ls", "timeout": "30",}'),
      })
    },
  )
  app.onError(onError)
  return app
}

describe('middleware: tool-mapping', () => {
  let app: Hono<AppEnv>
  beforeEach(() => {
    app = build()
  })

  it('builds an OpenAI Chat Completions body for an openai backend', async () => {
    const res = await app.request('/v1/messages', postJson(request()))
    expect(res.status).toBe(200)
    const { openai: built, hasTools, toolNames } = await res.json()
    expect(hasTools).toBe(true)
    expect(toolNames).toEqual(['Bash'])
    expect(built.warnings).toEqual([])
    expect(built.value).toMatchObject({
      model: 'qwen3-coder-30b',
      stream: true,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'list files' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'Bash',
            description: 'Run a shell command',
            parameters: { type: 'object', required: ['command'] },
          },
        },
      ],
    })
    expect(built.value).not.toHaveProperty('system')
  })

  it('builds an Anthropic body for an anthropic backend, max_tokens capped', async () => {
    const { anthropic: built } = await (
      await app.request('/v1/messages', postJson(request()))
    ).json()
    expect(built.value).toMatchObject({
      model: 'local',
      stream: true,
      max_tokens: 1000,
      tools: [BASH],
    })
  })

  it('adds the text-format rescue when the request has tools and the backend rescues formats', async () => {
    const { transforms } = await (await app.request('/v1/messages', postJson(request()))).json()
    expect(transforms).toEqual({ openai: 1, plain: 0, anthropic: 0 })
  })

  it('adds no rescue without tools, or with tool_choice none', async () => {
    for (const over of [{ tools: [] }, { tool_choice: { type: 'none' as const } }]) {
      const json = await (await app.request('/v1/messages', postJson(request(over)))).json()
      expect(json.hasTools).toBe(false)
      expect(json.transforms.openai).toBe(0)
    }
  })

  it('repairs tool arguments against the tool’s schema', async () => {
    const { repaired } = await (await app.request('/v1/messages', postJson(request()))).json()
    expect(repaired).toMatchObject({ ok: true, input: { command: 'ls', timeout: 30 } })
    expect(repaired.notes.length).toBeGreaterThan(0)
  })
})
