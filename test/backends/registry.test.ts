import { afterEach, describe, expect, it, vi } from 'vitest'
import { BackendRegistry, type RegistryOptions } from '../../src/backends/registry.js'
import { resolveBackends } from '../../src/backends/resolve.js'
import { affinityKey, type RouteRequest, selectBackends } from '../../src/backends/router.js'
import type { Backend } from '../../src/backends/types.js'
import { fakeFetch, llamaServer, lmStudioServer, mlxTextgenServer } from './fake-servers.js'

const T = 'http://127.0.0.1:5001/v1'
const M = 'http://127.0.0.1:8080/v1'
const L = 'http://127.0.0.1:1234/v1'
const OPTS: RegistryOptions = {
  retryDownAfterMs: 5000,
  probeIntervalMs: 30_000,
  probeTimeoutMs: 200,
}

const backends = (): Backend[] =>
  resolveBackends({
    backends: [
      { kind: 'mlx-textgen', url: 'http://127.0.0.1:5001/v1' },
      { kind: 'mlx-lm', url: 'http://127.0.0.1:8080' },
      { kind: 'lmstudio', url: 'http://127.0.0.1:1234/v1/' },
    ],
  })

/** A clock the test moves by hand. */
const clock = (start = 1_000_000) => {
  let t = start
  return { now: () => t, advance: (ms: number) => (t += ms) }
}

const setup = (servers: Parameters<typeof fakeFetch>[0] = {}, opts: RegistryOptions = OPTS) => {
  const c = clock()
  const lines: string[] = []
  const fetch = fakeFetch(servers)
  const registry = new BackendRegistry(
    backends(),
    { fetch, now: c.now, log: (l) => lines.push(l) },
    opts,
  )
  const route = (over: Partial<RouteRequest> = {}) =>
    selectBackends(
      { hasTools: true, model: 'claude', thinking: false, headers: {}, tokenEstimate: 0, ...over },
      registry.states(),
      {
        mode: 'auto',
        rules: [],
        backends: registry.backends,
        affinity: registry.affinity,
        now: c.now(),
      },
    ).candidates.map((x) => x.backend.name)
  return { registry, lines, fetch, clock: c, route }
}

describe('BackendRegistry: states and probes', () => {
  it('starts with every URL assumed up and never checked', () => {
    const { registry } = setup()
    expect(registry.states()).toEqual([
      { name: 'mlx-textgen', url: T, up: true, checkedAt: 0, inFlight: 0 },
      { name: 'mlx-lm', url: M, up: true, checkedAt: 0, inFlight: 0 },
      { name: 'lmstudio', url: L, up: true, checkedAt: 0, inFlight: 0 },
    ])
  })

  it('probeAll records what answers and logs one line per URL', async () => {
    const {
      registry,
      lines,
      clock: c,
    } = setup({
      'http://127.0.0.1:5001': mlxTextgenServer(),
      'http://127.0.0.1:8080': llamaServer(),
    })
    await registry.probeAll()
    expect(lines).toEqual([
      '✓ mlx-textgen at http://127.0.0.1:5001/v1 — model Qwen3-Coder-30B, tools',
      '✓ mlx-lm at http://127.0.0.1:8080/v1 — model qwen3-coder-30b, 32k context, tools (configured mlx-lm, found llama.cpp)',
      '✗ lmstudio at http://127.0.0.1:1234/v1 — connection refused',
    ])
    expect(registry.state('lmstudio', L)).toEqual({
      name: 'lmstudio',
      url: L,
      up: false,
      reason: 'connection refused',
      checkedAt: c.now(),
      retryAt: c.now() + 5000,
      inFlight: 0,
    })
    expect(registry.state('mlx-lm', M)).toMatchObject({
      up: true,
      detectedKind: 'llamacpp',
      contextWindow: 32768,
    })
  })

  it('a server that comes back is up again at the next probe; what was learned is kept while down', async () => {
    const servers: Parameters<typeof fakeFetch>[0] = { 'http://127.0.0.1:1234': lmStudioServer() }
    const { registry } = setup(servers)
    await registry.probeAll()
    expect(registry.state('lmstudio', L)).toMatchObject({
      up: true,
      detectedKind: 'lmstudio',
      contextWindow: 40960,
    })
    delete servers['http://127.0.0.1:1234']
    await registry.probeAll()
    expect(registry.state('lmstudio', L)).toMatchObject({
      up: false,
      reason: 'connection refused',
      detectedKind: 'lmstudio',
    })
    servers['http://127.0.0.1:1234'] = lmStudioServer()
    await registry.probeAll()
    expect(registry.state('lmstudio', L)).toMatchObject({ up: true })
    expect(registry.state('lmstudio', L)).not.toHaveProperty('reason')
    expect(registry.state('lmstudio', L)).not.toHaveProperty('retryAt')
  })

  it('a probe timing out on a busy URL does not mark it down', async () => {
    const hang = () => new Promise<Response>(() => {})
    const { registry } = setup({
      'http://127.0.0.1:8080': {
        routes: { '/v1/models': hang },
        notFound: () => new Response('', { status: 404 }),
      },
    })
    registry.acquire('mlx-lm', M)
    await registry.probeAll()
    expect(registry.state('mlx-lm', M)).toMatchObject({ up: true, inFlight: 1 })
    registry.release('mlx-lm', M)
    await registry.probeAll()
    expect(registry.state('mlx-lm', M)).toMatchObject({ up: false, reason: 'timeout' })
  })

  it('concurrent probeAll calls share one run', async () => {
    const { registry, fetch } = setup({ 'http://127.0.0.1:5001': mlxTextgenServer() })
    await Promise.all([registry.probeAll(), registry.probeAll()])
    expect(fetch.calls.filter((c) => c.url === `${T}/models`)).toHaveLength(1)
  })
})

describe('BackendRegistry: background probes', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('probe every probeIntervalMs, log only changes, and stop cleanly', async () => {
    vi.useFakeTimers()
    const servers: Parameters<typeof fakeFetch>[0] = { 'http://127.0.0.1:5001': mlxTextgenServer() }
    const { registry, lines, fetch } = setup(servers)
    await registry.probeAll()
    lines.length = 0
    registry.startBackgroundProbes()
    registry.startBackgroundProbes() // idempotent
    await vi.advanceTimersByTimeAsync(30_000)
    expect(fetch.calls.filter((c) => c.url === `${T}/models`)).toHaveLength(2)
    expect(lines).toEqual([]) // nothing changed
    delete servers['http://127.0.0.1:5001']
    await vi.advanceTimersByTimeAsync(30_000)
    expect(lines).toEqual(['✗ mlx-textgen at http://127.0.0.1:5001/v1 — connection refused'])
    registry.stop()
    expect(vi.getTimerCount()).toBe(0)
    await vi.advanceTimersByTimeAsync(120_000)
    expect(fetch.calls.filter((c) => c.url === `${T}/models`)).toHaveLength(3)
  })

  it('stop() aborts probes in flight', async () => {
    let aborted = false
    const hang = (init?: RequestInit) =>
      new Promise<Response>((_, reject) => {
        init?.signal?.addEventListener('abort', () => {
          aborted = true
          reject(new DOMException('aborted', 'AbortError'))
        })
      })
    const { registry } = setup(
      {
        'http://127.0.0.1:5001': {
          routes: { '/v1/models': hang },
          notFound: () => new Response('', { status: 404 }),
        },
      },
      { ...OPTS, probeTimeoutMs: 60_000 },
    )
    const probing = registry.probeAll()
    registry.stop()
    await probing
    expect(aborted).toBe(true)
    // the aborted probe changed nothing
    expect(registry.state('mlx-textgen', T)).toMatchObject({ up: true, checkedAt: 0 })
  })
})

describe('BackendRegistry: circuit breaker', () => {
  it('down → tried last until retryAt → half-open trial → up on success', () => {
    const { registry, clock: c, route, lines } = setup()
    expect(route()).toEqual(['mlx-textgen', 'lmstudio', 'mlx-lm'])

    registry.markFailure('mlx-textgen', T, 'HTTP 500')
    expect(lines).toEqual(['✗ mlx-textgen at http://127.0.0.1:5001/v1 — HTTP 500'])
    expect(registry.state('mlx-textgen', T)).toMatchObject({
      up: false,
      reason: 'HTTP 500',
      retryAt: c.now() + 5000,
    })
    expect(route()).toEqual(['lmstudio', 'mlx-lm', 'mlx-textgen'])

    c.advance(4999)
    expect(route()).toEqual(['lmstudio', 'mlx-lm', 'mlx-textgen'])
    c.advance(1)
    // retryAt reached: half-open, back in its place
    expect(route()).toEqual(['mlx-textgen', 'lmstudio', 'mlx-lm'])

    // the trial request: while it runs, others treat the URL as down
    registry.acquire('mlx-textgen', T)
    expect(registry.state('mlx-textgen', T)).toMatchObject({ up: false, retryAt: c.now() + 5000 })
    expect(route()).toEqual(['lmstudio', 'mlx-lm', 'mlx-textgen'])

    registry.markSuccess('mlx-textgen', T)
    registry.release('mlx-textgen', T)
    expect(lines.at(-1)).toBe('✓ mlx-textgen at http://127.0.0.1:5001/v1 — answering again')
    expect(registry.state('mlx-textgen', T)).toEqual({
      name: 'mlx-textgen',
      url: T,
      up: true,
      checkedAt: c.now(),
      inFlight: 0,
    })
    expect(route()).toEqual(['mlx-textgen', 'lmstudio', 'mlx-lm'])
  })

  it('a failed trial re-opens the breaker for another retryDownAfterMs', () => {
    const { registry, clock: c } = setup()
    registry.markFailure('mlx-lm', M, 'connection refused')
    c.advance(5000)
    registry.acquire('mlx-lm', M)
    c.advance(100)
    registry.markFailure('mlx-lm', M, 'connection reset')
    registry.release('mlx-lm', M)
    expect(registry.state('mlx-lm', M)).toMatchObject({
      up: false,
      reason: 'connection reset',
      retryAt: c.now() + 5000,
    })
  })

  it('all down: every backend is still a candidate, in order', () => {
    const { registry, route } = setup()
    registry.markFailure('mlx-textgen', T, 'x')
    registry.markFailure('mlx-lm', M, 'x')
    registry.markFailure('lmstudio', L, 'x')
    expect(route()).toEqual(['mlx-textgen', 'lmstudio', 'mlx-lm'])
  })

  it('ignores unknown names and URLs', () => {
    const { registry } = setup()
    registry.markFailure('ghost', T, 'x')
    registry.markSuccess('ghost', T)
    registry.acquire('mlx-lm', 'http://elsewhere/v1')
    registry.release('mlx-lm', 'http://elsewhere/v1')
    expect(registry.states().every((s) => s.up && s.inFlight === 0)).toBe(true)
  })
})

describe('BackendRegistry: in-flight counts', () => {
  it('acquire/release count per URL, never below zero, and steer the router', () => {
    const pool = resolveBackends({
      backends: [
        { kind: 'mlx-lm', name: 'pool', urls: ['http://10.0.0.1:8080', 'http://10.0.0.2:8080'] },
      ],
    })
    const registry = new BackendRegistry(pool, { fetch: fakeFetch({}) }, OPTS)
    const first = () =>
      selectBackends(
        { hasTools: false, model: 'm', thinking: false, headers: {}, tokenEstimate: 0 },
        registry.states(),
        {
          mode: 'auto',
          rules: [],
          backends: registry.backends,
          now: 0,
        },
      ).candidates[0]?.url
    expect(first()).toBe('http://10.0.0.1:8080/v1')
    registry.acquire('pool', 'http://10.0.0.1:8080/v1')
    expect(registry.state('pool', 'http://10.0.0.1:8080/v1')?.inFlight).toBe(1)
    expect(first()).toBe('http://10.0.0.2:8080/v1')
    registry.acquire('pool', 'http://10.0.0.2:8080/v1')
    registry.acquire('pool', 'http://10.0.0.2:8080/v1')
    expect(first()).toBe('http://10.0.0.1:8080/v1')
    registry.release('pool', 'http://10.0.0.2:8080/v1')
    registry.release('pool', 'http://10.0.0.2:8080/v1')
    registry.release('pool', 'http://10.0.0.2:8080/v1')
    expect(registry.state('pool', 'http://10.0.0.2:8080/v1')?.inFlight).toBe(0)
  })
})

describe('BackendRegistry: affinity', () => {
  it('get/set by key, read by the router', () => {
    const { registry, route } = setup()
    const key = affinityKey('sess', true)
    expect(registry.getAffinity(key)).toBeUndefined()
    registry.setAffinity(key, 'mlx-lm')
    expect(registry.getAffinity(key)).toBe('mlx-lm')
    expect(registry.affinity.get(key)).toBe('mlx-lm')
    expect(route({ sessionKey: 'sess' })).toEqual(['mlx-lm', 'mlx-textgen', 'lmstudio'])
    // the tool-less side of the same session is not affected
    expect(route({ sessionKey: 'sess', hasTools: false })).toEqual([
      'mlx-lm',
      'mlx-textgen',
      'lmstudio',
    ])
    registry.setAffinity(affinityKey('sess', false), 'lmstudio')
    expect(route({ sessionKey: 'sess', hasTools: false })).toEqual([
      'lmstudio',
      'mlx-lm',
      'mlx-textgen',
    ])
  })

  it('forgets the least recently set sessions beyond 1000', () => {
    const { registry } = setup()
    for (let i = 0; i < 1001; i++) registry.setAffinity(`s${i}|chat`, 'mlx-lm')
    expect(registry.getAffinity('s0|chat')).toBeUndefined()
    expect(registry.getAffinity('s1|chat')).toBe('mlx-lm')
    expect(registry.affinity.size).toBe(1000)
  })
})

describe('BackendRegistry: health JSON', () => {
  it('ok / degraded / down with one entry per URL', async () => {
    const { registry, clock: c } = setup({
      'http://127.0.0.1:5001': mlxTextgenServer(),
      'http://127.0.0.1:8080': llamaServer(),
      'http://127.0.0.1:1234': lmStudioServer(),
    })
    expect(registry.toHealthJson().status).toBe('ok')
    await registry.probeAll()
    expect(registry.toHealthJson()).toEqual({
      status: 'ok',
      backends: [
        {
          name: 'mlx-textgen',
          kind: 'mlx-textgen',
          detectedKind: 'mlx-textgen',
          url: T,
          up: true,
          model: 'Qwen3-Coder-30B',
          inFlight: 0,
          checkedAt: new Date(c.now()).toISOString(),
        },
        {
          name: 'mlx-lm',
          kind: 'mlx-lm',
          detectedKind: 'llamacpp',
          url: M,
          up: true,
          model: 'qwen3-coder-30b',
          contextWindow: 32768,
          inFlight: 0,
          checkedAt: new Date(c.now()).toISOString(),
        },
        {
          name: 'lmstudio',
          kind: 'lmstudio',
          detectedKind: 'lmstudio',
          url: L,
          up: true,
          model: 'qwen/qwen3-coder-30b',
          contextWindow: 40960,
          inFlight: 0,
          checkedAt: new Date(c.now()).toISOString(),
        },
      ],
    })
    registry.markFailure('lmstudio', L, 'HTTP 500')
    registry.acquire('mlx-lm', M)
    const health = registry.toHealthJson()
    expect(health.status).toBe('degraded')
    expect(health.backends[1]).toMatchObject({ inFlight: 1 })
    expect(health.backends[2]).toMatchObject({
      up: false,
      reason: 'HTTP 500',
      retryAt: new Date(c.now() + 5000).toISOString(),
    })
    registry.markFailure('mlx-textgen', T, 'x')
    registry.markFailure('mlx-lm', M, 'x')
    expect(registry.toHealthJson().status).toBe('down')
  })
})
