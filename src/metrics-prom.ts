/** @module metrics-prom: the Prometheus metrics (prom-client), on the Node side. */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { Metrics, RequestOutcome } from './metrics.js'

export class PromMetrics implements Metrics {
  readonly registry = new Registry()

  constructor() {
    // Process metrics (RSS, heap, external memory, event-loop lag, handles): what a proxy left
    // running for hours needs watching for.
    collectDefaultMetrics({ register: this.registry })
  }
  readonly #requests = new Counter({
    name: 'anyclaude_requests_total',
    help: 'Requests by route, backend, status and stop reason',
    labelNames: ['route', 'backend', 'status', 'stop_reason'] as const,
    registers: [this.registry],
  })
  readonly #ttft = new Histogram({
    name: 'anyclaude_time_to_first_byte_seconds',
    help: 'Time until the backend answered',
    labelNames: ['backend'] as const,
    buckets: [0.005, 0.05, 0.25, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  })
  readonly #firstToken = new Histogram({
    name: 'anyclaude_time_to_first_token_seconds',
    help: 'Time until the first content block (prefill included)',
    labelNames: ['backend'] as const,
    buckets: [0.05, 0.25, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [this.registry],
  })
  readonly #duration = new Histogram({
    name: 'anyclaude_request_duration_seconds',
    help: 'Whole request duration',
    labelNames: ['route', 'backend'] as const,
    buckets: [0.01, 0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600],
    registers: [this.registry],
  })
  readonly #tokens = new Counter({
    name: 'anyclaude_tokens_total',
    help: 'Tokens by backend and kind (input, output, cached)',
    labelNames: ['backend', 'kind'] as const,
    registers: [this.registry],
  })
  readonly #failovers = new Counter({
    name: 'anyclaude_failovers_total',
    help: 'Candidates abandoned before the first content block',
    labelNames: ['backend'] as const,
    registers: [this.registry],
  })
  #states: (() => readonly { name: string; url: string; up: boolean }[]) | undefined
  readonly #up = new Gauge({
    name: 'anyclaude_backend_up',
    help: '1 when the backend answered its last probe or request',
    labelNames: ['backend', 'url'] as const,
    registers: [this.registry],
    // Read at scrape time, so background probes show without a hook of their own.
    collect: () => {
      for (const s of this.#states?.() ?? []) this.backendUp(s.name, s.url, s.up)
    },
  })

  /** Reports each backend URL's up/down state from `states` (the registry) at every scrape. */
  trackBackends(states: () => readonly { name: string; url: string; up: boolean }[]): void {
    this.#states = states
  }

  request(outcome: RequestOutcome): void {
    // A path no route matched (a scanner, a typo) would add a label value per path: unbounded.
    const o = outcome.status === 404 ? { ...outcome, route: 'unmatched' } : outcome
    this.#requests.inc({
      route: o.route,
      backend: o.backend,
      status: String(o.status),
      stop_reason: o.stopReason ?? '',
    })
    this.#duration.observe({ route: o.route, backend: o.backend }, o.durationMs / 1000)
    if (o.ttftMs !== undefined) this.#ttft.observe({ backend: o.backend }, o.ttftMs / 1000)
    if (o.inputTokens) this.#tokens.inc({ backend: o.backend, kind: 'input' }, o.inputTokens)
    if (o.outputTokens) this.#tokens.inc({ backend: o.backend, kind: 'output' }, o.outputTokens)
    if (o.cachedTokens) this.#tokens.inc({ backend: o.backend, kind: 'cached' }, o.cachedTokens)
  }

  firstToken(backend: string, ms: number): void {
    this.#firstToken.observe({ backend }, ms / 1000)
  }

  failover(from: string): void {
    this.#failovers.inc({ backend: from })
  }

  backendUp(name: string, url: string, up: boolean): void {
    this.#up.set({ backend: name, url }, up ? 1 : 0)
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() }
  }
}
