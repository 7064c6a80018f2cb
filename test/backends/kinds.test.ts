import { describe, expect, it } from 'vitest'
import { effectiveBackend } from '../../src/backends/effective.js'
import { adjustRequest, KIND_LABELS, KIND_PROFILES } from '../../src/backends/kinds/index.js'
import { resolveBackends } from '../../src/backends/resolve.js'
import { BACKEND_KINDS, type BackendState } from '../../src/backends/types.js'
import type { BackendConfig } from '../../src/config.js'

const one = (entry: BackendConfig) => resolveBackends({ backends: [entry] })[0]!
const state = (over: Partial<BackendState> = {}): BackendState => ({
  name: 'x',
  url: 'http://h/v1',
  up: true,
  checkedAt: 1,
  inFlight: 0,
  ...over,
})

describe('kind profiles', () => {
  it('every kind has a profile and a label', () => {
    for (const kind of BACKEND_KINDS) {
      expect(KIND_PROFILES[kind].defaults.speedRank).toBeTypeOf('number')
      expect(KIND_LABELS[kind]).toBeTruthy()
    }
  })

  it('ranks: MLX-Textgen, LM Studio, mlx-lm lead tool requests; mlx-lm is the fastest', () => {
    const toolRank = (k: keyof typeof KIND_PROFILES) => KIND_PROFILES[k].defaults.toolRank
    expect(toolRank('mlx-textgen')).toBeGreaterThan(toolRank('lmstudio'))
    expect(toolRank('lmstudio')).toBeGreaterThan(toolRank('mlx-lm'))
    for (const k of BACKEND_KINDS.filter((k) => !['mlx-textgen', 'lmstudio', 'mlx-lm'].includes(k)))
      expect(toolRank('mlx-lm')).toBeGreaterThan(toolRank(k))
    const speeds = BACKEND_KINDS.map((k) => KIND_PROFILES[k].defaults.speedRank)
    expect(KIND_PROFILES['mlx-lm'].defaults.speedRank).toBe(Math.max(...speeds))
  })

  it('the quirks protocol.md §7 lists', () => {
    expect(KIND_PROFILES['mlx-lm']).toMatchObject({
      defaultModel: 'default_model',
      defaults: {
        vision: false,
        tools: 'native',
        toolChoice: false,
        parallelToolCalls: false,
        thinking: 'chat_template_kwargs',
      },
    })
    expect(KIND_PROFILES['mlx-lm'].defaults.textToolFormats).toEqual([
      'hermes',
      'qwen3-coder',
      'llama3-json',
      'mistral',
      'pythonic',
    ])
    expect(KIND_PROFILES.openai.defaults.textToolFormats.length).toBeGreaterThan(0)
    expect(KIND_PROFILES['mlx-textgen'].defaults).toMatchObject({
      tools: 'native',
      maxToolCallsPerAnswer: 1,
      historyToolCallsAsText: true,
      streamUsage: false,
    })
    expect(KIND_PROFILES.lmstudio.defaults).toMatchObject({
      tools: 'native',
      emptyStreamIsOverflow: true,
    })
    expect(KIND_PROFILES.llamacpp.defaults).toMatchObject({
      thinking: 'chat_template_kwargs',
      parallelToolCalls: true,
    })
    expect(KIND_PROFILES.ollama.defaults).toMatchObject({
      stringContentOnly: true,
      toolChoice: false,
      contextWindow: 4096,
    })
    expect(KIND_PROFILES.vllm.defaults).toMatchObject({ maxTokensField: 'both' })
  })
})

describe('adjustRequest', () => {
  it('mlx-lm: never a Claude model name, always a max_tokens', () => {
    const b = effectiveBackend(one({ kind: 'mlx-lm', url: 'http://h:8080' }))
    const body: Record<string, unknown> = { model: 'claude-haiku-4-5', max_completion_tokens: 4096 }
    adjustRequest(body, b)
    expect(body).toEqual({ model: 'default_model', max_completion_tokens: 4096, max_tokens: 4096 })
    const kept: Record<string, unknown> = { model: 'x', max_tokens: 100 }
    adjustRequest(
      kept,
      effectiveBackend(
        one({ kind: 'mlx-lm', url: 'http://h:8080', model: 'mlx-community/Qwen3-4bit' }),
      ),
    )
    expect(kept).toEqual({ model: 'mlx-community/Qwen3-4bit', max_tokens: 100 })
  })

  it.each([
    [64_000, 32_000],
    [0, 1],
    [21_333, 21_333],
  ])('MLX-Textgen: max_tokens %i → %i (its schema allows 1..32000)', (sent, want) => {
    const body: Record<string, unknown> = { max_tokens: sent }
    adjustRequest(body, one({ kind: 'mlx-textgen', url: 'http://h:5001' }))
    expect(body.max_tokens).toBe(want)
  })

  it('llama.cpp: parallel_tool_calls only with tools, and never against the client', () => {
    const b = one({ kind: 'llamacpp', url: 'http://h:8080' })
    const noTools: Record<string, unknown> = {}
    adjustRequest(noTools, b)
    expect(noTools).toEqual({ cache_prompt: true })
    const serial: Record<string, unknown> = { tools: [{}], parallel_tool_calls: false }
    adjustRequest(serial, b)
    expect(serial.parallel_tool_calls).toBe(false)
    const thinking: Record<string, unknown> = { chat_template_kwargs: { enable_thinking: true } }
    adjustRequest(thinking, b)
    expect(thinking).not.toHaveProperty('reasoning_effort')
  })

  it('kinds without a hook leave the body alone', () => {
    for (const kind of ['lmstudio', 'ollama', 'vllm', 'openai', 'anthropic'] as const) {
      const body = { model: 'm', max_tokens: 10 }
      adjustRequest(body, one({ kind, url: 'http://h' }))
      expect(body).toEqual({ model: 'm', max_tokens: 10 })
    }
  })
})

describe('resolveBackends', () => {
  it('kind defaults, name = kind, URLs normalised to /v1 and deduplicated, disabled dropped', () => {
    const backends = resolveBackends({
      backends: [
        { kind: 'mlx-textgen', url: 'http://127.0.0.1:5001' },
        { kind: 'mlx-lm', urls: ['http://a:8080/', 'http://a:8080/v1', 'http://b:8080/v1/'] },
        { kind: 'lmstudio', url: 'http://127.0.0.1:1234/v1', enabled: false },
        { kind: 'lmstudio', name: 'studio', url: 'http://10.0.0.9:1234', enabled: true },
      ],
    })
    expect(backends.map((b) => [b.name, b.kind, b.urls])).toEqual([
      ['mlx-textgen', 'mlx-textgen', ['http://127.0.0.1:5001/v1']],
      ['mlx-lm', 'mlx-lm', ['http://a:8080/v1', 'http://b:8080/v1']],
      ['studio', 'lmstudio', ['http://10.0.0.9:1234/v1']],
    ])
    expect(backends[0]).toEqual({
      ...KIND_PROFILES['mlx-textgen'].defaults,
      name: 'mlx-textgen',
      kind: 'mlx-textgen',
      urls: ['http://127.0.0.1:5001/v1'],
      configured: {},
    })
    // the model is chosen per URL later (configured, detected, or the kind's default)
    expect(backends[1]).not.toHaveProperty('model')
  })

  it('config fields override the kind, and are remembered as configured', () => {
    const b = one({
      kind: 'ollama',
      url: 'http://h:11434',
      model: 'qwen3:32b',
      apiKey: 'k',
      contextWindow: 32768,
      tools: 'rescue',
      textToolFormats: ['hermes'],
      temperature: 0.7,
      topK: 20,
      vision: true,
    })
    expect(b).toMatchObject({
      model: 'qwen3:32b',
      apiKey: 'k',
      contextWindow: 32768,
      tools: 'rescue',
      textToolFormats: ['hermes'],
      sampling: { temperature: 0.7, top_k: 20 },
      vision: true,
      stringContentOnly: true,
    })
    expect(b.configured).toEqual({
      contextWindow: 32768,
      tools: 'rescue',
      textToolFormats: ['hermes'],
      sampling: { temperature: 0.7, top_k: 20 },
      vision: true,
    })
  })

  it('a config file may also set ranks and flags (type-checked; wrong types ignored)', () => {
    const b = one({
      kind: 'openai',
      url: 'http://h',
      speedRank: 500,
      toolRank: 'high',
      maxTokensField: 'max_completion_tokens',
      stringContentOnly: true,
      maxToolCallsPerAnswer: 2,
    } as BackendConfig)
    expect(b).toMatchObject({
      speedRank: 500,
      toolRank: 30,
      maxTokensField: 'max_completion_tokens',
      stringContentOnly: true,
      maxToolCallsPerAnswer: 2,
    })
    const bad = one({ kind: 'openai', url: 'http://h', maxTokensField: 'tokens' } as BackendConfig)
    expect(bad.maxTokensField).toBe('max_tokens')
  })
})

describe('effectiveBackend', () => {
  it('nothing known: the backend with its kind default model (if any)', () => {
    expect(effectiveBackend(one({ kind: 'mlx-lm', url: 'http://h' })).model).toBe('default_model')
    expect(effectiveBackend(one({ kind: 'lmstudio', url: 'http://h' }))).not.toHaveProperty('model')
  })

  it('the detected model (served one first), context window and vision', () => {
    const b = one({ kind: 'ollama', url: 'http://h' })
    expect(
      effectiveBackend(
        b,
        state({ detectedKind: 'ollama', models: ['qwen3:32b', 'llama3'], contextWindow: 8192 }),
      ),
    ).toMatchObject({
      kind: 'ollama',
      model: 'qwen3:32b',
      contextWindow: 8192,
    })
    expect(
      effectiveBackend(one({ kind: 'lmstudio', url: 'http://h' }), state({ vision: true })).vision,
    ).toBe(true)
    // configured wins
    expect(
      effectiveBackend(
        one({ kind: 'lmstudio', url: 'http://h', vision: false }),
        state({ vision: true }),
      ).vision,
    ).toBe(false)
  })

  it('another server found: its defaults, the configured fields on top', () => {
    const b = one({ kind: 'openai', url: 'http://h:8000', temperature: 0.2 })
    const eff = effectiveBackend(
      b,
      state({ detectedKind: 'vllm', models: ['Qwen/Qwen3'], contextWindow: 65536 }),
    )
    expect(eff).toMatchObject({
      name: 'openai',
      kind: 'vllm',
      maxTokensField: 'both',
      textToolFormats: [],
      model: 'Qwen/Qwen3',
      sampling: { temperature: 0.2 },
    })
  })

  it("the configured kind's own defaults do not leak into the detected kind", () => {
    const b = one({ kind: 'ollama', url: 'http://h:11434', apiKey: 'k' })
    const eff = effectiveBackend(b, state({ detectedKind: 'llamacpp', models: ['m'] }))
    expect(eff).toMatchObject({
      kind: 'llamacpp',
      stringContentOnly: false,
      apiKey: 'k',
      urls: ['http://h:11434/v1'],
    })
    expect(eff).not.toHaveProperty('contextWindow')
    const textgen = one({ kind: 'mlx-textgen', url: 'http://h:5001' })
    const asLlama = effectiveBackend(textgen, state({ detectedKind: 'llamacpp' }))
    expect(asLlama).not.toHaveProperty('maxTokens')
    expect(asLlama).not.toHaveProperty('maxToolCallsPerAnswer')
  })

  it('an anthropic backend keeps its protocol whatever answers', () => {
    const b = one({ kind: 'anthropic', url: 'http://127.0.0.1:8080' })
    expect(effectiveBackend(b, state({ detectedKind: 'llamacpp', models: ['q'] }))).toMatchObject({
      kind: 'anthropic',
      model: 'q',
    })
  })

  it('does not mutate the backend', () => {
    const b = one({ kind: 'mlx-lm', url: 'http://h' })
    const copy = structuredClone(b)
    effectiveBackend(b, state({ detectedKind: 'llamacpp', models: ['m'], contextWindow: 1 }))
    expect(b).toEqual(copy)
  })
})
