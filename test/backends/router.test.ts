import { describe, expect, it } from 'vitest'
import { resolveBackends } from '../../src/backends/resolve.js'
import {
  affinityKey,
  type Candidate,
  type RouteRequest,
  type RouterConfig,
  routeRequestFrom,
  selectBackends,
} from '../../src/backends/router.js'
import type { BackendState } from '../../src/backends/types.js'
import type { RoutingRule } from '../../src/config.js'
import type { MessagesRequest } from '../../src/schemas/anthropic.js'
import { makeBackend } from '../helpers/backend.js'

const T = 'http://127.0.0.1:5001/v1'
const M = 'http://127.0.0.1:8080/v1'
const L = 'http://127.0.0.1:1234/v1'
const NOW = 1_000_000

const textgen = makeBackend({
  name: 'mlx-textgen',
  kind: 'mlx-textgen',
  urls: [T],
  toolRank: 100,
  speedRank: 60,
})
const mlxLm = makeBackend({
  name: 'mlx-lm',
  kind: 'mlx-lm',
  urls: [M],
  toolRank: 80,
  speedRank: 100,
})
const lms = makeBackend({
  name: 'lmstudio',
  kind: 'lmstudio',
  urls: [L],
  toolRank: 90,
  speedRank: 50,
})
const BACKENDS = [textgen, mlxLm, lms]

const req = (over: Partial<RouteRequest> = {}): RouteRequest => ({
  hasTools: false,
  model: 'claude-sonnet-4-5',
  thinking: false,
  headers: {},
  tokenEstimate: 20_000,
  ...over,
})

const cfg = (over: Partial<RouterConfig> = {}): RouterConfig => ({
  mode: 'auto',
  rules: [],
  backends: BACKENDS,
  now: NOW,
  ...over,
})

const up = (name: string, url: string, over: Partial<BackendState> = {}): BackendState => ({
  name,
  url,
  up: true,
  checkedAt: NOW - 1000,
  inFlight: 0,
  ...over,
})
const down = (name: string, url: string, retryAt = NOW + 5000): BackendState =>
  up(name, url, { up: false, reason: 'connection refused', retryAt })

const ALL_UP = [up('mlx-textgen', T), up('mlx-lm', M), up('lmstudio', L)]

/** `name@url` of each candidate, for compact assertions. */
const route = (c: Candidate[]): string[] => c.map((x) => `${x.backend.name}@${new URL(x.url).port}`)

describe('auto mode: tools → toolRank, chat → speedRank', () => {
  it.each([
    {
      hasTools: true,
      states: ALL_UP,
      want: ['mlx-textgen@5001', 'lmstudio@1234', 'mlx-lm@8080'],
      reason: 'auto: tools → mlx-textgen (toolRank)',
    },
    {
      hasTools: false,
      states: ALL_UP,
      want: ['mlx-lm@8080', 'mlx-textgen@5001', 'lmstudio@1234'],
      reason: 'auto: chat → mlx-lm (speedRank)',
    },
    {
      hasTools: true,
      states: [down('mlx-textgen', T), up('mlx-lm', M), up('lmstudio', L)],
      want: ['lmstudio@1234', 'mlx-lm@8080', 'mlx-textgen@5001'],
      reason: 'auto: tools → lmstudio (toolRank); down, tried last: mlx-textgen',
    },
    {
      hasTools: false,
      states: [up('mlx-textgen', T), down('mlx-lm', M), up('lmstudio', L)],
      want: ['mlx-textgen@5001', 'lmstudio@1234', 'mlx-lm@8080'],
      reason: 'auto: chat → mlx-textgen (speedRank); down, tried last: mlx-lm',
    },
    {
      hasTools: true,
      states: [down('mlx-textgen', T), down('mlx-lm', M), down('lmstudio', L)],
      want: ['mlx-textgen@5001', 'lmstudio@1234', 'mlx-lm@8080'],
      reason: 'auto: tools → mlx-textgen (toolRank); all down, trying each in order',
    },
    {
      // retryAt passed: half-open, a candidate in its normal place again
      hasTools: true,
      states: [down('mlx-textgen', T, NOW - 1), up('mlx-lm', M), up('lmstudio', L)],
      want: ['mlx-textgen@5001', 'lmstudio@1234', 'mlx-lm@8080'],
      reason: 'auto: tools → mlx-textgen (toolRank)',
    },
    {
      // no state yet (never probed) counts as up
      hasTools: false,
      states: [],
      want: ['mlx-lm@8080', 'mlx-textgen@5001', 'lmstudio@1234'],
      reason: 'auto: chat → mlx-lm (speedRank)',
    },
  ])('tools=$hasTools → $want', ({ hasTools, states, want, reason }) => {
    const { candidates, reason: got } = selectBackends(req({ hasTools }), states, cfg())
    expect(route(candidates)).toEqual(want)
    expect(got).toBe(reason)
  })

  it('tool requests skip tool-less backends, unless no backend can call tools', () => {
    const chatOnly = makeBackend({
      name: 'chat-only',
      kind: 'openai',
      urls: ['http://h:1/v1'],
      tools: 'none',
      toolRank: 999,
      speedRank: 999,
    })
    const withTools = selectBackends(
      req({ hasTools: true }),
      [],
      cfg({ backends: [...BACKENDS, chatOnly] }),
    )
    expect(route(withTools.candidates)).toEqual([
      'mlx-textgen@5001',
      'lmstudio@1234',
      'mlx-lm@8080',
    ])
    const chat = selectBackends(
      req({ hasTools: false }),
      [],
      cfg({ backends: [...BACKENDS, chatOnly] }),
    )
    expect(route(chat.candidates)[0]).toBe('chat-only@1')
    const only = selectBackends(req({ hasTools: true }), [], cfg({ backends: [chatOnly] }))
    expect(route(only.candidates)).toEqual(['chat-only@1'])
    expect(only.reason).toBe('auto: tools → chat-only (toolRank, no tool-capable backend)')
  })

  it('toolOrder / chatOrder (names or kinds) come before the ranks', () => {
    const tools = selectBackends(req({ hasTools: true }), ALL_UP, cfg({ toolOrder: ['mlx-lm'] }))
    expect(route(tools.candidates)).toEqual(['mlx-lm@8080', 'mlx-textgen@5001', 'lmstudio@1234'])
    expect(tools.reason).toBe('auto: tools → mlx-lm (toolOrder)')
    const chat = selectBackends(req(), ALL_UP, cfg({ chatOrder: ['lmstudio', 'mlx-textgen'] }))
    expect(route(chat.candidates)).toEqual(['lmstudio@1234', 'mlx-textgen@5001', 'mlx-lm@8080'])
    expect(chat.reason).toBe('auto: chat → lmstudio (chatOrder)')
  })

  it('the kinds’ own ranks: MLX-Textgen, LM Studio, mlx-lm for tools; mlx-lm first for chat', () => {
    const backends = resolveBackends({
      backends: [
        { kind: 'lmstudio', url: L },
        { kind: 'mlx-lm', url: M },
        { kind: 'mlx-textgen', url: T },
        { kind: 'llamacpp', url: 'http://127.0.0.1:8081' },
      ],
    })
    const tools = selectBackends(req({ hasTools: true }), [], cfg({ backends }))
    expect(route(tools.candidates)).toEqual([
      'mlx-textgen@5001',
      'lmstudio@1234',
      'mlx-lm@8080',
      'llamacpp@8081',
    ])
    const chat = selectBackends(req(), [], cfg({ backends }))
    expect(route(chat.candidates)[0]).toBe('mlx-lm@8080')
  })

  it('never returns an empty list when backends exist; empty when none', () => {
    expect(selectBackends(req(), [], cfg({ backends: [] }))).toEqual({
      candidates: [],
      reason: 'auto: chat → none (speedRank)',
    })
  })
})

describe('mode forces one backend (by kind or by name)', () => {
  const box2 = makeBackend({
    name: 'box2',
    kind: 'mlx-lm',
    urls: ['http://10.0.0.2:8080/v1'],
    speedRank: 100,
  })

  it.each([
    { mode: 'mlx-lm', hasTools: true, want: ['mlx-lm@8080', 'box2@8080'] },
    { mode: 'lmstudio', hasTools: false, want: ['lmstudio@1234'] },
    { mode: 'box2', hasTools: true, want: ['box2@8080'] },
  ])('mode=$mode (tools=$hasTools) → $want', ({ mode, hasTools, want }) => {
    const { candidates, reason } = selectBackends(
      req({ hasTools }),
      ALL_UP,
      cfg({ mode, backends: [...BACKENDS, box2] }),
    )
    expect(route(candidates)).toEqual(want)
    expect(reason).toBe(`mode=${mode} → ${want[0]!.split('@')[0]}`)
  })

  it('a forced backend that is down is still the (only) candidate', () => {
    const { candidates, reason } = selectBackends(
      req(),
      [down('lmstudio', L)],
      cfg({ mode: 'lmstudio' }),
    )
    expect(route(candidates)).toEqual(['lmstudio@1234'])
    expect(reason).toBe('mode=lmstudio → lmstudio; all down, trying each in order')
  })

  it('ignores affinity and rules', () => {
    const { candidates } = selectBackends(
      req({ sessionKey: 's1' }),
      ALL_UP,
      cfg({
        mode: 'lmstudio',
        rules: [{ backend: 'mlx-lm' }],
        affinity: new Map([[affinityKey('s1', false), 'mlx-textgen']]),
      }),
    )
    expect(route(candidates)).toEqual(['lmstudio@1234'])
  })

  it('an unknown mode falls back to auto and says so', () => {
    const { candidates, reason } = selectBackends(req(), ALL_UP, cfg({ mode: 'nope' }))
    expect(route(candidates)).toEqual(['mlx-lm@8080', 'mlx-textgen@5001', 'lmstudio@1234'])
    expect(reason).toBe('mode=nope matches no backend; auto: chat → mlx-lm (speedRank)')
  })
})

describe('rules: the matching rule’s backend first, the rest as fallback', () => {
  const cases: {
    name: string
    rule: RoutingRule
    request: Partial<RouteRequest>
    hit: boolean
    describe: string
  }[] = [
    {
      name: 'hasTools',
      rule: { backend: 'lmstudio', hasTools: false },
      request: { hasTools: false },
      hit: true,
      describe: 'hasTools=false',
    },
    {
      name: 'hasTools (no match)',
      rule: { backend: 'lmstudio', hasTools: false },
      request: { hasTools: true },
      hit: false,
      describe: '',
    },
    {
      name: 'model substring, any case',
      rule: { backend: 'lmstudio', model: 'HAIKU' },
      request: { model: 'claude-haiku-4-5-20251001' },
      hit: true,
      describe: 'model~HAIKU',
    },
    {
      name: 'model substring (no match)',
      rule: { backend: 'lmstudio', model: 'haiku' },
      request: { model: 'claude-sonnet-4-5' },
      hit: false,
      describe: '',
    },
    {
      name: 'model /regex/',
      rule: { backend: 'lmstudio', model: '/^claude-(haiku|3-5)/' },
      request: { model: 'claude-haiku-4-5' },
      hit: true,
      describe: 'model~/^claude-(haiku|3-5)/',
    },
    {
      name: 'model /regex/i',
      rule: { backend: 'lmstudio', model: '/SONNET$/i' },
      request: { model: 'claude-sonnet' },
      hit: true,
      describe: 'model~/SONNET$/i',
    },
    {
      name: 'invalid /regex/ never matches',
      rule: { backend: 'lmstudio', model: '/(/' },
      request: { model: '/(/' },
      hit: false,
      describe: '',
    },
    {
      name: 'thinking',
      rule: { backend: 'lmstudio', thinking: true },
      request: { thinking: true },
      hit: true,
      describe: 'thinking=true',
    },
    {
      name: 'thinking (no match)',
      rule: { backend: 'lmstudio', thinking: true },
      request: { thinking: false },
      hit: false,
      describe: '',
    },
    {
      name: 'header value',
      rule: { backend: 'lmstudio', header: { 'X-Route': 'studio' } },
      request: { headers: { 'x-route': 'studio' } },
      hit: true,
      describe: 'header X-Route=studio',
    },
    {
      name: 'header value (other)',
      rule: { backend: 'lmstudio', header: { 'x-route': 'studio' } },
      request: { headers: { 'x-route': 'other' } },
      hit: false,
      describe: '',
    },
    {
      name: 'header * = present',
      rule: { backend: 'lmstudio', header: { 'x-route': '*' } },
      request: { headers: { 'x-route': 'anything' } },
      hit: true,
      describe: 'header x-route=*',
    },
    {
      name: 'header * (absent)',
      rule: { backend: 'lmstudio', header: { 'x-route': '*' } },
      request: { headers: {} },
      hit: false,
      describe: '',
    },
    {
      name: 'minTokens',
      rule: { backend: 'lmstudio', minTokens: 50_000 },
      request: { tokenEstimate: 60_000 },
      hit: true,
      describe: 'tokens>=50000',
    },
    {
      name: 'minTokens (below)',
      rule: { backend: 'lmstudio', minTokens: 50_000 },
      request: { tokenEstimate: 20_000 },
      hit: false,
      describe: '',
    },
    {
      name: 'maxTokens',
      rule: { backend: 'lmstudio', maxTokens: 1000 },
      request: { tokenEstimate: 1000 },
      hit: true,
      describe: 'tokens<=1000',
    },
    {
      name: 'maxTokens (above)',
      rule: { backend: 'lmstudio', maxTokens: 1000 },
      request: { tokenEstimate: 1001 },
      hit: false,
      describe: '',
    },
    {
      name: 'no condition = always',
      rule: { backend: 'lmstudio' },
      request: {},
      hit: true,
      describe: 'always',
    },
    {
      name: 'every condition must hold',
      rule: { backend: 'lmstudio', hasTools: false, model: 'haiku' },
      request: { model: 'claude-sonnet' },
      hit: false,
      describe: '',
    },
  ]

  it.each(cases)('$name', ({ rule, request, hit, describe }) => {
    const { candidates, reason } = selectBackends(req(request), ALL_UP, cfg({ rules: [rule] }))
    const side = request.hasTools ? 'tools' : 'chat'
    if (hit) {
      expect(route(candidates)[0]).toBe('lmstudio@1234')
      expect(candidates).toHaveLength(3)
      expect(reason).toBe(`rule #0 (${describe}) → lmstudio`)
    } else {
      expect(reason.startsWith(`auto: ${side}`)).toBe(true)
    }
  })

  it('the first matching rule wins; a rule naming no backend is skipped', () => {
    const rules: RoutingRule[] = [
      { backend: 'ghost', hasTools: false },
      { backend: 'mlx-textgen', model: 'sonnet' },
      { backend: 'lmstudio', hasTools: false },
    ]
    const { candidates, reason } = selectBackends(req(), ALL_UP, cfg({ rules }))
    expect(route(candidates)).toEqual(['mlx-textgen@5001', 'mlx-lm@8080', 'lmstudio@1234'])
    expect(reason).toBe('rule #1 (model~sonnet) → mlx-textgen')
  })

  it('a rule’s backend that is down goes to the end like any other', () => {
    const states = [up('mlx-textgen', T), up('mlx-lm', M), down('lmstudio', L)]
    const { candidates, reason } = selectBackends(
      req(),
      states,
      cfg({ rules: [{ backend: 'lmstudio' }] }),
    )
    expect(route(candidates)).toEqual(['mlx-lm@8080', 'mlx-textgen@5001', 'lmstudio@1234'])
    expect(reason).toBe('rule #0 (always) → mlx-lm; down, tried last: lmstudio')
  })

  it('a rule may target a kind (all its backends first)', () => {
    const box2 = makeBackend({
      name: 'box2',
      kind: 'lmstudio',
      urls: ['http://10.0.0.2:1234/v1'],
      speedRank: 50,
    })
    const { candidates } = selectBackends(
      req(),
      [],
      cfg({ backends: [...BACKENDS, box2], rules: [{ backend: 'lmstudio' }] }),
    )
    expect(route(candidates)).toEqual([
      'lmstudio@1234',
      'box2@1234',
      'mlx-lm@8080',
      'mlx-textgen@5001',
    ])
  })

  it('rules come before affinity', () => {
    const affinity = new Map([[affinityKey('s1', false), 'mlx-textgen']])
    const { candidates } = selectBackends(
      req({ sessionKey: 's1' }),
      ALL_UP,
      cfg({ rules: [{ backend: 'lmstudio' }], affinity }),
    )
    expect(route(candidates)[0]).toBe('lmstudio@1234')
  })
})

describe('affinity keyed by (session, has tools)', () => {
  const affinity = new Map([
    [affinityKey('abc', false), 'lmstudio'],
    [affinityKey('abc', true), 'mlx-lm'],
  ])

  it.each([
    {
      hasTools: false,
      want: ['lmstudio@1234', 'mlx-lm@8080', 'mlx-textgen@5001'],
      reason: 'affinity session abc → lmstudio (chat)',
    },
    {
      hasTools: true,
      want: ['mlx-lm@8080', 'mlx-textgen@5001', 'lmstudio@1234'],
      reason: 'affinity session abc → mlx-lm (tools)',
    },
  ])('tools=$hasTools → $want', ({ hasTools, want, reason }) => {
    const r = selectBackends(req({ hasTools, sessionKey: 'abc' }), ALL_UP, cfg({ affinity }))
    expect(route(r.candidates)).toEqual(want)
    expect(r.reason).toBe(reason)
  })

  it('is ignored when the affine backend is down', () => {
    const states = [up('mlx-textgen', T), up('mlx-lm', M), down('lmstudio', L)]
    const r = selectBackends(req({ sessionKey: 'abc' }), states, cfg({ affinity }))
    expect(route(r.candidates)).toEqual(['mlx-lm@8080', 'mlx-textgen@5001', 'lmstudio@1234'])
    expect(r.reason).toBe('auto: chat → mlx-lm (speedRank); down, tried last: lmstudio')
  })

  it('is ignored for other sessions, without a session, and for unknown names', () => {
    expect(
      route(selectBackends(req({ sessionKey: 'other' }), ALL_UP, cfg({ affinity })).candidates)[0],
    ).toBe('mlx-lm@8080')
    expect(route(selectBackends(req(), ALL_UP, cfg({ affinity })).candidates)[0]).toBe(
      'mlx-lm@8080',
    )
    const ghost = new Map([[affinityKey('abc', false), 'ghost']])
    expect(
      route(
        selectBackends(req({ sessionKey: 'abc' }), ALL_UP, cfg({ affinity: ghost })).candidates,
      )[0],
    ).toBe('mlx-lm@8080')
  })

  it('does not send a tool request to a tool-less backend', () => {
    const chatOnly = makeBackend({
      name: 'chat-only',
      kind: 'openai',
      urls: ['http://h:1/v1'],
      tools: 'none',
    })
    const aff = new Map([[affinityKey('abc', true), 'chat-only']])
    const r = selectBackends(
      req({ hasTools: true, sessionKey: 'abc' }),
      [],
      cfg({ backends: [...BACKENDS, chatOnly], affinity: aff }),
    )
    expect(route(r.candidates)).toEqual(['mlx-textgen@5001', 'lmstudio@1234', 'mlx-lm@8080'])
  })
})

describe('several URLs of one backend', () => {
  const A = 'http://10.0.0.1:8080/v1'
  const B = 'http://10.0.0.2:8080/v1'
  const C = 'http://10.0.0.3:8080/v1'
  const pool = makeBackend({ name: 'pool', kind: 'mlx-lm', urls: [A, B, C], speedRank: 100 })
  const backends = [pool, lms]
  const hosts = (c: Candidate[]) => c.map((x) => `${x.backend.name}@${new URL(x.url).hostname}`)

  it.each([
    { inFlight: [0, 0, 0], want: ['pool@10.0.0.1', 'pool@10.0.0.2', 'pool@10.0.0.3'] },
    { inFlight: [2, 0, 1], want: ['pool@10.0.0.2', 'pool@10.0.0.3', 'pool@10.0.0.1'] },
    { inFlight: [1, 1, 0], want: ['pool@10.0.0.3', 'pool@10.0.0.1', 'pool@10.0.0.2'] },
  ])('fewest in flight first: $inFlight → $want', ({ inFlight, want }) => {
    const states = [A, B, C].map((url, i) => up('pool', url, { inFlight: inFlight[i]! }))
    const r = selectBackends(req(), [...states, up('lmstudio', L)], cfg({ backends }))
    expect(hosts(r.candidates)).toEqual([...want, 'lmstudio@127.0.0.1'])
  })

  it('a down URL goes to the very end, after the other backends', () => {
    const states = [
      up('pool', A, { inFlight: 3 }),
      down('pool', B),
      up('pool', C, { inFlight: 1 }),
      up('lmstudio', L),
    ]
    const r = selectBackends(req(), states, cfg({ backends }))
    expect(hosts(r.candidates)).toEqual([
      'pool@10.0.0.3',
      'pool@10.0.0.1',
      'lmstudio@127.0.0.1',
      'pool@10.0.0.2',
    ])
    // the backend still has an up URL: not reported as down
    expect(r.reason).toBe('auto: chat → pool (speedRank)')
  })

  it('all URLs down: the backend moves behind the others', () => {
    const states = [down('pool', A), down('pool', B), down('pool', C), up('lmstudio', L)]
    const r = selectBackends(req(), states, cfg({ backends }))
    expect(hosts(r.candidates)).toEqual([
      'lmstudio@127.0.0.1',
      'pool@10.0.0.1',
      'pool@10.0.0.2',
      'pool@10.0.0.3',
    ])
    expect(r.reason).toBe('auto: chat → lmstudio (speedRank); down, tried last: pool')
  })
})

describe('routeRequestFrom', () => {
  const base = (over: Partial<MessagesRequest> = {}): MessagesRequest =>
    ({
      model: 'claude-sonnet-4-5',
      max_tokens: 32000,
      messages: [{ role: 'user', content: 'hi' }],
      ...over,
    }) as MessagesRequest

  it('a Claude Code 2.1 main request', () => {
    const r = routeRequestFrom(
      base({
        tools: [{ name: 'Bash', input_schema: { type: 'object' } }],
        thinking: { type: 'adaptive' },
        metadata: {
          user_id: JSON.stringify({
            device_id: 'd',
            account_uuid: 'a',
            session_id: 'from-metadata',
          }),
        },
      }),
      { 'X-Claude-Code-Session-Id': 'sess-1', 'User-Agent': 'claude-cli/2.1.110' },
      12_345,
    )
    expect(r).toEqual({
      hasTools: true,
      model: 'claude-sonnet-4-5',
      thinking: true,
      headers: { 'x-claude-code-session-id': 'sess-1', 'user-agent': 'claude-cli/2.1.110' },
      tokenEstimate: 12_345,
      sessionKey: 'sess-1',
    })
  })

  it('session from metadata.user_id: 2.1 JSON string and 2.0 legacy form', () => {
    const json = JSON.stringify({ device_id: 'd', account_uuid: 'a', session_id: '5e55-1on' })
    expect(routeRequestFrom(base({ metadata: { user_id: json } }), {}, 0).sessionKey).toBe(
      '5e55-1on',
    )
    const legacy =
      'user_0123abcd_account_11111111-2222-3333-4444-555555555555_session_aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'
    expect(routeRequestFrom(base({ metadata: { user_id: legacy } }), {}, 0).sessionKey).toBe(
      'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    )
    expect(routeRequestFrom(base({ metadata: { user_id: 'plain' } }), {}, 0)).not.toHaveProperty(
      'sessionKey',
    )
    expect(
      routeRequestFrom(base({ metadata: { user_id: '{bad json' } }), {}, 0),
    ).not.toHaveProperty('sessionKey')
  })

  it('server tools alone are no tools; thinking disabled or absent is off', () => {
    const webSearch = base({ tools: [{ name: 'web_search', type: 'web_search_20250305' }] })
    expect(routeRequestFrom(webSearch, {}, 0).hasTools).toBe(false)
    expect(routeRequestFrom(base({ thinking: { type: 'disabled' } }), {}, 0).thinking).toBe(false)
    expect(
      routeRequestFrom(base({ thinking: { type: 'enabled', budget_tokens: 2048 } }), {}, 0)
        .thinking,
    ).toBe(true)
    expect(routeRequestFrom(base(), {}, 0).thinking).toBe(false)
  })
})
