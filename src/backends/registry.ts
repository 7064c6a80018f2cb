/**
 * @module backends/registry: the one stateful part of backends: per-URL states (detection, circuit
 * breaker, in-flight counts), background probes and session affinity. Routing itself is pure
 * (`router.ts`); the registry only supplies its inputs.
 */
import { formatProbeLine, probeBackend } from './detect.js'
import { effectiveBackend } from './effective.js'
import type { Backend, BackendState } from './types.js'

export type RegistryDeps = {
  /** Networking for probes (an undici Agent in production, a stub in tests). */
  fetch: typeof fetch
  now?: () => number
  /** Receives one human line per probed URL (stderr or the launcher's log file). */
  log?: (line: string) => void
}

export type RegistryOptions = {
  /** Circuit breaker: a failed URL is tried last until this much later, then once again. */
  retryDownAfterMs: number
  probeIntervalMs: number
  /** Per probe request; default 3000. */
  probeTimeoutMs?: number
}

/** `GET /health` body. */
export type HealthJson = {
  /** ok: every URL up; degraded: some; down: none. */
  status: 'ok' | 'degraded' | 'down'
  backends: {
    name: string
    kind: string
    detectedKind?: string
    url: string
    up: boolean
    reason?: string
    model?: string
    contextWindow?: number
    inFlight: number
    checkedAt?: string
    retryAt?: string
  }[]
}

const DEFAULT_PROBE_TIMEOUT_MS = 3000
/** Sessions remembered for affinity (oldest forgotten first). */
const MAX_AFFINITY_ENTRIES = 1000

const keyOf = (name: string, url: string): string => `${name}\u0000${url}`
const copy = (s: BackendState): BackendState => ({
  ...s,
  ...(s.models && { models: [...s.models] }),
})

/**
 * Holds what is known about each backend URL.
 * @example
 * const registry = new BackendRegistry(resolveBackends(config), { fetch }, config)
 * await registry.probeAll()
 * registry.startBackgroundProbes()
 */
export class BackendRegistry {
  readonly backends: readonly Backend[]
  readonly #states = new Map<string, BackendState>()
  readonly #affinity = new Map<string, string>()
  readonly #fetch: typeof fetch
  readonly #now: () => number
  readonly #log: (line: string) => void
  readonly #opts: Required<RegistryOptions>
  #timer: ReturnType<typeof setInterval> | undefined
  #probing: Promise<void> | undefined
  #abort = new AbortController()

  constructor(backends: Backend[], deps: RegistryDeps, opts: RegistryOptions) {
    this.backends = backends
    this.#fetch = deps.fetch
    this.#now = deps.now ?? Date.now
    this.#log = deps.log ?? (() => {})
    this.#opts = { probeTimeoutMs: DEFAULT_PROBE_TIMEOUT_MS, ...opts }
    // Unprobed = assumed up: a request is the best probe there is.
    for (const b of backends)
      for (const url of b.urls)
        this.#states.set(keyOf(b.name, url), {
          name: b.name,
          url,
          up: true,
          checkedAt: 0,
          inFlight: 0,
        })
  }

  /** A snapshot of every URL's state, in configuration order. */
  states(): BackendState[] {
    return [...this.#states.values()].map(copy)
  }

  state(name: string, url: string): BackendState | undefined {
    const s = this.#states.get(keyOf(name, url))
    return s && copy(s)
  }

  /** The session-affinity map, for the router (read-only view). */
  get affinity(): ReadonlyMap<string, string> {
    return this.#affinity
  }

  /**
   * Probes every URL in parallel, then logs one line per URL in configuration order (the
   * start-up report).
   * @param opts.quiet log only what changed (up ↔ down, another server found): background probes
   */
  async probeAll(opts: { quiet?: boolean } = {}): Promise<void> {
    if (this.#probing) return this.#probing
    if (this.#abort.signal.aborted) this.#abort = new AbortController()
    const run = async () => {
      const jobs = this.backends.flatMap((b) => b.urls.map((url) => this.#probe(b, url)))
      for (const { line, changed } of await Promise.all(jobs))
        if (line && (changed || !opts.quiet)) this.#log(line)
    }
    this.#probing = run().finally(() => {
      this.#probing = undefined
    })
    return this.#probing
  }

  /** Probes one URL and records the result; returns its log line (none when nothing was learned). */
  async #probe(backend: Backend, url: string): Promise<{ line?: string; changed?: boolean }> {
    const state = this.#states.get(keyOf(backend.name, url))
    if (!state) return {}
    const signal = this.#abort.signal
    // One child signal per URL: its six parallel probe requests listen to it, not to the shared
    // signal (more than ten listeners on one signal trips Node's leak warning).
    const local = new AbortController()
    const onAbort = () => local.abort()
    signal.addEventListener('abort', onAbort, { once: true })
    const result = await probeBackend(backend, url, this.#fetch, {
      timeoutMs: this.#opts.probeTimeoutMs,
      signal: local.signal,
    }).finally(() => signal.removeEventListener('abort', onAbort))
    if (signal.aborted) return {}
    // A server busy generating may not answer a probe in time: busy is not down.
    if (!result.up && result.reason === 'timeout' && state.inFlight > 0) return {}
    const before = { up: state.up, kind: state.detectedKind, checked: state.checkedAt }
    const now = this.#now()
    state.checkedAt = now
    if (result.up) {
      state.up = true
      delete state.reason
      delete state.retryAt
    } else {
      state.up = false
      state.reason = result.reason ?? 'down'
      state.retryAt = now + this.#opts.retryDownAfterMs
    }
    // Keep what an earlier probe learned when this one could not tell (e.g. the server is down).
    if (result.detectedKind) state.detectedKind = result.detectedKind
    if (result.models) state.models = result.models
    if (result.contextWindow !== undefined) state.contextWindow = result.contextWindow
    if (result.vision !== undefined) state.vision = result.vision
    const changed =
      before.checked === 0 || before.up !== state.up || before.kind !== state.detectedKind
    return { line: formatProbeLine(backend, state), changed }
  }

  /** Probes every `probeIntervalMs` until `stop()`; changes are logged. */
  startBackgroundProbes(): void {
    if (this.#timer) return
    this.#timer = setInterval(() => {
      void this.probeAll({ quiet: true })
    }, this.#opts.probeIntervalMs)
  }

  /** Stops background probes and aborts probes in flight, so the process can exit. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = undefined
    this.#abort.abort()
  }

  /** The backend as it must be spoken to at `url`: quirks of the server found there. */
  effective(backend: Backend, url: string): Backend {
    return effectiveBackend(backend, this.#states.get(keyOf(backend.name, url)))
  }

  /** A request starts on this URL. A down URL past its retryAt becomes the half-open trial. */
  acquire(name: string, url: string): void {
    const state = this.#states.get(keyOf(name, url))
    if (!state) return
    state.inFlight++
    const now = this.#now()
    // Half-open: one trial at a time; others keep treating it as down until the trial ends.
    if (!state.up && (state.retryAt ?? 0) <= now) state.retryAt = now + this.#opts.retryDownAfterMs
  }

  release(name: string, url: string): void {
    const state = this.#states.get(keyOf(name, url))
    if (state && state.inFlight > 0) state.inFlight--
  }

  /** Circuit breaker: the URL is tried last until `retryDownAfterMs` from now. */
  markFailure(name: string, url: string, reason: string): void {
    const state = this.#states.get(keyOf(name, url))
    if (!state) return
    const now = this.#now()
    const wasUp = state.up
    state.up = false
    state.reason = reason
    state.checkedAt = now
    state.retryAt = now + this.#opts.retryDownAfterMs
    if (wasUp) this.#log(`✗ ${name} at ${url} — ${reason}`)
  }

  markSuccess(name: string, url: string): void {
    const state = this.#states.get(keyOf(name, url))
    if (!state) return
    const wasUp = state.up
    state.up = true
    state.checkedAt = this.#now()
    delete state.reason
    delete state.retryAt
    if (!wasUp) this.#log(`✓ ${name} at ${url} — answering again`)
  }

  /** Affinity key: `${sessionKey}|tools` or `${sessionKey}|chat` (see `affinityKey`). */
  getAffinity(key: string): string | undefined {
    return this.#affinity.get(key)
  }

  setAffinity(key: string, name: string): void {
    // Re-insert so the map's order is recency; old sessions fall off the front.
    this.#affinity.delete(key)
    this.#affinity.set(key, name)
    if (this.#affinity.size > MAX_AFFINITY_ENTRIES) {
      const oldest = this.#affinity.keys().next().value
      if (oldest !== undefined) this.#affinity.delete(oldest)
    }
  }

  toHealthJson(): HealthJson {
    const backends = this.backends.flatMap((b) =>
      b.urls.map((url) => {
        const s = this.#states.get(keyOf(b.name, url))!
        const eff = effectiveBackend(b, s)
        return {
          name: b.name,
          kind: b.kind,
          ...(s.detectedKind && { detectedKind: s.detectedKind }),
          url,
          up: s.up,
          ...(s.reason && { reason: s.reason }),
          ...(eff.model && { model: eff.model }),
          ...(eff.contextWindow !== undefined && { contextWindow: eff.contextWindow }),
          inFlight: s.inFlight,
          ...(s.checkedAt > 0 && { checkedAt: new Date(s.checkedAt).toISOString() }),
          ...(s.retryAt !== undefined && { retryAt: new Date(s.retryAt).toISOString() }),
        }
      }),
    )
    const up = backends.filter((b) => b.up).length
    const status = up === backends.length ? 'ok' : up > 0 ? 'degraded' : 'down'
    return { status, backends }
  }
}
