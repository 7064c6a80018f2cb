import { describe, expect, it } from 'vitest'
import { describeFetchError, formatProbeLine, probeBackend } from '../../src/backends/detect.js'
import { adjustRequest } from '../../src/backends/kinds/index.js'
import { BackendRegistry } from '../../src/backends/registry.js'
import { resolveBackends } from '../../src/backends/resolve.js'
import type { Backend, BackendKind } from '../../src/backends/types.js'
import {
  fakeFetch,
  llamaServer,
  lmStudioServer,
  mlxLmServer,
  mlxTextgenServer,
  ollamaServer,
  vllmServer,
} from './fake-servers.js'

const backend = (kind: BackendKind, url: string, extra: Record<string, unknown> = {}): Backend =>
  resolveBackends({ backends: [{ kind, url, ...extra }] })[0]!

const opts = { timeoutMs: 500 }

describe('probeBackend fingerprints the server that answers', () => {
  it.each([
    {
      server: 'llama-server',
      fake: llamaServer(),
      configured: 'llamacpp' as const,
      expected: {
        up: true,
        detectedKind: 'llamacpp',
        models: ['qwen3-coder-30b'],
        contextWindow: 32768,
        vision: false,
      },
    },
    {
      server: 'mlx_lm.server',
      fake: mlxLmServer(),
      configured: 'mlx-lm' as const,
      expected: {
        up: true,
        detectedKind: 'mlx-lm',
        models: [
          'mlx-community/Qwen3-Coder-30B-A3B-Instruct-4bit',
          'mlx-community/Llama-3.2-3B-Instruct-4bit',
        ],
      },
    },
    {
      server: 'MLX-Textgen',
      fake: mlxTextgenServer(),
      configured: 'mlx-textgen' as const,
      expected: { up: true, detectedKind: 'mlx-textgen', models: ['Qwen3-Coder-30B'] },
    },
    {
      server: 'LM Studio',
      fake: lmStudioServer(),
      configured: 'lmstudio' as const,
      expected: {
        up: true,
        detectedKind: 'lmstudio',
        // the loaded model first; embedding models (listed by /v1/models too) left out
        models: ['qwen/qwen3-coder-30b', 'google/gemma-3-12b'],
        contextWindow: 40960,
        vision: false,
      },
    },
    {
      server: 'Ollama',
      fake: ollamaServer(),
      configured: 'ollama' as const,
      expected: {
        up: true,
        detectedKind: 'ollama',
        models: ['qwen3:32b', 'qwen2.5-coder:7b'],
        contextWindow: 8192,
      },
    },
    {
      server: 'vLLM',
      fake: vllmServer(),
      configured: 'vllm' as const,
      expected: {
        up: true,
        detectedKind: 'vllm',
        models: ['Qwen/Qwen3-Coder-30B-A3B-Instruct'],
        contextWindow: 65536,
      },
    },
  ])('$server', async ({ fake, configured, expected }) => {
    const fetch = fakeFetch({ 'http://127.0.0.1:9000': fake })
    const result = await probeBackend(
      backend(configured, 'http://127.0.0.1:9000'),
      'http://127.0.0.1:9000/v1',
      fetch,
      opts,
    )
    expect(result).toEqual(expected)
  })

  it('an unknown OpenAI-compatible server is up with no detected kind', async () => {
    const fetch = fakeFetch({
      'http://10.0.0.2:8000': {
        routes: {
          '/v1/models': {
            object: 'list',
            data: [{ id: 'm', object: 'model', owned_by: 'someone' }],
          },
        },
        notFound: () => new Response('nope', { status: 404 }),
      },
    })
    const result = await probeBackend(
      backend('openai', 'http://10.0.0.2:8000'),
      'http://10.0.0.2:8000/v1',
      fetch,
      opts,
    )
    expect(result).toEqual({ up: true, models: ['m'] })
  })

  it('an LM Studio vision model loaded → vision', async () => {
    const server = lmStudioServer()
    const list = server.routes['/api/v0/models'] as { data: Record<string, unknown>[] }
    for (const m of list.data) m.state = m.type === 'vlm' ? 'loaded' : 'not-loaded'
    const fetch = fakeFetch({ 'http://127.0.0.1:1234': server })
    const result = await probeBackend(
      backend('lmstudio', 'http://127.0.0.1:1234'),
      'http://127.0.0.1:1234/v1',
      fetch,
      opts,
    )
    expect(result).toMatchObject({
      vision: true,
      contextWindow: 131072,
      models: ['google/gemma-3-12b', 'qwen/qwen3-coder-30b'],
    })
  })

  it('sends the API key as a bearer token', async () => {
    const fetch = fakeFetch({ 'http://127.0.0.1:5001': mlxTextgenServer() })
    await probeBackend(
      backend('mlx-textgen', 'http://127.0.0.1:5001', { apiKey: 'sekrit' }),
      'http://127.0.0.1:5001/v1',
      fetch,
      opts,
    )
    const models = fetch.calls.find((c) => c.url.endsWith('/v1/models'))
    expect(new Headers(models?.init?.headers).get('authorization')).toBe('Bearer sekrit')
  })

  it('an anthropic backend is only asked GET /v1/models, with its own headers', async () => {
    const fetch = fakeFetch({
      'https://api.example.com': {
        routes: { '/v1/models': { data: [{ id: 'claude-x', type: 'model' }] } },
        notFound: () => new Response('', { status: 404 }),
      },
    })
    const b = backend('anthropic', 'https://api.example.com', { apiKey: 'k' })
    const result = await probeBackend(b, 'https://api.example.com/v1', fetch, opts)
    expect(result).toEqual({ up: true, models: ['claude-x'] })
    expect(fetch.calls.map((c) => c.url)).toEqual(['https://api.example.com/v1/models'])
    const headers = new Headers(fetch.calls[0]?.init?.headers)
    expect(headers.get('x-api-key')).toBe('k')
    expect(headers.get('anthropic-version')).toBe('2023-06-01')
  })
})

describe('probeBackend: down and why', () => {
  it('connection refused (TypeError whose cause has code ECONNREFUSED)', async () => {
    const fetch = fakeFetch({})
    const result = await probeBackend(
      backend('lmstudio', 'http://127.0.0.1:1234'),
      'http://127.0.0.1:1234/v1',
      fetch,
      opts,
    )
    expect(result).toEqual({ up: false, reason: 'connection refused' })
  })

  it('timeout, even when fetch ignores the abort signal', async () => {
    const hang = (() => new Promise<Response>(() => {})) as unknown as typeof fetch
    const started = Date.now()
    const result = await probeBackend(
      backend('mlx-lm', 'http://127.0.0.1:8080'),
      'http://127.0.0.1:8080/v1',
      hang,
      { timeoutMs: 30 },
    )
    expect(result).toEqual({ up: false, reason: 'timeout' })
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('HTTP 500 from /v1/models', async () => {
    const fetch = fakeFetch({
      'http://127.0.0.1:5001': {
        routes: { '/v1/models': () => new Response('boom', { status: 500 }) },
        notFound: () => new Response('', { status: 404 }),
      },
    })
    const result = await probeBackend(
      backend('mlx-textgen', 'http://127.0.0.1:5001'),
      'http://127.0.0.1:5001/v1',
      fetch,
      opts,
    )
    expect(result).toEqual({ up: false, reason: 'HTTP 500' })
  })

  it("llama-server loading its model: down with the server's words, still recognised", async () => {
    const loading = () =>
      new Response(
        JSON.stringify({
          error: { code: 503, message: 'Loading model', type: 'unavailable_error' },
        }),
        { status: 503 },
      )
    const fetch = fakeFetch({ 'http://127.0.0.1:8080': llamaServer({ '/v1/models': loading }) })
    const result = await probeBackend(
      backend('mlx-lm', 'http://127.0.0.1:8080'),
      'http://127.0.0.1:8080/v1',
      fetch,
      opts,
    )
    expect(result).toMatchObject({
      up: false,
      reason: 'HTTP 503 (Loading model)',
      detectedKind: 'llamacpp',
    })
  })

  it.each([
    [
      Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } }),
      'connection reset',
    ],
    [
      Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } }),
      'host not found',
    ],
    // Node's happy eyeballs: an AggregateError whose errors carry the codes
    [
      new TypeError('fetch failed', {
        cause: new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]),
      }),
      'connection refused',
    ],
    [new DOMException('The operation timed out.', 'TimeoutError'), 'timeout'],
    [
      new TypeError('fetch failed', { cause: new Error('self-signed certificate') }),
      'self-signed certificate',
    ],
    ['weird', 'unreachable'],
  ])('describeFetchError(%s) → %s', (error, reason) => {
    expect(describeFetchError(error)).toBe(reason)
  })
})

describe('quirks follow the server found', () => {
  it("a llama-server on mlx-lm's port is recognised, and effective() uses llama.cpp's quirks", async () => {
    const [mlxLm] = resolveBackends({
      backends: [{ kind: 'mlx-lm', url: 'http://127.0.0.1:8080' }],
    })
    const lines: string[] = []
    const registry = new BackendRegistry(
      [mlxLm!],
      { fetch: fakeFetch({ 'http://127.0.0.1:8080': llamaServer() }), log: (l) => lines.push(l) },
      { retryDownAfterMs: 5000, probeIntervalMs: 30_000 },
    )
    await registry.probeAll()
    expect(registry.states()[0]).toMatchObject({ up: true, detectedKind: 'llamacpp' })
    expect(lines).toEqual([
      '✓ mlx-lm at http://127.0.0.1:8080/v1 — model qwen3-coder-30b, 32k context, tools (configured mlx-lm, found llama.cpp)',
    ])

    const eff = registry.effective(mlxLm!, 'http://127.0.0.1:8080/v1')
    expect(eff).toMatchObject({
      name: 'mlx-lm',
      kind: 'llamacpp',
      // llama.cpp serves one model under the id it lists, not mlx-lm's "default_model"
      model: 'qwen3-coder-30b',
      contextWindow: 32768,
      toolChoice: true,
      parallelToolCalls: true,
      textToolFormats: [],
    })
    const body: Record<string, unknown> = {
      model: eff.model,
      tools: [{ type: 'function' }],
      chat_template_kwargs: { enable_thinking: false },
    }
    adjustRequest(body, eff)
    expect(body).toMatchObject({
      parallel_tool_calls: true,
      cache_prompt: true,
      reasoning_effort: 'none',
      model: 'qwen3-coder-30b',
    })
  })

  it('a real mlx-lm keeps its quirks and is sent default_model, not a cache entry', async () => {
    const [mlxLm] = resolveBackends({
      backends: [{ kind: 'mlx-lm', url: 'http://127.0.0.1:8080' }],
    })
    const registry = new BackendRegistry(
      [mlxLm!],
      { fetch: fakeFetch({ 'http://127.0.0.1:8080': mlxLmServer() }) },
      { retryDownAfterMs: 5000, probeIntervalMs: 30_000 },
    )
    await registry.probeAll()
    const eff = registry.effective(mlxLm!, 'http://127.0.0.1:8080/v1')
    expect(eff).toMatchObject({ kind: 'mlx-lm', model: 'default_model', toolChoice: false })
    const body: Record<string, unknown> = { model: 'claude-sonnet-4-5' }
    adjustRequest(body, eff)
    expect(body).toEqual({ model: 'default_model', max_tokens: 32000 })
  })

  it('fields set in the config win over the detected kind', async () => {
    const [b] = resolveBackends({
      backends: [
        {
          kind: 'mlx-lm',
          url: 'http://127.0.0.1:8080',
          model: 'mine',
          contextWindow: 16384,
          textToolFormats: ['hermes'],
        },
      ],
    })
    const registry = new BackendRegistry(
      [b!],
      { fetch: fakeFetch({ 'http://127.0.0.1:8080': llamaServer() }) },
      { retryDownAfterMs: 5000, probeIntervalMs: 30_000 },
    )
    await registry.probeAll()
    expect(registry.effective(b!, 'http://127.0.0.1:8080/v1')).toMatchObject({
      kind: 'llamacpp',
      model: 'mine',
      contextWindow: 16384,
      textToolFormats: ['hermes'],
      parallelToolCalls: true,
    })
  })
})

describe('formatProbeLine', () => {
  it('up, with model and tools', () => {
    const b = backend('mlx-textgen', 'http://127.0.0.1:5001')
    const line = formatProbeLine(b, {
      name: 'mlx-textgen',
      url: 'http://127.0.0.1:5001/v1',
      up: true,
      checkedAt: 1,
      inFlight: 0,
      detectedKind: 'mlx-textgen',
      models: ['Qwen3-Coder-30B'],
    })
    expect(line).toBe('✓ mlx-textgen at http://127.0.0.1:5001/v1 — model Qwen3-Coder-30B, tools')
  })

  it('down, with the reason', () => {
    const b = backend('lmstudio', 'http://127.0.0.1:1234')
    const line = formatProbeLine(b, {
      name: 'lmstudio',
      url: 'http://127.0.0.1:1234/v1',
      up: false,
      checkedAt: 1,
      inFlight: 0,
      reason: 'connection refused',
    })
    expect(line).toBe('✗ lmstudio at http://127.0.0.1:1234/v1 — connection refused')
  })

  it('a named backend shows its kind; no model known says so', () => {
    const b = backend('lmstudio', 'http://10.0.0.5:1234', { name: 'studio-box' })
    const line = formatProbeLine(b, {
      name: 'studio-box',
      url: 'http://10.0.0.5:1234/v1',
      up: true,
      checkedAt: 1,
      inFlight: 0,
    })
    expect(line).toBe('✓ studio-box (lmstudio) at http://10.0.0.5:1234/v1 — no model loaded, tools')
  })
})
