/**
 * @module metrics: the metrics the app records. The app sees only this interface (Web-standard
 * core); the Node side supplies the prom-client implementation in metrics-prom.ts.
 */
export type RequestOutcome = {
  route: string
  backend: string
  status: number
  stopReason?: string
  ttftMs?: number
  durationMs: number
  inputTokens?: number
  outputTokens?: number
  cachedTokens?: number
}

export interface Metrics {
  request(outcome: RequestOutcome): void
  /** Time from the start of the exchange to the first content block (text, thinking or tool). */
  firstToken?(backend: string, ms: number): void
  failover(from: string, reason: string): void
  backendUp(name: string, url: string, up: boolean): void
  /** Prometheus text exposition for GET /metrics. */
  render(): Promise<{ contentType: string; body: string }>
}
